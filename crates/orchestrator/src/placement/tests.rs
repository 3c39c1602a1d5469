//! Constraint parsing and matching, the engine form and eligibility, without an engine.

use std::collections::HashMap;

use bollard::models::{EngineDescription, NodeDescription, NodeSpec, NodeStatus, Platform};

use super::*;

fn node(hostname: &str, role: NodeSpecRoleEnum, labels: &[(&str, &str)]) -> Node {
    Node {
        id: Some(format!("id-{hostname}")),
        spec: Some(NodeSpec {
            role: Some(role),
            availability: Some(NodeSpecAvailabilityEnum::ACTIVE),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Default::default()
        }),
        description: Some(NodeDescription {
            hostname: Some(hostname.to_string()),
            platform: Some(Platform {
                architecture: Some("x86_64".into()),
                os: Some("linux".into()),
            }),
            engine: Some(EngineDescription {
                labels: Some(HashMap::from([("tier".to_string(), "fast".to_string())])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        status: Some(NodeStatus {
            state: Some(NodeState::READY),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn constraints_match_nodes_as_swarmkit_does() {
    let worker = node("w1", NodeSpecRoleEnum::WORKER, &[("zone", "A")]);
    let matches = |text: &str| {
        Constraint::parse(text)
            .expect("a valid constraint")
            .matches(&worker)
    };
    assert!(matches("node.role==worker"));
    assert!(!matches("node.role==manager"));
    assert!(matches("node.hostname != w2"));
    assert!(
        matches("node.labels.zone==a"),
        "values compare case-insensitively"
    );
    assert!(!matches("node.labels.missing==a"));
    assert!(
        matches("node.labels.missing!=a"),
        "a missing label is the empty value"
    );
    assert!(matches("engine.labels.tier==fast"));
    assert!(matches("node.platform.arch==x86_64"));
    assert!(matches("node.id==id-w1"));
}

#[test]
fn constraints_are_parsed_to_one_canonical_form() {
    let parsed = Constraint::parse(" node.labels.zone ==  a ").expect("spaces are allowed");
    assert_eq!(parsed.canonical(), "node.labels.zone==a");
    for bad in [
        "zone==a",
        "node.labels.==a",
        "node.role==boss",
        "node.labels.zone=a",
        "node.labels.zone==",
        "node.labels.zone==a;b",
        "node.hostname!=x==y",
    ] {
        assert!(Constraint::parse(bad).is_err(), "{bad} was accepted");
    }
    assert_eq!(
        parse_spread(" node.labels.zone").as_deref(),
        Ok("node.labels.zone")
    );
    assert!(parse_spread("node.hostname").is_err());
}

#[test]
fn placement_survives_a_round_trip_through_the_engine_form() {
    let placement = Placement {
        constraints: vec!["node.role==worker".into()],
        spread: Some("node.labels.zone".into()),
        max_replicas_per_node: Some(1),
    };
    let engine = engine_placement(&placement);
    assert_eq!(placement_of(engine.as_ref()), placement);
    assert_eq!(engine_placement(&Placement::default()), None);
    assert_eq!(placement_of(None), Placement::default());
}

#[test]
fn only_ready_active_matching_nodes_are_eligible() {
    let mut drained = node("w2", NodeSpecRoleEnum::WORKER, &[("zone", "a")]);
    if let Some(spec) = drained.spec.as_mut() {
        spec.availability = Some(NodeSpecAvailabilityEnum::DRAIN);
    }
    let nodes = vec![
        node("m1", NodeSpecRoleEnum::MANAGER, &[]),
        node("w1", NodeSpecRoleEnum::WORKER, &[("zone", "a")]),
        drained,
    ];
    let placement = Placement {
        constraints: vec!["node.labels.zone==a".into()],
        ..Default::default()
    };
    let (found, required) = eligible(&nodes, &placement);
    let hostnames: Vec<_> = found
        .iter()
        .filter_map(|n| n.description.as_ref()?.hostname.as_deref())
        .collect();
    assert_eq!(hostnames, ["w1"]);
    assert!(required.contains("node.labels.zone==a"));
}
