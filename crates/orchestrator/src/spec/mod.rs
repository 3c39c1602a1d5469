//! Building swarm service specs from our definitions. Pure: no Docker calls.
//!
//! The file is long because it holds both directions of one mapping: what `service_spec` writes is what
//! `definition_from_spec` reads back, so the two stay side by side with the round-trip tests that hold them equal.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{
    EndpointSpec, EndpointSpecModeEnum, HealthConfig, Limit, NetworkAttachmentConfig,
    ResourceObject, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated,
    ServiceSpecRollbackConfig, ServiceSpecRollbackConfigFailureActionEnum,
    ServiceSpecRollbackConfigOrderEnum, ServiceSpecUpdateConfig,
    ServiceSpecUpdateConfigFailureActionEnum, ServiceSpecUpdateConfigOrderEnum, TaskSpec,
    TaskSpecContainerSpec, TaskSpecResources,
};

use crate::model::{
    EndpointMode, FailureAction, HealthCheck, Resources, ServiceDefinition, UpdateOrder,
    UpdatePolicy,
};
use crate::naming::{label, MANAGED_BY};

mod container;
pub use container::{default_restart_policy, label_volumes, recorded_rollback_policy};

/// First wait before the swarm restarts a failed task.
pub const RESTART_DELAY: Duration = Duration::from_secs(5);
/// Restarts allowed within [`RESTART_WINDOW`] before the swarm gives up on a task slot.
pub const RESTART_MAX_ATTEMPTS: i64 = 5;
/// Window in which restart attempts are counted.
pub const RESTART_WINDOW: Duration = Duration::from_secs(120);

const BYTES_PER_MB: i64 = 1024 * 1024;

/// The full swarm spec of a definition attached to its organization network.
pub fn service_spec(
    definition: &ServiceDefinition,
    deployment_id: &str,
    network_id: &str,
) -> ServiceSpec {
    let service_name = definition.service_name();
    let mut labels = HashMap::from([
        (label::MANAGED_BY.to_string(), MANAGED_BY.to_string()),
        (label::ORG.to_string(), definition.org_id.clone()),
        (label::SLUG.to_string(), definition.slug.clone()),
        (label::SERVICE_ID.to_string(), definition.service_id.clone()),
        (label::DEPLOYMENT_ID.to_string(), deployment_id.to_string()),
        (
            label::DISK_GB.to_string(),
            definition.resources.disk_gb.to_string(),
        ),
        (
            label::UPDATE_POLICY.to_string(),
            encode_policy(&definition.update_policy),
        ),
    ]);
    if let Some(check) = &definition.health_check {
        labels.insert(
            label::HEALTH_CHECK.to_string(),
            serde_json::to_string(check).unwrap_or_default(),
        );
    }
    if let Some(port) = definition.internal_port {
        labels.insert(label::INTERNAL_PORT.to_string(), port.to_string());
    }
    let container_labels = HashMap::from([
        (label::MANAGED_BY.to_string(), MANAGED_BY.to_string()),
        (label::ORG.to_string(), definition.org_id.clone()),
        (label::DEPLOYMENT_ID.to_string(), deployment_id.to_string()),
    ]);
    let memory_bytes =
        i64::try_from(definition.resources.memory_mb).unwrap_or(i64::MAX / 2) * BYTES_PER_MB;
    let mut spec = ServiceSpec {
        name: Some(service_name),
        labels: Some(labels),
        task_template: Some(TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(definition.image.clone()),
                labels: Some(container_labels),
                env: Some(
                    definition
                        .env
                        .iter()
                        .map(|(name, value)| format!("{name}={value}"))
                        .collect(),
                ),
                health_check: definition.health_check.as_ref().map(health_config),
                ..Default::default()
            }),
            resources: Some(TaskSpecResources {
                limits: Some(Limit {
                    nano_cpus: Some(nano_cpus(definition.resources.cpu_cores)),
                    memory_bytes: Some(memory_bytes),
                    pids: None,
                }),
                reservations: Some(ResourceObject {
                    nano_cpus: None,
                    memory_bytes: Some(memory_bytes / 2),
                    generic_resources: None,
                }),
                ..Default::default()
            }),
            placement: crate::placement::engine_placement(&definition.placement),
            networks: Some(vec![NetworkAttachmentConfig {
                target: Some(network_id.to_string()),
                aliases: Some(dns_aliases(&definition.slug)),
                driver_opts: None,
            }]),
            ..Default::default()
        }),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(i64::from(definition.replicas)),
            }),
            ..Default::default()
        }),
        endpoint_spec: Some(EndpointSpec {
            mode: Some(match definition.endpoint_mode {
                EndpointMode::Vip => EndpointSpecModeEnum::VIP,
                EndpointMode::Dnsrr => EndpointSpecModeEnum::DNSRR,
            }),
            ports: None,
        }),
        ..Default::default()
    };
    container::write_setup(&mut spec, &definition.container, &definition.org_id);
    apply_policy(&mut spec, &definition.update_policy);
    spec
}

/// The names a service answers to inside its organization network.
pub fn dns_aliases(slug: &str) -> Vec<String> {
    vec![slug.to_string(), format!("{slug}.internal")]
}

/// Writes our update and rollback policy into a spec; every path that writes a spec goes through here,
/// because the swarm's own defaults (pause, 5 s monitor, stop-first) differ from ours.
pub fn apply_policy(spec: &mut ServiceSpec, policy: &UpdatePolicy) {
    let parallelism = i64::from(policy.parallelism);
    spec.update_config = Some(ServiceSpecUpdateConfig {
        parallelism: Some(parallelism),
        delay: Some(nanos(policy.delay)),
        failure_action: Some(match policy.failure_action {
            FailureAction::Rollback => ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK,
            FailureAction::Pause => ServiceSpecUpdateConfigFailureActionEnum::PAUSE,
            FailureAction::Continue => ServiceSpecUpdateConfigFailureActionEnum::CONTINUE,
        }),
        monitor: Some(nanos(policy.monitor)),
        max_failure_ratio: Some(policy.max_failure_ratio),
        order: Some(match policy.order {
            UpdateOrder::StartFirst => ServiceSpecUpdateConfigOrderEnum::START_FIRST,
            UpdateOrder::StopFirst => ServiceSpecUpdateConfigOrderEnum::STOP_FIRST,
        }),
    });
    // A rollback policy of its own (from a compose file) stays; otherwise the rollback mirrors the update.
    let rollback = recorded_rollback_policy(spec).unwrap_or_else(|| policy.clone());
    spec.rollback_config = Some(ServiceSpecRollbackConfig {
        parallelism: Some(i64::from(rollback.parallelism)),
        delay: Some(nanos(rollback.delay)),
        // The swarm never rolls back a rollback: "rollback" there means pause.
        failure_action: Some(match rollback.failure_action {
            FailureAction::Continue => ServiceSpecRollbackConfigFailureActionEnum::CONTINUE,
            FailureAction::Rollback | FailureAction::Pause => {
                ServiceSpecRollbackConfigFailureActionEnum::PAUSE
            }
        }),
        monitor: Some(nanos(rollback.monitor)),
        max_failure_ratio: Some(rollback.max_failure_ratio),
        order: Some(match rollback.order {
            UpdateOrder::StartFirst => ServiceSpecRollbackConfigOrderEnum::START_FIRST,
            UpdateOrder::StopFirst => ServiceSpecRollbackConfigOrderEnum::STOP_FIRST,
        }),
    });
    let labels = spec.labels.get_or_insert_with(HashMap::new);
    labels.insert(label::UPDATE_POLICY.to_string(), encode_policy(policy));
}

/// The policy a service was last written with, or the default when it carries none of ours.
pub fn recorded_policy(spec: &ServiceSpec) -> UpdatePolicy {
    spec.labels
        .as_ref()
        .and_then(|labels| labels.get(label::UPDATE_POLICY))
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

/// Sets the replica count of a replicated service spec.
pub fn set_replicas(spec: &mut ServiceSpec, replicas: u32) {
    spec.mode = Some(ServiceSpecMode {
        replicated: Some(ServiceSpecModeReplicated {
            replicas: Some(i64::from(replicas)),
        }),
        ..Default::default()
    });
}

fn encode_policy(policy: &UpdatePolicy) -> String {
    // Serialising plain numbers and enums cannot fail.
    serde_json::to_string(policy).unwrap_or_default()
}

fn health_config(check: &HealthCheck) -> HealthConfig {
    let mut test = vec!["CMD".to_string()];
    test.extend(check.command.iter().cloned());
    HealthConfig {
        test: Some(test),
        interval: Some(nanos(Duration::from_secs(check.interval_secs.into()))),
        timeout: Some(nanos(Duration::from_secs(check.timeout_secs.into()))),
        retries: Some(check.retries.into()),
        start_period: Some(nanos(Duration::from_secs(check.start_period_secs.into()))),
        start_interval: None,
    }
}

/// CPU cores to the engine's NanoCPUs.
pub fn nano_cpus(cores: f64) -> i64 {
    // Validated cores are 0.5–16, so the product fits an i64 exactly after rounding.
    (cores * 1e9).round() as i64
}

fn nanos(duration: Duration) -> i64 {
    i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX)
}

/// The image reference a service spec runs.
pub fn image_of(spec: &ServiceSpec) -> Option<String> {
    spec.task_template
        .as_ref()?
        .container_spec
        .as_ref()?
        .image
        .clone()
}

/// The deployment a spec was written for, read back from its labels.
pub fn deployment_of(spec: &ServiceSpec) -> Option<String> {
    spec.labels.as_ref()?.get(label::DEPLOYMENT_ID).cloned()
}

/// Reads our definition back from a spec we wrote, so an update can change one field and keep the rest.
pub fn definition_from_spec(spec: &ServiceSpec) -> Option<ServiceDefinition> {
    let labels = spec.labels.as_ref()?;
    let task = spec.task_template.as_ref()?;
    let container = task.container_spec.as_ref()?;
    let limits = task.resources.as_ref().and_then(|r| r.limits.as_ref());
    let env = container
        .env
        .iter()
        .flatten()
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let health_check = recorded_health_check(spec).or_else(|| {
        let check = container.health_check.as_ref()?;
        let (kind, command) = check.test.as_ref()?.split_first()?;
        (kind == "CMD").then(|| HealthCheck {
            command: command.to_vec(),
            interval_secs: secs(check.interval),
            timeout_secs: secs(check.timeout),
            retries: check
                .retries
                .and_then(|r| u32::try_from(r).ok())
                .unwrap_or(3),
            start_period_secs: secs(check.start_period),
        })
    });
    let replicas = spec
        .mode
        .as_ref()
        .and_then(|mode| mode.replicated.as_ref()?.replicas)
        .and_then(|r| u32::try_from(r).ok())
        .unwrap_or(1);
    Some(ServiceDefinition {
        org_id: labels.get(label::ORG)?.clone(),
        slug: labels.get(label::SLUG)?.clone(),
        service_id: labels
            .get(label::SERVICE_ID)
            .cloned()
            .unwrap_or_else(|| spec.name.clone().unwrap_or_default()),
        image: container.image.clone()?,
        resources: Resources {
            cpu_cores: limits
                .and_then(|l| l.nano_cpus)
                .map(|n| n as f64 / 1e9)
                .unwrap_or(0.5),
            memory_mb: limits
                .and_then(|l| l.memory_bytes)
                .and_then(|b| u64::try_from(b / BYTES_PER_MB).ok())
                .unwrap_or(256),
            disk_gb: labels
                .get(label::DISK_GB)
                .and_then(|d| d.parse().ok())
                .unwrap_or(1),
        },
        env,
        internal_port: labels
            .get(label::INTERNAL_PORT)
            .and_then(|p| p.parse().ok()),
        replicas,
        health_check,
        endpoint_mode: match spec.endpoint_spec.as_ref().and_then(|e| e.mode) {
            Some(EndpointSpecModeEnum::DNSRR) => EndpointMode::Dnsrr,
            _ => EndpointMode::Vip,
        },
        update_policy: recorded_policy(spec),
        placement: crate::placement::placement_of(task.placement.as_ref()),
        container: container::setup_of(spec),
    })
}

fn recorded_health_check(spec: &ServiceSpec) -> Option<HealthCheck> {
    serde_json::from_str(spec.labels.as_ref()?.get(label::HEALTH_CHECK)?).ok()
}

/// Puts back what bollard drops when it reads a spec (the health check), so writing an inspected spec back does
/// not silently remove it.
pub fn restore_dropped_fields(spec: &mut ServiceSpec) {
    let Some(check) = recorded_health_check(spec) else {
        return;
    };
    if let Some(container) = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
    {
        if container.health_check.is_none() {
            container.health_check = Some(health_config(&check));
        }
    }
}

fn secs(nanos: Option<i64>) -> u32 {
    nanos
        .and_then(|n| u32::try_from(n / 1_000_000_000).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use bollard::models::TaskSpecRestartPolicyConditionEnum;

    use super::*;
    use crate::model::{
        ContainerSetup, FileKind, FileMount, Mount, MountKind, PortProtocol, PublishMode,
        PublishedPort, RestartCondition, RestartPolicy,
    };

    fn definition() -> ServiceDefinition {
        ServiceDefinition {
            org_id: "acme".into(),
            slug: "web".into(),
            service_id: "svc-1".into(),
            image: "app:v1".into(),
            resources: Resources {
                cpu_cores: 1.5,
                memory_mb: 512,
                disk_gb: 10,
            },
            env: [("A".to_string(), "1".to_string())].into(),
            internal_port: Some(8080),
            replicas: 2,
            health_check: Some(HealthCheck {
                command: vec!["/fixture".into(), "health".into()],
                interval_secs: 2,
                timeout_secs: 2,
                retries: 3,
                start_period_secs: 0,
            }),
            endpoint_mode: EndpointMode::Vip,
            update_policy: UpdatePolicy::default(),
            placement: crate::model::Placement {
                constraints: vec!["node.role==worker".into()],
                spread: Some("node.labels.zone".into()),
                max_replicas_per_node: Some(1),
            },
            container: ContainerSetup::default(),
        }
    }

    #[test]
    fn spec_carries_limits_reservation_aliases_and_labels() {
        let spec = service_spec(&definition(), "d1", "net1");
        let task = spec.task_template.as_ref().expect("task template");
        let resources = task.resources.as_ref().expect("resources");
        let limits = resources.limits.as_ref().expect("limits");
        assert_eq!(limits.nano_cpus, Some(1_500_000_000));
        assert_eq!(limits.memory_bytes, Some(512 * BYTES_PER_MB));
        assert_eq!(
            resources.reservations.as_ref().and_then(|r| r.memory_bytes),
            Some(256 * BYTES_PER_MB)
        );
        let network = &task.networks.as_ref().expect("networks")[0];
        assert_eq!(
            network.aliases,
            Some(vec!["web".to_string(), "web.internal".to_string()])
        );
        assert!(
            spec.networks.is_none(),
            "the deprecated top-level Networks must stay empty"
        );
        let container = task.container_spec.as_ref().expect("container");
        assert_eq!(container.env, Some(vec!["A=1".to_string()]));
        let check = container.health_check.as_ref().expect("health");
        assert_eq!(
            check.test.as_deref(),
            Some(&["CMD".to_string(), "/fixture".into(), "health".into()][..])
        );
        let labels = spec.labels.as_ref().expect("labels");
        assert_eq!(
            labels.get(label::DEPLOYMENT_ID).map(String::as_str),
            Some("d1")
        );
        assert_eq!(labels.get(label::DISK_GB).map(String::as_str), Some("10"));
        assert_eq!(
            task.restart_policy.as_ref().and_then(|p| p.condition),
            Some(TaskSpecRestartPolicyConditionEnum::ON_FAILURE)
        );
    }

    #[test]
    fn default_policy_is_the_designs() {
        let spec = service_spec(&definition(), "d1", "net1");
        let update = spec.update_config.as_ref().expect("update config");
        assert_eq!(update.parallelism, Some(1));
        assert_eq!(update.delay, Some(10_000_000_000));
        assert_eq!(update.monitor, Some(15_000_000_000));
        assert_eq!(
            update.failure_action,
            Some(ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK)
        );
        assert_eq!(update.max_failure_ratio, Some(0.3));
        assert_eq!(
            update.order,
            Some(ServiceSpecUpdateConfigOrderEnum::START_FIRST)
        );
        assert!(spec.rollback_config.is_some());
        assert_eq!(recorded_policy(&spec), UpdatePolicy::default());
    }

    #[test]
    fn policy_survives_a_round_trip_through_labels() {
        let mut custom = definition();
        custom.update_policy.monitor = Duration::from_secs(2);
        custom.update_policy.delay = Duration::ZERO;
        let spec = service_spec(&custom, "d1", "net1");
        assert_eq!(recorded_policy(&spec), custom.update_policy);
        assert_eq!(
            recorded_policy(&ServiceSpec::default()),
            UpdatePolicy::default()
        );
    }

    #[test]
    fn definition_reads_back_from_the_spec_it_built() {
        let mut original = definition();
        original.endpoint_mode = EndpointMode::Dnsrr;
        original.update_policy.monitor = Duration::from_secs(3);
        let spec = service_spec(&original, "d1", "net1");
        assert_eq!(definition_from_spec(&spec), Some(original));
        assert_eq!(definition_from_spec(&ServiceSpec::default()), None);
    }

    #[test]
    fn a_compose_setup_reads_back_and_survives_a_policy_rewrite() {
        let mut original = definition();
        original.container = ContainerSetup {
            entrypoint: Some(vec!["/fixture".into()]),
            command: Some(vec!["serve".into(), "--fast".into()]),
            published_ports: vec![PublishedPort {
                target: 8080,
                published: Some(18080),
                protocol: PortProtocol::Udp,
                mode: PublishMode::Host,
            }],
            labels: [("team".to_string(), "blue".to_string())].into(),
            restart_policy: Some(RestartPolicy {
                condition: RestartCondition::Any,
                delay: Duration::from_secs(1),
                max_attempts: None,
                window: None,
            }),
            rollback_policy: Some(UpdatePolicy {
                parallelism: 3,
                order: UpdateOrder::StopFirst,
                ..UpdatePolicy::default()
            }),
            mounts: vec![
                Mount {
                    kind: MountKind::Volume,
                    source: "data".into(),
                    target: "/var/lib/data".into(),
                    read_only: false,
                },
                Mount {
                    kind: MountKind::Bind,
                    source: "/srv/static".into(),
                    target: "/static".into(),
                    read_only: true,
                },
            ],
            files: vec![
                FileMount {
                    kind: FileKind::Secret,
                    name: "db_password".into(),
                    version: "0123456789ab".into(),
                    target: "/run/secrets/db_password".into(),
                },
                FileMount {
                    kind: FileKind::Config,
                    name: "nginx.conf".into(),
                    version: "ba9876543210".into(),
                    target: "/etc/nginx.conf".into(),
                },
            ],
        };
        let mut spec = service_spec(&original, "d1", "net1");
        assert_eq!(definition_from_spec(&spec), Some(original.clone()));
        let container = spec
            .task_template
            .as_ref()
            .and_then(|t| t.container_spec.as_ref())
            .expect("container");
        let mounts = container.mounts.as_ref().expect("mounts");
        assert_eq!(
            mounts[0].source.as_deref(),
            Some("org-acme-data"),
            "volumes are the organization's"
        );
        let secrets = container.secrets.as_ref().expect("secrets");
        assert_eq!(
            secrets[0].secret_name.as_deref(),
            Some("org-acme-db_password-0123456789ab")
        );
        let rollback = spec.rollback_config.clone();
        assert_eq!(rollback.as_ref().and_then(|r| r.parallelism), Some(3));
        apply_policy(&mut spec, &UpdatePolicy::default());
        assert_eq!(
            spec.rollback_config, rollback,
            "a scale keeps the rollback policy"
        );
        assert_eq!(definition_from_spec(&spec), Some(original));
    }

    #[test]
    fn a_health_check_lost_on_read_is_restored_before_writing() {
        let mut spec = service_spec(&definition(), "d1", "net1");
        let built = spec.clone();
        if let Some(container) = spec
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
        {
            container.health_check = None;
        }
        assert_eq!(definition_from_spec(&spec), Some(definition()));
        restore_dropped_fields(&mut spec);
        assert_eq!(spec, built);
    }
}
