//! A unix-socket proxy in front of the engine: it counts the HTTP requests passing through it (so a benchmark or
//! test can state how many Docker calls an operation made) and injects faults into chosen calls: a 500 answer,
//! a delay, a stream cut mid-way, or a stream that goes silent while its connection stays open.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bollard::Docker;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::OwnedWriteHalf;

use crate::TestResult;

/// What happens to a request whose request line (`GET /v1.41/events?…`) contains the rule's text.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer 500 without asking the engine, and close the connection.
    Fail,
    /// Hold the request this long before passing it on.
    Delay(Duration),
    /// Pass it on, then close the connection this long after it was sent.
    CutAfter(Duration),
    /// Pass it on, then drop every byte of the answer while keeping the connection open (a half-open peer).
    Silence,
}

#[derive(Debug)]
struct Rule {
    matches: String,
    fault: Fault,
    remaining: usize,
}

/// One connection through the proxy, as [`CountingProxy::disrupt_open`] sees it.
#[derive(Default)]
struct Open {
    /// The request line of the last request sent on it.
    last_request: Mutex<String>,
    silenced: AtomicBool,
    closed: tokio::sync::Notify,
}

/// The proxy; dropping it stops it.
pub struct CountingProxy {
    /// Socket path to connect bollard to.
    pub socket: PathBuf,
    requests: Arc<AtomicUsize>,
    rules: Arc<Mutex<Vec<Rule>>>,
    injected: Arc<AtomicUsize>,
    open: Arc<Mutex<Vec<std::sync::Weak<Open>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl CountingProxy {
    /// Starts a proxy to the engine's unix socket (`/var/run/docker.sock`, or `DOCKER_HOST` when it is a unix
    /// socket).
    pub async fn start() -> TestResult<CountingProxy> {
        let upstream = std::env::var("DOCKER_HOST")
            .ok()
            .and_then(|host| host.strip_prefix("unix://").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"));
        let socket = std::env::temp_dir().join(format!(
            "swarmdeck-proxy-{}-{}.sock",
            std::process::id(),
            rand::random::<u32>()
        ));
        let listener = tokio::net::UnixListener::bind(&socket)?;
        let requests = Arc::new(AtomicUsize::new(0));
        let rules: Arc<Mutex<Vec<Rule>>> = Arc::default();
        let injected = Arc::new(AtomicUsize::new(0));
        let open: Arc<Mutex<Vec<std::sync::Weak<Open>>>> = Arc::default();
        let shared = Connection {
            requests: requests.clone(),
            rules: rules.clone(),
            injected: injected.clone(),
            open: open.clone(),
        };
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let shared = shared.clone();
                tokio::spawn(async move {
                    if let Ok(server) = tokio::net::UnixStream::connect(&upstream).await {
                        shared.serve(client, server).await;
                    }
                });
            }
        });
        Ok(CountingProxy {
            socket,
            requests,
            rules,
            injected,
            open,
            task,
        })
    }

    /// An engine connection through the proxy.
    pub fn docker(&self) -> TestResult<Docker> {
        Ok(Docker::connect_with_unix(
            &self.socket.to_string_lossy(),
            120,
            bollard::API_DEFAULT_VERSION,
        )?)
    }

    /// `DOCKER_HOST` for a process that should go through the proxy.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Requests seen so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Applies `fault` to the next `times` requests whose request line contains `matches`.
    pub fn inject(&self, matches: &str, fault: Fault, times: usize) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.push(Rule {
                matches: matches.to_string(),
                fault,
                remaining: times,
            });
        }
    }

    /// Applies `fault` (a cut or silence) to the connections already open whose last request line contains
    /// `matches` — a stream that is running now, such as a client's `/events`. Returns how many it reached.
    pub fn disrupt_open(&self, matches: &str, fault: Fault) -> usize {
        let Ok(mut open) = self.open.lock() else {
            return 0;
        };
        open.retain(|connection| connection.strong_count() > 0);
        let mut reached = 0;
        for connection in open.iter().filter_map(std::sync::Weak::upgrade) {
            let line = connection
                .last_request
                .lock()
                .map(|line| line.clone())
                .unwrap_or_default();
            if !line.contains(matches) {
                continue;
            }
            reached += 1;
            self.injected.fetch_add(1, Ordering::Relaxed);
            match fault {
                Fault::Silence => connection.silenced.store(true, Ordering::Relaxed),
                Fault::CutAfter(after) => {
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        connection.closed.notify_one();
                    });
                }
                Fault::Fail | Fault::Delay(_) => {}
            }
        }
        reached
    }

    /// Connections open now whose last request line contains `matches` (a stream the client still reads).
    pub fn open_with(&self, matches: &str) -> usize {
        let Ok(mut open) = self.open.lock() else {
            return 0;
        };
        open.retain(|connection| connection.strong_count() > 0);
        open.iter()
            .filter_map(std::sync::Weak::upgrade)
            .filter(|connection| {
                connection
                    .last_request
                    .lock()
                    .is_ok_and(|line| line.contains(matches))
            })
            .count()
    }

    /// Removes every rule not used up yet.
    pub fn heal(&self) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.clear();
        }
    }

    /// Faults injected so far.
    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::Relaxed)
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.socket);
    }
}

#[derive(Clone)]
struct Connection {
    requests: Arc<AtomicUsize>,
    rules: Arc<Mutex<Vec<Rule>>>,
    injected: Arc<AtomicUsize>,
    open: Arc<Mutex<Vec<std::sync::Weak<Open>>>>,
}

impl Connection {
    /// The fault for a request line, using up one of its rule's count.
    fn fault_for(&self, request_line: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().ok()?;
        let rule = rules
            .iter_mut()
            .find(|rule| rule.remaining > 0 && request_line.contains(&rule.matches))?;
        rule.remaining -= 1;
        self.injected.fetch_add(1, Ordering::Relaxed);
        Some(rule.fault.clone())
    }

    async fn serve(self, client: tokio::net::UnixStream, server: tokio::net::UnixStream) {
        let (mut client_read, client_write) = client.into_split();
        let (mut server_read, mut server_write) = server.into_split();
        let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
        let state = Arc::new(Open::default());
        if let Ok(mut open) = self.open.lock() {
            open.push(Arc::downgrade(&state));
        }
        let upload = {
            let client_write = client_write.clone();
            let state = state.clone();
            async move {
                let mut buffer = vec![0_u8; 64 * 1024];
                let mut at_line_start = true;
                loop {
                    let n = match client_read.read(&mut buffer).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    let chunk = &buffer[..n];
                    // Clients do not pipeline: a request starts a chunk once the previous answer is in.
                    let starts_request = at_line_start && request_line(chunk).is_some();
                    self.requests.fetch_add(
                        count_request_lines(chunk, &mut at_line_start),
                        Ordering::Relaxed,
                    );
                    let fault = match request_line(chunk).filter(|_| starts_request) {
                        Some(line) => {
                            if let Ok(mut last) = state.last_request.lock() {
                                last.clone_from(&line);
                            }
                            self.fault_for(&line)
                        }
                        None => None,
                    };
                    match fault {
                        Some(Fault::Fail) => {
                            answer_500(&mut *client_write.lock().await).await;
                            state.closed.notify_one();
                            return;
                        }
                        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
                        Some(Fault::CutAfter(after)) => {
                            let state = state.clone();
                            tokio::spawn(async move {
                                tokio::time::sleep(after).await;
                                state.closed.notify_one();
                            });
                        }
                        Some(Fault::Silence) => state.silenced.store(true, Ordering::Relaxed),
                        None => {}
                    }
                    if server_write.write_all(chunk).await.is_err() {
                        break;
                    }
                }
                let _ = server_write.shutdown().await;
            }
        };
        let download = async {
            let mut buffer = vec![0_u8; 64 * 1024];
            loop {
                let n = match server_read.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if state.silenced.load(Ordering::Relaxed) {
                    continue;
                }
                if client_write
                    .lock()
                    .await
                    .write_all(&buffer[..n])
                    .await
                    .is_err()
                {
                    break;
                }
            }
            let _ = client_write.lock().await.shutdown().await;
        };
        tokio::select! {
            _ = async { tokio::join!(upload, download) } => {}
            () = state.closed.notified() => {}
        }
    }
}

async fn answer_500(client: &mut OwnedWriteHalf) {
    let body = r#"{"message":"fault injected by the test proxy"}"#;
    let answer = format!(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = client.write_all(answer.as_bytes()).await;
    let _ = client.shutdown().await;
}

/// The request line (`GET /path HTTP/1.1`) a chunk starts with, if it starts with one.
fn request_line(chunk: &[u8]) -> Option<String> {
    const METHODS: [&[u8]; 5] = [b"GET /", b"POST /", b"DELETE /", b"PUT /", b"HEAD /"];
    if !METHODS.iter().any(|method| chunk.starts_with(method)) {
        return None;
    }
    let end = chunk.iter().position(|b| *b == b'\r' || *b == b'\n')?;
    Some(String::from_utf8_lossy(&chunk[..end]).into_owned())
}

/// Counts HTTP request lines (`GET /…`, `POST /…`) starting a line in a client byte stream.
fn count_request_lines(bytes: &[u8], at_line_start: &mut bool) -> usize {
    const METHODS: [&[u8]; 4] = [b"GET /", b"POST /", b"DELETE /", b"PUT /"];
    let mut count = 0;
    for (index, byte) in bytes.iter().enumerate() {
        if *at_line_start && METHODS.iter().any(|m| bytes[index..].starts_with(m)) {
            count += 1;
        }
        *at_line_start = *byte == b'\n';
    }
    count
}
