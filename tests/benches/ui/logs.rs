//! The log follow scenario: a fixture printing 2,000 lines/s followed in the logs view, against a control with
//! the view closed.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use swarmdeck_orchestrator::{HealthCheck, LogQuery, Orchestrator};
use swarmdeck_tests::app::{attribute_of, click, text_of, Driver};
use swarmdeck_tests::{fixture_health_check, fixture_request, TestResult};
use thirtyfour::prelude::*;
use tokio_util::sync::CancellationToken;

use crate::deploy_on_home;
use crate::memory::{app_processes, total_kib};
use crate::report::{LogFigures, Report};
use crate::{pairs, CONTROL_WINDOW, FORM_HEALTH_INTERVAL_SECS, LOG_RATE, LOG_WINDOW};

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

/// Follows the logs of a fixture printing 2,000 lines/s for a minute: stalls, memory growth, lines received.
pub(crate) async fn logs(
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
    // The page was loaded afresh for this scenario, so it shows the engine's topology, with this service.
    let service = deploy_on_home(orchestrator, &request, page).await?;
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
