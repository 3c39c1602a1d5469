//! `secret` and `config`: an organization's files, by name, each content a version.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::policy::GateArgs;

#[derive(Debug, Subcommand)]
pub enum FileCommand {
    /// Create a version from a value or a file.
    Create {
        /// Organization id.
        org: String,
        /// Name in the organization.
        name: String,
        #[command(flatten)]
        value: ValueArgs,
    },
    /// Every version of the organization's, with the services using each (never the value).
    Ls {
        /// Organization id.
        org: String,
    },
    /// Mount the newest version into a service as a file (a deployment through the health gate).
    Attach {
        /// Swarm service name.
        service: String,
        /// Name in the service's organization.
        name: String,
        /// Absolute path in the task [default: /run/secrets/NAME for a secret, /NAME for a config].
        #[arg(long, value_name = "PATH")]
        path: Option<String>,
        #[command(flatten)]
        gate: GateArgs,
    },
    /// Create a new version and roll it out to every service using the name; older versions are removed after.
    Rotate {
        /// Organization id.
        org: String,
        /// Name in the organization.
        name: String,
        #[command(flatten)]
        value: ValueArgs,
        /// Keep the older versions (so a rollback to a deployment before the rotation can bring one back).
        #[arg(long)]
        keep_old: bool,
        #[command(flatten)]
        gate: GateArgs,
    },
    /// Remove every version; refused while a service uses one.
    Rm {
        /// Organization id.
        org: String,
        /// Name in the organization.
        name: String,
    },
}

/// Where the content comes from.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ValueArgs {
    /// The content, as typed (it stays in the shell's history: prefer --file for real secrets).
    #[arg(long, value_name = "TEXT")]
    pub value: Option<String>,
    /// Read the content from this file (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}
