//! The one error type of the orchestrator.

use std::time::Duration;

/// Everything that can go wrong in the orchestrator.
///
/// Validation variants are produced before any Docker call, so seeing one means nothing was created.
/// Engine errors keep the HTTP status code the Docker engine answered with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request field broke a rule; nothing was sent to the engine.
    #[error("invalid {field}: {rule}")]
    Invalid {
        /// The request field, as named in the request type (`slug`, `resources.cpu_cores`, `env.FOO`).
        field: String,
        /// The rule it broke, in words a user can act on.
        rule: String,
    },

    /// A command cannot run inside a task: none runs, its node's engine is out of reach, or the image lacks the
    /// program.
    #[error("cannot run a command in {service}: {reason}")]
    ExecUnavailable {
        /// The service (and task, where one was chosen).
        service: String,
        /// Why, and what to do about it.
        reason: String,
    },

    /// A compose file says something wrong, or something Swarmdeck does not support; nothing was sent to the
    /// engine.
    #[error("{file}:{line}:{column}: {message}")]
    Compose {
        /// The file as the user named it (`compose.yml`, or `pasted text`).
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what to do, naming the key.
        message: String,
    },

    /// The request asks for more than any node of the swarm has.
    #[error("{resource} request of {requested} exceeds what any node offers (largest node: {available})")]
    InsufficientCapacity {
        /// `cpu` or `memory`.
        resource: &'static str,
        /// What was asked for, formatted with its unit.
        requested: String,
        /// The largest amount one ready node offers, formatted with its unit.
        available: String,
    },

    /// The swarm could never schedule every task of the request where its placement allows.
    #[error("the service cannot be placed: {reason}")]
    Unplaceable {
        /// Which rule the nodes cannot meet, and what they offer.
        reason: String,
    },

    /// A named object (service, network, deployment, image) does not exist.
    #[error("{kind} {name} not found")]
    NotFound {
        /// What kind of object was looked up.
        kind: &'static str,
        /// The name or id that was looked up.
        name: String,
    },

    /// An object with the name Swarmdeck needs belongs to someone else: another organization, or not to
    /// Swarmdeck at all. Nothing was changed.
    #[error("{kind} {name} {holder}; Swarmdeck will not touch it")]
    NotOurs {
        /// What kind of object (`service`, `network`, `deployment record`).
        kind: &'static str,
        /// Its name.
        name: String,
        /// Whose it is, in words (`was not created by Swarmdeck`, `belongs to organization a-b (slug c)`).
        holder: String,
    },

    /// An organization network cannot be removed while services use it.
    #[error("network {network} is still used by {}: remove them first", services.join(", "))]
    NetworkInUse {
        /// The network's name.
        network: String,
        /// Names of the services attached to it.
        services: Vec<String>,
    },

    /// No address fits for `docker swarm init --advertise-addr`.
    #[error("cannot choose a swarm advertise address: {reason}; set DOCKER_SWARM_ADVERTISE_ADDR to an IPv4 address of this host that other nodes reach")]
    NoAdvertiseAddress {
        /// Why detection failed.
        reason: String,
    },

    /// The engine is part of a swarm but cannot manage it (a worker), or swarm mode is not active.
    #[error("this engine cannot manage a swarm: {state}")]
    NotSwarmManager {
        /// The engine's local node state and role.
        state: String,
    },

    /// The image is neither on the engine nor pullable.
    #[error("image {image} is not available: {reason}")]
    ImageUnavailable {
        /// The image reference that was asked for.
        image: String,
        /// What the engine said.
        reason: String,
    },

    /// The post-deploy health check failed; the service was rolled back when it had a previous spec.
    #[error("health check of {service} failed: {reason}{}", if *rolled_back { " (rolled back to the previous spec)" } else { "" })]
    HealthCheckFailed {
        /// The service's name.
        service: String,
        /// The task states that made it fail.
        reason: String,
        /// Whether the previous spec was restored.
        rolled_back: bool,
    },

    /// The health check could not reach a verdict (the engine did not answer); the deployment is recorded as
    /// interrupted and reconcile settles it from what runs.
    #[error("the health check of {service} could not reach a verdict: {reason}; recorded as interrupted (`swarmdeck reconcile {service}` settles it)")]
    GateInterrupted {
        /// The service's name.
        service: String,
        /// Why no verdict was reached.
        reason: String,
    },

    /// The swarm's own failure action rolled the update back.
    #[error("the swarm rolled back the update of {service}: {message}")]
    RolledBackBySwarm {
        /// The service's name.
        service: String,
        /// The swarm's update status message.
        message: String,
    },

    /// Another deployment replaced the spec while this one was being judged.
    #[error("deployment of {service} was superseded by deployment {by}")]
    Superseded {
        /// The service's name.
        service: String,
        /// The deployment now in the spec.
        by: String,
    },

    /// Other writers kept changing the service while this change was being written; nothing of it was written.
    #[error("{service} kept changing while this change was written ({attempts} attempts); read it again and retry")]
    Conflict {
        /// The service's name.
        service: String,
        /// Writes tried, each against the version read just before.
        attempts: u32,
    },

    /// A registry refused to give an image without a (valid) login.
    #[error("registry {registry} refused {image}: {reason}; add a login for {registry} to the connection profile (or `docker login {registry}` for the CLI)")]
    RegistryAuth {
        /// The registry's host.
        registry: String,
        /// The image asked for.
        image: String,
        /// The registry's answer.
        reason: String,
    },

    /// A service of a stack deployment failed, and the stack's other services were put back as they were.
    #[error(
        "stack deployment {stack_id} of {org_id} was rolled back: {service} failed: {reason}{}",
        if undo_errors.is_empty() { String::new() } else { format!("; putting services back failed too: {}", undo_errors.join("; ")) }
    )]
    StackRolledBack {
        /// The organization.
        org_id: String,
        /// The stack deployment.
        stack_id: String,
        /// The service that failed.
        service: String,
        /// Why it failed.
        reason: String,
        /// What could not be put back, each naming its service; empty when every service is as before.
        undo_errors: Vec<String>,
    },

    /// "Roll back to previous" found no deployment that succeeded before the one running.
    #[error("{service} has no successful deployment older than {current} to roll back to")]
    NothingToRollBackTo {
        /// The service's name.
        service: String,
        /// The deployment running now (or the one it restored, for a rollback).
        current: String,
    },

    /// The caller cancelled the operation; whatever it had started was cleaned up.
    #[error("cancelled")]
    Cancelled,

    /// A deployment id given by the caller was used before for another deployment.
    #[error("deployment id {0} is already used")]
    DeploymentIdTaken(String),

    /// A stored history record could not be read back.
    #[error("deployment record {config} is unreadable: {reason}")]
    CorruptRecord {
        /// The swarm config holding the record.
        config: String,
        /// What failed while decoding it.
        reason: String,
    },

    /// A host operation of the local cluster failed (a namespace, a link, a node's engine).
    #[error("`{command}` failed: {reason}")]
    Host {
        /// The command, as a person would type it.
        command: String,
        /// What it said.
        reason: String,
    },

    /// This host cannot do what was asked, and why (not root, a missing program, an unreachable address).
    #[error("{what} is not possible on this host: {reason}")]
    Unsupported {
        /// What was asked.
        what: String,
        /// Why not, and what would make it possible.
        reason: String,
    },

    /// Waiting on a condition hit its deadline.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was waited for.
        what: String,
        /// How long it waited.
        after: Duration,
    },

    /// The engine answered with an error status.
    #[error("docker engine answered {status}: {message}")]
    Engine {
        /// The HTTP status code.
        status: u16,
        /// The engine's message.
        message: String,
    },

    /// No engine answers at an endpoint.
    #[error("no Docker engine answers at {endpoint}: {reason}")]
    Unreachable {
        /// Where it was looked for.
        endpoint: String,
        /// What failed.
        reason: String,
    },

    /// The engine's event stream ended, or the connection under it stopped working.
    #[error("{reason}")]
    EventsLost {
        /// What was noticed.
        reason: String,
    },

    /// The engine could not be reached or its answer could not be read.
    #[error("cannot talk to the docker engine: {0}")]
    Connection(#[source] bollard::errors::Error),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<bollard::errors::Error> for Error {
    fn from(error: bollard::errors::Error) -> Self {
        match error {
            bollard::errors::Error::DockerResponseServerError {
                status_code,
                message,
            } => Error::Engine {
                status: status_code,
                message,
            },
            other => Error::Connection(other),
        }
    }
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The engine's status code, when the engine answered.
    pub fn engine_status(&self) -> Option<u16> {
        match self {
            Error::Engine { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn is_not_found(&self) -> bool {
        self.engine_status() == Some(404)
    }

    /// Swarm's optimistic lock refused a write made against a stale version (moby#30794).
    pub(crate) fn is_out_of_sequence(&self) -> bool {
        matches!(self, Error::Engine { message, .. } if message.contains("update out of sequence"))
    }

    /// Failures worth retrying: the engine was busy or the connection dropped, not a refusal.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            Error::Engine { status, .. } => *status >= 500 && !self.is_out_of_sequence(),
            Error::Connection(_) | Error::Unreachable { .. } | Error::EventsLost { .. } => true,
            _ => false,
        }
    }
}
