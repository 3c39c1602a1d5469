//! A 2-replica service deployed and then updated with the default health gate and update policy, beside the docker
//! CLI doing the same with `--detach=false` (docker's own wait: every task running, then the monitor window), on
//! the same images, health check and update policy, in one run, median of [`RUNS`]. The docker CLI's
//! `--health-cmd` runs through `/bin/sh`, which the fixture image lacks, so both use fixture images built here with
//! the check as the image's own exec-form `HEALTHCHECK`, and stopped with SIGKILL: as a container's first process
//! the fixture has no SIGTERM handler, so a SIGTERM would only make each old task wait out the 10 s grace period,
//! where a real service exits at once. Run with `make bench`; the figures go to stdout and
//! `target/bench/service.txt`.

use std::process::Command;
use std::time::Instant;

use bollard::query_parameters::BuildImageOptions;
use bollard::Docker;
use futures_util::StreamExt;
use swarmdeck_orchestrator::naming::label;
use swarmdeck_orchestrator::{
    HealthCheck, Orchestrator, RunOptions, UpdateOrder, UpdatePolicy, UpdateRequest,
};
use swarmdeck_tests::{
    engine, fixture_health_check, fixture_request, org_id, TestResult, FIXTURE_REPO,
    TEST_LABEL_VALUE,
};

const RUNS: usize = 3;
const REPLICAS: u32 = 2;
const GOAL_RATIO: f64 = 1.1;

#[tokio::main]
async fn main() -> TestResult {
    let core = engine().await?;
    let org = org_id("servicebench");
    for version in ["v1", "v2"] {
        checked_image(core.docker(), version).await?;
    }
    let (mut our_deploys, mut our_updates) = (Vec::new(), Vec::new());
    let (mut docker_creates, mut docker_updates) = (Vec::new(), Vec::new());
    for run in 0..RUNS {
        let (deploy, update) = ours(&core, &org).await?;
        our_deploys.push(deploy);
        our_updates.push(update);
        let (create, update) = docker(&format!("{org}-docker{run}"))?;
        docker_creates.push(create);
        docker_updates.push(update);
    }
    swarmdeck_tests::cleanup(&core, &org).await;

    let policy = UpdatePolicy::default();
    let row = |what: &str, ours: &[f64], peer: &[f64]| {
        let (ours, peer) = (median(ours), median(peer));
        let ratio = ours / peer;
        format!(
            "{what:<8} {ours:>7.1} s  {peer:>7.1} s  {ratio:>5.2}×  (goal ≤ {GOAL_RATIO}×: {})\n",
            if ratio <= GOAL_RATIO { "met" } else { "missed" }
        )
    };
    let figures = format!(
        "a {REPLICAS}-replica fixture service (health check every {} s), default gate and update policy (parallelism \
         {}, delay {} s, monitor {} s, {:?}), median of {RUNS} runs\n\
         {:<8} {:>9}  {:>9}  {:>6}\n{}{}\
         swarmdeck: the deploy or update call, through its health gate (every new task watched 10 s from when it \
         ran healthy, and past the monitor window while the swarm still rolls); docker: `docker service \
         create|update --detach=false`\n",
        fixture_health_check().interval_secs,
        policy.parallelism,
        policy.delay.as_secs(),
        policy.monitor.as_secs(),
        policy.order,
        "",
        "swarmdeck",
        "docker",
        "ratio",
        row("deploy", &our_deploys, &docker_creates),
        row("update", &our_updates, &docker_updates),
    );
    print!("{figures}");
    let dir = swarmdeck_tests::app::workspace_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("service.txt"), figures)?;
    Ok(())
}

/// Seconds of our deploy and of our update to v2, each with the default gate; the service is removed after.
async fn ours(core: &Orchestrator, org: &str) -> TestResult<(f64, f64)> {
    let mut request = fixture_request(org, "web", &bench_tag("v1"));
    request.replicas = REPLICAS;
    request.update_policy = None;
    let started = Instant::now();
    let deployed = core.deploy(&request, &RunOptions::default()).await?;
    let deploy = started.elapsed().as_secs_f64();
    let update = UpdateRequest {
        image_tag: Some(bench_tag("v2")),
        ..UpdateRequest::default()
    };
    let started = Instant::now();
    let updated = core
        .update(&deployed.service_name, &update, &RunOptions::default())
        .await;
    let seconds = started.elapsed().as_secs_f64();
    core.remove_service(&deployed.service_name).await?;
    updated?;
    Ok((deploy, seconds))
}

/// Seconds of `docker service create` and `docker service update` to v2 of the same spec, each waiting for
/// convergence; the service is removed after.
fn docker(name: &str) -> TestResult<(f64, f64)> {
    let policy = UpdatePolicy::default();
    let health: HealthCheck = fixture_health_check();
    let mut create = vec![
        "service".to_string(),
        "create".to_string(),
        "--detach=false".to_string(),
        "--quiet".to_string(),
        format!("--name={name}"),
        format!("--replicas={REPLICAS}"),
        format!("--label={}={TEST_LABEL_VALUE}", label::TEST),
        format!("--health-interval={}s", health.interval_secs),
        format!("--health-timeout={}s", health.timeout_secs),
        format!("--health-retries={}", health.retries),
    ];
    create.extend(policy_flags(&policy));
    create.push(format!("{FIXTURE_REPO}:{}", bench_tag("v1")));
    let deploy = timed(&create);
    let update = deploy.as_ref().ok().map(|_| {
        timed(&[
            "service",
            "update",
            "--detach=false",
            "--quiet",
            &format!("--image={FIXTURE_REPO}:{}", bench_tag("v2")),
            name,
        ])
    });
    let _ = Command::new("docker")
        .args(["service", "rm", name])
        .output();
    Ok((deploy?, update.ok_or("no update after a failed create")??))
}

fn bench_tag(version: &str) -> String {
    format!("bench-{version}")
}

/// `swarmdeck-fixture:bench-<version>`: the fixture image with its health check built in (exec form) and stopped
/// at once.
async fn checked_image(docker: &Docker, version: &str) -> TestResult {
    let command = fixture_health_check()
        .command
        .iter()
        .map(|word| format!("\"{word}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let dockerfile = format!(
        "FROM {FIXTURE_REPO}:{version}\nHEALTHCHECK CMD [{command}]\nSTOPSIGNAL SIGKILL\nLABEL {}={TEST_LABEL_VALUE}\n",
        label::TEST
    );
    let mut archive = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(dockerfile.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    archive.append_data(&mut header, "Dockerfile", dockerfile.as_bytes())?;
    let options = BuildImageOptions {
        t: Some(format!("{FIXTURE_REPO}:{}", bench_tag(version))),
        rm: true,
        ..Default::default()
    };
    let context = archive.into_inner()?;
    let mut build = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(step) = build.next().await {
        if let Some(error) = step?.error_detail.and_then(|detail| detail.message) {
            return Err(format!("building the bench image failed: {error}").into());
        }
    }
    Ok(())
}

fn policy_flags(policy: &UpdatePolicy) -> Vec<String> {
    vec![
        format!("--update-parallelism={}", policy.parallelism),
        format!("--update-delay={}s", policy.delay.as_secs()),
        format!("--update-monitor={}s", policy.monitor.as_secs()),
        "--update-failure-action=rollback".to_string(),
        format!("--update-max-failure-ratio={}", policy.max_failure_ratio),
        format!(
            "--update-order={}",
            if policy.order == UpdateOrder::StartFirst {
                "start-first"
            } else {
                "stop-first"
            }
        ),
    ]
}

/// Seconds the docker CLI took with these arguments, or its error output.
fn timed<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> TestResult<f64> {
    let started = Instant::now();
    let output = Command::new("docker").args(args).output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).to_string().into());
    }
    Ok(seconds)
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}
