//! Stacks: a compose file deployed into an organization as one deployment — previewed, written in dependency
//! order with each service's health gate, undone as a whole when one service fails, recorded, rolled back to an
//! earlier stack deployment, and exported again as a compose file.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::UnboundedSender;

use crate::compose::{self, ComposeSource};
use crate::error::{Error, Result};
use crate::files::FileContent;
use crate::gate::Progress;
use crate::model::{HealthGate, ServiceDefinition};
use crate::naming::{label, MANAGED_BY};
use crate::status::current_definition;
use crate::{ownership, spec, Orchestrator};

mod adopt;
mod plan;
mod record;
mod run;

pub use adopt::{ForeignStack, STACK_NAMESPACE};
pub use plan::{field_changes, FieldChange, PlanAction, PlannedService, MASKED};
use plan::{Live, Step, Wanted};
pub use record::{StackEntry, StackOutcome, StackRecord, StackTrigger, STACK_HISTORY_LIMIT};

/// A compose file to deploy into an organization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackRequest {
    /// The organization the services go into.
    pub org_id: String,
    /// The compose file.
    pub source: ComposeSource,
    /// Remove the organization's services the file does not name.
    #[serde(default)]
    pub prune: bool,
}

/// What a stack deployment would do, service by service, in deployment order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackPlan {
    /// The organization.
    pub org_id: String,
    /// Services to write in order, then those removed or kept.
    pub services: Vec<PlannedService>,
}

impl StackPlan {
    /// Whether deploying would change nothing.
    pub fn is_empty(&self) -> bool {
        self.services
            .iter()
            .all(|s| matches!(s.action, PlanAction::Unchanged | PlanAction::Kept))
    }
}

/// A step of a stack deployment as it happens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StackProgress {
    /// What this deployment will do, service by service, in order; sent before anything is written.
    Planned {
        /// Each service.
        services: Vec<PlannedService>,
    },
    /// Something about the whole stack.
    Stack {
        /// What is happening, in words.
        message: String,
    },
    /// A service's own progress: phases, tasks, update state.
    Service {
        /// The service's slug.
        slug: String,
        /// What happened.
        progress: Progress,
    },
    /// A service is done, one way or another.
    ServiceDone {
        /// The service's slug.
        slug: String,
        /// How it ended.
        state: ServiceRunState,
    },
}

/// How one service of a stack deployment ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceRunState {
    /// Written and healthy.
    Deployed,
    /// Already as wanted.
    Unchanged,
    /// Removed (prune, or a rollback to a stack without it).
    Removed,
    /// Its own deployment failed.
    Failed {
        /// Why.
        reason: String,
    },
    /// Put back as it was before the stack deployment (or removed, when the stack created it).
    Undone,
    /// Never reached: an earlier service failed.
    Skipped,
}

/// Where stack progress goes.
pub type StackProgressSender = UnboundedSender<StackProgress>;

/// Options of a stack deployment or rollback.
#[derive(Debug, Clone, Default)]
pub struct StackRunOptions {
    /// How each service is judged.
    pub gate: HealthGate,
    /// Where progress goes.
    pub progress: Option<StackProgressSender>,
}

impl StackRunOptions {
    fn say(&self, message: impl Into<String>) {
        self.send(StackProgress::Stack {
            message: message.into(),
        });
    }

    fn send(&self, event: StackProgress) {
        if let Some(progress) = &self.progress {
            // Nobody watching any more does not stop the work.
            let _ = progress.send(event);
        }
    }
}

/// A finished stack deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StackResult {
    /// The stack deployment's id.
    pub stack_id: String,
    /// What was done to each service.
    pub services: Vec<PlannedService>,
}

impl Orchestrator {
    /// What deploying the compose file would do; reads the engine, writes nothing.
    #[tracing::instrument(skip_all, fields(org = %request.org_id), err(Debug))]
    pub async fn stack_plan(&self, request: &StackRequest) -> Result<StackPlan> {
        let (steps, _) = self.compose_steps(request).await?;
        Ok(StackPlan {
            org_id: request.org_id.clone(),
            services: steps.into_iter().map(|s| s.planned).collect(),
        })
    }

    /// Deploys a compose file as one stack deployment: services in dependency order, each through its health
    /// gate; when one fails, every service it touched is put back and the error says which one failed.
    #[tracing::instrument(skip_all, fields(org = %request.org_id), err(Debug))]
    pub async fn stack_deploy(
        &self,
        request: &StackRequest,
        options: &StackRunOptions,
    ) -> Result<StackResult> {
        crate::validate::health_gate(&options.gate)?;
        let (steps, files) = self.compose_steps(request).await?;
        let trigger = StackTrigger::Deploy {
            file: request.source.file_name.clone(),
        };
        self.run_stack(&request.org_id, steps, &files, trigger, options)
            .await
    }

    /// Restores an earlier stack deployment of the organization — by default the one before the deployment that
    /// runs now — as a new stack deployment: its services with their exact images, and services created since
    /// by stack deployments removed. Services deployed outside stacks stay as they are.
    #[tracing::instrument(skip(self, options), err(Debug))]
    pub async fn stack_rollback(
        &self,
        org_id: &str,
        to: Option<&str>,
        options: &StackRunOptions,
    ) -> Result<StackResult> {
        crate::validate::health_gate(&options.gate)?;
        let history = self.stack_history(org_id).await?;
        let target = match to {
            Some(id) => {
                history
                    .iter()
                    .find(|r| r.stack_id == id)
                    .ok_or_else(|| Error::NotFound {
                        kind: "stack deployment",
                        name: format!("{id} of {org_id}"),
                    })?
            }
            None => run::previous_stack(&history).ok_or_else(|| Error::NothingToRollBackTo {
                service: format!("the stack of {org_id}"),
                current: history
                    .iter()
                    .find(|r| r.outcome == StackOutcome::Succeeded)
                    .map_or("none".to_string(), |r| r.stack_id.clone()),
            })?,
        };
        let wanted = self.restorable(target).await?;
        let created_since: Vec<String> = history
            .iter()
            .take_while(|r| r.stack_id != target.stack_id)
            .flat_map(|r| r.services.iter())
            .filter(|entry| entry.action == PlanAction::Create)
            .map(|entry| entry.slug.clone())
            .collect();
        let live = self.live_services(org_id).await?;
        let steps = plan::steps(wanted, live, |l| created_since.contains(&l.definition.slug));
        let trigger = StackTrigger::Rollback {
            to: target.stack_id.clone(),
        };
        options.say(format!(
            "rolling the stack of {org_id} back to {}",
            target.stack_id
        ));
        // The files a rollback names exist already: versions are never overwritten, only added.
        self.run_stack(org_id, steps, &[], trigger, options).await
    }

    /// The organization's services as a compose file that reads back to exactly what runs.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn stack_export(&self, org_id: &str) -> Result<String> {
        crate::validate::org_id(org_id)?;
        let mut definitions: Vec<ServiceDefinition> = self
            .live_services(org_id)
            .await?
            .into_iter()
            .map(|l| l.definition)
            .collect();
        definitions.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(compose::export(&definitions))
    }

    async fn compose_steps(&self, request: &StackRequest) -> Result<(Vec<Step>, Vec<FileContent>)> {
        let stack = compose::read(&request.source, &request.org_id)?;
        let wanted = stack
            .services
            .into_iter()
            .map(|service| Wanted {
                definition: service.definition,
                depends_on: service
                    .depends_on
                    .into_iter()
                    .map(|(name, _)| name)
                    .collect(),
            })
            .collect();
        let live = self.live_services(&request.org_id).await?;
        Ok((plan::steps(wanted, live, |_| request.prune), stack.files))
    }

    /// The organization's running services, each only once its labels prove it is this organization's.
    async fn live_services(&self, org_id: &str) -> Result<Vec<Live>> {
        let services = self
            .list_services_with_status(vec![
                format!("{}={org_id}", label::ORG),
                format!("{}={MANAGED_BY}", label::MANAGED_BY),
            ])
            .await?;
        let mut live = Vec::new();
        for service in services {
            let spec = service.spec.as_ref();
            let name = spec.and_then(|s| s.name.clone()).unwrap_or_default();
            match ownership::service_owner(&name, spec.and_then(|s| s.labels.as_ref()), None) {
                Ok(owner) if owner.org_id == org_id => {}
                _ => continue,
            }
            live.push(Live {
                definition: current_definition(&name, &service)?,
                deployment_id: spec.and_then(spec::deployment_of),
                service_name: name,
            });
        }
        Ok(live)
    }

    /// The services of a stack record as they were then: from each service's own deployment record where it
    /// still exists (its exact image), else from the stack record's definition.
    async fn restorable(&self, target: &StackRecord) -> Result<Vec<Wanted>> {
        let mut wanted = Vec::new();
        for entry in &target.services {
            let Some(definition) = &entry.definition else {
                continue;
            };
            if matches!(entry.action, PlanAction::Remove | PlanAction::Kept) {
                continue;
            }
            let mut definition = definition.clone();
            if let Some(id) = &entry.deployment_id {
                if let Ok(record) = self.deployment_record(&definition.service_name(), id).await {
                    definition = record.definition.clone();
                    definition.image = self.exact_image(&record.image).await;
                }
            }
            wanted.push(Wanted {
                definition,
                depends_on: Vec::new(),
            });
        }
        Ok(wanted)
    }
}

/// How long a stack record in progress is presumed alive when its writer cannot be checked.
fn stack_lease(steps: &[Step], options: &StackRunOptions) -> Duration {
    let per_service = options.gate.timeout + Duration::from_secs(120);
    per_service * u32::try_from(steps.len() * 2).unwrap_or(u32::MAX)
}
