//! What a stack deployment would do to an organization: per service, create, update (field by field), keep or
//! remove. Pure: the caller reads what runs.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::ServiceDefinition;

/// Shown instead of an environment value: a preview names what changes, never a secret's value.
pub const MASKED: &str = "••••";

/// What a stack deployment does to one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    /// New in the organization.
    Create,
    /// Runs with other settings now.
    Update,
    /// Already runs exactly so.
    Unchanged,
    /// Runs, is not wanted any more, and is removed.
    Remove,
    /// Runs, is not in the file, and stays (no prune).
    Kept,
}

impl PlanAction {
    /// Whether the service is written.
    pub fn writes(self) -> bool {
        matches!(self, PlanAction::Create | PlanAction::Update)
    }
}

/// One field that differs, with both sides as text (environment values masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Dotted path: `image`, `env.DB_URL`, `update_policy.parallelism`, `container.published_ports`.
    pub field: String,
    /// What runs now; `None` when unset.
    pub before: Option<String>,
    /// What the stack wants; `None` when unset.
    pub after: Option<String>,
}

/// What a stack deployment does to one service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedService {
    /// Slug within the organization.
    pub slug: String,
    /// The swarm service name.
    pub service_name: String,
    /// Create, update, keep or remove.
    pub action: PlanAction,
    /// For an update, each field that changes.
    pub changes: Vec<FieldChange>,
    /// The services deployed before it.
    pub depends_on: Vec<String>,
}

/// A service as it runs: its definition and the deployment that wrote it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Live {
    pub service_name: String,
    pub definition: ServiceDefinition,
    pub deployment_id: Option<String>,
}

/// A service the stack wants, and what it starts after.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wanted {
    pub definition: ServiceDefinition,
    pub depends_on: Vec<String>,
}

/// One step of a stack deployment: the plan line with what it writes and what it replaces.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub planned: PlannedService,
    pub desired: Option<ServiceDefinition>,
    pub current: Option<Live>,
}

/// Steps in deployment order (the wanted services, dependencies first), then the services not wanted.
/// `remove` says which of those go.
pub(crate) fn steps(
    wanted: Vec<Wanted>,
    live: Vec<Live>,
    remove: impl Fn(&Live) -> bool,
) -> Vec<Step> {
    let mut live: BTreeMap<String, Live> = live
        .into_iter()
        .map(|l| (l.definition.slug.clone(), l))
        .collect();
    let mut steps = Vec::new();
    for Wanted {
        mut definition,
        depends_on,
    } in wanted
    {
        let current = live.remove(&definition.slug);
        let (action, changes) = match &current {
            None => (PlanAction::Create, Vec::new()),
            Some(current) => {
                // The caller's id of a service is not the file's to change.
                definition.service_id = current.definition.service_id.clone();
                let changes = field_changes(&current.definition, &definition);
                let action = if changes.is_empty() {
                    PlanAction::Unchanged
                } else {
                    PlanAction::Update
                };
                (action, changes)
            }
        };
        steps.push(Step {
            planned: PlannedService {
                slug: definition.slug.clone(),
                service_name: current
                    .as_ref()
                    .map_or_else(|| definition.service_name(), |c| c.service_name.clone()),
                action,
                changes,
                depends_on,
            },
            desired: Some(definition),
            current,
        });
    }
    for (slug, current) in live {
        let action = if remove(&current) {
            PlanAction::Remove
        } else {
            PlanAction::Kept
        };
        steps.push(Step {
            planned: PlannedService {
                slug,
                service_name: current.service_name.clone(),
                action,
                changes: Vec::new(),
                depends_on: Vec::new(),
            },
            desired: None,
            current: Some(current),
        });
    }
    steps
}

/// Every field that differs between two definitions, as dotted paths.
pub fn field_changes(before: &ServiceDefinition, after: &ServiceDefinition) -> Vec<FieldChange> {
    let mut left = BTreeMap::new();
    let mut right = BTreeMap::new();
    flatten(
        "",
        &serde_json::to_value(before).unwrap_or_default(),
        &mut left,
    );
    flatten(
        "",
        &serde_json::to_value(after).unwrap_or_default(),
        &mut right,
    );
    let fields: HashSet<&String> = left.keys().chain(right.keys()).collect();
    let mut fields: Vec<&String> = fields.into_iter().collect();
    fields.sort();
    fields
        .into_iter()
        .filter(|field| left.get(*field) != right.get(*field))
        .map(|field| {
            let shown = |value: Option<&String>| {
                value.map(|v| {
                    if field.starts_with("env.") {
                        MASKED.to_string()
                    } else {
                        v.clone()
                    }
                })
            };
            FieldChange {
                field: field.clone(),
                before: shown(left.get(field)),
                after: shown(right.get(field)),
            }
        })
        .collect()
}

/// Objects become dotted paths; lists and scalars are compared whole, as their JSON.
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, value, out);
            }
        }
        Value::Null => {}
        Value::String(text) => {
            out.insert(prefix.to_string(), text.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeployRequest, Resources};

    fn definition(slug: &str, image_tag: &str) -> ServiceDefinition {
        let request = DeployRequest {
            org_id: "acme".into(),
            slug: slug.into(),
            service_id: None,
            deployment_id: None,
            image_name: "app".into(),
            image_tag: image_tag.into(),
            resources: Resources::default(),
            env: [("DB_PASSWORD".to_string(), "hunter2".to_string())].into(),
            internal_port: None,
            replicas: 1,
            health_check: None,
            endpoint_mode: Default::default(),
            update_policy: None,
            placement: Default::default(),
        };
        crate::validate::deploy_request(&request, "d1").expect("valid")
    }

    fn live(definition: ServiceDefinition) -> Live {
        Live {
            service_name: definition.service_name(),
            definition,
            deployment_id: Some("d0".into()),
        }
    }

    #[test]
    fn steps_create_update_keep_and_remove_with_masked_env() {
        let mut changed = definition("api", "v2");
        changed.env.insert("DB_PASSWORD".into(), "swordfish".into());
        let mut kept = definition("db", "v1");
        kept.service_id = "made-in-the-form".into();
        let wanted = vec![
            Wanted {
                definition: definition("web", "v1"),
                depends_on: vec![],
            },
            Wanted {
                definition: changed,
                depends_on: vec!["db".into()],
            },
            Wanted {
                definition: definition("db", "v1"),
                depends_on: vec![],
            },
        ];
        let running = vec![
            live(definition("api", "v1")),
            live(kept),
            live(definition("old", "v1")),
            live(definition("cron", "v1")),
        ];
        let steps = steps(wanted, running, |l| l.definition.slug == "old");
        let actions: Vec<(&str, PlanAction)> = steps
            .iter()
            .map(|s| (s.planned.slug.as_str(), s.planned.action))
            .collect();
        assert_eq!(
            actions,
            [
                ("web", PlanAction::Create),
                ("api", PlanAction::Update),
                ("db", PlanAction::Unchanged),
                ("cron", PlanAction::Kept),
                ("old", PlanAction::Remove),
            ]
        );
        let changes = &steps[1].planned.changes;
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["env.DB_PASSWORD", "image"]);
        assert_eq!(changes[0].after.as_deref(), Some(MASKED));
        assert_eq!(changes[1].before.as_deref(), Some("app:v1"));
        assert_eq!(changes[1].after.as_deref(), Some("app:v2"));
        assert_eq!(
            steps[2].desired.as_ref().map(|d| d.service_id.as_str()),
            Some("made-in-the-form"),
            "a running service keeps its id"
        );
    }
}
