//! Rendering results: JSON for machines, short aligned text for people.
//!
//! The file is long because every command's result is rendered here, sharing one set of table and wording
//! helpers so the CLI reads the same throughout.

use std::io::Write;

use serde::Serialize;
use swarmdeck_orchestrator::{
    CellVerdict, DeployOutcome, DeploymentRecord, DiskEnforcement, IsolationReport, LogLine,
    LogStream, OrgNetwork, Placement, PreflightFinding, Progress, ServiceStatus, ServiceSummary,
    SwarmInfo, TaskHealth, TaskInfo, Trigger, UpdateState, UpdateStatus,
};

use crate::error::CliError;

pub mod cluster;
pub mod files;
pub mod stack;
pub mod stats;

/// Where a command's result goes, and in which form.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints the result as one JSON document, or as the text `human` renders.
    pub fn emit<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> Result<(), CliError> {
        let mut stdout = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut stdout, value)?;
            writeln!(stdout)?;
        } else {
            stdout.write_all(human(value).as_bytes())?;
        }
        stdout.flush()?;
        Ok(())
    }

    /// One log line: a JSON object per line, or the text on the stream it came from.
    pub fn log_line(&self, line: &LogLine) -> Result<(), CliError> {
        if self.json {
            let mut stdout = std::io::stdout().lock();
            serde_json::to_writer(&mut stdout, line)?;
            writeln!(stdout)?;
            return Ok(());
        }
        let text = log_text(line);
        match line.stream {
            LogStream::Stdout => writeln!(std::io::stdout().lock(), "{text}")?,
            LogStream::Stderr => writeln!(std::io::stderr().lock(), "{text}")?,
        }
        Ok(())
    }

    /// A progress event for stderr: a compact JSON line, or a short human line.
    pub fn progress_line(&self, event: &Progress) -> Result<String, CliError> {
        if self.json {
            Ok(serde_json::to_string(event)?)
        } else {
            Ok(progress_text(event))
        }
    }
}

pub fn log_text(line: &LogLine) -> String {
    match &line.timestamp {
        Some(timestamp) => format!("{timestamp} {}", line.text),
        None => line.text.clone(),
    }
}

pub fn progress_text(event: &Progress) -> String {
    match event {
        Progress::Phase { message } => format!("· {message}"),
        Progress::Task { task, new } => {
            let slot = task.slot.map_or_else(|| "-".to_string(), |s| s.to_string());
            let age = if *new { "new" } else { "old" };
            let mut text = format!(
                "  task {} slot {slot} [{age}] {} {}",
                short(&task.id, 12),
                task.state,
                health_text(task.health)
            );
            // The swarm telling a task to stop is a transition of its own, which reads the same otherwise.
            if task.desired_state != "running" && task.desired_state != task.state {
                text.push_str(&format!(" → {}", task.desired_state));
            }
            if let Some(error) = task.error.as_deref().filter(|e| !e.is_empty()) {
                text.push_str(&format!(": {error}"));
            }
            text
        }
        Progress::Update { status } => {
            let mut text = format!("  update: {}", update_state_text(status.state));
            if let Some(message) = status.message.as_deref().filter(|m| !m.is_empty()) {
                text.push_str(&format!(" ({message})"));
            }
            text
        }
    }
}

pub fn deploy_outcome(verb: &str, outcome: &DeployOutcome) -> String {
    let mut text = format!(
        "{verb} {} (service id {}) deployment {}",
        outcome.service_name,
        short(&outcome.swarm_service_id, 12),
        outcome.deployment_id
    );
    if let Some(container) = &outcome.container_id {
        text.push_str(&format!(" container {}", short(container, 12)));
    }
    text.push('\n');
    text.push_str(&format!(
        "image {} ({})\n",
        outcome.image.requested,
        short_image_id(&outcome.image.image_id)
    ));
    if let DiskEnforcement::NotEnforced { reason } = &outcome.disk {
        text.push_str(&format!("note: disk size not enforced: {reason}\n"));
    }
    text
}

pub fn swarm_info(info: &SwarmInfo) -> String {
    let state = if info.initialized {
        "active, this node manages it".to_string()
    } else {
        format!(
            "not managed here (local node state: {})",
            info.local_node_state
        )
    };
    let mut rows = vec![("swarm", state)];
    if info.created {
        rows.push(("created", "yes, by this call".to_string()));
    }
    rows.extend([
        ("swarm id", or_dash(info.swarm_id.as_deref())),
        ("node id", or_dash(info.node_id.as_deref())),
        (
            "nodes",
            format!(
                "{} ({} manager{})",
                info.nodes,
                info.managers,
                if info.managers == 1 { "" } else { "s" }
            ),
        ),
        ("advertise", or_dash(info.advertise_addr.as_deref())),
        ("engine", or_dash(info.engine_version.as_deref())),
    ]);
    key_values(&rows)
}

pub fn service_status(status: &ServiceStatus) -> String {
    let mut text = key_values(&[
        ("service", status.service_name.clone()),
        ("id", status.swarm_service_id.clone()),
        ("image", or_dash(status.image.as_deref())),
        ("deployment", or_dash(status.deployment_id.as_deref())),
        ("placement", placement_text(&status.placement)),
        (
            "replicas",
            format!("{} running of {} desired", status.running, status.desired),
        ),
        ("update", update_summary(&status.update)),
    ]);
    if status.tasks.is_empty() {
        text.push_str("no tasks\n");
        return text;
    }
    text.push('\n');
    let rows = status.tasks.iter().map(task_row).collect();
    text.push_str(&table(
        &[
            "TASK", "SLOT", "STATE", "DESIRED", "HEALTH", "NODE", "ERROR",
        ],
        rows,
    ));
    text
}

/// "anywhere", or the constraints, the spread and the per-node limit on one line.
pub fn placement_text(placement: &Placement) -> String {
    let mut parts = placement.constraints.clone();
    if let Some(spread) = &placement.spread {
        parts.push(format!("spread over {spread}"));
    }
    if let Some(max) = placement.max_replicas_per_node {
        parts.push(format!("at most {max} per node"));
    }
    if parts.is_empty() {
        "anywhere".to_string()
    } else {
        parts.join(" · ")
    }
}

fn task_row(task: &TaskInfo) -> Vec<String> {
    vec![
        short(&task.id, 12).to_string(),
        task.slot.map_or_else(|| "-".to_string(), |s| s.to_string()),
        task.state.clone(),
        task.desired_state.clone(),
        health_text(task.health).to_string(),
        task.node_id
            .as_deref()
            .map_or_else(|| "-".to_string(), |n| short(n, 12).to_string()),
        task.error.clone().unwrap_or_default(),
    ]
}

pub fn update_status(status: &UpdateStatus) -> String {
    key_values(&[
        ("state", update_state_text(status.state).to_string()),
        ("message", or_dash(status.message.as_deref())),
        ("started", or_dash(status.started_at.as_deref())),
        ("completed", or_dash(status.completed_at.as_deref())),
    ])
}

fn update_summary(status: &UpdateStatus) -> String {
    match status.message.as_deref().filter(|m| !m.is_empty()) {
        Some(message) => format!("{} ({message})", update_state_text(status.state)),
        None => update_state_text(status.state).to_string(),
    }
}

pub fn history(service: &str, records: &[DeploymentRecord]) -> String {
    if records.is_empty() {
        return format!("no deployments recorded for {service}\n");
    }
    let rows = records
        .iter()
        .map(|record| {
            vec![
                record.deployment_id.clone(),
                record.started_at.clone(),
                record.outcome.as_str().to_string(),
                trigger_text(&record.trigger),
                record.image.requested.clone(),
                short_image_id(&record.image.image_id).to_string(),
                record.reason.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &[
            "DEPLOYMENT",
            "STARTED",
            "OUTCOME",
            "TRIGGER",
            "IMAGE",
            "IMAGE ID",
            "REASON",
        ],
        rows,
    )
}

pub fn org_services(org: &str, services: &[ServiceSummary]) -> String {
    if services.is_empty() {
        return format!("no services in organization {org}\n");
    }
    let rows = services
        .iter()
        .map(|service| {
            vec![
                service.service_name.clone(),
                or_dash(service.slug.as_deref()),
                format!("{}/{}", service.running, service.desired),
                or_dash(service.image.as_deref()),
                short(&service.swarm_service_id, 12).to_string(),
            ]
        })
        .collect();
    table(&["SERVICE", "SLUG", "RUNNING", "IMAGE", "ID"], rows)
}

pub fn org_network(network: &OrgNetwork) -> String {
    let verb = if network.created {
        "created"
    } else {
        "exists:"
    };
    let subnets = if network.subnets.is_empty() {
        String::new()
    } else {
        format!(" subnets {}", network.subnets.join(", "))
    };
    format!(
        "{verb} network {} (id {}){subnets}\n",
        network.name,
        short(&network.id, 12)
    )
}

fn trigger_text(trigger: &Trigger) -> String {
    match trigger {
        Trigger::Deploy => "deploy".to_string(),
        Trigger::RollbackPrevious {
            deployment_id: Some(id),
        } => format!("rollback to {id}"),
        Trigger::RollbackPrevious {
            deployment_id: None,
        } => "rollback".to_string(),
        Trigger::RollbackTo { deployment_id } => format!("rollback to {deployment_id}"),
    }
}

fn update_state_text(state: UpdateState) -> &'static str {
    match state {
        UpdateState::None => "none",
        UpdateState::Updating => "updating",
        UpdateState::Paused => "paused",
        UpdateState::Completed => "completed",
        UpdateState::RollbackStarted => "rollback_started",
        UpdateState::RollbackPaused => "rollback_paused",
        UpdateState::RollbackCompleted => "rollback_completed",
    }
}

fn health_text(health: TaskHealth) -> &'static str {
    match health {
        TaskHealth::Healthy => "healthy",
        TaskHealth::Unhealthy => "unhealthy",
        TaskHealth::Starting => "starting",
        TaskHealth::NoCheck => "no_check",
        TaskHealth::Unknown => "unknown",
    }
}

/// `sha256:` and the first 12 hex digits, as `docker images` shows ids.
fn short_image_id(id: &str) -> &str {
    short(id, 19)
}

fn short(id: &str, len: usize) -> &str {
    id.get(..len).unwrap_or(id)
}

fn or_dash(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or("-").to_string()
}

/// `key:  value` lines with the values aligned.
fn key_values(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(key, _)| key.len()).max().unwrap_or(0) + 1;
    rows.iter()
        .map(|(key, value)| format!("{:<width$} {value}\n", format!("{key}:")))
        .collect()
}

/// Columns padded to their widest cell; the last is left ragged so long errors do not pad every line.
pub(crate) fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    std::iter::once(header)
        .chain(rows)
        .map(|row| {
            let last = row.len().saturating_sub(1);
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let width = widths.get(i).copied().unwrap_or(0);
                    if i == last {
                        cell.clone()
                    } else {
                        format!("{cell:<width$}")
                    }
                })
                .collect();
            format!("{}\n", cells.join("  ").trim_end())
        })
        .collect()
}

/// The matrix as a table, then each non-isolated cell's reason and the audit.
pub fn isolation_report(report: &IsolationReport) -> String {
    let mut text = String::new();
    let mut rows = Vec::new();
    for cell in &report.cells {
        rows.push(vec![
            cell.source_org.clone(),
            cell.target_org.clone(),
            verdict_word(cell.verdict).to_string(),
            cell.attempts.len().to_string(),
            cell.attempts
                .iter()
                .map(|a| a.from_node.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(","),
        ]);
    }
    text.push_str(&table(
        &["FROM", "TO", "VERDICT", "ATTEMPTS", "PROBED ON"],
        rows,
    ));
    for cell in &report.cells {
        text.push_str(&format!(
            "{} → {}: {}\n",
            cell.source_org, cell.target_org, cell.reason
        ));
    }
    for method in report.methods.iter().filter(|m| !m.testable) {
        text.push_str(&format!(
            "method {:?}: {}\n",
            method.method,
            method.note.clone().unwrap_or_default()
        ));
    }
    for finding in &report.audit {
        text.push_str(&format!(
            "audit {:?} {}: {}\n",
            finding.kind, finding.subject, finding.detail
        ));
    }
    text.push_str(&preflight(&report.preflight));
    text.push_str(&format!("{} probe(s) started\n", report.probes_started));
    text
}

fn verdict_word(verdict: CellVerdict) -> &'static str {
    match verdict {
        CellVerdict::Isolated => "isolated",
        CellVerdict::Leak => "LEAK",
        CellVerdict::Inconclusive => "inconclusive",
    }
}

/// Host findings, one per line.
pub fn preflight(findings: &[PreflightFinding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "host {}: {:?} ({}): {}\n",
                f.check, f.status, f.evidence, f.explanation
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let text = table(
            &["A", "BB", "C"],
            vec![
                vec!["long-value".into(), "x".into(), "tail".into()],
                vec!["s".into(), "yyy".into(), String::new()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "A           BB   C",
                "long-value  x    tail",
                "s           yyy"
            ]
        );
    }

    #[test]
    fn progress_lines_are_short() {
        let task = TaskInfo {
            service_id: "s1".into(),
            id: "abcdef1234567890".into(),
            slot: Some(1),
            state: "running".into(),
            desired_state: "running".into(),
            health: TaskHealth::Healthy,
            node_id: None,
            error: None,
            message: None,
            container_id: None,
            deployment_id: None,
            exit_code: None,
            updated_at: None,
        };
        assert_eq!(
            progress_text(&Progress::Task {
                task: Box::new(task.clone()),
                new: true
            }),
            "  task abcdef123456 slot 1 [new] running healthy"
        );
        let told_to_stop = TaskInfo {
            desired_state: "shutdown".into(),
            ..task
        };
        assert_eq!(
            progress_text(&Progress::Task {
                task: Box::new(told_to_stop),
                new: false
            }),
            "  task abcdef123456 slot 1 [old] running healthy → shutdown"
        );
        let update = Progress::Update {
            status: UpdateStatus {
                state: UpdateState::Updating,
                message: None,
                started_at: None,
                completed_at: None,
            },
        };
        assert_eq!(progress_text(&update), "  update: updating");
    }

    #[test]
    fn image_ids_are_shortened_like_docker() {
        assert_eq!(
            short_image_id("sha256:0123456789abcdef0123456789abcdef"),
            "sha256:0123456789ab"
        );
        assert_eq!(short_image_id("short"), "short");
    }
}
