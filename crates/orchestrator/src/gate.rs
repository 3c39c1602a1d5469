//! The post-deploy health check: judges a written spec by its tasks, and reports progress on the way.
//!
//! The file is long because the check is one loop whose parts belong together: reading the engine, the verdict
//! rules, when each task became ready by the engine's clock, what wakes the loop, and the progress it reports.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{Service, TaskState};
use bollard::query_parameters::EventsOptions;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;
use tracing::warn;

use crate::error::Result;
use crate::model::{HealthGate, TaskHealth, TaskInfo, UpdateState, UpdateStatus};
use crate::retry::Backoff;
use crate::Orchestrator;

/// Waits between health check reads that failed transiently.
const READ_BACKOFF: Backoff = Backoff {
    initial: Duration::from_millis(250),
    max_delay: Duration::from_secs(4),
    attempts: u32::MAX,
};

/// The manager records a task's new state a moment after its container's event; looking at once would miss it.
const AFTER_EVENT: Duration = Duration::from_millis(100);

/// How long the engine may take to say what time it is before the gate counts tasks from when it saw them.
const CLOCK_READ: Duration = Duration::from_secs(5);

/// Where progress of a long call goes; the app forwards it to the UI, the CLI prints it.
pub type ProgressSender = UnboundedSender<Progress>;

/// A step of a deploy, update or rollback as it happens.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Progress {
    /// A phase of the call began.
    Phase {
        /// What is happening, in words.
        message: String,
    },
    /// A task changed state or health.
    Task {
        /// The task.
        task: Box<TaskInfo>,
        /// Whether it runs the spec being deployed (as opposed to the one being replaced).
        new: bool,
    },
    /// The swarm's update state changed.
    Update {
        /// The new status.
        status: UpdateStatus,
    },
}

/// Options of a call that writes a spec.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// How the result is judged.
    pub gate: HealthGate,
    /// Where to report progress.
    pub progress: Option<ProgressSender>,
}

impl RunOptions {
    pub(crate) fn phase(&self, message: impl Into<String>) {
        if let Some(progress) = &self.progress {
            // A closed receiver means nobody watches any more; the work goes on.
            let _ = progress.send(Progress::Phase {
                message: message.into(),
            });
        }
    }

    fn send(&self, event: Progress) {
        if let Some(progress) = &self.progress {
            let _ = progress.send(event);
        }
    }
}

/// What the spec was written for, and so what counts as success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// A new service: no update state.
    Create,
    /// An update of an existing service.
    Update,
}

/// The gate's verdict.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    /// Every task of the spec ran and stayed healthy for the settle time.
    Healthy { container_id: Option<String> },
    /// The swarm restored the previous spec on its own.
    RolledBackBySwarm(String),
    /// Another deployment replaced the spec while it was judged.
    Superseded(String),
    /// Tasks failed or turned unhealthy, or the deadline passed.
    Unhealthy(String),
    /// The engine could not be read long enough to judge; nobody knows yet how the deployment went.
    Interrupted(String),
}

impl Orchestrator {
    /// Watches the tasks of `deployment_id` until they are all running and healthy and each has been for
    /// `gate.settle`, something decides otherwise, or `gate.timeout` passes. Each task's settle time starts when
    /// the engine says it turned running (for a task with a health check: healthy), so it overlaps the swarm's own
    /// monitor window instead of following it; an update the swarm still reports as rolling is judged once its
    /// tasks outlived that window too (see [`watch_window`]). The gate looks again on every engine event of the
    /// service and its containers, and at least every `gate.poll`.
    pub(crate) async fn judge(
        &self,
        service_id: &str,
        deployment_id: &str,
        expect: Expect,
        options: &RunOptions,
    ) -> Result<Verdict> {
        let gate = &options.gate;
        let deadline = Instant::now() + gate.timeout;
        let mut ready_since = ReadySince {
            engine_offset: self.engine_clock_offset().await,
            since: HashMap::new(),
        };
        let mut wakeups = Some(self.gate_wakeups(service_id));
        let mut last_update: Option<UpdateStatus> = None;
        let mut seen: HashMap<String, (String, String, TaskHealth)> = HashMap::new();
        let mut failed_reads = 0;
        loop {
            let (service, tasks) = match self.observe(service_id).await {
                Ok(observed) => {
                    failed_reads = 0;
                    observed
                }
                // A busy or restarting engine is no verdict: look again, backing off, until the gate's deadline.
                Err(error) if error.is_transient() => {
                    failed_reads += 1;
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(Verdict::Interrupted(format!(
                            "the engine did not answer the health check before its deadline ({:?}): {error}",
                            gate.timeout
                        )));
                    }
                    warn!(%service_id, attempt = failed_reads, %error, "health check read failed; retrying");
                    let backoff = READ_BACKOFF.delay(failed_reads);
                    tokio::time::sleep(backoff.min(deadline.saturating_duration_since(now))).await;
                    continue;
                }
                Err(error) => return Err(error),
            };
            let update = crate::status::update_status(&service);
            if last_update.as_ref() != Some(&update) {
                options.send(Progress::Update {
                    status: update.clone(),
                });
                last_update = Some(update.clone());
            }
            let live = service.spec.as_ref().and_then(crate::spec::deployment_of);
            if live.as_deref() != Some(deployment_id) {
                let message = update.message.clone().unwrap_or_default();
                return Ok(if update.state.is_rollback() {
                    Verdict::RolledBackBySwarm(message)
                } else {
                    Verdict::Superseded(live.unwrap_or_default())
                });
            }
            match update.state {
                UpdateState::Paused | UpdateState::RollbackPaused => {
                    return Ok(Verdict::Unhealthy(format!(
                        "the swarm paused the update: {}",
                        update.message.unwrap_or_default()
                    )))
                }
                UpdateState::RollbackStarted | UpdateState::RollbackCompleted
                    if expect == Expect::Update =>
                {
                    return Ok(Verdict::RolledBackBySwarm(
                        update.message.unwrap_or_default(),
                    ))
                }
                _ => {}
            }
            let desired = desired_replicas(&service);
            // One poll is one simultaneous snapshot; within it the new tasks are reported before the old ones,
            // so a reader replaying the events sees what was already running when an old task was told to stop.
            let is_new = |task: &TaskInfo| task.deployment_id.as_deref() == Some(deployment_id);
            let snapshot = tasks
                .iter()
                .filter(|t| is_new(t))
                .chain(tasks.iter().filter(|t| !is_new(t)));
            for task in snapshot {
                let key = (task.state.clone(), task.desired_state.clone(), task.health);
                if seen.get(&task.id) != Some(&key) {
                    seen.insert(task.id.clone(), key);
                    options.send(Progress::Task {
                        task: Box::new(task.clone()),
                        new: is_new(task),
                    });
                }
            }
            let ours: Vec<&TaskInfo> = tasks
                .iter()
                .filter(|t| t.deployment_id.as_deref() == Some(deployment_id))
                .collect();
            let failure = ours.iter().find_map(|task| task_failure(task));
            let engine_done = match expect {
                Expect::Create => {
                    matches!(update.state, UpdateState::None | UpdateState::Completed)
                }
                Expect::Update => update.state == UpdateState::Completed,
            };
            if let (true, Some(reason)) = (engine_done, &failure) {
                return Ok(Verdict::Unhealthy(reason.clone()));
            }
            let old_all_stopping = tasks
                .iter()
                .filter(|t| !is_new(t))
                .all(|t| t.desired_state != "running");
            let watch_for = watch_window(
                expect,
                update.state,
                old_all_stopping,
                gate.settle,
                update_monitor(&service),
            );
            let ready: Vec<&&TaskInfo> = ours
                .iter()
                .filter(|t| {
                    t.desired_state == "running"
                        && t.state == "running"
                        && t.health.counts_as_healthy()
                })
                .collect();
            let all_ready =
                watch_for.is_some() && failure.is_none() && ready.len() as u64 >= desired;
            let now = Instant::now();
            ready_since.track(&ready, now);
            let settle_left = ready_since
                .youngest(now)
                .map(|watched| watch_for.unwrap_or(gate.settle).saturating_sub(watched));
            if all_ready && settle_left == Some(Duration::ZERO) {
                if !engine_done {
                    options.phase(format!(
                        "every new task has run healthy past the update's monitor window; the swarm marks the \
                         update completed after its update delay ({:?})",
                        update_delay(&service)
                    ));
                }
                let container_id = ready.iter().find_map(|t| t.container_id.clone());
                return Ok(Verdict::Healthy { container_id });
            }
            if now >= deadline {
                return Ok(Verdict::Unhealthy(format!(
                    "not healthy after {:?}: {} of {desired} tasks of deployment {deployment_id} running and healthy, update {:?}{}",
                    gate.timeout,
                    ready.len(),
                    update.state,
                    failure.map(|f| format!("; {f}")).unwrap_or_default()
                )));
            }
            let wait = match settle_left {
                Some(left) if all_ready => gate.poll.min(left),
                _ => gate.poll,
            };
            let nap = tokio::time::sleep(
                wait.min(deadline.saturating_duration_since(now))
                    .max(Duration::from_millis(50)),
            );
            match wakeups.as_mut() {
                Some(events) => tokio::select! {
                    () = nap => {}
                    event = events.next() => match event {
                        Some(()) => tokio::time::sleep(AFTER_EVENT).await,
                        // Without events the gate still looks every `poll`.
                        None => wakeups = None,
                    },
                },
                None => nap.await,
            }
        }
    }

    /// The engine's clock minus ours, so task times the engine stamped can be compared with now; `None` when the
    /// engine does not say in time.
    async fn engine_clock_offset(&self) -> Option<chrono::TimeDelta> {
        let info = tokio::time::timeout(CLOCK_READ, self.docker.info())
            .await
            .ok()?
            .ok()?;
        let engine_now = chrono::DateTime::parse_from_rfc3339(info.system_time.as_deref()?).ok()?;
        Some(engine_now.with_timezone(&chrono::Utc) - chrono::Utc::now())
    }

    /// A tick for every engine event of the service (its update state) or of its containers (start, health, exit);
    /// ends when the stream fails.
    fn gate_wakeups(&self, service_id: &str) -> BoxStream<'static, ()> {
        let subscribe = |filters: [(&str, String); 2]| {
            let filters = filters
                .into_iter()
                .map(|(key, value)| (key.to_string(), vec![value]))
                .collect();
            self.docker.events(Some(EventsOptions {
                since: None,
                until: None,
                filters: Some(filters),
            }))
        };
        let service = subscribe([
            ("type", "service".to_string()),
            ("service", service_id.to_string()),
        ]);
        let containers = subscribe([
            ("type", "container".to_string()),
            ("label", format!("com.docker.swarm.service.id={service_id}")),
        ]);
        futures_util::stream::select(service, containers)
            .take_while(|event| std::future::ready(event.is_ok()))
            .map(|_| ())
            .boxed()
    }

    /// The service and its tasks, read together for one look of the gate.
    async fn observe(&self, service_id: &str) -> Result<(Service, Vec<TaskInfo>)> {
        let service = self.docker.inspect_service(service_id, None).await?;
        let tasks = self.task_infos(service_id).await?;
        Ok((service, tasks))
    }
}

/// When each ready task of the deployment became ready, on our clock.
struct ReadySince {
    /// The engine's clock minus ours; without it a task counts from when the gate first saw it ready.
    engine_offset: Option<chrono::TimeDelta>,
    since: HashMap<String, Instant>,
}

impl ReadySince {
    /// Remembers newly ready tasks from the time the engine stamped on their state, and forgets tasks no longer
    /// ready (a task that comes back is a new task with a new stamp).
    fn track(&mut self, ready: &[&&TaskInfo], now: Instant) {
        self.since
            .retain(|id, _| ready.iter().any(|task| &task.id == id));
        let engine_now = self.engine_offset.map(|offset| chrono::Utc::now() + offset);
        for task in ready {
            if !self.since.contains_key(&task.id) {
                let ready_for = engine_now
                    .and_then(|engine_now| ready_for(task.updated_at.as_deref()?, engine_now))
                    .unwrap_or_default();
                let since = now.checked_sub(ready_for).unwrap_or(now);
                self.since.insert(task.id.clone(), since);
            }
        }
    }

    /// How long the most recently ready task has been ready; `None` when none is.
    fn youngest(&self, now: Instant) -> Option<Duration> {
        self.since
            .values()
            .map(|since| now.saturating_duration_since(*since))
            .min()
    }
}

/// How long ago, by the engine's clock, a task's state was stamped; `None` for a stamp that does not parse or lies
/// in the future.
fn ready_for(stamp: &str, engine_now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let stamped = chrono::DateTime::parse_from_rfc3339(stamp).ok()?;
    (engine_now - stamped.with_timezone(&chrono::Utc))
        .to_std()
        .ok()
}

fn task_failure(task: &TaskInfo) -> Option<String> {
    let failed = [TaskState::FAILED, TaskState::REJECTED].map(|s| s.to_string());
    if failed.contains(&task.state) {
        let detail = task
            .error
            .clone()
            .or_else(|| task.message.clone())
            .unwrap_or_default();
        if detail.contains("No such image") {
            // Without a registry a node cannot pull: the image has to be put on each node that may run a task.
            let node = task.node_id.as_deref().map(short).unwrap_or("?");
            return Some(format!(
                "task {} {} on node {node}: {detail}; the image is not on that node and the node cannot pull it \
                 (no registry it reaches): push it to a registry the node reaches or load it on the node \
                 (Swarmdeck copies it to the nodes of a local cluster before each deploy)",
                short(&task.id),
                task.state
            ));
        }
        return Some(format!("task {} {}: {detail}", short(&task.id), task.state));
    }
    (task.state == "running" && task.health == TaskHealth::Unhealthy)
        .then(|| format!("task {} is running but unhealthy", short(&task.id)))
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// How long each new task must have run healthy before the gate may call the spec healthy, or `None` while the
/// engine's state rules a verdict out. An update the swarm still reports as rolling is judged as soon as every slot
/// has its new task (no old task is meant to run any more) and each was watched past the update's monitor window:
/// the swarm then no longer acts on a failure of those tasks, and what remains of its update is the delay after
/// the last batch, which the docker CLI does not wait for either.
fn watch_window(
    expect: Expect,
    state: UpdateState,
    old_all_stopping: bool,
    settle: Duration,
    monitor: Duration,
) -> Option<Duration> {
    match (expect, state) {
        (Expect::Create, UpdateState::None | UpdateState::Completed)
        | (Expect::Update, UpdateState::Completed) => Some(settle),
        (Expect::Update, UpdateState::Updating) if old_all_stopping => Some(settle.max(monitor)),
        _ => None,
    }
}

fn update_monitor(service: &Service) -> Duration {
    update_config_nanos(service, |config| config.monitor)
}

fn update_delay(service: &Service) -> Duration {
    update_config_nanos(service, |config| config.delay)
}

fn update_config_nanos(
    service: &Service,
    field: impl Fn(&bollard::models::ServiceSpecUpdateConfig) -> Option<i64>,
) -> Duration {
    service
        .spec
        .as_ref()
        .and_then(|spec| spec.update_config.as_ref())
        .and_then(field)
        .and_then(|nanos| u64::try_from(nanos).ok())
        .map_or(Duration::ZERO, Duration::from_nanos)
}

fn desired_replicas(service: &Service) -> u64 {
    service
        .spec
        .as_ref()
        .and_then(|spec| spec.mode.as_ref()?.replicated.as_ref()?.replicas)
        .and_then(|r| u64::try_from(r).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_counts_as_ready_from_the_engines_stamp() {
        let engine_now = chrono::DateTime::parse_from_rfc3339("2026-12-02T12:00:10.5Z")
            .map(|t| t.with_timezone(&chrono::Utc))
            .expect("a valid time");
        assert_eq!(
            ready_for("2026-12-02T12:00:00.250000000Z", engine_now),
            Some(Duration::from_millis(10_250))
        );
        assert_eq!(ready_for("2026-12-02T12:00:11Z", engine_now), None);
        assert_eq!(ready_for("not a time", engine_now), None);
    }

    #[test]
    fn an_update_is_judged_once_its_tasks_outlived_the_monitor_window() {
        let (settle, monitor) = (Duration::from_secs(10), Duration::from_secs(15));
        let window = |expect, state, old_all_stopping| {
            watch_window(expect, state, old_all_stopping, settle, monitor)
        };
        assert_eq!(
            window(Expect::Update, UpdateState::Completed, true),
            Some(settle)
        );
        assert_eq!(
            window(Expect::Update, UpdateState::Updating, true),
            Some(monitor)
        );
        assert_eq!(window(Expect::Update, UpdateState::Updating, false), None);
        assert_eq!(window(Expect::Update, UpdateState::None, true), None);
        assert_eq!(
            window(Expect::Update, UpdateState::RollbackStarted, true),
            None
        );
        assert_eq!(
            window(Expect::Create, UpdateState::None, true),
            Some(settle)
        );
        assert_eq!(window(Expect::Create, UpdateState::Updating, true), None);
        assert_eq!(
            watch_window(Expect::Update, UpdateState::Updating, true, monitor, settle),
            Some(monitor),
            "a settle time longer than the monitor window wins"
        );
    }

    #[test]
    fn failed_and_unhealthy_tasks_are_failures() {
        let task = |state: &str, health| TaskInfo {
            id: "abcdefabcdefabcdef".into(),
            service_id: "s1".into(),
            slot: Some(1),
            state: state.into(),
            desired_state: "running".into(),
            health,
            node_id: None,
            error: Some("task: non-zero exit (1)".into()),
            message: None,
            container_id: None,
            deployment_id: None,
            exit_code: Some(1),
            updated_at: None,
        };
        assert!(task_failure(&task("failed", TaskHealth::Unknown))
            .is_some_and(|r| r.contains("non-zero exit")));
        assert!(task_failure(&task("running", TaskHealth::Unhealthy)).is_some());
        assert!(task_failure(&task("running", TaskHealth::Healthy)).is_none());
        assert!(task_failure(&task("starting", TaskHealth::Starting)).is_none());
        let missing = TaskInfo {
            node_id: Some("n0de1234567890".into()),
            error: Some("No such image: app:v2".into()),
            ..task("rejected", TaskHealth::Unknown)
        };
        let reason = task_failure(&missing).unwrap_or_default();
        assert!(
            reason.contains("on node n0de12345678") && reason.contains("push it to a registry"),
            "{reason}"
        );
    }
}
