//! The local cluster and the swarm's nodes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

/// The size a local cluster should have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ClusterRequest {
    /// Extra worker nodes; nodes beyond this number are removed.
    pub workers: u32,
    /// Images copied from the manager to every worker.
    pub images: Vec<String>,
}

impl From<ClusterRequest> for core::ClusterRequest {
    fn from(value: ClusterRequest) -> Self {
        core::ClusterRequest {
            workers: value.workers,
            images: value.images,
        }
    }
}

/// A node's role in the swarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum NodeRole {
    /// Takes part in the raft.
    Manager,
    /// Runs tasks only.
    Worker,
}

impl From<core::NodeRole> for NodeRole {
    fn from(value: core::NodeRole) -> Self {
        match value {
            core::NodeRole::Manager => NodeRole::Manager,
            core::NodeRole::Worker => NodeRole::Worker,
        }
    }
}

impl From<NodeRole> for core::NodeRole {
    fn from(value: NodeRole) -> Self {
        match value {
            NodeRole::Manager => core::NodeRole::Manager,
            NodeRole::Worker => core::NodeRole::Worker,
        }
    }
}

/// One node of the swarm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
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
    pub memory_bytes: f64,
    /// Its node labels.
    pub labels: BTreeMap<String, String>,
    /// The local cluster node it is, when it is one of ours.
    pub local_node: Option<String>,
    /// Whether a partition drill has cut this local node off the network.
    pub cut_off: bool,
}

impl From<core::ClusterNode> for ClusterNode {
    fn from(value: core::ClusterNode) -> Self {
        ClusterNode {
            id: value.id,
            hostname: value.hostname,
            role: value.role.into(),
            leader: value.leader,
            availability: value.availability,
            state: value.state,
            address: value.address,
            engine_version: value.engine_version,
            cpus: value.cpus,
            memory_bytes: value.memory_bytes as f64,
            labels: value.labels,
            local_node: value.local_node,
            cut_off: value.cut_off,
        }
    }
}

/// The swarm's nodes, and what this host holds of local nodes outside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct ClusterStatus {
    /// Every node, managers first.
    pub nodes: Vec<ClusterNode>,
    /// Local node slots a killed `up` left; `down` removes them.
    pub leftovers: Vec<String>,
}

impl From<core::ClusterStatus> for ClusterStatus {
    fn from(value: core::ClusterStatus) -> Self {
        ClusterStatus {
            nodes: value.nodes.into_iter().map(Into::into).collect(),
            leftovers: value.leftovers,
        }
    }
}

/// What a node is doing while the cluster grows or shrinks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum NodeStep {
    /// Its engine is starting.
    StartingEngine,
    /// It is joining the swarm.
    Joining,
    /// An image is being copied to it.
    CopyingImage {
        /// The image.
        image: String,
    },
    /// It is a ready node.
    Ready,
    /// It is being removed.
    Removing,
    /// Nothing of it is left.
    Removed,
}

/// One step of one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ClusterProgress {
    /// The local node.
    pub node: String,
    /// What it is doing.
    pub step: NodeStep,
}

impl From<core::ClusterProgress> for ClusterProgress {
    fn from(value: core::ClusterProgress) -> Self {
        let step = match value.step {
            core::NodeStep::StartingEngine => NodeStep::StartingEngine,
            core::NodeStep::Joining => NodeStep::Joining,
            core::NodeStep::CopyingImage { image } => NodeStep::CopyingImage { image },
            core::NodeStep::Ready => NodeStep::Ready,
            core::NodeStep::Removing => NodeStep::Removing,
            core::NodeStep::Removed => NodeStep::Removed,
        };
        ClusterProgress {
            node: value.node,
            step,
        }
    }
}

/// Whether a node takes tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum NodeAvailability {
    /// Takes new tasks.
    Active,
    /// Keeps its tasks, takes no new ones.
    Pause,
    /// Its tasks move elsewhere.
    Drain,
}

/// One change of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum NodeChange {
    /// Set its availability.
    Availability {
        /// The new availability.
        availability: NodeAvailability,
    },
    /// Promote or demote it.
    Role {
        /// The new role.
        role: NodeRole,
    },
    /// Add or replace a label.
    AddLabel {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// Remove a label.
    RemoveLabel {
        /// Key.
        key: String,
    },
}

impl From<NodeChange> for core::NodeChange {
    fn from(value: NodeChange) -> Self {
        match value {
            NodeChange::Availability { availability } => core::NodeChange::Availability {
                availability: match availability {
                    NodeAvailability::Active => core::NodeAvailability::Active,
                    NodeAvailability::Pause => core::NodeAvailability::Pause,
                    NodeAvailability::Drain => core::NodeAvailability::Drain,
                },
            },
            NodeChange::Role { role } => core::NodeChange::Role { role: role.into() },
            NodeChange::AddLabel { key, value } => core::NodeChange::AddLabel { key, value },
            NodeChange::RemoveLabel { key } => core::NodeChange::RemoveLabel { key },
        }
    }
}
