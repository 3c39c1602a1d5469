//! Every progress channel to the UI: core progress forwarded as it happens, and log lines sent in batches. The
//! commands only say which core call feeds which channel.

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use swarmdeck_orchestrator::{self as core, RunOptions};
use tauri::ipc::Channel;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::dto;
use crate::error::{AppError, CommandResult};

/// Forwards what the core reports on `receiver` to the view's `channel`, converted to its DTO, until the core is
/// done or the view stops listening (a closed window; the work itself goes on to the end).
pub(crate) fn forward<E, D>(
    mut receiver: mpsc::UnboundedReceiver<E>,
    channel: Channel<D>,
) -> tauri::async_runtime::JoinHandle<()>
where
    E: Send + 'static,
    D: From<E> + serde::Serialize + Clone + Send + 'static,
{
    tauri::async_runtime::spawn(async move {
        while let Some(event) = receiver.recv().await {
            if channel.send(D::from(event)).is_err() {
                break;
            }
        }
    })
}

/// Runs a spec-writing call, forwarding its progress to the caller's channel as it happens.
pub(crate) async fn with_progress<T, F, Fut>(
    channel: Channel<dto::Progress>,
    gate: Option<dto::HealthGate>,
    work: F,
) -> CommandResult<T>
where
    F: FnOnce(RunOptions) -> Fut,
    Fut: Future<Output = core::Result<T>>,
{
    let (sender, receiver) = mpsc::unbounded_channel();
    let forwarded = forward(receiver, channel);
    let options = RunOptions {
        gate: gate.map(Into::into).unwrap_or_default(),
        progress: Some(sender),
    };
    let result = work(options).await;
    let _ = forwarded.await;
    result.map_err(AppError::from)
}

/// Runs a stack call, forwarding each service's progress to the caller's channel as it happens.
pub(crate) async fn with_stack_progress<F, Fut>(
    channel: Channel<dto::StackProgress>,
    gate: Option<dto::HealthGate>,
    work: F,
) -> CommandResult<dto::StackResult>
where
    F: FnOnce(core::stack::StackRunOptions) -> Fut,
    Fut: Future<Output = core::Result<core::stack::StackResult>>,
{
    let (sender, receiver) = mpsc::unbounded_channel();
    let forwarded = forward(receiver, channel);
    let options = core::stack::StackRunOptions {
        gate: gate.map(Into::into).unwrap_or_default(),
        progress: Some(sender),
    };
    let result = work(options).await;
    let _ = forwarded.await;
    Ok(result?.into())
}

/// Messages to the view start at least this far apart (≤ 2 a second). Each one costs the webview's main thread
/// about the same whatever its size (the channel's round trip, then a repaint), so a flood is sent in few large
/// batches; a line after a quiet spell still goes at once (`forward_in_batches`).
const BATCH_EVERY: Duration = Duration::from_millis(500);

/// Sends a log follow's lines to the view in batches, then says why it ended; a view that goes away cancels the
/// follow, so the engine's stream is not read for nobody.
pub(crate) fn send_log_follow<E: std::fmt::Display + Send + 'static>(
    lines: impl futures_util::Stream<Item = Result<dto::LogLine, E>> + Send + 'static,
    events: Channel<dto::LogEvent>,
    cancel: CancellationToken,
) {
    tauri::async_runtime::spawn(async move {
        let end = forward_in_batches(lines, BATCH_EVERY, |lines| {
            events.send(dto::LogEvent::Lines { lines }).is_ok()
        })
        .await;
        match end {
            FollowEnd::ViewGone => cancel.cancel(),
            // Without this the view would go on saying "following" after the service or engine went away.
            FollowEnd::Finished { error } => {
                let _ = events.send(dto::LogEvent::Ended { error });
            }
        }
    });
}

/// How a forwarded follow ended.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FollowEnd {
    /// The stream ended, with the error that ended it if any; every line was sent.
    Finished { error: Option<String> },
    /// The receiver went away.
    ViewGone,
}

/// The most lines one message carries: the logs view keeps 10,000, so a bigger batch would only be dropped there.
const MAX_BATCH_LINES: usize = 10_000;

/// Sends what `lines` yields in batches, sends starting at least `every` apart, until it ends or `send` reports
/// the receiver gone. A line arriving when the last send is `every` old goes at once; lines arriving sooner wait
/// for the gap to pass and go together.
pub(crate) async fn forward_in_batches<T, E: std::fmt::Display>(
    lines: impl futures_util::Stream<Item = Result<T, E>>,
    every: Duration,
    mut send: impl FnMut(Vec<T>) -> bool,
) -> FollowEnd {
    let mut lines = Box::pin(lines);
    let mut batch = Vec::new();
    let mut last_sent: Option<Instant> = None;
    // Armed when a line starts a batch: one timer per batch, not one per line of a flood.
    let due = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(due);
    let mut pending = false;
    let error = loop {
        tokio::select! {
            // Lines already waiting join the batch before it goes.
            biased;
            line = lines.next() => match line {
                Some(Ok(line)) => {
                    batch.push(line);
                    let now = Instant::now();
                    if !pending {
                        pending = true;
                        due.as_mut().reset(last_sent.map_or(now, |sent| (sent + every).max(now)));
                    }
                    // A stream that is always ready never lets the timer branch run: send from here when the
                    // batch is due, or full, so no message grows without bound.
                    if now >= due.deadline() || batch.len() >= MAX_BATCH_LINES {
                        pending = false;
                        last_sent = Some(now);
                        if !send(std::mem::take(&mut batch)) {
                            return FollowEnd::ViewGone;
                        }
                    }
                }
                Some(Err(error)) => {
                    tracing::warn!(%error, "log follow ended");
                    break Some(error.to_string());
                }
                None => break None,
            },
            () = &mut due, if pending => {
                pending = false;
                last_sent = Some(Instant::now());
                if !send(std::mem::take(&mut batch)) {
                    return FollowEnd::ViewGone;
                }
            }
        }
    };
    if !batch.is_empty() && !send(batch) {
        return FollowEnd::ViewGone;
    }
    FollowEnd::Finished { error }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures_util::stream;

    use super::*;

    /// 2,000 lines a second for 3 s arrive in at most 2 messages a second, none lost.
    #[tokio::test(start_paused = true)]
    async fn a_fast_stream_is_sent_at_most_twice_a_second() {
        let started = Instant::now();
        let lines = stream::unfold(0_u32, |n| async move {
            if n == 6000 {
                return None;
            }
            tokio::time::sleep(Duration::from_micros(500)).await;
            Some((Ok::<u32, String>(n), n + 1))
        });
        let mut sends = Vec::new();
        let delivered = forward_in_batches(lines, BATCH_EVERY, |batch| {
            sends.push((started.elapsed(), batch.len()));
            true
        })
        .await;
        assert_eq!(delivered, FollowEnd::Finished { error: None });
        assert_eq!(sends.iter().map(|(_, n)| n).sum::<usize>(), 6000);
        let seconds = started.elapsed().as_secs_f64().ceil();
        assert!(
            sends.len() as f64 <= 2.0 * seconds + 1.0,
            "{} sends in {seconds} s",
            sends.len()
        );
        // The last send is the flush at the stream's end, which waits for nothing.
        let paced = &sends[..sends.len() - 1];
        let gaps: Vec<Duration> = paced.windows(2).map(|w| w[1].0 - w[0].0).collect();
        assert!(gaps.iter().all(|gap| *gap >= BATCH_EVERY), "{gaps:?}");
    }

    /// Lines that are always ready (the engine's buffer after a pause) never make one unbounded message.
    #[tokio::test(start_paused = true)]
    async fn a_stream_that_is_always_ready_is_sent_in_bounded_messages() {
        let lines = stream::iter((0..35_000_u32).map(Ok::<u32, String>));
        let mut sizes = Vec::new();
        forward_in_batches(lines, BATCH_EVERY, |batch| {
            sizes.push(batch.len());
            true
        })
        .await;
        assert_eq!(sizes.iter().sum::<usize>(), 35_000, "no line lost");
        assert!(sizes.iter().all(|n| *n <= MAX_BATCH_LINES), "{sizes:?}");
    }

    /// A quiet service's line is not held back for the batching of a flood.
    #[tokio::test(start_paused = true)]
    async fn a_line_after_a_quiet_spell_is_sent_at_once() {
        let started = Instant::now();
        let lines = stream::unfold(0_u32, |n| async move {
            if n == 3 {
                return None;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            Some((Ok::<u32, String>(n), n + 1))
        });
        let mut sends = Vec::new();
        forward_in_batches(lines, BATCH_EVERY, |batch| {
            sends.push((started.elapsed(), batch));
            true
        })
        .await;
        assert_eq!(
            sends,
            vec![
                (Duration::from_secs(2), vec![0]),
                (Duration::from_secs(4), vec![1]),
                (Duration::from_secs(6), vec![2]),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_closed_view_stops_the_follow() {
        let endless = stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            Some((Ok::<u32, String>(1), ()))
        });
        let mut sends = 0;
        let delivered = forward_in_batches(endless, BATCH_EVERY, |_| {
            sends += 1;
            sends < 3
        })
        .await;
        assert_eq!(delivered, FollowEnd::ViewGone);
        assert_eq!(sends, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn an_engine_error_ends_the_follow_after_the_lines_before_it() {
        let lines = stream::iter([Ok(1), Ok(2), Err("the service was removed".to_string())]);
        let mut sent = Vec::new();
        let end = forward_in_batches(lines, BATCH_EVERY, |batch| {
            sent.extend(batch);
            true
        })
        .await;
        assert_eq!(sent, vec![1, 2]);
        assert_eq!(
            end,
            FollowEnd::Finished {
                error: Some("the service was removed".to_string())
            }
        );
    }
}
