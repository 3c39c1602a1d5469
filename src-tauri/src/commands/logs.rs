//! Service logs: a one-shot read, and a follow that streams batches until the view stops it.

use std::time::Duration;

use futures_util::StreamExt;
use tauri::ipc::Channel;
use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::dto;
use crate::error::CommandResult;
use crate::AppState;

/// Lines are sent in batches at most this often, so a chatty service cannot flood the IPC (≤ 10 messages/s).
const BATCH_EVERY: Duration = Duration::from_millis(100);

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

/// Follows the logs into `lines` in batches; returns an id for [`stop_logs`].
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, lines), err(Debug))]
pub async fn follow_logs(
    state: State<'_, AppState>,
    service: String,
    query: dto::LogQuery,
    lines: Channel<Vec<dto::LogLine>>,
) -> CommandResult<u32> {
    let core = state.engine.orchestrator().await?;
    let cancel = CancellationToken::new();
    let id = state.register_follow(cancel.clone()).await;
    let mut stream = Box::pin(core.follow_service_logs(&service, &query.into(), cancel.clone()));
    tauri::async_runtime::spawn(async move {
        let mut batch: Vec<dto::LogLine> = Vec::new();
        let mut tick = tokio::time::interval(BATCH_EVERY);
        loop {
            tokio::select! {
                line = stream.next() => match line {
                    Some(Ok(line)) => batch.push(line.into()),
                    Some(Err(error)) => {
                        tracing::warn!(%error, "log follow ended");
                        break;
                    }
                    None => break,
                },
                _ = tick.tick() => {
                    // A failed send means the view is gone: stop reading.
                    if !batch.is_empty() && lines.send(std::mem::take(&mut batch)).is_err() {
                        cancel.cancel();
                        break;
                    }
                }
            }
        }
        if !batch.is_empty() {
            let _ = lines.send(batch);
        }
    });
    Ok(id)
}

/// Stops a follow started by [`follow_logs`].
#[tauri::command]
#[specta::specta]
pub async fn stop_logs(state: State<'_, AppState>, id: u32) -> Result<(), ()> {
    if let Some(cancel) = state.follows.lock().await.remove(&id) {
        cancel.cancel();
    }
    Ok(())
}
