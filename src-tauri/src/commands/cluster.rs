//! The local cluster and the swarm's nodes.

use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::mpsc;

use crate::dto;
use crate::error::CommandResult;
use crate::{streaming, AppState};

/// Every node of the swarm, and what this host holds of local nodes outside it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn cluster_status(state: State<'_, AppState>) -> CommandResult<dto::ClusterStatus> {
    let core = state.engine.orchestrator().await?;
    Ok(core.cluster_status().await?.into())
}

/// Grows or shrinks the local cluster to the asked size, streaming each node's steps to `progress`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, progress), err(Debug))]
pub async fn cluster_up(
    state: State<'_, AppState>,
    request: dto::ClusterRequest,
    progress: Channel<dto::ClusterProgress>,
) -> CommandResult<dto::ClusterStatus> {
    let core = state.engine.orchestrator().await?;
    let (sender, receiver) = mpsc::unbounded_channel();
    let forwarded = streaming::forward(receiver, progress);
    let status = core.cluster_up(&request.into(), Some(&sender)).await;
    drop(sender);
    let _ = forwarded.await;
    Ok(status?.into())
}

/// Removes every local node, streaming each node's steps to `progress`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, progress), err(Debug))]
pub async fn cluster_down(
    state: State<'_, AppState>,
    progress: Channel<dto::ClusterProgress>,
) -> CommandResult<dto::ClusterStatus> {
    let core = state.engine.orchestrator().await?;
    let (sender, receiver) = mpsc::unbounded_channel();
    let forwarded = streaming::forward(receiver, progress);
    let status = core.cluster_down(Some(&sender)).await;
    drop(sender);
    let _ = forwarded.await;
    Ok(status?.into())
}

/// Failure drill: stops a local node's engine.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn stop_cluster_node(state: State<'_, AppState>, node: String) -> CommandResult<()> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .cluster_stop_node(&node)
        .await?)
}

/// Starts a stopped local node's engine and waits until it is ready.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn start_cluster_node(state: State<'_, AppState>, node: String) -> CommandResult<()> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .cluster_start_node(&node)
        .await?)
}

/// Failure drill: cuts a local worker off the network.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn cut_cluster_node(state: State<'_, AppState>, node: String) -> CommandResult<()> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .cluster_cut_node(&node)
        .await?)
}

/// Connects a cut-off local node again and waits until it is ready.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn heal_cluster_node(state: State<'_, AppState>, node: String) -> CommandResult<()> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .cluster_heal_node(&node)
        .await?)
}

/// Changes a node's availability, role or labels.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn change_node(
    state: State<'_, AppState>,
    node: String,
    change: dto::NodeChange,
) -> CommandResult<dto::ClusterNode> {
    let core = state.engine.orchestrator().await?;
    Ok(core.change_node(&node, &change.into()).await?.into())
}

/// Removes a down node from the swarm.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn remove_node(state: State<'_, AppState>, node: String) -> CommandResult<()> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .remove_node(&node)
        .await?)
}
