//! An organization's secrets and configs: list, create (typed or from a file), attach, rotate, remove.

use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::streaming::with_progress;
use crate::{dialogs, dto, AppState};

/// Every version of the organization's secrets and configs, with the services using each.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn org_files(
    state: State<'_, AppState>,
    org_id: String,
) -> CommandResult<Vec<dto::OrgFile>> {
    let files = state
        .engine
        .orchestrator()
        .await?
        .org_files(&org_id)
        .await?;
    Ok(files.into_iter().map(Into::into).collect())
}

/// Creates a version holding `value`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, value), err(Debug))]
pub async fn create_org_file(
    state: State<'_, AppState>,
    org_id: String,
    kind: dto::FileKind,
    name: String,
    value: String,
) -> CommandResult<dto::OrgFile> {
    let core = state.engine.orchestrator().await?;
    let file = core
        .create_org_file(&org_id, kind.into(), &name, value.into_bytes())
        .await?;
    Ok(file.into())
}

/// Asks the user for a file and returns its text, to be the value of a secret or config; none when cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app), err(Debug))]
pub async fn read_value_file(app: AppHandle) -> CommandResult<Option<String>> {
    let picked = dialogs::read_picked(&app, None).await?;
    Ok(picked.map(|(_, text)| text))
}

/// Mounts the newest version of `name` into the service at `target`, through the health gate.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, progress), err(Debug))]
pub async fn attach_file(
    state: State<'_, AppState>,
    service: String,
    kind: dto::FileKind,
    name: String,
    target: String,
    gate: Option<dto::HealthGate>,
    progress: Channel<dto::Progress>,
) -> CommandResult<dto::DeployOutcome> {
    let core = state.engine.orchestrator().await?;
    let outcome = with_progress(progress, gate, |options| async move {
        core.attach_file(&service, kind.into(), &name, &target, &options)
            .await
    })
    .await?;
    Ok(outcome.into())
}

/// A new version of `name` holding `value`, rolled out to every service using it; older versions removed after
/// unless `keep_old`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, value, progress), err(Debug))]
#[allow(clippy::too_many_arguments)]
pub async fn rotate_file(
    state: State<'_, AppState>,
    org_id: String,
    kind: dto::FileKind,
    name: String,
    value: String,
    keep_old: bool,
    gate: Option<dto::HealthGate>,
    progress: Channel<dto::Progress>,
) -> CommandResult<dto::Rotation> {
    let core = state.engine.orchestrator().await?;
    let rotation = with_progress(progress, gate, |options| async move {
        core.rotate_file(
            &org_id,
            kind.into(),
            &name,
            value.into_bytes(),
            keep_old,
            &options,
        )
        .await
    })
    .await?;
    Ok(rotation.into())
}

/// Removes every version of `name`; refused while a service uses one.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn remove_org_file(
    state: State<'_, AppState>,
    org_id: String,
    kind: dto::FileKind,
    name: String,
) -> CommandResult<Vec<String>> {
    let core = state.engine.orchestrator().await?;
    Ok(core.remove_org_file(&org_id, kind.into(), &name).await?)
}
