//! Deployment history and rollbacks.

use tauri::ipc::Channel;
use tauri::State;

use crate::dto;
use crate::error::CommandResult;
use crate::streaming::with_progress;
use crate::AppState;

/// The last deployments of a service, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn deployment_history(
    state: State<'_, AppState>,
    service: String,
) -> CommandResult<Vec<dto::DeploymentRecord>> {
    let records = state
        .engine
        .orchestrator()
        .await?
        .deployment_history(&service)
        .await?;
    Ok(records.into_iter().map(Into::into).collect())
}

/// Settles interrupted or outdated records from the swarm's state.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn reconcile_history(
    state: State<'_, AppState>,
    service: String,
) -> CommandResult<Vec<dto::DeploymentRecord>> {
    let records = state
        .engine
        .orchestrator()
        .await?
        .reconcile_history(&service)
        .await?;
    Ok(records.into_iter().map(Into::into).collect())
}

/// The deployment "roll back to previous" would restore now, so the panel can name it before the click.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn rollback_target(
    state: State<'_, AppState>,
    service: String,
) -> CommandResult<dto::DeploymentRecord> {
    let target = state
        .engine
        .orchestrator()
        .await?
        .rollback_target(&service)
        .await?;
    Ok(target.into())
}

/// Rolls back to the newest deployment that succeeded before the running one.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, progress), err(Debug))]
pub async fn rollback(
    state: State<'_, AppState>,
    service: String,
    gate: Option<dto::HealthGate>,
    progress: Channel<dto::Progress>,
) -> CommandResult<dto::DeployOutcome> {
    let core = state.engine.orchestrator().await?;
    let outcome = with_progress(progress, gate, |options| async move {
        core.rollback(&service, &options).await
    })
    .await?;
    Ok(outcome.into())
}

/// Restores the full spec and exact image of a recorded deployment.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, progress), err(Debug))]
pub async fn rollback_to(
    state: State<'_, AppState>,
    service: String,
    deployment_id: String,
    gate: Option<dto::HealthGate>,
    progress: Channel<dto::Progress>,
) -> CommandResult<dto::DeployOutcome> {
    let core = state.engine.orchestrator().await?;
    let outcome = with_progress(progress, gate, |options| async move {
        core.rollback_to(&service, &deployment_id, &options).await
    })
    .await?;
    Ok(outcome.into())
}
