//! Bringing local nodes up and down through the engine API: start, join, copy images, leave, remove.
//!
//! The file is long because up, down and the failure drills share the steps of one node's life (start, join,
//! copy, demote, leave, forget) and the waits between them.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use bollard::models::{LocalNodeState, Node, NodeState, SwarmJoinRequest};
use bollard::query_parameters::{DeleteNodeOptions, LeaveSwarmOptions};
use futures_util::future::join_all;
use tracing::{info, warn};

use super::host::{self, NodeSlot, MAX_NODES};
use super::images::node_docker;
use super::{
    report, ClusterProgressSender, ClusterRequest, ClusterStatus, NodeStep, CLUSTER_NODE_LABEL,
};
use crate::error::{Error, Result};
use crate::node::{local_node_name, node_view};
use crate::retry::wait_until;
use crate::Orchestrator;
use crate::{NodeChange, NodeRole};

/// How long a new node's engine may take to answer, and to turn ready in the swarm.
const ENGINE_START: Duration = Duration::from_secs(60);
const NODE_READY: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(250);
const SWARM_PORT: u16 = 2377;

impl Orchestrator {
    /// Grows or shrinks the local cluster to `request.workers` extra worker nodes, and copies the requested images
    /// to every one of them. The engine of this orchestrator must be a swarm manager; it stays the first manager.
    #[tracing::instrument(skip(self, progress), err(Debug))]
    pub async fn cluster_up(
        &self,
        request: &ClusterRequest,
        progress: Option<&ClusterProgressSender>,
    ) -> Result<ClusterStatus> {
        if request.workers > MAX_NODES {
            return Err(Error::Invalid {
                field: "workers".into(),
                rule: format!("at most {MAX_NODES} workers"),
            });
        }
        if let Some(bad) = request.images.iter().find(|image| {
            image.is_empty() || image.len() > 512 || image.chars().any(char::is_whitespace)
        }) {
            return Err(Error::invalid(
                "images",
                format!("{bad:?} is not an image reference (name[:tag], no spaces, at most 512 characters)"),
            ));
        }
        if let Some(reason) = host::unsupported_reason().await {
            return Err(Error::Unsupported {
                what: "a local cluster".into(),
                reason,
            });
        }
        let join = self.join_target().await?;
        for image in &request.images {
            self.docker
                .inspect_image(image)
                .await
                .map_err(|error| Error::ImageUnavailable {
                    image: image.clone(),
                    reason: format!(
                        "it is not on the manager, so it cannot be copied to the nodes: {error}"
                    ),
                })?;
        }
        host::ensure_bridge().await?;

        let wanted: Vec<NodeSlot> = (1..=request.workers)
            .map(|number| NodeSlot { number })
            .collect();
        let healthy = self.ready_local_nodes().await?;
        for slot in host::existing_slots().await {
            let keep = slot.number <= request.workers && healthy.contains(&slot.name());
            if !keep {
                self.remove_local_node(&slot, progress).await?;
            }
        }
        let added = join_all(
            wanted
                .iter()
                .filter(|slot| !healthy.contains(&slot.name()))
                .map(|slot| self.add_local_node(slot, &join, progress)),
        )
        .await;
        added.into_iter().collect::<Result<Vec<()>>>()?;
        let copies = join_all(
            wanted
                .iter()
                .map(|slot| self.copy_images(slot, &request.images, progress)),
        )
        .await;
        copies.into_iter().collect::<Result<Vec<()>>>()?;
        if request.workers == 0 {
            host::remove_bridge().await;
        }
        self.cluster_status().await
    }

    /// Removes every local node: each leaves the swarm, its engine stops, its namespace, links and data go, and its
    /// stale entry is removed from the swarm; then the bridge and its forwarding rule. Idempotent.
    #[tracing::instrument(skip(self, progress), err(Debug))]
    pub async fn cluster_down(
        &self,
        progress: Option<&ClusterProgressSender>,
    ) -> Result<ClusterStatus> {
        if let Some(reason) = host::unsupported_reason().await {
            return Err(Error::Unsupported {
                what: "removing a local cluster".into(),
                reason,
            });
        }
        for slot in host::existing_slots().await {
            self.remove_local_node(&slot, progress).await?;
        }
        // Nodes of ours the swarm still lists although nothing of them is left on this host.
        for node in self.swarm_nodes().await? {
            if let Some(name) = local_node_name(&node) {
                self.forget_node(&node, &name).await?;
            }
        }
        host::remove_bridge().await;
        self.cluster_status().await
    }

    /// A failure drill: stops the engine of a local node, as if its machine went away. The swarm notices within
    /// seconds that the node is down and reschedules its tasks.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn cluster_stop_node(&self, name: &str) -> Result<()> {
        let slot = local_slot(name).await?;
        self.refuse_manager_drill(name, "stopping").await?;
        host::stop_engine(&slot).await;
        Ok(())
    }

    /// A failure drill: cuts a local worker off the network, as if its cable were pulled. Its engine and tasks
    /// run on, unreachable; the managers mark it down and reschedule its tasks elsewhere.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn cluster_cut_node(&self, name: &str) -> Result<()> {
        let slot = local_slot(name).await?;
        self.refuse_manager_drill(name, "cutting off").await?;
        host::set_connected(&slot, false).await
    }

    /// Ends a partition drill: the node is reachable again and the swarm lists it as ready; the tasks it ran while
    /// cut off are stopped by the swarm, which already replaced them.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn cluster_heal_node(&self, name: &str) -> Result<()> {
        let slot = local_slot(name).await?;
        host::set_connected(&slot, true).await?;
        self.wait_ready(name).await
    }

    /// A drill on a manager could leave the managers without a quorum, and the swarm with no one to ask.
    async fn refuse_manager_drill(&self, name: &str, drill: &str) -> Result<()> {
        let nodes = self.swarm_nodes().await?;
        let manager = nodes.iter().any(|node| {
            local_node_name(node).as_deref() == Some(name)
                && (node_view(node).role == NodeRole::Manager || node.manager_status.is_some())
        });
        if manager {
            return Err(Error::invalid(
                "node",
                format!(
                    "{name} is a manager: demote it first, or {drill} it may leave the managers without a quorum"
                ),
            ));
        }
        Ok(())
    }

    /// Starts a stopped local node's engine again and waits until the swarm lists it as ready.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn cluster_start_node(&self, name: &str) -> Result<()> {
        let slot = local_slot(name).await?;
        let answering = match node_docker(&slot) {
            Ok(node) => node.ping().await.is_ok(),
            // A stopped engine removed its socket.
            Err(_) => false,
        };
        if !answering {
            host::start_engine(&slot, CLUSTER_NODE_LABEL).await?;
        }
        self.wait_ready(name).await
    }

    async fn wait_ready(&self, name: &str) -> Result<()> {
        wait_until(
            NODE_READY,
            POLL,
            &format!("{name} to turn ready again"),
            || async {
                let ready = self.ready_local_nodes().await?;
                Ok(ready.contains(name).then_some(()))
            },
        )
        .await
    }

    /// Every node of the swarm, and the local node slots that are not ready nodes of it.
    pub async fn cluster_status(&self) -> Result<ClusterStatus> {
        let mut nodes = self.nodes().await?;
        let ready: BTreeSet<String> = nodes
            .iter()
            .filter(|node| node.state == NodeState::READY.to_string())
            .filter_map(|node| node.local_node.clone())
            .collect();
        let slots = host::existing_slots().await;
        for slot in &slots {
            if host::is_cut_off(slot).await {
                let name = slot.name();
                for node in nodes
                    .iter_mut()
                    .filter(|n| n.local_node.as_ref() == Some(&name))
                {
                    node.cut_off = true;
                }
            }
        }
        let mut leftovers: Vec<String> = slots
            .iter()
            .map(NodeSlot::name)
            .filter(|name| !ready.contains(name))
            .collect();
        if slots.is_empty() && host::bridge_left().await {
            leftovers.push(format!("bridge {} and its forwarding rule", host::BRIDGE));
        }
        Ok(ClusterStatus { nodes, leftovers })
    }

    /// Names of the local nodes that are ready nodes of the swarm.
    async fn ready_local_nodes(&self) -> Result<BTreeSet<String>> {
        Ok(self
            .swarm_nodes()
            .await?
            .iter()
            .filter(|node| node_state(node) == Some(NodeState::READY))
            .filter_map(local_node_name)
            .collect())
    }

    /// The manager address and worker token a new node joins with. The address must be one a node in another
    /// namespace reaches: a swarm advertised on loopback cannot take nodes.
    async fn join_target(&self) -> Result<JoinTarget> {
        let info = self.docker.info().await?;
        let swarm = info.swarm.unwrap_or_default();
        if swarm.local_node_state != Some(LocalNodeState::ACTIVE)
            || swarm.control_available != Some(true)
        {
            return Err(Error::NotSwarmManager {
                state: "a local cluster grows from a swarm manager: initialise the swarm first (`swarmdeck swarm init`)"
                    .into(),
            });
        }
        let address = swarm.node_addr.unwrap_or_default();
        let reachable = address
            .parse::<IpAddr>()
            .map(|ip| !ip.is_loopback() && !ip.is_unspecified())
            .unwrap_or(false);
        if !reachable {
            return Err(Error::Unsupported {
                what: "adding nodes to this swarm".into(),
                reason: format!(
                    "the swarm advertises {address:?}, which other engines cannot reach; leave it and initialise it \
                     again with an address of this host (`swarmdeck swarm init` picks the default route's)"
                ),
            });
        }
        let tokens = self
            .docker
            .inspect_swarm()
            .await?
            .join_tokens
            .unwrap_or_default();
        let token = tokens.worker.ok_or_else(|| Error::NotSwarmManager {
            state: "the swarm gave no worker join token".into(),
        })?;
        Ok(JoinTarget {
            manager: format!("{address}:{SWARM_PORT}"),
            token,
        })
    }

    async fn add_local_node(
        &self,
        slot: &NodeSlot,
        join: &JoinTarget,
        progress: Option<&ClusterProgressSender>,
    ) -> Result<()> {
        let name = slot.name();
        report(progress, &name, NodeStep::StartingEngine);
        host::create_namespace(slot).await?;
        host::start_engine(slot, CLUSTER_NODE_LABEL).await?;
        let node = wait_until(
            ENGINE_START,
            POLL,
            &format!("the engine of {name} to answer"),
            || async {
                let Ok(docker) = node_docker(slot) else {
                    return Ok(None);
                };
                Ok(docker.ping().await.ok().map(|_| docker))
            },
        )
        .await
        .map_err(|error| engine_failed(slot, error))?;

        report(progress, &name, NodeStep::Joining);
        node.join_swarm(SwarmJoinRequest {
            listen_addr: Some(format!("0.0.0.0:{SWARM_PORT}")),
            advertise_addr: Some(slot.address().to_string()),
            remote_addrs: Some(vec![join.manager.clone()]),
            join_token: Some(join.token.clone()),
            ..Default::default()
        })
        .await?;
        wait_until(
            NODE_READY,
            POLL,
            &format!("{name} to turn ready in the swarm"),
            || async {
                let nodes = self.swarm_nodes().await?;
                Ok(nodes
                    .iter()
                    .any(|node| {
                        local_node_name(node).as_deref() == Some(name.as_str())
                            && node_state(node) == Some(NodeState::READY)
                    })
                    .then_some(()))
            },
        )
        .await?;
        info!(node = %name, "local node ready");
        report(progress, &name, NodeStep::Ready);
        Ok(())
    }

    /// Takes one local node out: it leaves the swarm, its engine and host state go, and the swarm forgets it.
    async fn remove_local_node(
        &self,
        slot: &NodeSlot,
        progress: Option<&ClusterProgressSender>,
    ) -> Result<()> {
        let name = slot.name();
        report(progress, &name, NodeStep::Removing);
        self.demote_local_node(&name).await?;
        if let Ok(node) = node_docker(slot) {
            if node.ping().await.is_ok() {
                let leave = LeaveSwarmOptions { force: true };
                if let Err(error) = node.leave_swarm(Some(leave)).await {
                    warn!(node = %name, %error, "leaving the swarm failed; the node is removed from it below");
                }
            }
        }
        host::remove_node(slot).await?;
        for node in self.swarm_nodes().await? {
            if local_node_name(&node).as_deref() == Some(name.as_str()) {
                self.forget_node(&node, &name).await?;
            }
        }
        report(progress, &name, NodeStep::Removed);
        Ok(())
    }

    /// A local node promoted to manager is demoted before it goes: a manager that just leaves takes a raft member
    /// with it, and with two managers the one left loses its quorum.
    async fn demote_local_node(&self, name: &str) -> Result<()> {
        let nodes = self.swarm_nodes().await?;
        let Some(node) = nodes
            .iter()
            .find(|node| local_node_name(node).as_deref() == Some(name))
        else {
            return Ok(());
        };
        // The raft membership counts, not the role asked for: a demotion accepted but not yet carried out still
        // leaves a member that must not vanish.
        let member = node.manager_status.is_some();
        if node_view(node).role != NodeRole::Manager && !member {
            return Ok(());
        }
        let id = node.id.clone().unwrap_or_default();
        let demote = NodeChange::Role {
            role: NodeRole::Worker,
        };
        self.change_node(&id, &demote).await.map(drop)
    }

    async fn forget_node(&self, node: &Node, name: &str) -> Result<()> {
        let Some(id) = node.id.as_deref() else {
            return Ok(());
        };
        match self
            .docker
            .delete_node(id, Some(DeleteNodeOptions { force: true }))
            .await
        {
            Ok(()) => Ok(()),
            Err(error) => match Error::from(error) {
                Error::Engine { status: 404, .. } => Ok(()),
                other => {
                    warn!(node = %name, error = %other, "the swarm kept the node");
                    Err(other)
                }
            },
        }
    }
}

/// The slot of a local node this host holds, by its name.
async fn local_slot(name: &str) -> Result<NodeSlot> {
    host::existing_slots()
        .await
        .into_iter()
        .find(|slot| slot.name() == name)
        .ok_or_else(|| Error::NotFound {
            kind: "local cluster node",
            name: name.to_string(),
        })
}

struct JoinTarget {
    manager: String,
    token: String,
}

/// A node engine that never answered: its log says why.
fn engine_failed(slot: &NodeSlot, error: Error) -> Error {
    let log = std::fs::read_to_string(slot.log()).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(5).collect();
    Error::Host {
        command: format!("dockerd for {}", slot.name()),
        reason: format!(
            "{error}; last lines of {}: {}",
            slot.log().display(),
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ),
    }
}

fn node_state(node: &Node) -> Option<NodeState> {
    node.status.as_ref()?.state
}
