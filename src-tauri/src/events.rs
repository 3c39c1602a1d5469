//! Typed events the backend pushes to the UI.

use serde::{Deserialize, Serialize};
use swarmdeck_orchestrator::changes;

/// The engine connection as the UI should show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// The first attempt is under way.
    Connecting {
        /// The profile's name as people read it.
        profile: String,
    },
    /// The engine answers.
    Connected {
        /// The profile's name as people read it.
        profile: String,
        /// The engine's version.
        engine_version: String,
        /// What the user should know about this connection: an unencrypted endpoint, a worker's engine.
        notices: Vec<String>,
        /// When the engine is a swarm worker: its managers' hosts, from its own swarm info, to connect to
        /// instead.
        manager_hosts: Vec<String>,
    },
    /// No engine answers; the app retries by itself.
    Disconnected {
        /// The profile's name as people read it.
        profile: String,
        /// What failed, in words.
        reason: String,
        /// When the next attempt starts, in milliseconds.
        retry_in_ms: u32,
    },
}

/// What kind of object changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A service.
    Service,
    /// A network.
    Network,
    /// A node.
    Node,
    /// A container (the only view of tasks the event stream gives).
    Container,
    /// A swarm config (deployment records).
    Config,
    /// Anything may have changed (after a reconnect, or the slow reconcile): refetch everything.
    Resync,
}

impl From<changes::ChangeKind> for ChangeKind {
    fn from(kind: changes::ChangeKind) -> Self {
        match kind {
            changes::ChangeKind::Service => ChangeKind::Service,
            changes::ChangeKind::Network => ChangeKind::Network,
            changes::ChangeKind::Node => ChangeKind::Node,
            changes::ChangeKind::Container => ChangeKind::Container,
            changes::ChangeKind::Config => ChangeKind::Config,
        }
    }
}

/// Something in the swarm changed; the UI refetches what it shows of that kind.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, tauri_specta::Event,
)]
pub struct ClusterChanged {
    /// What kind of object.
    pub kind: ChangeKind,
    /// The engine's action (`create`, `update`, `remove`, `health_status: healthy`, …).
    pub action: String,
    /// The object's id.
    pub id: String,
}

/// The engine connection changed; the payload is the new state.
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, tauri_specta::Event,
)]
pub struct ConnectionChanged(pub ConnectionState);
