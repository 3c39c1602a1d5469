//! Settings and connection profiles.

use tauri::{AppHandle, State};
use tauri_plugin_store::StoreExt;

use crate::dto::SettingsView;
use crate::error::{AppError, CommandResult};
use crate::settings::{Settings, STORE_FILE, STORE_KEY};
use crate::AppState;

/// The settings in use.
#[tauri::command]
#[specta::specta]
pub async fn get_settings(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<SettingsView> {
    Ok(SettingsView {
        settings: load(&app)?,
        notice: state.settings_notice.lock().await.clone(),
    })
}

/// Saves the settings and connects with the active profile.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state, settings), err(Debug))]
pub async fn save_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: Settings,
) -> CommandResult<()> {
    settings
        .validate()
        .map_err(|(field, rule)| AppError::Invalid { field, rule })?;
    let store = app.store(STORE_FILE).map_err(store_error)?;
    let value = serde_json::to_value(&settings).map_err(|e| other("settings", e.to_string()))?;
    store.set(STORE_KEY, value);
    store.save().map_err(store_error)?;
    state.engine.use_profile(settings.active()).await;
    Ok(())
}

/// The stored settings, or the defaults when none are stored.
pub fn load(app: &AppHandle) -> CommandResult<Settings> {
    let store = app.store(STORE_FILE).map_err(store_error)?;
    match store.get(STORE_KEY) {
        Some(value) => serde_json::from_value(value).map_err(|e| other("settings", e.to_string())),
        None => Ok(Settings::default()),
    }
}

fn store_error(error: tauri_plugin_store::Error) -> AppError {
    other("settings_store", error.to_string())
}

fn other(code: &str, message: String) -> AppError {
    AppError::Other {
        code: code.to_string(),
        message,
        engine_status: None,
    }
}
