//! Plain request and result types of the orchestrator's public API.
//!
//! The file is long because it is the whole vocabulary of that API in one place: data types with their defaults
//! and a few one-line accessors, which callers read as one reference.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

mod container;
mod placement;
mod record;
pub use container::{
    ContainerSetup, FileKind, FileMount, Mount, MountKind, PortProtocol, PublishMode,
    PublishedPort, RestartCondition, RestartPolicy,
};
pub use placement::{Placement, PlacementUpdate};
pub use record::{DeploymentRecord, Outcome, Trigger};

/// Resources of one task (one replica).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// CPU cores, 0.5–16; becomes a NanoCPUs limit.
    pub cpu_cores: f64,
    /// Memory limit in MB, 256–32768; half of it is reserved.
    pub memory_mb: u64,
    /// Disk in GB, 1–500; enforced only where the engine can (see [`DiskEnforcement`]).
    pub disk_gb: u32,
}

impl Default for Resources {
    fn default() -> Self {
        Resources {
            cpu_cores: 0.5,
            memory_mb: 256,
            disk_gb: 1,
        }
    }
}

/// A container health check, run by the engine inside each task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// Command and arguments, run without a shell (`CMD` form).
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

/// How other services reach this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointMode {
    /// One virtual IP load-balanced by IPVS.
    #[default]
    Vip,
    /// DNS round robin over the task IPs.
    Dnsrr,
}

/// What the swarm does when an update fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureAction {
    /// Restore the previous spec.
    Rollback,
    /// Stop the update where it is.
    Pause,
    /// Carry on regardless.
    Continue,
}

/// Whether a new task starts before the old one stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateOrder {
    /// New task first: no downtime, briefly one task more.
    StartFirst,
    /// Old task first.
    StopFirst,
}

/// Rolling update and rollback policy written into every spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdatePolicy {
    /// Tasks updated at once.
    pub parallelism: u32,
    /// Pause between batches.
    #[serde(with = "duration_ms")]
    pub delay: Duration,
    /// How long a new task is watched for failure.
    #[serde(with = "duration_ms")]
    pub monitor: Duration,
    /// What the swarm does when the update fails.
    pub failure_action: FailureAction,
    /// Fraction of failed tasks tolerated before the failure action fires.
    pub max_failure_ratio: f64,
    /// Start-first or stop-first.
    pub order: UpdateOrder,
}

impl Default for UpdatePolicy {
    /// The design's policy: start-first, one at a time, 10 s apart, watched 15 s, roll back above 30 % failures.
    fn default() -> Self {
        UpdatePolicy {
            parallelism: 1,
            delay: Duration::from_secs(10),
            monitor: Duration::from_secs(15),
            failure_action: FailureAction::Rollback,
            max_failure_ratio: 0.3,
            order: UpdateOrder::StartFirst,
        }
    }
}

/// How the orchestrator judges a deploy after the spec is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthGate {
    /// Give up (and roll back) after this long.
    #[serde(with = "duration_ms")]
    pub timeout: Duration,
    /// Look at the tasks this often.
    #[serde(with = "duration_ms")]
    pub poll: Duration,
    /// Every new task must stay running and healthy this long before the deploy counts as healthy.
    #[serde(with = "duration_ms")]
    pub settle: Duration,
}

impl Default for HealthGate {
    fn default() -> Self {
        HealthGate {
            timeout: Duration::from_secs(60),
            poll: Duration::from_secs(2),
            settle: Duration::from_secs(10),
        }
    }
}

/// A deploy: create the service, or update it when it exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployRequest {
    /// Organization (tenant) id: lowercase letters, digits and `-`, at most 24.
    pub org_id: String,
    /// Service slug within the organization: an RFC 1123 label; also its DNS alias.
    pub slug: String,
    /// The caller's own id of the service, kept as a label; defaults to the swarm service name.
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
    pub resources: Resources,
    /// Environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Port the service listens on inside its network.
    #[serde(default)]
    pub internal_port: Option<u16>,
    /// Number of tasks, 1–100.
    pub replicas: u32,
    /// Container health check.
    #[serde(default)]
    pub health_check: Option<HealthCheck>,
    /// VIP or DNS round robin.
    #[serde(default)]
    pub endpoint_mode: EndpointMode,
    /// Overrides the default update and rollback policy.
    #[serde(default)]
    pub update_policy: Option<UpdatePolicy>,
    /// Where the tasks may run; anywhere by default.
    #[serde(default)]
    pub placement: Placement,
}

/// Changes to a running service; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// New health check; `Some(None)` removes it.
    #[serde(default)]
    pub health_check: Option<Option<HealthCheck>>,
    /// Policy for this and later updates.
    #[serde(default)]
    pub update_policy: Option<UpdatePolicy>,
    /// Changes to where the tasks may run.
    #[serde(default)]
    pub placement: PlacementUpdate,
    /// The caller's id of this deployment; generated when absent.
    #[serde(default)]
    pub deployment_id: Option<String>,
}

/// Whether the disk size of a deploy is enforced by the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// The image a deployment ran, pinned so it can be restored exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedImage {
    /// What was asked for: `name:tag` or `name@digest`.
    pub requested: String,
    /// The engine's image id (`sha256:…`) on the manager.
    pub image_id: String,
    /// A registry digest reference (`name@sha256:…`) when the image came from a registry.
    pub digest_ref: Option<String>,
    /// A tag of ours on the same image id that keeps it from pruning and names it exactly.
    pub keep_tag: String,
}

impl ResolvedImage {
    /// The reference that names exactly this image: the digest where there is one, else our keep tag.
    pub fn pinned(&self) -> &str {
        self.digest_ref.as_deref().unwrap_or(&self.keep_tag)
    }
}

/// The full desired state of a service, as recorded per deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Where the tasks may run; records from before placement existed read as anywhere.
    #[serde(default)]
    pub placement: Placement,
    /// What only a compose file sets: process, published ports, labels, restart and rollback policies.
    #[serde(default, skip_serializing_if = "ContainerSetup::is_default")]
    pub container: ContainerSetup,
}

impl ServiceDefinition {
    /// The swarm service name: unique across organizations.
    pub fn service_name(&self) -> String {
        crate::naming::service_name(&self.org_id, &self.slug)
    }
}

/// What a deploy, update or rollback-to produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployOutcome {
    /// The swarm's service id.
    pub swarm_service_id: String,
    /// The swarm's service name.
    pub service_name: String,
    /// Our deployment id.
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

/// The six update states of the swarm, plus none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateState {
    /// No update has run since the service was created.
    None,
    /// An update is rolling.
    Updating,
    /// An update stopped on failure (failure action pause) or by request.
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

impl UpdateState {
    /// Whether the swarm has started or finished restoring the previous spec.
    pub fn is_rollback(self) -> bool {
        matches!(
            self,
            UpdateState::RollbackStarted
                | UpdateState::RollbackPaused
                | UpdateState::RollbackCompleted
        )
    }
}

/// The swarm's view of a service's last update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateStatus {
    /// The mapped state.
    pub state: UpdateState,
    /// The swarm's message.
    pub message: Option<String>,
    /// When the update started (RFC 3339).
    pub started_at: Option<String>,
    /// When it finished (RFC 3339).
    pub completed_at: Option<String>,
}

/// Health of a task's container as the engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

/// One task of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInfo {
    /// Swarm task id.
    pub id: String,
    /// Swarm id of the service it belongs to.
    pub service_id: String,
    /// Replica slot.
    pub slot: Option<u64>,
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
    pub exit_code: Option<i64>,
    /// When the status last changed (RFC 3339).
    pub updated_at: Option<String>,
}

/// Replica counts and tasks of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// Swarm service id.
    pub swarm_service_id: String,
    /// Swarm service name.
    pub service_name: String,
    /// Organization id.
    pub org_id: Option<String>,
    /// Slug.
    pub slug: Option<String>,
    /// Current deployment id (from the spec's labels).
    pub deployment_id: Option<String>,
    /// Image in the current spec.
    pub image: Option<String>,
    /// Where the current spec lets the tasks run.
    pub placement: Placement,
    /// Desired replicas.
    pub desired: u64,
    /// Running replicas.
    pub running: u64,
    /// The swarm's update status.
    pub update: UpdateStatus,
    /// Tasks, newest first.
    pub tasks: Vec<TaskInfo>,
}

/// One service of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub desired: u64,
    /// Running replicas.
    pub running: u64,
}

/// An organization's overlay network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// One line of a service's logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Its stream.
    pub stream: LogStream,
    /// Engine timestamp (RFC 3339), when asked for.
    pub timestamp: Option<String>,
    /// The text, without the trailing newline.
    pub text: String,
}

/// What to read of a service's logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    /// Last N lines per task; all when `None`.
    pub tail: Option<u32>,
    /// Only lines after this Unix time (seconds).
    pub since: Option<i64>,
    /// Only lines before this Unix time (seconds).
    pub until: Option<i64>,
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
        LogQuery {
            tail: None,
            since: None,
            until: None,
            timestamps: false,
            stdout: true,
            stderr: true,
            filter: None,
        }
    }
}

/// The swarm as this engine sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// Serde helper: durations as integer milliseconds.
pub(crate) mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_millis)
    }
}
