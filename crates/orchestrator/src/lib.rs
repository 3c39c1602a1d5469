//! Swarmdeck's orchestrator: everything Swarmdeck does to a Docker Swarm, over bollard.
//!
//! Organizations (tenants) each get an encrypted overlay network; their services are deployed, updated,
//! scaled and rolled back through [`Orchestrator`]. Requests are validated before any Docker call, every spec
//! written carries the update policy, and each deployment is recorded in the swarm itself.
//!
//! This crate knows nothing of Tauri, IPC or the terminal: the app and the CLI are thin layers over it.

pub mod changes;
mod cluster;
pub mod compose;
mod connection;
pub mod contexts;
mod desired;
mod engine_role;
mod error;
mod exec;
mod files;
mod gate;
mod history;
mod images;
mod isolation;
mod lease;
mod logs;
pub mod model;
pub mod naming;
mod network;
mod node;
mod org_files;
mod ownership;
pub mod placement;
pub mod registry;
pub mod retry;
mod service;
pub mod spec;
pub mod stack;
mod stats;
mod status;
mod swarm;
mod tls;
mod topology;
pub mod validate;

use std::collections::{BTreeMap, HashMap};

pub use bollard::Docker;
pub use cluster::{
    ClusterNode, ClusterProgress, ClusterProgressSender, ClusterRequest, ClusterStatus, NodeRole,
    NodeStep, CLUSTER_DIR_ENV, CLUSTER_NODE_LABEL,
};
pub use connection::{
    Change, ChangeStream, Connected, Endpoint, DISCONNECT_NOTICED_WITHIN, LIVENESS_EVERY,
};
pub use engine_role::EngineRole;
pub use error::{Error, Result};
pub use exec::{ExecHandle, ExecOutput, ExecRequest, ExecSession, TerminalSize};
pub use files::FileContent;
pub use gate::{Progress, ProgressSender, RunOptions};
pub use history::HISTORY_LIMIT;
pub use images::repository_of;
pub use isolation::{
    AuditFinding, AuditKind, Capability, CellVerdict, ControlOutcome, IsolationProgress,
    IsolationProgressSender, IsolationReport, IsolationRequest, MatrixCell, MethodAvailability,
    OrgControl, PreflightFinding, ProbeAttempt, ProbeMethod,
};
pub use model::*;
pub use node::{NodeAvailability, NodeChange};
pub use org_files::{OrgFile, Rotation};
pub use stats::{OrgStats, ServiceStats, StatsReport, StatsScope, TaskStats, UsageTotal};
pub use swarm::{advertise_address, ADVERTISE_ADDR_ENV};
pub use topology::{NodeInfo, OrgTopology, ServiceNode, Topology};

/// The orchestrator: a handle on one Docker engine that manages its swarm.
///
/// Cheap to clone: clones share the engine connection.
#[derive(Debug, Clone)]
pub struct Orchestrator {
    docker: Docker,
    extra_labels: BTreeMap<String, String>,
    registry_credentials: std::sync::Arc<Vec<registry::RegistryCredential>>,
}

impl Orchestrator {
    /// Wraps an engine connection.
    pub fn new(docker: Docker) -> Self {
        Orchestrator {
            docker,
            extra_labels: BTreeMap::new(),
            registry_credentials: Default::default(),
        }
    }

    /// Connects to the engine named by `DOCKER_HOST`, else the local socket, at the engine's API version.
    pub async fn connect_local() -> Result<Self> {
        let docker = Docker::connect_with_defaults()?.negotiate_version().await?;
        Ok(Orchestrator::new(docker))
    }

    /// Adds labels to every object this orchestrator creates (tests mark their resources this way).
    pub fn with_labels(mut self, labels: impl IntoIterator<Item = (String, String)>) -> Self {
        self.extra_labels.extend(labels);
        self
    }

    /// Logins for private registries, used for every pull and sent with every service create and update so
    /// that each node can pull the image.
    pub fn with_registry_credentials(
        mut self,
        credentials: impl IntoIterator<Item = registry::RegistryCredential>,
    ) -> Self {
        self.registry_credentials = std::sync::Arc::new(credentials.into_iter().collect());
        self
    }

    /// The engine connection, for callers that watch events or need a raw call.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }

    fn labels<const N: usize>(&self, ours: [(&str, String); N]) -> HashMap<String, String> {
        let mut labels: HashMap<String, String> = self.extra_labels.clone().into_iter().collect();
        labels.extend(
            ours.into_iter()
                .map(|(key, value)| (key.to_string(), value)),
        );
        labels
    }
}
