//! Resource use: a follow that reports about once a second while a view shows it.

use futures_util::StreamExt;
use tauri::ipc::Channel;
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::dto;
use crate::error::CommandResult;
use crate::AppState;

/// Follows the scope's resource use into `events`; returns an id for [`stop_stats`].
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, events), err(Debug))]
pub async fn follow_stats(
    state: State<'_, AppState>,
    scope: dto::StatsScope,
    events: Channel<dto::StatsEvent>,
) -> CommandResult<u32> {
    let core = state.engine.orchestrator().await?;
    let cancel = CancellationToken::new();
    let id = state.register_follow(cancel.clone()).await;
    let mut reports = core.follow_stats(scope.into(), cancel.clone());
    tauri::async_runtime::spawn(async move {
        while let Some(report) = reports.next().await {
            if events.send(dto::StatsEvent::from(report)).is_err() {
                cancel.cancel();
                break;
            }
        }
    });
    Ok(id)
}

/// Stops a follow started by [`follow_stats`]; its engine streams close.
#[tauri::command]
#[specta::specta]
pub async fn stop_stats(state: State<'_, AppState>, id: u32) -> CommandResult<()> {
    state.stop_follow(id).await;
    Ok(())
}
