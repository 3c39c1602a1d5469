//! Tauri commands, one file per domain; each is a few lines over one core call.

pub mod history;
pub mod isolation;
pub mod logs;
pub mod networks;
pub mod services;
pub mod settings;
pub mod swarm;
pub mod topology;

use std::future::Future;

use swarmdeck_orchestrator::{self as core, RunOptions};
use tauri::ipc::Channel;
use tokio::sync::mpsc;

use crate::dto;
use crate::error::{AppError, CommandResult};

/// Runs a spec-writing call, forwarding its progress to the caller's channel as it happens.
pub(crate) async fn with_progress<T, F, Fut>(
    channel: Channel<dto::Progress>,
    gate: Option<dto::HealthGate>,
    work: F,
) -> CommandResult<T>
where
    F: FnOnce(RunOptions) -> Fut,
    Fut: Future<Output = core::Result<T>>,
{
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let forward = tauri::async_runtime::spawn(async move {
        while let Some(event) = receiver.recv().await {
            // A closed window stops listening; the work itself goes on to the end.
            if channel.send(dto::Progress::from(event)).is_err() {
                break;
            }
        }
    });
    let options = RunOptions {
        gate: gate.map(Into::into).unwrap_or_default(),
        progress: Some(sender),
    };
    let result = work(options).await;
    let _ = forward.await;
    result.map_err(AppError::from)
}
