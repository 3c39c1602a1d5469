//! Memory and CPU time of the app and every process it started, and the machine's load around the run.

use std::collections::HashMap;

use swarmdeck_tests::app::Driver;
use swarmdeck_tests::TestResult;

pub(crate) struct Process {
    pub(crate) pid: u32,
    pub(crate) name: String,
    pub(crate) pss_kib: u64,
}

/// The `swarmdeck-app` started under this bench's tauri-driver, and all its descendants (WebKit's web and
/// network processes, their sandbox helpers), each with its PSS.
pub(crate) fn app_processes(driver: &Driver) -> TestResult<Vec<Process>> {
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

/// Clock ticks of /proc/<pid>/stat: USER_HZ, which the Linux ABI fixes at 100.
pub(crate) const TICKS_PER_SECOND: f64 = 100.0;

/// CPU time (user and system, every thread) the processes have used so far; one ended meanwhile counts nothing.
pub(crate) fn cpu_seconds(processes: &[Process]) -> f64 {
    let ticks: u64 = processes
        .iter()
        .filter_map(|process| {
            let stat = std::fs::read_to_string(format!("/proc/{}/stat", process.pid)).ok()?;
            let after_name = stat.get(stat.rfind(')')? + 1..)?;
            // Fields 14 and 15 (utime, stime); the text after the name starts at field 3.
            let mut fields = after_name.split_whitespace().skip(11);
            let user: u64 = fields.next()?.parse().ok()?;
            let system: u64 = fields.next()?.parse().ok()?;
            Some(user + system)
        })
        .sum();
    ticks as f64 / TICKS_PER_SECOND
}

pub(crate) fn total_kib(processes: &[Process]) -> u64 {
    processes.iter().map(|p| p.pss_kib).sum()
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg has them.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

pub(crate) fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
