//! Stacks: a compose file in, its preview, progress per service, results, history.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;
use swarmdeck_orchestrator::stack as stack_core;

use super::Progress;

/// A compose file for an organization: pasted, or opened from a file (its folder then resolves `.env` and
/// `env_file`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct StackRequest {
    /// The organization.
    pub org_id: String,
    /// The YAML text.
    pub text: String,
    /// Where the text was read from; none for pasted text.
    pub file_path: Option<String>,
    /// Remove the organization's services the file does not name.
    pub prune: bool,
}

impl From<StackRequest> for stack_core::StackRequest {
    fn from(value: StackRequest) -> Self {
        let path = value.file_path.map(PathBuf::from);
        stack_core::StackRequest {
            org_id: value.org_id,
            source: core::compose::ComposeSource {
                file_name: path
                    .as_ref()
                    .map_or_else(|| "pasted text".to_string(), |p| p.display().to_string()),
                text: value.text,
                base_dir: path.as_ref().and_then(|p| p.parent()).map(PathBuf::from),
                env_file: None,
                // The app's own environment is not the user's shell: only the `.env` file supplies variables.
                environment: Default::default(),
            },
            prune: value.prune,
        }
    }
}

/// What a stack deployment does to one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    /// New in the organization.
    Create,
    /// Runs with other settings now.
    Update,
    /// Already runs exactly so.
    Unchanged,
    /// Removed (prune, or a rollback to a stack without it).
    Remove,
    /// Not in the file and kept.
    Kept,
}

impl From<stack_core::PlanAction> for PlanAction {
    fn from(value: stack_core::PlanAction) -> Self {
        match value {
            stack_core::PlanAction::Create => PlanAction::Create,
            stack_core::PlanAction::Update => PlanAction::Update,
            stack_core::PlanAction::Unchanged => PlanAction::Unchanged,
            stack_core::PlanAction::Remove => PlanAction::Remove,
            stack_core::PlanAction::Kept => PlanAction::Kept,
        }
    }
}

/// One changed field; environment values are masked by the core.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct FieldChange {
    /// Dotted path (`image`, `env.DB_URL`, `update_policy.parallelism`).
    pub field: String,
    /// What runs now.
    pub before: Option<String>,
    /// What the file wants.
    pub after: Option<String>,
}

/// One service of a preview or result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct PlannedService {
    /// Slug.
    pub slug: String,
    /// Swarm service name.
    pub service_name: String,
    /// What happens to it.
    pub action: PlanAction,
    /// For an update, the fields that change.
    pub changes: Vec<FieldChange>,
    /// Deployed after these.
    pub depends_on: Vec<String>,
}

impl From<stack_core::PlannedService> for PlannedService {
    fn from(value: stack_core::PlannedService) -> Self {
        PlannedService {
            slug: value.slug,
            service_name: value.service_name,
            action: value.action.into(),
            changes: value
                .changes
                .into_iter()
                .map(|c| FieldChange {
                    field: c.field,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
            depends_on: value.depends_on,
        }
    }
}

/// The preview of a stack deployment, in deployment order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct StackPlan {
    /// The organization.
    pub org_id: String,
    /// Each service.
    pub services: Vec<PlannedService>,
    /// Whether deploying would change nothing.
    pub empty: bool,
}

impl From<stack_core::StackPlan> for StackPlan {
    fn from(value: stack_core::StackPlan) -> Self {
        StackPlan {
            empty: value.is_empty(),
            org_id: value.org_id,
            services: value.services.into_iter().map(Into::into).collect(),
        }
    }
}

/// A finished stack deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct StackResult {
    /// Its id.
    pub stack_id: String,
    /// What was done to each service.
    pub services: Vec<PlannedService>,
}

impl From<stack_core::StackResult> for StackResult {
    fn from(value: stack_core::StackResult) -> Self {
        StackResult {
            stack_id: value.stack_id,
            services: value.services.into_iter().map(Into::into).collect(),
        }
    }
}

/// How one service of a stack deployment ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceRunState {
    /// Written and healthy.
    Deployed,
    /// Already as wanted.
    Unchanged,
    /// Removed.
    Removed,
    /// Its own deployment failed.
    Failed {
        /// Why.
        reason: String,
    },
    /// Put back as it was before.
    Undone,
    /// Not reached.
    Skipped,
}

impl From<stack_core::ServiceRunState> for ServiceRunState {
    fn from(value: stack_core::ServiceRunState) -> Self {
        match value {
            stack_core::ServiceRunState::Deployed => ServiceRunState::Deployed,
            stack_core::ServiceRunState::Unchanged => ServiceRunState::Unchanged,
            stack_core::ServiceRunState::Removed => ServiceRunState::Removed,
            stack_core::ServiceRunState::Failed { reason } => ServiceRunState::Failed { reason },
            stack_core::ServiceRunState::Undone => ServiceRunState::Undone,
            stack_core::ServiceRunState::Skipped => ServiceRunState::Skipped,
        }
    }
}

/// A step of a stack deployment as it happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(
    clippy::large_enum_variant,
    reason = "short-lived event values; unboxed for a plain transport type"
)]
pub enum StackProgress {
    /// What the deployment will do, in order; sent before anything is written.
    Planned {
        /// Each service.
        services: Vec<PlannedService>,
    },
    /// About the whole stack.
    Stack {
        /// In words.
        message: String,
    },
    /// A service's own progress.
    Service {
        /// Its slug.
        slug: String,
        /// What happened.
        progress: Progress,
    },
    /// A service is done.
    ServiceDone {
        /// Its slug.
        slug: String,
        /// How it ended.
        state: ServiceRunState,
    },
}

impl From<stack_core::StackProgress> for StackProgress {
    fn from(value: stack_core::StackProgress) -> Self {
        match value {
            stack_core::StackProgress::Planned { services } => StackProgress::Planned {
                services: services.into_iter().map(Into::into).collect(),
            },
            stack_core::StackProgress::Stack { message } => StackProgress::Stack { message },
            stack_core::StackProgress::Service { slug, progress } => StackProgress::Service {
                slug,
                progress: progress.into(),
            },
            stack_core::StackProgress::ServiceDone { slug, state } => StackProgress::ServiceDone {
                slug,
                state: state.into(),
            },
        }
    }
}

/// How a stack deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum StackOutcome {
    /// Still running.
    InProgress,
    /// Every service healthy.
    Succeeded,
    /// A service failed; the others were put back.
    RolledBack,
    /// A service failed and not everything could be put back.
    Failed,
    /// Its writer stopped before the end.
    Interrupted,
}

/// What started a stack deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StackTrigger {
    /// A compose file.
    Deploy {
        /// As the user named it.
        file: String,
    },
    /// A rollback.
    Rollback {
        /// The stack deployment restored.
        to: String,
    },
}

/// One service of a recorded stack deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct StackEntry {
    /// Slug.
    pub slug: String,
    /// What the deployment did to it.
    pub action: PlanAction,
    /// The service deployment it made or found.
    pub deployment_id: Option<String>,
}

/// One recorded stack deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct StackRecord {
    /// Its id.
    pub stack_id: String,
    /// The organization.
    pub org_id: String,
    /// When it started.
    pub started_at: String,
    /// When it ended.
    pub finished_at: Option<String>,
    /// How it ended.
    pub outcome: StackOutcome,
    /// Why it failed.
    pub reason: Option<String>,
    /// What started it.
    pub trigger: StackTrigger,
    /// Its services.
    pub services: Vec<StackEntry>,
}

impl From<stack_core::StackRecord> for StackRecord {
    fn from(value: stack_core::StackRecord) -> Self {
        StackRecord {
            stack_id: value.stack_id,
            org_id: value.org_id,
            started_at: value.started_at,
            finished_at: value.finished_at,
            outcome: match value.outcome {
                stack_core::StackOutcome::InProgress => StackOutcome::InProgress,
                stack_core::StackOutcome::Succeeded => StackOutcome::Succeeded,
                stack_core::StackOutcome::RolledBack => StackOutcome::RolledBack,
                stack_core::StackOutcome::Failed => StackOutcome::Failed,
                stack_core::StackOutcome::Interrupted => StackOutcome::Interrupted,
            },
            reason: value.reason,
            trigger: match value.trigger {
                stack_core::StackTrigger::Deploy { file } => StackTrigger::Deploy { file },
                stack_core::StackTrigger::Rollback { to } => StackTrigger::Rollback { to },
            },
            services: value
                .services
                .into_iter()
                .map(|e| StackEntry {
                    slug: e.slug,
                    action: e.action.into(),
                    deployment_id: e.deployment_id,
                })
                .collect(),
        }
    }
}

/// A compose file read from disk for the editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ComposeFile {
    /// Where it is.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// A stack made by `docker stack deploy`, outside Swarmdeck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ForeignStack {
    /// Its name.
    pub namespace: String,
    /// Its services' names.
    pub services: Vec<String>,
}

impl From<stack_core::ForeignStack> for ForeignStack {
    fn from(value: stack_core::ForeignStack) -> Self {
        ForeignStack {
            namespace: value.namespace,
            services: value.services,
        }
    }
}
