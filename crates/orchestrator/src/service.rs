//! Deploy, update, scale, remove, status and rollbacks of organization services.

use std::time::Duration;

use bollard::models::{Service, ServiceSpec, ServiceUpdateStatusStateEnum};
use bollard::query_parameters::UpdateServiceOptions;
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::gate::{Expect, RunOptions, Verdict};
use crate::model::{
    DeployOutcome, DeployRequest, DeploymentRecord, DiskEnforcement, Outcome, ServiceDefinition,
    ServiceStatus, Trigger, UpdateRequest, UpdateState, UpdateStatus,
};
use crate::naming::{self, label};
use crate::{spec, validate, Orchestrator};

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
        let deployment_id = request
            .deployment_id
            .clone()
            .unwrap_or_else(naming::new_deployment_id);
        let definition = validate::deploy_request(request, &deployment_id)?;
        self.apply(definition, deployment_id, Trigger::Deploy, options)
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
        let deployment_id = request
            .deployment_id
            .clone()
            .unwrap_or_else(naming::new_deployment_id);
        validate::deployment_id_rules(&deployment_id)?;
        let service = self.inspect_ours(service_name).await?;
        let mut definition = current_definition(service_name, &service)?;
        if request.image_name.is_some() || request.image_tag.is_some() {
            let current_name = crate::images::repository_of(&definition.image).to_string();
            let name = request.image_name.clone().unwrap_or(current_name);
            let tag = match &request.image_tag {
                Some(tag) => tag.clone(),
                None => current_tag(&definition.image).ok_or_else(|| {
                    Error::invalid(
                        "image_tag",
                        "the current image has no tag to keep: give one",
                    )
                })?,
            };
            definition.image = validate::image_reference(&name, &tag)?;
        }
        if let Some(env) = &request.env {
            definition.env = env.clone();
        }
        if let Some(resources) = &request.resources {
            definition.resources = resources.clone();
        }
        if let Some(replicas) = request.replicas {
            definition.replicas = replicas;
        }
        if let Some(check) = &request.health_check {
            definition.health_check = check.clone();
        }
        if let Some(policy) = &request.update_policy {
            definition.update_policy = policy.clone();
        }
        validate::definition(&definition)?;
        self.apply(definition, deployment_id, Trigger::Deploy, options)
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
        let record = self.deployment_record(service_name, deployment_id).await?;
        let mut definition = record.definition.clone();
        definition.image = record.image.pinned().to_string();
        let trigger = Trigger::RollbackTo {
            deployment_id: deployment_id.to_string(),
        };
        self.apply(definition, naming::new_deployment_id(), trigger, options)
            .await
    }

    /// The swarm's native rollback to the spec before the last write, recorded as a deployment.
    ///
    /// When the last write was a scale, the swarm's previous spec is the same deployment at another size;
    /// rolling back then restores the previous recorded deployment instead, as the user means.
    #[tracing::instrument(skip(self, options), err(Debug))]
    pub async fn rollback(
        &self,
        service_name: &str,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        let service = self.inspect_ours(service_name).await?;
        let spec = service.spec.clone().unwrap_or_default();
        let live = spec::deployment_of(&spec).unwrap_or_default();
        let history = self.deployment_history(service_name).await?;
        let previous = history
            .iter()
            .skip_while(|record| record.deployment_id != live)
            .skip(1)
            .find(|record| matches!(record.outcome, Outcome::Succeeded | Outcome::Superseded))
            .cloned()
            .ok_or_else(|| Error::NotFound {
                kind: "previous deployment",
                name: service_name.to_string(),
            })?;
        if last_write(&spec) == Some(LastWrite::Scale) {
            return self
                .rollback_to(service_name, &previous.deployment_id, options)
                .await;
        }
        let service_id = service.id.clone().unwrap_or_default();
        let mut record = previous.clone();
        record.deployment_id = naming::new_deployment_id();
        record.started_at = crate::history::now_rfc3339();
        record.finished_at = None;
        record.reason = None;
        record.outcome = Outcome::InProgress;
        record.trigger = Trigger::RollbackPrevious;
        self.begin_record(&record, lease(&record.definition, options))
            .await?;
        options.phase(format!(
            "rolling {service_name} back to deployment {}",
            previous.deployment_id
        ));
        let written = self
            .write_with_retry(&service_id, |_| None, Some("previous"))
            .await;
        if let Err(error) = written {
            self.finish_record(
                &record.deployment_id,
                Outcome::Failed,
                Some(&error.to_string()),
            )
            .await?;
            return Err(error);
        }
        let verdict = self
            .judge(
                &service_id,
                &previous.deployment_id,
                Expect::NativeRollback,
                options,
            )
            .await?;
        self.conclude(&record, &service_id, verdict, false, options)
            .await
    }

    /// Sets the replica count, keeping the service's update policy in the spec.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn scale(&self, service_name: &str, replicas: u32) -> Result<()> {
        validate::replicas("replicas", replicas, 0)?;
        let service = self.inspect_ours(service_name).await?;
        let id = service.id.clone().unwrap_or_default();
        self.write_with_retry(
            &id,
            |current| {
                let mut spec = current.clone();
                spec::set_replicas(&mut spec, replicas);
                let policy = spec::recorded_policy(&spec);
                spec::apply_policy(&mut spec, &policy);
                set_last_write(&mut spec, LastWrite::Scale);
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

    /// Desired and running replicas (one list call with `status=true`) and each task's state, health and node.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn service_status(&self, service_name: &str) -> Result<ServiceStatus> {
        let service =
            self.find_with_status(service_name)
                .await?
                .ok_or_else(|| Error::NotFound {
                    kind: "service",
                    name: service_name.to_string(),
                })?;
        let id = service.id.clone().unwrap_or_default();
        let tasks = self.task_infos(&id).await?;
        let spec = service.spec.as_ref();
        let labels = spec.and_then(|s| s.labels.as_ref());
        let counts = service.service_status.as_ref();
        Ok(ServiceStatus {
            swarm_service_id: id,
            service_name: service_name.to_string(),
            org_id: labels.and_then(|l| l.get(label::ORG).cloned()),
            slug: labels.and_then(|l| l.get(label::SLUG).cloned()),
            deployment_id: labels.and_then(|l| l.get(label::DEPLOYMENT_ID).cloned()),
            image: spec.and_then(|s| {
                s.task_template
                    .as_ref()?
                    .container_spec
                    .as_ref()?
                    .image
                    .clone()
            }),
            desired: counts.and_then(|c| c.desired_tasks).unwrap_or(0),
            running: counts.and_then(|c| c.running_tasks).unwrap_or(0),
            update: update_status(&service),
            tasks,
        })
    }

    /// The swarm's state of the service's last update or rollback.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn update_status(&self, service_name: &str) -> Result<UpdateStatus> {
        Ok(update_status(&self.inspect_ours(service_name).await?))
    }

    /// Writes a definition as a new deployment: record first, then the spec, then the health gate.
    async fn apply(
        &self,
        definition: ServiceDefinition,
        deployment_id: String,
        trigger: Trigger,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        let service_name = definition.service_name();
        options.phase("checking the swarm");
        self.ensure_swarm().await?;
        let limits = spec::service_spec(&definition, &deployment_id, "");
        let limit = limits
            .task_template
            .as_ref()
            .and_then(|t| t.resources.as_ref()?.limits.clone())
            .unwrap_or_default();
        self.check_capacity(
            limit.nano_cpus.unwrap_or(0),
            limit.memory_bytes.unwrap_or(0),
        )
        .await?;
        options.phase(format!("resolving image {}", definition.image));
        let image = self
            .resolve_image(&definition.image, &deployment_id)
            .await?;
        let network = self.ensure_org_network(&definition.org_id).await?;
        let existing = self.find_service(&service_name).await?;
        if existing.is_some() {
            self.reconcile_history(&service_name).await?;
        }
        let record = DeploymentRecord {
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
        self.begin_record(&record, lease(&definition, options))
            .await?;
        let mut new_spec = spec::service_spec(&definition, &deployment_id, &network.id);
        if let Some(labels) = new_spec.labels.as_mut() {
            labels.extend(self.extra_labels.clone());
        }
        set_last_write(&mut new_spec, LastWrite::Deploy);
        let written = match &existing {
            None => {
                options.phase(format!("creating service {service_name}"));
                self.docker
                    .create_service(new_spec, None)
                    .await
                    .map_err(Error::from)
                    .map(|created| created.id.unwrap_or_default())
            }
            Some(service) => {
                options.phase(format!("updating service {service_name}"));
                let id = service.id.clone().unwrap_or_default();
                self.write_with_retry(&id, |_| Some(new_spec.clone()), None)
                    .await
                    .map(|()| id)
            }
        };
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
        let expect = if existing.is_some() {
            Expect::Update
        } else {
            Expect::Create
        };
        let verdict = self
            .judge(&service_id, &deployment_id, expect, options)
            .await?;
        self.conclude(&record, &service_id, verdict, existing.is_none(), options)
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
            Verdict::Unhealthy(reason) => {
                let rolled_back = !created && record.trigger != Trigger::RollbackPrevious;
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
            let options = UpdateServiceOptions {
                version: i32::try_from(version).unwrap_or(i32::MAX),
                rollback: rollback.map(str::to_string),
                ..Default::default()
            };
            match self
                .docker
                .update_service(service_id, spec, options, None)
                .await
                .map_err(Error::from)
            {
                Ok(response) => {
                    for warning in response.warnings.unwrap_or_default() {
                        warn!(%service_id, %warning, "engine warning");
                    }
                    return Ok(());
                }
                Err(error) if error.is_out_of_sequence() && attempt < OUT_OF_SEQUENCE_ATTEMPTS => {
                    info!(%service_id, attempt, "update out of sequence; retrying on a fresh version");
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn find_service(&self, service_name: &str) -> Result<Option<Service>> {
        match self
            .docker
            .inspect_service(service_name, None)
            .await
            .map_err(Error::from)
        {
            Ok(service) => Ok(Some(service)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The service's current definition, as its spec holds it.
    pub async fn service_definition(&self, service_name: &str) -> Result<ServiceDefinition> {
        let service = self.inspect_ours(service_name).await?;
        current_definition(service_name, &service)
    }

    /// A service we manage, by exact name; others are reported as not found rather than touched.
    async fn inspect_ours(&self, service_name: &str) -> Result<Service> {
        let not_found = || Error::NotFound {
            kind: "service",
            name: service_name.to_string(),
        };
        let service = self
            .find_service(service_name)
            .await?
            .ok_or_else(not_found)?;
        let spec = service.spec.as_ref();
        let ours = spec
            .and_then(|s| s.labels.as_ref()?.get(label::MANAGED_BY))
            .map(String::as_str)
            == Some(naming::MANAGED_BY);
        let exact = spec.and_then(|s| s.name.as_deref()) == Some(service_name);
        if ours && exact {
            Ok(service)
        } else {
            Err(not_found())
        }
    }
}

fn current_definition(service_name: &str, service: &Service) -> Result<ServiceDefinition> {
    service
        .spec
        .as_ref()
        .and_then(spec::definition_from_spec)
        .ok_or_else(|| Error::CorruptRecord {
            config: service_name.to_string(),
            reason: "the service spec lacks Swarmdeck's labels or image".to_string(),
        })
}

fn current_tag(image: &str) -> Option<String> {
    let without_digest = image.split('@').next()?;
    let repository = crate::images::repository_of(without_digest);
    without_digest
        .strip_prefix(repository)?
        .strip_prefix(':')
        .map(str::to_string)
}

/// How long an in-progress record is presumed alive when its writer cannot be checked.
fn lease(definition: &ServiceDefinition, options: &RunOptions) -> Duration {
    let policy = &definition.update_policy;
    let per_task = policy.delay + policy.monitor;
    options.gate.timeout + per_task * definition.replicas + LEASE_MARGIN
}

/// The swarm's update status, with all six states mapped and none when no update ran.
pub(crate) fn update_status(service: &Service) -> UpdateStatus {
    let Some(status) = service.update_status.as_ref() else {
        return UpdateStatus {
            state: UpdateState::None,
            message: None,
            started_at: None,
            completed_at: None,
        };
    };
    UpdateStatus {
        state: map_update_state(status.state),
        message: status.message.clone(),
        started_at: status.started_at.clone(),
        completed_at: status.completed_at.clone(),
    }
}

/// Maps the engine's update state.
pub fn map_update_state(state: Option<ServiceUpdateStatusStateEnum>) -> UpdateState {
    match state {
        Some(ServiceUpdateStatusStateEnum::UPDATING) => UpdateState::Updating,
        Some(ServiceUpdateStatusStateEnum::PAUSED) => UpdateState::Paused,
        Some(ServiceUpdateStatusStateEnum::COMPLETED) => UpdateState::Completed,
        Some(ServiceUpdateStatusStateEnum::ROLLBACK_STARTED) => UpdateState::RollbackStarted,
        Some(ServiceUpdateStatusStateEnum::ROLLBACK_PAUSED) => UpdateState::RollbackPaused,
        Some(ServiceUpdateStatusStateEnum::ROLLBACK_COMPLETED) => UpdateState::RollbackCompleted,
        Some(ServiceUpdateStatusStateEnum::EMPTY) | None => UpdateState::None,
    }
}

/// Which of our writes produced the current spec; decides what "roll back to previous" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LastWrite {
    Deploy,
    Scale,
}

const LAST_WRITE_LABEL: &str = "io.swarmdeck.last-write";

fn set_last_write(spec: &mut ServiceSpec, write: LastWrite) {
    let value = match write {
        LastWrite::Deploy => "deploy",
        LastWrite::Scale => "scale",
    };
    spec.labels
        .get_or_insert_with(Default::default)
        .insert(LAST_WRITE_LABEL.to_string(), value.to_string());
}

fn last_write(spec: &ServiceSpec) -> Option<LastWrite> {
    match spec.labels.as_ref()?.get(LAST_WRITE_LABEL)?.as_str() {
        "deploy" => Some(LastWrite::Deploy),
        "scale" => Some(LastWrite::Scale),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_six_update_states_and_none_are_mapped() {
        use ServiceUpdateStatusStateEnum as S;
        let mapped: Vec<UpdateState> = [
            None,
            Some(S::EMPTY),
            Some(S::UPDATING),
            Some(S::PAUSED),
            Some(S::COMPLETED),
            Some(S::ROLLBACK_STARTED),
            Some(S::ROLLBACK_PAUSED),
            Some(S::ROLLBACK_COMPLETED),
        ]
        .into_iter()
        .map(map_update_state)
        .collect();
        assert_eq!(
            mapped,
            vec![
                UpdateState::None,
                UpdateState::None,
                UpdateState::Updating,
                UpdateState::Paused,
                UpdateState::Completed,
                UpdateState::RollbackStarted,
                UpdateState::RollbackPaused,
                UpdateState::RollbackCompleted,
            ]
        );
    }

    #[test]
    fn current_tag_is_read_from_a_reference() {
        assert_eq!(current_tag("app:v1").as_deref(), Some("v1"));
        assert_eq!(
            current_tag("host:5000/app:v2@sha256:abc").as_deref(),
            Some("v2")
        );
        assert_eq!(current_tag("host:5000/app"), None);
    }

    #[test]
    fn scale_marks_its_write() {
        let mut spec = ServiceSpec::default();
        set_last_write(&mut spec, LastWrite::Scale);
        assert_eq!(last_write(&spec), Some(LastWrite::Scale));
    }
}
