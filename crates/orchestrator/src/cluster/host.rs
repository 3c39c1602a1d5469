//! The host side of a local cluster: each extra node is a dockerd in a network namespace of its own, with its own
//! hostname, wired to one bridge on this host (`../shared/guides/multinode.md`). Everything made here is named so
//! that `cluster down` finds it again from nothing but the host's state: a killed `cluster up` leaves nothing that
//! a later `down` cannot see.
//!
//! These are host operations (namespaces, links, iptables, processes), so they run `ip`, `iptables`, `nsenter`,
//! `unshare` and `dockerd`; the engines themselves are only ever spoken to through their API.
//!
//! The file is long because every host-side piece of a node (namespace, link, bridge, rule, engine process,
//! mounts, directory) is made and found again here, each beside its undo.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::process::Command;
use tracing::{debug, info};

use crate::error::{Error, Result};
use crate::retry::wait_until;

/// The bridge every node's link hangs on; the host is its gateway.
pub(super) const BRIDGE: &str = "swarmdeck0";
const BRIDGE_ADDRESS: Ipv4Addr = Ipv4Addr::new(10, 79, 0, 1);
const PREFIX_LEN: u8 = 24;
/// Node `n` (from 1) gets `10.79.0.(NODE_OFFSET + n)`.
const NODE_OFFSET: u8 = 10;
/// Node numbers stay within the bridge's /24.
pub(super) const MAX_NODES: u32 = 200;
/// Names of everything a node owns start with this: namespace, hostname, directory.
pub(super) const NODE_PREFIX: &str = "swarmdeck-node-";
/// Host-side link names are limited to 15 characters.
const LINK_PREFIX: &str = "sdnode";
/// Where node engines keep their data unless `SWARMDECK_CLUSTER_DIR` says otherwise.
const DEFAULT_STATE_DIR: &str = "/var/lib/swarmdeck/cluster";
/// Environment variable that moves the nodes' data.
pub const CLUSTER_DIR_ENV: &str = "SWARMDECK_CLUSTER_DIR";
/// How long a node's engine may take to stop before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(200);

/// One node's names and places on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NodeSlot {
    pub number: u32,
}

impl NodeSlot {
    pub fn name(&self) -> String {
        format!("{NODE_PREFIX}{}", self.number)
    }

    pub fn address(&self) -> Ipv4Addr {
        let last = u8::try_from(self.number).unwrap_or(u8::MAX);
        Ipv4Addr::new(10, 79, 0, NODE_OFFSET.saturating_add(last))
    }

    fn host_link(&self) -> String {
        format!("{LINK_PREFIX}{}", self.number)
    }

    fn inner_link(&self) -> String {
        format!("{LINK_PREFIX}{}p", self.number)
    }

    pub fn dir(&self) -> PathBuf {
        state_dir().join(self.name())
    }

    /// `unix://…` of the node's engine.
    pub fn socket(&self) -> String {
        format!("unix://{}", self.dir().join("docker.sock").display())
    }

    fn pidfile(&self) -> PathBuf {
        self.dir().join("dockerd.pid")
    }

    pub fn log(&self) -> PathBuf {
        self.dir().join("dockerd.log")
    }
}

pub(super) fn state_dir() -> PathBuf {
    std::env::var_os(CLUSTER_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_DIR))
}

/// The node number a name like `swarmdeck-node-3` (or link `sdnode3`) carries.
pub(super) fn node_number(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?.parse().ok()
}

/// Why this host cannot run namespace nodes, or `None` when it can.
pub(super) async fn unsupported_reason() -> Option<String> {
    // std has no geteuid; the effective uid is the second field of `Uid:`.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        == Some("0");
    if !root {
        return Some(
            "local cluster nodes are engines in network namespaces, which only root can create; run as root \
             (sudo) on Linux"
                .into(),
        );
    }
    for program in ["ip", "iptables", "nsenter", "unshare", "dockerd"] {
        if which(program).is_none() {
            return Some(format!(
                "`{program}` is not installed; on Debian: apt-get install iproute2 iptables util-linux docker.io"
            ));
        }
    }
    None
}

fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

async fn run(program: &str, args: &[&str]) -> Result<String> {
    debug!(program, ?args, "host command");
    let output = Command::new(program)
        .args(args)
        .output()
        .await
        .map_err(|error| host_error(program, args, &error.to_string()))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(host_error(
            program,
            args,
            String::from_utf8_lossy(&output.stderr).trim(),
        ))
    }
}

/// Runs a command whose failure only means there was nothing to remove.
async fn run_quietly(program: &str, args: &[&str]) {
    if let Err(error) = run(program, args).await {
        debug!(%error, "nothing to undo");
    }
}

fn host_error(program: &str, args: &[&str], reason: &str) -> Error {
    Error::Host {
        command: format!("{program} {}", args.join(" ")),
        reason: reason.to_string(),
    }
}

const FORWARD_RULE: [&str; 6] = ["-i", BRIDGE, "-o", BRIDGE, "-j", "ACCEPT"];

/// The bridge and the one forwarding rule node-to-node traffic needs (Docker's FORWARD policy drops the rest).
pub(super) async fn ensure_bridge() -> Result<()> {
    if !link_exists(BRIDGE).await {
        run("ip", &["link", "add", BRIDGE, "type", "bridge"]).await?;
        let address = format!("{BRIDGE_ADDRESS}/{PREFIX_LEN}");
        run("ip", &["addr", "add", &address, "dev", BRIDGE]).await?;
    }
    run("ip", &["link", "set", BRIDGE, "up"]).await?;
    let mut check = vec!["-C", "FORWARD"];
    check.extend(FORWARD_RULE);
    if run("iptables", &check).await.is_err() {
        let mut insert = vec!["-I", "FORWARD"];
        insert.extend(FORWARD_RULE);
        run("iptables", &insert).await?;
    }
    Ok(())
}

/// Removes the bridge and its forwarding rule (every copy of it).
pub(super) async fn remove_bridge() {
    let mut delete = vec!["-D", "FORWARD"];
    delete.extend(FORWARD_RULE);
    while run("iptables", &delete).await.is_ok() {}
    run_quietly("ip", &["link", "del", BRIDGE]).await;
}

async fn link_exists(name: &str) -> bool {
    run("ip", &["link", "show", name]).await.is_ok()
}

/// The namespace, its link on the bridge, its address and its route out through the host.
pub(super) async fn create_namespace(slot: &NodeSlot) -> Result<()> {
    let namespace = slot.name();
    let (host_link, inner_link) = (slot.host_link(), slot.inner_link());
    run("ip", &["netns", "add", &namespace]).await?;
    run(
        "ip",
        &[
            "link",
            "add",
            &host_link,
            "type",
            "veth",
            "peer",
            "name",
            &inner_link,
        ],
    )
    .await?;
    run("ip", &["link", "set", &host_link, "master", BRIDGE]).await?;
    run("ip", &["link", "set", &host_link, "up"]).await?;
    run("ip", &["link", "set", &inner_link, "netns", &namespace]).await?;
    let address = format!("{}/{PREFIX_LEN}", slot.address());
    let gateway = BRIDGE_ADDRESS.to_string();
    let inside: [&[&str]; 4] = [
        &["addr", "add", &address, "dev", &inner_link],
        &["link", "set", &inner_link, "up"],
        &["link", "set", "lo", "up"],
        &["route", "add", "default", "via", &gateway],
    ];
    for args in inside {
        let mut all = vec!["netns", "exec", namespace.as_str(), "ip"];
        all.extend_from_slice(args);
        run("ip", &all).await?;
    }
    Ok(())
}

/// Takes the node's link on the bridge down (a partition: the node's engine and tasks run on, unreachable) or
/// brings it up again.
pub(super) async fn set_connected(slot: &NodeSlot, connected: bool) -> Result<()> {
    let state = if connected { "up" } else { "down" };
    run("ip", &["link", "set", &slot.host_link(), state])
        .await
        .map(drop)
}

/// Whether the node's link on the bridge is down: a partition drill is under way.
pub(super) async fn is_cut_off(slot: &NodeSlot) -> bool {
    let Ok(shown) = run("ip", &["-o", "link", "show", &slot.host_link()]).await else {
        return false;
    };
    let flags = shown
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(flags, _)| flags)
        .unwrap_or_default();
    !flags.split(',').any(|flag| flag == "UP")
}

/// Starts the node's engine in its namespace, under its own hostname, detached from this process so that it
/// outlives the command that started it.
pub(super) async fn start_engine(slot: &NodeSlot, label: &str) -> Result<()> {
    let dir = slot.dir();
    for sub in ["data", "exec"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(|error| Error::Host {
            command: format!("mkdir {}", dir.join(sub).display()),
            reason: error.to_string(),
        })?;
    }
    let log = std::fs::File::create(slot.log()).map_err(|error| Error::Host {
        command: format!("create {}", slot.log().display()),
        reason: error.to_string(),
    })?;
    let stderr = log.try_clone().map_err(|error| Error::Host {
        command: "dup log".into(),
        reason: error.to_string(),
    })?;
    let script = format!(
        "hostname {name} && exec dockerd --data-root {data} --exec-root {exec} --pidfile {pid} -H {socket} \
         --bridge none --label {label}={name} --containerd-namespace {name} \
         --containerd-plugins-namespace {name}-plugins",
        name = slot.name(),
        data = dir.join("data").display(),
        exec = dir.join("exec").display(),
        pid = slot.pidfile().display(),
        socket = slot.socket(),
    );
    let netns = format!("--net=/var/run/netns/{}", slot.name());
    // Its own containerd namespaces: where a system containerd runs, every engine shares it, and an engine cleans
    // up whatever containers of its namespace it does not know.
    // setsid: Ctrl-C in the terminal that ran `cluster up` must not reach the node's engine.
    // nsenter, not `ip netns exec`, which remounts /sys so that dockerd finds no cgroups.
    Command::new("setsid")
        .args(["nsenter", &netns, "unshare", "--uts", "sh", "-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(stderr)
        .spawn()
        .map_err(|error| Error::Host {
            command: "setsid nsenter … dockerd".into(),
            reason: error.to_string(),
        })?;
    info!(node = %slot.name(), "node engine started");
    Ok(())
}

/// Stops the node's engine (SIGTERM, then SIGKILL after a grace period) and waits until it is gone. The engine
/// is found by its data directory in its command line, not by its pidfile: an engine whose `up` was killed may
/// not have written one yet.
pub(super) async fn stop_engine(slot: &NodeSlot) {
    let marker = slot.dir().join("data").display().to_string();
    let pids = processes_mentioning(&marker);
    if pids.is_empty() {
        return;
    }
    for pid in &pids {
        run_quietly("kill", &[&pid.to_string()]).await;
    }
    let gone = || {
        let marker = marker.clone();
        async move { Ok(processes_mentioning(&marker).is_empty().then_some(())) }
    };
    if wait_until(STOP_GRACE, POLL, "the node engine to stop", gone)
        .await
        .is_err()
    {
        for pid in processes_mentioning(&marker) {
            run_quietly("kill", &["-9", &pid.to_string()]).await;
        }
        if let Err(error) =
            wait_until(STOP_GRACE, POLL, "the killed node engine to exit", gone).await
        {
            debug!(%error, "node engine outlived SIGKILL");
        }
    }
}

/// Processes whose command line contains `marker`.
fn processes_mentioning(marker: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|cmdline| {
                    String::from_utf8_lossy(&cmdline)
                        .replace('\0', " ")
                        .contains(marker)
                })
                .unwrap_or(false)
        })
        .collect()
}

/// Removes the namespace, its links and its directory; whatever of them exists.
pub(super) async fn remove_node(slot: &NodeSlot) -> Result<()> {
    stop_engine(slot).await;
    run_quietly("ip", &["netns", "del", &slot.name()]).await;
    run_quietly("ip", &["link", "del", &slot.host_link()]).await;
    unmount_below(&slot.dir()).await;
    match std::fs::remove_dir_all(slot.dir()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(Error::Host {
            command: format!("rm -r {}", slot.dir().display()),
            reason: error.to_string(),
        }),
    }
}

/// An engine killed with -9 leaves its mounts (overlay layers, netns files) under its roots.
async fn unmount_below(dir: &Path) {
    let prefix = dir.display().to_string();
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mut points: Vec<&str> = mounts
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .filter(|point| point.starts_with(&prefix))
        .collect();
    // Deepest first, so that nothing is still mounted under a point being unmounted.
    points.sort_by_key(|point| std::cmp::Reverse(point.len()));
    for point in points {
        run_quietly("umount", &["-l", point]).await;
    }
}

/// Every node slot this host has anything of: a directory, a namespace or a link.
pub(super) async fn existing_slots() -> Vec<NodeSlot> {
    let mut numbers = std::collections::BTreeSet::new();
    if let Ok(entries) = std::fs::read_dir(state_dir()) {
        for entry in entries.flatten() {
            if let Some(number) = node_number(&entry.file_name().to_string_lossy(), NODE_PREFIX) {
                numbers.insert(number);
            }
        }
    }
    if let Ok(namespaces) = run("ip", &["netns", "list"]).await {
        for line in namespaces.lines() {
            let name = line.split_whitespace().next().unwrap_or_default();
            if let Some(number) = node_number(name, NODE_PREFIX) {
                numbers.insert(number);
            }
        }
    }
    if let Ok(links) = run("ip", &["-o", "link", "show"]).await {
        for line in links.lines() {
            let name = line
                .split(':')
                .nth(1)
                .map(|name| name.trim().split('@').next().unwrap_or_default())
                .unwrap_or_default();
            if let Some(number) = node_number(name, LINK_PREFIX) {
                numbers.insert(number);
            }
        }
    }
    numbers
        .into_iter()
        .map(|number| NodeSlot { number })
        .collect()
}

/// Whether the host still has the bridge or its rule: what `down` must also remove.
pub(super) async fn bridge_left() -> bool {
    let mut check = vec!["-C", "FORWARD"];
    check.extend(FORWARD_RULE);
    link_exists(BRIDGE).await || run("iptables", &check).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_name_their_parts_within_the_kernel_limits() {
        let slot = NodeSlot { number: MAX_NODES };
        assert!(slot.host_link().len() <= 15 && slot.inner_link().len() <= 15);
        assert_eq!(slot.address(), Ipv4Addr::new(10, 79, 0, 210));
        assert_eq!(node_number(&slot.name(), NODE_PREFIX), Some(MAX_NODES));
        assert_eq!(node_number(&slot.host_link(), LINK_PREFIX), Some(MAX_NODES));
        assert_eq!(node_number("sdnode3p", LINK_PREFIX), None);
        assert_eq!(node_number("swarmdeck-node-x", NODE_PREFIX), None);
    }
}
