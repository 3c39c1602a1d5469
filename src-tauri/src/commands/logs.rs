//! Service logs: a one-shot read, and a follow that streams batches until the view stops it.

use futures_util::StreamExt;
use tauri::ipc::Channel;
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::dto;
use crate::error::CommandResult;
use crate::{streaming, AppState};

/// Reads the logs the query selects.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn service_logs(
    state: State<'_, AppState>,
    service: String,
    query: dto::LogQuery,
) -> CommandResult<Vec<dto::LogLine>> {
    let lines = state
        .engine
        .orchestrator()
        .await?
        .service_logs(&service, &query.into())
        .await?;
    Ok(lines.into_iter().map(Into::into).collect())
}

/// Follows the logs into `events` in batches, then says why it ended; returns an id for [`stop_logs`].
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, events), err(Debug))]
pub async fn follow_logs(
    state: State<'_, AppState>,
    service: String,
    query: dto::LogQuery,
    events: Channel<dto::LogEvent>,
) -> CommandResult<u32> {
    let core = state.engine.orchestrator().await?;
    let cancel = CancellationToken::new();
    let id = state.register_follow(cancel.clone()).await;
    let stream = core.follow_service_logs(&service, &query.into(), cancel.clone());
    streaming::send_log_follow(
        stream.map(|line| line.map(dto::LogLine::from)),
        events,
        cancel,
    );
    Ok(id)
}

/// Stops a follow started by [`follow_logs`].
#[tauri::command]
#[specta::specta]
pub async fn stop_logs(state: State<'_, AppState>, id: u32) -> CommandResult<()> {
    state.stop_follow(id).await;
    Ok(())
}
