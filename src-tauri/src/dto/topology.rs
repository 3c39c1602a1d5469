//! The swarm's nodes, organizations and services in one piece.

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use super::{narrow, OrgNetwork, TaskInfo, UpdateState};

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
