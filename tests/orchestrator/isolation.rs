//! The isolation check against a real engine: isolated organizations, leaks through bridging services and
//! connected containers, inconclusive cells and ingress exposure, and no probe left behind after a cancel, a kill
//! or a failing probe.
//!
//! The file is long because each case builds its own topology of organizations and services on the engine and
//! checks the whole report it yields.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{EndpointPortConfig, EndpointSpec, NetworkCreateRequest};
use bollard::query_parameters::ListContainersOptions;
use swarmdeck_orchestrator::{
    naming, spec, AuditKind, CellVerdict, Error, IsolationProgress, IsolationRequest, Orchestrator,
    ProbeMethod,
};
use swarmdeck_tests::{create_bridge, eventually, fast_run, with_orgs, TestResult};
use tokio_util::sync::CancellationToken;

use crate::fixture_request;

async fn deploy_all(orchestrator: &Orchestrator, services: &[(&str, &str)]) -> TestResult {
    let deploys = services.iter().map(|(org, slug)| {
        let request = fixture_request(org, slug, "v1");
        let orchestrator = orchestrator.clone();
        async move { orchestrator.deploy(&request, &fast_run()).await }
    });
    for result in futures_util::future::join_all(deploys).await {
        result?;
    }
    Ok(())
}

fn cli_check(orgs: &[String]) -> TestResult<std::process::Output> {
    Ok(std::process::Command::new(swarmdeck_tests::cli_binary()?)
        .args(["--json", "isolation", "check"])
        .args(orgs)
        .output()?)
}

fn request(orgs: &[String]) -> IsolationRequest {
    IsolationRequest {
        orgs: orgs.to_vec(),
        ..IsolationRequest::default()
    }
}

/// Probe containers of these organizations still present.
async fn probes_left(orchestrator: &Orchestrator, orgs: &[String]) -> TestResult<usize> {
    let mut left = 0;
    for org in orgs {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("io.swarmdeck.probe={org}")],
        )]);
        left += orchestrator
            .docker()
            .list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(filters),
                ..Default::default()
            }))
            .await?
            .len();
    }
    Ok(left)
}

#[tokio::test]
async fn two_orgs_with_two_services_each_are_isolated_with_passing_controls() -> TestResult {
    with_orgs(&["isoa", "isob"], |orchestrator, orgs| async move {
        let (a, b) = (orgs[0].as_str(), orgs[1].as_str());
        // The same slug in both organizations: each name must resolve to its own organization's service only.
        deploy_all(
            &orchestrator,
            &[(a, "web"), (a, "db"), (b, "web"), (b, "cache")],
        )
        .await?;
        let (progress, mut steps) = tokio::sync::mpsc::unbounded_channel();
        let report = orchestrator
            .verify_isolation_with_progress(
                &request(&orgs),
                CancellationToken::new(),
                Some(progress),
            )
            .await?;
        let mut seen = Vec::new();
        while let Ok(step) = steps.try_recv() {
            seen.push(step);
        }
        assert!(
            matches!(
                seen.first(),
                Some(IsolationProgress::Planned { pairs: 2, .. })
            ),
            "{seen:#?}"
        );
        assert_eq!(seen.last(), Some(&IsolationProgress::Judging), "{seen:#?}");
        assert!(
            seen.iter().any(|s| matches!(
                s,
                IsolationProgress::ProbeFinished {
                    done: 2,
                    total: 2,
                    error: None,
                    ..
                }
            )),
            "{seen:#?}"
        );
        assert_eq!(report.cells.len(), 2);
        for cell in &report.cells {
            assert_eq!(cell.verdict, CellVerdict::Isolated, "{cell:#?}");
            assert!(cell.attempts.iter().all(|a| !a.reached));
            for method in [
                ProbeMethod::TaskIp,
                ProbeMethod::DnsInternal,
                ProbeMethod::DnsTasks,
            ] {
                assert!(
                    cell.attempts.iter().any(|a| a.method == method),
                    "{method:?} missing from the evidence"
                );
            }
        }
        let controls_reached = |method| {
            report
                .controls
                .iter()
                .filter(|c| c.method == method)
                .all(|c| c.reached)
        };
        assert!(
            controls_reached(ProbeMethod::TaskIp),
            "{:#?}",
            report.controls
        );
        assert!(
            controls_reached(ProbeMethod::DnsTasks),
            "{:#?}",
            report.controls
        );
        assert!(report
            .controls
            .iter()
            .any(|c| c.method == ProbeMethod::TaskIp));
        assert_eq!(report.probes_started, 2);
        // The design's two-organization form returns the same evidence.
        let pair = orchestrator
            .verify_cross_organization_isolation(a, b)
            .await?;
        assert_eq!(pair.cells.len(), 2);
        assert!(
            pair.cells
                .iter()
                .all(|c| c.verdict == CellVerdict::Isolated),
            "{:#?}",
            pair.cells
        );
        let cli = cli_check(&orgs)?;
        assert!(
            cli.status.success(),
            "{}",
            String::from_utf8_lossy(&cli.stderr)
        );
        assert!(!report.preflight.is_empty());
        let vip = report
            .methods
            .iter()
            .find(|m| m.method == ProbeMethod::VirtualIp)
            .ok_or("no VIP method")?;
        if !vip.testable {
            assert!(report
                .cells
                .iter()
                .all(|c| c.reason.contains("not testable on this host")));
        }
        assert_eq!(probes_left(&orchestrator, &orgs).await?, 0);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_service_attached_to_both_networks_is_a_leak_and_a_bridge() -> TestResult {
    with_orgs(&["leaka", "leakb"], |orchestrator, orgs| async move {
        let (a, b) = (orgs[0].as_str(), orgs[1].as_str());
        deploy_all(&orchestrator, &[(a, "web"), (b, "api")]).await?;
        // A service of B that is also attached to A's network, as a careless operator might make it.
        let name = create_bridge(&orchestrator, a, b, "bridge").await?;

        let report = orchestrator
            .verify_isolation(&request(&orgs), CancellationToken::new())
            .await?;
        let a_to_b = report
            .cells
            .iter()
            .find(|c| c.source_org == a)
            .ok_or("no a→b cell")?;
        assert_eq!(a_to_b.verdict, CellVerdict::Leak, "{a_to_b:#?}");
        // The bridge sits in both organizations' networks, so it is part of both surfaces: b reaches a through it.
        let b_to_a = report
            .cells
            .iter()
            .find(|c| c.source_org == b)
            .ok_or("no b→a cell")?;
        assert_eq!(b_to_a.verdict, CellVerdict::Leak, "{b_to_a:#?}");
        assert!(b_to_a.reason.contains(&name), "{}", b_to_a.reason);
        let crossed = a_to_b
            .attempts
            .iter()
            .find(|x| x.reached)
            .ok_or("no crossing attempt in the evidence")?;
        assert_eq!(crossed.target_service, name);
        assert!(
            report
                .audit
                .iter()
                .any(|f| f.kind == AuditKind::Bridge && f.subject == name),
            "{:#?}",
            report.audit
        );
        assert!(report.has_leak());
        let cli = cli_check(&orgs)?;
        assert!(
            !cli.status.success(),
            "the CLI must exit non-zero on a leak"
        );
        let json: serde_json::Value = serde_json::from_slice(&cli.stdout)?;
        assert!(json["cells"]
            .as_array()
            .is_some_and(|cells| cells.iter().any(|c| c["verdict"] == "leak")));
        assert_eq!(probes_left(&orchestrator, &orgs).await?, 0);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_org_without_a_running_service_is_inconclusive_and_ingress_is_exposure() -> TestResult {
    with_orgs(&["runa", "emptyb"], |orchestrator, orgs| async move {
        let (a, b) = (orgs[0].as_str(), orgs[1].as_str());
        let mut published = fixture_request(a, "public", "v1");
        published.deployment_id = Some(format!("pub-{a}"));
        orchestrator.deploy(&published, &fast_run()).await?;
        orchestrator.ensure_org_network(b).await?;
        // Publish a port on the ingress mesh, as an operator exposing the service would.
        let name = naming::service_name(a, "public");
        let service = orchestrator.docker().inspect_service(&name, None).await?;
        let mut exposed = service.spec.clone().unwrap_or_default();
        spec::restore_dropped_fields(&mut exposed);
        exposed.endpoint_spec = Some(EndpointSpec {
            ports: Some(vec![EndpointPortConfig {
                target_port: Some(8080),
                published_port: Some(0),
                ..Default::default()
            }]),
            ..Default::default()
        });
        let version = service.version.and_then(|v| v.index).unwrap_or(0);
        let options = bollard::query_parameters::UpdateServiceOptions {
            version: version as i32,
            ..Default::default()
        };
        orchestrator
            .docker()
            .update_service(&name, exposed, options, None)
            .await?;
        let exposure = {
            let orchestrator = orchestrator.clone();
            let orgs = orgs.clone();
            eventually(
                Duration::from_secs(60),
                "the exposure to show in the audit",
                move || {
                    let (orchestrator, orgs) = (orchestrator.clone(), orgs.clone());
                    async move {
                        let report = orchestrator
                            .verify_isolation(&request(&orgs), CancellationToken::new())
                            .await?;
                        let seen = report
                            .audit
                            .iter()
                            .any(|f| f.kind == AuditKind::IngressExposure);
                        Ok(seen.then_some(report))
                    }
                },
            )
            .await?
        };
        assert!(
            exposure
                .cells
                .iter()
                .all(|c| c.verdict == CellVerdict::Inconclusive),
            "{:#?}",
            exposure.cells
        );
        assert!(exposure
            .cells
            .iter()
            .any(|c| c.reason.contains("no running service")));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn cancelling_mid_way_and_a_failing_probe_leave_no_probe_behind() -> TestResult {
    with_orgs(
        &["cancela", "cancelb", "brokenc"],
        |orchestrator, orgs| async move {
            let (a, b, c) = (orgs[0].as_str(), orgs[1].as_str(), orgs[2].as_str());
            deploy_all(&orchestrator, &[(a, "web"), (b, "web")]).await?;
            let cancel = CancellationToken::new();
            let check = {
                let (orchestrator, cancel, two) = (
                    orchestrator.clone(),
                    cancel.clone(),
                    vec![orgs[0].clone(), orgs[1].clone()],
                );
                tokio::spawn(async move {
                    let request = IsolationRequest {
                        attempt_timeout_ms: 20_000,
                        ..request(&two)
                    };
                    orchestrator.verify_isolation(&request, cancel).await
                })
            };
            let two = vec![orgs[0].clone(), orgs[1].clone()];
            eventually(Duration::from_secs(60), "a probe to start", || {
                let (orchestrator, two) = (orchestrator.clone(), two.clone());
                async move { Ok((probes_left(&orchestrator, &two).await? > 0).then_some(())) }
            })
            .await?;
            cancel.cancel();
            let result = check.await?;
            assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
            assert_eq!(probes_left(&orchestrator, &two).await?, 0);

            // An organization network a probe cannot join: its probe fails, and is removed all the same.
            orchestrator
                .docker()
                .create_network(NetworkCreateRequest {
                    name: naming::network_name(c),
                    driver: Some("overlay".into()),
                    attachable: Some(false),
                    labels: Some(HashMap::from([
                        (
                            "io.swarmdeck.managed-by".to_string(),
                            "swarmdeck".to_string(),
                        ),
                        ("io.swarmdeck.network.org".to_string(), c.to_string()),
                        ("io.swarmdeck.org".to_string(), c.to_string()),
                        (
                            "io.swarmdeck.test".to_string(),
                            "swarmdeck-tests".to_string(),
                        ),
                    ])),
                    ..Default::default()
                })
                .await?;
            let report = orchestrator
                .verify_isolation(
                    &request(&[orgs[0].clone(), orgs[2].clone()]),
                    CancellationToken::new(),
                )
                .await?;
            let from_c = report
                .cells
                .iter()
                .find(|cell| cell.source_org == c)
                .ok_or("no c→a cell")?;
            assert_eq!(from_c.verdict, CellVerdict::Inconclusive);
            assert!(from_c.reason.contains("probe"), "{}", from_c.reason);
            assert_eq!(probes_left(&orchestrator, &orgs).await?, 0);
            Ok(())
        },
    )
    .await
}

/// A CLI check stopped by SIGTERM removes its probes itself; one killed with SIGKILL leaves them, and the next
/// sweep (every check and every app start runs one) removes them at once, not after ten minutes.
#[tokio::test]
async fn a_check_killed_or_terminated_leaves_no_probe_for_long() -> TestResult {
    with_orgs(&["killa", "killb"], |orchestrator, orgs| async move {
        deploy_all(&orchestrator, &[(&orgs[0], "web"), (&orgs[1], "web")]).await?;
        for signal in ["-TERM", "-KILL"] {
            let mut check = std::process::Command::new(swarmdeck_tests::cli_binary()?)
                .args([
                    "isolation",
                    "check",
                    &orgs[0],
                    &orgs[1],
                    "--timeout-ms",
                    "20000",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()?;
            let outcome = async {
                eventually(Duration::from_secs(60), "a probe of the CLI's check to start", || {
                    let (orchestrator, orgs) = (orchestrator.clone(), orgs.clone());
                    async move { Ok((probes_left(&orchestrator, &orgs).await? > 0).then_some(())) }
                })
                .await?;
                std::process::Command::new("kill")
                    .args([signal, &check.id().to_string()])
                    .status()?;
                let exit = tokio::task::spawn_blocking(move || check.wait()).await??;
                if signal == "-TERM" {
                    assert!(!exit.success(), "a terminated check reports no verdict");
                    assert_eq!(
                        probes_left(&orchestrator, &orgs).await?,
                        0,
                        "SIGTERM must clean up like Ctrl-C"
                    );
                } else {
                    assert!(
                        probes_left(&orchestrator, &orgs).await? > 0,
                        "SIGKILL leaves its probe"
                    );
                    // Other tests' checks sweep too and may be removing the same probes right now.
                    orchestrator.sweep_abandoned_probes().await;
                    eventually(
                        Duration::from_secs(30),
                        "the abandoned probes to be gone",
                        || {
                            let (orchestrator, orgs) = (orchestrator.clone(), orgs.clone());
                            async move {
                                Ok((probes_left(&orchestrator, &orgs).await? == 0).then_some(()))
                            }
                        },
                    )
                    .await?;
                }
                TestResult::Ok(())
            }
            .await;
            outcome?;
        }
        Ok(())
    })
    .await
}

/// A service made with the docker CLI (no labels of ours) attached to two organizations' networks, and a plain
/// container joined to both with `docker network connect`: each is part of both organizations' surfaces, so both
/// cells are `leak` naming it, and the CLI exits non-zero.
#[tokio::test]
async fn an_unlabelled_bridge_and_a_connected_container_make_both_cells_leak() -> TestResult {
    with_orgs(&["fora", "forb"], |orchestrator, orgs| async move {
        let (a, b) = (orgs[0].as_str(), orgs[1].as_str());
        deploy_all(&orchestrator, &[(a, "web"), (b, "web")]).await?;
        let (net_a, net_b) = (naming::network_name(a), naming::network_name(b));
        let image = format!("{}:v1", swarmdeck_tests::FIXTURE_REPO);
        let test_label = "io.swarmdeck.test=swarmdeck-tests";
        let service = format!("foreign-{a}");
        let container = format!("plain-{a}");
        let docker = |args: &[&str]| -> TestResult {
            let output = std::process::Command::new("docker").args(args).output()?;
            if output.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "docker {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&output.stderr)
                )
                .into())
            }
        };
        let result = async {
            docker(&[
                "service",
                "create",
                "--detach",
                "--name",
                &service,
                "--label",
                test_label,
                "--network",
                &net_a,
                "--network",
                &net_b,
                &image,
            ])?;
            for (bridge, kind) in [
                (service.as_str(), "service"),
                (container.as_str(), "container"),
            ] {
                if kind == "container" {
                    docker(&["service", "rm", &service])?;
                    docker(&[
                        "run",
                        "--detach",
                        "--name",
                        &container,
                        "--label",
                        test_label,
                        "--network",
                        &net_a,
                        "--expose",
                        "8080",
                        &image,
                    ])?;
                    docker(&["network", "connect", &net_b, &container])?;
                }
                let report = eventually(
                    Duration::from_secs(90),
                    "the bridge to be reachable",
                    || {
                        let (orchestrator, orgs) = (orchestrator.clone(), orgs.clone());
                        async move {
                            let report = orchestrator
                                .verify_isolation(&request(&orgs), CancellationToken::new())
                                .await?;
                            let leaking = report
                                .cells
                                .iter()
                                .filter(|c| c.verdict == CellVerdict::Leak)
                                .count();
                            Ok((leaking == 2).then_some(report))
                        }
                    },
                )
                .await?;
                for cell in &report.cells {
                    assert!(cell.reason.contains(bridge), "{kind}: {cell:#?}");
                }
                let cli = cli_check(&orgs)?;
                assert!(
                    !cli.status.success(),
                    "the CLI must exit non-zero on a {kind} bridge"
                );
            }
            TestResult::Ok(())
        }
        .await;
        let _ = docker(&["service", "rm", &service]);
        let _ = docker(&["rm", "--force", &container]);
        result
    })
    .await
}
