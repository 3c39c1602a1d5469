//! The swarm as this engine sees it.

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

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
