//! What an engine is in its swarm, read from its own `/info`: a user who connects to a worker's socket learns what
//! works there and where the managers are, instead of meeting refusals one command at a time.

/// What an engine is in its swarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineRole {
    /// A manager: everything works through it.
    Manager,
    /// A worker: it runs tasks, but services, networks and nodes are managed only through a manager.
    Worker {
        /// The managers' swarm addresses (`host:2377`), from the node's own swarm info.
        managers: Vec<String>,
    },
    /// Not in a swarm (or joining, leaving, in error): only `swarm init` and the engine's own containers.
    NotInSwarm {
        /// The node's swarm state (`inactive`, `pending`, `error`, `locked`).
        state: String,
    },
}

impl EngineRole {
    pub(crate) fn of(swarm: bollard::models::SwarmInfo) -> EngineRole {
        let state = swarm
            .local_node_state
            .map(|state| state.to_string())
            .unwrap_or_else(|| "inactive".to_string());
        if state != "active" {
            return EngineRole::NotInSwarm { state };
        }
        if swarm.control_available == Some(true) {
            return EngineRole::Manager;
        }
        let managers = swarm
            .remote_managers
            .unwrap_or_default()
            .into_iter()
            .filter_map(|manager| manager.addr)
            .collect();
        EngineRole::Worker { managers }
    }

    /// The managers' hosts (their swarm addresses without the port), when this is a worker.
    pub fn manager_hosts(&self) -> Vec<String> {
        match self {
            EngineRole::Worker { managers } => managers
                .iter()
                .map(|addr| {
                    addr.rsplit_once(':')
                        .map_or(addr.as_str(), |(host, _)| host)
                })
                .map(str::to_string)
                .collect(),
            EngineRole::Manager | EngineRole::NotInSwarm { .. } => Vec::new(),
        }
    }

    /// What the user should know about connecting to an engine of this role, if anything.
    pub fn notice(&self) -> Option<String> {
        if !matches!(self, EngineRole::Worker { .. }) {
            return None;
        }
        let hosts = self.manager_hosts();
        let offer = match hosts.first() {
            None => "it names no manager".to_string(),
            Some(first) => format!(
                "its swarm's managers are at {} (the engine API of a manager usually listens on \
                 tcp://{first}:2376 with TLS)",
                hosts.join(", ")
            ),
        };
        Some(format!(
            "this engine is a worker of its swarm: it shows its own containers, but services, networks, nodes \
             and deployments are managed only through a manager; {offer}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_names_its_managers_hosts_and_a_manager_needs_no_notice() {
        let worker = EngineRole::Worker {
            managers: vec!["10.0.0.1:2377".into(), "10.0.0.2:2377".into()],
        };
        assert_eq!(worker.manager_hosts(), ["10.0.0.1", "10.0.0.2"]);
        let notice = worker.notice().unwrap_or_default();
        assert!(
            notice.contains("worker")
                && notice.contains("10.0.0.1, 10.0.0.2")
                && !notice.contains("  "),
            "{notice}"
        );
        assert_eq!(EngineRole::Manager.notice(), None);
        assert!(EngineRole::Manager.manager_hosts().is_empty());
    }
}
