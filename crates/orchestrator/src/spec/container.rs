//! The compose-only part of a definition (`ContainerSetup`) in a service spec, both ways.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum,
    ServiceSpec, TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};

use super::{nanos, RESTART_DELAY, RESTART_MAX_ATTEMPTS, RESTART_WINDOW};
use crate::model::{
    ContainerSetup, PortProtocol, PublishMode, PublishedPort, RestartCondition, RestartPolicy,
    UpdatePolicy,
};
use crate::naming::label;

/// Writes the process, ports, user labels, restart policy and rollback policy label of a setup into a spec.
pub(super) fn write_setup(spec: &mut ServiceSpec, setup: &ContainerSetup) {
    if let Some(container) = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
    {
        container.command = setup.entrypoint.clone();
        container.args = setup.command.clone();
    }
    if let Some(task) = spec.task_template.as_mut() {
        task.restart_policy = Some(engine_restart_policy(setup.restart_policy.as_ref()));
    }
    if let Some(endpoint) = spec.endpoint_spec.as_mut() {
        endpoint.ports = (!setup.published_ports.is_empty())
            .then(|| setup.published_ports.iter().map(engine_port).collect());
    }
    let labels = spec.labels.get_or_insert_with(HashMap::new);
    labels.extend(setup.labels.clone());
    if let Some(policy) = &setup.rollback_policy {
        // Serialising plain numbers and enums cannot fail.
        labels.insert(
            label::ROLLBACK_POLICY.to_string(),
            serde_json::to_string(policy).unwrap_or_default(),
        );
    }
}

/// Reads a setup back from a spec; what equals our defaults reads as unset, so a form-made service has none.
pub(super) fn setup_of(spec: &ServiceSpec) -> ContainerSetup {
    let task = spec.task_template.as_ref();
    let container = task.and_then(|t| t.container_spec.as_ref());
    let restart_policy = task
        .and_then(|t| t.restart_policy.as_ref())
        .map(restart_policy_of)
        .filter(|policy| *policy != default_restart_policy());
    ContainerSetup {
        entrypoint: container.and_then(|c| c.command.clone()),
        command: container.and_then(|c| c.args.clone()),
        published_ports: spec
            .endpoint_spec
            .as_ref()
            .and_then(|e| e.ports.as_ref())
            .map(|ports| ports.iter().filter_map(published_port_of).collect())
            .unwrap_or_default(),
        labels: spec
            .labels
            .iter()
            .flatten()
            .filter(|(key, _)| !key.starts_with(label::OURS_PREFIX))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect(),
        restart_policy,
        rollback_policy: recorded_rollback_policy(spec),
    }
}

/// A rollback policy a spec carries apart from its update policy.
pub fn recorded_rollback_policy(spec: &ServiceSpec) -> Option<UpdatePolicy> {
    serde_json::from_str(spec.labels.as_ref()?.get(label::ROLLBACK_POLICY)?).ok()
}

/// Ours: on failure, after 5 s, at most 5 times in 2 minutes.
pub fn default_restart_policy() -> RestartPolicy {
    RestartPolicy {
        condition: RestartCondition::OnFailure,
        delay: RESTART_DELAY,
        max_attempts: u32::try_from(RESTART_MAX_ATTEMPTS).ok(),
        window: Some(RESTART_WINDOW),
    }
}

fn engine_restart_policy(policy: Option<&RestartPolicy>) -> TaskSpecRestartPolicy {
    let policy = policy.cloned().unwrap_or_else(default_restart_policy);
    TaskSpecRestartPolicy {
        condition: Some(match policy.condition {
            RestartCondition::None => TaskSpecRestartPolicyConditionEnum::NONE,
            RestartCondition::OnFailure => TaskSpecRestartPolicyConditionEnum::ON_FAILURE,
            RestartCondition::Any => TaskSpecRestartPolicyConditionEnum::ANY,
        }),
        delay: Some(nanos(policy.delay)),
        // The engine reads 0 attempts and a 0 window as "no limit".
        max_attempts: Some(policy.max_attempts.map(i64::from).unwrap_or(0)),
        window: Some(policy.window.map(nanos).unwrap_or(0)),
    }
}

fn restart_policy_of(policy: &TaskSpecRestartPolicy) -> RestartPolicy {
    let nanos_to_duration = |n: i64| Duration::from_nanos(u64::try_from(n).unwrap_or(0));
    RestartPolicy {
        condition: match policy.condition {
            Some(TaskSpecRestartPolicyConditionEnum::NONE) => RestartCondition::None,
            Some(TaskSpecRestartPolicyConditionEnum::ON_FAILURE) => RestartCondition::OnFailure,
            _ => RestartCondition::Any,
        },
        delay: nanos_to_duration(policy.delay.unwrap_or(0)),
        max_attempts: policy
            .max_attempts
            .filter(|n| *n > 0)
            .and_then(|n| u32::try_from(n).ok()),
        window: policy.window.filter(|n| *n > 0).map(nanos_to_duration),
    }
}

fn engine_port(port: &PublishedPort) -> EndpointPortConfig {
    EndpointPortConfig {
        name: None,
        protocol: Some(match port.protocol {
            PortProtocol::Tcp => EndpointPortConfigProtocolEnum::TCP,
            PortProtocol::Udp => EndpointPortConfigProtocolEnum::UDP,
            PortProtocol::Sctp => EndpointPortConfigProtocolEnum::SCTP,
        }),
        target_port: Some(i64::from(port.target)),
        published_port: port.published.map(i64::from),
        publish_mode: Some(match port.mode {
            PublishMode::Ingress => EndpointPortConfigPublishModeEnum::INGRESS,
            PublishMode::Host => EndpointPortConfigPublishModeEnum::HOST,
        }),
    }
}

fn published_port_of(port: &EndpointPortConfig) -> Option<PublishedPort> {
    Some(PublishedPort {
        target: u16::try_from(port.target_port?).ok()?,
        published: port
            .published_port
            .filter(|p| *p > 0)
            .and_then(|p| u16::try_from(p).ok()),
        protocol: match port.protocol {
            Some(EndpointPortConfigProtocolEnum::UDP) => PortProtocol::Udp,
            Some(EndpointPortConfigProtocolEnum::SCTP) => PortProtocol::Sctp,
            _ => PortProtocol::Tcp,
        },
        mode: match port.publish_mode {
            Some(EndpointPortConfigPublishModeEnum::HOST) => PublishMode::Host,
            _ => PublishMode::Ingress,
        },
    })
}
