//! A private image registry for tests: Debian's `docker-registry` (the distribution registry) on a loopback port
//! with htpasswd auth, and images pushed into it through the engine API. The engine treats 127.0.0.0/8 registries
//! as plain HTTP by default, so no TLS is needed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{PushImageOptions, TagImageOptions};
use bollard::Docker;
use futures_util::TryStreamExt;
use swarmdeck_orchestrator::registry::RegistryCredential;

use crate::app::free_port;
use crate::{eventually, TestResult};

/// A running registry; stopped and its storage removed when dropped.
pub struct Registry {
    child: Child,
    dir: PathBuf,
    /// `127.0.0.1:PORT`, as image references name it.
    pub address: String,
    /// The one user's login.
    pub credential: RegistryCredential,
}

impl Registry {
    /// Starts a registry that only `user` with `password` may use, and waits until it answers.
    pub async fn start(user: &str, password: &str) -> TestResult<Registry> {
        let port = free_port()?;
        let address = format!("127.0.0.1:{port}");
        let dir = std::env::temp_dir().join(format!("swarmdeck-registry-{port}"));
        std::fs::create_dir_all(dir.join("storage"))?;
        let hash = bcrypt::hash(password, 4)?;
        std::fs::write(dir.join("htpasswd"), format!("{user}:{hash}\n"))?;
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n\
             auth:\n  htpasswd:\n    realm: swarmdeck-tests\n    path: {}\n",
            dir.join("storage").display(),
            dir.join("htpasswd").display()
        );
        std::fs::write(dir.join("config.yml"), config)?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("registry.log"))?)
            .spawn()
            .map_err(|e| format!("cannot start docker-registry (make engine installs it): {e}"))?;
        let registry = Registry {
            child,
            dir,
            credential: RegistryCredential {
                server: address.clone(),
                username: user.to_string(),
                password: password.to_string(),
            },
            address,
        };
        let probe = registry.address.clone();
        eventually(Duration::from_secs(20), "the registry to answer", || {
            let probe = probe.clone();
            async move { Ok(answers_unauthorized(&probe).then_some(())) }
        })
        .await?;
        Ok(registry)
    }

    /// Tags a local image into the registry as `{address}/{name}:{tag}` and pushes it with the login; returns the
    /// reference.
    pub async fn push(
        &self,
        docker: &Docker,
        local: &str,
        name: &str,
        tag: &str,
    ) -> TestResult<String> {
        let repository = format!("{}/{name}", self.address);
        docker
            .tag_image(
                local,
                Some(TagImageOptions {
                    repo: Some(repository.clone()),
                    tag: Some(tag.to_string()),
                }),
            )
            .await?;
        let credentials = DockerCredentials {
            username: Some(self.credential.username.clone()),
            password: Some(self.credential.password.clone()),
            serveraddress: Some(self.address.clone()),
            ..Default::default()
        };
        docker
            .push_image(
                &repository,
                Some(PushImageOptions {
                    tag: Some(tag.to_string()),
                    ..Default::default()
                }),
                Some(credentials),
            )
            .try_collect::<Vec<_>>()
            .await?;
        Ok(format!("{repository}:{tag}"))
    }

    /// Pushes a local image as `{address}/{name}:{tag}` and removes that tag from the engine: only the registry
    /// has it then, so a deploy must pull it.
    pub async fn push_away(
        &self,
        docker: &Docker,
        local: &str,
        name: &str,
        tag: &str,
    ) -> TestResult<String> {
        let reference = self.push(docker, local, name, tag).await?;
        forget(docker, &reference).await?;
        Ok(reference)
    }
}

/// Removes an image tag from the engine (the image stays while other tags name it).
pub async fn forget(docker: &Docker, reference: &str) -> TestResult {
    docker
        .remove_image(
            reference,
            None::<bollard::query_parameters::RemoveImageOptions>,
            None,
        )
        .await?;
    Ok(())
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether the registry is up: its API root refuses an anonymous caller.
fn answers_unauthorized(address: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /v2/ HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.ends_with(b"401")
}
