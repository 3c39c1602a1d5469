//! The isolation check: proves with real traffic that one organization cannot reach another.
//!
//! One probe container per source organization joins that organization's network and tries every target at
//! once: task IPs and virtual IPs on the internal port, and the DNS names of each service. The same probes
//! towards the organization's own services are the positive controls; a cell is `isolated` only when its controls
//! passed and every crossing attempt failed.
//!
//! The check is split by what each part depends on: [`types`] is what callers see, [`targets`] and [`audit`] read
//! the engine's networks and services, [`probe`] runs containers, [`preflight`] looks at the host, and [`verdict`]
//! judges plain data only, so every verdict rule is tested without an engine.

mod audit;
mod preflight;
mod probe;
mod targets;
mod types;
mod verdict;

use std::collections::{BTreeMap, BTreeSet};

use bollard::query_parameters::{InspectNetworkOptions, ListNetworksOptions, ListServicesOptions};
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::naming;
use crate::{validate, Orchestrator};

use audit::audit;
use targets::{distinct_plan, org_networks, subnets_of, targets};
pub use types::{
    AuditFinding, AuditKind, Capability, CellVerdict, ControlOutcome, IsolationProgress,
    IsolationProgressSender, IsolationReport, IsolationRequest, MatrixCell, MethodAvailability,
    OrgControl, PreflightFinding, ProbeAttempt, ProbeMethod,
};
use verdict::{judge, Evidence, Seen};

/// An engine to run probes on, and which node of the swarm it is.
struct ProbeLocation {
    hostname: String,
    address: String,
    docker: bollard::Docker,
}

fn report(progress: Option<&IsolationProgressSender>, event: IsolationProgress) {
    if let Some(progress) = progress {
        // Nobody watching any more is no reason to stop the check.
        let _ = progress.send(event);
    }
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
        let locations = self.probe_locations(&targets, &image).await?;
        // The manager's leftovers were swept above; a killed check may have left probes on the nodes too.
        for location in locations.iter().skip(1) {
            self.sweep_abandoned_probes_on(&location.docker).await;
        }

        let finished = std::sync::atomic::AtomicU32::new(0);
        let runs = orgs.iter().map(|source| {
            let plan: Vec<String> = distinct_plan(&targets);
            let (image, cancel, locations) = (image.clone(), cancel.clone(), &locations);
            let finished = &finished;
            async move {
                report(
                    progress,
                    IsolationProgress::ProbeStarted {
                        org: source.clone(),
                    },
                );
                // One probe per node, all at once: the evidence of a cell comes from every node that runs tasks.
                let per_node = locations.iter().map(|location| {
                    let (plan, image, cancel) = (&plan, &image, cancel.clone());
                    async move {
                        let raw = self
                            .run_probe(
                                &location.docker,
                                source,
                                image,
                                plan,
                                request.attempt_timeout_ms,
                                cancel,
                            )
                            .await
                            .map_err(|error| format!("on {}: {error}", location.hostname))?;
                        Ok::<Seen, String>(Seen {
                            node: location.hostname.clone(),
                            host: location.address.clone(),
                            results: plan.iter().cloned().zip(raw).collect(),
                        })
                    }
                });
                let results: std::result::Result<Vec<Seen>, String> =
                    futures_util::future::join_all(per_node)
                        .await
                        .into_iter()
                        .collect();
                let done = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                report(
                    progress,
                    IsolationProgress::ProbeFinished {
                        org: source.clone(),
                        done,
                        total,
                        error: results.as_ref().err().cloned(),
                    },
                );
                (source.clone(), results)
            }
        });
        let outcomes = futures_util::future::join_all(runs).await;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        report(progress, IsolationProgress::Judging);
        let probes_started = u32::try_from(outcomes.len() * locations.len()).unwrap_or(u32::MAX);
        let evidence: Evidence = outcomes.into_iter().collect();
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

    /// Where probes run: this engine, and every local cluster node that runs a task of a target (their engines are
    /// at hand; nodes of other machines are not).
    async fn probe_locations(
        &self,
        targets: &[targets::Target],
        image: &str,
    ) -> Result<Vec<ProbeLocation>> {
        let info = self.docker.info().await?;
        let manager = ProbeLocation {
            hostname: info.name.unwrap_or_default(),
            address: info
                .swarm
                .and_then(|swarm| swarm.node_addr)
                .unwrap_or_default(),
            docker: self.docker.clone(),
        };
        let hosts: BTreeSet<String> = targets
            .iter()
            .flat_map(|target| target.task_hosts.values().cloned())
            .filter(|host| *host != manager.address)
            .collect();
        let mut locations = vec![manager];
        for engine in self.local_engines_at(&hosts, image).await? {
            locations.push(ProbeLocation {
                hostname: engine.hostname,
                address: engine.address,
                docker: engine.docker,
            });
        }
        Ok(locations)
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
}
