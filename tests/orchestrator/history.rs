use std::process::{Command, Stdio};
use std::time::Duration;

use swarmdeck_orchestrator::{naming, Outcome, Resources, Trigger, UpdateState};
use swarmdeck_tests::{cli_binary, eventually, fast_run, with_orgs, TestResult, FIXTURE_REPO};

use crate::fixture_request;

#[tokio::test]
async fn rollback_to_the_first_of_three_restores_env_limits_and_the_exact_image() -> TestResult {
    with_orgs(&["rollto"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let versions = [
            (
                "v1",
                "one",
                Resources {
                    cpu_cores: 0.5,
                    memory_mb: 256,
                    disk_gb: 1,
                },
            ),
            (
                "v2",
                "two",
                Resources {
                    cpu_cores: 1.0,
                    memory_mb: 512,
                    disk_gb: 2,
                },
            ),
            (
                "v3",
                "three",
                Resources {
                    cpu_cores: 1.5,
                    memory_mb: 384,
                    disk_gb: 3,
                },
            ),
        ];
        let mut deployed = Vec::new();
        for (version, marker, resources) in versions.clone() {
            let mut request = fixture_request(org, "app", version);
            request.env.insert("MARKER".into(), marker.into());
            request.resources = resources;
            deployed.push(orchestrator.deploy(&request, &fast_run()).await?);
        }
        let first = &deployed[0];
        // Move the tag the first deployment used: a restore by tag would now pick the wrong image.
        orchestrator
            .docker()
            .tag_image(
                &format!("{FIXTURE_REPO}:v3"),
                Some(bollard::query_parameters::TagImageOptions {
                    repo: Some(FIXTURE_REPO.into()),
                    tag: Some(format!("moved-{}", org)),
                }),
            )
            .await?;
        let restored = orchestrator
            .rollback_to(&first.service_name, &first.deployment_id, &fast_run())
            .await?;

        let service = orchestrator
            .docker()
            .inspect_service(&first.service_name, None)
            .await?;
        let task = service
            .spec
            .and_then(|s| s.task_template)
            .ok_or("no task template")?;
        let container = task.container_spec.ok_or("no container spec")?;
        assert_eq!(container.env, Some(vec!["MARKER=one".to_string()]));
        let limits = task.resources.and_then(|r| r.limits).ok_or("no limits")?;
        assert_eq!(limits.nano_cpus, Some(500_000_000));
        assert_eq!(limits.memory_bytes, Some(256 * 1024 * 1024));
        let image = container.image.ok_or("no image")?;
        let image_id = orchestrator.docker().inspect_image(&image).await?.id;
        assert_eq!(image_id.as_deref(), Some(first.image.image_id.as_str()));
        assert_ne!(first.image.image_id, deployed[2].image.image_id);
        let running = restored.container_id.ok_or("no running container")?;
        let container = orchestrator
            .docker()
            .inspect_container(&running, None)
            .await?;
        assert_eq!(
            container.image.as_deref(),
            Some(first.image.image_id.as_str())
        );

        let history = orchestrator.deployment_history(&first.service_name).await?;
        assert_eq!(history.len(), 4);
        assert_eq!(
            history[0].trigger,
            Trigger::RollbackTo {
                deployment_id: first.deployment_id.clone()
            }
        );
        assert_eq!(history[0].outcome, Outcome::Succeeded);
        assert_eq!(history[0].definition.resources.disk_gb, 1);
        let _ = orchestrator
            .docker()
            .remove_image(
                &format!("{FIXTURE_REPO}:moved-{org}"),
                None::<bollard::query_parameters::RemoveImageOptions>,
                None,
            )
            .await;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn history_survives_a_new_process() -> TestResult {
    with_orgs(&["survive"], |orchestrator, orgs| async move {
        let first = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        let second = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v2"), &fast_run())
            .await?;
        let output = Command::new(cli_binary()?)
            .args(["--json", "history", &first.service_name])
            .output()?;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let records: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        let ids: Vec<&str> = records
            .as_array()
            .ok_or("history is not a list")?
            .iter()
            .filter_map(|r| r["deployment_id"].as_str())
            .collect();
        assert_eq!(
            ids,
            vec![second.deployment_id.as_str(), first.deployment_id.as_str()]
        );
        assert_eq!(records[0]["outcome"], "succeeded");
        Ok(())
    })
    .await
}

/// Starts the CLI on a deploy or update whose health gate waits long, so it can be killed mid-way.
fn spawn_cli(args: &[&str]) -> TestResult<std::process::Child> {
    Ok(Command::new(cli_binary()?)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?)
}

#[tokio::test]
async fn a_deploy_killed_mid_way_is_interrupted_then_reconciled() -> TestResult {
    with_orgs(&["killed"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let name = naming::service_name(&org, "web");
        let mut child = spawn_cli(&[
            "deploy",
            "--org",
            &org,
            "--slug",
            "web",
            "--image",
            FIXTURE_REPO,
            "--tag",
            "v1",
            "--port",
            "8080",
            "--health-cmd",
            "/fixture health",
            "--health-interval",
            "1",
            "--health-retries",
            "2",
            "--gate-settle",
            "600",
            "--gate-timeout",
            "900",
        ])?;
        let probe = orchestrator.clone();
        let watched = name.clone();
        eventually(
            Duration::from_secs(60),
            "the deploy to be running and recorded in progress",
            || {
                let (orchestrator, name) = (probe.clone(), watched.clone());
                async move {
                    let history = orchestrator.deployment_history(&name).await?;
                    let in_progress = history
                        .first()
                        .is_some_and(|r| r.outcome == Outcome::InProgress);
                    let running = in_progress
                        && orchestrator
                            .service_status(&name)
                            .await
                            .is_ok_and(|s| s.running == 1);
                    Ok(running.then_some(()))
                }
            },
        )
        .await?;
        child.kill()?;
        child.wait()?;
        let history = orchestrator.deployment_history(&name).await?;
        assert_eq!(history[0].outcome, Outcome::Interrupted);
        let reconciled = orchestrator.reconcile_history(&name).await?;
        assert_eq!(reconciled[0].outcome, Outcome::Succeeded, "{reconciled:#?}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_swarm_rollback_while_no_client_ran_is_recognised() -> TestResult {
    with_orgs(&["offline"], |orchestrator, orgs| async move {
        let first = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        let name = first.service_name.clone();
        let mut child = spawn_cli(&[
            "update",
            &name,
            "--tag",
            "v2",
            "--env",
            "EXIT_CODE=4",
            "--update-delay",
            "0",
            "--update-monitor",
            "3",
            "--gate-timeout",
            "900",
        ])?;
        let probe = orchestrator.clone();
        let watched = name.clone();
        let first_id = first.deployment_id.clone();
        eventually(
            Duration::from_secs(60),
            "the update to be recorded and sent",
            || {
                let (orchestrator, name, first_id) =
                    (probe.clone(), watched.clone(), first_id.clone());
                async move {
                    let status = orchestrator.service_status(&name).await?;
                    Ok((status.deployment_id.as_deref() != Some(first_id.as_str())).then_some(()))
                }
            },
        )
        .await?;
        child.kill()?;
        child.wait()?;
        let probe = orchestrator.clone();
        eventually(
            Duration::from_secs(90),
            "the swarm to roll back on its own",
            || {
                let (orchestrator, name) = (probe.clone(), watched.clone());
                async move {
                    Ok((orchestrator.update_status(&name).await?.state
                        == UpdateState::RollbackCompleted)
                        .then_some(()))
                }
            },
        )
        .await?;
        let history = orchestrator.reconcile_history(&name).await?;
        assert_eq!(
            history[0].outcome,
            Outcome::RolledBackBySwarm,
            "{history:#?}"
        );
        assert_eq!(history[1].deployment_id, first.deployment_id);
        assert_eq!(history[1].outcome, Outcome::Succeeded);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn history_keeps_the_last_ten_and_releases_older_images() -> TestResult {
    with_orgs(&["prune"], |orchestrator, orgs| async move {
        let mut run = fast_run();
        run.gate.settle = Duration::from_millis(500);
        let mut deployed = Vec::new();
        for round in 0..11 {
            let version = if round % 2 == 0 { "v1" } else { "v2" };
            deployed.push(
                orchestrator
                    .deploy(&fixture_request(&orgs[0], "web", version), &run)
                    .await?,
            );
        }
        let history = orchestrator
            .deployment_history(&deployed[0].service_name)
            .await?;
        assert_eq!(history.len(), swarmdeck_orchestrator::HISTORY_LIMIT);
        assert!(history
            .iter()
            .all(|r| r.deployment_id != deployed[0].deployment_id));
        let docker = orchestrator.docker();
        let released = docker.inspect_image(&deployed[0].image.keep_tag).await;
        assert!(
            released.is_err(),
            "the oldest deployment's keep tag must be released"
        );
        for kept in &deployed[1..] {
            docker.inspect_image(&kept.image.keep_tag).await?;
        }

        // Rolling back to the oldest record writes an 11th: pruning must not release the tag the live spec
        // now runs on, and a reschedule must find it.
        let oldest = &deployed[1];
        let name = oldest.service_name.clone();
        orchestrator
            .rollback_to(&name, &oldest.deployment_id, &run)
            .await?;
        docker.inspect_image(&oldest.image.keep_tag).await?;
        let service = docker.inspect_service(&name, None).await?;
        let mut spec = service.spec.unwrap_or_default();
        let template = spec.task_template.get_or_insert_with(Default::default);
        template.force_update = Some(template.force_update.unwrap_or(0) + 1);
        let version = service.version.and_then(|v| v.index).unwrap_or(0);
        let before: Vec<String> = orchestrator
            .service_status(&name)
            .await?
            .tasks
            .into_iter()
            .map(|t| t.id)
            .collect();
        docker
            .update_service(
                &name,
                spec,
                bollard::query_parameters::UpdateServiceOptions {
                    version: i32::try_from(version)?,
                    ..Default::default()
                },
                None,
            )
            .await?;
        eventually(
            Duration::from_secs(90),
            "a rescheduled task of the restored deployment to run",
            || {
                let orchestrator = orchestrator.clone();
                let (name, before) = (name.clone(), before.clone());
                async move {
                    let status = orchestrator.service_status(&name).await?;
                    if let Some(failed) = status
                        .tasks
                        .iter()
                        .find(|t| !before.contains(&t.id) && t.state == "rejected")
                    {
                        return Err(format!("the rescheduled task was rejected: {failed:?}").into());
                    }
                    Ok(status
                        .tasks
                        .iter()
                        .any(|t| !before.contains(&t.id) && t.state == "running")
                        .then_some(()))
                }
            },
        )
        .await?;
        let history = orchestrator.deployment_history(&name).await?;
        assert!(
            history
                .iter()
                .any(|r| r.deployment_id == oldest.deployment_id),
            "the record the live spec runs on stays until nothing uses it"
        );
        Ok(())
    })
    .await
}
