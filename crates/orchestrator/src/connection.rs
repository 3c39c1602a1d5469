//! Reaching an engine and watching it: the connection a client makes from an [`Endpoint`], and the engine's
//! `/events` stream as a [`ChangeStream`] of topology changes that also proves, while nothing happens, that the
//! connection still works.
//!
//! `/events` sends nothing while nothing happens, so silence alone proves nothing: every [`LIVENESS_EVERY`] the
//! engine must answer, and the events it logged meanwhile must have come down the stream. A half-open
//! connection (a peer that vanished without closing) therefore ends the stream within
//! [`DISCONNECT_NOTICED_WITHIN`], instead of leaving a client that believes it is connected.

use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use bollard::Docker;
use futures_util::{Stream, StreamExt};

use crate::changes::{cluster_change, ChangeKind};
use crate::engine_role::EngineRole;
use crate::error::{Error, Result};
use crate::tls::{self, Attempt};
use crate::Orchestrator;

/// Seconds an engine request may take before it fails.
const REQUEST_TIMEOUT_SECS: u64 = 120;
/// Events carry no tasks, and a slow subscriber loses events: a periodic resync corrects anything missed.
const RESYNC_EVERY: Duration = Duration::from_secs(30);
/// How often the connection's liveness is checked while the stream runs.
pub const LIVENESS_EVERY: Duration = Duration::from_secs(10);
/// How long a liveness check may take before the engine counts as gone.
const LIVENESS_TIMEOUT: Duration = Duration::from_secs(5);
/// Events younger than this may still be on their way down the stream, so they prove nothing yet.
const EVENT_GRACE_SECS: i64 = 2;
/// The longest a dead or half-open connection can pass for connected: a check's interval, its two calls'
/// timeouts, and the grace given to events in flight.
pub const DISCONNECT_NOTICED_WITHIN: Duration = Duration::from_secs(22);

/// Where an engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `DOCKER_HOST` when set, else the local socket.
    Local,
    /// An engine URL: `unix:///path/docker.sock` or `tcp://host:2375`.
    Host {
        /// The URL.
        url: String,
    },
    /// A TCP engine protected by TLS with client certificates (`dockerd --tlsverify`).
    Tls {
        /// `tcp://host:2376`.
        url: String,
        /// The CA certificate that signed the engine's certificate (PEM file).
        ca_path: String,
        /// The client certificate (PEM file).
        cert_path: String,
        /// The client key (PEM file).
        key_path: String,
    },
}

impl Endpoint {
    /// Where this endpoint points, for messages; the local socket path stays out of them.
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Local => "the local engine".to_string(),
            Endpoint::Host { url } | Endpoint::Tls { url, .. } => url.clone(),
        }
    }

    /// The URL and TLS files, for explaining a failure.
    fn attempt(&self) -> Attempt<'_> {
        match self {
            Endpoint::Local => Attempt {
                url: "the local engine",
                tls: None,
            },
            Endpoint::Host { url } => Attempt { url, tls: None },
            Endpoint::Tls {
                url,
                ca_path,
                cert_path,
                key_path,
            } => Attempt {
                url,
                tls: Some((ca_path, cert_path, key_path)),
            },
        }
    }

    /// Warnings about connecting this way.
    fn notices(&self) -> Vec<String> {
        match self {
            Endpoint::Local => Vec::new(),
            Endpoint::Host { url } => tls::notices(url, false),
            Endpoint::Tls { url, .. } => tls::notices(url, true),
        }
    }

    fn client(&self) -> std::result::Result<Docker, bollard::errors::Error> {
        match self {
            Endpoint::Local => Docker::connect_with_defaults(),
            Endpoint::Host { url } => Docker::connect_with_host(url),
            Endpoint::Tls {
                url,
                ca_path,
                cert_path,
                key_path,
            } => Docker::connect_with_ssl(
                url,
                Path::new(key_path),
                Path::new(cert_path),
                Path::new(ca_path),
                REQUEST_TIMEOUT_SECS,
                bollard::API_DEFAULT_VERSION,
            ),
        }
    }
}

/// A working connection to an engine.
pub struct Connected {
    /// The orchestrator over it.
    pub orchestrator: Orchestrator,
    /// The engine's version, as it reports it.
    pub engine_version: String,
    /// What the engine is in its swarm, and so what can be done through it.
    pub role: EngineRole,
    /// What the user should know about this connection (an unencrypted endpoint, a worker's engine).
    pub notices: Vec<String>,
}

impl Orchestrator {
    /// Connects to the engine at `endpoint` and checks that it answers.
    pub async fn connect(endpoint: &Endpoint) -> Result<Connected> {
        let unreachable = |reason: String| Error::Unreachable {
            endpoint: endpoint.describe(),
            reason,
        };
        let explained = |error: bollard::errors::Error| {
            unreachable(tls::explain(&endpoint.attempt(), &error_chain(&error)))
        };
        if let Endpoint::Tls {
            ca_path,
            cert_path,
            key_path,
            ..
        } = endpoint
        {
            if let Some(problem) = tls::unusable_tls_files(ca_path, cert_path, key_path) {
                return Err(unreachable(problem));
            }
        }
        let docker = endpoint
            .client()
            .map_err(explained)?
            .negotiate_version()
            .await
            .map_err(explained)?;
        // One call says both what the engine runs and what it is in its swarm.
        let info = docker.info().await.map_err(explained)?;
        let engine_version = info.server_version.unwrap_or_default();
        let role = EngineRole::of(info.swarm.unwrap_or_default());
        let mut notices = endpoint.notices();
        notices.extend(role.notice());
        Ok(Connected {
            orchestrator: Orchestrator::new(docker),
            engine_version,
            role,
            notices,
        })
    }

    /// The engine's changes from now on, for as long as the connection works.
    pub async fn changes(&self) -> Result<ChangeStream> {
        let checked_up_to = engine_time(&self.docker).await? + 1;
        Ok(ChangeStream {
            events: Box::pin(
                self.docker
                    .events(None::<bollard::query_parameters::EventsOptions>),
            ),
            docker: self.docker.clone(),
            liveness: tokio::time::interval_at(
                tokio::time::Instant::now() + LIVENESS_EVERY,
                LIVENESS_EVERY,
            ),
            resync: tokio::time::interval_at(
                tokio::time::Instant::now() + RESYNC_EVERY,
                RESYNC_EVERY,
            ),
            newest_seen: 0,
            checked_up_to,
        })
    }
}

/// What a [`ChangeStream`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// An engine event changed something the topology shows.
    Object {
        /// What kind of object changed.
        kind: ChangeKind,
        /// The engine's action (`create`, `update`, `die`, …).
        action: String,
        /// The object's id.
        id: String,
    },
    /// Nothing in particular: read everything again, because events may have been missed.
    Resync,
}

type EventStream = Pin<
    Box<
        dyn Stream<
                Item = std::result::Result<bollard::models::EventMessage, bollard::errors::Error>,
            > + Send,
    >,
>;

/// The engine's `/events` as topology changes, checked for liveness; see the module comment.
pub struct ChangeStream {
    events: EventStream,
    docker: Docker,
    liveness: tokio::time::Interval,
    resync: tokio::time::Interval,
    /// Engine time (Unix nanoseconds) of the newest event the stream delivered.
    newest_seen: i64,
    /// How far (Unix seconds, the engine's clock, never ours) the events the engine logged have been compared
    /// with the stream. Events of the second the stream was opened in may predate it, so it starts after that.
    checked_up_to: i64,
}

impl ChangeStream {
    /// The next change. An error means the connection is gone (the stream ended or failed, or a liveness check
    /// failed); the stream is of no further use then. Dropping the future mid-way can skip one liveness check,
    /// so callers wait on it alone, or end the stream when they stop waiting.
    pub async fn next(&mut self) -> Result<Change> {
        loop {
            tokio::select! {
                event = self.events.next() => match event {
                    Some(Ok(message)) => {
                        self.newest_seen = self.newest_seen.max(message.time_nano.unwrap_or(0));
                        let action = message.action.unwrap_or_default();
                        let kind = message
                            .typ
                            .and_then(|event_type| cluster_change(event_type.as_ref(), &action));
                        if let Some(kind) = kind {
                            let id = message.actor.and_then(|actor| actor.id).unwrap_or_default();
                            return Ok(Change::Object { kind, action, id });
                        }
                    }
                    Some(Err(error)) => {
                        return Err(lost(format!("the engine's event stream failed: {error}")))
                    }
                    None => return Err(lost("the engine closed its event stream".to_string())),
                },
                _ = self.resync.tick() => return Ok(Change::Resync),
                _ = self.liveness.tick() => {
                    let until = check_liveness(&self.docker, self.checked_up_to, self.newest_seen).await?;
                    self.checked_up_to = self.checked_up_to.max(until);
                }
            }
        }
    }
}

/// An error with every cause it wraps: the TLS alert that explains a failed handshake is a few causes down.
fn error_chain(error: &bollard::errors::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn lost(reason: String) -> Error {
    Error::EventsLost { reason }
}

/// The engine's clock, in Unix seconds.
async fn engine_time(docker: &Docker) -> Result<i64> {
    let info = tokio::time::timeout(LIVENESS_TIMEOUT, docker.info())
        .await
        .map_err(|_| {
            lost(format!(
                "the engine did not answer within {} s",
                LIVENESS_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|error| lost(format!("the engine stopped answering: {error}")))?;
    info.system_time
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.timestamp())
        .ok_or_else(|| lost("the engine did not say what time it is".to_string()))
}

/// Whether the connection still works: the engine answers, and every event it logged since `since` (Unix seconds,
/// engine clock) up to a moment ago reached the stream, which has delivered events up to `newest_seen` (Unix
/// nanoseconds). Returns how far the comparison got.
async fn check_liveness(docker: &Docker, since: i64, newest_seen: i64) -> Result<i64> {
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
            Some(at) => Err(lost(format!(
                "the engine's event stream went silent: an event the engine logged at {} never arrived",
                chrono::DateTime::from_timestamp_nanos(at).to_rfc3339()
            ))),
            None => Ok(until),
        }
    };
    tokio::time::timeout(LIVENESS_TIMEOUT, check)
        .await
        .unwrap_or_else(|_| {
            Err(lost(format!(
                "the engine did not answer a liveness check within {} s",
                LIVENESS_TIMEOUT.as_secs()
            )))
        })
}

/// An event the engine logged (Unix nanoseconds) that is newer than anything the stream delivered.
fn missed_event(logged: &[i64], newest_seen: i64) -> Option<i64> {
    logged.iter().copied().filter(|at| *at > newest_seen).max()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
