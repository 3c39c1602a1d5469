//! Placement rules as the swarm's scheduler reads them: parsing constraints, matching them against nodes the
//! way swarmkit does, writing them into a task spec and reading them back. Knowing which nodes a service may use
//! lets a deploy be refused up front when its tasks could never be scheduled, instead of pending forever.

use bollard::models::{
    Node, NodeSpecAvailabilityEnum, NodeSpecRoleEnum, NodeState, TaskSpecPlacement,
    TaskSpecPlacementPreferences, TaskSpecPlacementSpread,
};

use crate::error::{Error, Result};
use crate::model::Placement;
use crate::Orchestrator;

const NODE_LABEL_PREFIX: &str = "node.labels.";
const ENGINE_LABEL_PREFIX: &str = "engine.labels.";

/// What a constraint looks at on a node.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Attribute {
    Id,
    Hostname,
    Role,
    PlatformOs,
    PlatformArch,
    NodeLabel(String),
    EngineLabel(String),
}

/// One parsed constraint: `attribute == value` or `attribute != value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    attribute: Attribute,
    equal: bool,
    value: String,
}

/// The rule a constraint breaks, for the field's error message.
pub const CONSTRAINT_RULE: &str =
    "must be <attribute>==<value> or <attribute>!=<value>, the attribute one of \
     node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.<key>, \
     engine.labels.<key>";

/// The rule a spread descriptor breaks.
pub const SPREAD_RULE: &str = "must be node.labels.<key> or engine.labels.<key>";

impl Constraint {
    /// Parses the engine's syntax; `Err` carries the rule broken.
    pub fn parse(text: &str) -> std::result::Result<Constraint, String> {
        let (position, equal) = match (text.find("=="), text.find("!=")) {
            (Some(eq), Some(ne)) if ne < eq => (ne, false),
            (Some(eq), _) => (eq, true),
            (None, Some(ne)) => (ne, false),
            (None, None) => return Err(CONSTRAINT_RULE.to_string()),
        };
        let key = text[..position].trim();
        let value = text[position + 2..].trim();
        let attribute = match key {
            "node.id" => Attribute::Id,
            "node.hostname" => Attribute::Hostname,
            "node.role" => Attribute::Role,
            "node.platform.os" => Attribute::PlatformOs,
            "node.platform.arch" => Attribute::PlatformArch,
            _ => match label_of(key) {
                Some((true, label)) => Attribute::NodeLabel(label.to_string()),
                Some((false, label)) => Attribute::EngineLabel(label.to_string()),
                None => return Err(CONSTRAINT_RULE.to_string()),
            },
        };
        if value.is_empty() || !value.chars().all(is_value_char) {
            return Err(
                "the value must be letters, digits, spaces or :-_.*()?+[]\\^$|/ and not empty"
                    .to_string(),
            );
        }
        if attribute == Attribute::Role
            && !["manager", "worker"].contains(&value.to_ascii_lowercase().as_str())
        {
            return Err("node.role is manager or worker".to_string());
        }
        Ok(Constraint {
            attribute,
            equal,
            value: value.to_string(),
        })
    }

    /// The constraint as the engine stores it, without stray spaces.
    pub fn canonical(&self) -> String {
        let key = match &self.attribute {
            Attribute::Id => "node.id".to_string(),
            Attribute::Hostname => "node.hostname".to_string(),
            Attribute::Role => "node.role".to_string(),
            Attribute::PlatformOs => "node.platform.os".to_string(),
            Attribute::PlatformArch => "node.platform.arch".to_string(),
            Attribute::NodeLabel(label) => format!("{NODE_LABEL_PREFIX}{label}"),
            Attribute::EngineLabel(label) => format!("{ENGINE_LABEL_PREFIX}{label}"),
        };
        let operator = if self.equal { "==" } else { "!=" };
        format!("{key}{operator}{}", self.value)
    }

    /// Whether the node meets the constraint, as swarmkit decides it: values compare case-insensitively and a
    /// missing label counts as the empty value.
    pub fn matches(&self, node: &Node) -> bool {
        let description = node.description.as_ref();
        let spec = node.spec.as_ref();
        let platform = description.and_then(|d| d.platform.as_ref());
        let actual = match &self.attribute {
            Attribute::Id => node.id.clone(),
            Attribute::Hostname => description.and_then(|d| d.hostname.clone()),
            Attribute::Role => spec.and_then(|s| s.role).map(|role| match role {
                NodeSpecRoleEnum::MANAGER => "manager".to_string(),
                _ => "worker".to_string(),
            }),
            Attribute::PlatformOs => platform.and_then(|p| p.os.clone()),
            Attribute::PlatformArch => platform.and_then(|p| p.architecture.clone()),
            Attribute::NodeLabel(label) => spec
                .and_then(|s| s.labels.as_ref())
                .and_then(|labels| labels.get(label).cloned()),
            Attribute::EngineLabel(label) => description
                .and_then(|d| d.engine.as_ref())
                .and_then(|e| e.labels.as_ref())
                .and_then(|labels| labels.get(label).cloned()),
        };
        let same = actual.unwrap_or_default().to_lowercase() == self.value.to_lowercase();
        same == self.equal
    }
}

/// `(is_node_label, key)` of `node.labels.<key>` or `engine.labels.<key>` with a key swarmkit accepts.
fn label_of(descriptor: &str) -> Option<(bool, &str)> {
    let (node_label, key) = match descriptor.strip_prefix(NODE_LABEL_PREFIX) {
        Some(key) => (true, key),
        None => (false, descriptor.strip_prefix(ENGINE_LABEL_PREFIX)?),
    };
    let valid = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    valid.then_some((node_label, key))
}

/// Parses a spread descriptor; `Err` carries the rule broken.
pub fn parse_spread(descriptor: &str) -> std::result::Result<String, String> {
    let descriptor = descriptor.trim();
    label_of(descriptor)
        .map(|_| descriptor.to_string())
        .ok_or_else(|| SPREAD_RULE.to_string())
}

fn is_value_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c.is_ascii_whitespace() || ":-_.*()?+[]\\^$|/".contains(c)
}

/// The engine's form of a placement; `None` for "anywhere", so services that never had one keep an unchanged spec.
pub fn engine_placement(placement: &Placement) -> Option<TaskSpecPlacement> {
    if placement.is_anywhere() {
        return None;
    }
    Some(TaskSpecPlacement {
        constraints: (!placement.constraints.is_empty()).then(|| placement.constraints.clone()),
        preferences: placement.spread.as_ref().map(|descriptor| {
            vec![TaskSpecPlacementPreferences {
                spread: Some(TaskSpecPlacementSpread {
                    spread_descriptor: Some(descriptor.clone()),
                }),
            }]
        }),
        max_replicas: placement.max_replicas_per_node.map(i64::from),
        platforms: None,
    })
}

/// Our placement read back from a task spec.
pub fn placement_of(engine: Option<&TaskSpecPlacement>) -> Placement {
    let Some(engine) = engine else {
        return Placement::default();
    };
    Placement {
        constraints: engine.constraints.clone().unwrap_or_default(),
        spread: engine
            .preferences
            .iter()
            .flatten()
            .find_map(|p| p.spread.as_ref()?.spread_descriptor.clone()),
        max_replicas_per_node: engine
            .max_replicas
            .filter(|max| *max > 0)
            .and_then(|max| u32::try_from(max).ok()),
    }
}

/// What one deploy asks of the nodes.
pub(crate) struct Demand<'a> {
    pub nano_cpus: i64,
    pub memory_bytes: i64,
    pub replicas: u32,
    pub placement: &'a Placement,
    /// Tasks that run beside the old ones while the spec rolls out: a start-first update (or its rollback)
    /// starts each batch before stopping the tasks it replaces.
    pub surge: u32,
}

/// Whether a node meets every constraint of the placement (ready or not).
pub(crate) fn meets_constraints(placement: &Placement) -> impl Fn(&Node) -> bool {
    let constraints: Vec<Constraint> = placement
        .constraints
        .iter()
        .filter_map(|text| Constraint::parse(text).ok())
        .collect();
    move |node| constraints.iter().all(|c| c.matches(node))
}

/// The ready, active nodes that meet every constraint, and a phrase describing what was required.
fn eligible<'n>(nodes: &'n [Node], placement: &Placement) -> (Vec<&'n Node>, String) {
    let meets = meets_constraints(placement);
    let eligible = nodes
        .iter()
        .filter(|node| node.status.as_ref().and_then(|s| s.state) == Some(NodeState::READY))
        .filter(|node| {
            node.spec.as_ref().and_then(|s| s.availability)
                == Some(NodeSpecAvailabilityEnum::ACTIVE)
        })
        .filter(|node| meets(node))
        .collect();
    let required = if placement.constraints.is_empty() {
        "ready, active nodes".to_string()
    } else {
        format!(
            "ready, active nodes meeting {}",
            placement.constraints.join(" and ")
        )
    };
    (eligible, required)
}

impl Orchestrator {
    /// Refuses a deploy the swarm could never schedule in full: no node the placement allows, a task larger
    /// than every such node, or more replicas than the per-node limit lets those nodes hold.
    pub(crate) async fn check_capacity(&self, demand: Demand<'_>) -> Result<()> {
        let nodes = self.docker.list_nodes(None).await?;
        let (eligible, required) = eligible(&nodes, demand.placement);
        if eligible.is_empty() {
            let hostnames: Vec<&str> = nodes
                .iter()
                .filter_map(|n| n.description.as_ref()?.hostname.as_deref())
                .collect();
            return Err(Error::Unplaceable {
                reason: format!("there are no {required} (nodes: {})", hostnames.join(", ")),
            });
        }
        let (mut cpu, mut memory) = (0_i64, 0_i64);
        for node in &eligible {
            let resources = node.description.as_ref().and_then(|d| d.resources.as_ref());
            cpu = cpu.max(resources.and_then(|r| r.nano_cpus).unwrap_or(0));
            memory = memory.max(resources.and_then(|r| r.memory_bytes).unwrap_or(0));
        }
        if demand.nano_cpus > cpu {
            return Err(Error::InsufficientCapacity {
                resource: "cpu",
                requested: format!("{} cores", demand.nano_cpus as f64 / 1e9),
                available: format!("{} cores", cpu as f64 / 1e9),
            });
        }
        if demand.memory_bytes > memory {
            const MB: i64 = 1024 * 1024;
            return Err(Error::InsufficientCapacity {
                resource: "memory",
                requested: format!("{} MB", demand.memory_bytes / MB),
                available: format!("{} MB", memory / MB),
            });
        }
        if let Some(per_node) = demand.placement.max_replicas_per_node {
            let room = u64::from(per_node) * eligible.len() as u64;
            if u64::from(demand.replicas) > room {
                return Err(Error::Unplaceable {
                    reason: format!(
                        "{} replicas at most {per_node} per node need {} nodes, and there are {} {required}",
                        demand.replicas,
                        demand.replicas.div_ceil(per_node),
                        eligible.len()
                    ),
                });
            }
            // The swarm counts the old tasks against the limit, so a start-first rollout with no free slot would
            // wait forever for one.
            let during_rollout = u64::from(demand.replicas) + u64::from(demand.surge);
            if demand.surge > 0 && during_rollout > room {
                return Err(Error::Unplaceable {
                    reason: format!(
                        "a start-first update runs {} new tasks beside the {} old ones, and at most {per_node} per \
                         node on {} {required} leaves room for {room}: use the stop-first order, raise the limit \
                         or add nodes",
                        demand.surge,
                        demand.replicas,
                        eligible.len()
                    ),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
