//! Deployment history, kept in the swarm itself: one swarm config per deployment.
//!
//! The config's data is the record as it started (spec snapshot, image, trigger); its labels carry the outcome,
//! because configs are immutable except for their labels. Every client of the swarm sees the same history.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use bollard::models::{Config, ConfigSpec};
use bollard::query_parameters::ListTasksOptions;
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::model::{DeploymentRecord, Outcome, Trigger, UpdateState};
use crate::naming::{self, label, MANAGED_BY};
use crate::{lease, ownership, spec, Orchestrator};

mod rules;
pub(crate) mod stored;

use rules::{newest_first, prunable};
pub(crate) use rules::{previous_successful, rollback_position};
pub(crate) use rules::{swarm_stamp, SwarmStamp};

/// Deployments kept per service.
pub const HISTORY_LIMIT: usize = 10;

impl Orchestrator {
    /// Writes a new in-progress record before the spec is sent; refuses a deployment id used before.
    pub(crate) async fn begin_record(
        &self,
        record: &DeploymentRecord,
        lease: Duration,
    ) -> Result<()> {
        let name = naming::record_config_name(&record.deployment_id);
        let data = stored::encode(&name, record)?;
        let [holder, lease_until] = lease::holder_labels(lease);
        let labels = self.labels([
            (label::MANAGED_BY, MANAGED_BY.to_string()),
            (label::HISTORY_SERVICE, record.service_name.clone()),
            (label::ORG, record.definition.org_id.clone()),
            (label::DEPLOYMENT_ID, record.deployment_id.clone()),
            (label::OUTCOME, Outcome::InProgress.as_str().to_string()),
            holder,
            lease_until,
        ]);
        let spec = ConfigSpec {
            name: Some(name),
            labels: Some(labels),
            data: Some(data),
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

    /// Writes an in-progress record of ours again with new data (configs are immutable), keeping its name.
    pub(crate) async fn rewrite_record(
        &self,
        record: &DeploymentRecord,
        lease: Duration,
    ) -> Result<()> {
        let name = naming::record_config_name(&record.deployment_id);
        let config = self.docker.inspect_config(&name).await?;
        let labels = config.spec.as_ref().and_then(|s| s.labels.as_ref());
        ownership::record_owner(&name, labels, Some(&record.service_name))?;
        self.docker.delete_config(&name).await?;
        self.begin_record(record, lease).await
    }

    /// Refuses a deployment id that a record (of any service) already holds. [`Self::begin_record`] claims ids
    /// atomically; this earlier look only keeps a reused id from creating or tagging anything first.
    pub(crate) async fn check_deployment_id_free(&self, deployment_id: &str) -> Result<()> {
        match self
            .docker
            .inspect_config(&naming::record_config_name(deployment_id))
            .await
            .map_err(Error::from)
        {
            Ok(_) => Err(Error::DeploymentIdTaken(deployment_id.to_string())),
            Err(error) if error.is_not_found() => Ok(()),
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
        let owner =
            |labels: Option<&HashMap<String, String>>| ownership::record_owner(&name, labels, None);
        self.write_outcome(&name, owner, outcome.as_str(), reason)
            .await?;
        info!(%deployment_id, ?outcome, "deployment finished");
        Ok(())
    }

    /// The service's recorded deployments, newest first. In-progress records whose writer is gone read as
    /// `interrupted`.
    #[tracing::instrument(skip(self), err(Debug))]
    ///
    /// Ordered by when the swarm created each record, not by the `started_at` a client wrote: a client with a
    /// skewed clock can neither reorder the history nor push the live record out of it.
    pub async fn deployment_history(&self, service_name: &str) -> Result<Vec<DeploymentRecord>> {
        let stamped: Vec<(SwarmStamp, DeploymentRecord)> = self
            .history_configs(service_name)
            .await?
            .iter()
            .filter_map(|config| match decode_record(config) {
                Ok(record) => Some((swarm_stamp(config), record)),
                Err(error) => {
                    warn!(%error, "skipping an unreadable deployment record");
                    None
                }
            })
            .collect();
        Ok(newest_first(stamped))
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
        self.configs_labelled(label::HISTORY_SERVICE, service_name)
            .await
    }

    /// Drops records beyond the newest [`HISTORY_LIMIT`] and releases their images, except records the service
    /// still depends on: the live one, any in progress, and any whose pinned image the live spec or a task of
    /// the service names (a rollback to the oldest record runs on that record's tag; a reschedule needs it).
    pub(crate) async fn prune_history(&self, service_name: &str) -> Result<()> {
        let history = self.deployment_history(service_name).await?;
        if history.len() <= HISTORY_LIMIT {
            return Ok(());
        }
        let mut live = None;
        let mut referenced: HashSet<String> = HashSet::new();
        if let Some(service) = self.find_service(service_name).await? {
            let spec = service.spec.as_ref();
            live = spec.and_then(crate::spec::deployment_of);
            referenced.extend(spec.and_then(spec::image_of));
            let filters = HashMap::from([(
                "service".to_string(),
                vec![service.id.clone().unwrap_or_default()],
            )]);
            let tasks = self
                .docker
                .list_tasks(Some(ListTasksOptions {
                    filters: Some(filters),
                }))
                .await?;
            referenced.extend(
                tasks
                    .into_iter()
                    .filter_map(|task| task.spec?.container_spec?.image),
            );
        }
        for record in prunable(&history, live.as_deref(), &referenced) {
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
        let Some(service) = self.find_service(service_name).await? else {
            return Ok(history);
        };
        let labels = service.spec.as_ref().and_then(|s| s.labels.as_ref());
        ownership::service_owner(service_name, labels, None)?;
        let live = service.spec.as_ref().and_then(crate::spec::deployment_of);
        let update = crate::status::update_status(&service);
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
                // Rollbacks to previous recorded before they were made from records were the swarm's native
                // rollback, which leaves the previous deployment's id in the spec by design.
                Outcome::Interrupted | Outcome::Succeeded
                    if newest
                        && !is_live
                        && update.state.is_rollback()
                        && record.trigger
                            != (Trigger::RollbackPrevious {
                                deployment_id: None,
                            }) =>
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
    let stored = stored::decode::<DeploymentRecord>(config)?;
    let mut record = stored.data;
    record.outcome = stored
        .outcome
        .as_deref()
        .and_then(Outcome::parse)
        .unwrap_or(Outcome::InProgress);
    if record.outcome == Outcome::InProgress && !stored.holder_alive {
        record.outcome = Outcome::Interrupted;
    }
    record.reason = stored.reason;
    record.finished_at = stored.finished_at;
    Ok(record)
}

pub(crate) fn version_options(version: u64) -> bollard::query_parameters::UpdateConfigOptions {
    bollard::query_parameters::UpdateConfigOptions {
        version: i64::try_from(version).unwrap_or(i64::MAX),
    }
}

pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_names_parse_back_and_match_serde() {
        for outcome in Outcome::ALL {
            assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
            assert_eq!(
                serde_json::to_value(outcome).ok(),
                Some(serde_json::Value::String(outcome.as_str().to_string()))
            );
        }
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("ab", 2), "ab");
    }
}
