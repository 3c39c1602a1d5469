use swarmdeck_tests::{engine, TestResult};

#[tokio::test]
async fn init_is_idempotent_and_reports_the_swarm() -> TestResult {
    let orchestrator = engine().await?;
    assert!(orchestrator.is_swarm_initialized().await?);
    let again = orchestrator.init_swarm().await?;
    assert!(again.initialized);
    assert!(
        !again.created,
        "an active swarm must not be initialised again"
    );
    assert!(again.swarm_id.is_some_and(|id| !id.is_empty()));
    assert!(again.nodes >= 1 && again.managers >= 1);
    Ok(())
}

/// Several processes initialise an engine that is not a swarm at once: while one initialises, the node is
/// `pending`; every one of them must wait for the state to settle and report the same swarm.
#[tokio::test]
async fn concurrent_inits_from_several_processes_all_report_one_swarm() -> TestResult {
    let scratch = swarmdeck_tests::scratch::ScratchEngine::start().await?;
    let cli = swarmdeck_tests::cli_binary()?;
    let runs: Vec<_> = (0..4)
        .map(|_| {
            tokio::process::Command::new(&cli)
                .args(["swarm", "init", "--json"])
                .env("DOCKER_HOST", &scratch.host)
                .env("DOCKER_SWARM_ADVERTISE_ADDR", &scratch.address)
                .output()
        })
        .collect();
    let mut swarm_ids = Vec::new();
    let mut created = 0;
    for output in futures_util::future::join_all(runs).await {
        let output = output?;
        assert!(
            output.status.success(),
            "swarm init failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let info: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        assert_eq!(info["initialized"], true, "{info}");
        created += usize::from(info["created"] == true);
        swarm_ids.push(info["swarm_id"].as_str().unwrap_or_default().to_string());
    }
    swarm_ids.dedup();
    assert_eq!(swarm_ids.len(), 1, "one swarm for all: {swarm_ids:?}");
    assert!(!swarm_ids[0].is_empty());
    assert!(created <= 1, "at most one process may have created it");
    Ok(())
}
