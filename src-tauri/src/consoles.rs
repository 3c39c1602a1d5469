//! Open consoles: each an exec session whose output goes to the view's channel while input, resizes and the close
//! come back by id. One task owns each session; the commands only send it what the view did.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::StreamExt;
use swarmdeck_orchestrator::{ExecOutput, ExecSession, TerminalSize};
use tauri::ipc::Channel;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, Mutex};

use crate::dto::ConsoleEvent;
use crate::error::AppError;

/// What the view asks of an open console.
enum ConsoleRequest {
    Input(Vec<u8>),
    Resize(TerminalSize),
}

/// The open consoles, by id.
#[derive(Default)]
pub struct Consoles {
    next: AtomicU32,
    open: Mutex<HashMap<u32, mpsc::UnboundedSender<ConsoleRequest>>>,
}

impl Consoles {
    /// Starts pumping `session` to `events`; returns the console's id.
    pub async fn open(&self, session: ExecSession, events: Channel<ConsoleEvent>) -> u32 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (sender, requests) = mpsc::unbounded_channel();
        self.open.lock().await.insert(id, sender);
        tauri::async_runtime::spawn(run(session, requests, events));
        id
    }

    /// Sends typed or pasted text; false when the console is gone.
    pub async fn input(&self, id: u32, data: String) -> bool {
        self.send(id, ConsoleRequest::Input(data.into_bytes()))
            .await
    }

    /// Passes the terminal's new size on; false when the console is gone.
    pub async fn resize(&self, id: u32, size: TerminalSize) -> bool {
        self.send(id, ConsoleRequest::Resize(size)).await
    }

    /// Closes the console: the program's input ends (a shell exits), and the session with it.
    pub async fn close(&self, id: u32) {
        self.open.lock().await.remove(&id);
    }

    /// Closes every open console; returns how many there were.
    pub async fn close_all(&self) -> usize {
        let mut open = self.open.lock().await;
        let count = open.len();
        open.clear();
        count
    }

    async fn send(&self, id: u32, request: ConsoleRequest) -> bool {
        let open = self.open.lock().await;
        open.get(&id)
            .is_some_and(|sender| sender.send(request).is_ok())
    }
}

/// The session's life: output to the view as it comes, requests to the program, and how it ended last. Dropping
/// the requests' sender (close) ends the program's input; the output then ends with the program.
async fn run(
    session: ExecSession,
    mut requests: mpsc::UnboundedReceiver<ConsoleRequest>,
    events: Channel<ConsoleEvent>,
) {
    let ExecSession {
        mut output,
        mut input,
        handle,
        ..
    } = session;
    // Resizes go to the engine on their own task, the latest size winning: a resize call the engine is slow to
    // answer must not hold back the keys typed after it.
    let (sizes, mut latest_size) = tokio::sync::watch::channel(None::<TerminalSize>);
    let resizer = handle.clone();
    let resizing = tauri::async_runtime::spawn(async move {
        while latest_size.changed().await.is_ok() {
            let size = *latest_size.borrow_and_update();
            if let Some(size) = size {
                if let Err(error) = resizer.resize(size).await {
                    tracing::debug!(%error, "console resize refused");
                }
            }
        }
    });
    let feeding = tauri::async_runtime::spawn(async move {
        while let Some(request) = requests.recv().await {
            match request {
                ConsoleRequest::Input(bytes) => {
                    if input.write_all(&bytes).await.is_err() || input.flush().await.is_err() {
                        break;
                    }
                }
                ConsoleRequest::Resize(size) => {
                    let _ = sizes.send(Some(size));
                }
            }
        }
        let _ = input.shutdown().await;
    });
    let mut failure = None;
    while let Some(chunk) = output.next().await {
        let data = match chunk {
            Ok(ExecOutput::Stdout(bytes) | ExecOutput::Stderr(bytes)) => bytes.to_vec(),
            Err(error) => {
                failure = Some(error);
                break;
            }
        };
        if events.send(ConsoleEvent::Output { data }).is_err() {
            break;
        }
    }
    feeding.abort();
    resizing.abort();
    let end = match failure {
        Some(error) => ConsoleEvent::Failed {
            error: AppError::from(error),
        },
        None => match handle.exit_code().await {
            Ok(code) => ConsoleEvent::Ended {
                exit_code: i32::try_from(code).unwrap_or(i32::MAX),
            },
            Err(error) => ConsoleEvent::Failed {
                error: AppError::from(error),
            },
        },
    };
    let _ = events.send(end);
}
