//! The engine connection: one long-lived watcher owns it, reconnects with backoff, and turns the core's change
//! stream into typed UI events. Commands borrow the current connection.

use std::sync::Arc;
use std::time::Duration;

use swarmdeck_orchestrator::{Change, ChangeStream, Orchestrator};
use tauri::{AppHandle, Manager};
use tauri_specta::Event as _;
use tokio::sync::{Notify, RwLock};
use tracing::{info, warn};

use crate::error::{redact_socket, AppError, CommandResult};
use crate::events::{ChangeKind, ClusterChanged, ConnectionChanged, ConnectionState};
use crate::registry_logins::RegistryLogins;
use crate::settings::ConnectionProfile;

const FIRST_RETRY: Duration = Duration::from_millis(500);
const LONGEST_RETRY: Duration = Duration::from_secs(10);
/// A connection that lasted this long was a working one: the next failure starts the backoff afresh.
const STABLE_AFTER: Duration = Duration::from_secs(30);

/// Shared connection state, managed by Tauri.
pub struct Engine {
    orchestrator: RwLock<Option<Orchestrator>>,
    state: RwLock<ConnectionState>,
    profile: RwLock<ConnectionProfile>,
    /// Wakes the watcher waiting to retry; a working connection never listens to it.
    retry: Notify,
    /// Drops the current connection for another profile.
    profile_changed: Notify,
    /// Passwords of the profiles' registry logins.
    logins: Arc<RegistryLogins>,
}

impl Engine {
    /// A disconnected engine that will use `profile` once the watcher starts.
    pub fn new(profile: ConnectionProfile, logins: Arc<RegistryLogins>) -> Arc<Self> {
        Arc::new(Engine {
            orchestrator: RwLock::new(None),
            state: RwLock::new(ConnectionState::Connecting {
                profile: profile.label(),
            }),
            profile: RwLock::new(profile),
            retry: Notify::new(),
            profile_changed: Notify::new(),
            logins,
        })
    }

    /// The current connection, with the profile's registry logins as they are now, or why there is none.
    pub async fn orchestrator(&self) -> CommandResult<Orchestrator> {
        if let Some(orchestrator) = self.orchestrator.read().await.clone() {
            let credentials = self.logins.credentials(&*self.profile.read().await);
            return Ok(orchestrator.with_registry_credentials(credentials));
        }
        let message = match &*self.state.read().await {
            ConnectionState::Disconnected { reason, .. } => reason.clone(),
            _ => "connecting to the engine".to_string(),
        };
        Err(AppError::EngineUnavailable { message })
    }

    /// The state the UI shows.
    pub async fn state(&self) -> ConnectionState {
        self.state.read().await.clone()
    }

    /// Switches to another connection profile and reconnects now; the profile in use again changes nothing.
    /// Returns whether the engine changed.
    pub async fn use_profile(&self, profile: ConnectionProfile) -> bool {
        let mut current = self.profile.write().await;
        // Saving a theme or a registry login must not drop a working connection: only a different engine is
        // worth reconnecting.
        let same_engine = current.name == profile.name && current.kind == profile.kind;
        *current = profile;
        if same_engine {
            return false;
        }
        drop(current);
        self.profile_changed.notify_one();
        self.retry.notify_waiters();
        true
    }

    /// Retries at once instead of waiting for the backoff. Only a watcher waiting to retry hears it: asked while
    /// connected, it changes nothing (and is not remembered for later).
    pub fn retry_now(&self) {
        self.retry.notify_waiters();
    }

    /// Runs the connection for the life of the app.
    pub fn spawn_watcher(self: &Arc<Self>, app: AppHandle) {
        let engine = self.clone();
        tauri::async_runtime::spawn(async move { engine.watch(app).await });
    }

    async fn watch(self: Arc<Self>, app: AppHandle) {
        let mut failures: u32 = 0;
        loop {
            let profile = self.profile.read().await.clone();
            let label = profile.label();
            let connection = match profile.endpoint() {
                Ok(endpoint) => Orchestrator::connect(&endpoint)
                    .await
                    .map_err(|error| error.to_string()),
                Err(problem) => Err(problem),
            };
            let reason = match connection {
                Ok(connected) => {
                    let orchestrator = connected.orchestrator;
                    let connected_at = tokio::time::Instant::now();
                    info!(version = %connected.engine_version, profile = %profile.name, "engine connected");
                    for notice in &connected.notices {
                        warn!(%notice, profile = %profile.name, "connection");
                    }
                    *self.orchestrator.write().await = Some(orchestrator.clone());
                    let manager_hosts = connected.role.manager_hosts();
                    self.set_state(
                        &app,
                        ConnectionState::Connected {
                            profile: label.clone(),
                            engine_version: connected.engine_version,
                            notices: connected.notices,
                            manager_hosts,
                        },
                    )
                    .await;
                    emit_change(&app, ChangeKind::Resync, "connected", "");
                    // Probes of an isolation check whose app or CLI was killed are removed as soon as anyone
                    // connects, not when they grow old.
                    let sweeper = orchestrator.clone();
                    tauri::async_runtime::spawn(async move {
                        sweeper.sweep_abandoned_probes().await;
                    });
                    let reason = self.follow_events(&app, &orchestrator).await;
                    *self.orchestrator.write().await = None;
                    failures = failures_after_connection(failures, connected_at.elapsed());
                    reason
                }
                Err(error) => redact_socket(&error),
            };
            let delay = backoff(failures);
            failures = failures.saturating_add(1);
            warn!(%reason, ?delay, "engine unavailable");
            let retry_in_ms = u32::try_from(delay.as_millis()).unwrap_or(u32::MAX);
            self.set_state(
                &app,
                ConnectionState::Disconnected {
                    profile: label,
                    reason,
                    retry_in_ms,
                },
            )
            .await;
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.retry.notified() => {}
            }
        }
    }

    /// Forwards engine changes until the connection is lost (the stream ended, or a liveness check failed on a
    /// dead or half-open connection) or another profile is chosen.
    async fn follow_events(&self, app: &AppHandle, orchestrator: &Orchestrator) -> String {
        let mut changes: ChangeStream = match orchestrator.changes().await {
            Ok(changes) => changes,
            Err(error) => return redact_socket(&error.to_string()),
        };
        loop {
            tokio::select! {
                change = changes.next() => match change {
                    Ok(Change::Object { kind, action, id }) => emit_change(app, kind.into(), &action, &id),
                    Ok(Change::Resync) => emit_change(app, ChangeKind::Resync, "reconcile", ""),
                    Err(error) => return redact_socket(&error.to_string()),
                },
                () = self.profile_changed.notified() => return "reconnecting with another profile".to_string(),
            }
        }
    }

    async fn set_state(&self, app: &AppHandle, state: ConnectionState) {
        let profile = match &state {
            ConnectionState::Connecting { profile }
            | ConnectionState::Connected { profile, .. }
            | ConnectionState::Disconnected { profile, .. } => profile,
        };
        // The window's title names the engine the user is acting on, where a taskbar or window switcher shows it.
        if let Some(window) = app.get_webview_window("main") {
            if let Err(error) = window.set_title(&format!("Swarmdeck — {profile}")) {
                warn!(%error, "window title not set");
            }
        }
        *self.state.write().await = state.clone();
        if let Err(error) = ConnectionChanged(state).emit(app) {
            warn!(%error, "connection state not delivered to the UI");
        }
    }
}

/// Failures counted after a connection ends: one that lasted was a working connection, so the backoff starts
/// afresh; one that failed at once counts as another failure, so a flapping engine is retried ever more slowly
/// instead of every 500 ms.
fn failures_after_connection(failures: u32, lasted: Duration) -> u32 {
    if lasted >= STABLE_AFTER {
        0
    } else {
        failures
    }
}

fn emit_change(app: &AppHandle, kind: ChangeKind, action: &str, id: &str) {
    let change = ClusterChanged {
        kind,
        action: action.to_string(),
        id: id.to_string(),
    };
    if let Err(error) = change.emit(app) {
        warn!(%error, "cluster change not delivered to the UI");
    }
}

fn backoff(failures: u32) -> Duration {
    FIRST_RETRY
        .saturating_mul(2_u32.saturating_pow(failures))
        .min(LONGEST_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_a_ceiling() {
        let delays: Vec<u128> = (0..6).map(|n| backoff(n).as_millis()).collect();
        assert_eq!(delays, vec![500, 1000, 2000, 4000, 8000, 10000]);
    }

    /// "Retry" pressed while connected must neither drop the working connection nor be remembered as a reason
    /// to skip the next backoff; only a different profile drops it.
    #[tokio::test]
    async fn retry_while_connected_keeps_the_connection() {
        let engine = Engine::new(ConnectionProfile::local(), Default::default());
        engine.retry_now();
        let dropped =
            tokio::time::timeout(Duration::from_millis(50), engine.profile_changed.notified());
        assert!(dropped.await.is_err(), "retry dropped a working connection");
        let remembered = tokio::time::timeout(Duration::from_millis(50), engine.retry.notified());
        assert!(
            remembered.await.is_err(),
            "a retry while connected was kept for later"
        );
        engine.use_profile(ConnectionProfile::local()).await;
        let same =
            tokio::time::timeout(Duration::from_millis(50), engine.profile_changed.notified());
        assert!(
            same.await.is_err(),
            "saving the same profile dropped the connection"
        );
    }

    #[test]
    fn a_connection_that_fails_at_once_keeps_backing_off() {
        let mut failures = 0;
        let mut delays = Vec::new();
        for _ in 0..5 {
            failures = failures_after_connection(failures, Duration::from_millis(50));
            delays.push(backoff(failures).as_millis());
            failures += 1;
        }
        assert_eq!(delays, vec![500, 1000, 2000, 4000, 8000]);
        assert_eq!(failures_after_connection(4, STABLE_AFTER), 0);
    }
}
