//! The read side: services, their tasks and their update state as the swarm reports them. Writers (deploys,
//! the health gate, the history) all read through here, so none of them depends on another to look.

use std::collections::HashMap;

use bollard::models::{Service, ServiceUpdateStatusStateEnum};
use bollard::query_parameters::{ListContainersOptions, ListTasksOptions};

use crate::error::{Error, Result};
use crate::model::{
    ServiceDefinition, ServiceStatus, TaskHealth, TaskInfo, UpdateState, UpdateStatus,
};
use crate::naming::label;
use crate::{ownership, spec, Orchestrator};

impl Orchestrator {
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
        let spec = service.spec.as_ref();
        let labels = spec.and_then(|s| s.labels.as_ref());
        ownership::service_owner(service_name, labels, None)?;
        let tasks = self.task_infos(&id).await?;
        let counts = service.service_status.as_ref();
        Ok(ServiceStatus {
            swarm_service_id: id,
            service_name: service_name.to_string(),
            org_id: labels.and_then(|l| l.get(label::ORG).cloned()),
            slug: labels.and_then(|l| l.get(label::SLUG).cloned()),
            deployment_id: labels.and_then(|l| l.get(label::DEPLOYMENT_ID).cloned()),
            image: spec.and_then(crate::spec::image_of),
            placement: crate::placement::placement_of(
                spec.and_then(|s| s.task_template.as_ref()?.placement.as_ref()),
            ),
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

    /// One service by its exact name, whoever's it is (callers check); none when there is none.
    pub(crate) async fn find_service(&self, service_name: &str) -> Result<Option<Service>> {
        match self
            .docker
            .inspect_service(service_name, None)
            .await
            .map_err(Error::from)
        {
            // Inspect also answers to ids and id prefixes: only the exact name counts.
            Ok(service)
                if service.spec.as_ref().and_then(|s| s.name.as_deref()) == Some(service_name) =>
            {
                Ok(Some(service))
            }
            Ok(_) => Ok(None),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The service's current definition, as its spec holds it.
    pub async fn service_definition(&self, service_name: &str) -> Result<ServiceDefinition> {
        let service = self.inspect_ours(service_name).await?;
        current_definition(service_name, &service)
    }

    /// A service we manage, by exact name. One that is not ours is refused, naming whose it is.
    pub(crate) async fn inspect_ours(&self, service_name: &str) -> Result<Service> {
        let not_found = || Error::NotFound {
            kind: "service",
            name: service_name.to_string(),
        };
        let service = self
            .find_service(service_name)
            .await?
            .ok_or_else(not_found)?;
        let spec = service.spec.as_ref();
        ownership::service_owner(service_name, spec.and_then(|s| s.labels.as_ref()), None)?;
        Ok(service)
    }

    /// A service's tasks with their container health, newest first.
    pub(crate) async fn task_infos(&self, service_id: &str) -> Result<Vec<TaskInfo>> {
        let tasks = HashMap::from([("service".to_string(), vec![service_id.to_string()])]);
        let containers = HashMap::from([(
            "label".to_string(),
            vec![format!("com.docker.swarm.service.id={service_id}")],
        )]);
        self.tasks_matching(tasks, containers).await
    }

    /// Tasks the filters select with their container health, in two concurrent calls whatever their number.
    pub(crate) async fn tasks_matching(
        &self,
        task_filters: HashMap<String, Vec<String>>,
        container_filters: HashMap<String, Vec<String>>,
    ) -> Result<Vec<TaskInfo>> {
        let (tasks, containers) = tokio::try_join!(
            self.docker.list_tasks(Some(ListTasksOptions {
                filters: Some(task_filters),
            })),
            self.docker.list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(container_filters),
                ..Default::default()
            })),
        )?;
        let health_by_container: HashMap<String, TaskHealth> = containers
            .iter()
            .filter_map(|c| {
                Some((
                    c.id.clone()?,
                    health_from_status(c.status.as_deref().unwrap_or("")),
                ))
            })
            .collect();
        let mut infos: Vec<TaskInfo> = tasks
            .into_iter()
            .map(|task| {
                let status = task.status.unwrap_or_default();
                let container = status.container_status.unwrap_or_default();
                let container_id = container.container_id.filter(|id| !id.is_empty());
                let health = container_id
                    .as_ref()
                    .and_then(|id| health_by_container.get(id).copied())
                    .unwrap_or(TaskHealth::Unknown);
                TaskInfo {
                    id: task.id.unwrap_or_default(),
                    service_id: task.service_id.unwrap_or_default(),
                    slot: task.slot.and_then(|s| u64::try_from(s).ok()),
                    state: status.state.map(|s| s.to_string()).unwrap_or_default(),
                    desired_state: task
                        .desired_state
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    health,
                    node_id: task.node_id,
                    error: status.err,
                    message: status.message,
                    container_id,
                    deployment_id: task.spec.and_then(|spec| {
                        spec.container_spec?
                            .labels?
                            .get(label::DEPLOYMENT_ID)
                            .cloned()
                    }),
                    exit_code: container.exit_code,
                    updated_at: status.timestamp,
                }
            })
            .collect();
        infos.sort_by(|a, b| b.updated_at.cmp(&a.updated_at));
        Ok(infos)
    }
}

pub(crate) fn current_definition(
    service_name: &str,
    service: &Service,
) -> Result<ServiceDefinition> {
    service
        .spec
        .as_ref()
        .and_then(spec::definition_from_spec)
        .ok_or_else(|| Error::CorruptRecord {
            config: service_name.to_string(),
            reason: "the service spec lacks Swarmdeck's labels or image".to_string(),
        })
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

impl TaskHealth {
    /// Running tasks without a check, or on a node whose containers we cannot see, count as healthy: the swarm
    /// only reports a task with a health check as running once the check passed.
    pub fn counts_as_healthy(self) -> bool {
        matches!(
            self,
            TaskHealth::Healthy | TaskHealth::NoCheck | TaskHealth::Unknown
        )
    }
}

/// Health from the engine's container status text (`Up 3 seconds (healthy)`), which every API version has.
pub fn health_from_status(status: &str) -> TaskHealth {
    if status.contains("(healthy)") {
        TaskHealth::Healthy
    } else if status.contains("(unhealthy)") {
        TaskHealth::Unhealthy
    } else if status.contains("(health: starting)") {
        TaskHealth::Starting
    } else if status.starts_with("Up") {
        TaskHealth::NoCheck
    } else {
        TaskHealth::Unknown
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
    fn health_is_read_from_status_text() {
        assert_eq!(
            health_from_status("Up 3 seconds (healthy)"),
            TaskHealth::Healthy
        );
        assert_eq!(
            health_from_status("Up 1 minute (unhealthy)"),
            TaskHealth::Unhealthy
        );
        assert_eq!(
            health_from_status("Up 1 second (health: starting)"),
            TaskHealth::Starting
        );
        assert_eq!(health_from_status("Up 2 hours"), TaskHealth::NoCheck);
        assert_eq!(
            health_from_status("Exited (1) 3 seconds ago"),
            TaskHealth::Unknown
        );
    }
}
