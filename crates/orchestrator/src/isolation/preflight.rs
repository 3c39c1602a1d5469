//! What the engine's host can do for isolation and discovery, judged from this machine.

use crate::error::Result;
use crate::node::local_node_name;
use crate::Orchestrator;

use super::types::{Capability, PreflightFinding};

impl Orchestrator {
    /// What the engine's host can do for isolation and discovery, from what can be observed here.
    pub async fn host_preflight(&self) -> Result<Vec<PreflightFinding>> {
        let info = self.swarm_info().await?;
        let mut findings = Vec::new();
        let advertise = info.advertise_addr.clone().unwrap_or_default();
        let loopback = advertise
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
        findings.push(PreflightFinding {
            check: "advertise_address".to_string(),
            status: if advertise.is_empty() || loopback {
                Capability::Missing
            } else {
                Capability::Available
            },
            evidence: format!("this manager advertises {:?}", advertise),
            explanation: if loopback {
                "other machines cannot reach a loopback address: no node can join this swarm"
                    .to_string()
            } else {
                "other nodes join and reach this manager at this address".to_string()
            },
        });
        let local = self.engine_is_local();
        findings.push(match (local, std::path::Path::new("/proc/net/ip_vs").exists()) {
            (false, _) => unknown("virtual_ip_routing", "the engine is on another host"),
            (true, true) => PreflightFinding {
                check: "virtual_ip_routing".to_string(),
                status: Capability::Available,
                evidence: "/proc/net/ip_vs exists".to_string(),
                explanation: "service virtual IPs are load-balanced by IPVS".to_string(),
            },
            (true, false) => PreflightFinding {
                check: "virtual_ip_routing".to_string(),
                status: Capability::Missing,
                evidence: "the kernel has no IPVS (/proc/net/ip_vs is absent)".to_string(),
                explanation: "virtual IPs of services do not route here; task IPs and tasks.<service> names do, and \
                              dnsrr services are unaffected"
                    .to_string(),
            },
        });
        let esp = std::path::Path::new("/sys/module/esp4").exists();
        let nodes = self.docker.list_nodes(None).await?;
        let local_nodes: Vec<String> = nodes.iter().filter_map(local_node_name).collect();
        let other_hosts = nodes.len().saturating_sub(local_nodes.len() + 1);
        findings.push(if local {
            esp_finding(esp, &local_nodes, other_hosts)
        } else {
            unknown(
                "encrypted_overlay_between_hosts",
                "the engine is on another host",
            )
        });
        Ok(findings)
    }

    fn engine_is_local(&self) -> bool {
        std::env::var("DOCKER_HOST")
            .map_or(true, |host| host.is_empty() || host.starts_with("unix://"))
    }
}

fn unknown(check: &str, why: &str) -> PreflightFinding {
    PreflightFinding {
        check: check.to_string(),
        status: Capability::Unknown,
        evidence: why.to_string(),
        explanation: "cannot be checked from this machine".to_string(),
    }
}

/// Whether encrypted overlays (every organization network) carry traffic between nodes: ESP in this kernel, which
/// the local cluster's nodes share; nodes on other machines are theirs to check.
fn esp_finding(esp: bool, local_nodes: &[String], other_hosts: usize) -> PreflightFinding {
    let mut evidence = if esp {
        "the esp4 kernel module is loaded".to_string()
    } else {
        "this kernel has no esp4 module".to_string()
    };
    if !local_nodes.is_empty() {
        evidence.push_str(&format!(
            "; the local cluster nodes ({}) share this kernel",
            local_nodes.join(", ")
        ));
    }
    if other_hosts > 0 {
        evidence.push_str(&format!(
            "; {other_hosts} node(s) on other machines are not checked from here"
        ));
    }
    let explanation = match (esp, local_nodes.is_empty()) {
        (true, _) => "encrypted overlays carry traffic between hosts over IPsec ESP".to_string(),
        (false, true) => "encrypted overlay traffic only flows between tasks on the same host here; tasks on \
                          other nodes of an encrypted network cannot reach these"
            .to_string(),
        (false, false) => "organization networks are encrypted, so tasks of one organization on different nodes \
                           of this cluster cannot reach each other (same-node traffic and plain overlays work); \
                           real multi-host swarms with ESP are not affected"
            .to_string(),
    };
    PreflightFinding {
        check: "encrypted_overlay_between_hosts".to_string(),
        status: if esp {
            Capability::Available
        } else {
            Capability::Missing
        },
        evidence,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_esp_finding_names_the_local_nodes_and_what_it_cannot_see() {
        let nodes = vec![
            "swarmdeck-node-1".to_string(),
            "swarmdeck-node-2".to_string(),
        ];
        let missing = esp_finding(false, &nodes, 1);
        assert_eq!(missing.status, Capability::Missing);
        assert!(missing.evidence.contains("no esp4"), "{}", missing.evidence);
        assert!(missing
            .evidence
            .contains("swarmdeck-node-1, swarmdeck-node-2"));
        assert!(missing.evidence.contains("1 node(s) on other machines"));
        assert!(missing.explanation.contains("different nodes"));
        let alone = esp_finding(false, &[], 0);
        assert!(alone.explanation.contains("same host"));
        assert_eq!(esp_finding(true, &nodes, 0).status, Capability::Available);
    }
}
