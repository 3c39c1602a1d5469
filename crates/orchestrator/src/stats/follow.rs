//! Live resource use: one engine stats stream per running task, each writing its latest sample into a shared
//! table on its own — a slow or stuck stream only leaves its own figures stale, and past [`STALE_AFTER`] they are
//! replaced by a note saying so — and a report of the table every [`REPORT_EVERY`]. The scope's tasks are read again every [`TASKS_EVERY`], so new tasks join and gone ones stop.
//! Every engine stream ends with the follow: when it is cancelled or nobody reads it any more.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::query_parameters::StatsOptions;
use bollard::Docker;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{report_of, sample_of, unavailable, ScopeTask, StatsReport, StatsScope, TaskStats};
use crate::error::{Error, Result};
use crate::model::TaskInfo;
use crate::Orchestrator;

/// How often a report goes out; the engine samples each container about once a second.
const REPORT_EVERY: Duration = Duration::from_secs(1);
/// How often the scope's running tasks are read again.
const TASKS_EVERY: Duration = Duration::from_secs(5);
/// A task whose stream sent nothing for this long shows a note instead of figures that are no longer true.
const STALE_AFTER: Duration = Duration::from_secs(5);

/// The latest sample of a followed task, its service's name, and when the sample came.
struct Entry {
    service: String,
    sample: TaskStats,
    at: Instant,
    /// Whether more samples are expected: not after the stream failed, whose note then stays as it is.
    live: bool,
}

/// Every followed task's entry, by task id.
type Table = Arc<Mutex<HashMap<String, Entry>>>;

impl Orchestrator {
    /// Reports the scope's use every second until `cancel` or until the stream is dropped. A failed read of the
    /// task list is reported and retried; the streams already running go on.
    pub fn follow_stats(
        &self,
        scope: StatsScope,
        cancel: CancellationToken,
    ) -> BoxStream<'static, Result<StatsReport>> {
        let (sender, receiver) = mpsc::channel(2);
        let core = self.clone();
        tokio::spawn(async move { core.run_stats_follow(scope, cancel, sender).await });
        futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|report| (report, receiver))
        })
        .boxed()
    }

    async fn run_stats_follow(
        &self,
        scope: StatsScope,
        cancel: CancellationToken,
        sender: mpsc::Sender<Result<StatsReport>>,
    ) {
        let table: Table = Arc::default();
        let mut streams: HashMap<String, JoinHandle<()>> = HashMap::new();
        let mut services = Vec::new();
        let mut tasks_tick = tokio::time::interval(TASKS_EVERY);
        let mut report_tick = tokio::time::interval(REPORT_EVERY);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                () = sender.closed() => break,
                _ = tasks_tick.tick() => match self.scope_tasks(&scope).await {
                    Ok((now_services, tasks)) => {
                        services = now_services;
                        follow_tasks(&mut streams, &table, tasks);
                    }
                    Err(error) => {
                        let fatal = !error.is_transient();
                        if sender.send(Err(error)).await.is_err() || fatal {
                            break;
                        }
                    }
                },
                _ = report_tick.tick() => {
                    let samples: Vec<(String, TaskStats)> = table
                        .lock()
                        .map(|table| table.values().map(current).collect())
                        .unwrap_or_default();
                    if sender.send(Ok(report_of(&scope, &services, samples))).await.is_err() {
                        break;
                    }
                }
            }
        }
        for stream in streams.values() {
            stream.abort();
        }
        tracing::debug!(streams = streams.len(), "stats follow ended");
    }
}

/// An entry as a report shows it: its sample, or a note once the stream has been quiet too long.
fn current(entry: &Entry) -> (String, TaskStats) {
    let quiet_for = entry.at.elapsed();
    let sample = if entry.live && quiet_for > STALE_AFTER {
        TaskStats {
            unavailable: Some(format!(
                "the engine of its node sent no figures for {} s",
                quiet_for.as_secs()
            )),
            ..without_figures(&entry.sample)
        }
    } else {
        entry.sample.clone()
    };
    (entry.service.clone(), sample)
}

fn without_figures(sample: &TaskStats) -> TaskStats {
    TaskStats {
        task_id: sample.task_id.clone(),
        slot: sample.slot,
        cpu_percent: 0.0,
        memory_bytes: 0,
        memory_limit_bytes: None,
        network_rx_bytes: 0,
        network_tx_bytes: 0,
        unavailable: sample.unavailable.clone(),
    }
}

/// Starts a stream for each task not followed yet and stops those of tasks no longer running.
fn follow_tasks(
    streams: &mut HashMap<String, JoinHandle<()>>,
    table: &Table,
    tasks: Vec<ScopeTask>,
) {
    let running: Vec<String> = tasks.iter().map(|(_, task, _)| task.id.clone()).collect();
    streams.retain(|id, stream| {
        let keep = running.contains(id) && !stream.is_finished();
        if !keep {
            stream.abort();
            if let Ok(mut table) = table.lock() {
                table.remove(id);
            }
        }
        keep
    });
    for (service, task, engine) in tasks {
        if !streams.contains_key(&task.id) {
            let id = task.id.clone();
            if let Ok(mut table) = table.lock() {
                let waiting =
                    unavailable(&task, "waiting for the engine's first figures".to_string());
                table.insert(
                    id.clone(),
                    Entry {
                        service: service.clone(),
                        sample: waiting,
                        at: Instant::now(),
                        live: true,
                    },
                );
            }
            streams.insert(
                id,
                tokio::spawn(stream_task(engine, service, task, table.clone())),
            );
        }
    }
}

/// Writes each sample the engine streams for `task` into the table, or why there is none.
async fn stream_task(
    engine: std::result::Result<Docker, String>,
    service: String,
    task: TaskInfo,
    table: Table,
) {
    let put = |sample: TaskStats| {
        if let Ok(mut table) = table.lock() {
            let entry = Entry {
                service: service.clone(),
                live: sample.unavailable.is_none(),
                sample,
                at: Instant::now(),
            };
            table.insert(task.id.clone(), entry);
        }
    };
    let docker = match engine {
        Ok(docker) => docker,
        Err(reason) => return put(unavailable(&task, reason)),
    };
    let container = task.container_id.clone().unwrap_or_default();
    let options = StatsOptions {
        stream: true,
        one_shot: false,
    };
    let mut samples = docker.stats(&container, Some(options));
    while let Some(sample) = samples.next().await {
        match sample {
            Ok(response) => put(sample_of(&task, &response)),
            Err(error) => {
                put(unavailable(&task, Error::from(error).to_string()));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sample: TaskStats, age: Duration, live: bool) -> Entry {
        Entry {
            service: "web".into(),
            sample,
            at: Instant::now().checked_sub(age).unwrap_or_else(Instant::now),
            live,
        }
    }

    fn sample(unavailable: Option<&str>) -> TaskStats {
        TaskStats {
            task_id: "t1".into(),
            slot: Some(1),
            cpu_percent: 12.0,
            memory_bytes: 100,
            memory_limit_bytes: Some(200),
            network_rx_bytes: 1,
            network_tx_bytes: 2,
            unavailable: unavailable.map(Into::into),
        }
    }

    #[test]
    fn figures_a_quiet_stream_left_behind_give_way_to_a_note_and_a_failure_keeps_its_own() {
        let fresh = current(&entry(sample(None), Duration::ZERO, true)).1;
        assert_eq!(fresh, sample(None));

        let stale = current(&entry(sample(None), Duration::from_secs(8), true)).1;
        assert_eq!(stale.cpu_percent, 0.0);
        assert_eq!(stale.memory_limit_bytes, None);
        assert_eq!(
            stale.unavailable.as_deref(),
            Some("the engine of its node sent no figures for 8 s")
        );

        let failed = current(&entry(
            sample(Some("no such container")),
            Duration::from_secs(8),
            false,
        ))
        .1;
        assert_eq!(failed.unavailable.as_deref(), Some("no such container"));
    }
}
