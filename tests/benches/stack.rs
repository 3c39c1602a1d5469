//! A 10-service stack: the preview's time, and the deploy's wall time beside `docker stack deploy` of the same
//! file in one run, median of [`RUNS`]. The peer is docker's own "wait until the services converge"
//! (`--detach=false`: every task running, then its stability window); the figure of `docker stack deploy` that
//! returns at once, polled until every replica runs (no stability window, no health verdict), is printed beside it.
//! Run with `make bench`; the figures go to stdout and `target/bench/stack.txt`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use swarmdeck_orchestrator::compose::ComposeSource;
use swarmdeck_orchestrator::stack::{StackRequest, StackRunOptions};
use swarmdeck_orchestrator::Orchestrator;
use swarmdeck_tests::{engine, eventually, org_id, TestResult};

const SERVICES: usize = 10;
const PREVIEW_GOAL_MS: f64 = 200.0;
const DEPLOY_GOAL_RATIO: f64 = 1.2;
const PREVIEW_RUNS: usize = 5;
const RUNS: usize = 3;

fn compose() -> String {
    let mut text = "services:\n".to_string();
    for n in 0..SERVICES {
        text.push_str(&format!(
            "  s{n}:\n    image: swarmdeck-fixture:v1\n    \
             healthcheck: {{test: [\"CMD\", \"/fixture\", \"health\"], interval: 1s, timeout: 3s, retries: 3}}\n    \
             deploy: {{endpoint_mode: dnsrr, update_config: {{delay: 0s, monitor: 2s}}}}\n"
        ));
    }
    text
}

#[tokio::main]
async fn main() -> TestResult {
    let core = engine().await?;
    let org = org_id("stackbench");
    let request = StackRequest {
        org_id: org.clone(),
        source: ComposeSource {
            file_name: "bench.yml".to_string(),
            text: compose(),
            ..ComposeSource::default()
        },
        prune: false,
    };
    let mut previews = Vec::new();
    for _ in 0..PREVIEW_RUNS {
        let started = Instant::now();
        core.stack_plan(&request).await?;
        previews.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let preview_ms = median(previews);

    let file = std::env::temp_dir().join(format!("{org}-docker.yml"));
    std::fs::write(&file, compose())?;
    let (mut ours, mut docker_waiting, mut docker_polled) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        let started = Instant::now();
        let deployed = core
            .stack_deploy(&request, &StackRunOptions::default())
            .await;
        ours.push(started.elapsed().as_secs_f64());
        remove_ours(&core, &org).await;
        deployed?;
        docker_waiting.push(docker_stack(&file, &format!("{org}-w{run}"), true).await?);
        docker_polled.push(docker_stack(&file, &format!("{org}-p{run}"), false).await?);
    }
    let _ = std::fs::remove_file(&file);
    let (ours, waiting, polled) = (median(ours), median(docker_waiting), median(docker_polled));

    let ratio = ours / waiting;
    let figures = format!(
        "stack of {SERVICES} services (fixture, health check every second, monitor 2 s), median of {RUNS} runs\n\
         preview, median of {PREVIEW_RUNS}: {preview_ms:.0} ms (goal < {PREVIEW_GOAL_MS} ms: {})\n\
         swarmdeck stack deploy, default gate (every task healthy for 10 s from when it ran): {ours:.1} s\n\
         docker stack deploy --detach=false (waits until every service converged and stayed up): {waiting:.1} s\n\
         ratio: {ratio:.2}× (goal ≤ {DEPLOY_GOAL_RATIO}×: {})\n\
         for reference, docker stack deploy returning at once, polled until every replica runs \
         (no stability window, no health verdict): {polled:.1} s ({:.2}×)\n",
        verdict(preview_ms < PREVIEW_GOAL_MS),
        verdict(ratio <= DEPLOY_GOAL_RATIO),
        ours / polled,
    );
    print!("{figures}");
    let dir = swarmdeck_tests::app::workspace_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("stack.txt"), figures)?;
    Ok(())
}

async fn remove_ours(core: &Orchestrator, org: &str) {
    for slug in (0..SERVICES).map(|n| format!("s{n}")) {
        let _ = core
            .remove_service(&swarmdeck_orchestrator::naming::service_name(org, &slug))
            .await;
    }
    let _ = core.purge_stack_history(org).await;
}

/// Seconds until `docker stack deploy` of `file` converged: by its own wait, or polled when `wait` is false. The
/// stack is removed afterwards either way.
async fn docker_stack(file: &Path, namespace: &str, wait: bool) -> TestResult<f64> {
    let started = Instant::now();
    let deployed = Command::new("docker")
        .args(["stack", "deploy", &format!("--detach={}", !wait), "-c"])
        .arg(file)
        .arg(namespace)
        .output()?;
    let converged = if !deployed.status.success() {
        Err(String::from_utf8_lossy(&deployed.stderr).to_string().into())
    } else if wait {
        Ok(())
    } else {
        eventually(
            Duration::from_secs(300),
            "the docker stack to converge",
            || async move { Ok(stack_converged(namespace)?.then_some(())) },
        )
        .await
    };
    let seconds = started.elapsed().as_secs_f64();
    let _ = Command::new("docker")
        .args(["stack", "rm", namespace])
        .output();
    converged.map(|()| seconds)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Whether every service of the docker stack runs all its replicas.
fn stack_converged(namespace: &str) -> TestResult<bool> {
    let output = Command::new("docker")
        .args(["stack", "services", namespace, "--format", "{{.Replicas}}"])
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let replicas: Vec<&str> = text.lines().collect();
    Ok(replicas.len() == SERVICES
        && replicas.iter().all(|r| {
            r.split_once('/')
                .is_some_and(|(running, desired)| running == desired && running != "0")
        }))
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "missed"
    }
}
