//! Deploy, update, scale, remove, status and rollbacks of organization services.
//!
//! The file is long because every write of a deployment goes through one path here (`apply`: record, conditional
//! write, retry on a concurrent change, gate); splitting the entry points from it would scatter that one sequence.

use std::time::Duration;

use bollard::models::{Service, ServiceSpec};
use bollard::query_parameters::UpdateServiceOptions;
use tracing::{info, warn};

use crate::desired::{merge_update, Change};
use crate::error::{Error, Result};
use crate::gate::{Expect, RunOptions, Verdict};
use crate::model::{
    DeployOutcome, DeployRequest, DeploymentRecord, DiskEnforcement, Outcome, ServiceDefinition,
    Trigger, UpdateOrder, UpdateRequest,
};
use crate::naming;
use crate::status::current_definition;
use crate::{ownership, spec, validate, Orchestrator};

/// Attempts at a spec write refused for a stale version before giving up.
const OUT_OF_SEQUENCE_ATTEMPTS: u32 = 5;
/// Extra time an in-progress record is presumed alive beyond its own deadlines.
const LEASE_MARGIN: Duration = Duration::from_secs(120);
/// Why a disk size cannot be enforced on a swarm service.
const DISK_NOT_ENFORCED: &str =
    "swarm services have no storage size option (the engine's StorageOpt is not part \
    of a swarm task spec), so the size is recorded as a label but not enforced on this engine";

impl Orchestrator {
    /// Creates the service, or updates it when it exists, then waits until its tasks are healthy.
    #[tracing::instrument(skip_all, fields(org = %request.org_id, slug = %request.slug), err(Debug))]
    pub async fn deploy(
        &self,
        request: &DeployRequest,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        let deployment_id = naming::deployment_id_or_new(request.deployment_id.as_deref());
        let definition = validate::deploy_request(request, &deployment_id)?;
        validate::health_gate(&options.gate)?;
        self.apply(
            Change::Whole(Box::new(definition)),
            deployment_id,
            Trigger::Deploy,
            options,
        )
        .await
    }

    /// Changes some fields of a running service and rolls the change out.
    #[tracing::instrument(skip(self, request, options), err(Debug))]
    pub async fn update(
        &self,
        service_name: &str,
        request: &UpdateRequest,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        let deployment_id = naming::deployment_id_or_new(request.deployment_id.as_deref());
        validate::deployment_id_rules(&deployment_id)?;
        validate::health_gate(&options.gate)?;
        let service = self.inspect_ours(service_name).await?;
        // Checked here against what runs, so a bad field is refused before anything is written; applied again
        // to whatever runs when the spec is written.
        let current = current_definition(service_name, &service)?;
        merge_update(current.clone(), request)?;
        let change = Change::Fields {
            org_id: current.org_id,
            slug: current.slug,
            request,
        };
        self.apply(change, deployment_id, Trigger::Deploy, options)
            .await
    }

    /// Restores the full spec of a recorded deployment (env, limits, replicas, health check, policy) with its
    /// exact image, as a new deployment.
    #[tracing::instrument(skip(self, options), err(Debug))]
    pub async fn rollback_to(
        &self,
        service_name: &str,
        deployment_id: &str,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        validate::health_gate(&options.gate)?;
        self.inspect_ours(service_name).await?;
        let record = self.deployment_record(service_name, deployment_id).await?;
        let trigger = Trigger::RollbackTo {
            deployment_id: deployment_id.to_string(),
        };
        self.restore(&record, trigger, options).await
    }

    /// "Roll back to previous": restores, from our records, the newest deployment that succeeded before the one
    /// running now, with its full spec. Pressed again it goes one further back; the swarm's own previous spec
    /// plays no part (after a failed update it is the failed spec).
    #[tracing::instrument(skip(self, options), err(Debug))]
    pub async fn rollback(
        &self,
        service_name: &str,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        validate::health_gate(&options.gate)?;
        let target = self.rollback_target(service_name).await?;
        options.phase(format!(
            "rolling {service_name} back to deployment {} ({}, started {})",
            target.deployment_id, target.image.requested, target.started_at
        ));
        let trigger = Trigger::RollbackPrevious {
            deployment_id: Some(target.deployment_id.clone()),
        };
        self.restore(&target, trigger, options).await
    }

    /// The deployment "roll back to previous" would restore now, so a caller can name it before acting.
    /// Records first settle what no client saw (a rollback by the swarm), so they say what really ran.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn rollback_target(&self, service_name: &str) -> Result<DeploymentRecord> {
        let service = self.inspect_ours(service_name).await?;
        let live = service
            .spec
            .as_ref()
            .and_then(spec::deployment_of)
            .unwrap_or_default();
        let history = self.reconcile_history(service_name).await?;
        crate::history::previous_successful(&history, &live)
            .cloned()
            .ok_or_else(|| Error::NothingToRollBackTo {
                service: service_name.to_string(),
                current: crate::history::rollback_position(&history, &live).to_string(),
            })
    }

    /// Writes a recorded deployment's definition again, with its exact image, as a new deployment.
    async fn restore(
        &self,
        record: &DeploymentRecord,
        trigger: Trigger,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        let mut definition = record.definition.clone();
        // Rules tightened since the record was written apply to what is written again.
        validate::definition(&definition)?;
        definition.image = record.image.pinned().to_string();
        self.apply(
            Change::Whole(Box::new(definition)),
            naming::new_deployment_id(),
            trigger,
            options,
        )
        .await
    }

    /// Sets the replica count, keeping the service's update policy in the spec.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn scale(&self, service_name: &str, replicas: u32) -> Result<()> {
        validate::replicas("replicas", replicas, 0)?;
        let service = self.inspect_ours(service_name).await?;
        let mut definition = current_definition(service_name, &service)?;
        definition.replicas = replicas;
        // Scaling starts tasks beside the running ones rather than replacing them: no start-first surge.
        if replicas > 0 {
            self.check_definition_capacity(&definition, false).await?;
        }
        let id = service.id.clone().unwrap_or_default();
        self.write_with_retry(
            &id,
            |current| {
                let mut spec = current.clone();
                spec::set_replicas(&mut spec, replicas);
                let policy = spec::recorded_policy(&spec);
                spec::apply_policy(&mut spec, &policy);
                Some(spec)
            },
            None,
        )
        .await?;
        info!(%service_name, replicas, "scaled");
        Ok(())
    }

    /// Removes the service, its deployment records and our tags of its images.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn remove_service(&self, service_name: &str) -> Result<()> {
        let service = self.inspect_ours(service_name).await?;
        self.docker
            .delete_service(service.id.as_deref().unwrap_or(service_name))
            .await?;
        self.purge_history(service_name).await?;
        info!(%service_name, "removed");
        Ok(())
    }

    /// Writes a change as a new deployment: record first, then the spec, then the health gate.
    ///
    /// The spec is written only against the version of the service the change was computed from. When another
    /// writer got there first (a scale from the CLI during an update from the app), the service is read again and
    /// the change applied to what is there now, and the record follows; no one's change is reverted unseen.
    pub(crate) async fn apply(
        &self,
        change: Change<'_>,
        deployment_id: String,
        trigger: Trigger,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        options.phase("checking the swarm");
        self.ensure_swarm().await?;
        // Refused before anything is created or tagged; begin_record claims the id atomically below.
        self.check_deployment_id_free(&deployment_id).await?;
        let (org_id, slug) = change.target();
        let mut located = self.locate_service(org_id, slug).await?;
        let mut definition = change.desired(located.as_ref())?;
        let service_name = located
            .as_ref()
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| definition.service_name());
        let created = located.is_none();
        self.check_definition_capacity(&definition, !created)
            .await?;
        options.phase(format!("resolving image {}", definition.image));
        let image = self
            .resolve_image(&definition.image, &deployment_id)
            .await?;
        self.stage_image_on_local_nodes(&definition.image, &definition.placement, options)
            .await?;
        let network = self.ensure_org_network(&definition.org_id).await?;
        if !created {
            self.reconcile_history(&service_name).await?;
        }
        let mut record = DeploymentRecord {
            deployment_id: deployment_id.clone(),
            service_name: service_name.clone(),
            started_at: crate::history::now_rfc3339(),
            finished_at: None,
            outcome: Outcome::InProgress,
            reason: None,
            trigger,
            definition: definition.clone(),
            image,
            disk: DiskEnforcement::NotEnforced {
                reason: DISK_NOT_ENFORCED.to_string(),
            },
        };
        let lease = lease(&definition, options);
        self.begin_record(&record, lease).await?;
        let mut attempt = 1;
        let written = loop {
            let attempt_result: Result<String> = async {
                if definition != record.definition {
                    // Another writer changed the service after our read: what we write, and so what the
                    // record says, is our change applied to theirs.
                    if definition.image != record.definition.image {
                        record.image = self
                            .resolve_image(&definition.image, &deployment_id)
                            .await?;
                    }
                    record.definition = definition.clone();
                    self.rewrite_record(&record, lease).await?;
                }
                self.pin_image(&record.image).await?;
                let mut new_spec = spec::service_spec(&definition, &deployment_id, &network.id);
                self.identify_files(&mut new_spec, &definition.org_id)
                    .await?;
                // A service made under the earlier naming keeps its name: swarm cannot rename a service.
                new_spec.name = Some(service_name.clone());
                if let Some(labels) = new_spec.labels.as_mut() {
                    labels.extend(self.extra_labels.clone());
                }
                spec::label_volumes(&mut new_spec, &self.extra_labels);
                match &located {
                    None => {
                        options.phase(format!("creating service {service_name}"));
                        let credentials = self.registry_credentials_for(&definition.image);
                        let created = self.docker.create_service(new_spec, credentials).await?;
                        Ok(created.id.unwrap_or_default())
                    }
                    Some((_, service)) => {
                        options.phase(format!("updating service {service_name}"));
                        let id = service.id.clone().unwrap_or_default();
                        let version = service.version.as_ref().and_then(|v| v.index).unwrap_or(0);
                        self.write_spec(&id, new_spec, version, None).await?;
                        Ok(id)
                    }
                }
            }
            .await;
            match attempt_result {
                Ok(id) => break Ok(id),
                // Someone wrote the service (or created it) since we read it: read again and re-apply.
                Err(error)
                    if (error.is_out_of_sequence() || error.engine_status() == Some(409))
                        && attempt < OUT_OF_SEQUENCE_ATTEMPTS =>
                {
                    info!(%service_name, attempt, %error, "the service changed under us; applying the change again");
                    attempt += 1;
                    let again = async {
                        located = self.locate_service(org_id, slug).await?;
                        change.desired(located.as_ref())
                    }
                    .await;
                    match again {
                        Ok(desired) => definition = desired,
                        Err(error) => break Err(error),
                    }
                }
                Err(error) if error.is_out_of_sequence() || error.engine_status() == Some(409) => {
                    break Err(Error::Conflict {
                        service: service_name.clone(),
                        attempts: attempt,
                    })
                }
                Err(error) => break Err(error),
            }
        };
        // Another client may have created the service first; then this write was an update of it.
        let created = created && located.is_none();
        let service_id = match written {
            Ok(id) => id,
            Err(error) => {
                self.finish_record(&deployment_id, Outcome::Failed, Some(&error.to_string()))
                    .await?;
                return Err(error);
            }
        };
        if let Err(error) = self.prune_history(&service_name).await {
            warn!(%error, "old deployment records were not pruned");
        }
        options.phase("waiting for the new tasks to run and stay healthy");
        let expect = if created {
            Expect::Create
        } else {
            Expect::Update
        };
        let verdict = match self
            .judge(&service_id, &deployment_id, expect, options)
            .await
        {
            Ok(verdict) => verdict,
            Err(error) => Verdict::Interrupted(error.to_string()),
        };
        self.conclude(&record, &service_id, verdict, created, options)
            .await
    }

    /// Refuses a definition the swarm could not schedule in full, before anything is written; `updating` when
    /// it replaces running tasks.
    pub(crate) async fn check_definition_capacity(
        &self,
        definition: &ServiceDefinition,
        updating: bool,
    ) -> Result<()> {
        let limits = spec::service_spec(definition, "", "");
        let limit = limits
            .task_template
            .as_ref()
            .and_then(|t| t.resources.as_ref()?.limits.clone())
            .unwrap_or_default();
        let policy = &definition.update_policy;
        let surge = match policy.order {
            UpdateOrder::StartFirst if updating => policy.parallelism.min(definition.replicas),
            _ => 0,
        };
        self.check_capacity(crate::placement::Demand {
            nano_cpus: limit.nano_cpus.unwrap_or(0),
            memory_bytes: limit.memory_bytes.unwrap_or(0),
            replicas: definition.replicas,
            placement: &definition.placement,
            surge,
        })
        .await
    }

    /// Records the gate's verdict and, on a failed health check of an update, restores the previous spec.
    async fn conclude(
        &self,
        record: &DeploymentRecord,
        service_id: &str,
        verdict: Verdict,
        created: bool,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        let deployment_id = &record.deployment_id;
        let service = record.service_name.clone();
        match verdict {
            Verdict::Healthy { container_id } => {
                self.finish_record(deployment_id, Outcome::Succeeded, None)
                    .await?;
                Ok(DeployOutcome {
                    swarm_service_id: service_id.to_string(),
                    service_name: service,
                    deployment_id: deployment_id.clone(),
                    created,
                    container_id,
                    image: record.image.clone(),
                    disk: record.disk.clone(),
                })
            }
            Verdict::RolledBackBySwarm(message) => {
                self.finish_record(deployment_id, Outcome::RolledBackBySwarm, Some(&message))
                    .await?;
                Err(Error::RolledBackBySwarm { service, message })
            }
            Verdict::Superseded(by) => {
                let reason = format!("deployment {by} replaced it before it finished");
                self.finish_record(deployment_id, Outcome::Superseded, Some(&reason))
                    .await?;
                Err(Error::Superseded { service, by })
            }
            Verdict::Interrupted(reason) => {
                // Best effort: the engine may still be away; reconcile settles the record from what runs.
                if let Err(error) = self
                    .finish_record(deployment_id, Outcome::Interrupted, Some(&reason))
                    .await
                {
                    warn!(%error, %deployment_id, "the interrupted outcome could not be recorded");
                }
                Err(Error::GateInterrupted { service, reason })
            }
            Verdict::Unhealthy(reason) => {
                let rolled_back = !created;
                if rolled_back {
                    options.phase(format!("health check failed ({reason}); rolling back"));
                    self.write_with_retry(service_id, |_| None, Some("previous"))
                        .await?;
                }
                self.finish_record(deployment_id, Outcome::FailedHealthCheck, Some(&reason))
                    .await?;
                Err(Error::HealthCheckFailed {
                    service,
                    reason,
                    rolled_back,
                })
            }
        }
    }

    /// Writes a spec against the service's current version, re-reading and retrying when swarm's optimistic
    /// lock refuses a stale version. `change` returns the spec to write (None writes the current one back,
    /// as a native rollback does).
    async fn write_with_retry(
        &self,
        service_id: &str,
        change: impl Fn(&ServiceSpec) -> Option<ServiceSpec>,
        rollback: Option<&str>,
    ) -> Result<()> {
        let mut attempt = 1;
        loop {
            let current = self.docker.inspect_service(service_id, None).await?;
            let version = current.version.as_ref().and_then(|v| v.index).unwrap_or(0);
            let mut current_spec = current.spec.unwrap_or_default();
            spec::restore_dropped_fields(&mut current_spec);
            let spec = change(&current_spec).unwrap_or(current_spec);
            match self.write_spec(service_id, spec, version, rollback).await {
                Ok(()) => return Ok(()),
                Err(error) if error.is_out_of_sequence() && attempt < OUT_OF_SEQUENCE_ATTEMPTS => {
                    info!(%service_id, attempt, "update out of sequence; retrying on a fresh version");
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// One spec write, accepted by the swarm only while the service is still at `version`.
    async fn write_spec(
        &self,
        service_id: &str,
        spec: ServiceSpec,
        version: u64,
        rollback: Option<&str>,
    ) -> Result<()> {
        let options = UpdateServiceOptions {
            version: i32::try_from(version).unwrap_or(i32::MAX),
            rollback: rollback.map(str::to_string),
            ..Default::default()
        };
        // Every write carries the login for its image's registry, so a node that must pull (a reschedule, a
        // scale) can.
        let credentials =
            spec::image_of(&spec).and_then(|image| self.registry_credentials_for(&image));
        let response = self
            .docker
            .update_service(service_id, spec, options, credentials)
            .await?;
        for warning in response.warnings.unwrap_or_default() {
            warn!(%service_id, %warning, "engine warning");
        }
        Ok(())
    }

    /// The organization's service of this slug, under its name or, for a service deployed before names were
    /// made unambiguous, under the earlier name when its labels say it is exactly this one. A service holding
    /// the name that is not this organization's is refused, naming its holder.
    async fn locate_service(&self, org_id: &str, slug: &str) -> Result<Option<(String, Service)>> {
        let name = naming::service_name(org_id, slug);
        if let Some(service) = self.find_service(&name).await? {
            let labels = service.spec.as_ref().and_then(|s| s.labels.as_ref());
            ownership::service_owner(&name, labels, Some((org_id, slug)))?;
            return Ok(Some((name, service)));
        }
        let legacy = naming::legacy_service_name(org_id, slug);
        if legacy == name {
            return Ok(None);
        }
        Ok(self.find_service(&legacy).await?.and_then(|service| {
            let labels = service.spec.as_ref().and_then(|s| s.labels.as_ref());
            ownership::service_owner(&legacy, labels, Some((org_id, slug)))
                .ok()
                .map(|_| (legacy, service))
        }))
    }
}

/// How long an in-progress record is presumed alive when its writer cannot be checked.
fn lease(definition: &ServiceDefinition, options: &RunOptions) -> Duration {
    let policy = &definition.update_policy;
    let per_task = policy.delay + policy.monitor;
    options.gate.timeout + per_task * definition.replicas + LEASE_MARGIN
}
