//! Resource use, for people: one line per task, a sum per service, a total.

use swarmdeck_orchestrator::{StatsReport, StatsScope, TaskStats, UsageTotal};

pub fn report(report: &StatsReport) -> String {
    let scope = match &report.scope {
        StatsScope::All => "every Swarmdeck service".to_string(),
        StatsScope::Org(org) => format!("organization {org}"),
        StatsScope::Service(name) => format!("service {name}"),
    };
    if report
        .services
        .iter()
        .all(|service| service.tasks.is_empty())
    {
        return format!("{scope}: no running task\n");
    }
    let mut rows = Vec::new();
    for service in &report.services {
        for task in &service.tasks {
            rows.push(task_row(&service.service_name, task));
        }
        if service.tasks.len() > 1 {
            rows.push(total_row(
                &format!("{} (sum)", service.service_name),
                &service.total,
            ));
        }
    }
    // Every organization's sum, when the report spans more than one.
    if report.orgs.len() > 1 {
        for org in &report.orgs {
            rows.push(total_row(
                &format!("organization {}", org.org_id),
                &org.total,
            ));
        }
    }
    rows.push(total_row("total", &report.total));
    format!(
        "{scope}\n{}",
        super::table(
            &["SERVICE", "TASK", "CPU", "MEMORY", "NET IN / OUT", "NOTE"],
            rows
        )
    )
}

fn task_row(service: &str, task: &TaskStats) -> Vec<String> {
    let slot = task
        .slot
        .map_or_else(|| "-".to_string(), |slot| slot.to_string());
    let memory = match task.memory_limit_bytes {
        Some(limit) => format!("{} / {}", bytes(task.memory_bytes), bytes(limit)),
        None => bytes(task.memory_bytes),
    };
    vec![
        service.to_string(),
        format!(
            "{} (slot {slot})",
            task.task_id.get(..12).unwrap_or(&task.task_id)
        ),
        format!("{:.1}%", task.cpu_percent),
        memory,
        format!(
            "{} / {}",
            bytes(task.network_rx_bytes),
            bytes(task.network_tx_bytes)
        ),
        task.unavailable.clone().unwrap_or_default(),
    ]
}

fn total_row(label: &str, total: &UsageTotal) -> Vec<String> {
    let memory = if total.memory_limit_bytes > 0 {
        format!(
            "{} / {}",
            bytes(total.memory_bytes),
            bytes(total.memory_limit_bytes)
        )
    } else {
        bytes(total.memory_bytes)
    };
    vec![
        label.to_string(),
        String::new(),
        format!("{:.1}%", total.cpu_percent),
        memory,
        format!(
            "{} / {}",
            bytes(total.network_rx_bytes),
            bytes(total.network_tx_bytes)
        ),
        String::new(),
    ]
}

/// Bytes in binary units with one decimal, as `docker stats` shows them.
fn bytes(value: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut amount = value as f64;
    let mut unit = 0;
    while amount >= 1024.0 && unit < UNITS.len() - 1 {
        amount /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value} B")
    } else {
        format!("{amount:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_in_binary_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(128 << 20), "128.0 MiB");
    }
}
