//! The swarm's topology for the graph.

use tauri::State;

use crate::dto;
use crate::error::CommandResult;
use crate::AppState;

/// Organizations → networks → services → tasks → nodes, in a constant number of engine calls.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn topology(state: State<'_, AppState>) -> CommandResult<dto::Topology> {
    Ok(state.engine.orchestrator().await?.topology().await?.into())
}
