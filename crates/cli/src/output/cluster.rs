//! The local cluster and the swarm's nodes, for people.

use swarmdeck_orchestrator::{ClusterNode, ClusterProgress, ClusterStatus, NodeRole, NodeStep};

/// One node's step, as a line on stderr.
pub fn progress_text(event: &ClusterProgress) -> String {
    let step = match &event.step {
        NodeStep::StartingEngine => "starting its engine".to_string(),
        NodeStep::Joining => "joining the swarm".to_string(),
        NodeStep::CopyingImage { image } => format!("copying image {image}"),
        NodeStep::Ready => "ready".to_string(),
        NodeStep::Removing => "leaving and being removed".to_string(),
        NodeStep::Removed => "removed".to_string(),
    };
    format!("{}: {step}", event.node)
}

/// The node table, then what this host still holds of nodes that are not in the swarm.
pub fn status(status: &ClusterStatus) -> String {
    let mut text = format!(
        "{:<26} {:<8} {:<8} {:<13} {:<16} {:>5} {:>8}  {}\n",
        "HOSTNAME", "ROLE", "STATE", "AVAILABILITY", "ADDRESS", "CPUS", "MEMORY", "ENGINE"
    );
    for node in &status.nodes {
        let role = match (node.role, node.leader) {
            (NodeRole::Manager, true) => "leader",
            (NodeRole::Manager, false) => "manager",
            (NodeRole::Worker, _) => "worker",
        };
        let memory_gib = node.memory_bytes as f64 / f64::from(1u32 << 30);
        text.push_str(&format!(
            "{:<26} {:<8} {:<8} {:<13} {:<16} {:>5.1} {:>6.1}Gi  {}\n",
            node.hostname,
            role,
            if node.cut_off {
                "cut off"
            } else {
                node.state.as_str()
            },
            node.availability,
            node.address.as_deref().unwrap_or("-"),
            node.cpus,
            memory_gib,
            node.engine_version.as_deref().unwrap_or("-"),
        ));
    }
    let local = status
        .nodes
        .iter()
        .filter(|node| node.local_node.is_some())
        .count();
    text.push_str(&format!(
        "{} nodes, {local} of them local cluster nodes\n",
        status.nodes.len()
    ));
    if !status.leftovers.is_empty() {
        text.push_str(&format!(
            "left on this host, not in the swarm (`swarmdeck cluster down` removes them): {}\n",
            status.leftovers.join(", ")
        ));
    }
    text
}

/// One node after a change.
pub fn node(node: &ClusterNode) -> String {
    let role = match node.role {
        NodeRole::Manager => "manager",
        NodeRole::Worker => "worker",
    };
    let labels: Vec<String> = node
        .labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    format!(
        "{} ({}): {role}, {}, {}; labels: {}\n",
        node.hostname,
        node.id,
        node.state,
        node.availability,
        if labels.is_empty() {
            "none".to_string()
        } else {
            labels.join(", ")
        }
    )
}
