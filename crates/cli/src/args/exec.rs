//! `exec`: a command inside a running task of a service.

use clap::Args;

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Swarm service name.
    pub service: String,
    /// The task in this slot (default: the lowest running slot).
    #[arg(long, value_name = "N")]
    pub task: Option<u64>,
    /// Keep stdin open and send what is typed to the command.
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Give the command a terminal (needs one here too).
    #[arg(short = 't', long)]
    pub tty: bool,
    /// The program and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
}
