//! Which running tasks a stats scope covers, and the engine each one is read from.

use std::collections::HashMap;

use bollard::Docker;

use super::StatsScope;
use crate::error::Result;
use crate::model::TaskInfo;
use crate::naming::label;
use crate::Orchestrator;

/// A service whose running tasks a scope reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScopeService {
    pub name: String,
    pub id: String,
    pub org_id: Option<String>,
}

impl Orchestrator {
    /// The scope's services and their running tasks, each with its service's name and the engine of its node (or
    /// why that engine is out of reach). Two engine calls for the tasks, whatever the number of services.
    pub(crate) async fn scope_tasks(
        &self,
        scope: &StatsScope,
    ) -> Result<(Vec<ScopeService>, Vec<ScopeTask>)> {
        let services: Vec<ScopeService> = match scope {
            StatsScope::Service(name) => {
                let service = self.inspect_ours(name).await?;
                let org_id = service
                    .spec
                    .and_then(|spec| spec.labels?.get(label::ORG).cloned());
                vec![ScopeService {
                    name: name.clone(),
                    id: service.id.unwrap_or_default(),
                    org_id,
                }]
            }
            StatsScope::All => self
                .list_services_with_status(vec![format!(
                    "{}={}",
                    label::MANAGED_BY,
                    crate::naming::MANAGED_BY
                )])
                .await?
                .into_iter()
                .map(|service| {
                    let spec = service.spec.unwrap_or_default();
                    ScopeService {
                        org_id: spec
                            .labels
                            .and_then(|labels| labels.get(label::ORG).cloned()),
                        name: spec.name.unwrap_or_default(),
                        id: service.id.unwrap_or_default(),
                    }
                })
                .collect(),
            StatsScope::Org(org) => self
                .list_org_services(org)
                .await?
                .into_iter()
                .map(|summary| ScopeService {
                    name: summary.service_name,
                    id: summary.swarm_service_id,
                    org_id: Some(org.clone()),
                })
                .collect(),
        };
        if services.is_empty() {
            return Ok((services, Vec::new()));
        }
        let own_node = self
            .docker
            .info()
            .await?
            .swarm
            .and_then(|swarm| swarm.node_id);
        let task_filters = HashMap::from([
            (
                "service".to_string(),
                services.iter().map(|service| service.id.clone()).collect(),
            ),
            ("desired-state".to_string(), vec!["running".to_string()]),
        ]);
        // Every swarm container: a label filter with several values would need all of them at once.
        let container_filters = HashMap::from([(
            "label".to_string(),
            vec!["com.docker.swarm.service.id".to_string()],
        )]);
        let running = self
            .tasks_matching(task_filters, container_filters)
            .await?
            .into_iter()
            .filter(|task| task.state == "running" && task.container_id.is_some());
        let mut engines: HashMap<String, std::result::Result<Docker, String>> = HashMap::new();
        let mut tasks = Vec::new();
        for task in running {
            let Some(service) = services
                .iter()
                .find(|service| service.id == task.service_id)
            else {
                continue;
            };
            let node = task.node_id.clone().unwrap_or_default();
            if !engines.contains_key(&node) {
                let engine = self
                    .engine_of_node(own_node.as_deref(), &node)
                    .await?
                    .map_err(|reason| format!("it runs on {reason}"));
                engines.insert(node.clone(), engine);
            }
            let engine = engines
                .get(&node)
                .cloned()
                .unwrap_or_else(|| Err(String::new()));
            tasks.push((service.name.clone(), task, engine));
        }
        Ok((services, tasks))
    }
}

/// A running task to read: its service's name, the task, and its node's engine or why there is none.
pub(crate) type ScopeTask = (String, TaskInfo, std::result::Result<Docker, String>);
