//! Service logs: lines, follow events and queries.

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use super::unix_secs;

/// Which output stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl From<core::LogStream> for LogStream {
    fn from(value: core::LogStream) -> Self {
        match value {
            core::LogStream::Stdout => LogStream::Stdout,
            core::LogStream::Stderr => LogStream::Stderr,
        }
    }
}

/// One line of a service's logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct LogLine {
    /// Its stream.
    pub stream: LogStream,
    /// Engine timestamp (RFC 3339), when asked for.
    pub timestamp: Option<String>,
    /// The text, without the trailing newline.
    pub text: String,
}

impl From<core::LogLine> for LogLine {
    fn from(value: core::LogLine) -> Self {
        LogLine {
            stream: value.stream.into(),
            timestamp: value.timestamp,
            text: value.text,
        }
    }
}

/// What a log follow sends: lines as they come, then once why it ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogEvent {
    /// A batch of new lines.
    Lines {
        /// The lines, oldest first.
        lines: Vec<LogLine>,
    },
    /// The follow ended: stopped, the service went away, or the engine failed.
    Ended {
        /// What failed, when something did.
        error: Option<String>,
    },
}

/// What to read of a service's logs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct LogQuery {
    /// Last N lines per task; all when null.
    pub tail: Option<u32>,
    /// Only lines after this Unix time, in seconds (fractions are dropped).
    pub since: Option<f64>,
    /// Only lines before this Unix time, in seconds (fractions are dropped).
    pub until: Option<f64>,
    /// Include engine timestamps.
    pub timestamps: bool,
    /// Include standard output.
    pub stdout: bool,
    /// Include standard error.
    pub stderr: bool,
    /// Keep only lines containing this text.
    pub filter: Option<String>,
}

impl Default for LogQuery {
    fn default() -> Self {
        let query = core::LogQuery::default();
        LogQuery {
            tail: query.tail,
            since: query.since.map(|secs| secs as f64),
            until: query.until.map(|secs| secs as f64),
            timestamps: query.timestamps,
            stdout: query.stdout,
            stderr: query.stderr,
            filter: query.filter,
        }
    }
}

impl From<LogQuery> for core::LogQuery {
    fn from(value: LogQuery) -> Self {
        core::LogQuery {
            tail: value.tail,
            since: value.since.map(unix_secs),
            until: value.until.map(unix_secs),
            timestamps: value.timestamps,
            stdout: value.stdout,
            stderr: value.stderr,
            filter: value.filter,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_query_times_are_whole_seconds() {
        let query = core::LogQuery::from(LogQuery {
            since: Some(1_700_000_000.9),
            until: Some(f64::NAN),
            ..LogQuery::default()
        });
        assert_eq!(query.since, Some(1_700_000_000));
        assert_eq!(query.until, Some(0));
        assert!(query.stdout && query.stderr);
    }
}
