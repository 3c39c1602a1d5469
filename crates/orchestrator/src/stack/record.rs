//! Stack deployment records, kept in the swarm as configs like service records: the data is the deployment as
//! planned (with each service's deployment id and definition), the labels carry its outcome.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{Config, ConfigSpec};
use serde::{Deserialize, Serialize};
use tracing::warn;

use super::plan::PlanAction;
use crate::error::{Error, Result};
use crate::history::{stored, swarm_stamp};
use crate::model::ServiceDefinition;
use crate::naming::{self, label, MANAGED_BY};
use crate::{lease, Orchestrator};

/// Stack deployments kept per organization.
pub const STACK_HISTORY_LIMIT: usize = 10;

/// How a stack deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StackOutcome {
    /// Still running.
    InProgress,
    /// Every service deployed and passed its health gate.
    Succeeded,
    /// A service failed; every service was put back as it was before.
    RolledBack,
    /// A service failed and putting the others back failed too; the reason names what is left.
    Failed,
    /// Its writer stopped before the end.
    Interrupted,
}

impl StackOutcome {
    fn as_str(self) -> &'static str {
        match self {
            StackOutcome::InProgress => "in_progress",
            StackOutcome::Succeeded => "succeeded",
            StackOutcome::RolledBack => "rolled_back",
            StackOutcome::Failed => "failed",
            StackOutcome::Interrupted => "interrupted",
        }
    }

    fn parse(text: &str) -> Option<StackOutcome> {
        [
            StackOutcome::InProgress,
            StackOutcome::Succeeded,
            StackOutcome::RolledBack,
            StackOutcome::Failed,
            StackOutcome::Interrupted,
        ]
        .into_iter()
        .find(|outcome| outcome.as_str() == text)
    }
}

/// What started a stack deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StackTrigger {
    /// A compose file.
    Deploy {
        /// The file as the user named it.
        file: String,
    },
    /// A rollback to an earlier stack deployment.
    Rollback {
        /// The stack deployment restored.
        to: String,
    },
}

/// One service of a stack deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackEntry {
    /// Slug within the organization.
    pub slug: String,
    /// What the deployment did to it.
    pub action: PlanAction,
    /// The service deployment it made (create, update) or found running (unchanged).
    pub deployment_id: Option<String>,
    /// The definition it wanted; none for a removal.
    pub definition: Option<ServiceDefinition>,
}

/// One stack deployment of an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackRecord {
    /// Its id, sortable by time.
    pub stack_id: String,
    /// The organization.
    pub org_id: String,
    /// When it started (the writer's clock; history is ordered by the swarm's).
    pub started_at: String,
    /// When it ended.
    #[serde(default)]
    pub finished_at: Option<String>,
    /// How it ended.
    pub outcome: StackOutcome,
    /// Why it failed or was rolled back.
    #[serde(default)]
    pub reason: Option<String>,
    /// A compose file or a rollback.
    pub trigger: StackTrigger,
    /// Its services in deployment order, then the ones it removed or kept.
    pub services: Vec<StackEntry>,
}

impl Orchestrator {
    /// Writes a new in-progress stack record before any service is touched.
    pub(super) async fn begin_stack_record(
        &self,
        record: &StackRecord,
        lease: Duration,
    ) -> Result<()> {
        let name = naming::stack_record_config_name(&record.org_id, &record.stack_id);
        let data = stored::encode(&name, record)?;
        let [holder, lease_until] = lease::holder_labels(lease);
        let labels = self.labels([
            (label::MANAGED_BY, MANAGED_BY.to_string()),
            (label::STACK_ORG, record.org_id.clone()),
            (
                label::OUTCOME,
                StackOutcome::InProgress.as_str().to_string(),
            ),
            holder,
            lease_until,
        ]);
        self.docker
            .create_config(ConfigSpec {
                name: Some(name),
                labels: Some(labels),
                data: Some(data),
                templating: None,
            })
            .await?;
        Ok(())
    }

    /// Sets a stack record's outcome; its data stays as written.
    pub(super) async fn finish_stack_record(
        &self,
        record: &StackRecord,
        outcome: StackOutcome,
        reason: Option<&str>,
    ) -> Result<()> {
        let name = naming::stack_record_config_name(&record.org_id, &record.stack_id);
        let owner = |labels: Option<&HashMap<String, String>>| {
            if labels.and_then(|l| l.get(label::STACK_ORG)) == Some(&record.org_id) {
                Ok(())
            } else {
                Err(Error::NotOurs {
                    kind: "stack record",
                    name: name.clone(),
                    holder: "is not this organization's stack record".to_string(),
                })
            }
        };
        self.write_outcome(&name, owner, outcome.as_str(), reason)
            .await
    }

    /// The organization's stack deployments, newest first (by the swarm's clock); a record whose writer is gone
    /// reads as interrupted.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn stack_history(&self, org_id: &str) -> Result<Vec<StackRecord>> {
        crate::validate::org_id(org_id)?;
        let mut stamped: Vec<_> = self
            .stack_configs(org_id)
            .await?
            .iter()
            .filter_map(|config| match decode(config) {
                Ok(record) if record.org_id == org_id => Some((swarm_stamp(config), record)),
                Ok(_) => None,
                Err(error) => {
                    warn!(%error, "skipping an unreadable stack record");
                    None
                }
            })
            .collect();
        stamped.sort_by(|(a, ra), (b, rb)| b.cmp(a).then_with(|| rb.stack_id.cmp(&ra.stack_id)));
        Ok(stamped.into_iter().map(|(_, record)| record).collect())
    }

    /// Drops stack records beyond the newest [`STACK_HISTORY_LIMIT`], never one in progress.
    pub(super) async fn prune_stack_history(&self, org_id: &str) -> Result<()> {
        let history = self.stack_history(org_id).await?;
        for record in history
            .iter()
            .skip(STACK_HISTORY_LIMIT)
            .filter(|record| record.outcome != StackOutcome::InProgress)
        {
            let name = naming::stack_record_config_name(org_id, &record.stack_id);
            self.docker.delete_config(&name).await?;
        }
        Ok(())
    }

    /// Deletes every stack record of an organization (its services are gone).
    pub async fn purge_stack_history(&self, org_id: &str) -> Result<()> {
        for record in self.stack_history(org_id).await? {
            let name = naming::stack_record_config_name(org_id, &record.stack_id);
            self.docker.delete_config(&name).await?;
        }
        Ok(())
    }

    async fn stack_configs(&self, org_id: &str) -> Result<Vec<Config>> {
        self.configs_labelled(label::STACK_ORG, org_id).await
    }
}

fn decode(config: &Config) -> Result<StackRecord> {
    let stored = stored::decode::<StackRecord>(config)?;
    let mut record = stored.data;
    record.outcome = stored
        .outcome
        .as_deref()
        .and_then(StackOutcome::parse)
        .unwrap_or(StackOutcome::InProgress);
    if record.outcome == StackOutcome::InProgress && !stored.holder_alive {
        record.outcome = StackOutcome::Interrupted;
    }
    record.reason = stored.reason;
    record.finished_at = stored.finished_at;
    Ok(record)
}
