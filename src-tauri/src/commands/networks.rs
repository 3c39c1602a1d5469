//! Organization networks and their services.

use tauri::State;

use crate::dto;
use crate::error::CommandResult;
use crate::AppState;

/// Creates the organization's network unless it exists.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn ensure_org_network(
    state: State<'_, AppState>,
    org: String,
) -> CommandResult<dto::OrgNetwork> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .ensure_org_network(&org)
        .await?
        .into())
}

/// Removes the organization's network; refused while services use it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn remove_org_network(state: State<'_, AppState>, org: String) -> CommandResult<()> {
    Ok(state
        .engine
        .orchestrator()
        .await?
        .remove_org_network(&org)
        .await?)
}

/// The organization's services with replica counts.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn org_services(
    state: State<'_, AppState>,
    org: String,
) -> CommandResult<Vec<dto::ServiceSummary>> {
    let services = state
        .engine
        .orchestrator()
        .await?
        .list_org_services(&org)
        .await?;
    Ok(services.into_iter().map(Into::into).collect())
}
