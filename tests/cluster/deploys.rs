//! Deploys and checks across the nodes of a local cluster: images copied where a placement allows, exec and stats
//! of a task on a worker through that worker's engine, and the isolation check probing from every node that runs
//! tasks.

use std::collections::BTreeSet;

use swarmdeck_orchestrator::{CellVerdict, ProbeMethod, StatsScope};
use swarmdeck_tests::{
    cli_binary, engine, fast_run, fixture_request, with_orgs, TestResult, FIXTURE_REPO,
};

use crate::{node_docker, task_hostnames, two_workers_with_the_fixture, with_cluster_cleanup};

/// A deploy copies its image to the local nodes its placement lets it use, saying so in its progress, and runs
/// there; nodes it may not use are left without it. A task pinned to a worker is reached by exec and stats.
#[tokio::test]
async fn a_deploy_copies_its_image_to_the_nodes_it_may_use() -> TestResult {
    let core = engine().await?;
    with_cluster_cleanup(&core, || async {
        // Only v1 goes to the workers at `up`.
        two_workers_with_the_fixture(&core).await?;
        with_orgs(&["copies"], |orchestrator, orgs| async move {
            let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
            let options = swarmdeck_orchestrator::RunOptions {
                progress: Some(sender),
                ..fast_run()
            };
            let mut everywhere = fixture_request(&orgs[0], "web", "v2");
            everywhere.replicas = 3;
            everywhere.placement.max_replicas_per_node = Some(1);
            let deployed = orchestrator.deploy(&everywhere, &options).await?;
            drop(options);
            let mut phases = Vec::new();
            while let Some(event) = received.recv().await {
                if let swarmdeck_orchestrator::Progress::Phase { message } = event {
                    phases.push(message);
                }
            }
            for node in ["swarmdeck-node-1", "swarmdeck-node-2"] {
                let copy = format!("copying image {FIXTURE_REPO}:v2 to {node}");
                assert!(phases.contains(&copy), "no {copy:?} in {phases:?}");
            }
            let hosts: BTreeSet<String> = task_hostnames(&orchestrator, &deployed.service_name)
                .await?
                .into_iter()
                .collect();
            assert_eq!(hosts.len(), 3, "one task on each node: {hosts:?}");

            let mut pinned = fixture_request(&orgs[0], "pinned", "v3");
            pinned.placement.constraints = vec!["node.hostname==swarmdeck-node-1".into()];
            let pinned_name = orchestrator
                .deploy(&pinned, &fast_run())
                .await?
                .service_name;
            let v3 = format!("{FIXTURE_REPO}:v3");
            assert!(node_docker("swarmdeck-node-1")?
                .inspect_image(&v3)
                .await
                .is_ok());
            assert!(
                node_docker("swarmdeck-node-2")?
                    .inspect_image(&v3)
                    .await
                    .is_err(),
                "a node the placement excludes got the image"
            );

            // Its task runs only on that worker, so exec and stats reach it through the worker's own engine.
            let exec = std::process::Command::new(cli_binary()?)
                .args([
                    "--json",
                    "exec",
                    &pinned_name,
                    "--",
                    "/fixture",
                    "cat",
                    "/proc/self/environ",
                ])
                .output()?;
            let stderr = String::from_utf8_lossy(&exec.stderr);
            assert!(exec.status.success(), "{stderr}");
            let result: serde_json::Value = serde_json::from_slice(&exec.stdout)?;
            assert!(
                result["stdout"]
                    .as_str()
                    .is_some_and(|out| out.contains("VERSION=v3")),
                "{result}"
            );
            let stats = orchestrator
                .stats(&StatsScope::Service(pinned_name.clone()))
                .await?;
            let task = &stats.services[0].tasks[0];
            assert!(
                task.unavailable.is_none() && task.memory_bytes > 0,
                "figures from the worker's engine: {task:?}"
            );
            Ok(())
        })
        .await
    })
    .await
}

/// The isolation check over two organizations with a task on every node probes from every node: each cell's
/// evidence comes from all three, and the verdict rests on what could be controlled (tasks on other nodes only
/// where the host carries encrypted overlays between nodes).
#[tokio::test]
async fn the_isolation_check_probes_from_every_node_that_runs_tasks() -> TestResult {
    let core = engine().await?;
    with_cluster_cleanup(&core, || async {
        two_workers_with_the_fixture(&core).await?;
        with_orgs(&["isoa", "isob"], |core, orgs| async move {
            for org in &orgs {
                let mut everywhere = fixture_request(org, "web", "v1");
                everywhere.replicas = 3;
                everywhere.placement.max_replicas_per_node = Some(1);
                core.deploy(&everywhere, &fast_run()).await?;
            }
            let report = core
                .verify_cross_organization_isolation(&orgs[0], &orgs[1])
                .await?;
            let hostnames: BTreeSet<String> = core
                .nodes()
                .await?
                .into_iter()
                .map(|node| node.hostname)
                .collect();
            assert_eq!(
                report.probes_started, 6,
                "one probe per organization and node"
            );
            for cell in &report.cells {
                let from: BTreeSet<String> =
                    cell.attempts.iter().map(|a| a.from_node.clone()).collect();
                assert_eq!(from, hostnames, "{cell:?}");
                assert_eq!(cell.verdict, CellVerdict::Isolated, "{}", cell.reason);
            }
            let esp = std::path::Path::new("/sys/module/esp4").exists();
            let across = report
                .methods
                .iter()
                .find(|m| m.method == ProbeMethod::TaskIpOtherNode)
                .ok_or("no task-IP-on-another-node method in the report")?;
            assert_eq!(across.testable, esp, "{across:?}");
            Ok(())
        })
        .await
    })
    .await
}
