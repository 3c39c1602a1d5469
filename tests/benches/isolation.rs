//! Isolation check over 10 organizations × 2 services (90 ordered pairs): wall time, probes, Docker calls.
//! Run with `make bench`; the figures go to stdout and `target/bench/isolation.txt`.

use std::time::{Duration, Instant};

use swarmdeck_orchestrator::{
    CellVerdict, DeployRequest, EndpointMode, HealthGate, IsolationRequest, Orchestrator,
    Resources, RunOptions,
};
use swarmdeck_tests::{
    engine, fast_policy, fixture_health_check, org_id, CountingProxy, TestResult, FIXTURE_PORT,
    FIXTURE_REPO,
};
use tokio_util::sync::CancellationToken;

const ORGS: usize = 10;
const SERVICES_PER_ORG: usize = 2;

#[tokio::main]
async fn main() -> TestResult {
    let orchestrator = engine().await?;
    let orgs: Vec<String> = (0..ORGS).map(|i| org_id(&format!("bench{i}"))).collect();
    let result = run(&orchestrator, &orgs).await;
    let cleanup = futures_util::future::join_all(
        orgs.iter()
            .map(|org| swarmdeck_tests::cleanup(&orchestrator, org)),
    );
    cleanup.await;
    result
}

async fn run(orchestrator: &Orchestrator, orgs: &[String]) -> TestResult {
    let run = RunOptions {
        gate: HealthGate {
            timeout: Duration::from_secs(180),
            poll: Duration::from_secs(1),
            settle: Duration::ZERO,
        },
        progress: None,
    };
    let requests: Vec<DeployRequest> = orgs
        .iter()
        .flat_map(|org| (0..SERVICES_PER_ORG).map(move |n| request(org, &format!("svc{n}"))))
        .collect();
    // Four deploys at a time keep a two-core machine responsive.
    for chunk in requests.chunks(4) {
        for result in
            futures_util::future::join_all(chunk.iter().map(|r| orchestrator.deploy(r, &run))).await
        {
            result?;
        }
    }

    let proxy = CountingProxy::start().await?;
    let counted = Orchestrator::new(proxy.docker()?);
    let request = IsolationRequest {
        orgs: orgs.to_vec(),
        ..IsolationRequest::default()
    };
    let started = Instant::now();
    let report = counted
        .verify_isolation(&request, CancellationToken::new())
        .await?;
    let wall = started.elapsed();
    let isolated = report
        .cells
        .iter()
        .filter(|c| c.verdict == CellVerdict::Isolated)
        .count();
    let attempts: usize =
        report.cells.iter().map(|c| c.attempts.len()).sum::<usize>() + report.controls.len();
    let figures = format!(
        "isolation check: {ORGS} orgs x {SERVICES_PER_ORG} services, {} ordered pairs ({isolated} isolated)\n\
         wall time: {:.2} s\nprobes started: {}\nprobe attempts: {attempts}\ndocker calls: {}\n",
        report.cells.len(),
        wall.as_secs_f64(),
        report.probes_started,
        proxy.requests(),
    );
    print!("{figures}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("isolation.txt"), &figures)?;
    if isolated != report.cells.len() {
        return Err(format!(
            "expected every pair isolated: {:#?}",
            report
                .cells
                .iter()
                .find(|c| c.verdict != CellVerdict::Isolated)
        )
        .into());
    }
    Ok(())
}

fn request(org: &str, slug: &str) -> DeployRequest {
    DeployRequest {
        org_id: org.to_string(),
        slug: slug.to_string(),
        service_id: None,
        deployment_id: None,
        image_name: FIXTURE_REPO.to_string(),
        image_tag: "v1".to_string(),
        resources: Resources::default(),
        env: Default::default(),
        internal_port: Some(FIXTURE_PORT),
        replicas: 1,
        health_check: Some(fixture_health_check()),
        endpoint_mode: EndpointMode::Vip,
        update_policy: Some(fast_policy()),
        placement: Default::default(),
    }
}
