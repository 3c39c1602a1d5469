//! The isolation check.

use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::dto;
use crate::error::CommandResult;
use crate::{streaming, AppState};

/// Probes every ordered pair of the chosen organizations, streaming each step to `progress`; a running check
/// can be cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, progress), err(Debug))]
pub async fn verify_isolation(
    state: State<'_, AppState>,
    request: dto::IsolationRequest,
    progress: Channel<dto::IsolationProgress>,
) -> CommandResult<dto::IsolationReport> {
    let core = state.engine.orchestrator().await?;
    let cancel = CancellationToken::new();
    if let Some(previous) = state.isolation.lock().await.replace(cancel.clone()) {
        previous.cancel();
    }
    let (sender, receiver) = mpsc::unbounded_channel();
    let forwarded = streaming::forward(receiver, progress);
    let report = core
        .verify_isolation_with_progress(&request.into(), cancel, Some(sender))
        .await;
    let _ = forwarded.await;
    Ok(report?.into())
}

/// Cancels the running isolation check; its probes are removed.
#[tauri::command]
#[specta::specta]
pub async fn cancel_isolation(state: State<'_, AppState>) -> CommandResult<()> {
    if let Some(running) = state.isolation.lock().await.take() {
        running.cancel();
    }
    Ok(())
}
