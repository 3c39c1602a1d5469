//! The isolation check.

use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::dto;
use crate::error::CommandResult;
use crate::AppState;

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
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let forward = tauri::async_runtime::spawn(async move {
        while let Some(event) = receiver.recv().await {
            if progress.send(dto::IsolationProgress::from(event)).is_err() {
                break;
            }
        }
    });
    let report = core
        .verify_isolation_with_progress(&request.into(), cancel, Some(sender))
        .await;
    let _ = forward.await;
    Ok(report?.into())
}

/// Cancels the running isolation check; its probes are removed.
#[tauri::command]
#[specta::specta]
pub async fn cancel_isolation(state: State<'_, AppState>) -> Result<(), ()> {
    if let Some(running) = state.isolation.lock().await.take() {
        running.cancel();
    }
    Ok(())
}
