//! Which engine events change what Swarmdeck shows of a swarm.
//!
//! The engine's `/events` stream is the trigger for refetching the topology, and it is chatty: every health check
//! is an exec into the container, and each exec is announced as three container events (`exec_create`,
//! `exec_start`, `exec_die`). Forwarded as changes, a service checked every second would have the views refetch
//! the whole topology every second, and a swarm of 200 checked services would never stop refetching. A health
//! check that changes the container's health is announced on its own (`health_status: …`), and that one is kept.

/// The kinds of swarm object whose events change the topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// A service.
    Service,
    /// A network.
    Network,
    /// A node.
    Node,
    /// A container: the only view of tasks the event stream gives.
    Container,
    /// A swarm config: deployment records.
    Config,
}

/// Container actions that change nothing the topology shows: execs (health checks among them) and reads or
/// streams of a container's contents or terminal.
const NO_STATE_CHANGE: [&str; 8] = [
    "attach",
    "detach",
    "resize",
    "top",
    "copy",
    "export",
    "archive-path",
    "extract-to-dir",
];

/// What an engine event of `event_type` (the engine's `Type`) with `action` (its `Action`) changed, or `None`
/// when it changed nothing the topology shows.
pub fn cluster_change(event_type: &str, action: &str) -> Option<ChangeKind> {
    match event_type {
        "service" => Some(ChangeKind::Service),
        "network" => Some(ChangeKind::Network),
        "node" => Some(ChangeKind::Node),
        "config" => Some(ChangeKind::Config),
        "container" if changes_container_state(action) => Some(ChangeKind::Container),
        _ => None,
    }
}

fn changes_container_state(action: &str) -> bool {
    // Exec actions carry the command after a colon ("exec_start: /fixture health").
    let verb = action.split(':').next().unwrap_or(action).trim();
    !verb.starts_with("exec_") && !NO_STATE_CHANGE.contains(&verb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_types_map_to_their_kind() {
        assert_eq!(
            cluster_change("service", "update"),
            Some(ChangeKind::Service)
        );
        assert_eq!(
            cluster_change("network", "create"),
            Some(ChangeKind::Network)
        );
        assert_eq!(cluster_change("node", "update"), Some(ChangeKind::Node));
        assert_eq!(cluster_change("config", "create"), Some(ChangeKind::Config));
        assert_eq!(cluster_change("image", "pull"), None);
        assert_eq!(cluster_change("volume", "mount"), None);
    }

    #[test]
    fn container_lifecycle_and_health_changes_count() {
        for action in [
            "create",
            "start",
            "die",
            "kill",
            "oom",
            "destroy",
            "health_status: unhealthy",
        ] {
            assert_eq!(
                cluster_change("container", action),
                Some(ChangeKind::Container),
                "{action}"
            );
        }
    }

    #[test]
    fn health_check_execs_and_reads_do_not_count() {
        for action in [
            "exec_create: /fixture health",
            "exec_start: /fixture health",
            "exec_die",
            "attach",
            "resize",
            "top",
            "archive-path",
        ] {
            assert_eq!(cluster_change("container", action), None, "{action}");
        }
    }
}
