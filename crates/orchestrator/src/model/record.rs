//! The record of one deployment: what it deployed, what started it and how it ended.

use serde::{Deserialize, Serialize};

use super::{DiskEnforcement, ResolvedImage, ServiceDefinition};

/// Why a deployment ended the way it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The spec is being written and judged.
    InProgress,
    /// All tasks of the spec ran and stayed healthy.
    Succeeded,
    /// The swarm's failure action restored the previous spec.
    RolledBackBySwarm,
    /// Our health check failed; the previous spec was restored.
    FailedHealthCheck,
    /// The engine refused the spec.
    Failed,
    /// A later deployment started before this one finished.
    Superseded,
    /// The client writing it stopped before it finished.
    Interrupted,
}

impl Outcome {
    /// Every outcome, in the order a deployment can reach them.
    pub const ALL: [Outcome; 7] = [
        Outcome::InProgress,
        Outcome::Succeeded,
        Outcome::RolledBackBySwarm,
        Outcome::FailedHealthCheck,
        Outcome::Failed,
        Outcome::Superseded,
        Outcome::Interrupted,
    ];

    /// The outcome's one name: stored in record labels, printed by the CLI, sent over IPC (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::InProgress => "in_progress",
            Outcome::Succeeded => "succeeded",
            Outcome::RolledBackBySwarm => "rolled_back_by_swarm",
            Outcome::FailedHealthCheck => "failed_health_check",
            Outcome::Failed => "failed",
            Outcome::Superseded => "superseded",
            Outcome::Interrupted => "interrupted",
        }
    }

    /// The outcome named `name` by [`Outcome::as_str`].
    pub fn parse(name: &str) -> Option<Outcome> {
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == name)
    }
}

/// How a deployment came about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// A deploy or update request.
    Deploy,
    /// "Roll back to previous": the newest deployment that succeeded before the one running, restored from
    /// its record.
    RollbackPrevious {
        /// The deployment restored; absent on records written before rollbacks were made from records.
        #[serde(default)]
        deployment_id: Option<String>,
    },
    /// A rollback to a recorded deployment.
    RollbackTo {
        /// The deployment restored.
        deployment_id: String,
    },
}

/// One recorded deployment of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentRecord {
    /// Deployment id.
    pub deployment_id: String,
    /// Swarm service name.
    pub service_name: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it ended (RFC 3339).
    pub finished_at: Option<String>,
    /// How it ended.
    pub outcome: Outcome,
    /// Why, in words, when it did not succeed.
    pub reason: Option<String>,
    /// What started it.
    pub trigger: Trigger,
    /// The full spec deployed.
    pub definition: ServiceDefinition,
    /// The exact image.
    pub image: ResolvedImage,
    /// Whether the disk size was enforced.
    pub disk: DiskEnforcement,
}
