//! `swarmdeck stack …`: compose files in and out of an organization.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::policy::GateArgs;

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Deploy a compose file into an organization as one stack deployment: a preview, then each service in
    /// `depends_on` order through its health gate; when one fails, the whole stack is put back.
    Deploy(StackDeployArgs),
    /// Roll the organization's stack back to an earlier stack deployment (the previous one by default).
    Rollback {
        /// Organization id.
        org: String,
        /// The stack deployment to restore (see `stack history`).
        #[arg(long, value_name = "STACK_ID")]
        to: Option<String>,
        #[command(flatten)]
        gate: GateArgs,
    },
    /// The organization's last stack deployments, newest first.
    History {
        /// Organization id.
        org: String,
    },
    /// Print the organization's services — or a stack made by `docker stack deploy` (`--stack`) — as a compose
    /// file (`docker stack deploy` reads it; so does `stack deploy`).
    Export {
        /// Organization id.
        #[arg(required_unless_present = "stack", conflicts_with = "stack")]
        org: Option<String>,
        /// A stack made outside Swarmdeck, by its name.
        #[arg(long, value_name = "NAME")]
        stack: Option<String>,
    },
    /// Stacks made outside Swarmdeck (`docker stack deploy`), which `stack adopt` can take into an organization.
    Foreign,
    /// Take a stack made by `docker stack deploy` into an organization: its services recreated on the
    /// organization's network as one stack deployment (each through its health gate), then the originals removed.
    Adopt {
        /// The stack's name.
        stack: String,
        /// The organization that takes it.
        #[arg(long)]
        org: String,
        /// Show what would be created and stop.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        gate: GateArgs,
    },
}

#[derive(Debug, Args)]
pub struct StackDeployArgs {
    /// Organization id.
    pub org: String,
    /// The compose file (`-` reads standard input).
    #[arg(short = 'c', long = "compose-file", value_name = "FILE")]
    pub compose_file: PathBuf,
    /// Variables for `${VAR}` from this file instead of the `.env` beside the compose file.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Remove the organization's services the file does not name.
    #[arg(long)]
    pub prune: bool,
    /// Show what would change and stop; nothing is written.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub gate: GateArgs,
}
