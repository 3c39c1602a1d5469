//! A 10-service stack: the preview's time, and the deploy's wall time beside `docker stack deploy` of the same
//! file waiting until every service converged — ours also gates each service's health. Run with `make bench`; the
//! figures go to stdout and `target/bench/stack.txt`.

use std::process::Command;
use std::time::{Duration, Instant};

use swarmdeck_orchestrator::compose::ComposeSource;
use swarmdeck_orchestrator::stack::{StackRequest, StackRunOptions};
use swarmdeck_tests::{engine, eventually, org_id, TestResult};

const SERVICES: usize = 10;
const PREVIEW_GOAL_MS: f64 = 200.0;
const DEPLOY_GOAL_RATIO: f64 = 1.2;
const PREVIEW_RUNS: usize = 5;

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
    previews.sort_by(f64::total_cmp);
    let preview_ms = previews[PREVIEW_RUNS / 2];

    let started = Instant::now();
    let ours = core
        .stack_deploy(&request, &StackRunOptions::default())
        .await;
    let ours_secs = started.elapsed().as_secs_f64();

    let namespace = format!("{org}-docker");
    let file = std::env::temp_dir().join(format!("{namespace}.yml"));
    std::fs::write(&file, compose())?;
    let started = Instant::now();
    let deployed = Command::new("docker")
        .args(["stack", "deploy", "--detach=true", "-c"])
        .arg(&file)
        .arg(&namespace)
        .output()?;
    let converged = if deployed.status.success() {
        eventually(
            Duration::from_secs(300),
            "the docker stack to converge",
            || {
                let namespace = namespace.clone();
                async move { Ok(stack_converged(&namespace)?.then_some(())) }
            },
        )
        .await
    } else {
        Err(String::from_utf8_lossy(&deployed.stderr).to_string().into())
    };
    let docker_secs = started.elapsed().as_secs_f64();

    let _ = Command::new("docker")
        .args(["stack", "rm", &namespace])
        .output();
    let _ = std::fs::remove_file(&file);
    for slug in (0..SERVICES).map(|n| format!("s{n}")) {
        let _ = core
            .remove_service(&swarmdeck_orchestrator::naming::service_name(&org, &slug))
            .await;
    }
    let _ = core.purge_stack_history(&org).await;
    ours?;
    converged?;

    let ratio = ours_secs / docker_secs;
    let figures = format!(
        "stack of {SERVICES} services (fixture, health check every second)\n\
         preview, median of {PREVIEW_RUNS}: {preview_ms:.0} ms (goal < {PREVIEW_GOAL_MS} ms: {})\n\
         deploy, default gate (every service healthy for 10 s; services of one dependency depth together): {ours_secs:.1} s\n\
         docker stack deploy until every service converged: {docker_secs:.1} s\n\
         ratio: {ratio:.2}× (goal ≤ {DEPLOY_GOAL_RATIO}×: {})\n",
        verdict(preview_ms < PREVIEW_GOAL_MS),
        verdict(ratio <= DEPLOY_GOAL_RATIO),
    );
    print!("{figures}");
    let dir = swarmdeck_tests::app::workspace_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("stack.txt"), figures)?;
    Ok(())
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
