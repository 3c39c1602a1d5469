//! The topology snapshot beside its physical limit — the same five engine list calls made raw, together, with
//! nothing built from them — at 1, 100 and 1,000 services (past the first, services of 0 replicas, which cost the
//! engine nothing to run) and with 500 running tasks; the calls of one snapshot, counted on a proxy, stay the same.
//! Median of [`RUNS`], both through the same proxy. Run with `make bench`; the figures go to stdout and
//! `target/bench/topology.txt`. `SWARMDECK_BENCH_TASKS` changes the number of tasks.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bollard::query_parameters::{
    ListContainersOptions, ListNetworksOptions, ListNodesOptions, ListServicesOptions,
    ListTasksOptions,
};
use bollard::Docker;
use futures_util::{StreamExt, TryStreamExt};
use swarmdeck_orchestrator::naming::{label, MANAGED_BY};
use swarmdeck_orchestrator::{spec, validate, Orchestrator};
use swarmdeck_tests::{
    engine, eventually, fast_run, fixture_request, orchestrator_on, org_id, CountingProxy,
    TestResult,
};

const SIZES: [usize; 3] = [1, 100, 1000];
const DEFAULT_TASKS: u32 = 500;
const RUNS: usize = 5;
const GOAL_RATIO: f64 = 1.2;

#[tokio::main]
async fn main() -> TestResult {
    let core = engine().await?;
    let org = org_id("topobench");
    let proxy = CountingProxy::start().await?;
    let counted = orchestrator_on(proxy.docker()?.negotiate_version().await?);
    let result = run(&core, &counted, &proxy, &org).await;
    swarmdeck_tests::cleanup(&core, &org).await;
    let rows = result?;

    let mut figures = format!(
        "topology snapshot vs the same five list calls made raw and together, median of {RUNS}, through one proxy\n\
         {:<34} {:>9} {:>9} {:>7} {:>6}\n",
        "", "swarmdeck", "raw", "ratio", "calls"
    );
    for row in &rows {
        let ratio = row.ours_ms / row.raw_ms;
        figures.push_str(&format!(
            "{:<34} {:>6.1} ms {:>6.1} ms {:>6.2}× {:>6}  (goal ≤ {GOAL_RATIO}×: {})\n",
            row.what,
            row.ours_ms,
            row.raw_ms,
            ratio,
            row.calls,
            if ratio <= GOAL_RATIO { "met" } else { "missed" }
        ));
    }
    let constant = rows.windows(2).all(|pair| pair[0].calls == pair[1].calls);
    figures.push_str(&format!(
        "calls per snapshot constant: {}\n",
        if constant { "yes (met)" } else { "no (missed)" }
    ));
    print!("{figures}");
    let dir = swarmdeck_tests::app::workspace_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("topology.txt"), figures)?;
    Ok(())
}

struct Row {
    what: String,
    ours_ms: f64,
    raw_ms: f64,
    calls: usize,
}

async fn run(
    core: &Orchestrator,
    counted: &Orchestrator,
    proxy: &CountingProxy,
    org: &str,
) -> TestResult<Vec<Row>> {
    core.deploy(&fixture_request(org, "s0", "v1"), &fast_run())
        .await?;
    let network = core
        .find_org_network(org)
        .await?
        .and_then(|n| n.id)
        .ok_or("no network")?;
    let mut rows = Vec::new();
    let mut created = 1;
    for size in SIZES {
        let specs = (created..size).map(|n| {
            let mut request = fixture_request(org, &format!("s{n}"), "v1");
            request.deployment_id = Some(format!("topobench-{n}"));
            let mut service = validate::deploy_request(&request, "topobench")
                .map(|definition| spec::service_spec(&definition, "topobench", &network))?;
            spec::set_replicas(&mut service, 0);
            Ok::<_, swarmdeck_orchestrator::Error>(service)
        });
        futures_util::stream::iter(specs)
            .map(|service| async move {
                core.docker().create_service(service?, None).await?;
                TestResult::Ok(())
            })
            .buffer_unordered(8)
            .try_collect::<Vec<()>>()
            .await?;
        created = size;
        rows.push(measure(counted, proxy, format!("{size} services")).await?);
    }

    let tasks = std::env::var("SWARMDECK_BENCH_TASKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_TASKS);
    start_tasks(core, org, tasks).await?;
    rows.push(
        measure(
            counted,
            proxy,
            format!("{created} services, {tasks} running tasks"),
        )
        .await?,
    );
    Ok(rows)
}

/// A service of `count` replicas of the fixture, with neither reservations nor a network nor a health check, so
/// that this machine holds them; waits until they all run.
async fn start_tasks(core: &Orchestrator, org: &str, count: u32) -> TestResult {
    let mut request = fixture_request(org, "many", "v1");
    request.health_check = None;
    request.deployment_id = Some("topobench-many".to_string());
    let definition = validate::deploy_request(&request, "topobench")?;
    let mut service = spec::service_spec(&definition, "topobench", "");
    spec::set_replicas(&mut service, count);
    if let Some(template) = service.task_template.as_mut() {
        template.networks = None;
        if let Some(resources) = template.resources.as_mut() {
            resources.reservations = None;
        }
    }
    let id = core
        .docker()
        .create_service(service, None)
        .await?
        .id
        .ok_or("no service id")?;
    let filters = HashMap::from([
        ("service".to_string(), vec![id]),
        ("desired-state".to_string(), vec!["running".to_string()]),
    ]);
    eventually(
        Duration::from_secs(900),
        "every task of the big service to run",
        || {
            let filters = filters.clone();
            async move {
                let tasks = core
                    .docker()
                    .list_tasks(Some(ListTasksOptions {
                        filters: Some(filters),
                    }))
                    .await?;
                let running = tasks
                    .iter()
                    .filter(|task| {
                        task.status.as_ref().and_then(|s| s.state)
                            == Some(bollard::models::TaskState::RUNNING)
                    })
                    .count();
                Ok((running >= count as usize).then_some(()))
            }
        },
    )
    .await
}

async fn measure(counted: &Orchestrator, proxy: &CountingProxy, what: String) -> TestResult<Row> {
    let before = proxy.requests();
    counted.topology().await?;
    let calls = proxy.requests() - before;
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let started = Instant::now();
        counted.topology().await?;
        ours.push(started.elapsed().as_secs_f64() * 1000.0);
        let started = Instant::now();
        raw_calls(counted.docker()).await?;
        raw.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(Row {
        what,
        ours_ms: median(ours),
        raw_ms: median(raw),
        calls,
    })
}

/// The engine's side of a snapshot alone: the five list calls `topology` makes, together, answers decoded.
async fn raw_calls(docker: &Docker) -> TestResult {
    let ours = HashMap::from([(
        "label".to_string(),
        vec![format!("{}={MANAGED_BY}", label::MANAGED_BY)],
    )]);
    tokio::try_join!(
        docker.list_services(Some(ListServicesOptions {
            filters: Some(ours.clone()),
            status: Some(true),
        })),
        docker.list_tasks(None::<ListTasksOptions>),
        docker.list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(HashMap::from([(
                "label".to_string(),
                vec!["com.docker.swarm.service.id".to_string()],
            )])),
            ..Default::default()
        })),
        docker.list_networks(Some(ListNetworksOptions {
            filters: Some(ours.clone()),
        })),
        docker.list_nodes(None::<ListNodesOptions>),
    )?;
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
