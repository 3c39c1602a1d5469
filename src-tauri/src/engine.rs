//! The engine connection: one long-lived watcher owns it, reconnects with backoff, and turns the engine's
//! `/events` stream into typed UI events. Commands borrow the current connection.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use swarmdeck_orchestrator::{changes, Docker, Orchestrator};
use tauri::AppHandle;
use tauri_specta::Event as _;
use tokio::sync::{Notify, RwLock};
use tracing::{info, warn};

use crate::error::{redact_socket, AppError, CommandResult};
use crate::events::{ChangeKind, ClusterChanged, ConnectionChanged, ConnectionState};
use crate::settings::ConnectionProfile;

/// Events carry no tasks, and a slow subscriber loses events: a periodic resync corrects anything missed.
const RECONCILE_EVERY: Duration = Duration::from_secs(30);
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LONGEST_RETRY: Duration = Duration::from_secs(10);

/// Shared connection state, managed by Tauri.
pub struct Engine {
    orchestrator: RwLock<Option<Orchestrator>>,
    state: RwLock<ConnectionState>,
    profile: RwLock<ConnectionProfile>,
    reconnect: Notify,
}

impl Engine {
    /// A disconnected engine that will use `profile` once the watcher starts.
    pub fn new(profile: ConnectionProfile) -> Arc<Self> {
        Arc::new(Engine {
            orchestrator: RwLock::new(None),
            state: RwLock::new(ConnectionState::Connecting),
            profile: RwLock::new(profile),
            reconnect: Notify::new(),
        })
    }

    /// The current connection, or why there is none.
    pub async fn orchestrator(&self) -> CommandResult<Orchestrator> {
        if let Some(orchestrator) = self.orchestrator.read().await.clone() {
            return Ok(orchestrator);
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
    pub async fn use_profile(&self, profile: ConnectionProfile) {
        let mut current = self.profile.write().await;
        // Saving a theme must not drop a working connection: only a different engine is worth reconnecting.
        if *current == profile {
            return;
        }
        *current = profile;
        drop(current);
        self.reconnect.notify_one();
    }

    /// Retries at once instead of waiting for the backoff.
    pub fn retry_now(&self) {
        self.reconnect.notify_one();
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
            let reason = match connect(&profile).await {
                Ok((orchestrator, version)) => {
                    failures = 0;
                    info!(%version, profile = %profile.name, "engine connected");
                    *self.orchestrator.write().await = Some(orchestrator.clone());
                    self.set_state(
                        &app,
                        ConnectionState::Connected {
                            engine_version: version,
                        },
                    )
                    .await;
                    emit_change(&app, ChangeKind::Resync, "connected", "");
                    let reason = self.follow_events(&app, &orchestrator).await;
                    *self.orchestrator.write().await = None;
                    reason
                }
                Err(reason) => reason,
            };
            let delay = backoff(failures);
            failures = failures.saturating_add(1);
            warn!(%reason, ?delay, "engine unavailable");
            let retry_in_ms = u32::try_from(delay.as_millis()).unwrap_or(u32::MAX);
            self.set_state(
                &app,
                ConnectionState::Disconnected {
                    reason,
                    retry_in_ms,
                },
            )
            .await;
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = self.reconnect.notified() => {}
            }
        }
    }

    /// Forwards engine events until the stream ends (the engine went away) or a reconnect is asked for.
    async fn follow_events(&self, app: &AppHandle, orchestrator: &Orchestrator) -> String {
        let mut events = orchestrator
            .docker()
            .events(None::<bollard::query_parameters::EventsOptions>);
        let mut reconcile = tokio::time::interval(RECONCILE_EVERY);
        reconcile.tick().await;
        loop {
            tokio::select! {
                event = events.next() => match event {
                    Some(Ok(message)) => {
                        let action = message.action.as_deref().unwrap_or("");
                        if let Some(kind) = message.typ.and_then(|t| change_kind(t.as_ref(), action)) {
                            let id = message.actor.and_then(|a| a.id).unwrap_or_default();
                            emit_change(app, kind, action, &id);
                        }
                    }
                    Some(Err(error)) => return redact_socket(&format!("the engine's event stream failed: {error}")),
                    None => return "the engine closed its event stream".to_string(),
                },
                _ = reconcile.tick() => emit_change(app, ChangeKind::Resync, "reconcile", ""),
                () = self.reconnect.notified() => return "reconnecting with another profile".to_string(),
            }
        }
    }

    async fn set_state(&self, app: &AppHandle, state: ConnectionState) {
        *self.state.write().await = state.clone();
        if let Err(error) = ConnectionChanged(state).emit(app) {
            warn!(%error, "connection state not delivered to the UI");
        }
    }
}

async fn connect(profile: &ConnectionProfile) -> Result<(Orchestrator, String), String> {
    let docker = profile
        .docker()
        .map_err(|e| redact_socket(&e.to_string()))?;
    let docker: Docker = docker.negotiate_version().await.map_err(|e| {
        redact_socket(&format!(
            "no Docker engine answers at {}: {e}",
            profile.describe()
        ))
    })?;
    let version = docker
        .version()
        .await
        .map_err(|e| {
            redact_socket(&format!(
                "the engine at {} does not answer: {e}",
                profile.describe()
            ))
        })?
        .version
        .unwrap_or_default();
    Ok((Orchestrator::new(docker), version))
}

fn change_kind(event_type: &str, action: &str) -> Option<ChangeKind> {
    changes::cluster_change(event_type, action).map(Into::into)
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

    #[test]
    fn engine_events_map_to_change_kinds() {
        assert_eq!(change_kind("service", "update"), Some(ChangeKind::Service));
        assert_eq!(change_kind("container", "die"), Some(ChangeKind::Container));
        assert_eq!(change_kind("container", "exec_die"), None);
        assert_eq!(change_kind("image", "pull"), None);
    }
}
