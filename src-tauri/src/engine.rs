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
/// How often the connection's liveness is checked while connected. `/events` sends nothing while nothing happens,
/// so silence alone proves nothing: a ping must answer, and the events the engine logged meanwhile must have come.
const LIVENESS_EVERY: Duration = Duration::from_secs(10);
/// How long a liveness check may take before the engine counts as gone.
const LIVENESS_TIMEOUT: Duration = Duration::from_secs(5);
/// Events younger than this may still be on their way down the stream, so they prove nothing yet.
const EVENT_GRACE_SECS: i64 = 2;
/// A connection that lasted this long was a working one: the next failure starts the backoff afresh.
const STABLE_AFTER: Duration = Duration::from_secs(30);
/// The longest a dead or half-open connection can pass for connected: a check's interval, its two calls'
/// timeouts, and the grace given to events in flight.
pub const DISCONNECT_NOTICED_WITHIN: Duration = Duration::from_secs(22);

/// Shared connection state, managed by Tauri.
pub struct Engine {
    orchestrator: RwLock<Option<Orchestrator>>,
    state: RwLock<ConnectionState>,
    profile: RwLock<ConnectionProfile>,
    /// Wakes the watcher waiting to retry; a working connection never listens to it.
    retry: Notify,
    /// Drops the current connection for another profile.
    profile_changed: Notify,
}

impl Engine {
    /// A disconnected engine that will use `profile` once the watcher starts.
    pub fn new(profile: ConnectionProfile) -> Arc<Self> {
        Arc::new(Engine {
            orchestrator: RwLock::new(None),
            state: RwLock::new(ConnectionState::Connecting),
            profile: RwLock::new(profile),
            retry: Notify::new(),
            profile_changed: Notify::new(),
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
        self.profile_changed.notify_one();
        self.retry.notify_waiters();
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
            let reason = match connect(&profile).await {
                Ok((orchestrator, version)) => {
                    let connected_at = tokio::time::Instant::now();
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
                () = self.retry.notified() => {}
            }
        }
    }

    /// Forwards engine events until the stream ends (the engine went away), a liveness check fails (a dead or
    /// half-open connection), or another profile is chosen.
    async fn follow_events(&self, app: &AppHandle, orchestrator: &Orchestrator) -> String {
        let docker = orchestrator.docker();
        let mut events = docker.events(None::<bollard::query_parameters::EventsOptions>);
        let mut reconcile = tokio::time::interval(RECONCILE_EVERY);
        reconcile.tick().await;
        let mut liveness = tokio::time::interval(LIVENESS_EVERY);
        liveness.tick().await;
        // Engine time (Unix nanoseconds) of the newest event the stream delivered, and (Unix seconds, the engine's
        // clock, never ours) how far the events the engine logged have been compared with it. Events of the second
        // the stream was opened in may predate it, so the comparison starts after that.
        let mut newest_seen: i64 = 0;
        let mut checked_up_to = match engine_time(docker).await {
            Ok(now) => now + 1,
            Err(reason) => return redact_socket(&reason),
        };
        loop {
            tokio::select! {
                event = events.next() => match event {
                    Some(Ok(message)) => {
                        newest_seen = newest_seen.max(message.time_nano.unwrap_or(0));
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
                _ = liveness.tick() => match check_liveness(docker, checked_up_to, newest_seen).await {
                    Ok(until) => checked_up_to = checked_up_to.max(until),
                    Err(reason) => return redact_socket(&reason),
                },
                () = self.profile_changed.notified() => return "reconnecting with another profile".to_string(),
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

/// The engine's clock, in Unix seconds.
async fn engine_time(docker: &Docker) -> Result<i64, String> {
    let info = tokio::time::timeout(LIVENESS_TIMEOUT, docker.info())
        .await
        .map_err(|_| {
            format!(
                "the engine did not answer within {} s",
                LIVENESS_TIMEOUT.as_secs()
            )
        })?
        .map_err(|e| format!("the engine stopped answering: {e}"))?;
    info.system_time
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.timestamp())
        .ok_or_else(|| "the engine did not say what time it is".to_string())
}

/// Whether the connection still works: the engine answers, and every event it logged since `since` (Unix seconds,
/// engine clock) up to a moment ago reached the stream, which has delivered events up to `newest_seen` (Unix
/// nanoseconds). Returns how far the comparison got.
async fn check_liveness(docker: &Docker, since: i64, newest_seen: i64) -> Result<i64, String> {
    let until = engine_time(docker).await? - EVENT_GRACE_SECS;
    let check = async {
        if until <= since {
            return Ok(since);
        }
        let options = bollard::query_parameters::EventsOptions {
            since: Some(since.to_string()),
            until: Some(until.to_string()),
            filters: None,
        };
        let logged: Vec<i64> = docker
            .events(Some(options))
            .filter_map(|event| async move { event.ok()?.time_nano })
            .collect()
            .await;
        match missed_event(&logged, newest_seen) {
            Some(at) => Err(format!(
                "the engine's event stream went silent: an event the engine logged at {} never arrived",
                chrono::DateTime::from_timestamp_nanos(at).to_rfc3339()
            )),
            None => Ok(until),
        }
    };
    tokio::time::timeout(LIVENESS_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "the engine did not answer a liveness check within {} s",
                LIVENESS_TIMEOUT.as_secs()
            ))
        })
}

/// An event the engine logged (Unix nanoseconds) that is newer than anything the stream delivered.
fn missed_event(logged: &[i64], newest_seen: i64) -> Option<i64> {
    logged.iter().copied().filter(|at| *at > newest_seen).max()
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

    /// "Retry" pressed while connected must neither drop the working connection nor be remembered as a reason
    /// to skip the next backoff; only a different profile drops it.
    #[tokio::test]
    async fn retry_while_connected_keeps_the_connection() {
        let engine = Engine::new(ConnectionProfile::local());
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

    #[test]
    fn an_event_newer_than_the_stream_delivered_means_the_stream_is_silent() {
        assert_eq!(missed_event(&[10, 20], 20), None);
        assert_eq!(missed_event(&[10, 30, 25], 20), Some(30));
        assert_eq!(missed_event(&[], 0), None);
        assert!(
            DISCONNECT_NOTICED_WITHIN
                >= LIVENESS_EVERY + LIVENESS_TIMEOUT * 2 + Duration::from_secs(2),
            "the stated bound covers a check's interval, its timeout and the events' grace"
        );
    }

    #[test]
    fn engine_events_map_to_change_kinds() {
        assert_eq!(change_kind("service", "update"), Some(ChangeKind::Service));
        assert_eq!(change_kind("container", "die"), Some(ChangeKind::Container));
        assert_eq!(change_kind("container", "exec_die"), None);
        assert_eq!(change_kind("image", "pull"), None);
    }
}
