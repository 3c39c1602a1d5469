//! Stacks: compose files previewed, deployed, rolled back and exported for an organization.

use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::dialogs::{self, Filter};
use crate::dto;
use crate::error::CommandResult;
use crate::{streaming, AppState};

const COMPOSE_FILES: Filter<'static> = ("Compose file", &["yml", "yaml"]);

/// What deploying the compose file would do, service by service; writes nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request), fields(org = %request.org_id), err(Debug))]
pub async fn plan_stack(
    state: State<'_, AppState>,
    request: dto::StackRequest,
) -> CommandResult<dto::StackPlan> {
    let core = state.engine.orchestrator().await?;
    Ok(core.stack_plan(&request.into()).await?.into())
}

/// Deploys the compose file as one stack deployment, streaming each service's progress.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, request, progress), fields(org = %request.org_id), err(Debug))]
pub async fn deploy_stack(
    state: State<'_, AppState>,
    request: dto::StackRequest,
    gate: Option<dto::HealthGate>,
    progress: Channel<dto::StackProgress>,
) -> CommandResult<dto::StackResult> {
    let core = state.engine.orchestrator().await?;
    let request = request.into();
    streaming::with_stack_progress(progress, gate, |options| async move {
        core.stack_deploy(&request, &options).await
    })
    .await
}

/// The organization's last stack deployments, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn stack_history(
    state: State<'_, AppState>,
    org_id: String,
) -> CommandResult<Vec<dto::StackRecord>> {
    let core = state.engine.orchestrator().await?;
    let history = core.stack_history(&org_id).await?;
    Ok(history.into_iter().map(Into::into).collect())
}

/// Restores an earlier stack deployment (the previous one without `to`), streaming each service's progress.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, progress), err(Debug))]
pub async fn rollback_stack(
    state: State<'_, AppState>,
    org_id: String,
    to: Option<String>,
    gate: Option<dto::HealthGate>,
    progress: Channel<dto::StackProgress>,
) -> CommandResult<dto::StackResult> {
    let core = state.engine.orchestrator().await?;
    streaming::with_stack_progress(progress, gate, |options| async move {
        core.stack_rollback(&org_id, to.as_deref(), &options).await
    })
    .await
}

/// The organization's services as a compose file.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn export_stack(state: State<'_, AppState>, org_id: String) -> CommandResult<String> {
    let core = state.engine.orchestrator().await?;
    Ok(core.stack_export(&org_id).await?)
}

/// Asks the user for a compose file and reads it; none when the dialog was cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(Debug))]
pub async fn open_compose_file(app: AppHandle) -> CommandResult<Option<dto::ComposeFile>> {
    let picked = dialogs::read_picked(&app, Some(COMPOSE_FILES)).await?;
    Ok(picked.map(|(path, text)| dto::ComposeFile {
        path: path.display().to_string(),
        text,
    }))
}

/// Asks where to save the organization's compose file and writes it there; the path, or none when cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn save_stack_export(
    app: AppHandle,
    state: State<'_, AppState>,
    org_id: String,
) -> CommandResult<Option<String>> {
    let core = state.engine.orchestrator().await?;
    let text = core.stack_export(&org_id).await?;
    let saved = dialogs::save_chosen(
        &app,
        Some(COMPOSE_FILES),
        format!("{org_id}-compose.yml"),
        text,
    )
    .await?;
    Ok(saved.map(|path| path.display().to_string()))
}

/// Stacks made by `docker stack deploy`, outside Swarmdeck.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn foreign_stacks(state: State<'_, AppState>) -> CommandResult<Vec<dto::ForeignStack>> {
    let core = state.engine.orchestrator().await?;
    Ok(core
        .foreign_stacks()
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// A stack made outside Swarmdeck as a compose file.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn export_foreign_stack(
    state: State<'_, AppState>,
    stack: String,
) -> CommandResult<String> {
    let core = state.engine.orchestrator().await?;
    Ok(core.foreign_stack_export(&stack).await?)
}

/// What adopting a stack made outside Swarmdeck into the organization would create; writes nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn plan_adoption(
    state: State<'_, AppState>,
    stack: String,
    org_id: String,
) -> CommandResult<dto::StackPlan> {
    let core = state.engine.orchestrator().await?;
    Ok(core.adopt_plan(&stack, &org_id).await?.into())
}

/// Takes a stack made outside Swarmdeck into the organization, streaming each service's progress.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, progress), err(Debug))]
pub async fn adopt_stack(
    state: State<'_, AppState>,
    stack: String,
    org_id: String,
    gate: Option<dto::HealthGate>,
    progress: Channel<dto::StackProgress>,
) -> CommandResult<dto::StackResult> {
    let core = state.engine.orchestrator().await?;
    streaming::with_stack_progress(progress, gate, |options| async move {
        core.adopt_stack(&stack, &org_id, &options).await
    })
    .await
}
