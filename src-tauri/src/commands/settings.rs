//! Settings and connection profiles.

use tauri::{AppHandle, State};
use tauri_plugin_store::StoreExt;

use crate::dto::RegistryLoginInput;
use crate::dto::{DockerContextView, SettingsView};
use crate::error::{AppError, CommandResult};
use crate::registry_logins::PasswordStorage;
use crate::settings::{
    ConnectionProfile, RegistryLogin, Settings, CONTEXT_PREFIX, STORE_FILE, STORE_KEY,
};
use crate::AppState;
use swarmdeck_orchestrator::contexts::ContextStore;

/// The settings in use.
#[tauri::command]
#[specta::specta]
pub async fn get_settings(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<SettingsView> {
    let (contexts, contexts_problem) = match docker_contexts() {
        Ok(contexts) => (contexts, None),
        Err(problem) => (Vec::new(), Some(problem)),
    };
    Ok(SettingsView {
        settings: load(&app)?,
        notice: state.settings_notice.lock().await.clone(),
        contexts,
        contexts_problem,
    })
}

/// The contexts of the user's Docker configuration as they are now.
fn docker_contexts() -> Result<Vec<DockerContextView>, String> {
    let store = ContextStore::from_env()
        .ok_or_else(|| "neither DOCKER_CONFIG nor HOME is set".to_string())?;
    let contexts = store.list().map_err(|error| error.to_string())?;
    Ok(contexts
        .into_iter()
        .map(|context| DockerContextView {
            profile: format!("{CONTEXT_PREFIX}{}", context.name),
            endpoint: context.address(),
            tls: context.uses_tls(),
            name: context.name,
            description: context.description,
            current: context.current,
            problem: context.problem,
        })
        .collect())
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
    save(&app, &state, settings).await
}

/// Checks, stores and applies settings: the engine follows the active profile.
async fn save(app: &AppHandle, state: &AppState, settings: Settings) -> CommandResult<()> {
    let context_names: Vec<String> = docker_contexts()
        .unwrap_or_default()
        .into_iter()
        .filter(|context| context.problem.is_none())
        .map(|context| context.name)
        .collect();
    settings
        .validate(&context_names)
        .map_err(|(field, rule)| AppError::Invalid { field, rule })?;
    let store = app.store(STORE_FILE).map_err(store_error)?;
    let value = serde_json::to_value(&settings).map_err(|e| other("settings", e.to_string()))?;
    store.set(STORE_KEY, value);
    store.save().map_err(store_error)?;
    if state.engine.use_profile(settings.active()).await {
        // Follows and consoles of the old engine would go on showing it under the new profile's name.
        state
            .end_engine_sessions("another connection profile was chosen")
            .await;
    }
    Ok(())
}

/// The stored settings, or those of a first start (the current Docker context in use) when none are stored.
pub fn load(app: &AppHandle) -> CommandResult<Settings> {
    let store = app.store(STORE_FILE).map_err(store_error)?;
    match store.get(STORE_KEY) {
        Some(value) => serde_json::from_value(value).map_err(|e| other("settings", e.to_string())),
        None => {
            // The context the `docker` CLI would use now (DOCKER_HOST, DOCKER_CONTEXT, the configuration's
            // current context), as `docker` would pick it.
            let current = ContextStore::from_env().and_then(|store| store.chosen_name(None).ok());
            Ok(Settings::first_start(current.as_deref()))
        }
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

/// Adds (or replaces) a profile's login to a private registry: the password goes to the OS keyring, or stays in
/// memory until the app quits where there is none; the settings file only learns the server and user name.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state, login), fields(server = %login.server), err(Debug))]
pub async fn add_registry_login(
    app: AppHandle,
    state: State<'_, AppState>,
    profile: String,
    login: RegistryLoginInput,
) -> CommandResult<PasswordStorage> {
    let login = login.validated()?;
    let mut settings = load(&app)?;
    let stored = find_profile(&mut settings, &profile)?;
    stored.registries.retain(|r| r.server != login.server);
    stored.registries.push(RegistryLogin {
        server: login.server.clone(),
        username: login.username.clone(),
    });
    let storage = state.logins.store(&profile, &login.server, &login.password);
    save(&app, &state, settings).await?;
    Ok(storage)
}

/// Removes a profile's login to a registry, its password included.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(app, state), err(Debug))]
pub async fn remove_registry_login(
    app: AppHandle,
    state: State<'_, AppState>,
    profile: String,
    server: String,
) -> CommandResult<()> {
    let mut settings = load(&app)?;
    find_profile(&mut settings, &profile)?
        .registries
        .retain(|r| r.server != server);
    state.logins.forget(&profile, &server);
    save(&app, &state, settings).await
}

fn find_profile<'a>(
    settings: &'a mut Settings,
    name: &str,
) -> CommandResult<&'a mut ConnectionProfile> {
    settings
        .profiles
        .iter_mut()
        .find(|p| p.name == name)
        .ok_or_else(|| AppError::NotFound {
            kind: "profile".to_string(),
            name: name.to_string(),
            message: format!("profile {name} not found"),
        })
}
