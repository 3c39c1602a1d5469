//! A local multi-node swarm for development: the engine this orchestrator talks to stays the first manager, and
//! each extra node is a real Docker engine on this machine, in a network namespace of its own (`host.rs`), joined
//! to the swarm through the engine API (`nodes.rs`).
//!
//! A node is recognised as one of ours by its engine label [`CLUSTER_NODE_LABEL`], which its engine carries from
//! its first start: a node of the swarm that merely has a similar hostname is never touched.

mod host;
mod images;
mod nodes;

use serde::{Deserialize, Serialize};

pub use host::CLUSTER_DIR_ENV;

/// Engine label every local cluster node carries, with its node name as the value.
pub const CLUSTER_NODE_LABEL: &str = "io.swarmdeck.cluster-node";

/// The size a local cluster should have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterRequest {
    /// Extra worker nodes; nodes beyond this number are removed.
    pub workers: u32,
    /// Images copied from the manager to every worker (a node cannot pull them when there is no registry).
    #[serde(default)]
    pub images: Vec<String>,
}

/// A node's role in the swarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// Takes part in the raft and may be the leader.
    Manager,
    /// Runs tasks only.
    Worker,
}

/// One node of the swarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterNode {
    /// Swarm node id.
    pub id: String,
    /// Its hostname.
    pub hostname: String,
    /// Manager or worker.
    pub role: NodeRole,
    /// Whether it leads the managers.
    pub leader: bool,
    /// `active`, `pause` or `drain`.
    pub availability: String,
    /// `ready`, `down`, `disconnected` or `unknown`.
    pub state: String,
    /// The address other nodes reach it at.
    pub address: Option<String>,
    /// Its engine's version.
    pub engine_version: Option<String>,
    /// CPUs it offers.
    pub cpus: f64,
    /// Memory it offers, in bytes.
    pub memory_bytes: i64,
    /// Its node labels (not its engine's).
    pub labels: std::collections::BTreeMap<String, String>,
    /// The local cluster node it is (`swarmdeck-node-2`), when it is one of ours.
    pub local_node: Option<String>,
    /// Whether a partition drill has cut this local node off the network.
    pub cut_off: bool,
}

/// The swarm's nodes, and what this host still holds of local nodes that are not part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterStatus {
    /// Every node of the swarm, managers first.
    pub nodes: Vec<ClusterNode>,
    /// Local node slots with a namespace, link or directory on this host but no ready node in the swarm:
    /// what a killed `cluster up` left; `cluster down` removes them.
    pub leftovers: Vec<String>,
}

/// What a node is doing, as `cluster up` and `cluster down` go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum NodeStep {
    /// Its namespace is made and its engine is starting.
    StartingEngine,
    /// Its engine answers; it is joining the swarm.
    Joining,
    /// An image is being copied to it.
    CopyingImage {
        /// The image.
        image: String,
    },
    /// It is a ready node of the swarm.
    Ready,
    /// It is leaving the swarm and its engine, namespace and data are being removed.
    Removing,
    /// Nothing of it is left.
    Removed,
}

/// One step of one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterProgress {
    /// The local node (`swarmdeck-node-1`).
    pub node: String,
    /// What it is doing.
    pub step: NodeStep,
}

/// Where cluster progress goes.
pub type ClusterProgressSender = tokio::sync::mpsc::UnboundedSender<ClusterProgress>;

fn report(progress: Option<&ClusterProgressSender>, node: &str, step: NodeStep) {
    if let Some(progress) = progress {
        // Nobody watching any more is no reason to stop half-way.
        let _ = progress.send(ClusterProgress {
            node: node.to_string(),
            step,
        });
    }
}
