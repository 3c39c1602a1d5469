//! A second, throwaway Docker engine that is not a swarm: dockerd in a network namespace of its own (so its swarm
//! port 2377 does not meet the main engine's), removed with everything it made when dropped. Needs root and
//! iproute2, as `../shared/guides/multinode.md` describes. [`ScratchEngine::start_tls`] also listens on TCP with
//! `--tlsverify`, with certificates made for it ([`TlsFiles`]), reached at a loopback port of this machine.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bollard::Docker;

use crate::tls::TlsFiles;
use crate::TestResult;

/// A running scratch engine; dropping it stops the engine and removes its namespace and data.
pub struct ScratchEngine {
    namespace: String,
    dir: PathBuf,
    dockerd: Option<Child>,
    /// `unix://…` socket of the engine.
    pub host: String,
    /// The namespace's own address, to advertise.
    pub address: String,
    /// The TLS listener, when it has one.
    tls: Option<TlsListener>,
}

/// The engine's TLS material and the loopback port forwarded to its TLS listener.
struct TlsListener {
    files: TlsFiles,
    loopback_port: u16,
}

/// Port of the TLS listener, as for any `dockerd --tlsverify`.
pub const TLS_PORT: u16 = 2376;
/// Port of an unencrypted TCP listener, as for any dockerd.
pub const PLAIN_PORT: u16 = 2375;

/// What the engine listens on besides its socket.
#[derive(PartialEq)]
enum Listener {
    SocketOnly,
    Tls,
    PlainTcp,
}

impl ScratchEngine {
    /// Starts an engine and waits until it answers.
    pub async fn start() -> TestResult<ScratchEngine> {
        Self::launch(Listener::SocketOnly).await
    }

    /// Starts an engine that also listens on `tcp://ADDRESS:2376` with `--tlsverify`, and waits until it answers.
    pub async fn start_tls() -> TestResult<ScratchEngine> {
        Self::launch(Listener::Tls).await
    }

    /// Starts an engine that also listens on `tcp://ADDRESS:2375` unencrypted, and waits until it answers.
    pub async fn start_plain_tcp() -> TestResult<ScratchEngine> {
        Self::launch(Listener::PlainTcp).await
    }

    /// [`ScratchEngine::start_tls`] in swarm mode (advertising its own address), with the fixture images.
    pub async fn start_tls_swarm() -> TestResult<ScratchEngine> {
        let scratch = Self::start_tls().await?;
        let docker = scratch.docker().await?;
        docker
            .init_swarm(bollard::models::SwarmInitRequest {
                listen_addr: Some("0.0.0.0:2377".into()),
                advertise_addr: Some(scratch.address.clone()),
                ..Default::default()
            })
            .await?;
        crate::ensure_fixture_images(&docker).await?;
        Ok(scratch)
    }

    /// The TLS listener's material.
    pub fn tls_files(&self) -> TestResult<&TlsFiles> {
        Ok(&self.tls_listener()?.files)
    }

    /// The TLS listener as a profile holds it: its loopback URL, the CA and the client certificate and key.
    pub fn tls_endpoint(&self) -> TestResult<swarmdeck_orchestrator::Endpoint> {
        let files = self.tls_files()?;
        Ok(swarmdeck_orchestrator::Endpoint::Tls {
            url: self.tls_url()?,
            ca_path: crate::tls::text(&files.ca),
            cert_path: crate::tls::text(&files.client_cert),
            key_path: crate::tls::text(&files.client_key),
        })
    }

    fn tls_listener(&self) -> TestResult<&TlsListener> {
        Ok(self.tls.as_ref().ok_or("the engine has no TLS listener")?)
    }

    /// `tcp://127.0.0.1:PORT`: the TLS listener as a loopback port of this machine (forwarded to the engine in its
    /// namespace; its certificate is valid for 127.0.0.1).
    pub fn tls_url(&self) -> TestResult<String> {
        Ok(format!(
            "tcp://127.0.0.1:{}",
            self.tls_listener()?.loopback_port
        ))
    }

    /// `tcp://ADDRESS:2375`.
    pub fn plain_url(&self) -> String {
        format!("tcp://{}:{PLAIN_PORT}", self.address)
    }

    async fn launch(listener: Listener) -> TestResult<ScratchEngine> {
        // Pick a /24 no other scratch engine of this run uses: the pid and a random byte pick it.
        let octet = (std::process::id() as u8).wrapping_add(rand::random::<u8>() % 64) | 1;
        let namespace = format!("sdt{}", rand::random::<u32>() % 100_000);
        let host_side = format!("{namespace}a");
        let address = format!("10.213.{octet}.2");
        let dir = std::env::temp_dir().join(format!("swarmdeck-{namespace}"));
        std::fs::create_dir_all(dir.join("data"))?;
        std::fs::create_dir_all(dir.join("exec"))?;
        run("ip", &["netns", "add", &namespace])?;
        let mut engine = ScratchEngine {
            namespace: namespace.clone(),
            host: format!("unix://{}", dir.join("sock").display()),
            dir: dir.clone(),
            dockerd: None,
            address: address.clone(),
            tls: None,
        };
        if listener == Listener::Tls {
            engine.tls = Some(TlsListener {
                files: TlsFiles::generate(&dir.join("tls"), address.parse()?)?,
                loopback_port: crate::tls::loopback_forward(
                    format!("{address}:{TLS_PORT}").parse()?,
                )?,
            });
        }
        let inner = format!("{namespace}b");
        run(
            "ip",
            &[
                "link", "add", &host_side, "type", "veth", "peer", "name", &inner,
            ],
        )?;
        run("ip", &["link", "set", &inner, "netns", &namespace])?;
        run(
            "ip",
            &[
                "addr",
                "add",
                &format!("10.213.{octet}.1/24"),
                "dev",
                &host_side,
            ],
        )?;
        run("ip", &["link", "set", &host_side, "up"])?;
        let in_ns = |args: &[&str]| {
            let mut all = vec!["netns", "exec", namespace.as_str()];
            all.extend_from_slice(args);
            run("ip", &all)
        };
        in_ns(&["ip", "addr", "add", &format!("{address}/24"), "dev", &inner])?;
        in_ns(&["ip", "link", "set", &inner, "up"])?;
        in_ns(&["ip", "link", "set", "lo", "up"])?;
        let log = std::fs::File::create(dir.join("dockerd.log"))?;
        let mut listen_args = Vec::new();
        if listener == Listener::PlainTcp {
            listen_args.extend(["-H".to_string(), format!("tcp://{address}:{PLAIN_PORT}")]);
        }
        if let Some(TlsListener { files: tls, .. }) = &engine.tls {
            listen_args.extend(["-H".to_string(), format!("tcp://{address}:{TLS_PORT}")]);
            listen_args.push("--tlsverify".to_string());
            for (flag, path) in [
                ("--tlscacert", &tls.ca),
                ("--tlscert", &tls.server_cert),
                ("--tlskey", &tls.server_key),
            ] {
                listen_args.extend([flag.to_string(), path.display().to_string()]);
            }
        }
        // nsenter, not `ip netns exec`, which remounts /sys so that dockerd finds no cgroups.
        engine.dockerd = Some(
            Command::new("nsenter")
                .arg(format!("--net=/var/run/netns/{namespace}"))
                .arg("dockerd")
                .args(["--data-root", &dir.join("data").display().to_string()])
                .args(["--exec-root", &dir.join("exec").display().to_string()])
                .args(["--pidfile", &dir.join("dockerd.pid").display().to_string()])
                .args(["-H", &engine.host])
                .args(&listen_args)
                // In its own namespace this removes nothing of the main engine's.
                .args(["--bridge", "none"])
                .stdout(log.try_clone()?)
                .stderr(log)
                .stdin(Stdio::null())
                .spawn()?,
        );
        crate::eventually(
            Duration::from_secs(60),
            "the scratch engine to answer",
            || {
                let host = engine.host.clone();
                async move {
                    let Ok(docker) =
                        Docker::connect_with_unix(&host, 5, bollard::API_DEFAULT_VERSION)
                    else {
                        return Ok(None);
                    };
                    Ok(docker.ping().await.ok().map(drop))
                }
            },
        )
        .await?;
        Ok(engine)
    }

    /// A client of this engine.
    pub async fn docker(&self) -> TestResult<Docker> {
        Ok(
            Docker::connect_with_unix(&self.host, 30, bollard::API_DEFAULT_VERSION)?
                .negotiate_version()
                .await?,
        )
    }
}

impl Drop for ScratchEngine {
    fn drop(&mut self) {
        if let Some(mut dockerd) = self.dockerd.take() {
            // SIGTERM lets dockerd unmount what it mounted under its roots before the directory goes.
            let _ = Command::new("kill").arg(dockerd.id().to_string()).status();
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while std::time::Instant::now() < deadline && matches!(dockerd.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = dockerd.kill();
            let _ = dockerd.wait();
        }
        let _ = run("ip", &["netns", "del", &self.namespace]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run(program: &str, args: &[&str]) -> TestResult {
    let output = Command::new(program).args(args).output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into())
    }
}
