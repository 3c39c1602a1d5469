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
    /// Print the organization's services as a compose file (`docker stack deploy` reads it; so does `stack
    /// deploy`).
    Export {
        /// Organization id.
        org: String,
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
