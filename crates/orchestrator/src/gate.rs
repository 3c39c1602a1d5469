//! The post-deploy health check: judges a written spec by its tasks, and reports progress on the way.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{Service, TaskState};
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
    /// Watches the tasks of `deployment_id` until they are all running and healthy for `gate.settle`, something
    /// decides otherwise, or `gate.timeout` passes.
    pub(crate) async fn judge(
        &self,
        service_id: &str,
        deployment_id: &str,
        expect: Expect,
        options: &RunOptions,
    ) -> Result<Verdict> {
        let gate = &options.gate;
        let deadline = Instant::now() + gate.timeout;
        let mut healthy_since: Option<Instant> = None;
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
            let settled_state = match expect {
                Expect::Create => {
                    matches!(update.state, UpdateState::None | UpdateState::Completed)
                }
                Expect::Update => update.state == UpdateState::Completed,
            };
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
            if let (true, Some(reason)) = (settled_state, &failure) {
                return Ok(Verdict::Unhealthy(reason.clone()));
            }
            let ready: Vec<&&TaskInfo> = ours
                .iter()
                .filter(|t| {
                    t.desired_state == "running"
                        && t.state == "running"
                        && t.health.counts_as_healthy()
                })
                .collect();
            let all_ready = settled_state && failure.is_none() && ready.len() as u64 >= desired;
            let now = Instant::now();
            healthy_since = if all_ready {
                healthy_since.or(Some(now))
            } else {
                None
            };
            if let Some(since) = healthy_since {
                if now.duration_since(since) >= gate.settle {
                    let container_id = ready.iter().find_map(|t| t.container_id.clone());
                    return Ok(Verdict::Healthy { container_id });
                }
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
            let wait = if healthy_since.is_some() {
                gate.poll.min(gate.settle)
            } else {
                gate.poll
            };
            tokio::time::sleep(
                wait.min(deadline.saturating_duration_since(now))
                    .max(Duration::from_millis(50)),
            )
            .await;
        }
    }

    /// The service and its tasks, read together for one look of the gate.
    async fn observe(&self, service_id: &str) -> Result<(Service, Vec<TaskInfo>)> {
        let service = self.docker.inspect_service(service_id, None).await?;
        let tasks = self.task_infos(service_id).await?;
        Ok((service, tasks))
    }
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
