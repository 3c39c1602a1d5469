//! Rolling updates and rollbacks against the real engine, each case a whole rollout watched to its verdict. Long
//! (over 400 lines) because each case checks its deploy, its update and the engine's answers step by step; they stay
//! together so the health gate's rules read in one place.

use std::time::Duration;

use swarmdeck_orchestrator::{
    naming, Error, Outcome, Progress, RunOptions, Trigger, UpdatePolicy, UpdateRequest, UpdateState,
};
use swarmdeck_tests::{eventually, fast_policy, fast_run, with_orgs, TestResult};
use tokio::sync::mpsc;

use crate::fixture_request;

fn env(pairs: &[(&str, &str)]) -> Option<std::collections::BTreeMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

#[tokio::test]
async fn start_first_update_keeps_the_old_task_until_the_new_one_runs() -> TestResult {
    with_orgs(&["startfirst"], |orchestrator, orgs| async move {
        let first = orchestrator.deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run()).await?;
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let run = RunOptions {
            progress: Some(sender),
            ..fast_run()
        };
        let update = UpdateRequest {
            image_tag: Some("v2".into()),
            ..Default::default()
        };
        let second = orchestrator.update(&first.service_name, &update, &run).await?;
        drop(run);
        let mut events = Vec::new();
        while let Some(event) = receiver.recv().await {
            events.push(event);
        }
        let new_running = events
            .iter()
            .position(|e| matches!(e, Progress::Task { task, new: true } if task.state == "running"))
            .ok_or("the new task was never seen running")?;
        // The swarm tells the old task to stop through its desired state; the container then gets its grace period.
        let old_stopped = events
            .iter()
            .position(|e| matches!(e, Progress::Task { task, new: false } if task.desired_state == "shutdown"))
            .ok_or_else(|| format!("the old task was never seen stopping: {events:#?}"))?;
        assert!(new_running < old_stopped, "start-first: the old task stopped before the new one ran: {events:#?}");
        let status = orchestrator.service_status(&second.service_name).await?;
        assert_eq!(status.image.as_deref(), Some("swarmdeck-fixture:v2"));
        // The verdict may come before the swarm's own monitor window ends; the swarm then completes on its own.
        eventually(Duration::from_secs(30), "the swarm to complete the update", || async {
            let status = orchestrator.service_status(&second.service_name).await?;
            Ok((status.update.state == UpdateState::Completed).then_some(()))
        })
        .await
    })
    .await
}

#[tokio::test]
async fn an_update_is_judged_without_waiting_for_the_delay_after_its_last_batch() -> TestResult {
    with_orgs(&["lastdelay"], |orchestrator, orgs| async move {
        let mut request = fixture_request(&orgs[0], "web", "v1");
        request.update_policy = Some(UpdatePolicy {
            delay: Duration::from_secs(120),
            ..fast_policy()
        });
        let first = orchestrator.deploy(&request, &fast_run()).await?;
        let update = UpdateRequest {
            image_tag: Some("v2".into()),
            ..Default::default()
        };
        let (sender, mut receiver) = mpsc::unbounded_channel();
        let run = RunOptions {
            progress: Some(sender),
            ..fast_run()
        };
        let second = orchestrator
            .update(&first.service_name, &update, &run)
            .await?;
        drop(run);
        let status = orchestrator.service_status(&second.service_name).await?;
        assert_eq!(status.image.as_deref(), Some("swarmdeck-fixture:v2"));
        assert_eq!(
            status.update.state,
            UpdateState::Updating,
            "the verdict waited out the swarm's 120 s delay after the only batch"
        );
        let mut said_why = false;
        while let Some(event) = receiver.recv().await {
            said_why |=
                matches!(&event, Progress::Phase { message } if message.contains("update delay"));
        }
        assert!(
            said_why,
            "no progress said the swarm still has its delay to wait"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_image_that_exits_is_rolled_back_by_the_swarm() -> TestResult {
    with_orgs(&["exits"], |orchestrator, orgs| async move {
        let first = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        let update = UpdateRequest {
            image_tag: Some("v2".into()),
            env: env(&[("EXIT_CODE", "3")]),
            ..Default::default()
        };
        let result = orchestrator
            .update(&first.service_name, &update, &fast_run())
            .await;
        assert!(
            matches!(result, Err(Error::RolledBackBySwarm { .. })),
            "{result:?}"
        );
        let name = first.service_name.clone();
        eventually(Duration::from_secs(90), "rollback_completed", || {
            let orchestrator = orchestrator.clone();
            let name = name.clone();
            async move {
                let status = orchestrator.update_status(&name).await?;
                Ok((status.state == UpdateState::RollbackCompleted).then_some(()))
            }
        })
        .await?;
        let status = orchestrator.service_status(&first.service_name).await?;
        assert_eq!(
            status.deployment_id.as_deref(),
            Some(first.deployment_id.as_str())
        );
        let history = orchestrator.deployment_history(&first.service_name).await?;
        assert_eq!(
            history[0].outcome,
            Outcome::RolledBackBySwarm,
            "{history:#?}"
        );
        assert_eq!(history[1].outcome, Outcome::Succeeded);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_task_that_turns_unhealthy_fails_the_health_check_and_is_rolled_back() -> TestResult {
    with_orgs(&["unhealthy"], |orchestrator, orgs| async move {
        let first = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        // The swarm's monitor ends before the task turns unhealthy, so only our health check can catch it.
        let update = UpdateRequest {
            image_tag: Some("v2".into()),
            env: env(&[("UNHEALTHY_AFTER", "5")]),
            update_policy: Some(UpdatePolicy {
                delay: Duration::ZERO,
                monitor: Duration::from_secs(1),
                ..UpdatePolicy::default()
            }),
            ..Default::default()
        };
        let mut run = fast_run();
        run.gate.settle = Duration::from_secs(20);
        let result = orchestrator
            .update(&first.service_name, &update, &run)
            .await;
        match result {
            Err(Error::HealthCheckFailed {
                rolled_back,
                reason,
                ..
            }) => {
                assert!(rolled_back);
                assert!(!reason.is_empty());
            }
            other => panic!("expected a failed health check, got {other:?}"),
        }
        let name = first.service_name.clone();
        let first_id = first.deployment_id.clone();
        eventually(
            Duration::from_secs(90),
            "the first deployment to be live again",
            || {
                let orchestrator = orchestrator.clone();
                let (name, first_id) = (name.clone(), first_id.clone());
                async move {
                    let status = orchestrator.service_status(&name).await?;
                    Ok((status.deployment_id.as_deref() == Some(first_id.as_str())
                        && status.update.state == UpdateState::RollbackCompleted)
                        .then_some(()))
                }
            },
        )
        .await?;
        let history = orchestrator.deployment_history(&first.service_name).await?;
        assert_eq!(
            history[0].outcome,
            Outcome::FailedHealthCheck,
            "{history:#?}"
        );
        assert!(history[0].reason.as_deref().is_some_and(|r| !r.is_empty()));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn rollback_to_previous_restores_the_previous_deployment_from_its_record() -> TestResult {
    with_orgs(&["previous"], |orchestrator, orgs| async move {
        let mut request = fixture_request(&orgs[0], "web", "v1");
        request.env.insert("MARKER".into(), "one".into());
        let first = orchestrator.deploy(&request, &fast_run()).await?;
        let update = UpdateRequest {
            image_tag: Some("v2".into()),
            env: env(&[("MARKER", "two")]),
            ..Default::default()
        };
        orchestrator
            .update(&first.service_name, &update, &fast_run())
            .await?;
        let target = orchestrator.rollback_target(&first.service_name).await?;
        assert_eq!(
            target.deployment_id, first.deployment_id,
            "the deployment it names"
        );
        let rolled = orchestrator
            .rollback(&first.service_name, &fast_run())
            .await?;
        let status = orchestrator.service_status(&first.service_name).await?;
        assert_eq!(
            status.deployment_id.as_deref(),
            Some(rolled.deployment_id.as_str())
        );
        assert_eq!(status.image.as_deref(), Some(first.image.keep_tag.as_str()));
        let definition = orchestrator.service_definition(&first.service_name).await?;
        assert_eq!(
            definition.env.get("MARKER").map(String::as_str),
            Some("one")
        );
        let history = orchestrator
            .deployment_history(&naming::service_name(&orgs[0], "web"))
            .await?;
        assert_eq!(
            history[0].trigger,
            Trigger::RollbackPrevious {
                deployment_id: Some(first.deployment_id.clone())
            }
        );
        assert_eq!(history[0].outcome, Outcome::Succeeded);
        let reconciled = orchestrator.reconcile_history(&first.service_name).await?;
        assert_eq!(
            reconciled[0].outcome,
            Outcome::Succeeded,
            "our own rollback is not the swarm's: {reconciled:#?}"
        );
        Ok(())
    })
    .await
}

/// v1 and v2 succeed, v3 exits and the swarm rolls back to v2: "roll back" then restores v1 (it used to announce
/// v1 and fail with the engine's "does not have a previous spec"), and pressed again says nothing is older.
#[tokio::test]
async fn rollback_after_an_automatic_rollback_restores_the_deployment_before_the_running_one(
) -> TestResult {
    with_orgs(&["afterauto"], |orchestrator, orgs| async move {
        let first = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        let name = first.service_name.clone();
        let to = |tag: &str| UpdateRequest {
            image_tag: Some(tag.into()),
            ..Default::default()
        };
        let second = orchestrator.update(&name, &to("v2"), &fast_run()).await?;
        let failed = orchestrator
            .update(&name, &to(swarmdeck_tests::FIXTURE_BROKEN), &fast_run())
            .await;
        assert!(
            matches!(failed, Err(Error::RolledBackBySwarm { .. })),
            "{failed:?}"
        );
        let status = orchestrator.service_status(&name).await?;
        assert_eq!(
            status.deployment_id.as_deref(),
            Some(second.deployment_id.as_str())
        );

        let target = orchestrator.rollback_target(&name).await?;
        assert_eq!(target.deployment_id, first.deployment_id);
        let rolled = orchestrator.rollback(&name, &fast_run()).await?;
        let status = orchestrator.service_status(&name).await?;
        assert_eq!(
            status.deployment_id.as_deref(),
            Some(rolled.deployment_id.as_str())
        );
        assert_eq!(status.image.as_deref(), Some(first.image.keep_tag.as_str()));

        let records = orchestrator.deployment_history(&name).await?.len();
        let again = orchestrator.rollback(&name, &fast_run()).await;
        match again {
            Err(Error::NothingToRollBackTo { ref current, .. }) => {
                assert_eq!(*current, first.deployment_id, "{again:?}")
            }
            other => panic!("expected nothing older, got {other:?}"),
        }
        assert_eq!(
            orchestrator.deployment_history(&name).await?.len(),
            records,
            "a refused rollback wrote a record"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_cli_update_with_one_policy_flag_keeps_the_rest_of_the_current_policy() -> TestResult {
    with_orgs(&["clipolicy"], |orchestrator, orgs| async move {
        let first = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        let before = orchestrator
            .service_definition(&first.service_name)
            .await?
            .update_policy;
        let output = std::process::Command::new(swarmdeck_tests::cli_binary()?)
            .args([
                "--json",
                "update",
                &first.service_name,
                "--tag",
                "v2",
                "--update-parallelism",
                "2",
            ])
            .output()?;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let after = orchestrator
            .service_definition(&first.service_name)
            .await?
            .update_policy;
        assert_eq!(
            after,
            UpdatePolicy {
                parallelism: 2,
                ..before.clone()
            }
        );
        assert_ne!(
            before.monitor,
            UpdatePolicy::default().monitor,
            "the fixture's policy must differ from the default"
        );
        Ok(())
    })
    .await
}

/// A CLI update of two replicas prints each task's transitions once: no task line repeats, and the swarm telling
/// an old task to stop is a line of its own.
#[tokio::test]
async fn a_cli_update_prints_each_task_transition_once() -> TestResult {
    with_orgs(&["cliprogress"], |orchestrator, orgs| async move {
        let mut request = fixture_request(&orgs[0], "web", "v1");
        request.replicas = 2;
        let first = orchestrator.deploy(&request, &fast_run()).await?;
        let output = std::process::Command::new(swarmdeck_tests::cli_binary()?)
            .args(["update", &first.service_name, "--tag", "v2"])
            .output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let mut lines_by_task: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for line in stderr.lines().filter(|line| line.starts_with("  task ")) {
            let id = line.split_whitespace().nth(1).unwrap_or_default();
            lines_by_task.entry(id).or_default().push(line);
        }
        for (task, lines) in &lines_by_task {
            let distinct: std::collections::BTreeSet<&&str> = lines.iter().collect();
            assert_eq!(
                distinct.len(),
                lines.len(),
                "task {task} repeats a line:\n{stderr}"
            );
        }
        let told_to_stop = lines_by_task
            .values()
            .filter(|lines| {
                lines
                    .iter()
                    .any(|line| line.contains("[old]") && line.contains("→ shutdown"))
            })
            .count();
        assert_eq!(told_to_stop, 2, "both old tasks told to stop:\n{stderr}");
        Ok(())
    })
    .await
}
