//! The one error type that crosses IPC: a tagged union the UI switches on by `type`, never by message text.

use serde::Serialize;
use swarmdeck_orchestrator as core;

/// Why a command failed.
#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[serde(tag = "type", content = "data")]
pub enum AppError {
    /// A request field broke a rule; nothing was created. The UI shows it next to the field.
    #[error("invalid {field}: {rule}")]
    Invalid {
        /// Field path as in the request (`resources.cpu_cores`, `env.FOO`).
        field: String,
        /// The rule, in words.
        rule: String,
    },
    /// No engine answers (or it went away); the app retries on its own.
    #[error("the Docker engine is unavailable: {message}")]
    EngineUnavailable {
        /// What failed.
        message: String,
    },
    /// The named service, network or deployment does not exist.
    #[error("{message}")]
    NotFound {
        /// What kind of object was looked up (`service`, `network`, `deployment`, …).
        kind: String,
        /// The name or id that was looked up.
        name: String,
        /// The whole sentence, for people.
        message: String,
    },
    /// The network is still used by these services.
    #[error("network {network} is still used by {}", services.join(", "))]
    NetworkInUse {
        /// The network.
        network: String,
        /// Services attached to it.
        services: Vec<String>,
    },
    /// The deploy or update failed its health check, or the swarm rolled it back.
    #[error("{message}")]
    DeployFailed {
        /// What happened, in words.
        message: String,
        /// Whether the previous spec is running again.
        rolled_back: bool,
    },
    /// A compose file says something wrong or unsupported at this place; nothing was created.
    #[error("{file}:{line}:{column}: {message}")]
    Compose {
        /// The file (`pasted text` for pasted text).
        file: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A stack deployment failed at one service and was put back.
    #[error("{message}")]
    StackRolledBack {
        /// The service that failed.
        service: String,
        /// The whole sentence.
        message: String,
        /// Whether every service is as it was before.
        complete: bool,
    },
    /// The operation was cancelled; what it started was cleaned up.
    #[error("cancelled")]
    Cancelled,
    /// Anything else, with a stable code for the UI and the message for people.
    #[error("{message}")]
    Other {
        /// Stable machine code (`capacity`, `engine`, `timeout`, …).
        code: String,
        /// The message.
        message: String,
        /// The engine's HTTP status, when the engine refused the request.
        engine_status: Option<u16>,
    },
}

impl From<core::Error> for AppError {
    fn from(error: core::Error) -> Self {
        let message = error.to_string();
        match error {
            core::Error::Invalid { field, rule } => AppError::Invalid { field, rule },
            core::Error::NotFound { kind, ref name } => AppError::NotFound {
                kind: kind.to_string(),
                name: name.clone(),
                message,
            },
            core::Error::NetworkInUse { network, services } => {
                AppError::NetworkInUse { network, services }
            }
            core::Error::HealthCheckFailed { rolled_back, .. } => AppError::DeployFailed {
                message,
                rolled_back,
            },
            core::Error::RolledBackBySwarm { .. } => AppError::DeployFailed {
                message,
                rolled_back: true,
            },
            core::Error::Compose {
                file,
                line,
                column,
                message,
            } => AppError::Compose {
                file,
                line: u32::try_from(line).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
                message,
            },
            core::Error::StackRolledBack {
                service,
                ref undo_errors,
                ..
            } => AppError::StackRolledBack {
                complete: undo_errors.is_empty(),
                service,
                message,
            },
            core::Error::Cancelled => AppError::Cancelled,
            core::Error::Connection(_)
            | core::Error::Unreachable { .. }
            | core::Error::EventsLost { .. } => AppError::EngineUnavailable {
                message: redact_socket(&message),
            },
            other => AppError::Other {
                code: code_of(&other).to_string(),
                engine_status: other.engine_status(),
                message,
            },
        }
    }
}

/// The webview never learns where the engine socket is: local paths in engine messages are replaced.
pub fn redact_socket(message: &str) -> String {
    let mut redacted = message.to_string();
    let docker_host = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| h.starts_with("unix://"));
    let paths = docker_host
        .iter()
        .flat_map(|host| [host.clone(), host.trim_start_matches("unix://").to_string()])
        .chain([
            "unix:///var/run/docker.sock".to_string(),
            "/var/run/docker.sock".to_string(),
        ]);
    for path in paths {
        redacted = redacted.replace(&path, "the local engine socket");
    }
    redacted
}

fn code_of(error: &core::Error) -> &'static str {
    match error {
        core::Error::InsufficientCapacity { .. } => "capacity",
        core::Error::Unplaceable { .. } => "unplaceable",
        core::Error::RegistryAuth { .. } => "registry_auth",
        core::Error::NoAdvertiseAddress { .. } => "advertise_address",
        core::Error::NotSwarmManager { .. } => "not_swarm_manager",
        core::Error::ImageUnavailable { .. } => "image_unavailable",
        core::Error::Superseded { .. } => "superseded",
        core::Error::DeploymentIdTaken(_) => "deployment_id_taken",
        core::Error::NotOurs { .. } => "not_ours",
        core::Error::Conflict { .. } => "conflict",
        core::Error::GateInterrupted { .. } => "gate_interrupted",
        core::Error::NothingToRollBackTo { .. } => "nothing_to_roll_back_to",
        core::Error::CorruptRecord { .. } => "corrupt_record",
        core::Error::Timeout { .. } => "timeout",
        core::Error::Engine { .. } => "engine",
        core::Error::ExecUnavailable { .. } => "exec_unavailable",
        _ => "other",
    }
}

/// What every command returns.
pub type CommandResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_keep_field_and_rule_and_serialize_tagged() {
        let error = AppError::from(core::Error::Invalid {
            field: "slug".into(),
            rule: "must be an RFC 1123 label".into(),
        });
        let json = serde_json::to_value(&error).unwrap_or_default();
        assert_eq!(json["type"], "Invalid");
        assert_eq!(json["data"]["field"], "slug");
    }

    #[test]
    fn socket_paths_are_redacted() {
        let message = redact_socket("SocketNotFoundError(\"/var/run/docker.sock\")");
        assert!(!message.contains("/var/run"), "{message}");
    }

    #[test]
    fn engine_errors_get_a_stable_code() {
        let error = AppError::from(core::Error::Engine {
            status: 500,
            message: "boom".into(),
        });
        assert!(matches!(
            error,
            AppError::Other { ref code, engine_status: Some(500), .. } if code == "engine"
        ));
    }

    #[test]
    fn not_found_keeps_the_kind_and_name() {
        let error = AppError::from(core::Error::NotFound {
            kind: "service",
            name: "org-acme-web".into(),
        });
        let json = serde_json::to_value(&error).unwrap_or_default();
        assert_eq!(json["type"], "NotFound");
        assert_eq!(json["data"]["kind"], "service");
        assert_eq!(json["data"]["name"], "org-acme-web");
    }
}
