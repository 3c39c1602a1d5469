//! The CLI's one error type.

use std::fmt;

/// Everything a command can fail with.
#[derive(Debug)]
pub enum CliError {
    /// The orchestrator refused or failed.
    Core(swarmdeck_orchestrator::Error),
    /// Arguments clap accepted but that do not make a request together.
    Usage(String),
    /// Writing output failed.
    Io(std::io::Error),
    /// A result could not be encoded as JSON.
    Json(serde_json::Error),
    /// The isolation check found cells where one organization reached another.
    Leak(usize),
    /// A command run by `exec` ended with this non-zero exit code; it said why itself.
    Exited(i64),
}

impl CliError {
    /// Usage errors share clap's exit code so scripts can tell them from failed operations.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            // Exit codes are 0..=255 on Unix; a negative or larger one still reads as a failure.
            CliError::Exited(code) => u8::try_from(*code).unwrap_or(1),
            _ => 1,
        }
    }

    /// A closed pipe (`swarmdeck logs svc | head`) is the reader's choice, not a failure to report.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io(error) if error.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Core(error) => write!(f, "{error}"),
            CliError::Usage(message) => f.write_str(message),
            CliError::Io(error) => write!(f, "cannot write output: {error}"),
            CliError::Json(error) => write!(f, "cannot encode output as JSON: {error}"),
            CliError::Exited(code) => write!(f, "the command exited with {code}"),
            CliError::Leak(cells) => write!(
                f,
                "isolation check found {cells} leaking organization pair(s)"
            ),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Core(error) => Some(error),
            CliError::Usage(_) | CliError::Leak(_) | CliError::Exited(_) => None,
            CliError::Io(error) => Some(error),
            CliError::Json(error) => Some(error),
        }
    }
}

impl From<swarmdeck_orchestrator::Error> for CliError {
    fn from(error: swarmdeck_orchestrator::Error) -> Self {
        CliError::Core(error)
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError::Io(error)
    }
}

impl From<serde_json::Error> for CliError {
    fn from(error: serde_json::Error) -> Self {
        // serde_json reports a failed write as its own error; keep it an I/O error so a closed pipe stays quiet.
        if error.is_io() {
            if let Some(kind) = error.io_error_kind() {
                return CliError::Io(std::io::Error::new(kind, error));
            }
        }
        CliError::Json(error)
    }
}
