//! Where tasks may run, for `deploy` and `update`: constraints, spread and the per-node limit in the engine's
//! own syntax.

use clap::Args;
use swarmdeck_orchestrator::{Placement, PlacementUpdate};

#[derive(Debug, Args)]
pub struct PlacementArgs {
    /// Only nodes meeting this rule, e.g. node.labels.zone==a, node.role!=manager; repeat for more (all hold).
    #[arg(long = "constraint", value_name = "EXPR")]
    pub constraints: Vec<String>,
    /// Spread tasks evenly over the values of a node label, e.g. node.labels.zone.
    #[arg(long, value_name = "LABEL")]
    pub spread: Option<String>,
    /// At most this many tasks of the service on one node.
    #[arg(long, value_name = "N", alias = "replicas-max-per-node")]
    pub max_per_node: Option<u32>,
}

impl PlacementArgs {
    pub fn placement(&self) -> Placement {
        Placement {
            constraints: self.constraints.clone(),
            spread: self.spread.clone(),
            max_replicas_per_node: self.max_per_node,
        }
    }
}

#[derive(Debug, Args)]
pub struct PlacementChangeArgs {
    /// Only nodes meeting this rule; any given replace every constraint.
    #[arg(
        long = "constraint",
        value_name = "EXPR",
        conflicts_with = "clear_constraints"
    )]
    pub constraints: Vec<String>,
    /// Remove every constraint.
    #[arg(long)]
    pub clear_constraints: bool,
    /// Spread tasks evenly over the values of a node label.
    #[arg(long, value_name = "LABEL", conflicts_with = "no_spread")]
    pub spread: Option<String>,
    /// Stop spreading over a label.
    #[arg(long)]
    pub no_spread: bool,
    /// At most this many tasks of the service on one node.
    #[arg(
        long,
        value_name = "N",
        alias = "replicas-max-per-node",
        conflicts_with = "no_max_per_node"
    )]
    pub max_per_node: Option<u32>,
    /// Lift the per-node limit.
    #[arg(long)]
    pub no_max_per_node: bool,
}

impl PlacementChangeArgs {
    pub fn update(&self) -> PlacementUpdate {
        PlacementUpdate {
            constraints: if self.clear_constraints {
                Some(Vec::new())
            } else {
                (!self.constraints.is_empty()).then(|| self.constraints.clone())
            },
            spread: if self.no_spread {
                Some(None)
            } else {
                self.spread.clone().map(Some)
            },
            max_replicas_per_node: if self.no_max_per_node {
                Some(None)
            } else {
                self.max_per_node.map(Some)
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::args::{parse, Cli, Command};

    use super::*;

    #[test]
    fn deploy_takes_constraints_spread_and_a_limit() {
        let Ok(Cli {
            command: Command::Deploy(args),
            ..
        }) = parse(&[
            "deploy",
            "--org",
            "a",
            "--slug",
            "b",
            "--image",
            "i",
            "--tag",
            "t",
            "--constraint",
            "node.role==worker",
            "--constraint",
            "node.labels.zone==a",
            "--spread",
            "node.labels.zone",
            "--max-per-node",
            "1",
        ])
        else {
            panic!("deploy arguments should parse");
        };
        assert_eq!(
            args.request().placement,
            Placement {
                constraints: vec!["node.role==worker".into(), "node.labels.zone==a".into()],
                spread: Some("node.labels.zone".into()),
                max_replicas_per_node: Some(1),
            }
        );
    }

    #[test]
    fn update_changes_only_the_placement_flags_given() {
        let update = |extra: &[&str]| {
            let mut argv = vec!["update", "svc"];
            argv.extend_from_slice(extra);
            match parse(&argv) {
                Ok(Cli {
                    command: Command::Update(args),
                    ..
                }) => args.request().ok().map(|r| r.placement),
                _ => None,
            }
        };
        assert_eq!(update(&[]), Some(PlacementUpdate::default()));
        assert_eq!(
            update(&["--clear-constraints", "--no-max-per-node"]),
            Some(PlacementUpdate {
                constraints: Some(Vec::new()),
                spread: None,
                max_replicas_per_node: Some(None),
            })
        );
        assert_eq!(
            update(&["--spread", "node.labels.zone"]).and_then(|p| p.spread),
            Some(Some("node.labels.zone".into()))
        );
        assert_eq!(update(&["--no-spread", "--spread", "x"]), None);
    }
}
