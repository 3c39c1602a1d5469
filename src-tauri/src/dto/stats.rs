//! Resource use of running tasks, as the service panel follows it.

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use crate::error::AppError;

/// Whose tasks to follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum StatsScope {
    /// Every service Swarmdeck manages.
    All,
    /// Every service of an organization.
    Org(String),
    /// One service, by its swarm name.
    Service(String),
}

impl From<StatsScope> for core::StatsScope {
    fn from(value: StatsScope) -> Self {
        match value {
            StatsScope::All => core::StatsScope::All,
            StatsScope::Org(org) => core::StatsScope::Org(org),
            StatsScope::Service(name) => core::StatsScope::Service(name),
        }
    }
}

/// One task's use at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct TaskStats {
    /// The task.
    pub task_id: String,
    /// Its slot.
    pub slot: Option<u32>,
    /// Percent of one core.
    pub cpu_percent: f64,
    /// Memory in use, in bytes.
    pub memory_bytes: f64,
    /// The memory limit, in bytes, when there is one.
    pub memory_limit_bytes: Option<f64>,
    /// Bytes received since the task started.
    pub network_rx_bytes: f64,
    /// Bytes sent since the task started.
    pub network_tx_bytes: f64,
    /// Why there are no figures.
    pub unavailable: Option<String>,
}

/// Sums over several tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct UsageTotal {
    /// Percent of one core.
    pub cpu_percent: f64,
    /// Memory in use, in bytes.
    pub memory_bytes: f64,
    /// Sum of the tasks' limits, in bytes.
    pub memory_limit_bytes: f64,
    /// Received bytes.
    pub network_rx_bytes: f64,
    /// Sent bytes.
    pub network_tx_bytes: f64,
}

/// A service's tasks and their sums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct ServiceStats {
    /// Swarm service name.
    pub service_name: String,
    /// The organization its labels name.
    pub org_id: Option<String>,
    /// Sums.
    pub total: UsageTotal,
    /// Each running task.
    pub tasks: Vec<TaskStats>,
}

/// The use of a scope's running tasks at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct StatsReport {
    /// Sums over every service.
    pub total: UsageTotal,
    /// Per service.
    pub services: Vec<ServiceStats>,
    /// Per organization, by id.
    pub orgs: Vec<OrgStats>,
}

/// An organization's sums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct OrgStats {
    /// The organization.
    pub org_id: String,
    /// Sums over its services.
    pub total: UsageTotal,
}

/// What a stats follow sends, about once a second.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StatsEvent {
    /// The latest figures.
    Report {
        /// The report.
        report: StatsReport,
    },
    /// A read failed; a transient failure is followed by more reports, any other ends the follow.
    Failed {
        /// Why.
        error: AppError,
    },
}

fn bytes(value: u64) -> f64 {
    value as f64
}

impl From<core::UsageTotal> for UsageTotal {
    fn from(value: core::UsageTotal) -> Self {
        UsageTotal {
            cpu_percent: value.cpu_percent,
            memory_bytes: bytes(value.memory_bytes),
            memory_limit_bytes: bytes(value.memory_limit_bytes),
            network_rx_bytes: bytes(value.network_rx_bytes),
            network_tx_bytes: bytes(value.network_tx_bytes),
        }
    }
}

impl From<core::TaskStats> for TaskStats {
    fn from(value: core::TaskStats) -> Self {
        TaskStats {
            task_id: value.task_id,
            slot: value
                .slot
                .map(|slot| u32::try_from(slot).unwrap_or(u32::MAX)),
            cpu_percent: value.cpu_percent,
            memory_bytes: bytes(value.memory_bytes),
            memory_limit_bytes: value.memory_limit_bytes.map(bytes),
            network_rx_bytes: bytes(value.network_rx_bytes),
            network_tx_bytes: bytes(value.network_tx_bytes),
            unavailable: value.unavailable,
        }
    }
}

impl From<core::StatsReport> for StatsReport {
    fn from(value: core::StatsReport) -> Self {
        StatsReport {
            total: value.total.into(),
            services: value
                .services
                .into_iter()
                .map(|service| ServiceStats {
                    service_name: service.service_name,
                    org_id: service.org_id,
                    total: service.total.into(),
                    tasks: service.tasks.into_iter().map(Into::into).collect(),
                })
                .collect(),
            orgs: value
                .orgs
                .into_iter()
                .map(|org| OrgStats {
                    org_id: org.org_id,
                    total: org.total.into(),
                })
                .collect(),
        }
    }
}

impl From<core::Result<core::StatsReport>> for StatsEvent {
    fn from(value: core::Result<core::StatsReport>) -> Self {
        match value {
            Ok(report) => StatsEvent::Report {
                report: report.into(),
            },
            Err(error) => StatsEvent::Failed {
                error: error.into(),
            },
        }
    }
}
