//! The engine restarted under long-running work (here, because these cases run alone and the engine is ours):
//! a deploy and an update held by this long-lived process and an isolation check, all in flight at once. Each
//! ends in a recorded, truthful state after reconcile, and no probe is left.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use swarmdeck_orchestrator::{IsolationRequest, Outcome, UpdateRequest};
use swarmdeck_tests::app::workspace_root;
use swarmdeck_tests::{eventually, fast_run, fixture_request, with_orgs, TestResult};
use tokio_util::sync::CancellationToken;

use crate::may_stop_engine;

#[tokio::test]
async fn an_engine_restart_under_a_deploy_an_update_and_a_check_ends_in_recorded_states(
) -> TestResult {
    let Some(pid) = may_stop_engine() else {
        eprintln!("skipped: the engine was not started by scripts/ensure-engine.sh, so this test will not restart it");
        return Ok(());
    };
    with_orgs(&["restarta", "restartb"], |orchestrator, orgs| async move {
        let (a, b) = (orgs[0].clone(), orgs[1].clone());
        let updated = orchestrator
            .deploy(&fixture_request(&a, "web", "v1"), &fast_run())
            .await?;
        orchestrator
            .deploy(&fixture_request(&b, "web", "v1"), &fast_run())
            .await?;
        // Gates long enough to be under way when the engine goes, short enough to end after it is back.
        let mut run = fast_run();
        run.gate.settle = Duration::from_secs(20);
        run.gate.timeout = Duration::from_secs(240);
        let update = {
            let (orchestrator, run, name) = (
                orchestrator.clone(),
                run.clone(),
                updated.service_name.clone(),
            );
            tokio::spawn(async move {
                let request = UpdateRequest {
                    image_tag: Some("v2".into()),
                    ..Default::default()
                };
                orchestrator.update(&name, &request, &run).await
            })
        };
        let created = {
            let (orchestrator, run, org) = (orchestrator.clone(), run.clone(), a.clone());
            tokio::spawn(async move {
                orchestrator
                    .deploy(&fixture_request(&org, "fresh", "v1"), &run)
                    .await
            })
        };
        let check = {
            let (orchestrator, orgs) = (orchestrator.clone(), orgs.clone());
            tokio::spawn(async move {
                let request = IsolationRequest {
                    orgs,
                    attempt_timeout_ms: 20_000,
                };
                orchestrator
                    .verify_isolation(&request, CancellationToken::new())
                    .await
            })
        };
        let fresh = swarmdeck_orchestrator::naming::service_name(&a, "fresh");
        eventually(
            Duration::from_secs(90),
            "the deploy, the update and a probe under way",
            || {
                let (orchestrator, updated, fresh, orgs) = (
                    orchestrator.clone(),
                    updated.clone(),
                    fresh.clone(),
                    orgs.clone(),
                );
                async move {
                    let update_written = orchestrator
                        .service_status(&updated.service_name)
                        .await?
                        .deployment_id
                        != Some(updated.deployment_id.clone());
                    let created = orchestrator.service_status(&fresh).await.is_ok();
                    let probing = probes(&orchestrator, &orgs).await? > 0;
                    Ok((update_written && created && probing).then_some(()))
                }
            },
        )
        .await?;

        Command::new("kill").args(["-TERM", &pid]).status()?;
        let process = PathBuf::from(format!("/proc/{pid}"));
        eventually(
            Duration::from_secs(60),
            "the stopped dockerd to exit",
            || {
                let gone = !process.exists();
                async move { Ok(gone.then_some(())) }
            },
        )
        .await?;
        let started = Command::new(workspace_root().join("scripts/ensure-engine.sh")).status()?;
        if !started.success() {
            return Err("scripts/ensure-engine.sh could not restart the engine".into());
        }

        // Whatever each call says, what it recorded must be settled and true.
        let _ = update.await?;
        let _ = created.await?;
        let _ = check.await?;
        for name in [updated.service_name.clone(), fresh.clone()] {
            let history = eventually(
                Duration::from_secs(180),
                "reconcile to settle the records",
                || {
                    let (orchestrator, name) = (orchestrator.clone(), name.clone());
                    async move {
                        let history = orchestrator.reconcile_history(&name).await?;
                        let open = history.iter().any(|r| {
                            matches!(r.outcome, Outcome::InProgress | Outcome::Interrupted)
                        });
                        Ok((!open).then_some(history))
                    }
                },
            )
            .await?;
            let status = orchestrator.service_status(&name).await?;
            let newest = &history[0];
            if newest.outcome == Outcome::Succeeded {
                assert_eq!(
                    status.deployment_id.as_deref(),
                    Some(newest.deployment_id.as_str()),
                    "{name}: a succeeded deployment that does not run"
                );
            }
        }
        eventually(Duration::from_secs(60), "no probe left", || {
            let (orchestrator, orgs) = (orchestrator.clone(), orgs.clone());
            async move { Ok((probes(&orchestrator, &orgs).await? == 0).then_some(())) }
        })
        .await?;
        Ok(())
    })
    .await
}

async fn probes(
    orchestrator: &swarmdeck_orchestrator::Orchestrator,
    orgs: &[String],
) -> TestResult<usize> {
    let mut count = 0;
    for org in orgs {
        let filters = std::collections::HashMap::from([(
            "label".to_string(),
            vec![format!("io.swarmdeck.probe={org}")],
        )]);
        count += orchestrator
            .docker()
            .list_containers(Some(bollard::query_parameters::ListContainersOptions {
                all: true,
                filters: Some(filters),
                ..Default::default()
            }))
            .await?
            .len();
    }
    Ok(count)
}
