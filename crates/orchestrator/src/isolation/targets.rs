//! What the probes try: every service and plain container attached to the organizations' networks, with the
//! addresses and names each can be reached by.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bollard::models::{Network, Service};
use bollard::query_parameters::ListContainersOptions;

use crate::error::Result;
use crate::naming::{self, label, MANAGED_BY};
use crate::Orchestrator;

use super::probe::PROBE_LABEL;
use super::types::ProbeMethod;

/// A reachable endpoint of a service on one network.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) org: String,
    pub(super) service: String,
    pub(super) slug: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) vips: Vec<String>,
    pub(super) task_ips: Vec<String>,
    /// The address of the host each task IP lives on, where the engine said.
    pub(super) task_hosts: HashMap<String, String>,
    /// Its addresses on other organizations' networks (it bridges them): its own organization cannot reach
    /// those, so they are no control for it.
    pub(super) foreign: BTreeSet<String>,
    /// A plain container rather than a service: it has no `tasks.` name.
    pub(super) container: bool,
}

impl Target {
    /// Every address of the service on every network: a name that resolves to one of them reached it.
    pub(super) fn addresses(&self) -> BTreeSet<&str> {
        self.vips
            .iter()
            .chain(&self.task_ips)
            .map(String::as_str)
            .collect()
    }

    pub(super) fn plan(&self) -> Vec<(ProbeMethod, String)> {
        let mut plan = Vec::new();
        if let Some(port) = self.port {
            plan.extend(
                self.task_ips
                    .iter()
                    .map(|ip| (ProbeMethod::TaskIp, format!("{ip}:{port}"))),
            );
            plan.extend(
                self.vips
                    .iter()
                    .map(|ip| (ProbeMethod::VirtualIp, format!("{ip}:{port}"))),
            );
        }
        if let Some(slug) = &self.slug {
            plan.push((ProbeMethod::DnsSlug, slug.clone()));
            plan.push((ProbeMethod::DnsInternal, format!("{slug}.internal")));
        }
        if !self.container {
            plan.push((ProbeMethod::DnsTasks, format!("tasks.{}", self.service)));
        }
        plan
    }
}

impl Orchestrator {
    /// Plain containers (not swarm tasks, not our probes) attached to the organizations' networks on this host,
    /// in one list call per organization.
    pub(super) async fn attached_containers(
        &self,
        orgs: &[String],
        org_networks: &BTreeMap<String, Network>,
    ) -> Result<Vec<AttachedContainer>> {
        let mut by_id: BTreeMap<String, AttachedContainer> = BTreeMap::new();
        for org in orgs {
            let network_name = naming::network_name(org);
            let Some(network_id) = org_networks.get(org).and_then(|n| n.id.clone()) else {
                continue;
            };
            let options = ListContainersOptions {
                filters: Some(HashMap::from([("network".to_string(), vec![network_id])])),
                ..Default::default()
            };
            for container in self.docker.list_containers(Some(options)).await? {
                let labels = container.labels.clone().unwrap_or_default();
                if labels.contains_key("com.docker.swarm.task.id")
                    || labels.contains_key(PROBE_LABEL)
                {
                    continue;
                }
                let Some(id) = container.id.clone() else {
                    continue;
                };
                let address = container
                    .network_settings
                    .as_ref()
                    .and_then(|n| n.networks.as_ref()?.get(&network_name)?.ip_address.clone())
                    .filter(|ip| !ip.is_empty());
                let Some(address) = address else {
                    continue;
                };
                let entry = by_id.entry(id).or_insert_with(|| AttachedContainer {
                    name: container
                        .names
                        .as_ref()
                        .and_then(|n| n.first())
                        .map(|n| n.trim_start_matches('/').to_string())
                        .unwrap_or_default(),
                    port: container
                        .ports
                        .as_ref()
                        .and_then(|p| p.first())
                        .map(|p| p.private_port),
                    addresses: BTreeMap::new(),
                });
                entry.addresses.insert(org.clone(), address);
            }
        }
        Ok(by_id.into_values().collect())
    }
}

/// Organization networks by org id, found by our label and exact name.
pub(super) fn org_networks(networks: &[Network]) -> BTreeMap<String, Network> {
    networks
        .iter()
        .filter_map(|network| {
            let labels = network.labels.as_ref()?;
            let org = labels.get(label::NETWORK_ORG)?;
            (labels.get(label::MANAGED_BY).map(String::as_str) == Some(MANAGED_BY)
                && network.name.as_deref() == Some(naming::network_name(org).as_str()))
            .then(|| (org.clone(), network.clone()))
        })
        .collect()
}

/// A service's addresses on each organization network it is attached to: organization → (virtual IPs, task IPs).
type AddressesByOrg = BTreeMap<String, (Vec<String>, Vec<String>)>;

/// A plain container attached to organization networks (`docker network connect`), as seen on this host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AttachedContainer {
    name: String,
    port: Option<u16>,
    /// Its address on each organization's network, by organization.
    addresses: BTreeMap<String, String>,
}

/// Everything reachable in each organization's network, as probe targets. Whatever is attached to an
/// organization's network is part of that organization's surface, whoever made it: a service or container on the
/// networks of several organizations (a bridge) is a target of each of them, with its addresses on the other
/// networks marked foreign (no control for that organization). Our services are also targets of their own
/// organization, attached or not, so their names are tried.
pub(super) fn targets<'a>(
    services: &[Service],
    verbose: impl Iterator<Item = (&'a str, &'a HashMap<String, serde_json::Value>)>,
    containers: &[AttachedContainer],
) -> Vec<Target> {
    let mut attached: BTreeMap<String, AddressesByOrg> = BTreeMap::new();
    let mut task_hosts: HashMap<String, String> = HashMap::new();
    for (network_org, entries) in verbose {
        for (name, entry) in entries {
            let vips: Vec<String> = entry
                .get("VIP")
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(|v| v.split('/').next().unwrap_or(v).to_string())
                .into_iter()
                .collect();
            let tasks: Vec<&serde_json::Value> = entry
                .get("Tasks")
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
                .collect();
            let task_ips: Vec<String> = tasks
                .iter()
                .filter_map(|task| task.get("EndpointIP")?.as_str())
                .filter(|ip| !ip.is_empty())
                .map(str::to_string)
                .collect();
            for task in &tasks {
                let ip = task.get("EndpointIP").and_then(|ip| ip.as_str());
                let host = task
                    .get("Info")
                    .and_then(|info| info.get("Host IP"))
                    .and_then(|host| host.as_str());
                if let (Some(ip), Some(host)) = (ip, host) {
                    task_hosts.insert(ip.to_string(), host.to_string());
                }
            }
            attached
                .entry(name.clone())
                .or_default()
                .insert(network_org.to_string(), (vips, task_ips));
        }
    }
    let mut found = Vec::new();
    for service in services {
        let Some(spec) = service.spec.as_ref() else {
            continue;
        };
        let Some(name) = spec.name.clone() else {
            continue;
        };
        let labels = spec.labels.clone().unwrap_or_default();
        let ours = labels.get(label::MANAGED_BY).map(String::as_str) == Some(MANAGED_BY);
        let home = labels.get(label::ORG).filter(|_| ours).cloned();
        let networks = attached.remove(&name).unwrap_or_default();
        let port = if ours {
            labels
                .get(label::INTERNAL_PORT)
                .and_then(|p| p.parse().ok())
        } else {
            spec.endpoint_spec
                .as_ref()
                .and_then(|e| e.ports.as_ref()?.first()?.target_port)
                .and_then(|p| u16::try_from(p).ok())
        };
        let owners: BTreeSet<String> = home
            .iter()
            .cloned()
            .chain(networks.keys().cloned())
            .collect();
        for owner in owners {
            let mut target = Target {
                org: owner.clone(),
                service: name.clone(),
                // Aliases live on the home organization's network only.
                slug: labels
                    .get(label::SLUG)
                    .filter(|_| home.as_ref() == Some(&owner))
                    .cloned(),
                port,
                vips: Vec::new(),
                task_ips: Vec::new(),
                task_hosts: HashMap::new(),
                foreign: BTreeSet::new(),
                container: false,
            };
            for (network_org, (vips, task_ips)) in &networks {
                target.vips.extend(vips.iter().cloned());
                target.task_ips.extend(task_ips.iter().cloned());
                for ip in task_ips {
                    if let Some(host) = task_hosts.get(ip) {
                        target.task_hosts.insert(ip.clone(), host.clone());
                    }
                }
                if *network_org != owner {
                    target.foreign.extend(vips.iter().chain(task_ips).cloned());
                }
            }
            found.push(target);
        }
    }
    for container in containers {
        for owner in container.addresses.keys() {
            found.push(Target {
                org: owner.clone(),
                service: container.name.clone(),
                slug: None,
                port: container.port,
                vips: Vec::new(),
                task_ips: container.addresses.values().cloned().collect(),
                // Plain containers are found on the manager's engine only.
                task_hosts: HashMap::new(),
                foreign: container
                    .addresses
                    .iter()
                    .filter(|(org, _)| *org != owner)
                    .map(|(_, ip)| ip.clone())
                    .collect(),
                container: true,
            });
        }
    }
    found
}

/// The probe arguments: every attempt once, whoever it serves as evidence for.
pub(super) fn distinct_plan(targets: &[Target]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut plan = Vec::new();
    for target in targets {
        for (method, address) in target.plan() {
            let attempt = match method {
                ProbeMethod::TaskIp | ProbeMethod::TaskIpOtherNode | ProbeMethod::VirtualIp => {
                    format!("tcp:{address}")
                }
                _ => format!("dns:{address}"),
            };
            if seen.insert(attempt.clone()) {
                plan.push(attempt);
            }
        }
    }
    plan
}

pub(super) fn subnets_of(network: &Network) -> Vec<String> {
    network
        .ipam
        .as_ref()
        .and_then(|ipam| ipam.config.as_ref())
        .map(|configs| configs.iter().filter_map(|c| c.subnet.clone()).collect())
        .unwrap_or_default()
}
