//! Probe containers: the image built from the embedded probe binary, one run per source organization, and the
//! sweep of probes a killed check left behind.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    BuildImageOptions, CreateContainerOptions, ListContainersOptions, LogsOptions,
    RemoveContainerOptions, WaitContainerOptions,
};
use futures_util::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use bollard::Docker;

use crate::error::{Error, Result};
use crate::naming::{label, MANAGED_BY};
use crate::retry::{retry_transient, Backoff};
use crate::{lease, Orchestrator};

/// The probe program, compiled by build.rs.
const PROBE_BINARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/swarmdeck-probe"));
/// Repository of the probe image; the tag is the binary's hash, so a changed probe gets a new image.
const PROBE_REPO: &str = "swarmdeck-probe";
/// Label on probe containers, naming the source organization.
pub(super) const PROBE_LABEL: &str = "io.swarmdeck.probe";
/// Probes older than this are leftovers of a crashed check.
const STALE_PROBE_AGE: Duration = Duration::from_secs(600);
/// Retries of a probe's removal: about a minute, enough for an engine to restart.
const PROBE_REMOVAL: Backoff = Backoff {
    initial: Duration::from_millis(500),
    max_delay: Duration::from_secs(5),
    attempts: 16,
};

/// A raw probe result line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RawResult {
    pub(super) ok: bool,
    pub(super) latency_ms: u32,
    pub(super) detail: String,
}

impl Orchestrator {
    /// Builds the probe image through the engine API unless the image of this exact binary exists.
    pub(super) async fn ensure_probe_image(&self) -> Result<String> {
        if PROBE_BINARY.is_empty() {
            return Err(Error::ImageUnavailable {
                image: PROBE_REPO.to_string(),
                reason: "this build of Swarmdeck has no probe for the engine's architecture"
                    .to_string(),
            });
        }
        let info = self.docker.info().await?;
        if info
            .architecture
            .as_deref()
            .is_some_and(|arch| arch != "x86_64")
        {
            return Err(Error::ImageUnavailable {
                image: PROBE_REPO.to_string(),
                reason: format!(
                    "the probe is built for x86_64, the engine runs {:?}",
                    info.architecture
                ),
            });
        }
        let hash = format!("{:x}", Sha256::digest(PROBE_BINARY));
        let reference = format!("{PROBE_REPO}:{}", &hash[..16]);
        if self.docker.inspect_image(&reference).await.is_ok() {
            return Ok(reference);
        }
        info!(%reference, "building the probe image");
        let dockerfile = format!(
            "FROM scratch\nCOPY probe /probe\nLABEL {}={MANAGED_BY}\nENTRYPOINT [\"/probe\"]\n",
            label::MANAGED_BY
        );
        let context = tar_context(&[
            ("Dockerfile", dockerfile.as_bytes(), 0o644),
            ("probe", PROBE_BINARY, 0o755),
        ])?;
        let options = BuildImageOptions {
            t: Some(reference.clone()),
            rm: true,
            forcerm: true,
            ..Default::default()
        };
        let mut build =
            self.docker
                .build_image(options, None, Some(bollard::body_full(context.into())));
        while let Some(step) = build.next().await {
            if let Some(message) = step?.error_detail.and_then(|detail| detail.message) {
                return Err(Error::ImageUnavailable {
                    image: reference,
                    reason: message,
                });
            }
        }
        Ok(reference)
    }

    /// Runs one probe container on `docker`'s engine in the source organization's network and returns one result
    /// per planned attempt. The container is removed whatever happens, including cancellation.
    pub(super) async fn run_probe(
        &self,
        docker: &Docker,
        source: &str,
        image: &str,
        plan: &[String],
        timeout_ms: u32,
        cancel: CancellationToken,
    ) -> Result<Vec<RawResult>> {
        let network = crate::naming::network_name(source);
        let mut cmd = vec![
            "probe".to_string(),
            "--timeout-ms".to_string(),
            timeout_ms.to_string(),
        ];
        cmd.extend(plan.iter().cloned());
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(cmd),
            labels: Some({
                // The probe's deadline below, and a margin: a probe outliving it is abandoned whoever looks.
                let [holder, lease_until] =
                    lease::holder_labels(probe_deadline(timeout_ms) + Duration::from_secs(60));
                self.labels([
                    (label::MANAGED_BY, MANAGED_BY.to_string()),
                    (PROBE_LABEL, source.to_string()),
                    holder,
                    lease_until,
                ])
            }),
            host_config: Some(HostConfig {
                network_mode: Some(network.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let created = docker
            .create_container(None::<CreateContainerOptions>, body)
            .await?;
        let id = created.id;
        let run = async {
            docker.start_container(&id, None).await?;
            let mut wait = docker.wait_container(&id, None::<WaitContainerOptions>);
            while let Some(status) = wait.next().await {
                status?;
            }
            let options = LogsOptions {
                stdout: true,
                ..Default::default()
            };
            let output: Vec<_> = docker.logs(&id, Some(options)).try_collect().await?;
            let text: String = output.iter().map(|chunk| chunk.to_string()).collect();
            parse_probe_output(&text, plan.len())
        };
        let deadline = probe_deadline(timeout_ms);
        let result = tokio::select! {
            result = tokio::time::timeout(deadline, run) => result.unwrap_or_else(|_| Err(Error::Timeout {
                what: format!("the probe in {network}"),
                after: deadline,
            })),
            () = cancel.cancelled() => Err(Error::Cancelled),
        };
        // An engine restarting under the check refuses for a while: keep trying, so no probe outlives its check.
        let removed = retry_transient(PROBE_REMOVAL, "remove a probe", || {
            let remove = RemoveContainerOptions {
                force: true,
                ..Default::default()
            };
            docker.remove_container(&id, Some(remove))
        })
        .await;
        match removed {
            Ok(()) => {}
            Err(error) if error.is_not_found() => {}
            Err(error) => {
                warn!(%id, %error, "probe container not removed; a later check sweeps it")
            }
        }
        result
    }

    /// Removes probe containers a killed check left behind: those whose holder is gone (a dead process on this
    /// host, or a lease that ran out), whatever their age, and unmarked ones older than [`STALE_PROBE_AGE`].
    /// Probes of checks still running are left alone. Returns how many were removed.
    pub async fn sweep_abandoned_probes(&self) -> usize {
        self.sweep_abandoned_probes_on(&self.docker).await
    }

    /// [`Orchestrator::sweep_abandoned_probes`] on one engine: the manager's, or a local node's.
    pub(super) async fn sweep_abandoned_probes_on(&self, docker: &Docker) -> usize {
        let filters = HashMap::from([("label".to_string(), vec![PROBE_LABEL.to_string()])]);
        let options = ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        };
        let Ok(containers) = docker.list_containers(Some(options)).await else {
            return 0;
        };
        let now = chrono::Utc::now().timestamp();
        let stale_before = now - i64::try_from(STALE_PROBE_AGE.as_secs()).unwrap_or(0);
        let mut removed = 0;
        for container in containers {
            let labels = container.labels.clone().unwrap_or_default();
            let abandoned = if labels.contains_key(label::WRITER) {
                !lease::holder_alive(&labels)
            } else {
                container.created.unwrap_or(now) < stale_before
            };
            let Some(id) = container.id.filter(|_| abandoned) else {
                continue;
            };
            let remove = RemoveContainerOptions {
                force: true,
                ..Default::default()
            };
            match docker.remove_container(&id, Some(remove)).await {
                Ok(()) => {
                    info!(%id, "removed an abandoned probe");
                    removed += 1;
                }
                Err(error) => warn!(%id, %error, "abandoned probe not removed"),
            }
        }
        removed
    }
}

/// How long one probe may run: three attempt timeouts (connect, lookup, margin) and start-up.
fn probe_deadline(timeout_ms: u32) -> Duration {
    Duration::from_millis(u64::from(timeout_ms) * 3) + Duration::from_secs(30)
}

fn tar_context(files: &[(&str, &[u8], u32)]) -> Result<Vec<u8>> {
    let mut archive = tar::Builder::new(Vec::new());
    for (path, data, mode) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(*mode);
        header.set_cksum();
        archive
            .append_data(&mut header, path, *data)
            .map_err(|e| Error::ImageUnavailable {
                image: PROBE_REPO.to_string(),
                reason: e.to_string(),
            })?;
    }
    archive.into_inner().map_err(|e| Error::ImageUnavailable {
        image: PROBE_REPO.to_string(),
        reason: e.to_string(),
    })
}

fn parse_probe_output(text: &str, expected: usize) -> Result<Vec<RawResult>> {
    let mut results = vec![None; expected];
    for line in text.lines() {
        let mut fields = line.splitn(4, '\t');
        let (Some(index), Some(status), Some(latency), detail) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Ok(index) = index.trim().parse::<usize>() else {
            continue;
        };
        if let Some(slot) = results.get_mut(index) {
            *slot = Some(RawResult {
                ok: status == "ok",
                latency_ms: latency.trim().parse().unwrap_or(0),
                detail: detail.unwrap_or("").to_string(),
            });
        }
    }
    let missing = results.iter().filter(|r| r.is_none()).count();
    if missing > 0 {
        return Err(Error::Engine {
            status: 500,
            message: format!(
                "the probe reported {} of {expected} attempts: {}",
                expected - missing,
                text.trim()
            ),
        });
    }
    Ok(results.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_output_is_parsed_in_order_and_gaps_are_errors() {
        let parsed = parse_probe_output("1\tfail\t1500\ttimed out\n0\tok\t3\tconnected\n", 2)
            .expect("parsed");
        assert!(parsed[0].ok && !parsed[1].ok);
        assert_eq!(parsed[1].latency_ms, 1500);
        assert!(parse_probe_output("0\tok\t3\tconnected\n", 2).is_err());
    }
}
