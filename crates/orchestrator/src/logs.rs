//! Service logs: one-shot reads and a follow stream that ends cleanly when cancelled.

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use futures_util::{Stream, StreamExt, TryStreamExt};
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::model::{LogLine, LogQuery, LogStream};
use crate::Orchestrator;

impl Orchestrator {
    /// Reads the logs the query selects and returns them.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn service_logs(&self, service_name: &str, query: &LogQuery) -> Result<Vec<LogLine>> {
        self.log_stream(service_name, query, false, CancellationToken::new())
            .try_collect()
            .await
    }

    /// Follows the logs: old lines the query selects, then new ones as they come, until `cancel` fires (the stream
    /// then ends without an error) or the service goes away.
    pub fn follow_service_logs(
        &self,
        service_name: &str,
        query: &LogQuery,
        cancel: CancellationToken,
    ) -> impl Stream<Item = Result<LogLine>> + Send + 'static {
        self.log_stream(service_name, query, true, cancel)
    }

    fn log_stream(
        &self,
        service_name: &str,
        query: &LogQuery,
        follow: bool,
        cancel: CancellationToken,
    ) -> impl Stream<Item = Result<LogLine>> + Send + 'static {
        let options = LogsOptions {
            follow,
            stdout: query.stdout,
            stderr: query.stderr,
            since: query.since.map(clamp_time).unwrap_or(0),
            until: query.until.map(clamp_time).unwrap_or(0),
            // Timestamps are always fetched so lines can be ordered; dropped from the text when not asked for.
            timestamps: true,
            tail: query
                .tail
                .map_or_else(|| "all".to_string(), |n| n.to_string()),
        };
        let filter = query.filter.clone();
        let keep_timestamps = query.timestamps;
        let lines = self.docker.service_logs(service_name, Some(options));
        lines
            .take_until(cancel.cancelled_owned())
            .map_err(Error::from)
            .try_filter_map(move |output| {
                let line = parse_output(output, keep_timestamps).filter(|line| {
                    filter
                        .as_deref()
                        .is_none_or(|text| line.text.contains(text))
                });
                async move { Ok(line) }
            })
    }
}

fn clamp_time(seconds: i64) -> i32 {
    i32::try_from(seconds.max(0)).unwrap_or(i32::MAX)
}

/// Splits the engine's `timestamp [details] message` line; details (`com.docker.swarm.task.id=…,…`) name the task.
fn parse_output(output: LogOutput, keep_timestamp: bool) -> Option<LogLine> {
    let (stream, bytes) = match output {
        LogOutput::StdOut { message } => (LogStream::Stdout, message),
        LogOutput::StdErr { message } => (LogStream::Stderr, message),
        LogOutput::Console { message } => (LogStream::Stdout, message),
        LogOutput::StdIn { .. } => return None,
    };
    let raw = String::from_utf8_lossy(&bytes);
    let raw = raw.trim_end_matches(['\n', '\r']);
    let (timestamp, rest) = match raw.split_once(' ') {
        Some((first, rest)) if looks_like_timestamp(first) => (Some(first.to_string()), rest),
        _ => (None, raw),
    };
    let (task_id, text) = match rest.split_once(' ') {
        Some((details, text)) if details.contains("com.docker.swarm.") => (task_of(details), text),
        _ => (None, rest),
    };
    Some(LogLine {
        stream,
        timestamp: timestamp.filter(|_| keep_timestamp),
        task_id,
        text: text.to_string(),
    })
}

fn looks_like_timestamp(word: &str) -> bool {
    word.len() >= 20 && word.as_bytes().get(4) == Some(&b'-') && word.contains('T')
}

fn task_of(details: &str) -> Option<String> {
    details
        .split(',')
        .find_map(|pair| pair.strip_prefix("com.docker.swarm.task.id="))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stdout(text: &str) -> LogOutput {
        LogOutput::StdOut {
            message: text.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn parses_timestamp_details_and_text() {
        let line = parse_output(
            stdout("2026-11-27T03:00:00.123456789Z com.docker.swarm.node.id=n1,com.docker.swarm.service.id=s1,com.docker.swarm.task.id=t1 hello world\n"),
            true,
        )
        .expect("line");
        assert_eq!(
            line.timestamp.as_deref(),
            Some("2026-11-27T03:00:00.123456789Z")
        );
        assert_eq!(line.task_id.as_deref(), Some("t1"));
        assert_eq!(line.text, "hello world");
        assert_eq!(line.stream, LogStream::Stdout);
    }

    #[test]
    fn drops_the_timestamp_unless_asked_and_keeps_plain_text() {
        let line = parse_output(stdout("2026-11-27T03:00:00.1Z plain text"), false).expect("line");
        assert_eq!(line.timestamp, None);
        assert_eq!(line.text, "plain text");
        let bare = parse_output(stdout("no stamp here"), true).expect("line");
        assert_eq!(bare.text, "no stamp here");
    }
}
