//! The report: every figure next to its target, and the context needed to read the figures. Long (over 400 lines)
//! because each scenario's rows are laid out here, together, so every figure reads the same way.

use crate::memory::{mib, total_kib, Process};
use crate::{
    APP, COLD_START_TARGET_MS, ECHO_TARGET_MS, EVENT_TARGET_MS, FIRST_PAINT_TARGET_MS,
    FORM_HEALTH_INTERVAL_SECS, IDLE, IDLE_PSS_TARGET_MIB, LOG_RATE, ORGS, PAN, SERVICES_PER_ORG,
    STALL_TARGET_MS, WATCH_CPU_TARGET_PERCENT,
};

pub(crate) struct LogFigures {
    pub(crate) control_raf_max_ms: f64,
    pub(crate) control_late_max_ms: f64,
    pub(crate) control_seconds: f64,
    /// Lines the control's own follow read.
    pub(crate) control_lines: u64,
    pub(crate) raf_max_ms: f64,
    /// (seconds into the window, gap in ms) of every gap between frames over 100 ms.
    pub(crate) long_gaps: Vec<(f64, f64)>,
    pub(crate) frames: u64,
    pub(crate) slow_frames: u64,
    pub(crate) late_max_ms: f64,
    pub(crate) seconds: f64,
    pub(crate) received: u64,
    pub(crate) count: u64,
    pub(crate) dropped: u64,
    pub(crate) start_pss_kib: u64,
    pub(crate) end_pss_kib: u64,
}

/// The app over one window of the resources scenario.
pub(crate) struct WatchFigures {
    pub(crate) seconds: f64,
    /// Every app process together, in percent of one core.
    pub(crate) cpu_percent: f64,
    pub(crate) calls_per_second: f64,
}

pub(crate) struct ResourceFigures {
    pub(crate) tasks: usize,
    /// Engine stats streams open while the Home tables showed the figures.
    pub(crate) streams: usize,
    pub(crate) watching: WatchFigures,
    pub(crate) control: WatchFigures,
    pub(crate) echo_ms: Vec<f64>,
}

#[derive(Default)]
pub(crate) struct Report {
    pub(crate) load_start: String,
    pub(crate) load_end: String,
    pub(crate) url: Option<String>,
    pub(crate) bench_url: Option<String>,
    pub(crate) idle: Option<Vec<Process>>,
    pub(crate) first_paint_ms: Vec<f64>,
    pub(crate) command_ms: Vec<f64>,
    pub(crate) command_services: Option<u64>,
    pub(crate) pan_ms: Vec<f64>,
    pub(crate) logs: Option<LogFigures>,
    pub(crate) resources: Option<ResourceFigures>,
    pub(crate) cold_start_ms: Vec<f64>,
    /// Of each cold start, the part before the page's own clock started (the process, its window and WebKit's
    /// processes), and the part after (the page loading, asking the engine and painting).
    pub(crate) cold_start_split_ms: Vec<(f64, f64)>,
    pub(crate) event_ms: Vec<f64>,
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
    pub(crate) fn render(&self, failure: Option<String>) -> String {
        let mut rows: Vec<[String; 4]> = Vec::new();
        let mut row = |what: &str, figure: String, target: &str, verdict: &str| {
            rows.push([what.into(), figure, target.into(), verdict.into()]);
        };
        if let Some(start) = median(&self.cold_start_ms) {
            row(
                &format!(
                    "cold start, process start -> first frame with the engine's data on Home (median of {})",
                    self.cold_start_ms.len()
                ),
                format!("{start:.0} ms"),
                &format!("< {COLD_START_TARGET_MS:.0} ms"),
                verdict(start < COLD_START_TARGET_MS),
            );
            row(
                "  runs",
                format!("{} ms", ms_list(&self.cold_start_ms)),
                "",
                "",
            );
            let before: Vec<f64> = self
                .cold_start_split_ms
                .iter()
                .map(|split| split.0)
                .collect();
            let after: Vec<f64> = self
                .cold_start_split_ms
                .iter()
                .map(|split| split.1)
                .collect();
            if let (Some(before), Some(after)) = (median(&before), median(&after)) {
                row(
                    "  of which: to the page's first instant / page to data painted (medians)",
                    format!("{before:.0} / {after:.0} ms"),
                    "",
                    "",
                );
            }
        }
        if let (Some(p50), Some(p95)) = (median(&self.event_ms), percentile(&self.event_ms, 95.0)) {
            row(
                &format!(
                    "engine event (a scale) -> change painted on Home, {} events: p50 / p95",
                    self.event_ms.len()
                ),
                format!("{p50:.0} / {p95:.0} ms"),
                &format!("p95 < {EVENT_TARGET_MS:.0} ms"),
                verdict(p95 < EVENT_TARGET_MS),
            );
        }
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
        if let Some(resources) = &self.resources {
            let (watching, control) = (&resources.watching, &resources.control);
            row(
                &format!(
                    "{} running tasks' figures on the Home tables for {:.0} s: app CPU, all processes",
                    resources.tasks, watching.seconds
                ),
                format!("{:.1} % of a core", watching.cpu_percent),
                &format!("< {WATCH_CPU_TARGET_PERCENT:.0} %"),
                verdict(watching.cpu_percent < WATCH_CPU_TARGET_PERCENT),
            );
            row(
                &format!(
                    "  engine calls per second (stats streams open: {})",
                    resources.streams
                ),
                format!("{:.2}/s", watching.calls_per_second),
                "",
                "",
            );
            row(
                "  control, Deploy tab (no figures, streams closed): app CPU / engine calls",
                format!(
                    "{:.1} % / {:.2}/s",
                    control.cpu_percent, control.calls_per_second
                ),
                "",
                "",
            );
        }
        if let (Some(p50), Some(p95), Some(max)) =
            self.resources.as_ref().map_or((None, None, None), |r| {
                (
                    median(&r.echo_ms),
                    percentile(&r.echo_ms, 95.0),
                    percentile(&r.echo_ms, 100.0),
                )
            })
        {
            row(
                &format!(
                    "console keystroke echo, {} keys through the counting proxy: median / p95 / max",
                    self.resources.as_ref().map_or(0, |r| r.echo_ms.len())
                ),
                format!("{p50:.1} / {p95:.1} / {max:.1} ms"),
                &format!("p95 < {ECHO_TARGET_MS:.0} ms"),
                verdict(p95 < ECHO_TARGET_MS),
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
