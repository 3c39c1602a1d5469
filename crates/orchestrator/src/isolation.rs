//! The isolation check: proves with real traffic that one organization cannot reach another.
//!
//! One probe container per source organization joins that organization's network and tries every target at
//! once: task IPs and virtual IPs on the internal port, and the DNS names of each service. The same probes
//! towards the organization's own services are the positive controls; a cell is `isolated` only when its controls
//! passed and every crossing attempt failed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, EndpointPortConfigPublishModeEnum, HostConfig, Network, Service,
};
use bollard::query_parameters::{
    BuildImageOptions, CreateContainerOptions, InspectNetworkOptions, ListContainersOptions,
    ListNetworksOptions, ListServicesOptions, LogsOptions, RemoveContainerOptions,
    WaitContainerOptions,
};
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::naming::{self, label, MANAGED_BY};
use crate::retry::{retry_transient, Backoff};
use crate::{lease, validate, Orchestrator};

/// The probe program, compiled by build.rs.
const PROBE_BINARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/swarmdeck-probe"));
/// Repository of the probe image; the tag is the binary's hash, so a changed probe gets a new image.
const PROBE_REPO: &str = "swarmdeck-probe";
/// Label on probe containers, naming the source organization.
const PROBE_LABEL: &str = "io.swarmdeck.probe";
/// Probes older than this are leftovers of a crashed check.
const STALE_PROBE_AGE: Duration = Duration::from_secs(600);
/// Retries of a probe's removal: about a minute, enough for an engine to restart.
const PROBE_REMOVAL: Backoff = Backoff {
    initial: Duration::from_millis(500),
    max_delay: Duration::from_secs(5),
    attempts: 16,
};

/// How a target was tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeMethod {
    /// TCP connect to a task IP on the internal port.
    TaskIp,
    /// TCP connect to the service's virtual IP on the internal port.
    VirtualIp,
    /// DNS name `{slug}`.
    DnsSlug,
    /// DNS name `{slug}.internal`.
    DnsInternal,
    /// DNS name `tasks.{service}`.
    DnsTasks,
}

impl ProbeMethod {
    /// The method in the words a reason uses.
    pub fn label(self) -> &'static str {
        match self {
            ProbeMethod::TaskIp => "task IP",
            ProbeMethod::VirtualIp => "virtual IP",
            ProbeMethod::DnsSlug => "DNS slug",
            ProbeMethod::DnsInternal => "DNS slug.internal",
            ProbeMethod::DnsTasks => "DNS tasks.<service>",
        }
    }

    const ALL: [ProbeMethod; 5] = [
        ProbeMethod::TaskIp,
        ProbeMethod::VirtualIp,
        ProbeMethod::DnsSlug,
        ProbeMethod::DnsInternal,
        ProbeMethod::DnsTasks,
    ];
}

/// One try of one target from one organization's network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeAttempt {
    /// Organization whose network the probe sat in.
    pub source_org: String,
    /// Organization owning the target.
    pub target_org: String,
    /// Target service.
    pub target_service: String,
    /// How it was tried.
    pub method: ProbeMethod,
    /// `ip:port` or a DNS name.
    pub target: String,
    /// Whether the target was reached (for DNS: resolved to an address of the target organization).
    pub reached: bool,
    /// What happened, in words (addresses a name resolved to, the connect error).
    pub detail: String,
    /// Time the attempt took, in milliseconds.
    pub latency_ms: u32,
}

/// The verdict of one ordered pair of organizations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellVerdict {
    /// Controls passed and every crossing attempt failed.
    Isolated,
    /// A crossing attempt succeeded.
    Leak,
    /// The probes cannot tell; the reason says why.
    Inconclusive,
}

/// Source → target cell of the matrix with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixCell {
    /// Organization probed from.
    pub source_org: String,
    /// Organization probed.
    pub target_org: String,
    /// The verdict.
    pub verdict: CellVerdict,
    /// Why, in words: which methods the verdict rests on, what was not testable.
    pub reason: String,
    /// Every crossing attempt.
    pub attempts: Vec<ProbeAttempt>,
}

/// Whether a probe method works at all on this host, judged by its controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodAvailability {
    /// The method.
    pub method: ProbeMethod,
    /// False when its own control failed from every organization: such a method cannot prove anything here.
    pub testable: bool,
    /// Why not, in words.
    pub note: Option<String>,
}

/// What the structural audit looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A service attached to more than one organization's network.
    Bridge,
    /// A service publishing ports on the ingress routing mesh: reachable from outside every network.
    IngressExposure,
    /// An organization's service on a network that is not its organization's.
    ForeignNetwork,
    /// An organization network that is not encrypted.
    NetworkNotEncrypted,
    /// A network named like an organization network but not labelled as ours.
    NetworkNotLabelled,
}

/// One finding of the structural audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFinding {
    /// What kind.
    pub kind: AuditKind,
    /// The service or network concerned.
    pub subject: String,
    /// Details in words.
    pub detail: String,
}

/// Whether the host can do something isolation or discovery relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Works here.
    Available,
    /// Does not work here.
    Missing,
    /// Could not be determined from here.
    Unknown,
}

/// One fact about the engine's host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreflightFinding {
    /// What was checked (`virtual_ip_routing`, `encrypted_overlay_between_hosts`, `advertise_address`).
    pub check: String,
    /// The result.
    pub status: Capability,
    /// What it was judged from.
    pub evidence: String,
    /// What it means, in plain words.
    pub explanation: String,
}

/// Which organizations to check and how patiently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsolationRequest {
    /// Organizations to check; all that have a network when empty.
    pub orgs: Vec<String>,
    /// Timeout of each connect and lookup, in milliseconds.
    pub attempt_timeout_ms: u32,
}

impl Default for IsolationRequest {
    fn default() -> Self {
        IsolationRequest {
            orgs: Vec::new(),
            attempt_timeout_ms: 1500,
        }
    }
}

/// The full result: matrix, controls, method availability, audit and host preflight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsolationReport {
    /// Organizations checked.
    pub orgs: Vec<String>,
    /// Every ordered pair of different organizations.
    pub cells: Vec<MatrixCell>,
    /// Positive controls: each organization towards its own services.
    pub controls: Vec<ProbeAttempt>,
    /// Which methods could prove anything on this host.
    pub methods: Vec<MethodAvailability>,
    /// Structural findings.
    pub audit: Vec<AuditFinding>,
    /// What the host can and cannot do.
    pub preflight: Vec<PreflightFinding>,
    /// Probe containers started.
    pub probes_started: u32,
}

/// A step of a running isolation check, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IsolationProgress {
    /// The organizations are known; probes are about to start.
    Planned {
        /// Organizations checked.
        orgs: Vec<String>,
        /// Ordered pairs that get a verdict.
        pairs: u32,
    },
    /// A source organization's probe container is starting.
    ProbeStarted {
        /// The source organization.
        org: String,
    },
    /// A source organization's probe finished (or failed).
    ProbeFinished {
        /// The source organization.
        org: String,
        /// Probes finished so far, this one included.
        done: u32,
        /// Probes in this check.
        total: u32,
        /// Why the probe failed, if it did.
        error: Option<String>,
    },
    /// Every probe is back; the verdicts are being judged.
    Judging,
}

/// Where isolation progress goes.
pub type IsolationProgressSender = tokio::sync::mpsc::UnboundedSender<IsolationProgress>;

fn report(progress: Option<&IsolationProgressSender>, event: IsolationProgress) {
    if let Some(progress) = progress {
        // Nobody watching any more is no reason to stop the check.
        let _ = progress.send(event);
    }
}

impl IsolationReport {
    /// Whether any cell leaks.
    pub fn has_leak(&self) -> bool {
        self.cells
            .iter()
            .any(|cell| cell.verdict == CellVerdict::Leak)
    }
}

/// A reachable endpoint of a service on one network.
#[derive(Debug, Clone)]
struct Target {
    org: String,
    service: String,
    slug: Option<String>,
    port: Option<u16>,
    vips: Vec<String>,
    task_ips: Vec<String>,
    /// Its addresses on other organizations' networks (it bridges them): its own organization cannot reach
    /// those, so they are no control for it.
    foreign: BTreeSet<String>,
    /// A plain container rather than a service: it has no `tasks.` name.
    container: bool,
}

impl Target {
    /// Every address of the service on every network: a name that resolves to one of them reached it.
    fn addresses(&self) -> BTreeSet<&str> {
        self.vips
            .iter()
            .chain(&self.task_ips)
            .map(String::as_str)
            .collect()
    }

    fn plan(&self) -> Vec<(ProbeMethod, String)> {
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

/// A raw probe result line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawResult {
    ok: bool,
    latency_ms: u32,
    detail: String,
}

impl Orchestrator {
    /// Runs the isolation check over the chosen organizations (all when none are named).
    pub async fn verify_isolation(
        &self,
        request: &IsolationRequest,
        cancel: CancellationToken,
    ) -> Result<IsolationReport> {
        self.verify_isolation_with_progress(request, cancel, None)
            .await
    }

    /// [`Orchestrator::verify_isolation`], reporting each step to `progress`.
    #[tracing::instrument(skip(self, cancel, progress), err(Debug))]
    pub async fn verify_isolation_with_progress(
        &self,
        request: &IsolationRequest,
        cancel: CancellationToken,
        progress: Option<IsolationProgressSender>,
    ) -> Result<IsolationReport> {
        let progress = progress.as_ref();
        for org in &request.orgs {
            validate::org_id(org)?;
        }
        if !self.is_swarm_initialized().await? {
            return Err(Error::NotSwarmManager {
                state: "swarm mode is not active: there is nothing to check".to_string(),
            });
        }
        self.sweep_abandoned_probes().await;
        let networks = self
            .docker
            .list_networks(None::<ListNetworksOptions>)
            .await?;
        let org_networks = org_networks(&networks);
        let orgs: Vec<String> = if request.orgs.is_empty() {
            org_networks.keys().cloned().collect()
        } else {
            for org in &request.orgs {
                if !org_networks.contains_key(org) {
                    return Err(Error::NotFound {
                        kind: "organization network",
                        name: naming::network_name(org),
                    });
                }
            }
            request.orgs.clone()
        };
        let services = self
            .docker
            .list_services(None::<ListServicesOptions>)
            .await?;
        let mut verbose = Vec::new();
        for org in &orgs {
            let id = org_networks
                .get(org)
                .and_then(|n| n.id.clone())
                .unwrap_or_default();
            let options = InspectNetworkOptions {
                verbose: true,
                scope: Some("swarm".to_string()),
            };
            verbose.push(self.docker.inspect_network(&id, Some(options)).await?);
        }
        let containers = self.attached_containers(&orgs, &org_networks).await?;
        let targets = targets(
            &services,
            orgs.iter()
                .zip(&verbose)
                .filter_map(|(org, n)| Some((org.as_str(), n.services.as_ref()?))),
            &containers,
        );
        let audit = audit(&services, &networks, &org_networks);
        let total = u32::try_from(orgs.len()).unwrap_or(u32::MAX);
        report(
            progress,
            IsolationProgress::Planned {
                orgs: orgs.clone(),
                pairs: total.saturating_mul(total.saturating_sub(1)),
            },
        );
        let image = self.ensure_probe_image().await?;

        let finished = std::sync::atomic::AtomicU32::new(0);
        let runs = orgs.iter().map(|source| {
            let plan: Vec<String> = distinct_plan(&targets);
            let network = naming::network_name(source);
            let image = image.clone();
            let cancel = cancel.clone();
            let finished = &finished;
            async move {
                report(
                    progress,
                    IsolationProgress::ProbeStarted {
                        org: source.clone(),
                    },
                );
                let results = self
                    .run_probe(
                        source,
                        &network,
                        &image,
                        &plan,
                        request.attempt_timeout_ms,
                        cancel,
                    )
                    .await;
                let done = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                report(
                    progress,
                    IsolationProgress::ProbeFinished {
                        org: source.clone(),
                        done,
                        total,
                        error: results.as_ref().err().map(ToString::to_string),
                    },
                );
                (source.clone(), plan, results)
            }
        });
        let outcomes = futures_util::future::join_all(runs).await;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        report(progress, IsolationProgress::Judging);
        let probes_started = u32::try_from(outcomes.len()).unwrap_or(u32::MAX);
        let mut evidence: BTreeMap<
            String,
            std::result::Result<HashMap<String, RawResult>, String>,
        > = BTreeMap::new();
        for (source, plan, results) in outcomes {
            let results = results
                .map(|raw| plan.into_iter().zip(raw).collect())
                .map_err(|e| e.to_string());
            evidence.insert(source, results);
        }
        let preflight = self.host_preflight().await?;
        let subnets: BTreeMap<String, Vec<String>> = org_networks
            .iter()
            .map(|(org, network)| (org.clone(), subnets_of(network)))
            .collect();
        Ok(judge(
            &orgs,
            &targets,
            &evidence,
            &subnets,
            audit,
            preflight,
            probes_started,
        ))
    }

    /// The design's two-organization form: the same evidence for A → B and B → A.
    pub async fn verify_cross_organization_isolation(
        &self,
        org_a: &str,
        org_b: &str,
    ) -> Result<IsolationReport> {
        let request = IsolationRequest {
            orgs: vec![org_a.to_string(), org_b.to_string()],
            ..IsolationRequest::default()
        };
        self.verify_isolation(&request, CancellationToken::new())
            .await
    }

    /// What the engine's host can do for isolation and discovery, from what can be observed here.
    pub async fn host_preflight(&self) -> Result<Vec<PreflightFinding>> {
        let info = self.swarm_info().await?;
        let mut findings = Vec::new();
        let advertise = info.advertise_addr.clone().unwrap_or_default();
        let loopback = advertise
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
        findings.push(PreflightFinding {
            check: "advertise_address".to_string(),
            status: if advertise.is_empty() || loopback {
                Capability::Missing
            } else {
                Capability::Available
            },
            evidence: format!("this manager advertises {:?}", advertise),
            explanation: if loopback {
                "other machines cannot reach a loopback address: no node can join this swarm"
                    .to_string()
            } else {
                "other nodes join and reach this manager at this address".to_string()
            },
        });
        let local = self.engine_is_local();
        findings.push(match (local, std::path::Path::new("/proc/net/ip_vs").exists()) {
            (false, _) => unknown("virtual_ip_routing", "the engine is on another host"),
            (true, true) => PreflightFinding {
                check: "virtual_ip_routing".to_string(),
                status: Capability::Available,
                evidence: "/proc/net/ip_vs exists".to_string(),
                explanation: "service virtual IPs are load-balanced by IPVS".to_string(),
            },
            (true, false) => PreflightFinding {
                check: "virtual_ip_routing".to_string(),
                status: Capability::Missing,
                evidence: "the kernel has no IPVS (/proc/net/ip_vs is absent)".to_string(),
                explanation: "virtual IPs of services do not route here; task IPs and tasks.<service> names do, and \
                              dnsrr services are unaffected"
                    .to_string(),
            },
        });
        let esp = std::path::Path::new("/sys/module/esp4").exists();
        findings.push(match (local, esp, info.nodes) {
            (false, _, _) => unknown("encrypted_overlay_between_hosts", "the engine is on another host"),
            (true, true, _) => PreflightFinding {
                check: "encrypted_overlay_between_hosts".to_string(),
                status: Capability::Available,
                evidence: "the esp4 kernel module is loaded".to_string(),
                explanation: "encrypted overlays carry traffic between hosts over IPsec ESP".to_string(),
            },
            (true, false, nodes) => PreflightFinding {
                check: "encrypted_overlay_between_hosts".to_string(),
                status: Capability::Missing,
                evidence: format!("no esp4 kernel module on this host; the swarm has {nodes} node(s)"),
                explanation: "encrypted overlay traffic only flows between tasks on the same host here; tasks on \
                              other nodes of an encrypted network cannot reach these"
                    .to_string(),
            },
        });
        Ok(findings)
    }

    fn engine_is_local(&self) -> bool {
        std::env::var("DOCKER_HOST")
            .map_or(true, |host| host.is_empty() || host.starts_with("unix://"))
    }

    /// Builds the probe image through the engine API unless the image of this exact binary exists.
    async fn ensure_probe_image(&self) -> Result<String> {
        if PROBE_BINARY.is_empty() {
            return Err(Error::ImageUnavailable {
                image: PROBE_REPO.to_string(),
                reason: "this build of Swarmdeck has no probe for the engine's architecture"
                    .to_string(),
            });
        }
        let info = self.docker.info().await?;
        if info
            .architecture
            .as_deref()
            .is_some_and(|arch| arch != "x86_64")
        {
            return Err(Error::ImageUnavailable {
                image: PROBE_REPO.to_string(),
                reason: format!(
                    "the probe is built for x86_64, the engine runs {:?}",
                    info.architecture
                ),
            });
        }
        let hash = format!("{:x}", Sha256::digest(PROBE_BINARY));
        let reference = format!("{PROBE_REPO}:{}", &hash[..16]);
        if self.docker.inspect_image(&reference).await.is_ok() {
            return Ok(reference);
        }
        info!(%reference, "building the probe image");
        let dockerfile = format!(
            "FROM scratch\nCOPY probe /probe\nLABEL {}={MANAGED_BY}\nENTRYPOINT [\"/probe\"]\n",
            label::MANAGED_BY
        );
        let context = tar_context(&[
            ("Dockerfile", dockerfile.as_bytes(), 0o644),
            ("probe", PROBE_BINARY, 0o755),
        ])?;
        let options = BuildImageOptions {
            t: Some(reference.clone()),
            rm: true,
            forcerm: true,
            ..Default::default()
        };
        let mut build =
            self.docker
                .build_image(options, None, Some(bollard::body_full(context.into())));
        while let Some(step) = build.next().await {
            if let Some(message) = step?.error_detail.and_then(|detail| detail.message) {
                return Err(Error::ImageUnavailable {
                    image: reference,
                    reason: message,
                });
            }
        }
        Ok(reference)
    }

    /// Runs one probe container on `network` and returns one result per planned attempt. The container is
    /// removed whatever happens, including cancellation.
    async fn run_probe(
        &self,
        source: &str,
        network: &str,
        image: &str,
        plan: &[String],
        timeout_ms: u32,
        cancel: CancellationToken,
    ) -> Result<Vec<RawResult>> {
        let mut cmd = vec![
            "probe".to_string(),
            "--timeout-ms".to_string(),
            timeout_ms.to_string(),
        ];
        cmd.extend(plan.iter().cloned());
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(cmd),
            labels: Some({
                // The probe's deadline below, and a margin: a probe outliving it is abandoned whoever looks.
                let [holder, lease_until] =
                    lease::holder_labels(probe_deadline(timeout_ms) + Duration::from_secs(60));
                self.labels([
                    (label::MANAGED_BY, MANAGED_BY.to_string()),
                    (PROBE_LABEL, source.to_string()),
                    holder,
                    lease_until,
                ])
            }),
            host_config: Some(HostConfig {
                network_mode: Some(network.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let created = self
            .docker
            .create_container(None::<CreateContainerOptions>, body)
            .await?;
        let id = created.id;
        let run = async {
            self.docker.start_container(&id, None).await?;
            let mut wait = self
                .docker
                .wait_container(&id, None::<WaitContainerOptions>);
            while let Some(status) = wait.next().await {
                status?;
            }
            let options = LogsOptions {
                stdout: true,
                ..Default::default()
            };
            let output: Vec<_> = self.docker.logs(&id, Some(options)).try_collect().await?;
            let text: String = output.iter().map(|chunk| chunk.to_string()).collect();
            parse_probe_output(&text, plan.len())
        };
        let deadline = probe_deadline(timeout_ms);
        let result = tokio::select! {
            result = tokio::time::timeout(deadline, run) => result.unwrap_or_else(|_| Err(Error::Timeout {
                what: format!("the probe in {network}"),
                after: deadline,
            })),
            () = cancel.cancelled() => Err(Error::Cancelled),
        };
        // An engine restarting under the check refuses for a while: keep trying, so no probe outlives its check.
        let removed = retry_transient(PROBE_REMOVAL, "remove a probe", || {
            let remove = RemoveContainerOptions {
                force: true,
                ..Default::default()
            };
            self.docker.remove_container(&id, Some(remove))
        })
        .await;
        match removed {
            Ok(()) => {}
            Err(error) if error.is_not_found() => {}
            Err(error) => {
                warn!(%id, %error, "probe container not removed; a later check sweeps it")
            }
        }
        result
    }

    /// Plain containers (not swarm tasks, not our probes) attached to the organizations' networks on this host,
    /// in one list call per organization.
    async fn attached_containers(
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

    /// Removes probe containers a killed check left behind: those whose holder is gone (a dead process on this
    /// host, or a lease that ran out), whatever their age, and unmarked ones older than [`STALE_PROBE_AGE`].
    /// Probes of checks still running are left alone. Returns how many were removed.
    pub async fn sweep_abandoned_probes(&self) -> usize {
        let filters = HashMap::from([("label".to_string(), vec![PROBE_LABEL.to_string()])]);
        let options = ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        };
        let Ok(containers) = self.docker.list_containers(Some(options)).await else {
            return 0;
        };
        let now = chrono::Utc::now().timestamp();
        let stale_before = now - i64::try_from(STALE_PROBE_AGE.as_secs()).unwrap_or(0);
        let mut removed = 0;
        for container in containers {
            let labels = container.labels.clone().unwrap_or_default();
            let abandoned = if labels.contains_key(label::WRITER) {
                !lease::holder_alive(&labels)
            } else {
                container.created.unwrap_or(now) < stale_before
            };
            let Some(id) = container.id.filter(|_| abandoned) else {
                continue;
            };
            let remove = RemoveContainerOptions {
                force: true,
                ..Default::default()
            };
            match self.docker.remove_container(&id, Some(remove)).await {
                Ok(()) => {
                    info!(%id, "removed an abandoned probe");
                    removed += 1;
                }
                Err(error) => warn!(%id, %error, "abandoned probe not removed"),
            }
        }
        removed
    }
}

/// How long one probe may run: three attempt timeouts (connect, lookup, margin) and start-up.
fn probe_deadline(timeout_ms: u32) -> Duration {
    Duration::from_millis(u64::from(timeout_ms) * 3) + Duration::from_secs(30)
}

fn unknown(check: &str, why: &str) -> PreflightFinding {
    PreflightFinding {
        check: check.to_string(),
        status: Capability::Unknown,
        evidence: why.to_string(),
        explanation: "cannot be checked from this machine".to_string(),
    }
}

fn tar_context(files: &[(&str, &[u8], u32)]) -> Result<Vec<u8>> {
    let mut archive = tar::Builder::new(Vec::new());
    for (path, data, mode) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(*mode);
        header.set_cksum();
        archive
            .append_data(&mut header, path, *data)
            .map_err(|e| Error::ImageUnavailable {
                image: PROBE_REPO.to_string(),
                reason: e.to_string(),
            })?;
    }
    archive.into_inner().map_err(|e| Error::ImageUnavailable {
        image: PROBE_REPO.to_string(),
        reason: e.to_string(),
    })
}

/// Organization networks by org id, found by our label and exact name.
fn org_networks(networks: &[Network]) -> BTreeMap<String, Network> {
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
struct AttachedContainer {
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
fn targets<'a>(
    services: &[Service],
    verbose: impl Iterator<Item = (&'a str, &'a HashMap<String, serde_json::Value>)>,
    containers: &[AttachedContainer],
) -> Vec<Target> {
    let mut attached: BTreeMap<String, AddressesByOrg> = BTreeMap::new();
    for (network_org, entries) in verbose {
        for (name, entry) in entries {
            let vips: Vec<String> = entry
                .get("VIP")
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(|v| v.split('/').next().unwrap_or(v).to_string())
                .into_iter()
                .collect();
            let task_ips: Vec<String> = entry
                .get("Tasks")
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
                .filter_map(|task| task.get("EndpointIP")?.as_str())
                .filter(|ip| !ip.is_empty())
                .map(str::to_string)
                .collect();
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
                foreign: BTreeSet::new(),
                container: false,
            };
            for (network_org, (vips, task_ips)) in &networks {
                target.vips.extend(vips.iter().cloned());
                target.task_ips.extend(task_ips.iter().cloned());
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
fn distinct_plan(targets: &[Target]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut plan = Vec::new();
    for target in targets {
        for (method, address) in target.plan() {
            let attempt = match method {
                ProbeMethod::TaskIp | ProbeMethod::VirtualIp => format!("tcp:{address}"),
                _ => format!("dns:{address}"),
            };
            if seen.insert(attempt.clone()) {
                plan.push(attempt);
            }
        }
    }
    plan
}

fn parse_probe_output(text: &str, expected: usize) -> Result<Vec<RawResult>> {
    let mut results = vec![None; expected];
    for line in text.lines() {
        let mut fields = line.splitn(4, '\t');
        let (Some(index), Some(status), Some(latency), detail) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Ok(index) = index.trim().parse::<usize>() else {
            continue;
        };
        if let Some(slot) = results.get_mut(index) {
            *slot = Some(RawResult {
                ok: status == "ok",
                latency_ms: latency.trim().parse().unwrap_or(0),
                detail: detail.unwrap_or("").to_string(),
            });
        }
    }
    let missing = results.iter().filter(|r| r.is_none()).count();
    if missing > 0 {
        return Err(Error::Engine {
            status: 500,
            message: format!(
                "the probe reported {} of {expected} attempts: {}",
                expected - missing,
                text.trim()
            ),
        });
    }
    Ok(results.into_iter().flatten().collect())
}

type Evidence = BTreeMap<String, std::result::Result<HashMap<String, RawResult>, String>>;

/// Turns raw results into attempts, method availability and the matrix.
fn judge(
    orgs: &[String],
    targets: &[Target],
    evidence: &Evidence,
    subnets: &BTreeMap<String, Vec<String>>,
    audit: Vec<AuditFinding>,
    preflight: Vec<PreflightFinding>,
    probes_started: u32,
) -> IsolationReport {
    let attempts_from = |source: &str, target_org: &str| -> Vec<ProbeAttempt> {
        let Some(Ok(results)) = evidence.get(source) else {
            return Vec::new();
        };
        targets
            .iter()
            .filter(|t| t.org == target_org)
            .flat_map(|target| {
                let addresses = target.addresses();
                let control = source == target.org;
                target
                    .plan()
                    .into_iter()
                    .filter(move |(_, address)| {
                        let ip = address
                            .rsplit_once(':')
                            .map_or(address.as_str(), |(ip, _)| ip);
                        !(control && target.foreign.contains(ip))
                    })
                    .filter_map(move |(method, address)| {
                        let key = match method {
                            ProbeMethod::TaskIp | ProbeMethod::VirtualIp => {
                                format!("tcp:{address}")
                            }
                            _ => format!("dns:{address}"),
                        };
                        let raw = results.get(&key)?;
                        // A name reached the target only when it resolved to one of the target's own addresses: a
                        // same-named service of the source organization answering is not a crossing.
                        let (reached, detail) = match method {
                            ProbeMethod::TaskIp | ProbeMethod::VirtualIp => judge_connect(
                                raw,
                                subnets.get(source).map(Vec::as_slice).unwrap_or_default(),
                            ),
                            _ => (
                                raw.ok
                                    && raw
                                        .detail
                                        .split(',')
                                        .any(|ip| addresses.contains(ip.trim())),
                                raw.detail.clone(),
                            ),
                        };
                        Some(ProbeAttempt {
                            source_org: source.to_string(),
                            target_org: target.org.clone(),
                            target_service: target.service.clone(),
                            method,
                            target: address,
                            reached,
                            detail,
                            latency_ms: raw.latency_ms,
                        })
                    })
            })
            .collect()
    };
    let controls: Vec<ProbeAttempt> = orgs
        .iter()
        .flat_map(|org| attempts_from(org, org))
        .collect();
    let methods: Vec<MethodAvailability> = ProbeMethod::ALL
        .iter()
        .map(|&method| {
            let tried: Vec<&ProbeAttempt> = controls.iter().filter(|a| a.method == method).collect();
            let testable = tried.is_empty() || tried.iter().any(|a| a.reached);
            let note = (!testable).then(|| match method {
                ProbeMethod::VirtualIp => {
                    "not testable on this host: virtual IPs did not answer even inside their own organization \
                     (IPVS missing)"
                        .to_string()
                }
                _ => "not testable on this host: its controls failed in every organization".to_string(),
            });
            MethodAvailability { method, testable, note }
        })
        .collect();
    let testable = |method: ProbeMethod| methods.iter().any(|m| m.method == method && m.testable);
    let mut cells = Vec::new();
    for source in orgs {
        for target in orgs.iter().filter(|t| *t != source) {
            let attempts = attempts_from(source, target);
            let (verdict, reason) = cell_verdict(
                source, target, evidence, &controls, &attempts, &testable, targets,
            );
            cells.push(MatrixCell {
                source_org: source.clone(),
                target_org: target.clone(),
                verdict,
                reason,
                attempts,
            });
        }
    }
    IsolationReport {
        orgs: orgs.to_vec(),
        cells,
        controls,
        methods,
        audit,
        preflight,
        probes_started,
    }
}

/// A connection reached its target only when it left through the source organization's overlay: an address off
/// every overlay subnet is routed through the default gateway, off the overlay, to whatever answers there.
fn judge_connect(raw: &RawResult, source_subnets: &[String]) -> (bool, String) {
    let local = raw.detail.strip_prefix("connected from ").map(str::trim);
    match local {
        Some(local)
            if raw.ok
                && !source_subnets.is_empty()
                && !source_subnets.iter().any(|s| in_subnet(local, s)) =>
        {
            (
                false,
                format!(
                    "{} — through the default gateway, off the overlay: not the target",
                    raw.detail
                ),
            )
        }
        _ => (raw.ok, raw.detail.clone()),
    }
}

fn in_subnet(ip: &str, cidr: &str) -> bool {
    let Some((network, prefix)) = cidr.split_once('/') else {
        return false;
    };
    let (Ok(ip), Ok(network), Ok(prefix)) = (
        ip.parse::<std::net::Ipv4Addr>(),
        network.parse::<std::net::Ipv4Addr>(),
        prefix.parse::<u32>(),
    ) else {
        return false;
    };
    let mask = u32::MAX.checked_shl(32 - prefix.min(32)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(network) & mask
}

fn subnets_of(network: &Network) -> Vec<String> {
    network
        .ipam
        .as_ref()
        .and_then(|ipam| ipam.config.as_ref())
        .map(|configs| configs.iter().filter_map(|c| c.subnet.clone()).collect())
        .unwrap_or_default()
}

fn cell_verdict(
    source: &str,
    target: &str,
    evidence: &Evidence,
    controls: &[ProbeAttempt],
    attempts: &[ProbeAttempt],
    testable: &dyn Fn(ProbeMethod) -> bool,
    targets: &[Target],
) -> (CellVerdict, String) {
    if let Some(Err(error)) = evidence.get(source) {
        return (
            CellVerdict::Inconclusive,
            format!("the probe in {source}'s network failed: {error}"),
        );
    }
    if let Some(crossed) = attempts.iter().find(|a| a.reached) {
        return (
            CellVerdict::Leak,
            format!(
                "{source} reached {} of {target} by {} at {} ({})",
                crossed.target_service,
                crossed.method.label(),
                crossed.target,
                crossed.detail
            ),
        );
    }
    let running = |org: &str| {
        targets
            .iter()
            .any(|t| t.org == org && !t.task_ips.is_empty())
    };
    if !running(source) {
        return (
            CellVerdict::Inconclusive,
            format!(
                "{source} has no running service, so no control shows its probe can reach anything"
            ),
        );
    }
    if !running(target) {
        return (
            CellVerdict::Inconclusive,
            format!("{target} has no running service to reach"),
        );
    }
    let mut rests_on = BTreeSet::new();
    let mut not_testable = BTreeSet::new();
    let mut untested = BTreeSet::new();
    for method in attempts.iter().map(|a| a.method).collect::<BTreeSet<_>>() {
        if !testable(method) {
            not_testable.insert(method.label());
            continue;
        }
        let own: Vec<&ProbeAttempt> = controls
            .iter()
            .filter(|c| c.source_org == source && c.method == method)
            .collect();
        if let Some(failed) = own.iter().find(|c| !c.reached) {
            return (
                CellVerdict::Inconclusive,
                format!(
                    "control failed: {source} could not reach its own {} by {} at {} ({})",
                    failed.target_service,
                    method.label(),
                    failed.target,
                    failed.detail
                ),
            );
        }
        if own.is_empty() {
            // Nothing in the source organization answered by this method (no port, say): its failed crossings
            // prove nothing, so the cell does not rest on it.
            untested.insert(method.label());
        } else {
            rests_on.insert(method.label());
        }
    }
    if rests_on.is_empty() {
        return (
            CellVerdict::Inconclusive,
            "no probe method could be controlled here".to_string(),
        );
    }
    let mut reason = format!(
        "every crossing attempt failed while {source}'s own controls passed; verdict rests on {}",
        rests_on.into_iter().collect::<Vec<_>>().join(", ")
    );
    if !untested.is_empty() {
        reason.push_str(&format!(
            "; untested from {source} (no control there): {}",
            untested.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    if !not_testable.is_empty() {
        reason.push_str(&format!(
            "; not testable on this host: {}",
            not_testable.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    (CellVerdict::Isolated, reason)
}

/// Bridges, ingress exposure, foreign networks and unprotected organization networks.
fn audit(
    services: &[Service],
    networks: &[Network],
    org_networks: &BTreeMap<String, Network>,
) -> Vec<AuditFinding> {
    let org_of_network: HashMap<&str, &str> = org_networks
        .iter()
        .filter_map(|(org, network)| Some((network.id.as_deref()?, org.as_str())))
        .collect();
    let name_of_network: HashMap<&str, &str> = networks
        .iter()
        .filter_map(|n| Some((n.id.as_deref()?, n.name.as_deref()?)))
        .collect();
    let mut findings = Vec::new();
    for service in services {
        let Some(spec) = service.spec.as_ref() else {
            continue;
        };
        let name = spec.name.clone().unwrap_or_default();
        let own_org = spec
            .labels
            .as_ref()
            .and_then(|l| l.get(label::ORG))
            .cloned();
        let attached: Vec<&str> = crate::network::attached_networks(service).collect();
        let orgs: BTreeSet<&str> = attached
            .iter()
            .filter_map(|id| org_of_network.get(id).copied())
            .collect();
        if orgs.len() > 1 {
            findings.push(AuditFinding {
                kind: AuditKind::Bridge,
                subject: name.clone(),
                detail: format!(
                    "attached to the networks of {}: it joins organizations that must not reach each other",
                    orgs.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        if let Some(org) = &own_org {
            for id in &attached {
                if org_of_network.get(id).is_none_or(|owner| owner != org) {
                    findings.push(AuditFinding {
                        kind: AuditKind::ForeignNetwork,
                        subject: name.clone(),
                        detail: format!(
                            "service of {org} is attached to {}, which is not {org}'s network",
                            name_of_network.get(id).copied().unwrap_or(id)
                        ),
                    });
                }
            }
        }
        let published: Vec<String> = service
            .endpoint
            .as_ref()
            .and_then(|e| e.ports.as_ref())
            .into_iter()
            .flatten()
            .filter(|p| p.publish_mode != Some(EndpointPortConfigPublishModeEnum::HOST))
            .filter_map(|p| Some(format!("{}→{}", p.published_port?, p.target_port?)))
            .collect();
        if !published.is_empty() {
            findings.push(AuditFinding {
                kind: AuditKind::IngressExposure,
                subject: name.clone(),
                detail: format!(
                    "publishes {} on the ingress routing mesh: reachable on every node from outside any organization",
                    published.join(", ")
                ),
            });
        }
    }
    for network in networks {
        let name = network.name.clone().unwrap_or_default();
        let looks_like_org = name.starts_with("org-") && name.ends_with("-network");
        let ours = org_networks.values().any(|n| n.id == network.id);
        if looks_like_org && !ours {
            findings.push(AuditFinding {
                kind: AuditKind::NetworkNotLabelled,
                subject: name.clone(),
                detail: "named like an organization network but not labelled as Swarmdeck's: it is not checked".to_string(),
            });
        }
        if ours
            && !network
                .options
                .as_ref()
                .is_some_and(|o| o.contains_key("encrypted"))
        {
            findings.push(AuditFinding {
                kind: AuditKind::NetworkNotEncrypted,
                subject: name,
                detail: "traffic between hosts on this organization network is not encrypted"
                    .to_string(),
            });
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(org: &str, slug: &str, ips: &[&str], vip: &str) -> Target {
        Target {
            org: org.into(),
            service: naming::service_name(org, slug),
            slug: Some(slug.into()),
            port: Some(8080),
            vips: vec![vip.into()],
            task_ips: ips.iter().map(|s| s.to_string()).collect(),
            foreign: BTreeSet::new(),
            container: false,
        }
    }

    fn ok(detail: &str) -> RawResult {
        RawResult {
            ok: true,
            latency_ms: 1,
            detail: detail.into(),
        }
    }

    fn fail() -> RawResult {
        RawResult {
            ok: false,
            latency_ms: 1500,
            detail: "timed out".into(),
        }
    }

    /// Evidence where each org reaches its own task IPs and names, nothing crosses, and VIPs never answer.
    fn isolated_evidence(targets: &[Target], orgs: &[&str]) -> Evidence {
        orgs.iter()
            .map(|source| {
                let mut results = HashMap::new();
                for t in targets {
                    let own = t.org == *source;
                    for ip in &t.task_ips {
                        results.insert(
                            format!("tcp:{ip}:8080"),
                            if own { ok("connected") } else { fail() },
                        );
                    }
                    for vip in &t.vips {
                        results.insert(format!("tcp:{vip}:8080"), fail());
                    }
                    // A slug resolves to the source's own service of that name, if it has one.
                    let slug = t.slug.clone().unwrap_or_default();
                    for name in [format!("dns:{slug}"), format!("dns:{slug}.internal")] {
                        if own {
                            results.insert(name, ok(&t.vips[0]));
                        } else {
                            results.entry(name).or_insert_with(fail);
                        }
                    }
                    results.insert(
                        format!("dns:tasks.{}", t.service),
                        if own {
                            ok(&t.task_ips.join(","))
                        } else {
                            fail()
                        },
                    );
                }
                (source.to_string(), Ok(results))
            })
            .collect()
    }

    #[test]
    fn isolated_when_controls_pass_and_nothing_crosses_with_vips_not_testable() {
        let targets = vec![
            target("a", "web", &["10.0.1.3"], "10.0.1.2"),
            target("b", "db", &["10.0.2.3"], "10.0.2.2"),
        ];
        let orgs = vec!["a".to_string(), "b".to_string()];
        let report = judge(
            &orgs,
            &targets,
            &isolated_evidence(&targets, &["a", "b"]),
            &BTreeMap::new(),
            vec![],
            vec![],
            2,
        );
        assert!(
            report
                .cells
                .iter()
                .all(|c| c.verdict == CellVerdict::Isolated),
            "{:#?}",
            report.cells
        );
        let vip = report
            .methods
            .iter()
            .find(|m| m.method == ProbeMethod::VirtualIp)
            .expect("vip");
        assert!(!vip.testable);
        assert!(report.cells[0]
            .reason
            .contains("not testable on this host: virtual IP"));
    }

    #[test]
    fn a_bridge_address_on_another_network_is_no_control_for_its_own_org() {
        let mut bridge = target("b", "bridge", &["10.0.2.4", "10.0.1.9"], "10.0.2.5");
        bridge.foreign.insert("10.0.1.9".to_string());
        let targets = vec![target("a", "web", &["10.0.1.3"], "10.0.1.2"), bridge];
        let orgs = vec!["a".to_string(), "b".to_string()];
        let mut evidence = isolated_evidence(&targets, &["a", "b"]);
        // b cannot reach its bridge's address on a's network, which is what isolation means.
        if let Some(Ok(results)) = evidence.get_mut("b") {
            results.insert("tcp:10.0.1.9:8080".to_string(), fail());
        }
        let report = judge(
            &orgs,
            &targets,
            &evidence,
            &BTreeMap::new(),
            vec![],
            vec![],
            2,
        );
        assert!(
            report.controls.iter().all(|c| c.target != "10.0.1.9:8080"),
            "{:#?}",
            report.controls
        );
        let b_to_a = report
            .cells
            .iter()
            .find(|c| c.source_org == "b")
            .expect("b→a");
        assert_eq!(b_to_a.verdict, CellVerdict::Isolated, "{b_to_a:#?}");
    }

    #[test]
    fn a_crossing_attempt_is_a_leak_with_the_attempt_named() {
        let targets = vec![
            target("a", "web", &["10.0.1.3"], "10.0.1.2"),
            target("b", "db", &["10.0.2.3", "10.0.1.9"], "10.0.2.2"),
        ];
        let orgs = vec!["a".to_string(), "b".to_string()];
        let mut evidence = isolated_evidence(&targets, &["a", "b"]);
        if let Some(Ok(results)) = evidence.get_mut("a") {
            results.insert("tcp:10.0.1.9:8080".into(), ok("connected"));
        }
        let report = judge(
            &orgs,
            &targets,
            &evidence,
            &BTreeMap::new(),
            vec![],
            vec![],
            2,
        );
        let cell = report
            .cells
            .iter()
            .find(|c| c.source_org == "a")
            .expect("a→b");
        assert_eq!(cell.verdict, CellVerdict::Leak);
        assert!(cell.reason.contains("10.0.1.9:8080"), "{}", cell.reason);
    }

    #[test]
    fn a_same_named_service_answering_is_not_a_crossing() {
        let targets = vec![
            target("a", "web", &["10.0.1.3"], "10.0.1.2"),
            target("b", "web", &["10.0.2.3"], "10.0.2.2"),
        ];
        let orgs = vec!["a".to_string(), "b".to_string()];
        let report = judge(
            &orgs,
            &targets,
            &isolated_evidence(&targets, &["a", "b"]),
            &BTreeMap::new(),
            vec![],
            vec![],
            2,
        );
        assert!(
            report
                .cells
                .iter()
                .all(|c| c.verdict == CellVerdict::Isolated),
            "{:#?}",
            report.cells
        );
    }

    #[test]
    fn an_org_without_running_services_is_inconclusive_never_isolated() {
        let targets = vec![
            target("a", "web", &["10.0.1.3"], "10.0.1.2"),
            target("b", "db", &[], "10.0.2.2"),
        ];
        let orgs = vec!["a".to_string(), "b".to_string()];
        let report = judge(
            &orgs,
            &targets,
            &isolated_evidence(&targets, &["a", "b"]),
            &BTreeMap::new(),
            vec![],
            vec![],
            2,
        );
        assert!(
            report
                .cells
                .iter()
                .all(|c| c.verdict == CellVerdict::Inconclusive),
            "{:#?}",
            report.cells
        );
    }

    #[test]
    fn a_failed_probe_makes_its_row_inconclusive() {
        let targets = vec![
            target("a", "web", &["10.0.1.3"], "10.0.1.2"),
            target("b", "db", &["10.0.2.3"], "10.0.2.2"),
        ];
        let orgs = vec!["a".to_string(), "b".to_string()];
        let mut evidence = isolated_evidence(&targets, &["a", "b"]);
        evidence.insert("a".into(), Err("container failed".into()));
        let report = judge(
            &orgs,
            &targets,
            &evidence,
            &BTreeMap::new(),
            vec![],
            vec![],
            2,
        );
        let cell = report
            .cells
            .iter()
            .find(|c| c.source_org == "a")
            .expect("a→b");
        assert_eq!(cell.verdict, CellVerdict::Inconclusive);
        assert!(cell.reason.contains("container failed"));
    }

    #[test]
    fn a_connection_through_the_default_gateway_is_not_a_crossing() {
        let subnets = vec!["10.0.1.0/24".to_string()];
        let via_gateway = ok("connected from 172.18.0.3");
        assert!(!judge_connect(&via_gateway, &subnets).0);
        assert!(judge_connect(&ok("connected from 10.0.1.7"), &subnets).0);
        assert!(!judge_connect(&fail(), &subnets).0);
        assert!(in_subnet("10.0.1.255", "10.0.1.0/24") && !in_subnet("10.0.2.1", "10.0.1.0/24"));
    }

    #[test]
    fn probe_output_is_parsed_in_order_and_gaps_are_errors() {
        let parsed = parse_probe_output("1\tfail\t1500\ttimed out\n0\tok\t3\tconnected\n", 2)
            .expect("parsed");
        assert!(parsed[0].ok && !parsed[1].ok);
        assert_eq!(parsed[1].latency_ms, 1500);
        assert!(parse_probe_output("0\tok\t3\tconnected\n", 2).is_err());
    }
}
