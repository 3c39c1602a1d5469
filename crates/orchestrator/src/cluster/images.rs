//! Images on the local nodes. There is no registry on a developer's machine, so a node gets an image the way the
//! manager has it: exported from the manager's engine and loaded into the node's, both through the engine API.
//! `cluster up --image` does it for a list; every deploy does it for its own image on the nodes its placement
//! allows, before the spec is written, so no task waits on a node for an image that never comes.

use std::collections::BTreeSet;

use bollard::models::{Node, NodeState};
use bollard::query_parameters::ImportImageOptions;
use bollard::Docker;
use futures_util::TryStreamExt;
use tracing::info;

use super::host::{self, NodeSlot};
use super::{report, ClusterProgressSender, NodeStep};
use crate::error::Result;
use crate::gate::RunOptions;
use crate::model::Placement;
use crate::node::local_node_name;
use crate::placement::meets_constraints;
use crate::Orchestrator;

impl Orchestrator {
    /// Copies each image the node lacks (or holds under another id) from the manager.
    pub(super) async fn copy_images(
        &self,
        slot: &NodeSlot,
        images: &[String],
        progress: Option<&ClusterProgressSender>,
    ) -> Result<()> {
        let node = node_docker(slot)?;
        let mut copied = false;
        for image in images {
            let wanted = self.docker.inspect_image(image).await?.id;
            let announce = || {
                let step = NodeStep::CopyingImage {
                    image: image.clone(),
                };
                report(progress, &slot.name(), step)
            };
            copied |= self
                .copy_if_missing(&node, image, wanted.as_deref(), announce)
                .await?;
        }
        if copied {
            // The node's last word is what it is now: ready, with its images.
            report(progress, &slot.name(), NodeStep::Ready);
        }
        Ok(())
    }

    /// Makes `image` present on every local node the placement lets the service use, reporting each copy as a
    /// phase of the deploy. Nodes of other machines are the user's (they pull from their registry) and are left
    /// alone; so is a swarm without local nodes.
    pub(crate) async fn stage_image_on_local_nodes(
        &self,
        image: &str,
        placement: &Placement,
        options: &RunOptions,
    ) -> Result<()> {
        let slots = host::existing_slots().await;
        if slots.is_empty() {
            return Ok(());
        }
        let meets = meets_constraints(placement);
        let chosen: Vec<String> = self
            .docker
            .list_nodes(None)
            .await?
            .iter()
            .filter(|node| node.status.as_ref().and_then(|s| s.state) == Some(NodeState::READY))
            .filter(|node| meets(node))
            .filter_map(local_node_name)
            .collect();
        let wanted = self.docker.inspect_image(image).await?.id;
        for slot in slots.iter().filter(|slot| chosen.contains(&slot.name())) {
            let node = node_docker(slot)?;
            let name = slot.name();
            let copied = self
                .copy_if_missing(&node, image, wanted.as_deref(), || {
                    options.phase(format!("copying image {image} to {name}"))
                })
                .await?;
            if copied {
                info!(%image, node = %name, "image copied to a local node");
            }
        }
        Ok(())
    }

    /// The engines of the ready local nodes whose swarm address is one of `addresses`, each given `image` (copied
    /// from the manager where it lacks it): where the isolation check runs probes besides the manager.
    pub(crate) async fn local_engines_at(
        &self,
        addresses: &BTreeSet<String>,
        image: &str,
    ) -> Result<Vec<LocalEngine>> {
        let slots = host::existing_slots().await;
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = self.docker.inspect_image(image).await?.id;
        let mut engines = Vec::new();
        for node in self.docker.list_nodes(None).await? {
            let status = node.status.clone().unwrap_or_default();
            let address = status.addr.unwrap_or_default();
            if status.state != Some(NodeState::READY) || !addresses.contains(&address) {
                continue;
            }
            let Some(name) = local_node_name(&node) else {
                continue;
            };
            let Some(slot) = slots.iter().find(|slot| slot.name() == name) else {
                continue;
            };
            let docker = node_docker(slot)?;
            self.copy_if_missing(&docker, image, wanted.as_deref(), || {})
                .await?;
            let hostname = node.description.and_then(|d| d.hostname).unwrap_or(name);
            engines.push(LocalEngine {
                hostname,
                address,
                docker,
            });
        }
        Ok(engines)
    }

    /// The engine of the local cluster node `node` (by its swarm node object), when it is one of this host's.
    pub(crate) async fn local_engine_of(&self, node: &Node) -> Option<Docker> {
        let name = local_node_name(node)?;
        let slots = host::existing_slots().await;
        let slot = slots.iter().find(|slot| slot.name() == name)?;
        node_docker(slot).ok()
    }

    /// Copies `image` to `node` unless it has it under the id `wanted`; whether it copied.
    async fn copy_if_missing(
        &self,
        node: &Docker,
        image: &str,
        wanted: Option<&str>,
        announce: impl FnOnce(),
    ) -> Result<bool> {
        let present = node
            .inspect_image(image)
            .await
            .ok()
            .and_then(|found| found.id);
        if present.is_some() && present.as_deref() == wanted {
            return Ok(false);
        }
        announce();
        let archive = self.docker.export_image(image);
        node.import_image_stream(ImportImageOptions::default(), archive, None)
            .try_collect::<Vec<_>>()
            .await?;
        Ok(true)
    }
}

/// A local node's engine, as a place to run containers.
pub(crate) struct LocalEngine {
    pub(crate) hostname: String,
    /// Its address in the swarm.
    pub(crate) address: String,
    pub(crate) docker: Docker,
}

/// The engine API of a local node, on its own socket.
pub(super) fn node_docker(slot: &NodeSlot) -> Result<Docker> {
    Ok(Docker::connect_with_unix(
        &slot.socket(),
        120,
        bollard::API_DEFAULT_VERSION,
    )?)
}
