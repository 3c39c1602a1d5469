//! Each test builds its evidence table by hand and checks one rule of the verdict.

use super::*;
use crate::naming;

fn target(org: &str, slug: &str, ips: &[&str], vip: &str) -> Target {
    Target {
        org: org.into(),
        service: naming::service_name(org, slug),
        slug: Some(slug.into()),
        port: Some(8080),
        vips: vec![vip.into()],
        task_ips: ips.iter().map(|s| s.to_string()).collect(),
        task_hosts: HashMap::new(),
        foreign: BTreeSet::new(),
        container: false,
    }
}

fn on_manager(results: HashMap<String, RawResult>) -> Seen {
    Seen {
        node: "vm".into(),
        host: "192.0.2.2".into(),
        results,
    }
}

fn ok(detail: &str) -> RawResult {
    RawResult {
        ok: true,
        latency_ms: 1,
        detail: detail.into(),
    }
}

fn fail() -> RawResult {
    RawResult {
        ok: false,
        latency_ms: 1500,
        detail: "timed out".into(),
    }
}

/// Evidence where each org reaches its own task IPs and names, nothing crosses, and VIPs never answer.
fn isolated_evidence(targets: &[Target], orgs: &[&str]) -> Evidence {
    orgs.iter()
        .map(|source| {
            let mut results = HashMap::new();
            for t in targets {
                let own = t.org == *source;
                for ip in &t.task_ips {
                    results.insert(
                        format!("tcp:{ip}:8080"),
                        if own { ok("connected") } else { fail() },
                    );
                }
                for vip in &t.vips {
                    results.insert(format!("tcp:{vip}:8080"), fail());
                }
                // A slug resolves to the source's own service of that name, if it has one.
                let slug = t.slug.clone().unwrap_or_default();
                for name in [format!("dns:{slug}"), format!("dns:{slug}.internal")] {
                    if own {
                        results.insert(name, ok(&t.vips[0]));
                    } else {
                        results.entry(name).or_insert_with(fail);
                    }
                }
                results.insert(
                    format!("dns:tasks.{}", t.service),
                    if own {
                        ok(&t.task_ips.join(","))
                    } else {
                        fail()
                    },
                );
            }
            (source.to_string(), Ok(vec![on_manager(results)]))
        })
        .collect()
}

#[test]
fn isolated_when_controls_pass_and_nothing_crosses_with_vips_not_testable() {
    let targets = vec![
        target("a", "web", &["10.0.1.3"], "10.0.1.2"),
        target("b", "db", &["10.0.2.3"], "10.0.2.2"),
    ];
    let orgs = vec!["a".to_string(), "b".to_string()];
    let report = judge(
        &orgs,
        &targets,
        &isolated_evidence(&targets, &["a", "b"]),
        &BTreeMap::new(),
        vec![],
        vec![],
        2,
    );
    assert!(
        report
            .cells
            .iter()
            .all(|c| c.verdict == CellVerdict::Isolated),
        "{:#?}",
        report.cells
    );
    let vip = report
        .methods
        .iter()
        .find(|m| m.method == ProbeMethod::VirtualIp)
        .expect("vip");
    assert!(!vip.testable);
    assert!(report.cells[0]
        .reason
        .contains("not testable on this host: virtual IP"));
}

/// The diagonal: a control passes on the testable methods only, names the untestable ones, and an
/// organization whose probe failed has no control at all.
#[test]
fn each_organizations_control_is_judged_on_testable_methods() {
    let targets = vec![
        target("a", "web", &["10.0.1.3"], "10.0.1.2"),
        target("b", "db", &["10.0.2.3"], "10.0.2.2"),
    ];
    let orgs = vec!["a".to_string(), "b".to_string()];
    let mut evidence = isolated_evidence(&targets, &["a"]);
    evidence.insert("b".to_string(), Err("probe image missing".to_string()));
    let report = judge(
        &orgs,
        &targets,
        &evidence,
        &BTreeMap::new(),
        vec![],
        vec![],
        2,
    );
    let a = &report.org_controls[0];
    assert_eq!(a.outcome, ControlOutcome::Passed, "{a:#?}");
    assert_eq!((a.reached, a.counted), (4, 4));
    assert_eq!(a.uncounted, vec![ProbeMethod::VirtualIp]);
    assert_eq!(report.org_controls[1].outcome, ControlOutcome::None);

    let mut failing = report.controls.clone();
    if let Some(attempt) = failing.iter_mut().find(|a| a.method == ProbeMethod::TaskIp) {
        attempt.reached = false;
    }
    let failed = org_control("a", &failing, &report.methods);
    assert_eq!(failed.outcome, ControlOutcome::Failed);
    assert_eq!((failed.reached, failed.counted), (3, 4));
}

#[test]
fn a_bridge_address_on_another_network_is_no_control_for_its_own_org() {
    let mut bridge = target("b", "bridge", &["10.0.2.4", "10.0.1.9"], "10.0.2.5");
    bridge.foreign.insert("10.0.1.9".to_string());
    let targets = vec![target("a", "web", &["10.0.1.3"], "10.0.1.2"), bridge];
    let orgs = vec!["a".to_string(), "b".to_string()];
    let mut evidence = isolated_evidence(&targets, &["a", "b"]);
    // b cannot reach its bridge's address on a's network, which is what isolation means.
    if let Some(run) = evidence
        .get_mut("b")
        .and_then(|r| r.as_mut().ok()?.first_mut())
    {
        run.results.insert("tcp:10.0.1.9:8080".to_string(), fail());
    }
    let report = judge(
        &orgs,
        &targets,
        &evidence,
        &BTreeMap::new(),
        vec![],
        vec![],
        2,
    );
    assert!(
        report.controls.iter().all(|c| c.target != "10.0.1.9:8080"),
        "{:#?}",
        report.controls
    );
    let b_to_a = report
        .cells
        .iter()
        .find(|c| c.source_org == "b")
        .expect("b→a");
    assert_eq!(b_to_a.verdict, CellVerdict::Isolated, "{b_to_a:#?}");
}

#[test]
fn a_crossing_attempt_is_a_leak_with_the_attempt_named() {
    let targets = vec![
        target("a", "web", &["10.0.1.3"], "10.0.1.2"),
        target("b", "db", &["10.0.2.3", "10.0.1.9"], "10.0.2.2"),
    ];
    let orgs = vec!["a".to_string(), "b".to_string()];
    let mut evidence = isolated_evidence(&targets, &["a", "b"]);
    if let Some(run) = evidence
        .get_mut("a")
        .and_then(|r| r.as_mut().ok()?.first_mut())
    {
        run.results
            .insert("tcp:10.0.1.9:8080".into(), ok("connected"));
    }
    let report = judge(
        &orgs,
        &targets,
        &evidence,
        &BTreeMap::new(),
        vec![],
        vec![],
        2,
    );
    let cell = report
        .cells
        .iter()
        .find(|c| c.source_org == "a")
        .expect("a→b");
    assert_eq!(cell.verdict, CellVerdict::Leak);
    assert!(cell.reason.contains("10.0.1.9:8080"), "{}", cell.reason);
}

#[test]
fn a_same_named_service_answering_is_not_a_crossing() {
    let targets = vec![
        target("a", "web", &["10.0.1.3"], "10.0.1.2"),
        target("b", "web", &["10.0.2.3"], "10.0.2.2"),
    ];
    let orgs = vec!["a".to_string(), "b".to_string()];
    let report = judge(
        &orgs,
        &targets,
        &isolated_evidence(&targets, &["a", "b"]),
        &BTreeMap::new(),
        vec![],
        vec![],
        2,
    );
    assert!(
        report
            .cells
            .iter()
            .all(|c| c.verdict == CellVerdict::Isolated),
        "{:#?}",
        report.cells
    );
}

#[test]
fn an_org_without_running_services_is_inconclusive_never_isolated() {
    let targets = vec![
        target("a", "web", &["10.0.1.3"], "10.0.1.2"),
        target("b", "db", &[], "10.0.2.2"),
    ];
    let orgs = vec!["a".to_string(), "b".to_string()];
    let report = judge(
        &orgs,
        &targets,
        &isolated_evidence(&targets, &["a", "b"]),
        &BTreeMap::new(),
        vec![],
        vec![],
        2,
    );
    assert!(
        report
            .cells
            .iter()
            .all(|c| c.verdict == CellVerdict::Inconclusive),
        "{:#?}",
        report.cells
    );
}

#[test]
fn a_failed_probe_makes_its_row_inconclusive() {
    let targets = vec![
        target("a", "web", &["10.0.1.3"], "10.0.1.2"),
        target("b", "db", &["10.0.2.3"], "10.0.2.2"),
    ];
    let orgs = vec!["a".to_string(), "b".to_string()];
    let mut evidence = isolated_evidence(&targets, &["a", "b"]);
    evidence.insert("a".into(), Err("container failed".into()));
    let report = judge(
        &orgs,
        &targets,
        &evidence,
        &BTreeMap::new(),
        vec![],
        vec![],
        2,
    );
    let cell = report
        .cells
        .iter()
        .find(|c| c.source_org == "a")
        .expect("a→b");
    assert_eq!(cell.verdict, CellVerdict::Inconclusive);
    assert!(cell.reason.contains("container failed"));
}

#[test]
fn a_connection_through_the_default_gateway_is_not_a_crossing() {
    let subnets = vec!["10.0.1.0/24".to_string()];
    let via_gateway = ok("connected from 172.18.0.3");
    assert!(!judge_connect(&via_gateway, &subnets).0);
    assert!(judge_connect(&ok("connected from 10.0.1.7"), &subnets).0);
    assert!(!judge_connect(&fail(), &subnets).0);
    assert!(in_subnet("10.0.1.255", "10.0.1.0/24") && !in_subnet("10.0.2.1", "10.0.1.0/24"));
}

/// Two nodes without ESP between them: each organization has a task on each node, probes run on both, controls
/// towards the other node fail everywhere (so that method is not testable here) and the verdict rests on what each
/// node could control, with attempts from both nodes in every cell.
#[test]
fn probes_on_two_nodes_judge_each_route_and_bring_evidence_from_both() {
    let node = |ip: &str| {
        if ip.ends_with(".3") {
            "192.0.2.2"
        } else {
            "10.79.0.11"
        }
    };
    let mut targets = vec![
        target("a", "web", &["10.0.1.3", "10.0.1.4"], "10.0.1.2"),
        target("b", "web", &["10.0.2.3", "10.0.2.4"], "10.0.2.2"),
    ];
    for t in &mut targets {
        t.task_hosts = t
            .task_ips
            .iter()
            .map(|ip| (ip.clone(), node(ip).to_string()))
            .collect();
    }
    let orgs = vec!["a".to_string(), "b".to_string()];
    let mut evidence = isolated_evidence(&targets, &["a", "b"]);
    for runs in evidence.values_mut().flatten() {
        let mut other = runs[0].clone();
        other.node = "swarmdeck-node-1".into();
        other.host = "10.79.0.11".into();
        runs.push(other);
        // No ESP: own tasks on the other node never answer.
        for run in runs.iter_mut() {
            for (key, raw) in run.results.iter_mut() {
                let ip = key.trim_start_matches("tcp:").trim_end_matches(":8080");
                if key.starts_with("tcp:") && raw.ok && node(ip) != run.host {
                    *raw = fail();
                }
            }
        }
    }
    let report = judge(
        &orgs,
        &targets,
        &evidence,
        &BTreeMap::new(),
        vec![],
        vec![],
        4,
    );
    let other_node = report
        .methods
        .iter()
        .find(|m| m.method == ProbeMethod::TaskIpOtherNode)
        .expect("the method is listed");
    assert!(!other_node.testable, "{other_node:?}");
    for cell in &report.cells {
        assert_eq!(cell.verdict, CellVerdict::Isolated, "{}", cell.reason);
        assert!(
            cell.reason.contains("task IP on another node"),
            "{}",
            cell.reason
        );
        let from: BTreeSet<&str> = cell.attempts.iter().map(|a| a.from_node.as_str()).collect();
        assert_eq!(from, BTreeSet::from(["swarmdeck-node-1", "vm"]));
    }
    assert!(report
        .org_controls
        .iter()
        .all(|c| c.outcome == ControlOutcome::Passed));
}
