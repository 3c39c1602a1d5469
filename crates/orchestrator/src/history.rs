//! Deployment history, kept in the swarm itself: one swarm config per deployment.
//!
//! The config's data is the record as it started (spec snapshot, image, trigger); its labels carry the outcome,
//! because configs are immutable except for their labels. Every client of the swarm sees the same history.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use bollard::models::{Config, ConfigSpec};
use bollard::query_parameters::ListConfigsOptions;
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::model::{DeploymentRecord, Outcome, Trigger, UpdateState};
use crate::naming::{self, label, MANAGED_BY};
use crate::Orchestrator;

/// Deployments kept per service.
pub const HISTORY_LIMIT: usize = 10;

impl Orchestrator {
    /// Writes a new in-progress record before the spec is sent; refuses a deployment id used before.
    pub(crate) async fn begin_record(
        &self,
        record: &DeploymentRecord,
        lease: Duration,
    ) -> Result<()> {
        let data = serde_json::to_vec(record).map_err(|e| Error::CorruptRecord {
            config: naming::record_config_name(&record.deployment_id),
            reason: e.to_string(),
        })?;
        let lease_until =
            chrono::Utc::now().timestamp() + i64::try_from(lease.as_secs()).unwrap_or(i64::MAX / 2);
        let labels = self.labels([
            (label::MANAGED_BY, MANAGED_BY.to_string()),
            (label::HISTORY_SERVICE, record.service_name.clone()),
            (label::ORG, record.definition.org_id.clone()),
            (label::DEPLOYMENT_ID, record.deployment_id.clone()),
            (
                label::OUTCOME,
                outcome_label(Outcome::InProgress).to_string(),
            ),
            (label::WRITER, writer_id()),
            (label::LEASE_UNTIL, lease_until.to_string()),
        ]);
        let spec = ConfigSpec {
            name: Some(naming::record_config_name(&record.deployment_id)),
            labels: Some(labels),
            data: Some(base64::engine::general_purpose::STANDARD.encode(data)),
            templating: None,
        };
        match self.docker.create_config(spec).await.map_err(Error::from) {
            Ok(_) => Ok(()),
            Err(error) if error.engine_status() == Some(409) => {
                Err(Error::DeploymentIdTaken(record.deployment_id.clone()))
            }
            Err(error) => Err(error),
        }
    }

    /// Sets a record's outcome; the record's data stays as written.
    pub(crate) async fn finish_record(
        &self,
        deployment_id: &str,
        outcome: Outcome,
        reason: Option<&str>,
    ) -> Result<()> {
        let name = naming::record_config_name(deployment_id);
        for _ in 0..5 {
            let config = self.docker.inspect_config(&name).await?;
            let version = config.version.as_ref().and_then(|v| v.index).unwrap_or(0);
            let mut spec = config.spec.unwrap_or_default();
            let labels = spec.labels.get_or_insert_with(HashMap::new);
            labels.insert(
                label::OUTCOME.to_string(),
                outcome_label(outcome).to_string(),
            );
            labels.insert(label::FINISHED_AT.to_string(), now_rfc3339());
            labels.remove(label::WRITER);
            labels.remove(label::LEASE_UNTIL);
            match reason {
                // Label values are bounded; the full reason is in the logs.
                Some(reason) => labels.insert(label::REASON.to_string(), truncate(reason, 1000)),
                None => labels.remove(label::REASON),
            };
            match self
                .docker
                .update_config(&name, spec, version_options(version))
                .await
                .map_err(Error::from)
            {
                Ok(()) => {
                    info!(%deployment_id, ?outcome, "deployment finished");
                    return Ok(());
                }
                Err(error) if error.is_out_of_sequence() => continue,
                Err(error) => return Err(error),
            }
        }
        Err(Error::Engine {
            status: 500,
            message: format!("record {name} kept changing while its outcome was written"),
        })
    }

    /// The service's recorded deployments, newest first. In-progress records whose writer is gone read as
    /// `interrupted`.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn deployment_history(&self, service_name: &str) -> Result<Vec<DeploymentRecord>> {
        let mut records: Vec<DeploymentRecord> = self
            .history_configs(service_name)
            .await?
            .iter()
            .filter_map(|config| match decode_record(config) {
                Ok(record) => Some(record),
                Err(error) => {
                    warn!(%error, "skipping an unreadable deployment record");
                    None
                }
            })
            .collect();
        records.sort_by(|a, b| {
            b.started_at
                .cmp(&a.started_at)
                .then_with(|| b.deployment_id.cmp(&a.deployment_id))
        });
        Ok(records)
    }

    /// One recorded deployment.
    pub async fn deployment_record(
        &self,
        service_name: &str,
        deployment_id: &str,
    ) -> Result<DeploymentRecord> {
        self.deployment_history(service_name)
            .await?
            .into_iter()
            .find(|record| record.deployment_id == deployment_id)
            .ok_or_else(|| Error::NotFound {
                kind: "deployment",
                name: format!("{deployment_id} of {service_name}"),
            })
    }

    async fn history_configs(&self, service_name: &str) -> Result<Vec<Config>> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{}={service_name}", label::HISTORY_SERVICE),
                format!("{}={MANAGED_BY}", label::MANAGED_BY),
            ],
        )]);
        Ok(self
            .docker
            .list_configs(Some(ListConfigsOptions {
                filters: Some(filters),
            }))
            .await?)
    }

    /// Drops records beyond the newest [`HISTORY_LIMIT`] and releases their images.
    pub(crate) async fn prune_history(&self, service_name: &str) -> Result<()> {
        let history = self.deployment_history(service_name).await?;
        for record in history.iter().skip(HISTORY_LIMIT) {
            self.delete_record(record).await?;
        }
        Ok(())
    }

    /// Deletes every record of a service and releases our tags of their images.
    pub async fn purge_history(&self, service_name: &str) -> Result<()> {
        for record in self.deployment_history(service_name).await? {
            self.delete_record(&record).await?;
        }
        Ok(())
    }

    async fn delete_record(&self, record: &DeploymentRecord) -> Result<()> {
        match self
            .docker
            .delete_config(&naming::record_config_name(&record.deployment_id))
            .await
            .map_err(Error::from)
        {
            Ok(()) => {}
            Err(error) if error.is_not_found() => {}
            Err(error) => return Err(error),
        }
        self.release_image(&record.image).await;
        Ok(())
    }

    /// Settles records left `interrupted` or outdated by events no client saw, from the swarm's current state:
    /// an interrupted deploy whose spec is live and healthy succeeded; one replaced by a later record was
    /// superseded; the newest deployment that is no longer the live spec after a swarm rollback was rolled back.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn reconcile_history(&self, service_name: &str) -> Result<Vec<DeploymentRecord>> {
        let history = self.deployment_history(service_name).await?;
        let service = match self
            .docker
            .inspect_service(service_name, None)
            .await
            .map_err(Error::from)
        {
            Ok(service) => service,
            Err(error) if error.is_not_found() => return Ok(history),
            Err(error) => return Err(error),
        };
        let live = service.spec.as_ref().and_then(crate::spec::deployment_of);
        let update = crate::service::update_status(&service);
        let (running, desired) = self.replica_counts(service_name).await?;
        let mut changed = false;
        for (index, record) in history.iter().enumerate() {
            let newest = index == 0;
            let is_live = live.as_deref() == Some(record.deployment_id.as_str());
            let verdict = match record.outcome {
                Outcome::Interrupted if !newest => Some((Outcome::Superseded, None)),
                Outcome::Interrupted if is_live => match update.state {
                    UpdateState::Updating => None,
                    UpdateState::Paused => Some((Outcome::Failed, update.message.clone())),
                    _ if running >= desired => Some((Outcome::Succeeded, None)),
                    _ => None,
                },
                // A native rollback of ours leaves the previous deployment's id in the spec by design.
                Outcome::Interrupted | Outcome::Succeeded
                    if newest
                        && !is_live
                        && update.state.is_rollback()
                        && record.trigger != Trigger::RollbackPrevious =>
                {
                    Some((Outcome::RolledBackBySwarm, update.message.clone()))
                }
                Outcome::Interrupted => Some((
                    Outcome::Failed,
                    Some("the client stopped before the spec reached the swarm".to_string()),
                )),
                _ => None,
            };
            if let Some((outcome, reason)) = verdict {
                self.finish_record(&record.deployment_id, outcome, reason.as_deref())
                    .await?;
                changed = true;
            }
        }
        if changed {
            self.deployment_history(service_name).await
        } else {
            Ok(history)
        }
    }

    async fn replica_counts(&self, service_name: &str) -> Result<(u64, u64)> {
        Ok(self
            .find_with_status(service_name)
            .await?
            .as_ref()
            .and_then(|s| s.service_status.as_ref())
            .map(|status| {
                (
                    status.running_tasks.unwrap_or(0),
                    status.desired_tasks.unwrap_or(0),
                )
            })
            .unwrap_or((0, 0)))
    }
}

fn decode_record(config: &Config) -> Result<DeploymentRecord> {
    let spec = config.spec.as_ref();
    let name = spec.and_then(|s| s.name.clone()).unwrap_or_default();
    let corrupt = |reason: String| Error::CorruptRecord {
        config: name.clone(),
        reason,
    };
    let data = spec
        .and_then(|s| s.data.as_deref())
        .ok_or_else(|| corrupt("no data".into()))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| corrupt(e.to_string()))?;
    let mut record: DeploymentRecord =
        serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let labels = spec.and_then(|s| s.labels.clone()).unwrap_or_default();
    record.outcome = labels
        .get(label::OUTCOME)
        .and_then(|value| parse_outcome(value))
        .unwrap_or(Outcome::InProgress);
    if record.outcome == Outcome::InProgress && !writer_alive(&labels) {
        record.outcome = Outcome::Interrupted;
    }
    record.reason = labels.get(label::REASON).cloned();
    record.finished_at = labels.get(label::FINISHED_AT).cloned();
    Ok(record)
}

/// Whether the process that wrote an in-progress record may still be working on it.
fn writer_alive(labels: &HashMap<String, String>) -> bool {
    let lease_valid = labels
        .get(label::LEASE_UNTIL)
        .and_then(|v| v.parse::<i64>().ok())
        .is_some_and(|until| until > chrono::Utc::now().timestamp());
    let Some((host, pid)) = labels.get(label::WRITER).and_then(|w| w.split_once(' ')) else {
        return lease_valid;
    };
    if host == hostname() && std::path::Path::new("/proc/self").exists() {
        return std::path::Path::new("/proc").join(pid).exists();
    }
    lease_valid
}

fn writer_id() -> String {
    format!("{} {}", hostname(), std::process::id())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

fn version_options(version: u64) -> bollard::query_parameters::UpdateConfigOptions {
    bollard::query_parameters::UpdateConfigOptions {
        version: i64::try_from(version).unwrap_or(i64::MAX),
    }
}

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::InProgress => "in_progress",
        Outcome::Succeeded => "succeeded",
        Outcome::RolledBackBySwarm => "rolled_back_by_swarm",
        Outcome::FailedHealthCheck => "failed_health_check",
        Outcome::Failed => "failed",
        Outcome::Superseded => "superseded",
        Outcome::Interrupted => "interrupted",
    }
}

fn parse_outcome(value: &str) -> Option<Outcome> {
    serde_json::from_value(serde_json::Value::String(value.to_string())).ok()
}

pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_labels_parse_back() {
        for outcome in [
            Outcome::InProgress,
            Outcome::Succeeded,
            Outcome::RolledBackBySwarm,
            Outcome::FailedHealthCheck,
            Outcome::Failed,
            Outcome::Superseded,
            Outcome::Interrupted,
        ] {
            assert_eq!(parse_outcome(outcome_label(outcome)), Some(outcome));
        }
    }

    #[test]
    fn a_dead_local_writer_is_not_alive_even_within_its_lease() {
        let far = (chrono::Utc::now().timestamp() + 3600).to_string();
        let dead = HashMap::from([
            (
                label::WRITER.to_string(),
                format!("{} 999999999", hostname()),
            ),
            (label::LEASE_UNTIL.to_string(), far.clone()),
        ]);
        assert!(!writer_alive(&dead));
        let me = HashMap::from([(label::WRITER.to_string(), writer_id())]);
        assert!(writer_alive(&me));
        let remote = HashMap::from([
            (label::WRITER.to_string(), "elsewhere 1".to_string()),
            (label::LEASE_UNTIL.to_string(), far),
        ]);
        assert!(writer_alive(&remote));
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("ab", 2), "ab");
    }
}
