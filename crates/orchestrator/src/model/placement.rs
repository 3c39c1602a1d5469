//! Where a service's tasks may run, in the engine's own words so that what a user types reads like
//! `docker service create --constraint … --placement-pref spread=… --replicas-max-per-node …`.

use serde::{Deserialize, Serialize};

/// Where the swarm may put a service's tasks. The default puts them on any ready, active node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// Rules every chosen node meets (all of them): `node.labels.zone==a`, `node.role!=manager`,
    /// `node.hostname==swarmdeck-node-1`.
    #[serde(default)]
    pub constraints: Vec<String>,
    /// Spread the tasks evenly over the values of this label: `node.labels.zone`.
    #[serde(default)]
    pub spread: Option<String>,
    /// At most this many tasks of the service on one node; `None` for no limit.
    #[serde(default)]
    pub max_replicas_per_node: Option<u32>,
}

impl Placement {
    /// Whether the swarm may put the tasks anywhere.
    pub fn is_anywhere(&self) -> bool {
        *self == Placement::default()
    }
}

/// Changes to a service's placement; `None` keeps the current value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementUpdate {
    /// Replaces every constraint; `Some(vec![])` removes them.
    #[serde(default)]
    pub constraints: Option<Vec<String>>,
    /// `Some(None)` stops spreading.
    #[serde(default)]
    pub spread: Option<Option<String>>,
    /// `Some(None)` lifts the limit.
    #[serde(default)]
    pub max_replicas_per_node: Option<Option<u32>>,
}

impl PlacementUpdate {
    /// Sets every field: what a form that shows the whole placement sends.
    pub fn replace_with(placement: Placement) -> PlacementUpdate {
        PlacementUpdate {
            constraints: Some(placement.constraints),
            spread: Some(placement.spread),
            max_replicas_per_node: Some(placement.max_replicas_per_node),
        }
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == PlacementUpdate::default()
    }

    /// `current` with these changes.
    pub fn applied_to(&self, current: &Placement) -> Placement {
        Placement {
            constraints: self
                .constraints
                .clone()
                .unwrap_or_else(|| current.constraints.clone()),
            spread: self
                .spread
                .clone()
                .unwrap_or_else(|| current.spread.clone()),
            max_replicas_per_node: self
                .max_replicas_per_node
                .unwrap_or(current.max_replicas_per_node),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_changes_only_what_it_names() {
        let current = Placement {
            constraints: vec!["node.role==worker".into()],
            spread: Some("node.labels.zone".into()),
            max_replicas_per_node: Some(2),
        };
        let lift_limit = PlacementUpdate {
            max_replicas_per_node: Some(None),
            ..Default::default()
        };
        assert_eq!(
            lift_limit.applied_to(&current),
            Placement {
                max_replicas_per_node: None,
                ..current.clone()
            }
        );
        assert_eq!(PlacementUpdate::default().applied_to(&current), current);
        assert_eq!(
            PlacementUpdate::replace_with(Placement::default()).applied_to(&current),
            Placement::default()
        );
    }

    #[test]
    fn records_written_before_placement_existed_read_as_anywhere() {
        let placement: Placement =
            serde_json::from_str("{}").expect("an empty object is a placement");
        assert!(placement.is_anywhere());
    }
}
