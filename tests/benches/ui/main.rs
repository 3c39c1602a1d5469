//! UI benchmarks of the real app as users run it (the release build, target/release/swarmdeck-app) driven through
//! tauri-driver, against the real engine: cold start to the first frame with data, idle memory, topology first
//! paint and panning at 50 orgs / 200 services, engine event to painted change, a 2,000 lines/s log follow, each scenario on a freshly loaded page, and then, in an app of its own that reaches
//! the engine through a counting proxy, the figures of 50 running tasks on screen and the console's keystroke echo.
//! Run with `make bench` (under Xvfb when there is no display), or `SWARMDECK_UI_BENCH=logs` (`=resources`, `=start`) for
//! one scenario alone; the figures go to stdout and `target/bench/ui.txt`. Targets are reported as met or missed,
//! never asserted.

mod events;
mod logs;
mod memory;
mod report;
mod resources;
mod startup;
mod topology;

use std::time::Duration;

use serde_json::{json, Value};
use swarmdeck_orchestrator::Orchestrator;
use swarmdeck_tests::app::{text_of, workspace_root, Driver};
use swarmdeck_tests::{engine, eventually, org_id, TestResult};
use thirtyfour::prelude::*;

use events::events;
use logs::logs;
use memory::{app_processes, load_average};
use report::Report;
use resources::resources;
use startup::cold_starts;
use topology::topology;

/// The app measured: the release build, as users run it.
const APP: &str = "target/release/swarmdeck-app";

/// The idle memory figure is taken after this long on the home tab (the "after 2 minutes").
const IDLE: Duration = Duration::from_secs(120);
/// The synthetic topology's shape: the 50 orgs / 200 services, two tasks each over three nodes.
const ORGS: usize = 50;
const SERVICES_PER_ORG: usize = 4;
const TASKS_PER_SERVICE: usize = 2;
const NODES: usize = 3;
const FIRST_PAINT_RUNS: usize = 3;
const TOPOLOGY_CALLS: usize = 5;
const PAN: Duration = Duration::from_secs(5);
const LOG_RATE: u32 = 2_000;
/// The deploy form's default health-check interval (ui/src/lib/deployForm.ts).
const FORM_HEALTH_INTERVAL_SECS: u32 = 10;
const LOG_WINDOW: Duration = Duration::from_secs(60);
/// The control window: the same log flood and follow with the logs view closed.
const CONTROL_WINDOW: Duration = Duration::from_secs(20);

const FIRST_PAINT_TARGET_MS: f64 = 1_500.0;
const STALL_TARGET_MS: f64 = 100.0;
const IDLE_PSS_TARGET_MIB: f64 = 200.0;
const WATCH_CPU_TARGET_PERCENT: f64 = 5.0;
const COLD_START_TARGET_MS: f64 = 1_500.0;
const EVENT_TARGET_MS: f64 = 300.0;
const ECHO_TARGET_MS: f64 = 50.0;

#[tokio::main]
async fn main() -> TestResult {
    let orchestrator = engine().await?;
    let org = org_id("uibench");
    let mut report = Report {
        load_start: load_average(),
        ..Report::default()
    };
    let only = std::env::var("SWARMDECK_UI_BENCH").ok();
    let result = async {
        if only.as_deref() != Some("resources") {
            let driver = Driver::start("UI bench", false)?;
            if only.is_none() || only.as_deref() == Some("start") {
                cold_starts(&driver, &mut report).await?;
            }
            if only.as_deref() != Some("start") {
                let page = driver.session(APP).await?;
                let measured = run(&orchestrator, &org, &driver, &page, &mut report).await;
                let quit = page.quit().await;
                measured?;
                quit?;
            }
        }
        if only.is_none() || only.as_deref() == Some("resources") {
            resources(&orchestrator, &org, &mut report).await?;
        }
        TestResult::Ok(())
    }
    .await;
    report.load_end = load_average();
    swarmdeck_tests::cleanup(&orchestrator, &org).await;
    // Whatever was measured before a failure is still worth seeing.
    let text = report.render(result.as_ref().err().map(|e| e.to_string()));
    print!("{text}");
    let dir = workspace_root().join("target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("ui.txt"), &text)?;
    result
}

async fn run(
    orchestrator: &Orchestrator,
    org: &str,
    driver: &Driver,
    page: &WebDriver,
    report: &mut Report,
) -> TestResult {
    page.set_script_timeout(Duration::from_secs(120)).await?;
    text_of(page, "connection-state", |t| t == "connected").await?;
    report.url = Some(page.current_url().await?.to_string());

    // `SWARMDECK_UI_BENCH=logs` measures the log follow alone, a quicker loop while working on the logs view.
    let only_logs = std::env::var("SWARMDECK_UI_BENCH").as_deref() == Ok("logs");
    if !only_logs {
        // Nothing else runs during the idle window: it is the app as a user leaves it open.
        tokio::time::sleep(IDLE).await;
        report.idle = Some(app_processes(driver)?);
    }

    open_bench_page(page).await?;
    report.bench_url = Some(page.current_url().await?.to_string());

    if !only_logs {
        topology(page, report).await?;
        // Each following scenario gets a page of its own, as a user opening it sees it, not the synthetic graph's
        // leftovers or the previous scenario's observers.
        open_bench_page(page).await?;
        events(orchestrator, org, page, report).await?;
        open_bench_page(page).await?;
    }
    logs(orchestrator, org, driver, page, report).await
}

/// Loads the page afresh with `?bench`, which is what installs the bench hooks, and waits until it is connected.
async fn open_bench_page(page: &WebDriver) -> TestResult {
    let mut url = page.current_url().await?;
    url.set_query(Some("bench=1"));
    page.goto(url.as_str()).await?;
    eventually(Duration::from_secs(30), "the bench hooks", || async {
        let hooked = page
            .execute("return Boolean(window.__swarmdeckBench);", Vec::new())
            .await?;
        Ok((hooked.json() == &json!(true)).then_some(()))
    })
    .await?;
    text_of(page, "connection-state", |t| t == "connected").await?;
    Ok(())
}

/// Runs an `execute_async` script that reports `{ ok }` or `{ error }` through its callback.
async fn script_value(page: &WebDriver, script: &str, args: Vec<Value>) -> TestResult<Value> {
    let value = page.execute_async(script, args).await?.json().clone();
    match value.get("error") {
        Some(error) => Err(format!("bench script failed: {error}").into()),
        None => Ok(value.get("ok").cloned().unwrap_or(Value::Null)),
    }
}

fn numbers(value: &Value) -> TestResult<Vec<f64>> {
    value
        .as_array()
        .ok_or("not an array")?
        .iter()
        .map(|v| v.as_f64().ok_or_else(|| "not a number".into()))
        .collect()
}

/// An array of `[a, b]` number pairs.
fn pairs(value: &Value) -> TestResult<Vec<(f64, f64)>> {
    value
        .as_array()
        .ok_or("not an array")?
        .iter()
        .map(|pair| match numbers(pair)?.as_slice() {
            [a, b] => Ok((*a, *b)),
            _ => Err("not a pair of numbers".into()),
        })
        .collect()
}

/// Deploys `request` and waits until the page's Home table shows it running; its swarm name.
async fn deploy_on_home(
    orchestrator: &Orchestrator,
    request: &swarmdeck_orchestrator::DeployRequest,
    page: &WebDriver,
) -> TestResult<String> {
    let service = orchestrator
        .deploy(request, &swarmdeck_tests::fast_run())
        .await?
        .service_name;
    swarmdeck_tests::app::click(page, "tab-home").await?;
    text_of(page, &format!("service-{service}"), |t| t.contains("1/1")).await?;
    Ok(service)
}
