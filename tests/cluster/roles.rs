//! A node's role on a real cluster: a worker promoted to manager takes part in the raft, and demoted it is a
//! worker again, with the cluster still able to go down cleanly.

use swarmdeck_orchestrator::{ClusterRequest, NodeChange, NodeRole};
use swarmdeck_tests::{engine, TestResult};

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
