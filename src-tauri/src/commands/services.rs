//! Deploy, update, scale, remove and status of services.

use tauri::ipc::Channel;
use tauri::State;

use crate::dto;
use crate::error::CommandResult;
use crate::streaming::with_progress;
use crate::AppState;
use swarmdeck_orchestrator as core;

/// Creates or updates a service and waits until it is healthy; progress streams to `progress`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request, progress), err(Debug))]
pub async fn deploy(
    state: State<'_, AppState>,
    request: dto::DeployRequest,
    gate: Option<dto::HealthGate>,
    progress: Channel<dto::Progress>,
) -> CommandResult<dto::DeployOutcome> {
    // A bad number is the form's field error, before the engine is even asked for.
    let request: core::DeployRequest = request.try_into()?;
    let core = state.engine.orchestrator().await?;
    let outcome = with_progress(progress, gate, |options| async move {
        core.deploy(&request, &options).await
    })
    .await?;
    Ok(outcome.into())
}

/// Changes some fields of a service and rolls the change out.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request, progress), err(Debug))]
pub async fn update_service(
    state: State<'_, AppState>,
    service: String,
    request: dto::UpdateRequest,
    gate: Option<dto::HealthGate>,
    progress: Channel<dto::Progress>,
) -> CommandResult<dto::DeployOutcome> {
    let request = request.try_into()?;
    let core = state.engine.orchestrator().await?;
    let outcome = with_progress(progress, gate, |options| async move {
        core.update(&service, &request, &options).await
    })
    .await?;
    Ok(outcome.into())
}

/// Sets the replica count.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn scale_service(
    state: State<'_, AppState>,
    service: String,
    replicas: u32,
) -> CommandResult<()> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .scale(&service, replicas)
        .await?)
}

/// Removes a service with its deployment history.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn remove_service(state: State<'_, AppState>, service: String) -> CommandResult<()> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .remove_service(&service)
        .await?)
}

/// Replicas, update state and tasks of a service.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn service_status(
    state: State<'_, AppState>,
    service: String,
) -> CommandResult<dto::ServiceStatus> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .service_status(&service)
        .await?
        .into())
}

/// The swarm's state of the last update or rollback.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn update_status(
    state: State<'_, AppState>,
    service: String,
) -> CommandResult<dto::UpdateStatus> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .update_status(&service)
        .await?
        .into())
}
