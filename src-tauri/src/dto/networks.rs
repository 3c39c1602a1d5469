//! An organization's overlay network and the services in it.

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use super::narrow;

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
