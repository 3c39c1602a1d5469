//! Faults, races and engine failures, injected through a proxy on the engine socket: each ends in a known,
//! recorded state.

use std::time::Duration;

use swarmdeck_orchestrator::{Error, Orchestrator, Outcome, UpdateRequest};
use swarmdeck_tests::{
    eventually, fast_run, orchestrator_on, with_orgs, CountingProxy, Fault, TestResult,
};

use crate::fixture_request;

/// An orchestrator that reaches the engine through `proxy`.
async fn through(proxy: &CountingProxy) -> TestResult<Orchestrator> {
    Ok(orchestrator_on(proxy.docker()?.negotiate_version().await?))
}

/// A scale from another client lands while an update resolves its image (after the update read the service):
/// the update's write must not revert it, and its record says what was written.
#[tokio::test]
async fn a_scale_during_an_update_is_kept_by_the_update() -> TestResult {
    with_orgs(&["race"], |orchestrator, orgs| async move {
        let first = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        let name = first.service_name.clone();
        let proxy = CountingProxy::start().await?;
        let slow = through(&proxy).await?;
        // Long enough for the scale's new task to start before the update writes: this test is about the spec
        // write, not about a start-first update racing a task that is still being created.
        proxy.inject("GET /images/", Fault::Delay(Duration::from_secs(10)), 1);
        let update = {
            let name = name.clone();
            tokio::spawn(async move {
                let request = UpdateRequest {
                    image_tag: Some("v2".into()),
                    ..Default::default()
                };
                slow.update(&name, &request, &fast_run()).await
            })
        };
        eventually(
            Duration::from_secs(30),
            "the update to resolve its image",
            || {
                let injected = proxy.injected();
                async move { Ok((injected == 1).then_some(())) }
            },
        )
        .await?;
        orchestrator.scale(&name, 2).await?;
        eventually(
            Duration::from_secs(10),
            "the scaled service to run 2 tasks",
            || {
                let (orchestrator, name) = (orchestrator.clone(), name.clone());
                async move {
                    let status = orchestrator.service_status(&name).await?;
                    Ok((status.running == 2).then_some(()))
                }
            },
        )
        .await?;
        assert!(
            !update.is_finished(),
            "the update wrote before the scale was in"
        );
        let updated = update.await??;

        let definition = orchestrator.service_definition(&name).await?;
        assert_eq!(definition.replicas, 2, "the update reverted the scale");
        assert!(definition.image.ends_with(":v2"), "{}", definition.image);
        let record = orchestrator
            .deployment_record(&name, &updated.deployment_id)
            .await?;
        assert_eq!(record.outcome, Outcome::Succeeded);
        assert_eq!(
            record.definition.replicas, 2,
            "the record says what was written"
        );
        Ok(())
    })
    .await
}

/// The engine answers 500 to the gate's task reads twice: the gate retries and still reaches its verdict.
#[tokio::test]
async fn a_500_during_the_health_gate_still_ends_in_a_verdict() -> TestResult {
    with_orgs(&["gate500"], |_, orgs| async move {
        let proxy = CountingProxy::start().await?;
        let orchestrator = through(&proxy).await?;
        proxy.inject("GET /tasks", Fault::Fail, 2);
        let deployed = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        assert_eq!(proxy.injected(), 2, "both faults reached the gate");
        let record = orchestrator
            .deployment_record(&deployed.service_name, &deployed.deployment_id)
            .await?;
        assert_eq!(record.outcome, Outcome::Succeeded);
        Ok(())
    })
    .await
}

/// The engine never answers the gate: the deploy ends with "no verdict", the record says `interrupted` with the
/// reason (never "in progress" for the life of the app), and reconcile settles it from what runs.
#[tokio::test]
async fn a_gate_that_cannot_reach_a_verdict_records_interrupted_and_reconcile_settles_it(
) -> TestResult {
    with_orgs(&["gatedown"], |direct, orgs| async move {
        let proxy = CountingProxy::start().await?;
        let orchestrator = through(&proxy).await?;
        proxy.inject("GET /tasks", Fault::Fail, usize::MAX);
        let mut run = fast_run();
        run.gate.timeout = Duration::from_secs(5);
        let result = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &run)
            .await;
        let Err(Error::GateInterrupted { service, reason }) = result else {
            panic!("expected an interrupted gate, got {result:?}");
        };
        assert!(reason.contains("500"), "{reason}");
        let history = direct.deployment_history(&service).await?;
        assert_eq!(history[0].outcome, Outcome::Interrupted, "{history:#?}");
        assert!(history[0]
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("did not answer")));
        proxy.heal();
        let settled = eventually(
            Duration::from_secs(60),
            "reconcile to settle the record",
            || {
                let direct = direct.clone();
                let service = service.clone();
                async move {
                    let history = direct.reconcile_history(&service).await?;
                    Ok((history[0].outcome != Outcome::Interrupted).then_some(history))
                }
            },
        )
        .await?;
        assert_eq!(settled[0].outcome, Outcome::Succeeded, "{settled:#?}");
        Ok(())
    })
    .await
}

/// A list call failing while the topology is read is an error, never an empty graph; healed, it reads again.
#[tokio::test]
async fn a_list_call_failing_during_topology_is_an_error_not_an_empty_graph() -> TestResult {
    with_orgs(&["topofail"], |_, orgs| async move {
        let proxy = CountingProxy::start().await?;
        let orchestrator = through(&proxy).await?;
        orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        proxy.inject("GET /tasks", Fault::Fail, 1);
        let failed = orchestrator.topology().await;
        assert!(
            failed.is_err(),
            "a failed list read as a topology: {failed:?}"
        );
        let topology = orchestrator.topology().await?;
        assert!(topology.orgs.iter().any(|org| org.org_id == orgs[0]));
        Ok(())
    })
    .await
}

/// Runs the CLI with `args` to its end; whether it reported success.
async fn cli(args: Vec<String>) -> TestResult<bool> {
    let output = tokio::process::Command::new(swarmdeck_tests::cli_binary()?)
        .args(&args)
        .output()
        .await?;
    Ok(output.status.success())
}

/// Two processes write the same service at once: every change that reported success is in the end state.
#[tokio::test]
async fn two_processes_writing_one_service_keep_every_change_that_succeeded() -> TestResult {
    with_orgs(&["writers"], |orchestrator, orgs| async move {
        let first = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        let name = first.service_name.clone();
        let args = |words: &[&str]| -> Vec<String> {
            words
                .iter()
                .map(|w| w.to_string())
                .chain(["--gate-settle".into(), "1".into()])
                .collect()
        };

        // update vs scale
        let (updated, scaled) = tokio::join!(
            cli(args(&["update", &name, "--tag", "v2"])),
            cli(vec!["scale".into(), name.clone(), "2".into()]),
        );
        let definition = orchestrator.service_definition(&name).await?;
        if updated? {
            assert!(definition.image.ends_with(":v2"), "{}", definition.image);
        }
        if scaled? {
            assert_eq!(definition.replicas, 2, "a successful scale was lost");
        }

        // update vs update, on different fields
        let (tagged, marked) = tokio::join!(
            cli(args(&["update", &name, "--tag", "v3"])),
            cli(args(&["update", &name, "--env", "MARK=set"])),
        );
        let (tagged, marked) = (tagged?, marked?);
        assert!(tagged || marked, "neither update succeeded");
        let definition = orchestrator.service_definition(&name).await?;
        if tagged {
            assert!(definition.image.ends_with(":v3"), "{}", definition.image);
        }
        if marked {
            assert_eq!(definition.env.get("MARK").map(String::as_str), Some("set"));
        }

        // rollback vs deploy: two whole specs. What runs is one that reported success, and when both did, the
        // later one; the other was never silently reverted while it claimed success.
        let org = orgs[0].clone();
        let (rolled, deployed) = tokio::join!(
            cli(args(&["rollback", &name])),
            cli(args(&[
                "deploy",
                "--org",
                &org,
                "--slug",
                "web",
                "--image",
                swarmdeck_tests::FIXTURE_REPO,
                "--tag",
                "v1",
                "--port",
                "8080",
                "--env",
                "FROM=deploy",
            ])),
        );
        let (rolled, deployed) = (rolled?, deployed?);
        assert!(
            rolled || deployed,
            "neither the rollback nor the deploy succeeded"
        );
        let history = orchestrator.deployment_history(&name).await?;
        let live = orchestrator
            .service_status(&name)
            .await?
            .deployment_id
            .ok_or("no live deployment")?;
        let succeeded: Vec<&swarmdeck_orchestrator::DeploymentRecord> = history
            .iter()
            .take(2)
            .filter(|r| r.outcome == Outcome::Succeeded)
            .collect();
        assert_eq!(
            succeeded.first().map(|r| r.deployment_id.as_str()),
            Some(live.as_str()),
            "what runs is not the newest change that reported success: {history:#?}"
        );
        Ok(())
    })
    .await
}

/// The CLI is killed (SIGKILL) at random points of many deploys and updates. Afterwards reconcile settles every
/// record, the history agrees with what runs, and every image the service or a successful record names exists.
#[tokio::test]
async fn the_cli_killed_at_random_points_leaves_a_consistent_history() -> TestResult {
    const ROUNDS: usize = 50;
    with_orgs(&["kill9"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let name = swarmdeck_orchestrator::naming::service_name(&org, "web");
        orchestrator
            .deploy(&fixture_request(&org, "web", "v1"), &fast_run())
            .await?;
        let cli = swarmdeck_tests::cli_binary()?;
        for round in 0..ROUNDS {
            let tag = swarmdeck_tests::FIXTURE_VERSIONS[round % 3];
            let mut command = std::process::Command::new(&cli);
            if round % 4 == 0 {
                command.args(["deploy", "--org", &org, "--slug", "web", "--image"]);
                command.args([
                    swarmdeck_tests::FIXTURE_REPO,
                    "--tag",
                    tag,
                    "--port",
                    "8080",
                ]);
                command.args(["--update-delay", "0", "--update-monitor", "1"]);
            } else {
                command.args(["update", &name, "--tag", tag]);
            }
            let mut child = command
                .args(["--gate-settle", "1"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()?;
            // The fault's timing, not a wait for anything: anywhere from before the first call to after the end.
            let at = Duration::from_millis(rand::random::<u64>() % 4000);
            tokio::time::sleep(at).await;
            let _ = child.kill();
            let _ = tokio::task::spawn_blocking(move || child.wait()).await?;
        }
        let history = eventually(
            Duration::from_secs(180),
            "reconcile to settle every record",
            || {
                let (orchestrator, name) = (orchestrator.clone(), name.clone());
                async move {
                    let history = orchestrator.reconcile_history(&name).await?;
                    let open = history
                        .iter()
                        .any(|r| matches!(r.outcome, Outcome::InProgress | Outcome::Interrupted));
                    Ok((!open).then_some(history))
                }
            },
        )
        .await?;
        assert!(
            history.len() <= swarmdeck_orchestrator::HISTORY_LIMIT + 2,
            "{}",
            history.len()
        );
        let status = orchestrator.service_status(&name).await?;
        let live = status
            .deployment_id
            .clone()
            .ok_or("the service runs no deployment of ours")?;
        let record = history
            .iter()
            .find(|r| r.deployment_id == live)
            .ok_or(format!("the running deployment {live} has no record"))?;
        assert!(
            matches!(
                record.outcome,
                Outcome::Succeeded | Outcome::Failed | Outcome::FailedHealthCheck
            ),
            "the running deployment reads {:?}",
            record.outcome
        );
        let docker = orchestrator.docker();
        let image = status.image.ok_or("no image in the live spec")?;
        docker
            .inspect_image(&image)
            .await
            .map_err(|e| format!("the live spec's image {image}: {e}"))?;
        for task in orchestrator.service_status(&name).await?.tasks {
            assert!(task.state != "rejected", "a task was rejected: {task:?}");
        }
        for record in history.iter().filter(|r| r.outcome == Outcome::Succeeded) {
            docker
                .inspect_image(&record.image.keep_tag)
                .await
                .map_err(|e| format!("{} of a successful record: {e}", record.image.keep_tag))?;
        }
        Ok(())
    })
    .await
}
