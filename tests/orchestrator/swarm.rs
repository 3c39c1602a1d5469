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
