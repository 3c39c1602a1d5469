//! Running a stack deployment: each dependency depth's services written together through their gates, and on a
//! failure every service the deployment touched put back, newest first.
//!
//! The file is long because the run and its undo are one sequence: what the undo puts back is exactly what the
//! run recorded as done or failed, so the two stay side by side.

use futures_util::future::join_all;
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

/// Each step's dependency depth: 0 without dependencies in the plan, else one more than its deepest dependency.
/// Steps come dependencies first, so one pass sees every dependency before its dependents.
fn depths(steps: &[Step]) -> Vec<usize> {
    let mut depths: Vec<usize> = Vec::with_capacity(steps.len());
    for step in steps {
        let depth = step
            .planned
            .depends_on
            .iter()
            .filter_map(|dependency| steps.iter().position(|s| s.planned.slug == *dependency))
            .filter_map(|at| depths.get(at))
            .map(|d| d + 1)
            .max()
            .unwrap_or(0);
        depths.push(depth);
    }
    depths
}

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
        // Made once here: the services of one depth are written at the same time.
        if steps.iter().any(|s| s.planned.action.writes()) {
            self.ensure_org_network(org_id).await?;
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
        // Services of one dependency depth deploy together; the next depth starts once all of them are healthy.
        let depths = depths(&steps);
        let mut done = Vec::new();
        let mut failures = Vec::new();
        for depth in 0..=depths.iter().copied().max().unwrap_or(0) {
            let depths = &depths;
            let at_depth = || (0..steps.len()).filter(move |&i| depths[i] == depth);
            for index in at_depth().filter(|&i| steps[i].planned.action == PlanAction::Unchanged) {
                options.send(StackProgress::ServiceDone {
                    slug: steps[index].planned.slug.clone(),
                    state: ServiceRunState::Unchanged,
                });
            }
            let writes: Vec<(usize, &ServiceDefinition, &String)> = at_depth()
                .filter_map(|i| {
                    match (
                        steps[i].planned.action.writes(),
                        &steps[i].desired,
                        &record.services[i].deployment_id,
                    ) {
                        (true, Some(desired), Some(deployment_id)) => {
                            Some((i, desired, deployment_id))
                        }
                        _ => None,
                    }
                })
                .collect();
            let results = join_all(writes.iter().map(|(i, desired, deployment_id)| {
                self.deploy_one(
                    &steps[*i].planned.slug,
                    desired,
                    (*deployment_id).clone(),
                    Trigger::Deploy,
                    options,
                )
            }))
            .await;
            for ((index, _, _), result) in writes.into_iter().zip(results) {
                match result {
                    Ok(_) => {
                        options.send(StackProgress::ServiceDone {
                            slug: steps[index].planned.slug.clone(),
                            state: ServiceRunState::Deployed,
                        });
                        done.push(index);
                    }
                    Err(error) => failures.push((index, error)),
                }
            }
            if !failures.is_empty() {
                return Err(self
                    .roll_back_stack(&record, &steps, failures, &done, options)
                    .await);
            }
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

    /// Puts back every service the stack deployment touched, the failed ones first, then the others newest first;
    /// records the outcome and returns the error that names the (first) failed service.
    async fn roll_back_stack(
        &self,
        record: &StackRecord,
        steps: &[Step],
        failures: Vec<(usize, Error)>,
        done: &[usize],
        options: &StackRunOptions,
    ) -> Error {
        for (index, error) in &failures {
            options.send(StackProgress::ServiceDone {
                slug: steps[*index].planned.slug.clone(),
                state: ServiceRunState::Failed {
                    reason: error.to_string(),
                },
            });
        }
        let touched = |i: usize| done.contains(&i) || failures.iter().any(|(f, _)| *f == i);
        for (_, step) in steps
            .iter()
            .enumerate()
            .filter(|(i, s)| s.planned.action.writes() && !touched(*i))
        {
            options.send(StackProgress::ServiceDone {
                slug: step.planned.slug.clone(),
                state: ServiceRunState::Skipped,
            });
        }
        let failed_slugs: Vec<&str> = failures
            .iter()
            .map(|(i, _)| steps[*i].planned.slug.as_str())
            .collect();
        options.say(format!(
            "{} failed; putting the stack back as it was",
            failed_slugs.join(", ")
        ));
        let mut undo_errors = Vec::new();
        for (index, error) in &failures {
            let step = &steps[*index];
            // The gate already restored an update whose tasks failed, and the swarm its own rollback.
            let already_back = matches!(
                error,
                Error::HealthCheckFailed {
                    rolled_back: true,
                    ..
                } | Error::RolledBackBySwarm { .. }
            );
            if !(already_back && step.current.is_some()) {
                if let Err(undo) = self.put_back(step, options).await {
                    undo_errors.push(format!("{}: {undo}", step.planned.slug));
                }
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
        let mut failures = failures.into_iter();
        let Some((first, error)) = failures.next() else {
            return Error::Engine {
                status: 500,
                message: "a stack rollback without a failure".to_string(),
            };
        };
        let failed_slug = steps[first].planned.slug.clone();
        let outcome = if undo_errors.is_empty() {
            StackOutcome::RolledBack
        } else {
            StackOutcome::Failed
        };
        let mut reason = format!("{failed_slug} failed: {error}");
        for (index, other) in failures {
            reason.push_str(&format!("; {} failed: {other}", steps[index].planned.slug));
        }
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

#[cfg(test)]
mod tests {
    use super::super::plan::{PlannedService, Step};
    use super::*;

    fn step(slug: &str, depends_on: &[&str]) -> Step {
        Step {
            planned: PlannedService {
                slug: slug.to_string(),
                service_name: slug.to_string(),
                action: PlanAction::Create,
                changes: Vec::new(),
                depends_on: depends_on.iter().map(|d| d.to_string()).collect(),
            },
            desired: None,
            current: None,
        }
    }

    #[test]
    fn services_without_dependencies_between_them_share_a_depth() {
        let steps = [
            step("redis", &[]),
            step("db", &[]),
            step("vote", &["redis"]),
            step("worker", &["redis", "vote"]),
            step("result", &["db"]),
        ];
        assert_eq!(depths(&steps), [0, 0, 1, 2, 1]);
    }
}
