//! The local cluster on this machine: `cluster up` of 1 manager + 2 workers from a warm machine (the fixture image
//! built, no node running), the memory each extra node takes (PSS of its engine and everything under it), and
//! `cluster down`. Run with `make bench`; the figures go to stdout and `target/bench/cluster.txt`.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use swarmdeck_orchestrator::{ClusterRequest, Error, CLUSTER_DIR_ENV};
use swarmdeck_tests::{engine, TestResult, FIXTURE_REPO};

const WORKERS: u32 = 2;
const UP_GOAL_SECS: f64 = 30.0;
const PSS_GOAL_MIB: f64 = 150.0;
const DOWN_GOAL_SECS: f64 = 10.0;

#[tokio::main]
async fn main() -> TestResult {
    let core = engine().await?;
    // From nothing: a cluster left by an earlier run would make `up` a no-op.
    match core.cluster_down(None).await {
        Err(Error::Unsupported { reason, .. }) => {
            println!("local cluster benchmark skipped: {reason}");
            return Ok(());
        }
        other => other?,
    };
    let request = ClusterRequest {
        workers: WORKERS,
        images: vec![format!("{FIXTURE_REPO}:v1")],
    };
    let started = Instant::now();
    let up = core.cluster_up(&request, None).await;
    let up_secs = started.elapsed().as_secs_f64();
    let measured = match up {
        Ok(status) => node_pss_mib(status.nodes.iter().filter_map(|n| n.local_node.clone())),
        Err(error) => Err(error.into()),
    };
    let started = Instant::now();
    let down = core.cluster_down(None).await?;
    let down_secs = started.elapsed().as_secs_f64();
    let pss = measured?;
    if !down.leftovers.is_empty() {
        return Err(format!("cluster down left {:?}", down.leftovers).into());
    }
    let mut figures = format!(
        "local cluster: 1 manager (this engine) + {WORKERS} namespace workers, fixture image copied to each\n\
         cluster up: {up_secs:.1} s (goal < {UP_GOAL_SECS} s: {})\n",
        verdict(up_secs < UP_GOAL_SECS)
    );
    for (node, mib) in &pss {
        figures.push_str(&format!(
            "memory of {node} (PSS, engine and everything under it): {mib:.0} MiB (goal < {PSS_GOAL_MIB} MiB: {})\n",
            verdict(*mib < PSS_GOAL_MIB)
        ));
    }
    figures.push_str(&format!(
        "cluster down: {down_secs:.1} s (goal < {DOWN_GOAL_SECS} s: {})\n",
        verdict(down_secs < DOWN_GOAL_SECS)
    ));
    print!("{figures}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("cluster.txt"), &figures)?;
    Ok(())
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "missed"
    }
}

/// PSS of each node's engine and every process under it, by node name.
fn node_pss_mib(nodes: impl Iterator<Item = String>) -> TestResult<Vec<(String, f64)>> {
    let dir = std::env::var_os(CLUSTER_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/swarmdeck/cluster"));
    let parents = parent_map()?;
    let mut figures = Vec::new();
    for node in nodes {
        let pid: u32 = std::fs::read_to_string(dir.join(&node).join("dockerd.pid"))?
            .trim()
            .parse()?;
        let mut tree = BTreeSet::from([pid]);
        // Shims detach from the engine's tree, but name the node's containerd namespace.
        for (child, _) in parents.iter() {
            let cmdline = std::fs::read(format!("/proc/{child}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&format!("-namespace\0{node}\0")) {
                tree.insert(*child);
            }
        }
        loop {
            let before = tree.len();
            for (child, parent) in &parents {
                if tree.contains(parent) {
                    tree.insert(*child);
                }
            }
            if tree.len() == before {
                break;
            }
        }
        let kib: u64 = tree.iter().map(|pid| pss_kib(*pid)).sum();
        figures.push((node, kib as f64 / 1024.0));
    }
    Ok(figures)
}

/// Every process's parent.
fn parent_map() -> TestResult<HashMap<u32, u32>> {
    let mut parents = HashMap::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses: the fields start after the last ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        if let Some(parent) = fields.get(1).and_then(|p| p.parse().ok()) {
            parents.insert(pid, parent);
        }
    }
    Ok(parents)
}

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|rollup| {
            rollup
                .lines()
                .find_map(|line| line.strip_prefix("Pss:"))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}
