//! Placement on the suite's swarm: what the engine is given, what it reads back, what a rollback restores, and
//! the refusals of placements no node can satisfy, before anything is created.

use swarmdeck_orchestrator::{
    Error, NodeRole, Orchestrator, Placement, PlacementUpdate, UpdateOrder, UpdateRequest,
};
use swarmdeck_tests::{fast_policy, fast_run, with_orgs, TestResult};

use crate::fixture_request;

#[tokio::test]
async fn placements_no_node_can_satisfy_are_refused_before_anything_exists() -> TestResult {
    with_orgs(&["unplaceable"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let mut nowhere = fixture_request(org, "web", "v1");
        nowhere.placement.constraints = vec!["node.labels.swarmdeck-test-zone==nowhere".into()];
        let mut crowded = fixture_request(org, "web", "v1");
        crowded.replicas = managers(&orchestrator).await? + 1;
        crowded.placement.max_replicas_per_node = Some(1);
        crowded.placement.constraints = vec!["node.role==manager".into()];
        for (request, words) in [
            (nowhere, "swarmdeck-test-zone==nowhere"),
            (crowded, "at most 1 per node"),
        ] {
            match orchestrator.deploy(&request, &fast_run()).await {
                Err(Error::Unplaceable { reason }) => assert!(reason.contains(words), "{reason}"),
                other => panic!("expected an unplaceable refusal, got {other:?}"),
            }
        }
        let mut typo = fixture_request(org, "web", "v1");
        typo.placement.constraints = vec!["node.labels.zone=a".into()];
        match orchestrator.deploy(&typo, &fast_run()).await {
            Err(Error::Invalid { field, .. }) => assert_eq!(field, "placement.constraints[0]"),
            other => panic!("expected a field error, got {other:?}"),
        }
        assert!(
            orchestrator.find_org_network(org).await?.is_none(),
            "a network was created"
        );
        assert!(orchestrator.list_org_services(org).await?.is_empty());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_placement_reaches_the_engine_changes_with_an_update_and_comes_back_with_a_rollback(
) -> TestResult {
    with_orgs(&["placed"], |orchestrator, orgs| async move {
        let mut request = fixture_request(&orgs[0], "web", "v1");
        // One task on every manager, at most one per node: a start-first rollout has no slot for its new task;
        // stop-first frees one.
        request.replicas = managers(&orchestrator).await?;
        if let Some(policy) = request.update_policy.as_mut() {
            policy.order = UpdateOrder::StopFirst;
        }
        request.placement = Placement {
            constraints: vec![" node.role == manager".into()],
            spread: Some("node.labels.swarmdeck-test-zone".into()),
            max_replicas_per_node: Some(1),
        };
        let first = orchestrator.deploy(&request, &fast_run()).await?;
        let canonical = Placement {
            constraints: vec!["node.role==manager".into()],
            ..request.placement.clone()
        };
        let engine = orchestrator
            .docker()
            .inspect_service(&first.service_name, None)
            .await?;
        let written = engine
            .spec
            .and_then(|s| s.task_template?.placement)
            .unwrap_or_default();
        assert_eq!(written.constraints, Some(canonical.constraints.clone()));
        assert_eq!(written.max_replicas, Some(1));
        let start_first = UpdateRequest {
            update_policy: Some(fast_policy()),
            image_tag: Some("v2".into()),
            ..Default::default()
        };
        match orchestrator
            .update(&first.service_name, &start_first, &fast_run())
            .await
        {
            Err(Error::Unplaceable { reason }) => {
                assert!(reason.contains("stop-first"), "{reason}")
            }
            other => panic!("expected a refused start-first update, got {other:?}"),
        }
        assert_eq!(
            orchestrator
                .service_status(&first.service_name)
                .await?
                .placement,
            canonical
        );

        let lift = UpdateRequest {
            placement: PlacementUpdate {
                constraints: Some(Vec::new()),
                max_replicas_per_node: Some(None),
                ..Default::default()
            },
            ..Default::default()
        };
        orchestrator
            .update(&first.service_name, &lift, &fast_run())
            .await?;
        let status = orchestrator.service_status(&first.service_name).await?;
        assert_eq!(
            status.placement,
            Placement {
                spread: canonical.spread.clone(),
                ..Placement::default()
            },
            "only what the update named changed"
        );

        orchestrator
            .rollback_to(&first.service_name, &first.deployment_id, &fast_run())
            .await?;
        let restored = orchestrator.service_status(&first.service_name).await?;
        assert_eq!(
            restored.placement, canonical,
            "the rollback restored the placement"
        );
        let history = orchestrator.deployment_history(&first.service_name).await?;
        assert_eq!(history[0].definition.placement, canonical);
        Ok(())
    })
    .await
}

async fn managers(orchestrator: &Orchestrator) -> TestResult<u32> {
    let nodes = orchestrator.nodes().await?;
    Ok(u32::try_from(
        nodes.iter().filter(|n| n.role == NodeRole::Manager).count(),
    )?)
}
