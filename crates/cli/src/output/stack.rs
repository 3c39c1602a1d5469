//! Stacks, for people: the preview, the result, the history and progress lines.

use swarmdeck_orchestrator::stack::{
    ForeignStack, PlanAction, PlannedService, ServiceRunState, StackOutcome, StackPlan,
    StackProgress, StackRecord, StackResult, StackTrigger,
};

fn sign(action: PlanAction) -> &'static str {
    match action {
        PlanAction::Create => "+ create",
        PlanAction::Update => "~ update",
        PlanAction::Unchanged => "= unchanged",
        PlanAction::Remove => "- remove",
        PlanAction::Kept => "  kept (not in the file; --prune removes it)",
    }
}

fn service_lines(services: &[PlannedService]) -> String {
    let mut text = String::new();
    for service in services {
        text.push_str(&format!("{} {}\n", sign(service.action), service.slug));
        for change in &service.changes {
            text.push_str(&format!(
                "      {}: {} → {}\n",
                change.field,
                change.before.as_deref().unwrap_or("(unset)"),
                change.after.as_deref().unwrap_or("(unset)")
            ));
        }
    }
    text
}

/// The preview: each service's action and changed fields, in deployment order.
pub fn plan(plan: &StackPlan) -> String {
    let mut text = format!("stack of {}:\n", plan.org_id);
    text.push_str(&service_lines(&plan.services));
    if plan.is_empty() {
        text.push_str("nothing to change\n");
    }
    text
}

pub fn result(verb: &str, result: &StackResult) -> String {
    let written = result.services.iter().filter(|s| s.action.writes()).count();
    let removed = result
        .services
        .iter()
        .filter(|s| s.action == PlanAction::Remove)
        .count();
    format!(
        "{verb} stack deployment {}: {written} service(s) written, {removed} removed\n",
        result.stack_id
    )
}

pub fn history(history: &[StackRecord]) -> String {
    let mut text = format!(
        "{:<28} {:<25} {:<12} {:<26} SERVICES\n",
        "STACK ID", "STARTED", "OUTCOME", "TRIGGER"
    );
    for record in history {
        let outcome = match record.outcome {
            StackOutcome::InProgress => "in progress",
            StackOutcome::Succeeded => "succeeded",
            StackOutcome::RolledBack => "rolled back",
            StackOutcome::Failed => "failed",
            StackOutcome::Interrupted => "interrupted",
        };
        let trigger = match &record.trigger {
            StackTrigger::Deploy { file } => format!("deploy {file}"),
            StackTrigger::Rollback { to } => format!("rollback to {to}"),
        };
        let services: Vec<String> = record
            .services
            .iter()
            .filter(|e| e.action != PlanAction::Kept)
            .map(|e| {
                let mark = match e.action {
                    PlanAction::Create => "+",
                    PlanAction::Update => "~",
                    PlanAction::Remove => "-",
                    _ => "=",
                };
                format!("{mark}{}", e.slug)
            })
            .collect();
        text.push_str(&format!(
            "{:<28} {:<25} {:<12} {:<26} {}\n",
            record.stack_id,
            record.started_at,
            outcome,
            trigger,
            services.join(" ")
        ));
        if let Some(reason) = &record.reason {
            text.push_str(&format!("{:<28} {reason}\n", ""));
        }
    }
    text
}

/// Stacks made outside Swarmdeck.
pub fn foreign(stacks: &[ForeignStack]) -> String {
    if stacks.is_empty() {
        return "no stacks made outside Swarmdeck\n".to_string();
    }
    let mut text = format!("{:<24} SERVICES\n", "STACK");
    for stack in stacks {
        text.push_str(&format!(
            "{:<24} {}\n",
            stack.namespace,
            stack.services.join(" ")
        ));
    }
    text
}

pub fn progress_text(event: &StackProgress) -> String {
    match event {
        StackProgress::Planned { services } => service_lines(services).trim_end().to_string(),
        StackProgress::Stack { message } => format!("· {message}"),
        StackProgress::Service { slug, progress } => {
            format!("{slug}: {}", super::progress_text(progress))
        }
        StackProgress::ServiceDone { slug, state } => {
            let state = match state {
                ServiceRunState::Deployed => "deployed and healthy".to_string(),
                ServiceRunState::Unchanged => "unchanged".to_string(),
                ServiceRunState::Removed => "removed".to_string(),
                ServiceRunState::Failed { reason } => format!("FAILED: {reason}"),
                ServiceRunState::Undone => "put back as it was".to_string(),
                ServiceRunState::Skipped => "skipped".to_string(),
            };
            format!("{slug}: {state}")
        }
    }
}
