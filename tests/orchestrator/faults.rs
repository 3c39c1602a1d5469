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
