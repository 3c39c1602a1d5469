//! The parts of a service definition and the requests that change a running service.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use super::{from_millis, millis, narrow, PlacementInput};
use crate::error::AppError;

/// Resources of one task (one replica).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Resources {
    /// CPU cores, 0.5–16.
    pub cpu_cores: f64,
    /// Memory limit in MB, 256–32768; half of it is reserved.
    pub memory_mb: u32,
    /// Disk in GB, 1–500; enforced only where the engine can.
    pub disk_gb: u32,
}

impl Default for Resources {
    fn default() -> Self {
        core::Resources::default().into()
    }
}

impl From<core::Resources> for Resources {
    fn from(value: core::Resources) -> Self {
        Resources {
            cpu_cores: value.cpu_cores,
            memory_mb: narrow(value.memory_mb),
            disk_gb: value.disk_gb,
        }
    }
}

impl From<Resources> for core::Resources {
    fn from(value: Resources) -> Self {
        core::Resources {
            cpu_cores: value.cpu_cores,
            memory_mb: u64::from(value.memory_mb),
            disk_gb: value.disk_gb,
        }
    }
}

/// A container health check, run by the engine inside each task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct HealthCheck {
    /// Command and arguments, run without a shell.
    pub command: Vec<String>,
    /// Seconds between checks, 1–300.
    pub interval_secs: u32,
    /// Seconds one check may take, 1–300.
    pub timeout_secs: u32,
    /// Consecutive failures before the task is unhealthy, 1–10.
    pub retries: u32,
    /// Seconds after start during which failures do not count, 0–600.
    pub start_period_secs: u32,
}

impl From<core::HealthCheck> for HealthCheck {
    fn from(value: core::HealthCheck) -> Self {
        HealthCheck {
            command: value.command,
            interval_secs: value.interval_secs,
            timeout_secs: value.timeout_secs,
            retries: value.retries,
            start_period_secs: value.start_period_secs,
        }
    }
}

impl From<HealthCheck> for core::HealthCheck {
    fn from(value: HealthCheck) -> Self {
        core::HealthCheck {
            command: value.command,
            interval_secs: value.interval_secs,
            timeout_secs: value.timeout_secs,
            retries: value.retries,
            start_period_secs: value.start_period_secs,
        }
    }
}

/// How other services reach this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum EndpointMode {
    /// One virtual IP, load-balanced.
    #[default]
    Vip,
    /// DNS round robin over the task IPs.
    Dnsrr,
}

impl From<core::EndpointMode> for EndpointMode {
    fn from(value: core::EndpointMode) -> Self {
        match value {
            core::EndpointMode::Vip => EndpointMode::Vip,
            core::EndpointMode::Dnsrr => EndpointMode::Dnsrr,
        }
    }
}

impl From<EndpointMode> for core::EndpointMode {
    fn from(value: EndpointMode) -> Self {
        match value {
            EndpointMode::Vip => core::EndpointMode::Vip,
            EndpointMode::Dnsrr => core::EndpointMode::Dnsrr,
        }
    }
}

/// What the swarm does when an update fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum FailureAction {
    /// Restore the previous spec.
    Rollback,
    /// Stop the update where it is.
    Pause,
    /// Carry on regardless.
    Continue,
}

impl From<core::FailureAction> for FailureAction {
    fn from(value: core::FailureAction) -> Self {
        match value {
            core::FailureAction::Rollback => FailureAction::Rollback,
            core::FailureAction::Pause => FailureAction::Pause,
            core::FailureAction::Continue => FailureAction::Continue,
        }
    }
}

impl From<FailureAction> for core::FailureAction {
    fn from(value: FailureAction) -> Self {
        match value {
            FailureAction::Rollback => core::FailureAction::Rollback,
            FailureAction::Pause => core::FailureAction::Pause,
            FailureAction::Continue => core::FailureAction::Continue,
        }
    }
}

/// Whether a new task starts before the old one stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateOrder {
    /// New task first: no downtime, briefly one task more.
    StartFirst,
    /// Old task first.
    StopFirst,
}

impl From<core::UpdateOrder> for UpdateOrder {
    fn from(value: core::UpdateOrder) -> Self {
        match value {
            core::UpdateOrder::StartFirst => UpdateOrder::StartFirst,
            core::UpdateOrder::StopFirst => UpdateOrder::StopFirst,
        }
    }
}

impl From<UpdateOrder> for core::UpdateOrder {
    fn from(value: UpdateOrder) -> Self {
        match value {
            UpdateOrder::StartFirst => core::UpdateOrder::StartFirst,
            UpdateOrder::StopFirst => core::UpdateOrder::StopFirst,
        }
    }
}

/// Rolling update and rollback policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct UpdatePolicy {
    /// Tasks updated at once.
    pub parallelism: u32,
    /// Pause between batches, in milliseconds.
    pub delay_ms: u32,
    /// How long a new task is watched for failure, in milliseconds.
    pub monitor_ms: u32,
    /// What the swarm does when the update fails.
    pub failure_action: FailureAction,
    /// Fraction of failed tasks tolerated before the failure action fires.
    pub max_failure_ratio: f64,
    /// Start-first or stop-first.
    pub order: UpdateOrder,
}

impl Default for UpdatePolicy {
    fn default() -> Self {
        core::UpdatePolicy::default().into()
    }
}

impl From<core::UpdatePolicy> for UpdatePolicy {
    fn from(value: core::UpdatePolicy) -> Self {
        UpdatePolicy {
            parallelism: value.parallelism,
            delay_ms: millis(value.delay),
            monitor_ms: millis(value.monitor),
            failure_action: value.failure_action.into(),
            max_failure_ratio: value.max_failure_ratio,
            order: value.order.into(),
        }
    }
}

impl From<UpdatePolicy> for core::UpdatePolicy {
    fn from(value: UpdatePolicy) -> Self {
        core::UpdatePolicy {
            parallelism: value.parallelism,
            delay: from_millis(value.delay_ms),
            monitor: from_millis(value.monitor_ms),
            failure_action: value.failure_action.into(),
            max_failure_ratio: value.max_failure_ratio,
            order: value.order.into(),
        }
    }
}

/// How a deploy is judged after the spec is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct HealthGate {
    /// Give up (and roll back) after this many milliseconds.
    pub timeout_ms: u32,
    /// Look at the tasks this often, in milliseconds.
    pub poll_ms: u32,
    /// Milliseconds every new task must stay running and healthy.
    pub settle_ms: u32,
}

impl Default for HealthGate {
    fn default() -> Self {
        core::HealthGate::default().into()
    }
}

impl From<core::HealthGate> for HealthGate {
    fn from(value: core::HealthGate) -> Self {
        HealthGate {
            timeout_ms: millis(value.timeout),
            poll_ms: millis(value.poll),
            settle_ms: millis(value.settle),
        }
    }
}

impl From<HealthGate> for core::HealthGate {
    fn from(value: HealthGate) -> Self {
        core::HealthGate {
            timeout: from_millis(value.timeout_ms),
            poll: from_millis(value.poll_ms),
            settle: from_millis(value.settle_ms),
        }
    }
}

/// What an update does to the health check.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(tag = "kind", content = "check", rename_all = "snake_case")]
pub enum HealthCheckChange {
    /// Keep the current health check (or its absence).
    #[default]
    Keep,
    /// Remove the health check.
    Remove,
    /// Replace it with this one.
    Set(HealthCheck),
}

impl From<HealthCheckChange> for Option<Option<core::HealthCheck>> {
    fn from(value: HealthCheckChange) -> Self {
        match value {
            HealthCheckChange::Keep => None,
            HealthCheckChange::Remove => Some(None),
            HealthCheckChange::Set(check) => Some(Some(check.into())),
        }
    }
}

/// Changes to a running service; absent fields keep the current value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
pub struct UpdateRequest {
    /// New image repository.
    #[serde(default)]
    pub image_name: Option<String>,
    /// New tag or digest.
    #[serde(default)]
    pub image_tag: Option<String>,
    /// Replaces the whole environment.
    #[serde(default)]
    pub env: Option<BTreeMap<String, String>>,
    /// New resources.
    #[serde(default)]
    pub resources: Option<Resources>,
    /// New replica count.
    #[serde(default)]
    pub replicas: Option<u32>,
    /// Keep, remove or replace the health check.
    #[serde(default)]
    pub health_check: HealthCheckChange,
    /// Policy for this and later updates.
    #[serde(default)]
    pub update_policy: Option<UpdatePolicy>,
    /// Replaces the whole placement; absent keeps it.
    #[serde(default)]
    pub placement: Option<PlacementInput>,
    /// The caller's id of this deployment; generated when absent.
    #[serde(default)]
    pub deployment_id: Option<String>,
}

impl TryFrom<UpdateRequest> for core::UpdateRequest {
    type Error = AppError;

    fn try_from(value: UpdateRequest) -> Result<Self, AppError> {
        let placement = match value.placement {
            Some(placement) => core::PlacementUpdate::replace_with(placement.try_into()?),
            None => core::PlacementUpdate::default(),
        };
        Ok(core::UpdateRequest {
            image_name: value.image_name,
            image_tag: value.image_tag,
            env: value.env,
            resources: value.resources.map(Into::into),
            replicas: value.replicas,
            health_check: value.health_check.into(),
            update_policy: value.update_policy.map(Into::into),
            placement,
            deployment_id: value.deployment_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn health_check_change_maps_to_nested_option() -> Result<(), Box<dyn std::error::Error>> {
        let check = HealthCheck {
            command: vec!["true".to_string()],
            interval_secs: 5,
            timeout_secs: 2,
            retries: 3,
            start_period_secs: 0,
        };
        let keep: Option<Option<core::HealthCheck>> = HealthCheckChange::Keep.into();
        assert_eq!(keep, None);
        let remove: Option<Option<core::HealthCheck>> = HealthCheckChange::Remove.into();
        assert_eq!(remove, Some(None));
        let set: Option<Option<core::HealthCheck>> = HealthCheckChange::Set(check.clone()).into();
        assert_eq!(set, Some(Some(core::HealthCheck::from(check.clone()))));

        assert_eq!(
            serde_json::to_value(HealthCheckChange::Remove)?,
            json!({"kind": "remove"})
        );
        let request: UpdateRequest = serde_json::from_value(json!({
            "replicas": 2,
            "health_check": {"kind": "set", "check": serde_json::to_value(&check)?},
        }))?;
        let request = core::UpdateRequest::try_from(request)?;
        assert_eq!(request.replicas, Some(2));
        assert_eq!(request.health_check, Some(Some(check.into())));
        let empty: UpdateRequest = serde_json::from_value(json!({}))?;
        let empty = core::UpdateRequest::try_from(empty)?;
        assert_eq!(empty.health_check, None);
        assert!(empty.placement.is_empty());
        Ok(())
    }
}
