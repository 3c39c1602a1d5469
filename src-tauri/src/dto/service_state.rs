//! Deploy results and service state.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use super::{narrow, narrow_signed, EndpointMode, HealthCheck, Placement, Resources, UpdatePolicy};

/// Whether the disk size of a deploy is enforced by the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DiskEnforcement {
    /// The engine limits each task's writable layer to the requested size.
    Enforced,
    /// Recorded on the service, but nothing on this engine limits it.
    NotEnforced {
        /// Why not, in plain words.
        reason: String,
    },
}

impl From<core::DiskEnforcement> for DiskEnforcement {
    fn from(value: core::DiskEnforcement) -> Self {
        match value {
            core::DiskEnforcement::Enforced => DiskEnforcement::Enforced,
            core::DiskEnforcement::NotEnforced { reason } => {
                DiskEnforcement::NotEnforced { reason }
            }
        }
    }
}

/// The image a deployment ran, pinned so it can be restored exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ResolvedImage {
    /// What was asked for: `name:tag` or `name@digest`.
    pub requested: String,
    /// The engine's image id (`sha256:…`).
    pub image_id: String,
    /// A registry digest reference (`name@sha256:…`), when the image came from a registry.
    pub digest_ref: Option<String>,
    /// Swarmdeck's tag on the same image id, keeping it from pruning.
    pub keep_tag: String,
}

impl From<core::ResolvedImage> for ResolvedImage {
    fn from(value: core::ResolvedImage) -> Self {
        ResolvedImage {
            requested: value.requested,
            image_id: value.image_id,
            digest_ref: value.digest_ref,
            keep_tag: value.keep_tag,
        }
    }
}

/// The full desired state of a service, as recorded per deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct ServiceDefinition {
    /// Organization id.
    pub org_id: String,
    /// Slug within the organization.
    pub slug: String,
    /// The caller's id of the service.
    pub service_id: String,
    /// The image reference written into the spec.
    pub image: String,
    /// Per-task resources.
    pub resources: Resources,
    /// Environment variables.
    pub env: BTreeMap<String, String>,
    /// Internal port, if any.
    pub internal_port: Option<u16>,
    /// Task count.
    pub replicas: u32,
    /// Container health check, if any.
    pub health_check: Option<HealthCheck>,
    /// VIP or DNS round robin.
    pub endpoint_mode: EndpointMode,
    /// Update and rollback policy.
    pub update_policy: UpdatePolicy,
    /// Where the tasks may run.
    pub placement: Placement,
}

impl From<core::ServiceDefinition> for ServiceDefinition {
    fn from(value: core::ServiceDefinition) -> Self {
        ServiceDefinition {
            org_id: value.org_id,
            slug: value.slug,
            service_id: value.service_id,
            image: value.image,
            resources: value.resources.into(),
            env: value.env,
            internal_port: value.internal_port,
            replicas: value.replicas,
            health_check: value.health_check.map(Into::into),
            endpoint_mode: value.endpoint_mode.into(),
            update_policy: value.update_policy.into(),
            placement: value.placement.into(),
        }
    }
}

/// What a deploy, update or rollback-to produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct DeployOutcome {
    /// The swarm's service id.
    pub swarm_service_id: String,
    /// The swarm's service name.
    pub service_name: String,
    /// The deployment id.
    pub deployment_id: String,
    /// Whether the service was created (as opposed to updated).
    pub created: bool,
    /// A running task's container id.
    pub container_id: Option<String>,
    /// The image that was deployed.
    pub image: ResolvedImage,
    /// Whether the disk size is enforced.
    pub disk: DiskEnforcement,
}

impl From<core::DeployOutcome> for DeployOutcome {
    fn from(value: core::DeployOutcome) -> Self {
        DeployOutcome {
            swarm_service_id: value.swarm_service_id,
            service_name: value.service_name,
            deployment_id: value.deployment_id,
            created: value.created,
            container_id: value.container_id,
            image: value.image.into(),
            disk: value.disk.into(),
        }
    }
}

/// The swarm's update states, plus none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum UpdateState {
    /// No update has run since the service was created.
    None,
    /// An update is rolling.
    Updating,
    /// An update stopped on failure or by request.
    Paused,
    /// The last update finished.
    Completed,
    /// A rollback is rolling.
    RollbackStarted,
    /// A rollback stopped: the swarm never rolls back a rollback.
    RollbackPaused,
    /// The previous spec was restored.
    RollbackCompleted,
}

impl From<core::UpdateState> for UpdateState {
    fn from(value: core::UpdateState) -> Self {
        match value {
            core::UpdateState::None => UpdateState::None,
            core::UpdateState::Updating => UpdateState::Updating,
            core::UpdateState::Paused => UpdateState::Paused,
            core::UpdateState::Completed => UpdateState::Completed,
            core::UpdateState::RollbackStarted => UpdateState::RollbackStarted,
            core::UpdateState::RollbackPaused => UpdateState::RollbackPaused,
            core::UpdateState::RollbackCompleted => UpdateState::RollbackCompleted,
        }
    }
}

/// The swarm's view of a service's last update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct UpdateStatus {
    /// The state.
    pub state: UpdateState,
    /// The swarm's message.
    pub message: Option<String>,
    /// When the update started (RFC 3339).
    pub started_at: Option<String>,
    /// When it finished (RFC 3339).
    pub completed_at: Option<String>,
}

impl From<core::UpdateStatus> for UpdateStatus {
    fn from(value: core::UpdateStatus) -> Self {
        UpdateStatus {
            state: value.state.into(),
            message: value.message,
            started_at: value.started_at,
            completed_at: value.completed_at,
        }
    }
}

/// Health of a task's container as the engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum TaskHealth {
    /// The health check passes.
    Healthy,
    /// The health check fails.
    Unhealthy,
    /// The health check has not passed yet.
    Starting,
    /// The container has no health check.
    NoCheck,
    /// The container is on another node, or gone.
    Unknown,
}

impl From<core::TaskHealth> for TaskHealth {
    fn from(value: core::TaskHealth) -> Self {
        match value {
            core::TaskHealth::Healthy => TaskHealth::Healthy,
            core::TaskHealth::Unhealthy => TaskHealth::Unhealthy,
            core::TaskHealth::Starting => TaskHealth::Starting,
            core::TaskHealth::NoCheck => TaskHealth::NoCheck,
            core::TaskHealth::Unknown => TaskHealth::Unknown,
        }
    }
}

/// One task of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct TaskInfo {
    /// Swarm task id.
    pub id: String,
    /// Swarm id of the service it belongs to.
    pub service_id: String,
    /// Replica slot.
    pub slot: Option<u32>,
    /// Current state (`running`, `failed`, …).
    pub state: String,
    /// State the orchestrator wants.
    pub desired_state: String,
    /// Container health.
    pub health: TaskHealth,
    /// Node id.
    pub node_id: Option<String>,
    /// Error reported for the task.
    pub error: Option<String>,
    /// The swarm's status message.
    pub message: Option<String>,
    /// Container id.
    pub container_id: Option<String>,
    /// Deployment the task was started for.
    pub deployment_id: Option<String>,
    /// Exit code of a finished container.
    pub exit_code: Option<i32>,
    /// When the status last changed (RFC 3339).
    pub updated_at: Option<String>,
}

impl From<core::TaskInfo> for TaskInfo {
    fn from(value: core::TaskInfo) -> Self {
        TaskInfo {
            id: value.id,
            service_id: value.service_id,
            slot: value.slot.map(narrow),
            state: value.state,
            desired_state: value.desired_state,
            health: value.health.into(),
            node_id: value.node_id,
            error: value.error,
            message: value.message,
            container_id: value.container_id,
            deployment_id: value.deployment_id,
            exit_code: value.exit_code.map(narrow_signed),
            updated_at: value.updated_at,
        }
    }
}

/// Replica counts and tasks of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ServiceStatus {
    /// Swarm service id.
    pub swarm_service_id: String,
    /// Swarm service name.
    pub service_name: String,
    /// Organization id.
    pub org_id: Option<String>,
    /// Slug.
    pub slug: Option<String>,
    /// Current deployment id.
    pub deployment_id: Option<String>,
    /// Image in the current spec.
    pub image: Option<String>,
    /// Desired replicas.
    pub desired: u32,
    /// Running replicas.
    pub running: u32,
    /// The swarm's update status.
    pub update: UpdateStatus,
    /// Tasks, newest first.
    pub tasks: Vec<TaskInfo>,
}

impl From<core::ServiceStatus> for ServiceStatus {
    fn from(value: core::ServiceStatus) -> Self {
        ServiceStatus {
            swarm_service_id: value.swarm_service_id,
            service_name: value.service_name,
            org_id: value.org_id,
            slug: value.slug,
            deployment_id: value.deployment_id,
            image: value.image,
            desired: narrow(value.desired),
            running: narrow(value.running),
            update: value.update.into(),
            tasks: value.tasks.into_iter().map(Into::into).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::dto::{Progress, Trigger, UpdateOrder};

    fn core_outcome() -> core::DeployOutcome {
        core::DeployOutcome {
            swarm_service_id: "svc1".to_string(),
            service_name: "acme-web".to_string(),
            deployment_id: "dep1".to_string(),
            created: true,
            container_id: None,
            image: core::ResolvedImage {
                requested: "nginx:1.27".to_string(),
                image_id: "sha256:abc".to_string(),
                digest_ref: Some("nginx@sha256:def".to_string()),
                keep_tag: "swarmdeck-keep:abc".to_string(),
            },
            disk: core::DiskEnforcement::NotEnforced {
                reason: "no quota on overlay2".to_string(),
            },
        }
    }

    #[test]
    fn dto_json_matches_core_json_for_enum_valued_fields() -> Result<(), serde_json::Error> {
        let outcome = core_outcome();
        let core_json = serde_json::to_value(&outcome)?;
        let dto_json = serde_json::to_value(DeployOutcome::from(outcome))?;
        assert_eq!(dto_json["disk"], core_json["disk"]);
        assert_eq!(
            dto_json["disk"],
            json!({"kind": "not_enforced", "reason": "no quota on overlay2"})
        );
        // Nothing in a deploy outcome is narrowed, so the whole shape is the core's.
        assert_eq!(dto_json, core_json);
        let back: DeployOutcome = serde_json::from_value(dto_json)?;
        assert_eq!(back, DeployOutcome::from(core_outcome()));

        let status = core::UpdateStatus {
            state: core::UpdateState::RollbackCompleted,
            message: Some("rolled back".to_string()),
            started_at: None,
            completed_at: None,
        };
        let core_json = serde_json::to_value(&status)?;
        let dto_json = serde_json::to_value(UpdateStatus::from(status))?;
        assert_eq!(dto_json["state"], Value::from("rollback_completed"));
        assert_eq!(dto_json, core_json);

        let trigger = core::Trigger::RollbackTo {
            deployment_id: "dep0".to_string(),
        };
        assert_eq!(
            serde_json::to_value(Trigger::from(trigger.clone()))?,
            serde_json::to_value(trigger)?
        );
        let phase = core::Progress::Phase {
            message: "writing spec".to_string(),
        };
        assert_eq!(
            serde_json::to_value(Progress::from(phase.clone()))?,
            serde_json::to_value(phase)?
        );
        assert_eq!(
            serde_json::to_value(UpdateOrder::from(core::UpdateOrder::StartFirst))?,
            serde_json::to_value(core::UpdateOrder::StartFirst)?
        );
        Ok(())
    }
}
