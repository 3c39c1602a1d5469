//! Where a service's tasks may run: as the service has it, and as a form sends it.

use serde::{Deserialize, Serialize};
use specta::Type;
use swarmdeck_orchestrator as core;

use super::FormNumber;
use crate::error::AppError;

/// Where a service's tasks may run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Placement {
    /// Rules every chosen node meets, in the engine's syntax.
    pub constraints: Vec<String>,
    /// The label the tasks are spread over, if any.
    pub spread: Option<String>,
    /// At most this many tasks on one node; null for no limit.
    pub max_replicas_per_node: Option<u32>,
}

impl From<core::Placement> for Placement {
    fn from(value: core::Placement) -> Self {
        Placement {
            constraints: value.constraints,
            spread: value.spread,
            max_replicas_per_node: value.max_replicas_per_node,
        }
    }
}

/// Placement as a form sends it: constraints and the spread as typed, the per-node limit as a form number.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Type)]
pub struct PlacementInput {
    /// Rules every chosen node meets: `node.labels.zone==a`, `node.role!=manager`, `node.hostname==…`.
    pub constraints: Vec<String>,
    /// Spread the tasks evenly over this label's values: `node.labels.zone`; null for no spread.
    pub spread: Option<String>,
    /// At most this many tasks on one node, 1–100; null for no limit.
    pub max_replicas_per_node: FormNumber,
}

impl TryFrom<PlacementInput> for core::Placement {
    type Error = AppError;

    fn try_from(value: PlacementInput) -> Result<Self, AppError> {
        Ok(core::Placement {
            constraints: value.constraints,
            spread: value.spread.filter(|spread| !spread.trim().is_empty()),
            max_replicas_per_node: value
                .max_replicas_per_node
                .optional_whole("placement.max_replicas_per_node", 1..=100)?,
        })
    }
}
