//! Resource use on screen: 50 running tasks whose figures the Home tables show, with the app's CPU and its engine
//! calls per second (the app talks to the engine through a counting proxy) next to a control on a tab that shows
//! no figures; then the console's keystroke echo, measured in the page from a key given to xterm.js to its echo
//! drawn in the terminal.

use std::time::Duration;

use serde_json::json;
use swarmdeck_orchestrator::Orchestrator;
use swarmdeck_tests::app::{click, fill, text_of, Driver};
use swarmdeck_tests::proxy::CountingProxy;
use swarmdeck_tests::{eventually, fast_run, fixture_request, TestResult};
use thirtyfour::prelude::*;

use crate::memory::{app_processes, cpu_seconds};
use crate::report::{Report, ResourceFigures, WatchFigures};
use crate::{numbers, open_bench_page, script_value, APP};

/// The issue's "50 running tasks": this many services of this many replicas.
const SERVICES: usize = 10;
const REPLICAS: u32 = 5;
/// How long each of the watching and the control windows measures.
const WATCH_WINDOW: Duration = Duration::from_secs(30);
/// Keystrokes whose echo is timed.
const KEYSTROKES: u32 = 100;

/// Types `count` keys into the open console one at a time and reports each one's milliseconds from the key to its
/// echo parsed into the terminal (the cursor moved), then clears the typed line.
const ECHO: &str = r#"
        const done = arguments[arguments.length - 1];
        const count = arguments[0];
        (async () => {
            const term = window.__swarmdeckBench?.terminal;
            if (!term) throw new Error("no console terminal was offered to the bench");
            const cursor = () => { const b = term.buffer.active; return `${b.baseY},${b.cursorY},${b.cursorX}`; };
            const samples = [];
            for (let i = 0; i < count; i++) {
                const before = cursor();
                const started = performance.now();
                await new Promise((resolve, reject) => {
                    const timer = setTimeout(() => { echoed.dispose(); reject(new Error(`no echo of key ${i} in 5 s`)); }, 5000);
                    const echoed = term.onWriteParsed(() => {
                        if (cursor() === before) return;
                        clearTimeout(timer);
                        echoed.dispose();
                        resolve();
                    });
                    term.input(String.fromCharCode(97 + (i % 26)), true);
                });
                samples.push(performance.now() - started);
                // A typist's pace, so each key is measured on its own and not behind the previous one's echo.
                await new Promise((resolve) => setTimeout(resolve, 30));
            }
            term.input("\u0015", true);
            return samples;
        })().then((ok) => done({ ok }), (error) => done({ error: String(error) }));
    "#;

pub(crate) async fn resources(
    orchestrator: &Orchestrator,
    org: &str,
    report: &mut Report,
) -> TestResult {
    let deploys = (0..SERVICES).map(|index| {
        let mut request = fixture_request(org, &format!("res{index}"), "v1");
        request.replicas = REPLICAS;
        // Without health checks: fifty runc execs a period would load the machine the app is measured on.
        request.health_check = None;
        async move { orchestrator.deploy(&request, &fast_run()).await }
    });
    let mut services = Vec::new();
    for outcome in futures_util::future::join_all(deploys).await {
        services.push(outcome?.service_name);
    }

    let proxy = CountingProxy::start().await?;
    let host = proxy.docker_host();
    let driver = Driver::start_with_env("resources bench", false, &[("DOCKER_HOST", &host)])?;
    let page = driver.session(APP).await?;
    let measured = measure(&proxy, &driver, &page, &services, report).await;
    let quit = page.quit().await;
    measured?;
    quit?;
    Ok(())
}

async fn measure(
    proxy: &CountingProxy,
    driver: &Driver,
    page: &WebDriver,
    services: &[String],
    report: &mut Report,
) -> TestResult {
    page.set_script_timeout(Duration::from_secs(120)).await?;
    open_bench_page(page).await?;
    let replicas = format!("{REPLICAS}/{REPLICAS}");
    for service in services {
        text_of(page, &format!("service-{service}"), |t| {
            t.contains(&replicas) && t.contains("CPU ")
        })
        .await?;
    }
    let streams = proxy.open_with("/stats");
    let watching = watch(proxy, driver).await?;

    // The control: the Deploy tab shows no figures, so the follow stops and its streams close.
    click(page, "tab-deploy").await?;
    eventually(
        Duration::from_secs(30),
        "the stats streams to close",
        || async { Ok((proxy.open_with("/stats") == 0).then_some(())) },
    )
    .await?;
    let control = watch(proxy, driver).await?;

    click(page, "tab-home").await?;
    let first = &services[0];
    click(page, &format!("open-{first}")).await?;
    click(page, "panel-section-console").await?;
    fill(page, "console-command", "/fixture shell").await?;
    click(page, "console-open").await?;
    text_of(page, "console-terminal", |t| t.contains("fixture$")).await?;
    let echo = script_value(page, ECHO, vec![json!(KEYSTROKES)]).await?;

    report.resources = Some(ResourceFigures {
        tasks: services.len() * REPLICAS as usize,
        streams,
        watching,
        control,
        echo_ms: numbers(&echo)?,
    });
    Ok(())
}

/// The app's CPU (every process of it, in percent of one core) and the engine calls it makes per second over
/// [`WATCH_WINDOW`]. The sleep is the window itself: the app runs on its own while it is measured.
async fn watch(proxy: &CountingProxy, driver: &Driver) -> TestResult<WatchFigures> {
    let (cpu_before, calls_before) = (cpu_seconds(&app_processes(driver)?), proxy.requests());
    tokio::time::sleep(WATCH_WINDOW).await;
    let (cpu_after, calls_after) = (cpu_seconds(&app_processes(driver)?), proxy.requests());
    let seconds = WATCH_WINDOW.as_secs_f64();
    Ok(WatchFigures {
        seconds,
        cpu_percent: (cpu_after - cpu_before) / seconds * 100.0,
        calls_per_second: (calls_after - calls_before) as f64 / seconds,
    })
}
