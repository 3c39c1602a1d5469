//! IPC transport types (DTOs): what crosses between the Rust side and the TypeScript UI.
//!
//! The orchestrator core stays free of transport concerns: its types are plain serde types and it knows nothing
//! of specta. Only this crate derives [`specta::Type`], on mirrors of the core types defined here, together with
//! conversions to and from the core.
//!
//! The mirrors keep the core's JSON shape (field names, enum representations) with two deliberate differences,
//! both for JavaScript, whose numbers are doubles:
//! - 64-bit integers are narrowed: counts to `u32` (saturating), exit codes to `i32` (clamped), byte and CPU
//!   quantities to `f64`, Unix times to `f64` seconds;
//! - durations are `u32` milliseconds in fields ending in `_ms` (saturating at about 49.7 days).
//!
//! `UpdateRequest::health_check` is a [`HealthCheckChange`] rather than the core's `Option<Option<_>>`, which
//! TypeScript cannot tell apart from a plain optional.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::error::AppError;
use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

/// Milliseconds of a duration, saturating at `u32::MAX`.
fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

/// The duration of a number of milliseconds.
fn from_millis(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

/// A 64-bit count narrowed to `u32`, saturating.
fn narrow(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A 64-bit signed integer narrowed to `i32`, clamped to its range.
fn narrow_signed(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

/// Unix seconds from JavaScript: fractions are dropped, out-of-range values saturate, NaN is 0.
fn unix_secs(value: f64) -> i64 {
    value as i64
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and the parts of a service definition
// ---------------------------------------------------------------------------------------------------------------

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
    fn optional_whole<T: TryFrom<u64>>(
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
        })
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
    /// The caller's id of this deployment; generated when absent.
    #[serde(default)]
    pub deployment_id: Option<String>,
}

impl From<UpdateRequest> for core::UpdateRequest {
    fn from(value: UpdateRequest) -> Self {
        core::UpdateRequest {
            image_name: value.image_name,
            image_tag: value.image_tag,
            env: value.env,
            resources: value.resources.map(Into::into),
            replicas: value.replicas,
            health_check: value.health_check.into(),
            update_policy: value.update_policy.map(Into::into),
            deployment_id: value.deployment_id,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Deploy results and service state
// ---------------------------------------------------------------------------------------------------------------

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

/// One service of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ServiceSummary {
    /// Swarm service id.
    pub swarm_service_id: String,
    /// Swarm service name.
    pub service_name: String,
    /// Slug.
    pub slug: Option<String>,
    /// Image.
    pub image: Option<String>,
    /// Desired replicas.
    pub desired: u32,
    /// Running replicas.
    pub running: u32,
}

impl From<core::ServiceSummary> for ServiceSummary {
    fn from(value: core::ServiceSummary) -> Self {
        ServiceSummary {
            swarm_service_id: value.swarm_service_id,
            service_name: value.service_name,
            slug: value.slug,
            image: value.image,
            desired: narrow(value.desired),
            running: narrow(value.running),
        }
    }
}

/// An organization's overlay network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct OrgNetwork {
    /// Network id.
    pub id: String,
    /// `org-{id}-network`.
    pub name: String,
    /// Whether this call created it.
    pub created: bool,
    /// Subnets of the network.
    pub subnets: Vec<String>,
}

impl From<core::OrgNetwork> for OrgNetwork {
    fn from(value: core::OrgNetwork) -> Self {
        OrgNetwork {
            id: value.id,
            name: value.name,
            created: value.created,
            subnets: value.subnets,
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Logs, swarm, history, progress
// ---------------------------------------------------------------------------------------------------------------

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl From<core::LogStream> for LogStream {
    fn from(value: core::LogStream) -> Self {
        match value {
            core::LogStream::Stdout => LogStream::Stdout,
            core::LogStream::Stderr => LogStream::Stderr,
        }
    }
}

/// One line of a service's logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct LogLine {
    /// Its stream.
    pub stream: LogStream,
    /// Engine timestamp (RFC 3339), when asked for.
    pub timestamp: Option<String>,
    /// The text, without the trailing newline.
    pub text: String,
}

impl From<core::LogLine> for LogLine {
    fn from(value: core::LogLine) -> Self {
        LogLine {
            stream: value.stream.into(),
            timestamp: value.timestamp,
            text: value.text,
        }
    }
}

/// What a log follow sends: lines as they come, then once why it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogEvent {
    /// A batch of new lines.
    Lines {
        /// The lines, oldest first.
        lines: Vec<LogLine>,
    },
    /// The follow ended: stopped, the service went away, or the engine failed.
    Ended {
        /// What failed, when something did.
        error: Option<String>,
    },
}

/// What to read of a service's logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct LogQuery {
    /// Last N lines per task; all when null.
    pub tail: Option<u32>,
    /// Only lines after this Unix time, in seconds (fractions are dropped).
    pub since: Option<f64>,
    /// Only lines before this Unix time, in seconds (fractions are dropped).
    pub until: Option<f64>,
    /// Include engine timestamps.
    pub timestamps: bool,
    /// Include standard output.
    pub stdout: bool,
    /// Include standard error.
    pub stderr: bool,
    /// Keep only lines containing this text.
    pub filter: Option<String>,
}

impl Default for LogQuery {
    fn default() -> Self {
        let query = core::LogQuery::default();
        LogQuery {
            tail: query.tail,
            since: query.since.map(|secs| secs as f64),
            until: query.until.map(|secs| secs as f64),
            timestamps: query.timestamps,
            stdout: query.stdout,
            stderr: query.stderr,
            filter: query.filter,
        }
    }
}

impl From<LogQuery> for core::LogQuery {
    fn from(value: LogQuery) -> Self {
        core::LogQuery {
            tail: value.tail,
            since: value.since.map(unix_secs),
            until: value.until.map(unix_secs),
            timestamps: value.timestamps,
            stdout: value.stdout,
            stderr: value.stderr,
            filter: value.filter,
        }
    }
}

/// The swarm as this engine sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct SwarmInfo {
    /// Whether swarm mode is active and this node manages it.
    pub initialized: bool,
    /// The engine's local node state (`inactive`, `active`, …).
    pub local_node_state: String,
    /// Swarm (cluster) id.
    pub swarm_id: Option<String>,
    /// This node's id.
    pub node_id: Option<String>,
    /// Number of nodes.
    pub nodes: u32,
    /// Number of managers.
    pub managers: u32,
    /// The address this node advertises.
    pub advertise_addr: Option<String>,
    /// The engine's version.
    pub engine_version: Option<String>,
    /// Whether this call initialised the swarm.
    pub created: bool,
}

impl From<core::SwarmInfo> for SwarmInfo {
    fn from(value: core::SwarmInfo) -> Self {
        SwarmInfo {
            initialized: value.initialized,
            local_node_state: value.local_node_state,
            swarm_id: value.swarm_id,
            node_id: value.node_id,
            nodes: value.nodes,
            managers: value.managers,
            advertise_addr: value.advertise_addr,
            engine_version: value.engine_version,
            created: value.created,
        }
    }
}

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

// ---------------------------------------------------------------------------------------------------------------
// Topology
// ---------------------------------------------------------------------------------------------------------------

/// One node of the swarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct NodeInfo {
    /// Node id.
    pub id: String,
    /// Host name.
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    /// `ready`, `down`, …
    pub state: String,
    /// `active`, `pause` or `drain`.
    pub availability: String,
    /// The node's address.
    pub addr: Option<String>,
    /// CPUs in NanoCPUs.
    pub nano_cpus: f64,
    /// Memory in bytes.
    pub memory_bytes: f64,
}

impl From<core::NodeInfo> for NodeInfo {
    fn from(value: core::NodeInfo) -> Self {
        NodeInfo {
            id: value.id,
            hostname: value.hostname,
            role: value.role,
            state: value.state,
            availability: value.availability,
            addr: value.addr,
            nano_cpus: value.nano_cpus as f64,
            memory_bytes: value.memory_bytes as f64,
        }
    }
}

/// One service with what the graph shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ServiceNode {
    /// Swarm service id.
    pub swarm_service_id: String,
    /// Swarm service name.
    pub service_name: String,
    /// Slug.
    pub slug: Option<String>,
    /// Image of the current spec.
    pub image: Option<String>,
    /// Deployment of the current spec.
    pub deployment_id: Option<String>,
    /// Desired replicas.
    pub desired: u32,
    /// Running replicas.
    pub running: u32,
    /// The swarm's update state.
    pub update_state: UpdateState,
    /// Tasks the swarm wants running, and recent failures.
    pub tasks: Vec<TaskInfo>,
    /// Ids of the organization networks it is attached to (more than one is a bridge).
    pub networks: Vec<String>,
}

impl From<core::ServiceNode> for ServiceNode {
    fn from(value: core::ServiceNode) -> Self {
        ServiceNode {
            swarm_service_id: value.swarm_service_id,
            service_name: value.service_name,
            slug: value.slug,
            image: value.image,
            deployment_id: value.deployment_id,
            desired: narrow(value.desired),
            running: narrow(value.running),
            update_state: value.update_state.into(),
            tasks: value.tasks.into_iter().map(Into::into).collect(),
            networks: value.networks,
        }
    }
}

/// An organization with its network and services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct OrgTopology {
    /// Organization id.
    pub org_id: String,
    /// Its network, when it exists.
    pub network: Option<OrgNetwork>,
    /// Its services.
    pub services: Vec<ServiceNode>,
}

impl From<core::OrgTopology> for OrgTopology {
    fn from(value: core::OrgTopology) -> Self {
        OrgTopology {
            org_id: value.org_id,
            network: value.network.map(Into::into),
            services: value.services.into_iter().map(Into::into).collect(),
        }
    }
}

/// The swarm's state in one piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Topology {
    /// Nodes.
    pub nodes: Vec<NodeInfo>,
    /// Organizations, by id.
    pub orgs: Vec<OrgTopology>,
}

impl From<core::Topology> for Topology {
    fn from(value: core::Topology) -> Self {
        Topology {
            nodes: value.nodes.into_iter().map(Into::into).collect(),
            orgs: value.orgs.into_iter().map(Into::into).collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Isolation check
// ---------------------------------------------------------------------------------------------------------------

/// How a target was tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ProbeMethod {
    /// TCP connect to a task IP on the internal port.
    TaskIp,
    /// TCP connect to the service's virtual IP on the internal port.
    VirtualIp,
    /// DNS name `{slug}`.
    DnsSlug,
    /// DNS name `{slug}.internal`.
    DnsInternal,
    /// DNS name `tasks.{service}`.
    DnsTasks,
}

impl From<core::ProbeMethod> for ProbeMethod {
    fn from(value: core::ProbeMethod) -> Self {
        match value {
            core::ProbeMethod::TaskIp => ProbeMethod::TaskIp,
            core::ProbeMethod::VirtualIp => ProbeMethod::VirtualIp,
            core::ProbeMethod::DnsSlug => ProbeMethod::DnsSlug,
            core::ProbeMethod::DnsInternal => ProbeMethod::DnsInternal,
            core::ProbeMethod::DnsTasks => ProbeMethod::DnsTasks,
        }
    }
}

/// One try of one target from one organization's network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ProbeAttempt {
    /// Organization whose network the probe sat in.
    pub source_org: String,
    /// Organization owning the target.
    pub target_org: String,
    /// Target service.
    pub target_service: String,
    /// How it was tried.
    pub method: ProbeMethod,
    /// `ip:port` or a DNS name.
    pub target: String,
    /// Whether the target was reached (for DNS: resolved to an address of the target organization).
    pub reached: bool,
    /// What happened, in words.
    pub detail: String,
    /// Time the attempt took, in milliseconds.
    pub latency_ms: u32,
}

impl From<core::ProbeAttempt> for ProbeAttempt {
    fn from(value: core::ProbeAttempt) -> Self {
        ProbeAttempt {
            source_org: value.source_org,
            target_org: value.target_org,
            target_service: value.target_service,
            method: value.method.into(),
            target: value.target,
            reached: value.reached,
            detail: value.detail,
            latency_ms: value.latency_ms,
        }
    }
}

/// The verdict of one ordered pair of organizations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum CellVerdict {
    /// Controls passed and every crossing attempt failed.
    Isolated,
    /// A crossing attempt succeeded.
    Leak,
    /// The probes cannot tell; the reason says why.
    Inconclusive,
}

impl From<core::CellVerdict> for CellVerdict {
    fn from(value: core::CellVerdict) -> Self {
        match value {
            core::CellVerdict::Isolated => CellVerdict::Isolated,
            core::CellVerdict::Leak => CellVerdict::Leak,
            core::CellVerdict::Inconclusive => CellVerdict::Inconclusive,
        }
    }
}

/// Source → target cell of the matrix with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct MatrixCell {
    /// Organization probed from.
    pub source_org: String,
    /// Organization probed.
    pub target_org: String,
    /// The verdict.
    pub verdict: CellVerdict,
    /// Why, in words.
    pub reason: String,
    /// Every crossing attempt.
    pub attempts: Vec<ProbeAttempt>,
}

impl From<core::MatrixCell> for MatrixCell {
    fn from(value: core::MatrixCell) -> Self {
        MatrixCell {
            source_org: value.source_org,
            target_org: value.target_org,
            verdict: value.verdict.into(),
            reason: value.reason,
            attempts: value.attempts.into_iter().map(Into::into).collect(),
        }
    }
}

/// Whether a probe method works at all on this host, judged by its controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct MethodAvailability {
    /// The method.
    pub method: ProbeMethod,
    /// False when its own control failed from every organization.
    pub testable: bool,
    /// Why not, in words.
    pub note: Option<String>,
}

impl From<core::MethodAvailability> for MethodAvailability {
    fn from(value: core::MethodAvailability) -> Self {
        MethodAvailability {
            method: value.method.into(),
            testable: value.testable,
            note: value.note,
        }
    }
}

/// What the structural audit looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A service attached to more than one organization's network.
    Bridge,
    /// A service publishing ports on the ingress routing mesh.
    IngressExposure,
    /// An organization's service on a network that is not its organization's.
    ForeignNetwork,
    /// An organization network that is not encrypted.
    NetworkNotEncrypted,
    /// A network named like an organization network but not labelled as Swarmdeck's.
    NetworkNotLabelled,
}

impl From<core::AuditKind> for AuditKind {
    fn from(value: core::AuditKind) -> Self {
        match value {
            core::AuditKind::Bridge => AuditKind::Bridge,
            core::AuditKind::IngressExposure => AuditKind::IngressExposure,
            core::AuditKind::ForeignNetwork => AuditKind::ForeignNetwork,
            core::AuditKind::NetworkNotEncrypted => AuditKind::NetworkNotEncrypted,
            core::AuditKind::NetworkNotLabelled => AuditKind::NetworkNotLabelled,
        }
    }
}

/// One finding of the structural audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct AuditFinding {
    /// What kind.
    pub kind: AuditKind,
    /// The service or network concerned.
    pub subject: String,
    /// Details in words.
    pub detail: String,
}

impl From<core::AuditFinding> for AuditFinding {
    fn from(value: core::AuditFinding) -> Self {
        AuditFinding {
            kind: value.kind.into(),
            subject: value.subject,
            detail: value.detail,
        }
    }
}

/// Whether the host can do something isolation or discovery relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Works here.
    Available,
    /// Does not work here.
    Missing,
    /// Could not be determined from here.
    Unknown,
}

impl From<core::Capability> for Capability {
    fn from(value: core::Capability) -> Self {
        match value {
            core::Capability::Available => Capability::Available,
            core::Capability::Missing => Capability::Missing,
            core::Capability::Unknown => Capability::Unknown,
        }
    }
}

/// One fact about the engine's host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PreflightFinding {
    /// What was checked (`virtual_ip_routing`, `encrypted_overlay_between_hosts`, `advertise_address`).
    pub check: String,
    /// The result.
    pub status: Capability,
    /// What it was judged from.
    pub evidence: String,
    /// What it means, in plain words.
    pub explanation: String,
}

impl From<core::PreflightFinding> for PreflightFinding {
    fn from(value: core::PreflightFinding) -> Self {
        PreflightFinding {
            check: value.check,
            status: value.status.into(),
            evidence: value.evidence,
            explanation: value.explanation,
        }
    }
}

/// Which organizations to check and how patiently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct IsolationRequest {
    /// Organizations to check; all that have a network when empty.
    pub orgs: Vec<String>,
    /// Timeout of each connect and lookup, in milliseconds.
    pub attempt_timeout_ms: u32,
}

impl Default for IsolationRequest {
    fn default() -> Self {
        let request = core::IsolationRequest::default();
        IsolationRequest {
            orgs: request.orgs,
            attempt_timeout_ms: request.attempt_timeout_ms,
        }
    }
}

impl From<IsolationRequest> for core::IsolationRequest {
    fn from(value: IsolationRequest) -> Self {
        core::IsolationRequest {
            orgs: value.orgs,
            attempt_timeout_ms: value.attempt_timeout_ms,
        }
    }
}

/// A step of a running isolation check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IsolationProgress {
    /// The organizations are known; probes are about to start.
    Planned {
        /// Organizations checked.
        orgs: Vec<String>,
        /// Ordered pairs that get a verdict.
        pairs: u32,
    },
    /// A source organization's probe container is starting.
    ProbeStarted {
        /// The source organization.
        org: String,
    },
    /// A source organization's probe finished (or failed).
    ProbeFinished {
        /// The source organization.
        org: String,
        /// Probes finished so far, this one included.
        done: u32,
        /// Probes in this check.
        total: u32,
        /// Why the probe failed, if it did.
        error: Option<String>,
    },
    /// Every probe is back; the verdicts are being judged.
    Judging,
}

impl From<core::IsolationProgress> for IsolationProgress {
    fn from(value: core::IsolationProgress) -> Self {
        match value {
            core::IsolationProgress::Planned { orgs, pairs } => {
                IsolationProgress::Planned { orgs, pairs }
            }
            core::IsolationProgress::ProbeStarted { org } => {
                IsolationProgress::ProbeStarted { org }
            }
            core::IsolationProgress::ProbeFinished {
                org,
                done,
                total,
                error,
            } => IsolationProgress::ProbeFinished {
                org,
                done,
                total,
                error,
            },
            core::IsolationProgress::Judging => IsolationProgress::Judging,
        }
    }
}

/// The full result: matrix, controls, method availability, audit and host preflight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct IsolationReport {
    /// Organizations checked.
    pub orgs: Vec<String>,
    /// Every ordered pair of different organizations.
    pub cells: Vec<MatrixCell>,
    /// Positive controls: each organization towards its own services.
    pub controls: Vec<ProbeAttempt>,
    /// Which methods could prove anything on this host.
    pub methods: Vec<MethodAvailability>,
    /// Structural findings.
    pub audit: Vec<AuditFinding>,
    /// What the host can and cannot do.
    pub preflight: Vec<PreflightFinding>,
    /// Probe containers started.
    pub probes_started: u32,
}

impl From<core::IsolationReport> for IsolationReport {
    fn from(value: core::IsolationReport) -> Self {
        IsolationReport {
            orgs: value.orgs,
            cells: value.cells.into_iter().map(Into::into).collect(),
            controls: value.controls.into_iter().map(Into::into).collect(),
            methods: value.methods.into_iter().map(Into::into).collect(),
            audit: value.audit.into_iter().map(Into::into).collect(),
            preflight: value.preflight.into_iter().map(Into::into).collect(),
            probes_started: value.probes_started,
        }
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
    fn a_good_form_request_converts_and_an_empty_port_means_none() -> Result<(), AppError> {
        let request =
            core::DeployRequest::try_from(form_request(json!({ "internal_port": null })))?;
        assert_eq!(request.internal_port, None);
        assert_eq!(request.resources.memory_mb, 512);
        assert_eq!(request.replicas, 2);
        Ok(())
    }

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

    #[test]
    fn durations_become_saturating_milliseconds() {
        assert_eq!(millis(Duration::from_millis(1500)), 1500);
        assert_eq!(millis(Duration::from_secs(u64::MAX)), u32::MAX);
        let policy = UpdatePolicy::from(core::UpdatePolicy {
            delay: Duration::from_secs(10),
            monitor: Duration::MAX,
            ..core::UpdatePolicy::default()
        });
        assert_eq!(policy.delay_ms, 10_000);
        assert_eq!(policy.monitor_ms, u32::MAX);
        let gate = HealthGate::default();
        assert_eq!(core::HealthGate::from(gate), core::HealthGate::default());
        assert_eq!(narrow(u64::MAX), u32::MAX);
        assert_eq!(narrow_signed(i64::MIN), i32::MIN);
        assert_eq!(narrow_signed(-1), -1);
    }

    #[test]
    fn health_check_change_maps_to_nested_option() -> Result<(), serde_json::Error> {
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
        let request = core::UpdateRequest::from(request);
        assert_eq!(request.replicas, Some(2));
        assert_eq!(request.health_check, Some(Some(check.into())));
        let empty: UpdateRequest = serde_json::from_value(json!({}))?;
        assert_eq!(core::UpdateRequest::from(empty).health_check, None);
        Ok(())
    }

    #[test]
    fn log_query_times_are_whole_seconds() {
        let query = core::LogQuery::from(LogQuery {
            since: Some(1_700_000_000.9),
            until: Some(f64::NAN),
            ..LogQuery::default()
        });
        assert_eq!(query.since, Some(1_700_000_000));
        assert_eq!(query.until, Some(0));
        assert!(query.stdout && query.stderr);
    }
}
