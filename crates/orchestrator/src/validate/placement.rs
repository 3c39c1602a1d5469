//! Placement rules: constraints and the spread in the engine's syntax, and the per-node limit.

use crate::error::{Error, Result};
use crate::model::Placement;
use crate::placement::{parse_spread, Constraint};

use super::MAX_REPLICAS;

/// More constraints than this are a mistake, not a placement.
pub const MAX_CONSTRAINTS: usize = 32;

/// The placement with each constraint and the spread in their canonical form, or the first rule it breaks.
pub fn placement(placement: &Placement) -> Result<Placement> {
    if placement.constraints.len() > MAX_CONSTRAINTS {
        return Err(Error::invalid(
            "placement.constraints",
            format!("at most {MAX_CONSTRAINTS} constraints"),
        ));
    }
    let constraints = placement
        .constraints
        .iter()
        .enumerate()
        .map(|(index, text)| {
            Constraint::parse(text)
                .map(|constraint| constraint.canonical())
                .map_err(|rule| Error::invalid(format!("placement.constraints[{index}]"), rule))
        })
        .collect::<Result<Vec<_>>>()?;
    let spread = placement
        .spread
        .as_deref()
        .map(|descriptor| {
            parse_spread(descriptor).map_err(|rule| Error::invalid("placement.spread", rule))
        })
        .transpose()?;
    if let Some(max) = placement.max_replicas_per_node {
        if max == 0 || max > MAX_REPLICAS {
            return Err(Error::invalid(
                "placement.max_replicas_per_node",
                format!("must be 1–{MAX_REPLICAS}; leave it empty for no limit"),
            ));
        }
    }
    Ok(Placement {
        constraints,
        spread,
        max_replicas_per_node: placement.max_replicas_per_node,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(result: Result<Placement>) -> String {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let with = |constraints: &[&str], spread: Option<&str>, max: Option<u32>| Placement {
            constraints: constraints.iter().map(|c| c.to_string()).collect(),
            spread: spread.map(str::to_string),
            max_replicas_per_node: max,
        };
        assert_eq!(
            field_of(placement(&with(
                &["node.role==worker", "zone=a"],
                None,
                None
            ))),
            "placement.constraints[1]"
        );
        assert_eq!(
            field_of(placement(&with(&[], Some("node.id"), None))),
            "placement.spread"
        );
        assert_eq!(
            field_of(placement(&with(&[], None, Some(0)))),
            "placement.max_replicas_per_node"
        );
        let many: Vec<&str> =
            std::iter::repeat_n("node.role==worker", MAX_CONSTRAINTS + 1).collect();
        assert_eq!(
            field_of(placement(&with(&many, None, None))),
            "placement.constraints"
        );
    }

    #[test]
    fn a_valid_placement_comes_back_canonical() {
        let given = Placement {
            constraints: vec![" node.labels.zone == a".into()],
            spread: Some(" node.labels.zone ".into()),
            max_replicas_per_node: Some(2),
        };
        assert_eq!(
            placement(&given).expect("a valid placement"),
            Placement {
                constraints: vec!["node.labels.zone==a".into()],
                spread: Some("node.labels.zone".into()),
                max_replicas_per_node: Some(2),
            }
        );
    }

    proptest::proptest! {
        #[test]
        fn any_placement_is_judged_without_panicking(
            constraints in proptest::collection::vec(".{0,40}", 0..4),
            spread in proptest::option::of(".{0,30}"),
            max in proptest::option::of(proptest::prelude::any::<u32>()),
        ) {
            let given = Placement { constraints, spread, max_replicas_per_node: max };
            if let Ok(canonical) = placement(&given) {
                proptest::prop_assert_eq!(placement(&canonical).ok(), Some(canonical.clone()));
            }
        }
    }
}
