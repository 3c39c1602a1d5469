//! A node's role on a real cluster: a worker promoted to manager takes part in the raft, and demoted it is a
//! worker again, with the cluster still able to go down cleanly. Connected to directly, a worker's engine says
//! it is one and names its managers.

use std::time::Duration;
use swarmdeck_orchestrator::{
    ClusterRequest, Endpoint, EngineRole, NodeChange, NodeRole, Orchestrator, CLUSTER_DIR_ENV,
};

use swarmdeck_tests::{engine, eventually, TestResult};

use crate::with_cluster_cleanup;

#[tokio::test]
async fn a_worker_promoted_to_manager_and_demoted_back() -> TestResult {
    let core = engine().await?;
    with_cluster_cleanup(&core, || async {
        let request = ClusterRequest {
            workers: 1,
            images: Vec::new(),
        };
        core.cluster_up(&request, None).await?;
        let dir =
            std::env::var(CLUSTER_DIR_ENV).unwrap_or_else(|_| "/var/lib/swarmdeck/cluster".into());
        let worker_socket = Endpoint::Host {
            url: format!("unix://{dir}/swarmdeck-node-1/docker.sock"),
        };
        let worker = Orchestrator::connect(&worker_socket).await?;
        let manager_address = core
            .swarm_info()
            .await?
            .advertise_addr
            .ok_or("the manager advertises no address")?;
        match &worker.role {
            EngineRole::Worker { managers } => assert!(
                managers.iter().any(|m| m.starts_with(&manager_address)),
                "the worker names its manager {manager_address}: {managers:?}"
            ),
            other => panic!("a worker's engine reported {other:?}"),
        }
        let notice = worker.notices.join(" ");
        assert!(
            notice.contains("worker") && notice.contains(&manager_address),
            "{notice}"
        );
        let promoted = core
            .change_node(
                "swarmdeck-node-1",
                &NodeChange::Role {
                    role: NodeRole::Manager,
                },
            )
            .await?;
        assert_eq!(promoted.role, NodeRole::Manager, "{promoted:?}");
        let managers = core
            .nodes()
            .await?
            .into_iter()
            .filter(|node| node.role == NodeRole::Manager)
            .count();
        assert_eq!(managers, 2);
        // The engine takes part in the raft a moment after the swarm made it a manager.
        eventually(
            Duration::from_secs(60),
            "the promoted engine to report itself a manager",
            || {
                let endpoint = worker_socket.clone();
                async move {
                    let role = Orchestrator::connect(&endpoint).await?.role;
                    Ok((role == EngineRole::Manager).then_some(()))
                }
            },
        )
        .await?;
        let demoted = core
            .change_node(
                "swarmdeck-node-1",
                &NodeChange::Role {
                    role: NodeRole::Worker,
                },
            )
            .await?;
        assert_eq!(demoted.role, NodeRole::Worker, "{demoted:?}");
        Ok(())
    })
    .await
}
