//! What the engine's host can do for isolation and discovery, judged from this machine.

use crate::error::Result;
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
        findings.push(match (local, esp, info.nodes) {
            (false, _, _) => unknown("encrypted_overlay_between_hosts", "the engine is on another host"),
            (true, true, _) => PreflightFinding {
                check: "encrypted_overlay_between_hosts".to_string(),
                status: Capability::Available,
                evidence: "the esp4 kernel module is loaded".to_string(),
                explanation: "encrypted overlays carry traffic between hosts over IPsec ESP".to_string(),
            },
            (true, false, nodes) => PreflightFinding {
                check: "encrypted_overlay_between_hosts".to_string(),
                status: Capability::Missing,
                evidence: format!("no esp4 kernel module on this host; the swarm has {nodes} node(s)"),
                explanation: "encrypted overlay traffic only flows between tasks on the same host here; tasks on \
                              other nodes of an encrypted network cannot reach these"
                    .to_string(),
            },
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
