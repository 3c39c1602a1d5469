//! What the deploy form sends: numbers as the form holds them, checked on the way in.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use super::{narrow, EndpointMode, FailureAction, PlacementInput, UpdateOrder};

/// A number as a form sends it: any JSON number, or null for an empty field. Checked on the way in, so that an
/// empty, fractional or out-of-range value comes back as an `Invalid` error naming its field, shown next to it,
/// instead of failing the whole call before any code of ours runs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, Type)]
#[serde(transparent)]
pub struct FormNumber(pub Option<f64>);

/// The largest whole number JavaScript holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

impl FormNumber {
    fn of(value: impl Into<f64>) -> Self {
        FormNumber(Some(value.into()))
    }

    /// A real number; required.
    fn real(self, field: &str) -> Result<f64, AppError> {
        match self.0 {
            Some(value) if value.is_finite() => Ok(value),
            Some(value) => Err(invalid(field, format!("must be a number (got {value})"))),
            None => Err(invalid(field, "is required")),
        }
    }

    /// A whole number within `range`; required.
    fn whole<T: TryFrom<u64>>(
        self,
        field: &str,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<T, AppError> {
        let value = self.real(field)?;
        let (min, max) = (*range.start(), *range.end());
        if value.fract() != 0.0 {
            return Err(invalid(
                field,
                format!("must be a whole number (got {value})"),
            ));
        }
        if value < min as f64 || value > max as f64 {
            return Err(invalid(
                field,
                format!("must be between {min} and {max} (got {value})"),
            ));
        }
        T::try_from(value as u64).map_err(|_| invalid(field, format!("must be at most {max}")))
    }

    /// A whole number within `range`, or nothing for an empty field.
    pub(super) fn optional_whole<T: TryFrom<u64>>(
        self,
        field: &str,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<Option<T>, AppError> {
        match self.0 {
            None => Ok(None),
            Some(_) => self.whole(field, range).map(Some),
        }
    }
}

fn invalid(field: &str, rule: impl Into<String>) -> AppError {
    AppError::Invalid {
        field: field.to_string(),
        rule: rule.into(),
    }
}

/// Resources as the deploy form sends them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct ResourcesInput {
    /// CPU cores, 0.5–16.
    pub cpu_cores: FormNumber,
    /// Memory limit in MB, 256–32768.
    pub memory_mb: FormNumber,
    /// Disk in GB, 1–500.
    pub disk_gb: FormNumber,
}

impl Default for ResourcesInput {
    fn default() -> Self {
        let defaults = core::Resources::default();
        ResourcesInput {
            cpu_cores: FormNumber::of(defaults.cpu_cores),
            memory_mb: FormNumber::of(narrow(defaults.memory_mb)),
            disk_gb: FormNumber::of(defaults.disk_gb),
        }
    }
}

impl TryFrom<ResourcesInput> for core::Resources {
    type Error = AppError;

    fn try_from(value: ResourcesInput) -> Result<Self, AppError> {
        Ok(core::Resources {
            cpu_cores: value.cpu_cores.real("resources.cpu_cores")?,
            memory_mb: value
                .memory_mb
                .whole("resources.memory_mb", 0..=MAX_SAFE_INTEGER)?,
            disk_gb: value
                .disk_gb
                .whole("resources.disk_gb", 0..=u64::from(u32::MAX))?,
        })
    }
}

/// A health check as the deploy form sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct HealthCheckInput {
    /// Command and arguments, run without a shell.
    pub command: Vec<String>,
    /// Seconds between checks, 1–300.
    pub interval_secs: FormNumber,
    /// Seconds one check may take, 1–300.
    pub timeout_secs: FormNumber,
    /// Consecutive failures before the task is unhealthy, 1–10.
    pub retries: FormNumber,
    /// Seconds after start during which failures do not count, 0–600.
    pub start_period_secs: FormNumber,
}

impl TryFrom<HealthCheckInput> for core::HealthCheck {
    type Error = AppError;

    fn try_from(value: HealthCheckInput) -> Result<Self, AppError> {
        let count = 0..=u64::from(u32::MAX);
        Ok(core::HealthCheck {
            command: value.command,
            interval_secs: value
                .interval_secs
                .whole("health_check.interval_secs", count.clone())?,
            timeout_secs: value
                .timeout_secs
                .whole("health_check.timeout_secs", count.clone())?,
            retries: value.retries.whole("health_check.retries", count.clone())?,
            start_period_secs: value
                .start_period_secs
                .whole("health_check.start_period_secs", count)?,
        })
    }
}

/// An update policy as the deploy form sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct UpdatePolicyInput {
    /// Tasks updated at once.
    pub parallelism: FormNumber,
    /// Pause between batches, in milliseconds.
    pub delay_ms: FormNumber,
    /// How long a new task is watched for failure, in milliseconds.
    pub monitor_ms: FormNumber,
    /// What the swarm does when the update fails.
    pub failure_action: FailureAction,
    /// Fraction of failed tasks tolerated before the failure action fires.
    pub max_failure_ratio: FormNumber,
    /// Start-first or stop-first.
    pub order: UpdateOrder,
}

impl TryFrom<UpdatePolicyInput> for core::UpdatePolicy {
    type Error = AppError;

    fn try_from(value: UpdatePolicyInput) -> Result<Self, AppError> {
        let millis = 0..=u64::from(u32::MAX);
        Ok(core::UpdatePolicy {
            parallelism: value
                .parallelism
                .whole("update_policy.parallelism", 0..=u64::from(u32::MAX))?,
            delay: Duration::from_millis(
                value
                    .delay_ms
                    .whole("update_policy.delay", millis.clone())?,
            ),
            monitor: Duration::from_millis(
                value.monitor_ms.whole("update_policy.monitor", millis)?,
            ),
            failure_action: value.failure_action.into(),
            max_failure_ratio: value
                .max_failure_ratio
                .real("update_policy.max_failure_ratio")?,
            order: value.order.into(),
        })
    }
}

/// A deploy: create the service, or update it when it exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct DeployRequest {
    /// Organization id: lowercase letters, digits and `-`, at most 24.
    pub org_id: String,
    /// Service slug within the organization; also its DNS alias.
    pub slug: String,
    /// The caller's own id of the service; defaults to the swarm service name.
    #[serde(default)]
    pub service_id: Option<String>,
    /// The caller's id of this deployment; generated when absent.
    #[serde(default)]
    pub deployment_id: Option<String>,
    /// Image repository, e.g. `registry.example.com:5000/team/app`.
    pub image_name: String,
    /// Image tag (`v1.2`) or digest (`sha256:…`).
    pub image_tag: String,
    /// Resources of each replica.
    #[serde(default)]
    pub resources: ResourcesInput,
    /// Environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Port the service listens on inside its network, 1–65535; null for none.
    #[serde(default)]
    pub internal_port: FormNumber,
    /// Number of tasks, 1–100.
    pub replicas: FormNumber,
    /// Container health check.
    #[serde(default)]
    pub health_check: Option<HealthCheckInput>,
    /// VIP or DNS round robin.
    #[serde(default)]
    pub endpoint_mode: EndpointMode,
    /// Overrides the default update and rollback policy.
    #[serde(default)]
    pub update_policy: Option<UpdatePolicyInput>,
    /// Where the tasks may run; anywhere when absent.
    #[serde(default)]
    pub placement: PlacementInput,
}

impl TryFrom<DeployRequest> for core::DeployRequest {
    type Error = AppError;

    fn try_from(value: DeployRequest) -> Result<Self, AppError> {
        Ok(core::DeployRequest {
            org_id: value.org_id,
            slug: value.slug,
            service_id: value.service_id,
            deployment_id: value.deployment_id,
            image_name: value.image_name,
            image_tag: value.image_tag,
            resources: value.resources.try_into()?,
            env: value.env,
            internal_port: value
                .internal_port
                .optional_whole("internal_port", 1..=65_535)?,
            replicas: value.replicas.whole("replicas", 0..=u64::from(u32::MAX))?,
            health_check: value.health_check.map(TryInto::try_into).transpose()?,
            endpoint_mode: value.endpoint_mode.into(),
            update_policy: value.update_policy.map(TryInto::try_into).transpose()?,
            placement: value.placement.try_into()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    /// What the deploy form sends, with some fields replaced.
    fn form_request(changes: Value) -> DeployRequest {
        let mut request = json!({
            "org_id": "acme", "slug": "web", "image_name": "app", "image_tag": "v1",
            "resources": { "cpu_cores": 1, "memory_mb": 512, "disk_gb": 5 },
            "env": {}, "internal_port": 8080, "replicas": 2, "health_check": null,
            "endpoint_mode": "vip", "update_policy": null
        });
        for (path, value) in changes.as_object().into_iter().flatten() {
            let mut at = &mut request;
            for key in path.split('.') {
                at = &mut at[key];
            }
            *at = value.clone();
        }
        serde_json::from_value(request).expect("whatever number the form sends crosses IPC")
    }

    fn field_error(changes: Value) -> (String, String) {
        match core::DeployRequest::try_from(form_request(changes)) {
            Err(AppError::Invalid { field, rule }) => (field, rule),
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn numbers_the_form_can_send_come_back_as_field_errors() {
        let (field, rule) = field_error(json!({ "resources.cpu_cores": null }));
        assert_eq!(
            (field.as_str(), rule.as_str()),
            ("resources.cpu_cores", "is required")
        );
        let (field, rule) = field_error(json!({ "internal_port": 70000 }));
        assert_eq!(field, "internal_port");
        assert!(rule.contains("between 1 and 65535"), "{rule}");
        let (field, rule) = field_error(json!({ "resources.memory_mb": 512.5 }));
        assert_eq!(field, "resources.memory_mb");
        assert!(rule.contains("whole number"), "{rule}");
        let (field, _) = field_error(json!({ "replicas": -1 }));
        assert_eq!(field, "replicas");
        let (field, _) = field_error(json!({ "health_check": {
            "command": ["x"], "interval_secs": 1.5, "timeout_secs": 1, "retries": 1, "start_period_secs": 0
        } }));
        assert_eq!(field, "health_check.interval_secs");
    }

    #[test]
    fn placement_from_the_form_names_its_field_and_blank_spread_means_none() -> Result<(), AppError>
    {
        let (field, _) = field_error(json!({
            "placement": { "constraints": [], "spread": null, "max_replicas_per_node": 1.5 }
        }));
        assert_eq!(field, "placement.max_replicas_per_node");
        let request = core::DeployRequest::try_from(form_request(json!({
            "placement": { "constraints": ["node.role==worker"], "spread": " ", "max_replicas_per_node": 1 }
        })))?;
        assert_eq!(
            request.placement,
            core::Placement {
                constraints: vec!["node.role==worker".into()],
                spread: None,
                max_replicas_per_node: Some(1),
            }
        );
        Ok(())
    }

    #[test]
    fn a_good_form_request_converts_and_an_empty_port_means_none() -> Result<(), AppError> {
        let request =
            core::DeployRequest::try_from(form_request(json!({ "internal_port": null })))?;
        assert_eq!(request.internal_port, None);
        assert_eq!(request.resources.memory_mb, 512);
        assert_eq!(request.replicas, 2);
        Ok(())
    }
}
