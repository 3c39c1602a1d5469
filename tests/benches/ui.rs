//! UI benchmarks of the real app as users run it (the release build, target/release/swarmdeck-app) driven through
//! tauri-driver, against the real engine: idle memory, topology first paint and panning at 50 orgs / 200 services,
//! and a 2,000 lines/s log follow, each scenario on a freshly loaded page. Run with `make bench` (under Xvfb when
//! there is no display), or `SWARMDECK_UI_BENCH=logs` for the log follow alone; the figures go to stdout and
//! `target/bench/ui.txt`. Targets are reported as met or missed, never asserted.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

/// The app measured: the release build, as users run it.
const APP: &str = "target/release/swarmdeck-app";
use futures_util::StreamExt;
use swarmdeck_orchestrator::{naming, HealthCheck, LogQuery, Orchestrator};
use swarmdeck_tests::app::{attribute_of, click, text_of, workspace_root, Driver};
use swarmdeck_tests::{
    engine, eventually, fast_run, fixture_health_check, fixture_request, org_id, TestResult,
};
use thirtyfour::prelude::*;
use tokio_util::sync::CancellationToken;

/// The idle memory figure is taken after this long on the home tab (the issue's "after 2 minutes").
const IDLE: Duration = Duration::from_secs(120);
/// The synthetic topology's shape: the issue's 50 orgs / 200 services, two tasks each over three nodes.
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

/// Records main-thread stalls of the page (gaps between frames, lateness of a 10 ms timer; when the gaps over
/// 100 ms ended, so a slow one can be told from the flood's start) and the logs view's counters until
/// `window.__swarmdeckLogsBench.collect()`.
const RECORDER: &str = r#"
        const counter = (id) => Number(document.querySelector(`[data-testid='${id}']`)?.textContent?.replace(/\D/g, "") || 0);
        const rec = { rafMax: 0, longGaps: [], frames: 0, slowFrames: 0, lateMax: 0, ticks: 0, running: true,
                      lines: counter("logs-count") + counter("logs-dropped"), started: performance.now() };
        let lastFrame = null;
        const onFrame = (now) => {
            if (!rec.running) return;
            if (lastFrame !== null) {
                const gap = now - lastFrame;
                rec.rafMax = Math.max(rec.rafMax, gap);
                if (gap > 50) rec.slowFrames++;
                if (gap > 100) rec.longGaps.push([(now - rec.started) / 1000, gap]);
            }
            lastFrame = now;
            rec.frames++;
            requestAnimationFrame(onFrame);
        };
        requestAnimationFrame(onFrame);
        let lastTick = performance.now();
        rec.interval = setInterval(() => {
            const now = performance.now();
            rec.lateMax = Math.max(rec.lateMax, now - lastTick - 10);
            lastTick = now;
            rec.ticks++;
        }, 10);
        rec.collect = () => {
            rec.running = false;
            clearInterval(rec.interval);
            return { rafMax: rec.rafMax, longGaps: rec.longGaps, frames: rec.frames, slowFrames: rec.slowFrames, lateMax: rec.lateMax,
                     ticks: rec.ticks, seconds: (performance.now() - rec.started) / 1000,
                     linesBefore: rec.lines, count: counter("logs-count"), dropped: counter("logs-dropped") };
        };
        window.__swarmdeckLogsBench = rec;
    "#;

const FIRST_PAINT_TARGET_MS: f64 = 1_500.0;
const STALL_TARGET_MS: f64 = 100.0;
const IDLE_PSS_TARGET_MIB: f64 = 250.0;

#[tokio::main]
async fn main() -> TestResult {
    let orchestrator = engine().await?;
    let org = org_id("uibench");
    let mut report = Report {
        load_start: load_average(),
        ..Report::default()
    };
    let result = async {
        let driver = Driver::start("UI bench", false)?;
        let page = driver.session(APP).await?;
        let measured = run(&orchestrator, &org, &driver, &page, &mut report).await;
        let quit = page.quit().await;
        measured?;
        quit?;
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
        // The log follow gets a page of its own, as a user opening it sees it, not the synthetic graph's leftovers.
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

/// First paint of the synthetic topology (remounting the graph each run), the real command's round trip, and
/// frame times while panning.
async fn topology(page: &WebDriver, report: &mut Report) -> TestResult {
    let synthetic = synthetic_topology();
    click(page, "tab-topology").await?;
    for _ in 0..FIRST_PAINT_RUNS {
        let script = r#"
            const [topology, expected, done] = arguments;
            const bench = window.__swarmdeckBench;
            const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
            const graph = () => document.querySelector("[data-testid='topology-graph']");
            (async () => {
                bench.showTopology(null);
                // The previous graph must be gone, or its "ready" would end the wait at once.
                while (graph()) await frame();
                const t0 = performance.now();
                bench.showTopology(topology);
                for (;;) {
                    await frame();
                    const g = graph();
                    if (g && g.dataset.layout === "ready" && g.dataset.services === String(expected)) break;
                    if (performance.now() - t0 > 60000) throw new Error("no ready layout within 60 s");
                }
                // "ready" is set as the layout lands; these frames are the ones that paint it.
                await frame();
                await frame();
                done({ ok: performance.now() - t0 });
            })().catch((error) => done({ error: String(error) }));
        "#;
        let ms = script_value(
            page,
            script,
            vec![synthetic.clone(), json!(ORGS * SERVICES_PER_ORG)],
        )
        .await?;
        report
            .first_paint_ms
            .push(ms.as_f64().ok_or("first paint: not a number")?);
    }
    swarmdeck_tests::app::screenshot(page, "target/bench", "ui-topology").await?;

    let script = r#"
        const [calls, done] = arguments;
        (async () => {
            const times = [];
            let services = 0;
            for (let i = 0; i < calls; i++) {
                const t0 = performance.now();
                const topology = await window.__TAURI_INTERNALS__.invoke("topology", {});
                times.push(performance.now() - t0);
                services = topology.orgs.reduce((n, org) => n + org.services.length, 0);
            }
            done({ ok: { times, services } });
        })().catch((error) => done({ error: String(error) }));
    "#;
    let command = script_value(page, script, vec![json!(TOPOLOGY_CALLS)]).await?;
    report.command_ms = numbers(&command["times"])?;
    report.command_services = command["services"].as_u64();

    // The pan reverses every second so the graph stays in view: panned off screen it would cost nothing to draw.
    let script = r#"
        const [duration, done] = arguments;
        const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
        (async () => {
            for (let i = 0; !window.__swarmdeckGraph; i++) {
                if (i > 600) throw new Error("window.__swarmdeckGraph never appeared");
                await frame();
            }
            const cy = window.__swarmdeckGraph;
            const deltas = [];
            let last = await frame();
            const start = last;
            while (last - start < duration) {
                const sign = Math.floor((last - start) / 1000) % 2 === 0 ? 1 : -1;
                cy.panBy({ x: 4 * sign, y: 2 * sign });
                const now = await frame();
                deltas.push(now - last);
                last = now;
            }
            done({ ok: deltas });
        })().catch((error) => done({ error: String(error) }));
    "#;
    let deltas = script_value(page, script, vec![json!(PAN.as_millis() as u64)]).await?;
    report.pan_ms = numbers(&deltas)?;
    Ok(())
}

/// Follows the logs of a fixture printing 2,000 lines/s for a minute: stalls, memory growth, lines received.
async fn logs(
    orchestrator: &Orchestrator,
    org: &str,
    driver: &Driver,
    page: &WebDriver,
    report: &mut Report,
) -> TestResult {
    let mut request = fixture_request(org, "logs", "v1");
    request
        .env
        .insert("LOG_LINES_PER_SEC".into(), LOG_RATE.to_string());
    // Checked as the deploy form checks by default, not every second as the suites do to converge fast: each
    // check is a runc exec, a burst of CPU on this two-core machine that no user's service makes every second.
    request.health_check = Some(HealthCheck {
        interval_secs: FORM_HEALTH_INTERVAL_SECS,
        timeout_secs: 5,
        retries: 3,
        ..fixture_health_check()
    });
    let service = orchestrator
        .deploy(&request, &fast_run())
        .await?
        .service_name;

    // The page was loaded afresh for this scenario, so it shows the engine's topology, with this service.
    click(page, "tab-home").await?;
    text_of(page, &format!("service-{service}"), |t| t.contains("1/1")).await?;
    click(page, &format!("open-{service}")).await?;
    attribute_of(page, "service-panel", "data-service", |s| s == service).await?;
    // The control: the same flood into the engine, and the same follow of it read here, with the logs view
    // closed, so the stalls this 2-core machine causes by itself (the logging container, dockerd serving the
    // follow, Xvfb painting on the CPU) are told from the view's.
    let control_follow = CancellationToken::new();
    let lines = orchestrator.follow_service_logs(&service, &view_query(), control_follow.clone());
    let drained = tokio::spawn(lines.fold(0_u64, |n, _| async move { n + 1 }));
    let control = record_stalls(page, CONTROL_WINDOW).await;
    control_follow.cancel();
    let control_lines = drained.await?;
    let control = control?;

    click(page, "panel-section-logs").await?;
    attribute_of(page, "logs-view", "data-state", |s| s == "following").await?;
    // The window starts once lines flow, so it measures the flood and not the follow's start-up.
    text_of(page, "logs-count", |t| {
        t.parse::<u64>().is_ok_and(|n| n > 0)
    })
    .await?;

    let start_pss = app_processes(driver)?;
    let collected = record_stalls(page, LOG_WINDOW).await?;
    let end_pss = app_processes(driver)?;
    swarmdeck_tests::app::screenshot(page, "target/bench", "ui-logs").await?;

    let number = |key: &str| collected[key].as_f64().ok_or(format!("logs: no {key}"));
    let control_number = |key: &str| {
        control[key]
            .as_f64()
            .ok_or(format!("logs control: no {key}"))
    };
    report.logs = Some(LogFigures {
        control_raf_max_ms: control_number("rafMax")?,
        control_late_max_ms: control_number("lateMax")?,
        control_seconds: control_number("seconds")?,
        control_lines,
        raf_max_ms: number("rafMax")?,
        long_gaps: pairs(&collected["longGaps"])?,
        frames: number("frames")? as u64,
        slow_frames: number("slowFrames")? as u64,
        late_max_ms: number("lateMax")?,
        seconds: number("seconds")?,
        received: (number("count")? + number("dropped")? - number("linesBefore")?) as u64,
        count: number("count")? as u64,
        dropped: number("dropped")? as u64,
        start_pss_kib: total_kib(&start_pss),
        end_pss_kib: total_kib(&end_pss),
    });
    Ok(())
}

/// Runs the `RECORDER` on the page for `window` and returns what it collected. The sleep is the measurement window
/// itself: the page runs on its own while the recorder watches it.
async fn record_stalls(page: &WebDriver, window: Duration) -> TestResult<Value> {
    page.execute(RECORDER, Vec::new()).await?;
    tokio::time::sleep(window).await;
    Ok(page
        .execute("return window.__swarmdeckLogsBench.collect();", Vec::new())
        .await?
        .json()
        .clone())
}

/// The query the logs view follows with by default (ui/src/lib/LogsView.svelte).
fn view_query() -> LogQuery {
    LogQuery {
        tail: Some(500),
        timestamps: true,
        ..LogQuery::default()
    }
}

/// The topology of the issue's scale case, shaped as `Topology` in ui/src/bindings.ts.
fn synthetic_topology() -> Value {
    let nodes: Vec<Value> = (0..NODES)
        .map(|n| {
            json!({
                "id": format!("benchnode{n}"), "hostname": format!("worker-{n}"), "role": "worker",
                "state": "ready", "availability": "active", "addr": null,
                "nano_cpus": 2_000_000_000_u64, "memory_bytes": 4_294_967_296_u64,
            })
        })
        .collect();
    let orgs: Vec<Value> = (0..ORGS)
        .map(|o| {
            let org = format!("bench{o:02}");
            let network = format!("benchnet{o:02}");
            let services: Vec<Value> = (0..SERVICES_PER_ORG)
                .map(|s| {
                    let index = o * SERVICES_PER_ORG + s;
                    let id = format!("benchsvc{index:03}");
                    let tasks: Vec<Value> = (0..TASKS_PER_SERVICE)
                        .map(|t| {
                            json!({
                                "id": format!("{id}task{t}"), "service_id": id, "slot": t + 1,
                                "state": "running", "desired_state": "running", "health": "healthy",
                                "node_id": format!("benchnode{}", (index + t) % NODES), "error": null,
                                "message": "started", "container_id": format!("{id}c{t}"),
                                "deployment_id": format!("web-{index}"), "exit_code": null,
                                "updated_at": "2025-01-01T00:00:00Z",
                            })
                        })
                        .collect();
                    json!({
                        "swarm_service_id": id,
                        "service_name": naming::service_name(&org, &format!("svc{s}")),
                        "slug": format!("svc{s}"), "image": "swarmdeck-fixture:v1",
                        "deployment_id": format!("web-{index}"),
                        "desired": TASKS_PER_SERVICE, "running": TASKS_PER_SERVICE,
                        "update_state": "completed", "tasks": tasks, "networks": [network],
                    })
                })
                .collect();
            json!({
                "org_id": org,
                "network": { "id": network, "name": naming::network_name(&org), "created": false,
                             "subnets": [format!("10.{}.{}.0/24", 10 + o / 250, o % 250)] },
                "services": services,
            })
        })
        .collect();
    json!({ "nodes": nodes, "orgs": orgs })
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

// ---- Memory: PSS of the app and every process it started ----

struct Process {
    pid: u32,
    name: String,
    pss_kib: u64,
}

/// The `swarmdeck-app` started under this bench's tauri-driver, and all its descendants (WebKit's web and
/// network processes, their sandbox helpers), each with its PSS.
fn app_processes(driver: &Driver) -> TestResult<Vec<Process>> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut names: HashMap<u32, String> = HashMap::new();
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        // A process may end between the listing and this read; it is then no longer part of the app.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((name, ppid)) = parse_stat(&stat) {
            children.entry(ppid).or_default().push(pid);
            names.insert(pid, name);
        }
    }
    let descendants = |root: u32| {
        let mut found = vec![root];
        let mut index = 0;
        while index < found.len() {
            found.extend(children.get(&found[index]).into_iter().flatten());
            index += 1;
        }
        found
    };
    let apps: Vec<u32> = descendants(driver.pid())
        .into_iter()
        .filter(|pid| is_app(*pid))
        .collect();
    let [app] = apps[..] else {
        return Err(format!(
            "expected one swarmdeck-app under tauri-driver (pid {}), found {apps:?}",
            driver.pid()
        )
        .into());
    };
    Ok(descendants(app)
        .into_iter()
        .filter_map(|pid| {
            Some(Process {
                pid,
                name: names.get(&pid).cloned().unwrap_or_default(),
                pss_kib: pss_kib(pid)?,
            })
        })
        .collect())
}

/// `(comm, ppid)` from /proc/<pid>/stat; comm is in parentheses and may itself hold spaces or parentheses.
fn parse_stat(stat: &str) -> Option<(String, u32)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_string();
    let ppid = stat
        .get(close + 1..)?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((name, ppid))
}

/// Whether `pid` runs the app binary. A rebuild during the bench replaces the file, and the link then reads
/// `…/swarmdeck-app (deleted)`.
fn is_app(pid: u32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| {
        let exe = exe.to_string_lossy();
        let exe = exe.strip_suffix(" (deleted)").unwrap_or(&exe);
        exe.ends_with("/swarmdeck-app")
    })
}

fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup.lines().find_map(|line| {
        line.strip_prefix("Pss:")?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

fn total_kib(processes: &[Process]) -> u64 {
    processes.iter().map(|p| p.pss_kib).sum()
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg has them.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

// ---- The report ----

struct LogFigures {
    control_raf_max_ms: f64,
    control_late_max_ms: f64,
    control_seconds: f64,
    /// Lines the control's own follow read.
    control_lines: u64,
    raf_max_ms: f64,
    /// (seconds into the window, gap in ms) of every gap between frames over 100 ms.
    long_gaps: Vec<(f64, f64)>,
    frames: u64,
    slow_frames: u64,
    late_max_ms: f64,
    seconds: f64,
    received: u64,
    count: u64,
    dropped: u64,
    start_pss_kib: u64,
    end_pss_kib: u64,
}

#[derive(Default)]
struct Report {
    load_start: String,
    load_end: String,
    url: Option<String>,
    bench_url: Option<String>,
    idle: Option<Vec<Process>>,
    first_paint_ms: Vec<f64>,
    command_ms: Vec<f64>,
    command_services: Option<u64>,
    pan_ms: Vec<f64>,
    logs: Option<LogFigures>,
}

fn median(values: &[f64]) -> Option<f64> {
    percentile(values, 50.0)
}

/// Nearest-rank percentile.
fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

fn verdict(met: bool) -> &'static str {
    if met {
        "target met"
    } else {
        "target missed"
    }
}

fn ms_list(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| format!("{v:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Report {
    fn render(&self, failure: Option<String>) -> String {
        let mut rows: Vec<[String; 4]> = Vec::new();
        let mut row = |what: &str, figure: String, target: &str, verdict: &str| {
            rows.push([what.into(), figure, target.into(), verdict.into()]);
        };
        if let Some(idle) = &self.idle {
            let total = mib(total_kib(idle));
            row(
                &format!(
                    "idle PSS after {} s, all {} app processes",
                    IDLE.as_secs(),
                    idle.len()
                ),
                format!("{total:.1} MiB"),
                &format!("<= {IDLE_PSS_TARGET_MIB:.0} MiB"),
                verdict(total <= IDLE_PSS_TARGET_MIB),
            );
        }
        if let Some(first) = median(&self.first_paint_ms) {
            row(
                &format!(
                    "topology first paint, {ORGS} orgs/{} services (median of {})",
                    ORGS * SERVICES_PER_ORG,
                    self.first_paint_ms.len()
                ),
                format!("{first:.0} ms"),
                &format!("< {FIRST_PAINT_TARGET_MS:.0} ms"),
                verdict(first < FIRST_PAINT_TARGET_MS),
            );
            row(
                "  runs",
                format!("{} ms", ms_list(&self.first_paint_ms)),
                "",
                "",
            );
        }
        if let Some(command) = median(&self.command_ms) {
            row(
                &format!(
                    "topology command round trip, real engine with {} services (median of {})",
                    self.command_services.unwrap_or_default(),
                    self.command_ms.len()
                ),
                format!("{command:.1} ms"),
                "",
                "",
            );
            row(
                "  runs",
                format!("{} ms", ms_list(&self.command_ms)),
                "",
                "",
            );
        }
        if let (Some(p50), Some(p95), Some(max)) = (
            median(&self.pan_ms),
            percentile(&self.pan_ms, 95.0),
            percentile(&self.pan_ms, 100.0),
        ) {
            row(
                &format!(
                    "pan frames over {} s ({} frames): median / p95 / max",
                    PAN.as_secs(),
                    self.pan_ms.len()
                ),
                format!("{p50:.1} / {p95:.1} / {max:.1} ms"),
                "",
                "",
            );
        }
        if let Some(logs) = &self.logs {
            let stall = format!("< {STALL_TARGET_MS:.0} ms");
            row(
                &format!(
                    "logs {LOG_RATE}/s for {:.0} s (health check every {FORM_HEALTH_INTERVAL_SECS} s): longest gap between frames",
                    logs.seconds
                ),
                format!("{:.0} ms", logs.raf_max_ms),
                &stall,
                verdict(logs.raf_max_ms < STALL_TARGET_MS),
            );
            row(
                "  longest lateness of a 10 ms interval",
                format!("{:.0} ms", logs.late_max_ms),
                &stall,
                verdict(logs.late_max_ms < STALL_TARGET_MS),
            );
            row(
                &format!(
                    "  control, view closed, the same flood followed outside the app ({:.0} s, {} lines): gap / lateness",
                    logs.control_seconds, logs.control_lines
                ),
                format!(
                    "{:.0} / {:.0} ms",
                    logs.control_raf_max_ms, logs.control_late_max_ms
                ),
                "",
                "",
            );
            row(
                "  frames (of them longer than 50 ms)",
                format!("{} ({})", logs.frames, logs.slow_frames),
                "",
                "",
            );
            let long_gaps: Vec<String> = logs
                .long_gaps
                .iter()
                .map(|(at, gap)| format!("{gap:.0} ms at {at:.1} s"))
                .collect();
            row(
                "  gaps over 100 ms (when they ended, into the window)",
                if long_gaps.is_empty() {
                    "none".to_string()
                } else {
                    long_gaps.join(", ")
                },
                "",
                "",
            );
            row(
                "  PSS start -> end (growth)",
                format!(
                    "{:.1} -> {:.1} MiB ({:+.1} MiB)",
                    mib(logs.start_pss_kib),
                    mib(logs.end_pss_kib),
                    mib(logs.end_pss_kib) - mib(logs.start_pss_kib)
                ),
                "",
                "",
            );
            // The fixture adds one stderr line per ten on stdout.
            row(
                "  lines received in the window (rate)",
                format!(
                    "{} ({:.0}/s of {}/s sent)",
                    logs.received,
                    logs.received as f64 / logs.seconds,
                    LOG_RATE + LOG_RATE / 10
                ),
                "",
                "",
            );
            row(
                "  view counters at the end: lines / dropped",
                format!("{} / {}", logs.count, logs.dropped),
                "",
                "",
            );
        }

        let widths: Vec<usize> = (0..4)
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        let mut out = format!("UI benchmarks: {APP} through tauri-driver and WebKitWebDriver\n");
        for [what, figure, target, verdict] in &rows {
            let line = format!(
                "{what:<w0$}  {figure:>w1$}  {target:<w2$}  {verdict}",
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
        if let Some(idle) = &self.idle {
            out.push_str("idle PSS per process:\n");
            for process in idle {
                out.push_str(&format!(
                    "  {:>7}  {:<24} {:>8.1} MiB\n",
                    process.pid,
                    process.name,
                    mib(process.pss_kib)
                ));
            }
        }
        // Figures from a shared two-core machine or a software-rendered display need this context to be read.
        let webkit_env: Vec<String> = std::env::vars()
            .filter(|(key, _)| {
                ["WEBKIT_", "LIBGL_", "GALLIUM_", "GDK_"]
                    .iter()
                    .any(|p| key.starts_with(p))
            })
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        out.push_str(&format!(
            "display: {}, WebKit environment: {}\n",
            std::env::var("DISPLAY").unwrap_or_default(),
            if webkit_env.is_empty() {
                "defaults".to_string()
            } else {
                webkit_env.join(" ")
            }
        ));
        out.push_str(&format!(
            "cpus: {}, load average at start: {}, at end: {}\n",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            self.load_start,
            self.load_end
        ));
        if let Some(url) = &self.url {
            out.push_str(&format!(
                "page: {url}, bench page: {}\n",
                self.bench_url.as_deref().unwrap_or("-")
            ));
        }
        if let Some(failure) = failure {
            out.push_str(&format!("FAILED before the end: {failure}\n"));
        }
        out
    }
}
