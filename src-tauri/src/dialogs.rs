//! The native file dialogs, awaited (the plugin answers through a callback), and reading or writing the file the
//! user chose, with an error that names it.

use std::path::{Path, PathBuf};

use tauri::AppHandle;
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder};
use tokio::sync::oneshot;

use crate::error::AppError;

/// Which files a dialog offers: a name and the extensions.
pub type Filter<'a> = (&'a str, &'a [&'a str]);

/// The text of a file the user picks; none when the dialog was cancelled.
pub async fn read_picked(
    app: &AppHandle,
    filter: Option<Filter<'_>>,
) -> Result<Option<(PathBuf, String)>, AppError> {
    let (chosen, answer) = oneshot::channel();
    with_filter(app, filter).pick_file(move |path| {
        let _ = chosen.send(path.and_then(|p| p.into_path().ok()));
    });
    let Some(path) = answer.await.ok().flatten() else {
        return Ok(None);
    };
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|error| file_error(&path, error))?;
    Ok(Some((path, text)))
}

/// Writes `text` where the user chooses to save it, offering `file_name`; the path, or none when cancelled.
pub async fn save_chosen(
    app: &AppHandle,
    filter: Option<Filter<'_>>,
    file_name: String,
    text: String,
) -> Result<Option<PathBuf>, AppError> {
    let (chosen, answer) = oneshot::channel();
    with_filter(app, filter)
        .set_file_name(file_name)
        .save_file(move |path| {
            let _ = chosen.send(path.and_then(|p| p.into_path().ok()));
        });
    let Some(path) = answer.await.ok().flatten() else {
        return Ok(None);
    };
    tokio::fs::write(&path, text)
        .await
        .map_err(|error| file_error(&path, error))?;
    Ok(Some(path))
}

fn with_filter(app: &AppHandle, filter: Option<Filter<'_>>) -> FileDialogBuilder<tauri::Wry> {
    let dialog = app.dialog().file();
    match filter {
        Some((name, extensions)) => dialog.add_filter(name, extensions),
        None => dialog,
    }
}

fn file_error(path: &Path, error: std::io::Error) -> AppError {
    AppError::Other {
        code: "file".to_string(),
        message: format!("{}: {error}", path.display()),
        engine_status: None,
    }
}
