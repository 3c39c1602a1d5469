//! Running a stack deployment: write each service in order through its gate, and on a failure put back every
//! service the deployment touched, newest first.

use tokio::sync::mpsc::unbounded_channel;
use tracing::{info, warn};

use super::plan::{Live, PlanAction, Step};
use super::record::{StackEntry, StackOutcome, StackRecord, StackTrigger};
use super::{stack_lease, ServiceRunState, StackProgress, StackResult, StackRunOptions};
use crate::desired::Change;
use crate::error::{Error, Result};
use crate::files::FileContent;
use crate::gate::RunOptions;
use crate::model::{DeployOutcome, ServiceDefinition, Trigger};
use crate::{naming, Orchestrator};

/// Where "roll back the stack" lands: the newest successful stack deployment older than the one that runs now.
/// A rollback stands where the deployment it restored stood, so pressing again goes one further back.
pub(super) fn previous_stack(history: &[StackRecord]) -> Option<&StackRecord> {
    let succeeded: Vec<&StackRecord> = history
        .iter()
        .filter(|r| r.outcome == StackOutcome::Succeeded)
        .collect();
    let current = succeeded.first()?;
    let position = match &current.trigger {
        StackTrigger::Rollback { to } => to.as_str(),
        StackTrigger::Deploy { .. } => current.stack_id.as_str(),
    };
    let at = history.iter().position(|r| r.stack_id == position)?;
    history[at + 1..].iter().find(|r| {
        r.outcome == StackOutcome::Succeeded && matches!(r.trigger, StackTrigger::Deploy { .. })
    })
}

impl Orchestrator {
    pub(super) async fn run_stack(
        &self,
        org_id: &str,
        steps: Vec<Step>,
        files: &[FileContent],
        trigger: StackTrigger,
        options: &StackRunOptions,
    ) -> Result<StackResult> {
        options.say("checking the swarm");
        self.ensure_swarm().await?;
        // Every service must fit before the first is written: a stack refused halfway would only be undone.
        for step in &steps {
            if let (true, Some(desired)) = (step.planned.action.writes(), &step.desired) {
                self.check_definition_capacity(desired, step.current.is_some())
                    .await?;
            }
        }
        if !files.is_empty() {
            options.say("creating the secrets and configs the services name");
            self.ensure_files(org_id, files).await?;
        }
        let entries: Vec<StackEntry> = steps
            .iter()
            .map(|step| StackEntry {
                slug: step.planned.slug.clone(),
                action: step.planned.action,
                deployment_id: match step.planned.action {
                    PlanAction::Create | PlanAction::Update => Some(naming::new_deployment_id()),
                    PlanAction::Unchanged => {
                        step.current.as_ref().and_then(|c| c.deployment_id.clone())
                    }
                    PlanAction::Remove | PlanAction::Kept => None,
                },
                definition: step.desired.clone(),
            })
            .collect();
        let record = StackRecord {
            stack_id: naming::new_deployment_id(),
            org_id: org_id.to_string(),
            started_at: crate::history::now_rfc3339(),
            finished_at: None,
            outcome: StackOutcome::InProgress,
            reason: None,
            trigger,
            services: entries,
        };
        self.begin_stack_record(&record, stack_lease(&steps, options))
            .await?;
        options.send(StackProgress::Planned {
            services: steps.iter().map(|s| s.planned.clone()).collect(),
        });
        let mut done = Vec::new();
        let mut failure = None;
        for (index, step) in steps.iter().enumerate() {
            let slug = step.planned.slug.clone();
            match (
                step.planned.action,
                &step.desired,
                &record.services[index].deployment_id,
            ) {
                (PlanAction::Create | PlanAction::Update, Some(desired), Some(deployment_id)) => {
                    let result = self
                        .deploy_one(
                            &slug,
                            desired,
                            deployment_id.clone(),
                            Trigger::Deploy,
                            options,
                        )
                        .await;
                    match result {
                        Ok(_) => {
                            options.send(StackProgress::ServiceDone {
                                slug,
                                state: ServiceRunState::Deployed,
                            });
                            done.push(index);
                        }
                        Err(error) => {
                            failure = Some((index, error));
                            break;
                        }
                    }
                }
                (PlanAction::Unchanged, _, _) => options.send(StackProgress::ServiceDone {
                    slug,
                    state: ServiceRunState::Unchanged,
                }),
                _ => {}
            }
        }
        if let Some((failed, error)) = failure {
            return Err(self
                .roll_back_stack(&record, &steps, failed, error, &done, options)
                .await);
        }
        for step in steps
            .iter()
            .filter(|s| s.planned.action == PlanAction::Remove)
        {
            options.say(format!("removing {}", step.planned.service_name));
            if let Err(error) = self.remove_service(&step.planned.service_name).await {
                let reason = format!("removing {} failed: {error}", step.planned.slug);
                self.finish_stack_record(&record, StackOutcome::Failed, Some(&reason))
                    .await?;
                return Err(error);
            }
            options.send(StackProgress::ServiceDone {
                slug: step.planned.slug.clone(),
                state: ServiceRunState::Removed,
            });
        }
        self.finish_stack_record(&record, StackOutcome::Succeeded, None)
            .await?;
        if let Err(error) = self.prune_stack_history(org_id).await {
            warn!(%error, "old stack records were not pruned");
        }
        info!(%org_id, stack_id = %record.stack_id, "stack deployed");
        Ok(StackResult {
            stack_id: record.stack_id,
            services: steps.into_iter().map(|s| s.planned).collect(),
        })
    }

    /// One service through the usual deployment path, its progress tagged with its slug.
    async fn deploy_one(
        &self,
        slug: &str,
        definition: &ServiceDefinition,
        deployment_id: String,
        trigger: Trigger,
        options: &StackRunOptions,
    ) -> Result<DeployOutcome> {
        let (sender, forward) = match options.progress.clone() {
            Some(out) => {
                let (sender, mut receiver) = unbounded_channel();
                let tagged = slug.to_string();
                let forward = tokio::spawn(async move {
                    while let Some(progress) = receiver.recv().await {
                        let _ = out.send(StackProgress::Service {
                            slug: tagged.clone(),
                            progress,
                        });
                    }
                });
                (Some(sender), Some(forward))
            }
            None => (None, None),
        };
        let run = RunOptions {
            gate: options.gate.clone(),
            progress: sender,
        };
        let result = self
            .apply(
                Change::Whole(Box::new(definition.clone())),
                deployment_id,
                trigger,
                &run,
            )
            .await;
        drop(run);
        // The forwarder ends once the sender is dropped and the queue is drained.
        if let Some(forward) = forward {
            let _ = forward.await;
        }
        result
    }

    /// Puts back every service the stack deployment touched, the failed one first, then the others newest first;
    /// records the outcome and returns the error that names the failed service.
    async fn roll_back_stack(
        &self,
        record: &StackRecord,
        steps: &[Step],
        failed: usize,
        error: Error,
        done: &[usize],
        options: &StackRunOptions,
    ) -> Error {
        let failed_step = &steps[failed];
        let failed_slug = failed_step.planned.slug.clone();
        options.send(StackProgress::ServiceDone {
            slug: failed_slug.clone(),
            state: ServiceRunState::Failed {
                reason: error.to_string(),
            },
        });
        for step in steps[failed + 1..]
            .iter()
            .filter(|s| s.planned.action.writes())
        {
            options.send(StackProgress::ServiceDone {
                slug: step.planned.slug.clone(),
                state: ServiceRunState::Skipped,
            });
        }
        options.say(format!(
            "{failed_slug} failed; putting the stack back as it was"
        ));
        let mut undo_errors = Vec::new();
        // The gate already restored an update whose tasks failed, and the swarm its own rollback.
        let already_back = matches!(
            error,
            Error::HealthCheckFailed {
                rolled_back: true,
                ..
            } | Error::RolledBackBySwarm { .. }
        );
        if !(already_back && failed_step.current.is_some()) {
            if let Err(undo) = self.put_back(failed_step, options).await {
                undo_errors.push(format!("{failed_slug}: {undo}"));
            }
        }
        for &index in done.iter().rev() {
            let step = &steps[index];
            match self.put_back(step, options).await {
                Ok(()) => options.send(StackProgress::ServiceDone {
                    slug: step.planned.slug.clone(),
                    state: ServiceRunState::Undone,
                }),
                Err(undo) => undo_errors.push(format!("{}: {undo}", step.planned.slug)),
            }
        }
        let outcome = if undo_errors.is_empty() {
            StackOutcome::RolledBack
        } else {
            StackOutcome::Failed
        };
        let mut reason = format!("{failed_slug} failed: {error}");
        if !undo_errors.is_empty() {
            reason.push_str(&format!("; not put back: {}", undo_errors.join("; ")));
        }
        if let Err(finish) = self
            .finish_stack_record(record, outcome, Some(&reason))
            .await
        {
            warn!(error = %finish, "the stack outcome could not be recorded");
        }
        Error::StackRolledBack {
            org_id: record.org_id.clone(),
            stack_id: record.stack_id.clone(),
            service: failed_slug,
            reason: error.to_string(),
            undo_errors,
        }
    }

    /// A service as it was before the stack deployment: removed when the deployment created it, else its earlier
    /// definition written again with the exact image its deployment record pinned.
    async fn put_back(&self, step: &Step, options: &StackRunOptions) -> Result<()> {
        let Some(Live {
            service_name,
            definition,
            deployment_id,
        }) = &step.current
        else {
            if self
                .find_service(&step.planned.service_name)
                .await?
                .is_some()
            {
                options.say(format!(
                    "removing {}, which this stack deployment created",
                    step.planned.service_name
                ));
                self.remove_service(&step.planned.service_name).await?;
            }
            return Ok(());
        };
        let mut before = definition.clone();
        if let Some(id) = deployment_id {
            if let Ok(previous) = self.deployment_record(service_name, id).await {
                if previous.definition.image == before.image {
                    before.image = self.exact_image(&previous.image).await;
                }
            }
        }
        let trigger = deployment_id
            .clone()
            .map_or(Trigger::Deploy, |id| Trigger::RollbackTo {
                deployment_id: id,
            });
        options.say(format!("putting {service_name} back"));
        self.deploy_one(
            &step.planned.slug,
            &before,
            naming::new_deployment_id(),
            trigger,
            options,
        )
        .await
        .map(|_| ())
    }
}
