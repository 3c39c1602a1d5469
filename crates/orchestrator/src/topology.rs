//! The whole swarm as the UI draws it: organizations → networks → services → tasks → nodes, in a constant
//! number of Docker calls whatever the number of services.

use std::collections::{BTreeMap, HashMap};

use bollard::models::Node;
use bollard::query_parameters::{ListNetworksOptions, ListNodesOptions, ListServicesOptions};
use futures_util::TryFutureExt;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{OrgNetwork, TaskInfo, UpdateState};
use crate::naming::{self, label, MANAGED_BY};
use crate::Orchestrator;

/// One node of the swarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    pub nano_cpus: i64,
    /// Memory in bytes.
    pub memory_bytes: i64,
}

/// One service with what the graph shows of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub desired: u64,
    /// Running replicas.
    pub running: u64,
    /// The swarm's update state.
    pub update_state: UpdateState,
    /// Tasks the swarm wants running, and recent failures.
    pub tasks: Vec<TaskInfo>,
    /// Ids of the organization networks it is attached to (more than one is a bridge).
    pub networks: Vec<String>,
}

/// An organization with its network and services.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgTopology {
    /// Organization id.
    pub org_id: String,
    /// Its network, when it exists.
    pub network: Option<OrgNetwork>,
    /// Its services.
    pub services: Vec<ServiceNode>,
}

/// The swarm's state in one piece.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    /// Nodes.
    pub nodes: Vec<NodeInfo>,
    /// Organizations, by id.
    pub orgs: Vec<OrgTopology>,
}

impl Orchestrator {
    /// The topology in five concurrent calls whatever the number of services: services (with status), tasks,
    /// containers (for health), networks and nodes.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn topology(&self) -> Result<Topology> {
        let ours = HashMap::from([(
            "label".to_string(),
            vec![format!("{}={MANAGED_BY}", label::MANAGED_BY)],
        )]);
        // The calls are independent: asked together, the snapshot takes as long as the slowest one.
        let (services, tasks, networks, nodes) = tokio::try_join!(
            self.docker
                .list_services(Some(ListServicesOptions {
                    filters: Some(ours.clone()),
                    status: Some(true),
                }))
                .map_err(Error::from),
            self.tasks_matching(
                HashMap::new(),
                HashMap::from([(
                    "label".to_string(),
                    vec!["com.docker.swarm.service.id".to_string()],
                )]),
            ),
            self.docker
                .list_networks(Some(ListNetworksOptions {
                    filters: Some(ours.clone()),
                }))
                .map_err(Error::from),
            self.docker
                .list_nodes(None::<ListNodesOptions>)
                .map_err(Error::from),
        )?;

        let mut orgs: BTreeMap<String, OrgTopology> = BTreeMap::new();
        for network in &networks {
            let Some(org) = network
                .labels
                .as_ref()
                .and_then(|l| l.get(label::NETWORK_ORG))
            else {
                continue;
            };
            if network.name.as_deref() != Some(naming::network_name(org).as_str()) {
                continue;
            }
            let entry = orgs.entry(org.clone()).or_insert_with(|| empty_org(org));
            entry.network = Some(OrgNetwork {
                id: network.id.clone().unwrap_or_default(),
                name: network.name.clone().unwrap_or_default(),
                created: false,
                subnets: network
                    .ipam
                    .as_ref()
                    .and_then(|i| i.config.as_ref())
                    .map(|c| c.iter().filter_map(|c| c.subnet.clone()).collect())
                    .unwrap_or_default(),
            });
        }
        let org_network_ids: HashMap<String, String> = orgs
            .values()
            .filter_map(|o| Some((o.network.as_ref()?.id.clone(), o.org_id.clone())))
            .collect();
        let mut tasks_by_service: HashMap<String, Vec<TaskInfo>> = HashMap::new();
        for task in tasks {
            // Finished tasks of earlier deployments are history, not topology; failures stay visible.
            if task.desired_state == "running" || task.state == "failed" || task.state == "rejected"
            {
                tasks_by_service
                    .entry(task.service_id.clone())
                    .or_default()
                    .push(task);
            }
        }
        for service in &services {
            let Some(spec) = service.spec.as_ref() else {
                continue;
            };
            let Some(org) = spec
                .labels
                .as_ref()
                .and_then(|l| l.get(label::ORG))
                .cloned()
            else {
                continue;
            };
            let summary = crate::network::service_summary(service);
            let networks = crate::network::attached_networks(service)
                .filter(|id| org_network_ids.contains_key(*id))
                .map(str::to_string)
                .collect();
            let node = ServiceNode {
                tasks: tasks_by_service
                    .remove(&summary.swarm_service_id)
                    .unwrap_or_default(),
                swarm_service_id: summary.swarm_service_id,
                service_name: summary.service_name,
                slug: summary.slug,
                image: summary.image,
                deployment_id: crate::spec::deployment_of(spec),
                desired: summary.desired,
                running: summary.running,
                update_state: crate::status::update_status(service).state,
                networks,
            };
            orgs.entry(org.clone())
                .or_insert_with(|| empty_org(&org))
                .services
                .push(node);
        }
        Ok(Topology {
            nodes: nodes.iter().map(node_info).collect(),
            orgs: orgs.into_values().collect(),
        })
    }
}

fn empty_org(org: &str) -> OrgTopology {
    OrgTopology {
        org_id: org.to_string(),
        network: None,
        services: Vec::new(),
    }
}

fn node_info(node: &Node) -> NodeInfo {
    let description = node.description.as_ref();
    let resources = description.and_then(|d| d.resources.as_ref());
    let spec = node.spec.as_ref();
    NodeInfo {
        id: node.id.clone().unwrap_or_default(),
        hostname: description
            .and_then(|d| d.hostname.clone())
            .unwrap_or_default(),
        role: spec
            .and_then(|s| s.role)
            .map(|r| r.to_string())
            .unwrap_or_default(),
        state: node
            .status
            .as_ref()
            .and_then(|s| s.state)
            .map(|s| s.to_string())
            .unwrap_or_default(),
        availability: spec
            .and_then(|s| s.availability)
            .map(|a| a.to_string())
            .unwrap_or_default(),
        addr: node.status.as_ref().and_then(|s| s.addr.clone()),
        nano_cpus: resources.and_then(|r| r.nano_cpus).unwrap_or(0),
        memory_bytes: resources.and_then(|r| r.memory_bytes).unwrap_or(0),
    }
}
