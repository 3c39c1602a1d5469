//! Names and labels Swarmdeck writes on engine objects.
//!
//! Everything we create carries [`MANAGED_BY`] so that lists filter on it and we never touch what we did not make.

/// Value of [`label::MANAGED_BY`] on every object we create.
pub const MANAGED_BY: &str = "swarmdeck";

/// Label keys, under our reverse-DNS prefix (Docker reserves `com.docker.*`).
pub mod label {
    /// Marks objects created by Swarmdeck.
    pub const MANAGED_BY: &str = "io.swarmdeck.managed-by";
    /// Organization id.
    pub const ORG: &str = "io.swarmdeck.org";
    /// Service slug.
    pub const SLUG: &str = "io.swarmdeck.slug";
    /// The caller's service id.
    pub const SERVICE_ID: &str = "io.swarmdeck.service-id";
    /// Deployment id of the spec (on services and their task containers).
    pub const DEPLOYMENT_ID: &str = "io.swarmdeck.deployment-id";
    /// Requested disk size in GB, kept because no swarm spec field can hold it.
    pub const DISK_GB: &str = "io.swarmdeck.disk-gb";
    /// Internal port.
    pub const INTERNAL_PORT: &str = "io.swarmdeck.internal-port";
    /// The update policy of the service, so writes that do not carry one (scale) keep it.
    pub const UPDATE_POLICY: &str = "io.swarmdeck.update-policy";
    /// The container health check as JSON: bollard reads specs back without it (it expects `HealthCheck`, the
    /// engine sends `Healthcheck`), so writes of an inspected spec restore it from here.
    pub const HEALTH_CHECK: &str = "io.swarmdeck.health-check";
    /// Marks a swarm config as a deployment record; value: the service name.
    pub const HISTORY_SERVICE: &str = "io.swarmdeck.history.service";
    /// Outcome of a deployment record.
    pub const OUTCOME: &str = "io.swarmdeck.outcome";
    /// Why a deployment did not succeed.
    pub const REASON: &str = "io.swarmdeck.reason";
    /// When a deployment record finished (RFC 3339).
    pub const FINISHED_AT: &str = "io.swarmdeck.finished-at";
    /// The process writing an in-progress record: `host pid`.
    pub const WRITER: &str = "io.swarmdeck.writer";
    /// Unix time after which an in-progress record whose writer cannot be checked counts as interrupted.
    pub const LEASE_UNTIL: &str = "io.swarmdeck.lease-until";
    /// Marks an organization network.
    pub const NETWORK_ORG: &str = "io.swarmdeck.network.org";
    /// Marks resources created by the test suites, so a sweep can remove leftovers.
    pub const TEST: &str = "io.swarmdeck.test";
}

/// Swarm service name of an organization's service; unique across organizations.
pub fn service_name(org_id: &str, slug: &str) -> String {
    format!("org-{org_id}-{slug}")
}

/// Name of an organization's overlay network.
pub fn network_name(org_id: &str) -> String {
    format!("org-{org_id}-network")
}

/// Name of the swarm config holding a deployment record.
pub fn record_config_name(deployment_id: &str) -> String {
    format!("swarmdeck-deployment-{deployment_id}")
}

/// Tag of ours that pins a deployment's image: `{repository}:swarmdeck-{deployment_id}`.
pub fn keep_tag(repository: &str, deployment_id: &str) -> String {
    format!("{repository}:{}", keep_tag_suffix(deployment_id))
}

/// The tag part of [`keep_tag`].
pub fn keep_tag_suffix(deployment_id: &str) -> String {
    format!("swarmdeck-{deployment_id}")
}

/// A new deployment id: sortable by time, unique enough across clients.
pub fn new_deployment_id() -> String {
    let now = chrono::Utc::now();
    let suffix: u32 = rand::random();
    format!("{}-{:08x}", now.format("%Y%m%d%H%M%S%3f"), suffix)
}
