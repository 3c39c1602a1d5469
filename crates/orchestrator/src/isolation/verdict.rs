//! The verdict rules, as pure functions of the probes' raw results: which attempts reached their target, which
//! methods can prove anything on this host, and each cell's verdict and reason.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::probe::RawResult;
use super::targets::Target;
use super::types::{
    AuditFinding, CellVerdict, ControlOutcome, IsolationReport, MatrixCell, MethodAvailability,
    OrgControl, PreflightFinding, ProbeAttempt, ProbeMethod,
};

/// What the probe of one source organization saw on one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Seen {
    /// Hostname of the node the probe ran on.
    pub(super) node: String,
    /// The node's address, as the engine names the host of each task.
    pub(super) host: String,
    /// Raw results by attempt (`tcp:ip:port`, `dns:name`).
    pub(super) results: HashMap<String, RawResult>,
}

/// Per source organization, what its probes saw on each node, or why they failed.
pub(super) type Evidence = BTreeMap<String, std::result::Result<Vec<Seen>, String>>;

/// Turns raw results into attempts, method availability and the matrix.
pub(super) fn judge(
    orgs: &[String],
    targets: &[Target],
    evidence: &Evidence,
    subnets: &BTreeMap<String, Vec<String>>,
    audit: Vec<AuditFinding>,
    preflight: Vec<PreflightFinding>,
    probes_started: u32,
) -> IsolationReport {
    let attempts_from = |source: &str, target_org: &str| -> Vec<ProbeAttempt> {
        let Some(Ok(runs)) = evidence.get(source) else {
            return Vec::new();
        };
        let mut attempts = Vec::new();
        for run in runs {
            for target in targets.iter().filter(|t| t.org == target_org) {
                let addresses = target.addresses();
                let control = source == target.org;
                for (method, address) in target.plan() {
                    let ip = address
                        .rsplit_once(':')
                        .map_or(address.as_str(), |(ip, _)| ip);
                    if control && target.foreign.contains(ip) {
                        continue;
                    }
                    // A task on another node is reached over the wire between hosts, which the host may not
                    // carry (ESP for encrypted overlays): a method of its own, controlled on its own.
                    let method = match target.task_hosts.get(ip) {
                        Some(host)
                            if method == ProbeMethod::TaskIp
                                && !run.host.is_empty()
                                && *host != run.host =>
                        {
                            ProbeMethod::TaskIpOtherNode
                        }
                        _ => method,
                    };
                    let key = match method {
                        ProbeMethod::TaskIp
                        | ProbeMethod::TaskIpOtherNode
                        | ProbeMethod::VirtualIp => format!("tcp:{address}"),
                        _ => format!("dns:{address}"),
                    };
                    let Some(raw) = run.results.get(&key) else {
                        continue;
                    };
                    // A name reached the target only when it resolved to one of the target's own addresses: a
                    // same-named service of the source organization answering is not a crossing.
                    let (reached, detail) = match method {
                        ProbeMethod::TaskIp
                        | ProbeMethod::TaskIpOtherNode
                        | ProbeMethod::VirtualIp => judge_connect(
                            raw,
                            subnets.get(source).map(Vec::as_slice).unwrap_or_default(),
                        ),
                        _ => (
                            raw.ok
                                && raw
                                    .detail
                                    .split(',')
                                    .any(|ip| addresses.contains(ip.trim())),
                            raw.detail.clone(),
                        ),
                    };
                    attempts.push(ProbeAttempt {
                        source_org: source.to_string(),
                        from_node: run.node.clone(),
                        target_org: target.org.clone(),
                        target_service: target.service.clone(),
                        method,
                        target: address,
                        reached,
                        detail,
                        latency_ms: raw.latency_ms,
                    });
                }
            }
        }
        attempts
    };
    let controls: Vec<ProbeAttempt> = orgs
        .iter()
        .flat_map(|org| attempts_from(org, org))
        .collect();
    let methods: Vec<MethodAvailability> = ProbeMethod::ALL
        .iter()
        .map(|&method| {
            let tried: Vec<&ProbeAttempt> = controls.iter().filter(|a| a.method == method).collect();
            let testable = tried.is_empty() || tried.iter().any(|a| a.reached);
            let note = (!testable).then(|| match method {
                ProbeMethod::VirtualIp => {
                    "not testable on this host: virtual IPs did not answer even inside their own organization \
                     (IPVS missing)"
                        .to_string()
                }
                ProbeMethod::TaskIpOtherNode => {
                    "not testable on this host: tasks on other nodes did not answer even inside their own \
                     organization (encrypted overlays between these nodes need ESP, which they lack)"
                        .to_string()
                }
                _ => "not testable on this host: its controls failed in every organization".to_string(),
            });
            MethodAvailability { method, testable, note }
        })
        .collect();
    let testable = |method: ProbeMethod| methods.iter().any(|m| m.method == method && m.testable);
    let mut cells = Vec::new();
    for source in orgs {
        for target in orgs.iter().filter(|t| *t != source) {
            let attempts = attempts_from(source, target);
            let (verdict, reason) = cell_verdict(
                source, target, evidence, &controls, &attempts, &testable, targets,
            );
            cells.push(MatrixCell {
                source_org: source.clone(),
                target_org: target.clone(),
                verdict,
                reason,
                attempts,
            });
        }
    }
    let org_controls = orgs
        .iter()
        .map(|org| org_control(org, &controls, &methods))
        .collect();
    IsolationReport {
        orgs: orgs.to_vec(),
        cells,
        controls,
        org_controls,
        methods,
        audit,
        preflight,
        probes_started,
    }
}

/// An organization's positive control. Attempts of a method not testable on this host fail in every
/// organization, so they say nothing about this one and are not counted.
pub(super) fn org_control(
    org: &str,
    controls: &[ProbeAttempt],
    methods: &[MethodAvailability],
) -> OrgControl {
    let testable = |method: ProbeMethod| {
        methods
            .iter()
            .find(|m| m.method == method)
            .is_none_or(|m| m.testable)
    };
    let attempts: Vec<&ProbeAttempt> = controls.iter().filter(|a| a.source_org == org).collect();
    let counted: Vec<&&ProbeAttempt> = attempts.iter().filter(|a| testable(a.method)).collect();
    let reached = counted.iter().filter(|a| a.reached).count();
    let outcome = if counted.is_empty() {
        ControlOutcome::None
    } else if reached == counted.len() {
        ControlOutcome::Passed
    } else {
        ControlOutcome::Failed
    };
    let uncounted: BTreeSet<ProbeMethod> = attempts
        .iter()
        .map(|a| a.method)
        .filter(|method| !testable(*method))
        .collect();
    OrgControl {
        org: org.to_string(),
        outcome,
        reached: u32::try_from(reached).unwrap_or(u32::MAX),
        counted: u32::try_from(counted.len()).unwrap_or(u32::MAX),
        uncounted: uncounted.into_iter().collect(),
    }
}

/// A connection reached its target only when it left through the source organization's overlay: an address off
/// every overlay subnet is routed through the default gateway, off the overlay, to whatever answers there.
fn judge_connect(raw: &RawResult, source_subnets: &[String]) -> (bool, String) {
    let local = raw.detail.strip_prefix("connected from ").map(str::trim);
    match local {
        Some(local)
            if raw.ok
                && !source_subnets.is_empty()
                && !source_subnets.iter().any(|s| in_subnet(local, s)) =>
        {
            (
                false,
                format!(
                    "{} — through the default gateway, off the overlay: not the target",
                    raw.detail
                ),
            )
        }
        _ => (raw.ok, raw.detail.clone()),
    }
}

fn in_subnet(ip: &str, cidr: &str) -> bool {
    let Some((network, prefix)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(ip), Ok(network), Ok(prefix)) = (
        ip.parse::<std::net::Ipv4Addr>(),
        network.parse::<std::net::Ipv4Addr>(),
        prefix.parse::<u32>(),
    ) else {
        return false;
    };
    let mask = u32::MAX.checked_shl(32 - prefix.min(32)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(network) & mask
}

fn cell_verdict(
    source: &str,
    target: &str,
    evidence: &Evidence,
    controls: &[ProbeAttempt],
    attempts: &[ProbeAttempt],
    testable: &dyn Fn(ProbeMethod) -> bool,
    targets: &[Target],
) -> (CellVerdict, String) {
    if let Some(Err(error)) = evidence.get(source) {
        return (
            CellVerdict::Inconclusive,
            format!("the probe in {source}'s network failed: {error}"),
        );
    }
    if let Some(crossed) = attempts.iter().find(|a| a.reached) {
        return (
            CellVerdict::Leak,
            format!(
                "{source} reached {} of {target} by {} at {} ({})",
                crossed.target_service,
                crossed.method.label(),
                crossed.target,
                crossed.detail
            ),
        );
    }
    let running = |org: &str| {
        targets
            .iter()
            .any(|t| t.org == org && !t.task_ips.is_empty())
    };
    if !running(source) {
        return (
            CellVerdict::Inconclusive,
            format!(
                "{source} has no running service, so no control shows its probe can reach anything"
            ),
        );
    }
    if !running(target) {
        return (
            CellVerdict::Inconclusive,
            format!("{target} has no running service to reach"),
        );
    }
    let mut rests_on = BTreeSet::new();
    let mut not_testable = BTreeSet::new();
    let mut untested = BTreeSet::new();
    for method in attempts.iter().map(|a| a.method).collect::<BTreeSet<_>>() {
        if !testable(method) {
            not_testable.insert(method.label());
            continue;
        }
        let own: Vec<&ProbeAttempt> = controls
            .iter()
            .filter(|c| c.source_org == source && c.method == method)
            .collect();
        if let Some(failed) = own.iter().find(|c| !c.reached) {
            return (
                CellVerdict::Inconclusive,
                format!(
                    "control failed: {source} could not reach its own {} by {} at {} from {} ({})",
                    failed.target_service,
                    method.label(),
                    failed.target,
                    failed.from_node,
                    failed.detail
                ),
            );
        }
        if own.is_empty() {
            // Nothing in the source organization answered by this method (no port, say): its failed crossings
            // prove nothing, so the cell does not rest on it.
            untested.insert(method.label());
        } else {
            rests_on.insert(method.label());
        }
    }
    if rests_on.is_empty() {
        return (
            CellVerdict::Inconclusive,
            "no probe method could be controlled here".to_string(),
        );
    }
    let mut reason = format!(
        "every crossing attempt failed while {source}'s own controls passed; verdict rests on {}",
        rests_on.into_iter().collect::<Vec<_>>().join(", ")
    );
    if !untested.is_empty() {
        reason.push_str(&format!(
            "; untested from {source} (no control there): {}",
            untested.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if !not_testable.is_empty() {
        reason.push_str(&format!(
            "; not testable on this host: {}",
            not_testable.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    (CellVerdict::Isolated, reason)
}

#[cfg(test)]
mod tests;
