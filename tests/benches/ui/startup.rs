//! Cold start: from the app's process starting to the first frame painted with the engine's data on Home (the
//! page's `swarmdeck-first-data` mark), a fresh app each time.

use std::time::Duration;

use serde_json::Value;
use swarmdeck_tests::app::Driver;
use swarmdeck_tests::{eventually, TestResult};

use crate::memory::app_processes;
use crate::report::Report;
use crate::APP;

const STARTS: usize = 3;

/// The page's first instant and the mark's time, both in wall-clock ms since the epoch, once the page has the mark.
const FIRST_DATA: &str = r#"
        const mark = performance.getEntriesByName("swarmdeck-first-data", "mark")[0];
        return mark ? [performance.timeOrigin, performance.timeOrigin + mark.startTime] : null;
    "#;

pub(crate) async fn cold_starts(driver: &Driver, report: &mut Report) -> TestResult {
    for _ in 0..STARTS {
        let page = driver.session(APP).await?;
        let measured = async {
            let (page_origin, painted) =
                eventually(Duration::from_secs(60), "the first data frame", || {
                    let page = page.clone();
                    async move {
                        let value: Value =
                            page.execute(FIRST_DATA, Vec::new()).await?.json().clone();
                        Ok(value[0].as_f64().zip(value[1].as_f64()))
                    }
                })
                .await?;
            let app = app_processes(driver)?
                .first()
                .map(|process| process.pid)
                .ok_or("no app process")?;
            let started = started_at_ms(app)?;
            TestResult::Ok((
                painted - started,
                (page_origin - started, painted - page_origin),
            ))
        }
        .await;
        page.quit().await?;
        let (total, split) = measured?;
        report.cold_start_ms.push(total);
        report.cold_start_split_ms.push(split);
    }
    Ok(())
}

/// When `pid` started, in ms since the epoch: its start in clock ticks after boot (/proc/<pid>/stat, field 22)
/// plus the boot time (/proc/stat `btime`). Good to the tick, 10 ms.
fn started_at_ms(pid: u32) -> TestResult<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after_name = stat
        .get(stat.rfind(')').ok_or("no name in stat")? + 1..)
        .unwrap_or_default();
    // The text after the name starts at field 3.
    let ticks: f64 = after_name
        .split_whitespace()
        .nth(19)
        .ok_or("no start time in stat")?
        .parse()?;
    let boot: f64 = std::fs::read_to_string("/proc/stat")?
        .lines()
        .find_map(|line| line.strip_prefix("btime "))
        .ok_or("no btime in /proc/stat")?
        .trim()
        .parse()?;
    Ok((boot + ticks / crate::memory::TICKS_PER_SECOND) * 1000.0)
}
