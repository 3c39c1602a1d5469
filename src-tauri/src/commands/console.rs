//! Consoles into running tasks: open, type, resize, close.

use swarmdeck_orchestrator::{ExecRequest, TerminalSize};
use tauri::ipc::Channel;
use tauri::State;

use crate::dto;
use crate::error::CommandResult;
use crate::AppState;

/// Opens `command` with a terminal in the task of `slot` (default: the lowest running slot); its output and end
/// go to `events`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, events), err(Debug))]
pub async fn open_console(
    state: State<'_, AppState>,
    service: String,
    slot: Option<u32>,
    command: Vec<String>,
    rows: u16,
    columns: u16,
    events: Channel<dto::ConsoleEvent>,
) -> CommandResult<dto::ConsoleOpened> {
    let request = ExecRequest {
        service_name: service,
        slot: slot.map(u64::from),
        command,
        tty: true,
        stdin: true,
    };
    let size = TerminalSize { rows, columns };
    let core = state.engine.orchestrator().await?;
    let session = core.exec(&request, Some(size)).await?;
    let (task_id, slot) = (session.task.id.clone(), session.task.slot);
    let id = state.consoles.open(session, events).await;
    Ok(dto::ConsoleOpened {
        id,
        task_id,
        slot: slot.and_then(|slot| u32::try_from(slot).ok()),
    })
}

/// Sends what was typed or pasted to the console's program; false when the console has ended.
#[tauri::command]
#[specta::specta]
pub async fn console_input(
    state: State<'_, AppState>,
    id: u32,
    data: String,
) -> CommandResult<bool> {
    Ok(state.consoles.input(id, data).await)
}

/// Tells the console's program its terminal's new size; false when the console has ended.
#[tauri::command]
#[specta::specta]
pub async fn resize_console(
    state: State<'_, AppState>,
    id: u32,
    rows: u16,
    columns: u16,
) -> CommandResult<bool> {
    Ok(state
        .consoles
        .resize(id, TerminalSize { rows, columns })
        .await)
}

/// Closes the console; its program's input ends.
#[tauri::command]
#[specta::specta]
pub async fn close_console(state: State<'_, AppState>, id: u32) -> CommandResult<()> {
    state.consoles.close(id).await;
    Ok(())
}
