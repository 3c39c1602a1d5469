//! Command-line arguments, and their assembly into orchestrator requests. This file is the command tree;
//! the arguments of each command group, and the value parsers they share, live in the modules below.

mod deploy;
mod exec;
pub mod files;
mod logs;
mod placement;
mod policy;
mod stack;
mod update;
mod values;

use clap::{Parser, Subcommand};
use swarmdeck_orchestrator::{NodeAvailability, NodeChange, NodeRole};

pub use deploy::DeployArgs;
pub use exec::ExecArgs;
pub use files::FileCommand;
pub use logs::LogsArgs;
pub use stack::{StackCommand, StackDeployArgs};
pub use update::{RollbackArgs, UpdateArgs};

/// Manage a Docker Swarm for many organizations.
#[derive(Debug, Parser)]
#[command(name = "swarmdeck", version)]
pub struct Cli {
    /// Machine output: one JSON document on stdout per command (one object per line for `logs -f`).
    #[arg(long, global = true)]
    pub json: bool,
    /// The Docker context whose engine to use, as with `docker --context`; without it `DOCKER_HOST`, then
    /// `DOCKER_CONTEXT`, then the current context of the Docker configuration decide.
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Swarm mode of this engine.
    #[command(subcommand)]
    Swarm(SwarmCommand),
    /// The Docker contexts of your Docker configuration (`DOCKER_CONFIG`, else `~/.docker`).
    #[command(subcommand)]
    Context(ContextCommand),
    /// Create a service, or update it when it exists, and wait until it is healthy.
    Deploy(DeployArgs),
    /// Change some fields of a running service and roll the change out.
    Update(UpdateArgs),
    /// Set the replica count of a service.
    Scale {
        /// Swarm service name (`org-{org}-{slug}`, each `-` of the organization id doubled).
        service: String,
        /// New replica count.
        replicas: u32,
    },
    /// Remove a service with its deployment history.
    Rm {
        /// Swarm service name.
        service: String,
    },
    /// Replicas, update state and tasks of a service.
    Status {
        /// Swarm service name.
        service: String,
    },
    /// The swarm's state of the last update or rollback of a service.
    UpdateStatus {
        /// Swarm service name.
        service: String,
    },
    /// Read or follow the logs of a service.
    Logs(LogsArgs),
    /// CPU, memory and network of running tasks, summed per service: of a service, an organization, or all.
    Stats {
        /// A service name or an organization id; every Swarmdeck service when left out.
        target: Option<String>,
    },
    /// Run a command inside a running task (`swarmdeck exec SVC -it -- /bin/sh`); exits with its exit code.
    Exec(ExecArgs),
    /// Recorded deployments of a service, newest first.
    History {
        /// Swarm service name.
        service: String,
        /// Settle interrupted or outdated records from the swarm's state first.
        #[arg(long)]
        reconcile: bool,
    },
    /// Settle interrupted or outdated deployment records from the swarm's state.
    Reconcile {
        /// Swarm service name.
        service: String,
    },
    /// Roll back to the previous deployment, or to a recorded one.
    Rollback(RollbackArgs),
    /// Organizations: their networks and services.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Compose files: deploy one into an organization, roll its stack back, export it.
    #[command(subcommand)]
    Stack(StackCommand),
    /// An organization's secrets: create, list (never the value), attach to a service, rotate, remove.
    #[command(subcommand)]
    Secret(FileCommand),
    /// An organization's configs: as `secret`, stored unencrypted.
    #[command(subcommand)]
    Config(FileCommand),
    /// Prove with real traffic that organizations cannot reach each other.
    #[command(subcommand)]
    Isolation(IsolationCommand),
    /// A local multi-node swarm on this machine: extra Docker engines joined to this engine's swarm.
    #[command(subcommand)]
    Cluster(ClusterCommand),
    /// The swarm's nodes.
    #[command(subcommand)]
    Node(NodeCommand),
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Create the local cluster, or add or remove workers to reach the asked size.
    Up {
        /// Extra worker nodes.
        #[arg(long, default_value_t = 2)]
        workers: u32,
        /// An image to copy to every worker (repeatable); nodes cannot pull where there is no registry.
        #[arg(long = "image", value_name = "IMAGE")]
        images: Vec<String>,
    },
    /// The swarm's nodes, and anything of local nodes this host still holds.
    Status,
    /// Remove every local node, leaving nothing of them behind.
    Down,
    /// Failure drill: stop a local node's engine, as if its machine went away.
    Stop {
        /// Local node (`swarmdeck-node-1`).
        node: String,
    },
    /// Start a stopped local node's engine again and wait until it is ready.
    Start {
        /// Local node (`swarmdeck-node-1`).
        node: String,
    },
    /// Failure drill: cut a local worker off the network (a partition); its engine and tasks run on, unreachable.
    Cut {
        /// Local node (`swarmdeck-node-1`).
        node: String,
    },
    /// End a partition: connect the node again and wait until it is ready.
    Heal {
        /// Local node (`swarmdeck-node-1`).
        node: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    /// Role, state, availability, address, resources and engine of each node.
    Ls,
    /// Move the node's tasks to other nodes and give it no new ones.
    Drain {
        /// Node id or hostname.
        node: String,
    },
    /// Keep the node's tasks but give it no new ones.
    Pause {
        /// Node id or hostname.
        node: String,
    },
    /// Let the node take tasks again.
    Activate {
        /// Node id or hostname.
        node: String,
    },
    /// Make the node a manager.
    Promote {
        /// Node id or hostname.
        node: String,
    },
    /// Make the node a worker.
    Demote {
        /// Node id or hostname.
        node: String,
    },
    /// Add or remove node labels (for placement constraints such as `node.labels.zone==a`).
    Label {
        /// Node id or hostname.
        node: String,
        /// Label to add or replace, `KEY=VALUE` (repeatable).
        #[arg(long = "add", value_name = "KEY=VALUE", value_parser = values::parse_env)]
        add: Vec<(String, String)>,
        /// Label key to remove (repeatable).
        #[arg(long = "rm", value_name = "KEY")]
        remove: Vec<String>,
    },
    /// Remove a node that is down from the swarm.
    Rm {
        /// Node id or hostname.
        node: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum IsolationCommand {
    /// Probe every ordered pair of organizations; exits non-zero when any pair leaks.
    Check {
        /// Organizations to check (all that have a network when none are given).
        orgs: Vec<String>,
        /// Timeout of each connect and lookup, in milliseconds.
        #[arg(long, default_value_t = 1500)]
        timeout_ms: u32,
    },
    /// What this engine's host can and cannot do for isolation and discovery.
    Preflight,
}

#[derive(Debug, Subcommand)]
pub enum SwarmCommand {
    /// Initialise swarm mode unless it is active already.
    Init,
    /// Show the swarm as this engine sees it.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum ContextCommand {
    /// List them with their engines, the current one starred.
    Ls,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// The organization's overlay network.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// List the organization's services.
    Services {
        /// Organization id.
        org: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Create the organization's network unless it exists.
    Ensure {
        /// Organization id.
        org: String,
    },
    /// Remove the organization's network (refused while services use it).
    Rm {
        /// Organization id.
        org: String,
    },
    /// List the organization's services (same as `org services`).
    Services {
        /// Organization id.
        org: String,
    },
}

impl NodeCommand {
    /// The node named and the changes the command asks for, in order (`ls` and `rm` change nothing).
    pub fn changes(self) -> (String, Vec<NodeChange>) {
        let availability =
            |node, availability| (node, vec![NodeChange::Availability { availability }]);
        let role = |node, role| (node, vec![NodeChange::Role { role }]);
        match self {
            NodeCommand::Ls => (String::new(), Vec::new()),
            NodeCommand::Rm { node } => (node, Vec::new()),
            NodeCommand::Drain { node } => availability(node, NodeAvailability::Drain),
            NodeCommand::Pause { node } => availability(node, NodeAvailability::Pause),
            NodeCommand::Activate { node } => availability(node, NodeAvailability::Active),
            NodeCommand::Promote { node } => role(node, NodeRole::Manager),
            NodeCommand::Demote { node } => role(node, NodeRole::Worker),
            NodeCommand::Label { node, add, remove } => {
                let added = add
                    .into_iter()
                    .map(|(key, value)| NodeChange::AddLabel { key, value });
                let removed = remove
                    .into_iter()
                    .map(|key| NodeChange::RemoveLabel { key });
                (node, added.chain(removed).collect())
            }
        }
    }
}

/// Parses as the shell hands arguments over; the tests of every command group share it.
#[cfg(test)]
fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(std::iter::once("swarmdeck").chain(args.iter().copied()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn network_services_is_an_alias_of_org_services() {
        assert!(matches!(
            parse(&["org", "network", "services", "acme"]),
            Ok(Cli {
                command: Command::Org(OrgCommand::Network(NetworkCommand::Services { .. })),
                ..
            })
        ));
        assert!(matches!(
            parse(&["--json", "org", "services", "acme"]),
            Ok(Cli {
                json: true,
                command: Command::Org(OrgCommand::Services { .. }),
                ..
            })
        ));
    }

    #[test]
    fn the_context_flag_goes_anywhere_on_the_line() {
        for line in [
            &["--context", "prod", "swarm", "status"][..],
            &["swarm", "status", "--context", "prod"][..],
        ] {
            let cli = parse(line).expect("parses");
            assert_eq!(cli.context.as_deref(), Some("prod"));
        }
        assert!(matches!(
            parse(&["context", "ls"]),
            Ok(Cli {
                command: Command::Context(ContextCommand::Ls),
                context: None,
                ..
            })
        ));
    }
}
