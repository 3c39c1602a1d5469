//! The compose-only part of a definition (`ContainerSetup`) in a service spec, both ways.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum,
    Mount as EngineMount, MountType, MountVolumeOptions, ServiceSpec, TaskSpecContainerSpecConfigs,
    TaskSpecContainerSpecFile, TaskSpecContainerSpecFile1, TaskSpecContainerSpecSecrets,
    TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};

use super::{nanos, RESTART_DELAY, RESTART_MAX_ATTEMPTS, RESTART_WINDOW};
use crate::model::{
    ContainerSetup, FileKind, FileMount, Mount, MountKind, PortProtocol, PublishMode,
    PublishedPort, RestartCondition, RestartPolicy, UpdatePolicy,
};
use crate::naming::{self, label, MANAGED_BY};

/// Files the swarm writes into a task are readable by its user whatever uid it runs as, and by nobody else's.
const FILE_MODE: u32 = 0o444;

/// Writes the process, ports, mounts, files, user labels, restart policy and rollback policy label of a setup
/// into a spec. Secrets and configs are named, not yet identified: [`crate::Orchestrator`] fills in their ids
/// before the spec is sent.
pub(super) fn write_setup(spec: &mut ServiceSpec, setup: &ContainerSetup, org_id: &str) {
    if let Some(container) = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
    {
        container.command = setup.entrypoint.clone();
        container.args = setup.command.clone();
        container.mounts = (!setup.mounts.is_empty()).then(|| {
            setup
                .mounts
                .iter()
                .map(|m| engine_mount(m, org_id))
                .collect()
        });
        let file = |f: &FileMount| naming::file_object_name(org_id, &f.name, &f.version);
        let of_kind = |kind| setup.files.iter().filter(move |f| f.kind == kind);
        let secrets: Vec<_> = of_kind(FileKind::Secret)
            .map(|f| TaskSpecContainerSpecSecrets {
                file: Some(TaskSpecContainerSpecFile {
                    name: Some(f.target.clone()),
                    uid: Some("0".to_string()),
                    gid: Some("0".to_string()),
                    mode: Some(FILE_MODE),
                }),
                secret_id: None,
                secret_name: Some(file(f)),
            })
            .collect();
        let configs: Vec<_> = of_kind(FileKind::Config)
            .map(|f| TaskSpecContainerSpecConfigs {
                file: Some(TaskSpecContainerSpecFile1 {
                    name: Some(f.target.clone()),
                    uid: Some("0".to_string()),
                    gid: Some("0".to_string()),
                    mode: Some(FILE_MODE),
                }),
                runtime: None,
                config_id: None,
                config_name: Some(file(f)),
            })
            .collect();
        container.secrets = (!secrets.is_empty()).then_some(secrets);
        container.configs = (!configs.is_empty()).then_some(configs);
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
    let org_id = spec
        .labels
        .as_ref()
        .and_then(|l| l.get(label::ORG))
        .cloned()
        .unwrap_or_default();
    let files = container
        .map(|c| {
            let secrets = c.secrets.iter().flatten().filter_map(|s| {
                file_mount_of(
                    FileKind::Secret,
                    &org_id,
                    s.secret_name.as_deref()?,
                    s.file.as_ref()?.name.as_deref()?,
                )
            });
            let configs = c.configs.iter().flatten().filter_map(|s| {
                file_mount_of(
                    FileKind::Config,
                    &org_id,
                    s.config_name.as_deref()?,
                    s.file.as_ref()?.name.as_deref()?,
                )
            });
            secrets.chain(configs).collect()
        })
        .unwrap_or_default();
    ContainerSetup {
        mounts: container
            .and_then(|c| c.mounts.as_ref())
            .map(|mounts| mounts.iter().filter_map(|m| mount_of(m, &org_id)).collect())
            .unwrap_or_default(),
        files,
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

/// Adds labels to the volumes a spec's mounts create (the engine creates them on first use, with these).
pub fn label_volumes(spec: &mut ServiceSpec, extra: &std::collections::BTreeMap<String, String>) {
    let mounts = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
        .and_then(|c| c.mounts.as_mut());
    for mount in mounts.into_iter().flatten() {
        if let Some(labels) = mount
            .volume_options
            .as_mut()
            .and_then(|o| o.labels.as_mut())
        {
            labels.extend(extra.clone());
        }
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

fn engine_mount(mount: &Mount, org_id: &str) -> EngineMount {
    match mount.kind {
        MountKind::Volume => EngineMount {
            target: Some(mount.target.clone()),
            source: Some(naming::volume_name(org_id, &mount.source)),
            typ: Some(MountType::VOLUME),
            read_only: Some(mount.read_only),
            // The engine creates the volume on first use on each node, with these labels: whose it is.
            volume_options: Some(MountVolumeOptions {
                labels: Some(
                    [
                        (label::MANAGED_BY.to_string(), MANAGED_BY.to_string()),
                        (label::ORG.to_string(), org_id.to_string()),
                    ]
                    .into(),
                ),
                ..Default::default()
            }),
            ..Default::default()
        },
        MountKind::Bind => EngineMount {
            target: Some(mount.target.clone()),
            source: Some(mount.source.clone()),
            typ: Some(MountType::BIND),
            read_only: Some(mount.read_only),
            ..Default::default()
        },
    }
}

fn mount_of(mount: &EngineMount, org_id: &str) -> Option<Mount> {
    let source = mount.source.clone()?;
    let (kind, source) = match mount.typ? {
        MountType::VOLUME => (
            MountKind::Volume,
            naming::volume_of(org_id, &source).unwrap_or(source),
        ),
        MountType::BIND => (MountKind::Bind, source),
        _ => return None,
    };
    Some(Mount {
        kind,
        source,
        target: mount.target.clone()?,
        read_only: mount.read_only.unwrap_or(false),
    })
}

fn file_mount_of(kind: FileKind, org_id: &str, object: &str, target: &str) -> Option<FileMount> {
    let (name, version) = naming::file_object_of(org_id, object)?;
    Some(FileMount {
        kind,
        name,
        version,
        target: target.to_string(),
    })
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
