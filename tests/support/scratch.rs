//! A second, throwaway Docker engine that is not a swarm: dockerd in a network namespace of its own (so its swarm
//! port 2377 does not meet the main engine's), removed with everything it made when dropped. Needs root and
//! iproute2, as `../shared/guides/multinode.md` describes.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bollard::Docker;

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
}

impl ScratchEngine {
    /// Starts an engine and waits until it answers.
    pub async fn start() -> TestResult<ScratchEngine> {
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
        };
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
        // nsenter, not `ip netns exec`, which remounts /sys so that dockerd finds no cgroups.
        engine.dockerd = Some(
            Command::new("nsenter")
                .arg(format!("--net=/var/run/netns/{namespace}"))
                .arg("dockerd")
                .args(["--data-root", &dir.join("data").display().to_string()])
                .args(["--exec-root", &dir.join("exec").display().to_string()])
                .args(["--pidfile", &dir.join("dockerd.pid").display().to_string()])
                .args(["-H", &engine.host])
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
