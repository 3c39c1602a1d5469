//! Resource use of running tasks from the engine's stats API — CPU, memory against the limit, network in and
//! out — summed per service and per organization. Each task is read from the engine of its node, all at once and
//! each with its own deadline, so one slow or unreachable engine never holds up the others. The file is long for
//! its unit tests: the arithmetic of samples and sums is checked beside it.

use std::time::Duration;

use bollard::models::ContainerStatsResponse;
use bollard::query_parameters::StatsOptions;
use bollard::Docker;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::TaskInfo;
use crate::Orchestrator;

mod follow;
mod scope;

pub(crate) use scope::{ScopeService, ScopeTask};

/// How long one task's sample may take; the engine needs about a second for two CPU readings.
const SAMPLE_DEADLINE: Duration = Duration::from_secs(5);

/// Whose tasks to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum StatsScope {
    /// Every service Swarmdeck manages.
    All,
    /// Every service of an organization.
    Org(String),
    /// One service, by its swarm name.
    Service(String),
}

/// One task's use at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStats {
    /// The task.
    pub task_id: String,
    /// Its slot, for replicated services.
    pub slot: Option<u64>,
    /// Share of one core, in percent (two busy cores read 200).
    pub cpu_percent: f64,
    /// Memory in use, without the page cache the kernel can drop.
    pub memory_bytes: u64,
    /// The task's memory limit, when it has one.
    pub memory_limit_bytes: Option<u64>,
    /// Bytes received over every network since the task started.
    pub network_rx_bytes: u64,
    /// Bytes sent over every network since the task started.
    pub network_tx_bytes: u64,
    /// Why there is no sample (engine of its node out of reach, no answer in time); the figures are then zero.
    pub unavailable: Option<String>,
}

/// A service's tasks and their sums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceStats {
    /// Swarm service name.
    pub service_name: String,
    /// The organization its labels name.
    pub org_id: Option<String>,
    /// Sums over the tasks.
    pub total: UsageTotal,
    /// Each running task.
    pub tasks: Vec<TaskStats>,
}

/// Sums over several tasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageTotal {
    /// Percent of one core.
    pub cpu_percent: f64,
    /// Memory in use.
    pub memory_bytes: u64,
    /// Sum of the limits of the tasks that have one.
    pub memory_limit_bytes: u64,
    /// Received.
    pub network_rx_bytes: u64,
    /// Sent.
    pub network_tx_bytes: u64,
}

impl UsageTotal {
    fn add(&mut self, task: &TaskStats) {
        self.cpu_percent += task.cpu_percent;
        self.memory_bytes += task.memory_bytes;
        self.memory_limit_bytes += task.memory_limit_bytes.unwrap_or(0);
        self.network_rx_bytes += task.network_rx_bytes;
        self.network_tx_bytes += task.network_tx_bytes;
    }

    fn merge(&mut self, other: &UsageTotal) {
        self.cpu_percent += other.cpu_percent;
        self.memory_bytes += other.memory_bytes;
        self.memory_limit_bytes += other.memory_limit_bytes;
        self.network_rx_bytes += other.network_rx_bytes;
        self.network_tx_bytes += other.network_tx_bytes;
    }
}

/// The use of a scope's running tasks at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsReport {
    /// What was read.
    pub scope: StatsScope,
    /// Sums over every service.
    pub total: UsageTotal,
    /// Per service, by name.
    pub services: Vec<ServiceStats>,
    /// Sums per organization, by id.
    pub orgs: Vec<OrgStats>,
}

/// An organization's sums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgStats {
    /// The organization.
    pub org_id: String,
    /// Sums over its services.
    pub total: UsageTotal,
}

impl Orchestrator {
    /// What a user's `target` names: nothing is everything; a Swarmdeck service's name is that service; anything
    /// else must be an organization id.
    pub async fn stats_scope(&self, target: Option<&str>) -> Result<StatsScope> {
        let Some(target) = target else {
            return Ok(StatsScope::All);
        };
        if self.find_service(target).await?.is_some() {
            self.inspect_ours(target).await?;
            return Ok(StatsScope::Service(target.to_string()));
        }
        crate::validate::org_id(target).map_err(|_| Error::NotFound {
            kind: "service or organization",
            name: target.to_string(),
        })?;
        Ok(StatsScope::Org(target.to_string()))
    }

    /// Reads every running task of the scope once, each from its node's engine, all concurrently.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn stats(&self, scope: &StatsScope) -> Result<StatsReport> {
        let (services, tasks) = self.scope_tasks(scope).await?;
        let reads = tasks
            .into_iter()
            .map(|(service, task, engine)| async move { (service, read_task(engine, task).await) });
        let samples = futures_util::future::join_all(reads).await;
        Ok(report_of(scope, &services, samples))
    }
}

/// The report of `samples` (each with its service's name), summed per service, per organization and in total.
pub(crate) fn report_of(
    scope: &StatsScope,
    services: &[ScopeService],
    samples: impl IntoIterator<Item = (String, TaskStats)>,
) -> StatsReport {
    let mut by_service: Vec<ServiceStats> = services
        .iter()
        .map(|service| ServiceStats {
            service_name: service.name.clone(),
            org_id: service.org_id.clone(),
            total: UsageTotal::default(),
            tasks: Vec::new(),
        })
        .collect();
    let mut total = UsageTotal::default();
    for (name, sample) in samples {
        if let Some(service) = by_service.iter_mut().find(|s| s.service_name == name) {
            service.total.add(&sample);
            total.add(&sample);
            service.tasks.push(sample);
        }
    }
    for service in &mut by_service {
        service.tasks.sort_by_key(|task| task.slot);
    }
    by_service.sort_by(|a, b| a.service_name.cmp(&b.service_name));
    let mut orgs: Vec<OrgStats> = Vec::new();
    for service in &by_service {
        let Some(org_id) = &service.org_id else {
            continue;
        };
        match orgs.iter_mut().find(|org| &org.org_id == org_id) {
            Some(org) => org.total.merge(&service.total),
            None => orgs.push(OrgStats {
                org_id: org_id.clone(),
                total: service.total.clone(),
            }),
        }
    }
    orgs.sort_by(|a, b| a.org_id.cmp(&b.org_id));
    StatsReport {
        scope: scope.clone(),
        total,
        services: by_service,
        orgs,
    }
}

/// A task without figures, and why.
pub(crate) fn unavailable(task: &TaskInfo, reason: String) -> TaskStats {
    TaskStats {
        task_id: task.id.clone(),
        slot: task.slot,
        cpu_percent: 0.0,
        memory_bytes: 0,
        memory_limit_bytes: None,
        network_rx_bytes: 0,
        network_tx_bytes: 0,
        unavailable: Some(reason),
    }
}

/// One sample of `task` from `engine`, or the reason there is none.
async fn read_task(engine: std::result::Result<Docker, String>, task: TaskInfo) -> TaskStats {
    let docker = match engine {
        Ok(docker) => docker,
        Err(reason) => return unavailable(&task, reason),
    };
    let container = task.container_id.clone().unwrap_or_default();
    let options = StatsOptions {
        stream: false,
        one_shot: false,
    };
    let read = tokio::time::timeout(
        SAMPLE_DEADLINE,
        docker.stats(&container, Some(options)).next(),
    )
    .await;
    match read {
        Ok(Some(Ok(response))) => sample_of(&task, &response),
        Ok(Some(Err(error))) => unavailable(&task, Error::from(error).to_string()),
        Ok(None) => unavailable(&task, "the engine sent no sample".to_string()),
        Err(_) => unavailable(
            &task,
            format!(
                "the engine of its node did not answer within {} s",
                SAMPLE_DEADLINE.as_secs()
            ),
        ),
    }
}

/// The figures of one stats response: CPU from the change between its two readings, memory without the
/// reclaimable page cache (as `docker stats` shows it).
pub(crate) fn sample_of(task: &TaskInfo, response: &ContainerStatsResponse) -> TaskStats {
    let cpu = response.cpu_stats.clone().unwrap_or_default();
    let previous = response.precpu_stats.clone().unwrap_or_default();
    let used = |stats: &bollard::models::ContainerCpuStats| {
        stats
            .cpu_usage
            .as_ref()
            .and_then(|u| u.total_usage)
            .unwrap_or(0)
    };
    let cpu_delta = used(&cpu).saturating_sub(used(&previous)) as f64;
    let system_delta = cpu
        .system_cpu_usage
        .unwrap_or(0)
        .saturating_sub(previous.system_cpu_usage.unwrap_or(0)) as f64;
    let cores = cpu.online_cpus.map(f64::from).unwrap_or(1.0);
    let cpu_percent = if system_delta > 0.0 {
        cpu_delta / system_delta * cores * 100.0
    } else {
        0.0
    };
    let memory = response.memory_stats.clone().unwrap_or_default();
    let cache = memory.stats.as_ref().and_then(|stats| {
        ["inactive_file", "total_inactive_file"]
            .iter()
            .find_map(|key| stats.get(*key).copied())
    });
    let memory_bytes = memory.usage.unwrap_or(0).saturating_sub(cache.unwrap_or(0));
    // Without a limit the engine reports the host's memory.
    let memory_limit_bytes = memory.limit.filter(|limit| *limit > 0);
    let (network_rx_bytes, network_tx_bytes) =
        response
            .networks
            .iter()
            .flatten()
            .fold((0, 0), |(rx, tx), (_, network)| {
                (
                    rx + network.rx_bytes.unwrap_or(0),
                    tx + network.tx_bytes.unwrap_or(0),
                )
            });
    TaskStats {
        task_id: task.id.clone(),
        slot: task.slot,
        cpu_percent,
        memory_bytes,
        memory_limit_bytes,
        network_rx_bytes,
        network_tx_bytes,
        unavailable: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use bollard::models::{
        ContainerCpuStats, ContainerCpuUsage, ContainerMemoryStats, ContainerNetworkStats,
    };

    fn cpu(total: u64, system: u64) -> ContainerCpuStats {
        ContainerCpuStats {
            cpu_usage: Some(ContainerCpuUsage {
                total_usage: Some(total),
                ..Default::default()
            }),
            system_cpu_usage: Some(system),
            online_cpus: Some(2),
            ..Default::default()
        }
    }

    #[test]
    fn a_sample_reads_cpu_from_the_change_memory_without_cache_and_sums_networks() {
        let task = TaskInfo {
            id: "t1".into(),
            service_id: "s1".into(),
            slot: Some(1),
            state: "running".into(),
            desired_state: "running".into(),
            health: crate::model::TaskHealth::Healthy,
            node_id: None,
            error: None,
            message: None,
            container_id: Some("c1".into()),
            deployment_id: None,
            exit_code: None,
            updated_at: None,
        };
        let network = |rx, tx| ContainerNetworkStats {
            rx_bytes: Some(rx),
            tx_bytes: Some(tx),
            ..Default::default()
        };
        let response = ContainerStatsResponse {
            // One core busy for the whole second of a two-core host: 100 % of one core.
            cpu_stats: Some(cpu(2_000_000_000, 12_000_000_000)),
            precpu_stats: Some(cpu(1_000_000_000, 10_000_000_000)),
            memory_stats: Some(ContainerMemoryStats {
                usage: Some(50 << 20),
                limit: Some(128 << 20),
                stats: Some(HashMap::from([("inactive_file".to_string(), 10 << 20)])),
                ..Default::default()
            }),
            networks: Some(HashMap::from([
                ("eth0".to_string(), network(100, 10)),
                ("eth1".to_string(), network(5, 1)),
            ])),
            ..Default::default()
        };
        let sample = sample_of(&task, &response);
        assert!((sample.cpu_percent - 100.0).abs() < 1e-9, "{sample:?}");
        assert_eq!(sample.memory_bytes, 40 << 20);
        assert_eq!(sample.memory_limit_bytes, Some(128 << 20));
        assert_eq!(
            (sample.network_rx_bytes, sample.network_tx_bytes),
            (105, 11)
        );

        let first = ContainerStatsResponse::default();
        assert_eq!(sample_of(&task, &first).cpu_percent, 0.0);
    }

    #[test]
    fn a_report_sums_per_service_per_organization_and_in_total() {
        let service = |name: &str, org: Option<&str>| ScopeService {
            name: name.into(),
            id: format!("{name}-id"),
            org_id: org.map(Into::into),
        };
        let sample = |id: &str, cpu: f64, memory: u64| TaskStats {
            task_id: id.into(),
            slot: None,
            cpu_percent: cpu,
            memory_bytes: memory,
            memory_limit_bytes: Some(100),
            network_rx_bytes: 1,
            network_tx_bytes: 2,
            unavailable: None,
        };
        let services = [
            service("b-web", Some("beta")),
            service("a-web", Some("alpha")),
            service("a-db", Some("alpha")),
            service("loose", None),
        ];
        let report = report_of(
            &StatsScope::All,
            &services,
            [
                ("a-web".to_string(), sample("t1", 10.0, 5)),
                ("a-web".to_string(), sample("t2", 20.0, 5)),
                ("a-db".to_string(), sample("t3", 30.0, 5)),
                ("b-web".to_string(), sample("t4", 40.0, 5)),
                ("loose".to_string(), sample("t5", 50.0, 5)),
                ("gone".to_string(), sample("t6", 60.0, 5)),
            ],
        );
        let names: Vec<&str> = report
            .services
            .iter()
            .map(|s| s.service_name.as_str())
            .collect();
        assert_eq!(names, ["a-db", "a-web", "b-web", "loose"]);
        let orgs: Vec<(&str, f64, u64)> = report
            .orgs
            .iter()
            .map(|org| {
                (
                    org.org_id.as_str(),
                    org.total.cpu_percent,
                    org.total.memory_limit_bytes,
                )
            })
            .collect();
        assert_eq!(orgs, [("alpha", 60.0, 300), ("beta", 40.0, 100)]);
        assert!(
            (report.total.cpu_percent - 150.0).abs() < 1e-9,
            "{report:?}"
        );
        assert_eq!(report.total.network_tx_bytes, 10);
    }
}
