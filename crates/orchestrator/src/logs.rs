//! Service logs: one-shot reads and a follow stream that ends cleanly when cancelled.

use bollard::container::LogOutput;
use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::{EventsOptions, LogsOptions};
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, Stream, StreamExt, TryStreamExt};
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::model::{LogLine, LogQuery, LogStream};
use crate::{validate, Orchestrator};

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
    ) -> BoxStream<'static, Result<LogLine>> {
        if let Err(error) = validate::log_query(query) {
            return futures_util::stream::iter([Err(error)]).boxed();
        }
        let now = chrono::Utc::now().timestamp();
        // A follow whose end has passed is a read: nothing newer can be selected. One that ends later stops then.
        let follow = follow && query.until.is_none_or(|until| until >= now);
        let end_of_follow = match query.until {
            Some(until) if follow => {
                let left = u64::try_from(until.saturating_sub(now)).unwrap_or(0);
                // A second more for lines stamped just before the end that are still on their way.
                tokio::time::sleep(Duration::from_secs(left.saturating_add(1))).boxed()
            }
            _ => futures_util::future::pending().boxed(),
        };
        let options = LogsOptions {
            follow,
            stdout: query.stdout,
            stderr: query.stderr,
            since: query.since.map(clamp_time).unwrap_or(0),
            // The engine ignores `until` for service logs, so it is applied here, on the timestamps.
            until: 0,
            // Timestamps are always fetched for `until`; dropped from the line when not asked for.
            timestamps: true,
            tail: query
                .tail
                .map_or_else(|| "all".to_string(), |n| n.to_string()),
        };
        let filter = query.filter.clone();
        let keep_timestamps = query.timestamps;
        let until = query.until;
        // The engine keeps a follow of a removed service open, silent, forever: the removal ends it instead, with
        // an error saying so.
        let removal = if follow {
            self.removal_of(service_name).boxed()
        } else {
            futures_util::future::pending().boxed()
        };
        let lines = self
            .docker
            .service_logs(service_name, Some(options))
            .take_until(cancel.cancelled_owned())
            .map_err(Error::from)
            .try_filter_map(move |output| {
                let line = parse_output(output)
                    .filter(|(stamp, _)| {
                        until.is_none_or(|until| stamp.is_none_or(|t| t.timestamp() <= until))
                    })
                    .map(|(stamp, mut line)| {
                        if keep_timestamps {
                            line.timestamp = stamp
                                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true));
                        }
                        line
                    })
                    .filter(|line| {
                        filter
                            .as_deref()
                            .is_none_or(|text| line.text.contains(text))
                    });
                async move { Ok(line) }
            })
            .boxed();
        futures_util::stream::unfold(
            (lines, removal, end_of_follow, false),
            |(mut lines, mut removal, mut end_of_follow, ended)| async move {
                if ended {
                    return None;
                }
                tokio::select! {
                    line = lines.next() => line.map(|line| (line, (lines, removal, end_of_follow, false))),
                    error = &mut removal => Some((Err(error), (lines, removal, end_of_follow, true))),
                    () = &mut end_of_follow => None,
                }
            },
        )
        .boxed()
    }

    /// Resolves when the service is removed (events from a moment before the call on, so a removal racing the
    /// subscription is seen). If the event stream fails, the follow goes on: it only loses this early end.
    fn removal_of(
        &self,
        service_name: &str,
    ) -> impl std::future::Future<Output = Error> + Send + 'static {
        let since = chrono::Utc::now().timestamp() - 2;
        let options = EventsOptions {
            since: Some(since.to_string()),
            until: None,
            filters: Some(HashMap::from([
                ("type".to_string(), vec!["service".to_string()]),
                ("event".to_string(), vec!["remove".to_string()]),
                ("service".to_string(), vec![service_name.to_string()]),
            ])),
        };
        let mut events = self.docker.events(Some(options));
        let name = service_name.to_string();
        async move {
            match events.next().await {
                Some(Ok(_)) => Error::NotFound {
                    kind: "service",
                    name,
                },
                _ => futures_util::future::pending().await,
            }
        }
    }
}

fn clamp_time(seconds: i64) -> i32 {
    i32::try_from(seconds.max(0)).unwrap_or(i32::MAX)
}

/// Splits the engine's `timestamp message` line.
fn parse_output(output: LogOutput) -> Option<(Option<chrono::DateTime<chrono::Utc>>, LogLine)> {
    let (stream, bytes) = match output {
        LogOutput::StdOut { message } => (LogStream::Stdout, message),
        LogOutput::StdErr { message } => (LogStream::Stderr, message),
        LogOutput::Console { message } => (LogStream::Stdout, message),
        LogOutput::StdIn { .. } => return None,
    };
    let raw = String::from_utf8_lossy(&bytes);
    let raw = raw.trim_end_matches(['\n', '\r']);
    let (timestamp, text) = match raw.split_once(' ') {
        Some((first, rest)) => match chrono::DateTime::parse_from_rfc3339(first) {
            Ok(stamp) => (Some(stamp.with_timezone(&chrono::Utc)), rest),
            Err(_) => (None, raw),
        },
        None => (None, raw),
    };
    let line = LogLine {
        stream,
        timestamp: None,
        text: text.to_string(),
    };
    Some((timestamp, line))
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
    fn parses_timestamp_and_text() {
        let (stamp, line) =
            parse_output(stdout("2026-11-27T03:00:00.123456789Z hello world\n")).expect("line");
        assert_eq!(stamp.map(|t| t.timestamp()), Some(1_795_748_400));
        assert_eq!(line.text, "hello world");
        assert_eq!(line.stream, LogStream::Stdout);
    }

    #[test]
    fn a_line_without_a_timestamp_keeps_its_text() {
        let (stamp, line) = parse_output(stdout("no stamp here")).expect("line");
        assert_eq!(stamp, None);
        assert_eq!(line.text, "no stamp here");
    }
}
