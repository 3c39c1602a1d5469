//! Deployment history and the progress of a deploy, update or rollback.

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use super::{DiskEnforcement, ResolvedImage, ServiceDefinition, TaskInfo, UpdateStatus};

/// Why a deployment ended the way it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The spec is being written and judged.
    InProgress,
    /// All tasks of the spec ran and stayed healthy.
    Succeeded,
    /// The swarm's failure action restored the previous spec.
    RolledBackBySwarm,
    /// The health gate failed; the previous spec was restored.
    FailedHealthCheck,
    /// The engine refused the spec.
    Failed,
    /// A later deployment started before this one finished.
    Superseded,
    /// The client writing it stopped before it finished.
    Interrupted,
}

impl From<core::Outcome> for Outcome {
    fn from(value: core::Outcome) -> Self {
        match value {
            core::Outcome::InProgress => Outcome::InProgress,
            core::Outcome::Succeeded => Outcome::Succeeded,
            core::Outcome::RolledBackBySwarm => Outcome::RolledBackBySwarm,
            core::Outcome::FailedHealthCheck => Outcome::FailedHealthCheck,
            core::Outcome::Failed => Outcome::Failed,
            core::Outcome::Superseded => Outcome::Superseded,
            core::Outcome::Interrupted => Outcome::Interrupted,
        }
    }
}

/// How a deployment came about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// A deploy or update request.
    Deploy,
    /// "Roll back to previous": the newest deployment that succeeded before the one running, from its record.
    RollbackPrevious {
        /// The deployment restored; null on records written before rollbacks were made from records.
        deployment_id: Option<String>,
    },
    /// A rollback to a recorded deployment.
    RollbackTo {
        /// The deployment restored.
        deployment_id: String,
    },
}

impl From<core::Trigger> for Trigger {
    fn from(value: core::Trigger) -> Self {
        match value {
            core::Trigger::Deploy => Trigger::Deploy,
            core::Trigger::RollbackPrevious { deployment_id } => {
                Trigger::RollbackPrevious { deployment_id }
            }
            core::Trigger::RollbackTo { deployment_id } => Trigger::RollbackTo { deployment_id },
        }
    }
}

/// One recorded deployment of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
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

impl From<core::DeploymentRecord> for DeploymentRecord {
    fn from(value: core::DeploymentRecord) -> Self {
        DeploymentRecord {
            deployment_id: value.deployment_id,
            service_name: value.service_name,
            started_at: value.started_at,
            finished_at: value.finished_at,
            outcome: value.outcome.into(),
            reason: value.reason,
            trigger: value.trigger.into(),
            definition: value.definition.into(),
            image: value.image.into(),
            disk: value.disk.into(),
        }
    }
}

/// A step of a deploy, update or rollback as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "short-lived event values; unboxed for a plain transport type"
)]
pub enum Progress {
    /// A phase of the call began.
    Phase {
        /// What is happening, in words.
        message: String,
    },
    /// A task changed state or health.
    Task {
        /// The task.
        task: TaskInfo,
        /// Whether it runs the spec being deployed (as opposed to the one being replaced).
        new: bool,
    },
    /// The swarm's update state changed.
    Update {
        /// The new status.
        status: UpdateStatus,
    },
}

impl From<core::Progress> for Progress {
    fn from(value: core::Progress) -> Self {
        match value {
            core::Progress::Phase { message } => Progress::Phase { message },
            core::Progress::Task { task, new } => Progress::Task {
                task: (*task).into(),
                new,
            },
            core::Progress::Update { status } => Progress::Update {
                status: status.into(),
            },
        }
    }
}
