//! Swarmdeck's desktop app: a thin layer of typed Tauri commands and events over the orchestrator core.
//!
//! Only this crate knows about IPC: it converts core types to the DTOs in [`dto`], maps errors to [`AppError`],
//! and exports TypeScript bindings with tauri-specta.

#[cfg(test)]
mod command_names;
pub mod commands;
pub mod consoles;
mod dialogs;
pub mod dto;
pub mod engine;
pub mod error;
pub mod events;
pub mod registry_logins;
pub mod settings;
mod streaming;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use tauri::webview::PageLoadEvent;
use tauri::Manager;
use tauri_specta::{collect_commands, collect_events, Builder};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub use error::AppError;

use crate::engine::Engine;

/// Where the generated bindings live, relative to this crate.
pub const BINDINGS_PATH: &str = "../ui/src/bindings.ts";

/// State shared by the commands.
pub struct AppState {
    /// The engine connection.
    pub engine: Arc<Engine>,
    /// Open consoles into tasks.
    pub consoles: consoles::Consoles,
    /// Running log follows, by id.
    pub follows: Mutex<HashMap<u32, CancellationToken>>,
    /// The running isolation check, if any.
    pub isolation: Mutex<Option<CancellationToken>>,
    /// What happened to an unreadable settings file at start.
    pub settings_notice: Mutex<Option<String>>,
    /// Passwords of registry logins.
    pub logins: Arc<registry_logins::RegistryLogins>,
    next_follow: AtomicU32,
}

impl AppState {
    async fn register_follow(&self, cancel: CancellationToken) -> u32 {
        let id = self.next_follow.fetch_add(1, Ordering::Relaxed);
        self.follows.lock().await.insert(id, cancel);
        id
    }

    /// Ends every follow and console: when the page loads again (a reload, a crash of the web process it keeps
    /// none of its channels, and the app cannot tell from sending, so the engine streams behind them would run
    /// until the app quits), and when another profile is chosen (they would show the old engine).
    async fn end_engine_sessions(&self, why: &str) {
        let follows: Vec<CancellationToken> = self
            .follows
            .lock()
            .await
            .drain()
            .map(|(_, cancel)| cancel)
            .collect();
        let consoles = self.consoles.close_all().await;
        if !follows.is_empty() || consoles > 0 {
            tracing::info!(follows = follows.len(), consoles, %why, "ending follows and consoles");
        }
        for cancel in follows {
            cancel.cancel();
        }
    }

    /// Ends a follow (logs or stats) started with [`AppState::register_follow`].
    async fn stop_follow(&self, id: u32) {
        if let Some(cancel) = self.follows.lock().await.remove(&id) {
            cancel.cancel();
        }
    }
}

/// Every command and event of the app; the same builder serves the invoke handler and the bindings export.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::swarm::swarm_info,
            commands::swarm::init_swarm,
            commands::swarm::host_preflight,
            commands::swarm::connection_state,
            commands::swarm::retry_connection,
            commands::topology::topology,
            commands::services::deploy,
            commands::services::update_service,
            commands::services::scale_service,
            commands::services::remove_service,
            commands::services::service_status,
            commands::services::update_status,
            commands::history::deployment_history,
            commands::history::reconcile_history,
            commands::history::rollback,
            commands::history::rollback_target,
            commands::history::rollback_to,
            commands::networks::ensure_org_network,
            commands::networks::remove_org_network,
            commands::networks::org_services,
            commands::isolation::verify_isolation,
            commands::isolation::cancel_isolation,
            commands::logs::service_logs,
            commands::logs::follow_logs,
            commands::logs::stop_logs,
            commands::console::open_console,
            commands::console::console_input,
            commands::console::resize_console,
            commands::console::close_console,
            commands::stats::follow_stats,
            commands::stats::stop_stats,
            commands::files::org_files,
            commands::files::create_org_file,
            commands::files::read_value_file,
            commands::files::attach_file,
            commands::files::rotate_file,
            commands::files::remove_org_file,
            commands::settings::get_settings,
            commands::settings::save_settings,
            commands::cluster::cluster_status,
            commands::cluster::cluster_up,
            commands::cluster::cluster_down,
            commands::cluster::stop_cluster_node,
            commands::cluster::start_cluster_node,
            commands::cluster::cut_cluster_node,
            commands::cluster::heal_cluster_node,
            commands::cluster::change_node,
            commands::cluster::remove_node,
            commands::stacks::plan_stack,
            commands::stacks::deploy_stack,
            commands::stacks::stack_history,
            commands::stacks::rollback_stack,
            commands::stacks::export_stack,
            commands::stacks::open_compose_file,
            commands::stacks::save_stack_export,
            commands::stacks::foreign_stacks,
            commands::stacks::export_foreign_stack,
            commands::stacks::plan_adoption,
            commands::stacks::adopt_stack,
            commands::settings::add_registry_login,
            commands::settings::remove_registry_login,
        ])
        .events(collect_events![
            events::ClusterChanged,
            events::ConnectionChanged
        ])
        // One TypeScript type per Rust type, rather than separate serialize/deserialize variants.
        .disable_serde_phases()
}

/// Opt-out of WebKitGTK's accelerated compositing, for the whole process.
pub const GPU_COMPOSITING_ENV: &str = "SWARMDECK_GPU_COMPOSITING";

/// Makes WebKitGTK paint on the CPU unless `SWARMDECK_GPU_COMPOSITING=1` (or an explicit
/// `WEBKIT_DISABLE_COMPOSITING_MODE`) says otherwise. Call first thing in `main`, before any thread exists:
/// WebKit reads the variable when the web view starts.
///
/// Why: on a host without a GPU (VMs, remote desktops, Xvfb) WebKitGTK composites through software GL, and with
/// the graph's canvases on screen every frame took ~500 ms here; painted on the CPU the same page draws at 16 ms a
/// frame (`make bench`). The UI uses no 3D transforms or video that would need GPU layers.
pub fn prefer_cpu_compositing() {
    if cfg!(target_os = "linux")
        && std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none()
        && std::env::var(GPU_COMPOSITING_ENV).as_deref() != Ok("1")
    {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

/// Starts the app.
pub fn run() {
    let builder = specta_builder();
    let invoke = builder.invoke_handler();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(invoke)
        .on_page_load(|webview, payload| {
            if payload.event() == PageLoadEvent::Started {
                let app = webview.app_handle().clone();
                tauri::async_runtime::spawn(async move {
                    if let Some(state) = app.try_state::<AppState>() {
                        state.end_engine_sessions("the page loaded again").await;
                    }
                });
            }
        })
        .setup(move |app| {
            let _log_guard = init_tracing(app.path().app_log_dir().ok());
            builder.mount_events(app);
            let notice =
                app.path().app_data_dir().ok().and_then(|dir| {
                    settings::quarantine_if_corrupt(&dir.join(settings::STORE_FILE))
                });
            if let Some(notice) = &notice {
                tracing::warn!(%notice, "settings");
            }
            let profile = commands::settings::load(app.handle())
                .map(|s| s.active())
                .unwrap_or_else(|_| settings::ConnectionProfile::local());
            let logins = Arc::new(registry_logins::RegistryLogins::default());
            let engine = Engine::new(profile, logins.clone());
            engine.spawn_watcher(app.handle().clone());
            app.manage(AppState {
                logins,
                engine,
                consoles: consoles::Consoles::default(),
                follows: Mutex::new(HashMap::new()),
                isolation: Mutex::new(None),
                settings_notice: Mutex::new(notice),
                next_follow: AtomicU32::new(1),
            });
            // The log writer must live as long as the app.
            app.manage(LogGuard(_log_guard));
            Ok(())
        })
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(error) = result {
        tracing::error!(%error, "the app stopped with an error");
        std::process::exit(1);
    }
}

struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Logs to stderr and to a daily-rotated file in the app's log directory.
fn init_tracing(
    log_dir: Option<std::path::PathBuf>,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let filter =
        EnvFilter::try_from_env("SWARMDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let (file, guard) =
        match log_dir.and_then(|dir| std::fs::create_dir_all(&dir).ok().map(|()| dir)) {
            Some(dir) => {
                let appender = tracing_appender::rolling::daily(dir, "swarmdeck.log");
                let (writer, guard) = tracing_appender::non_blocking(appender);
                (
                    Some(
                        tracing_subscriber::fmt::layer()
                            .with_ansi(false)
                            .with_writer(writer),
                    ),
                    Some(guard),
                )
            }
            None => (None, None),
        };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(stderr)
        .with(file)
        .try_init();
    guard
}

#[cfg(test)]
mod tests {
    use specta_typescript::Typescript;

    use super::*;

    /// Regenerates the bindings and fails when the checked-in file differs; `SWARMDECK_WRITE_BINDINGS=1`
    /// writes them instead.
    #[test]
    fn bindings_are_up_to_date() {
        let checked_in = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS_PATH);
        let fresh =
            std::env::temp_dir().join(format!("swarmdeck-bindings-{}.ts", std::process::id()));
        specta_builder()
            .export(Typescript::default(), &fresh)
            .expect("bindings export");
        let generated = std::fs::read_to_string(&fresh).expect("generated bindings");
        let _ = std::fs::remove_file(&fresh);
        if std::env::var("SWARMDECK_WRITE_BINDINGS").is_ok_and(|v| v == "1") {
            std::fs::write(&checked_in, &generated).expect("write bindings");
            return;
        }
        let current = std::fs::read_to_string(&checked_in).unwrap_or_default();
        assert!(
            current == generated,
            "ui/src/bindings.ts is stale: run `make bindings` and commit the result"
        );
    }

    /// The commands registered with the invoke handler, the ACL's list in `command_names.rs` and the window's
    /// capability name the same set, so no command is unreachable or allowed without existing.
    #[test]
    fn the_command_lists_agree() {
        use std::collections::BTreeSet;
        let fresh =
            std::env::temp_dir().join(format!("swarmdeck-commands-{}.ts", std::process::id()));
        specta_builder()
            .export(Typescript::default(), &fresh)
            .expect("bindings export");
        let generated = std::fs::read_to_string(&fresh).expect("generated bindings");
        let _ = std::fs::remove_file(&fresh);
        let registered: BTreeSet<String> = generated
            .split("__TAURI_INVOKE")
            .skip(1)
            // `__TAURI_INVOKE("name", …)` or, for a command without a result, `__TAURI_INVOKE<void>("name")`.
            .filter_map(|rest| rest.split_once("(\"")?.1.split('"').next())
            .map(str::to_string)
            .collect();
        let acl: BTreeSet<String> = command_names::COMMANDS
            .iter()
            .map(|name| name.to_string())
            .collect();
        assert_eq!(registered, acl, "specta_builder() vs command_names.rs");

        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/main.json"))
                .expect("capabilities/main.json");
        let granted: BTreeSet<String> = capability["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|permission| permission.as_str()?.strip_prefix("allow-"))
            .map(|name| name.replace('-', "_"))
            .collect();
        assert_eq!(granted, acl, "capabilities/main.json vs command_names.rs");
    }
}
