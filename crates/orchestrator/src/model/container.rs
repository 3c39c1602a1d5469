//! What a compose file can say about a service beyond the deploy form: its process, published ports, labels,
//! restart and rollback policies. A service deployed from the form has none of it (the default).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{duration_ms, UpdatePolicy};

/// The container-level settings of a service that only a compose file sets.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerSetup {
    /// Replaces the image's entrypoint (the engine's `Command`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// Replaces the image's command (the engine's `Args`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Ports published outside the organization network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub published_ports: Vec<PublishedPort>,
    /// The user's own service labels (compose `deploy.labels`); `io.swarmdeck.*` keys are ours and refused.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// When the swarm restarts a task; ours (on failure, 5 s, 5 attempts in 2 min) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// How the swarm rolls an update back; derived from the update policy when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_policy: Option<UpdatePolicy>,
    /// Volumes and host folders mounted into each task.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    /// Secrets and configs the swarm writes into each task as files, each at a version of its content.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileMount>,
}

impl ContainerSetup {
    /// Whether nothing beyond the deploy form is set.
    pub fn is_default(&self) -> bool {
        *self == ContainerSetup::default()
    }
}

/// A volume of the organization, or a folder of the host, mounted into each task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// Volume or bind.
    pub kind: MountKind,
    /// The volume's name in the organization (the engine's is `org-{org}-{name}`), or an absolute host path.
    pub source: String,
    /// Absolute path inside the task.
    pub target: String,
    /// Mounted read-only.
    #[serde(default)]
    pub read_only: bool,
}

/// What a mount's source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A named volume of the organization, created by the engine on each node that runs a task.
    Volume,
    /// A folder or file of the node's own filesystem.
    Bind,
}

/// A secret or config written into each task as a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMount {
    /// Secret or config.
    pub kind: FileKind,
    /// Its name in the organization.
    pub name: String,
    /// The version of its content: the first 12 hex digits of its SHA-256, so a record names exactly the content
    /// a deployment ran with.
    pub version: String,
    /// Absolute path of the file inside the task.
    pub target: String,
}

/// Which kind of swarm object carries a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// Encrypted at rest in the swarm; mounted on a tmpfs.
    Secret,
    /// Plain.
    Config,
}

impl FileKind {
    /// The compose and engine spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Secret => "secret",
            FileKind::Config => "config",
        }
    }
}

/// A port published through the swarm's routing mesh or on the node that runs the task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedPort {
    /// The port inside the task.
    pub target: u16,
    /// The port outside; the swarm picks one when absent.
    #[serde(default)]
    pub published: Option<u16>,
    /// `tcp`, `udp` or `sctp`.
    #[serde(default)]
    pub protocol: PortProtocol,
    /// Routing mesh (`ingress`) or the task's own node (`host`).
    #[serde(default)]
    pub mode: PublishMode,
}

/// A published port's transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PortProtocol {
    /// TCP.
    #[default]
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl PortProtocol {
    /// The compose and engine spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PortProtocol::Tcp => "tcp",
            PortProtocol::Udp => "udp",
            PortProtocol::Sctp => "sctp",
        }
    }
}

/// Where a published port listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishMode {
    /// Every node, through the routing mesh.
    #[default]
    Ingress,
    /// Only the node running the task.
    Host,
}

impl PublishMode {
    /// The compose and engine spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PublishMode::Ingress => "ingress",
            PublishMode::Host => "host",
        }
    }
}

/// When the swarm restarts a task whose container exited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartPolicy {
    /// On which exits.
    pub condition: RestartCondition,
    /// Wait before a restart.
    #[serde(with = "duration_ms")]
    pub delay: Duration,
    /// Restarts allowed within `window`; `None` for no limit.
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Window in which attempts are counted; `None` for ever.
    #[serde(default, with = "optional_duration_ms")]
    pub window: Option<Duration>,
}

/// Which exits of a task's container lead to a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartCondition {
    /// Never restart.
    None,
    /// Only after a non-zero exit.
    OnFailure,
    /// After any exit.
    Any,
}

impl RestartCondition {
    /// The compose and engine spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RestartCondition::None => "none",
            RestartCondition::OnFailure => "on-failure",
            RestartCondition::Any => "any",
        }
    }
}

mod optional_duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => serializer.serialize_some(&(duration.as_millis() as u64)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(deserializer)?.map(Duration::from_millis))
    }
}
