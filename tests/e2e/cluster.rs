//! The Cluster view against real engines: a local cluster made from the app with progress per node, a node
//! drained from the Nodes table and its task moving away, in the table and in the graph; the app pointed at a
//! worker's engine says it is one and offers its manager as a profile. It grows the shared
//! swarm, so `make test-cluster` runs it alone (the main e2e run leaves it out), and it always takes the cluster
//! down again.

use std::time::Duration;

use swarmdeck_orchestrator::CLUSTER_DIR_ENV;
use swarmdeck_tests::{engine, eventually, fast_run, fixture_request, with_orgs, TestResult};

use thirtyfour::prelude::*;

use crate::{attribute_of, click, fill, screenshot, text_of, with_app, with_app_env};

#[tokio::test]
async fn the_cluster_view_creates_two_workers_with_progress_and_drains_one() -> TestResult {
    let core = engine().await?;
    let outcome = with_orgs(&["nodes"], |orchestrator, orgs| async move {
        let manager = orchestrator
            .swarm_info()
            .await?
            .advertise_addr
            .ok_or("the manager advertises no address")?;
        with_app(|page| async move {
            click(&page, "tab-cluster").await?;
            attribute_of(&page, "nodes", "data-testid", |_| true).await?;
            fill(&page, "cluster-workers", "2").await?;
            fill(&page, "cluster-images", "swarmdeck-fixture:v1").await?;
            click(&page, "cluster-up").await?;
            for node in ["swarmdeck-node-1", "swarmdeck-node-2"] {
                attribute_of(
                    &page,
                    &format!("cluster-progress-{node}"),
                    "data-step",
                    |s| s == "ready",
                )
                .await?;
                attribute_of(&page, &format!("node-row-{node}"), "data-state", |s| {
                    s == "ready"
                })
                .await?;
            }
            screenshot(&page, "cluster-up").await?;

            // Three replicas spread over the three nodes; draining node 1 moves its task away.
            let mut request = fixture_request(&orgs[0], "web", "v1");
            request.replicas = 3;
            let deployed = orchestrator.deploy(&request, &fast_run()).await?;
            let on_node_1 = || {
                let (orchestrator, service) = (orchestrator.clone(), deployed.service_name.clone());
                async move {
                    let nodes = orchestrator.nodes().await?;
                    let node_1 = nodes
                        .iter()
                        .find(|node| node.hostname == "swarmdeck-node-1")
                        .map(|node| node.id.clone());
                    let status = orchestrator.service_status(&service).await?;
                    let running: Vec<_> = status
                        .tasks
                        .iter()
                        .filter(|task| task.state == "running" && task.desired_state == "running")
                        .collect();
                    let there = running.iter().filter(|task| task.node_id == node_1).count();
                    TestResult::Ok((running.len(), there))
                }
            };
            eventually(Duration::from_secs(90), "a task on node 1", || async {
                let (running, there) = on_node_1().await?;
                Ok((running == 3 && there == 1).then_some(()))
            })
            .await?;
            // The graph shows a task of the service on node 1 before the drain, and none there after it.
            let service = deployed.service_name.clone();
            let tasks_of = move |summary: &str| -> Option<String> {
                summary
                    .split("; ")
                    .find_map(|part| part.strip_prefix(&format!("{service}: ")))
                    .map(str::to_string)
            };
            click(&page, "tab-topology").await?;
            attribute_of(&page, "topology-graph", "data-tasks", |summary| {
                tasks_of(summary).is_some_and(|tasks| tasks.contains("swarmdeck-node-1 ×1"))
            })
            .await?;
            click(&page, "tab-cluster").await?;
            click(&page, "node-drain-swarmdeck-node-1").await?;
            click(&page, "node-drain-swarmdeck-node-1").await?;
            attribute_of(
                &page,
                "node-row-swarmdeck-node-1",
                "data-availability",
                |a| a == "drain",
            )
            .await?;
            eventually(
                Duration::from_secs(90),
                "the task moved off node 1",
                || async {
                    let (running, there) = on_node_1().await?;
                    Ok((running == 3 && there == 0).then_some(()))
                },
            )
            .await?;
            screenshot(&page, "cluster-drained").await?;
            click(&page, "tab-topology").await?;
            attribute_of(&page, "topology-graph", "data-tasks", |summary| {
                tasks_of(summary).is_some_and(|tasks| {
                    let running: u32 = tasks
                        .split(", ")
                        .filter_map(|group| group.rsplit_once('×')?.1.parse::<u32>().ok())
                        .sum();
                    !tasks.contains("swarmdeck-node-1") && running == 3
                })
            })
            .await?;
            screenshot(&page, "cluster-topology").await
        })
        .await?;

        // Pointed at a worker's engine, the app says what works there and offers the manager as a profile.
        let dir =
            std::env::var(CLUSTER_DIR_ENV).unwrap_or_else(|_| "/var/lib/swarmdeck/cluster".into());
        let worker = format!("unix://{dir}/swarmdeck-node-2/docker.sock");
        with_app_env(&[("DOCKER_HOST", &worker)], |page| async move {
            text_of(&page, "connection-notices", |t| {
                t.contains("worker") && t.contains(&manager)
            })
            .await?;
            text_of(&page, "swarm-state", |t| t == "worker node").await?;
            let init = page.find_all(By::Css("[data-testid='init-swarm']")).await?;
            assert!(init.is_empty(), "a worker's engine is offered swarm init");
            screenshot(&page, "worker-engine-notice").await?;
            click(&page, &format!("connection-add-manager-{manager}")).await?;
            let url = format!("tcp://{manager}:2376");
            attribute_of(&page, "settings-url-1", "value", |value| value == url).await?;
            Ok(())
        })
        .await
    })
    .await;
    let down = core.cluster_down(None).await;
    outcome?;
    let status = down?;
    assert!(status.leftovers.is_empty(), "{status:?}");
    assert!(
        status.nodes.iter().all(|node| node.local_node.is_none()),
        "{status:?}"
    );
    Ok(())
}
