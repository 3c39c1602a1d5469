//! Swarm mode, the engine connection and the host preflight.

use tauri::State;

use crate::dto;
use crate::error::CommandResult;
use crate::events::ConnectionState;
use crate::AppState;

/// The swarm as the engine sees it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn swarm_info(state: State<'_, AppState>) -> CommandResult<dto::SwarmInfo> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .swarm_info()
        .await?
        .into())
}

/// Initialises swarm mode unless it is active.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn init_swarm(state: State<'_, AppState>) -> CommandResult<dto::SwarmInfo> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .init_swarm()
        .await?
        .into())
}

/// What the engine's host can and cannot do for isolation and discovery.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn host_preflight(
    state: State<'_, AppState>,
) -> CommandResult<Vec<dto::PreflightFinding>> {
    let findings = state.engine.orchestrator().await?.host_preflight().await?;
    Ok(findings.into_iter().map(Into::into).collect())
}

/// The engine connection right now.
#[tauri::command]
#[specta::specta]
pub async fn connection_state(state: State<'_, AppState>) -> CommandResult<ConnectionState> {
    Ok(state.engine.state().await)
}

/// Tries to reach the engine now instead of waiting for the next retry.
#[tauri::command]
#[specta::specta]
pub fn retry_connection(state: State<'_, AppState>) {
    state.engine.retry_now();
}
