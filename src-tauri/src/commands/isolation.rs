//! The isolation check.

use tauri::State;
use tokio_util::sync::CancellationToken;

use crate::dto;
use crate::error::CommandResult;
use crate::AppState;

/// Probes every ordered pair of the chosen organizations; a running check can be cancelled.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state), err(Debug))]
pub async fn verify_isolation(
    state: State<'_, AppState>,
    request: dto::IsolationRequest,
) -> CommandResult<dto::IsolationReport> {
    let core = state.engine.orchestrator().await?;
    let cancel = CancellationToken::new();
    if let Some(previous) = state.isolation.lock().await.replace(cancel.clone()) {
        previous.cancel();
    }
    let report = core.verify_isolation(&request.into(), cancel).await?;
    Ok(report.into())
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
