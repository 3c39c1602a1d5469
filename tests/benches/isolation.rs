//! Isolation check over 10 and then 30 organizations × 2 services (90 and 870 ordered pairs): wall time against
//! its goal, probes started (one per organization is the goal), Docker calls. Run with `make bench`; the figures go
//! to stdout and `target/bench/isolation.txt`.

use std::time::{Duration, Instant};

use swarmdeck_orchestrator::{
    CellVerdict, DeployRequest, EndpointMode, HealthCheck, HealthGate, IsolationRequest,
    Orchestrator, Resources, RunOptions,
};
use swarmdeck_tests::{
    engine, fast_policy, fixture_health_check, org_id, CountingProxy, TestResult, FIXTURE_PORT,
    FIXTURE_REPO,
};
use tokio_util::sync::CancellationToken;

/// Organizations checked, each with its wall-time goal in seconds.
const SIZES: [(usize, f64); 2] = [(10, 5.0), (30, 15.0)];
const SERVICES_PER_ORG: usize = 2;
/// The services' health check interval: 60 tasks checked every second would load this machine the check runs on.
const HEALTH_INTERVAL_SECS: u32 = 5;

#[tokio::main]
async fn main() -> TestResult {
    let orchestrator = engine().await?;
    let most = SIZES.iter().map(|(orgs, _)| *orgs).max().unwrap_or(0);
    let orgs: Vec<String> = (0..most).map(|i| org_id(&format!("bench{i}"))).collect();
    let result = run(&orchestrator, &orgs).await;
    let cleanup = futures_util::future::join_all(
        orgs.iter()
            .map(|org| swarmdeck_tests::cleanup(&orchestrator, org)),
    );
    cleanup.await;
    result
}

async fn run(orchestrator: &Orchestrator, orgs: &[String]) -> TestResult {
    let mut figures = String::new();
    let mut deployed = 0;
    let mut result = Ok(());
    for (size, goal_secs) in SIZES {
        deploy_orgs(orchestrator, &orgs[deployed..size]).await?;
        deployed = size;
        // A larger check that fails still leaves the smaller one's figures to read.
        match check(&orgs[..size], goal_secs).await {
            Ok(text) => figures.push_str(&text),
            Err(error) => {
                figures.push_str(&format!("isolation check: {size} orgs failed: {error}\n"));
                result = Err(error);
                break;
            }
        }
    }
    print!("{figures}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("isolation.txt"), &figures)?;
    result
}

async fn deploy_orgs(orchestrator: &Orchestrator, orgs: &[String]) -> TestResult {
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
    Ok(())
}

/// One check of `orgs` through a counting proxy; its figures, or an error when a pair is not isolated.
async fn check(orgs: &[String], goal_secs: f64) -> TestResult<String> {
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
    let wall = started.elapsed().as_secs_f64();
    let isolated = report
        .cells
        .iter()
        .filter(|c| c.verdict == CellVerdict::Isolated)
        .count();
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
    let attempts: usize =
        report.cells.iter().map(|c| c.attempts.len()).sum::<usize>() + report.controls.len();
    let met = |ok: bool| if ok { "met" } else { "missed" };
    Ok(format!(
        "isolation check: {} orgs x {SERVICES_PER_ORG} services, {} ordered pairs, all isolated
         \x20 wall time: {wall:.2} s (goal < {goal_secs:.0} s: {})
         \x20 probes started: {} (goal: one per organization, {}: {})
         \x20 probe attempts: {attempts}, docker calls: {}
",
        orgs.len(),
        report.cells.len(),
        met(wall < goal_secs),
        report.probes_started,
        orgs.len(),
        met(report.probes_started as usize == orgs.len()),
        proxy.requests(),
    ))
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
        health_check: Some(HealthCheck {
            interval_secs: HEALTH_INTERVAL_SECS,
            ..fixture_health_check()
        }),
        endpoint_mode: EndpointMode::Vip,
        update_policy: Some(fast_policy()),
        placement: Default::default(),
    }
}
