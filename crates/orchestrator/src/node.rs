//! The swarm's nodes: listing them, changing their availability, role and labels, and removing a down one.
//! Works on any swarm, local cluster or not.

use std::time::Duration;

use tokio::time::Instant;

use bollard::models::{
    Node, NodeSpec, NodeSpecAvailabilityEnum, NodeSpecRoleEnum, NodeState, Reachability,
};
use bollard::query_parameters::{DeleteNodeOptions, ListNodesOptions, UpdateNodeOptions};
use serde::{Deserialize, Serialize};

use crate::cluster::{ClusterNode, NodeRole, CLUSTER_NODE_LABEL};
use crate::error::{Error, Result};
use crate::retry::{wait_until, Backoff};
use crate::Orchestrator;

/// How many times a node change is re-read and re-applied when another client changed the node meanwhile.
const CHANGE_ATTEMPTS: u32 = 5;
/// How long the raft may take to add or drop a manager, or refuse changes after it did. The swarmkit of docker
/// 20.10 can stall its store on a proposal made as a member joins; it frees itself by a leadership transfer it
/// tries once a minute, and on a loaded two-core host the fourth try (3.5 minutes in) was the one that took.
const ROLE_CHANGE: Duration = Duration::from_secs(300);
const BUSY_BACKOFF: Backoff = Backoff {
    initial: Duration::from_secs(1),
    max_delay: Duration::from_secs(10),
    attempts: u32::MAX,
};
const POLL: Duration = Duration::from_millis(250);

/// Whether a node takes tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeAvailability {
    /// Takes new tasks.
    Active,
    /// Keeps its tasks, takes no new ones.
    Pause,
    /// Its tasks move to other nodes; it takes none.
    Drain,
}

/// One change of a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum NodeChange {
    /// Set its availability.
    Availability {
        /// The new availability.
        availability: NodeAvailability,
    },
    /// Promote (manager) or demote (worker).
    Role {
        /// The new role.
        role: NodeRole,
    },
    /// Add or replace a node label.
    AddLabel {
        /// Label key.
        key: String,
        /// Label value.
        value: String,
    },
    /// Remove a node label.
    RemoveLabel {
        /// Label key.
        key: String,
    },
}

impl NodeChange {
    fn validate(&self) -> Result<()> {
        let key = match self {
            NodeChange::AddLabel { key, .. } | NodeChange::RemoveLabel { key } => key,
            _ => return Ok(()),
        };
        let valid = !key.is_empty()
            && key.len() <= 255
            && !key.contains('=')
            && !key.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid {
            Ok(())
        } else {
            Err(Error::invalid(
                "label",
                "a node label key is 1–255 characters without '=', spaces or control characters",
            ))
        }
    }

    fn apply(&self, spec: &mut NodeSpec) {
        match self {
            NodeChange::Availability { availability } => {
                spec.availability = Some(match availability {
                    NodeAvailability::Active => NodeSpecAvailabilityEnum::ACTIVE,
                    NodeAvailability::Pause => NodeSpecAvailabilityEnum::PAUSE,
                    NodeAvailability::Drain => NodeSpecAvailabilityEnum::DRAIN,
                });
            }
            NodeChange::Role { role } => {
                spec.role = Some(match role {
                    NodeRole::Manager => NodeSpecRoleEnum::MANAGER,
                    NodeRole::Worker => NodeSpecRoleEnum::WORKER,
                });
            }
            NodeChange::AddLabel { key, value } => {
                spec.labels
                    .get_or_insert_with(Default::default)
                    .insert(key.clone(), value.clone());
            }
            NodeChange::RemoveLabel { key } => {
                if let Some(labels) = spec.labels.as_mut() {
                    labels.remove(key);
                }
            }
        }
    }
}

impl Orchestrator {
    /// Every node of the swarm, managers first.
    pub async fn nodes(&self) -> Result<Vec<ClusterNode>> {
        let mut nodes: Vec<ClusterNode> = self.swarm_nodes().await?.iter().map(node_view).collect();
        nodes.sort_by_key(|node| (node.role != NodeRole::Manager, node.hostname.clone()));
        Ok(nodes)
    }

    pub(crate) async fn swarm_nodes(&self) -> Result<Vec<Node>> {
        Ok(self.docker.list_nodes(None::<ListNodesOptions>).await?)
    }

    /// Applies `change` to the node named by id or hostname, against the version it was read at; a concurrent
    /// change of the node is read again and the change re-applied. The raft refuses changes for a while after a
    /// promotion (the write times out while the new member catches up): such a refusal is retried with backoff
    /// until [`ROLE_CHANGE`] has passed.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn change_node(&self, node: &str, change: &NodeChange) -> Result<ClusterNode> {
        change.validate()?;
        let started = Instant::now();
        let mut attempt = 0;
        let mut busy = 0;
        loop {
            attempt += 1;
            let found = self.find_node(node).await?;
            let id = found.id.clone().unwrap_or_default();
            let version = found.version.as_ref().and_then(|v| v.index).unwrap_or(0);
            let mut spec = found.spec.clone().unwrap_or_default();
            change.apply(&mut spec);
            let options = UpdateNodeOptions {
                version: i64::try_from(version).unwrap_or(i64::MAX),
            };
            match self
                .docker
                .update_node(&id, spec, options)
                .await
                .map_err(Error::from)
            {
                Ok(()) => return self.settled(&id, change).await,
                Err(error) if error.is_out_of_sequence() && attempt < CHANGE_ATTEMPTS => continue,
                // Past a few quick retries a node that keeps changing under us is the swarm still reconciling a
                // role change of its own; like a busy raft, that passes.
                Err(error)
                    if (error.is_transient() || error.is_out_of_sequence())
                        && started.elapsed() < ROLE_CHANGE =>
                {
                    busy += 1;
                    tracing::info!(%error, busy, "the swarm is busy; retrying the node change");
                    tokio::time::sleep(BUSY_BACKOFF.delay(busy)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The node once `change` took effect. A role change is only accepted by the update: the raft adds or drops
    /// the member afterwards, and a node stopped before that happens would take the quorum of two managers with it.
    async fn settled(&self, id: &str, change: &NodeChange) -> Result<ClusterNode> {
        let NodeChange::Role { role } = change else {
            return Ok(node_view(&self.docker.inspect_node(id).await?));
        };
        let what = format!("node {id} to become a {role:?}").to_lowercase();
        wait_until(ROLE_CHANGE, POLL, &what, || async {
            let node = self.docker.inspect_node(id).await?;
            let member = node
                .manager_status
                .as_ref()
                .and_then(|status| status.reachability)
                .is_some_and(|reachability| reachability == Reachability::REACHABLE);
            let done = match role {
                NodeRole::Manager => member,
                NodeRole::Worker => node.manager_status.is_none(),
            };
            Ok(done.then(|| node_view(&node)))
        })
        .await
    }

    /// Removes a node from the swarm. Only a node that is down may go (its tasks are gone with it already);
    /// a manager must be demoted first, so the raft never loses a member unannounced.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn remove_node(&self, node: &str) -> Result<()> {
        let found = self.find_node(node).await?;
        let view = node_view(&found);
        if view.role == NodeRole::Manager {
            return Err(Error::invalid(
                "node",
                format!("{} is a manager: demote it first", view.hostname),
            ));
        }
        if found.status.as_ref().and_then(|status| status.state) != Some(NodeState::DOWN) {
            return Err(Error::invalid(
                "node",
                format!(
                    "{} is {}, not down: only a down node can be removed (drain it and stop its engine first)",
                    view.hostname, view.state
                ),
            ));
        }
        self.docker
            .delete_node(&view.id, Some(DeleteNodeOptions { force: true }))
            .await?;
        Ok(())
    }

    /// A node by id, or by hostname when exactly one node has it.
    async fn find_node(&self, node: &str) -> Result<Node> {
        let nodes = self.swarm_nodes().await?;
        if let Some(found) = nodes.iter().find(|n| n.id.as_deref() == Some(node)) {
            return Ok(found.clone());
        }
        let named: Vec<&Node> = nodes
            .iter()
            .filter(|n| n.description.as_ref().and_then(|d| d.hostname.as_deref()) == Some(node))
            .collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::NotFound {
                kind: "node",
                name: node.to_string(),
            }),
            _ => Err(Error::invalid(
                "node",
                format!(
                    "{} nodes are called {node}: name one by its id",
                    named.len()
                ),
            )),
        }
    }
}

/// The local cluster node a swarm node is, by its engine's label: only a node whose engine we started carries it.
pub(crate) fn local_node_name(node: &Node) -> Option<String> {
    node.description
        .as_ref()?
        .engine
        .as_ref()?
        .labels
        .as_ref()?
        .get(CLUSTER_NODE_LABEL)
        .cloned()
}

pub(crate) fn node_view(node: &Node) -> ClusterNode {
    let spec = node.spec.clone().unwrap_or_default();
    let description = node.description.clone().unwrap_or_default();
    let resources = description.resources.unwrap_or_default();
    let engine = description.engine.unwrap_or_default();
    let status = node.status.clone().unwrap_or_default();
    ClusterNode {
        id: node.id.clone().unwrap_or_default(),
        hostname: description.hostname.unwrap_or_default(),
        role: match spec.role {
            Some(NodeSpecRoleEnum::MANAGER) => NodeRole::Manager,
            _ => NodeRole::Worker,
        },
        leader: node
            .manager_status
            .as_ref()
            .and_then(|manager| manager.leader)
            .unwrap_or(false),
        availability: spec.availability.map(|a| a.to_string()).unwrap_or_default(),
        state: status.state.map(|s| s.to_string()).unwrap_or_default(),
        address: status.addr.filter(|addr| !addr.is_empty()),
        engine_version: engine.engine_version,
        cpus: resources.nano_cpus.unwrap_or(0) as f64 / 1e9,
        memory_bytes: resources.memory_bytes.unwrap_or(0),
        labels: spec.labels.unwrap_or_default().into_iter().collect(),
        local_node: local_node_name(node),
        cut_off: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_changes_name_a_usable_key() {
        for key in ["", "a=b", "with space", "tab\t"] {
            let change = NodeChange::RemoveLabel { key: key.into() };
            assert!(
                matches!(change.validate(), Err(Error::Invalid { ref field, .. }) if field == "label"),
                "{key:?}"
            );
        }
        let fine = NodeChange::AddLabel {
            key: "zone".into(),
            value: "a".into(),
        };
        assert!(fine.validate().is_ok());
    }

    #[test]
    fn changes_touch_only_their_field() {
        let mut spec = NodeSpec {
            labels: Some([("keep".to_string(), "1".to_string())].into()),
            ..Default::default()
        };
        NodeChange::AddLabel {
            key: "zone".into(),
            value: "a".into(),
        }
        .apply(&mut spec);
        NodeChange::Availability {
            availability: NodeAvailability::Drain,
        }
        .apply(&mut spec);
        NodeChange::RemoveLabel { key: "keep".into() }.apply(&mut spec);
        assert_eq!(spec.availability, Some(NodeSpecAvailabilityEnum::DRAIN));
        assert_eq!(
            spec.labels,
            Some([("zone".to_string(), "a".to_string())].into())
        );
        assert_eq!(spec.role, None);
    }
}
