//! An organization's secrets and configs: versions, who uses them, what a rotation did.

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use super::DeployOutcome;

/// Which kind of swarm object carries a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// Encrypted at rest; mounted on a tmpfs.
    Secret,
    /// Plain.
    Config,
}

impl From<FileKind> for core::FileKind {
    fn from(value: FileKind) -> Self {
        match value {
            FileKind::Secret => core::FileKind::Secret,
            FileKind::Config => core::FileKind::Config,
        }
    }
}

impl From<core::FileKind> for FileKind {
    fn from(value: core::FileKind) -> Self {
        match value {
            core::FileKind::Secret => FileKind::Secret,
            core::FileKind::Config => FileKind::Config,
        }
    }
}

/// One version of an organization's secret or config, and who uses it (never its value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct OrgFile {
    /// Secret or config.
    pub kind: FileKind,
    /// Its name in the organization.
    pub name: String,
    /// The first 12 hex digits of the content's SHA-256.
    pub version: String,
    /// The swarm object's name.
    pub object_name: String,
    /// When the swarm created it (RFC 3339).
    pub created_at: Option<String>,
    /// Services mounting this version.
    pub services: Vec<String>,
}

impl From<core::OrgFile> for OrgFile {
    fn from(value: core::OrgFile) -> Self {
        OrgFile {
            kind: value.kind.into(),
            name: value.name,
            version: value.version,
            object_name: value.object_name,
            created_at: value.created_at,
            services: value.services,
        }
    }
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Rotation {
    /// The new version.
    pub version: String,
    /// Each service moved onto it.
    pub updated: Vec<DeployOutcome>,
    /// Older versions removed.
    pub removed: Vec<String>,
}

impl From<core::Rotation> for Rotation {
    fn from(value: core::Rotation) -> Self {
        Rotation {
            version: value.version,
            updated: value.updated.into_iter().map(Into::into).collect(),
            removed: value.removed,
        }
    }
}
