//! Definitions → a compose file that `docker stack deploy` accepts and that reads back to the same definitions.

use std::borrow::Cow;

use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};

use super::values::duration_text;
use crate::model::{
    EndpointMode, FailureAction, FileKind, MountKind, ServiceDefinition, UpdateOrder, UpdatePolicy,
};
use crate::naming;

/// Swarmdeck's disk size has no compose key; an extension key carries it (compose ignores `x-` keys).
pub const DISK_KEY: &str = "x-swarmdeck-disk-gb";

/// The compose file of these services, each under its slug.
pub fn export(definitions: &[ServiceDefinition]) -> String {
    let mut services = Mapping::new();
    let mut volumes = Mapping::new();
    let mut files: [Mapping<'static>; 2] = [Mapping::new(), Mapping::new()];
    for definition in definitions {
        services.insert(text(&definition.slug), service(definition));
        let setup = &definition.container;
        for mount in setup.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
            volumes.insert(text(&mount.source), Yaml::Mapping(Mapping::new()));
        }
        for file in &setup.files {
            // Exported by reference: the content stays in the swarm, where `docker stack deploy` finds it too.
            let mut external = Mapping::new();
            put(
                &mut external,
                "external",
                Yaml::Value(Scalar::Boolean(true)),
            );
            put(
                &mut external,
                "name",
                text(&naming::file_object_name(
                    &definition.org_id,
                    &file.name,
                    &file.version,
                )),
            );
            let slot = match file.kind {
                FileKind::Secret => &mut files[0],
                FileKind::Config => &mut files[1],
            };
            slot.entry(text(&file.name))
                .or_insert(Yaml::Mapping(external));
        }
    }
    let mut root = Mapping::new();
    root.insert(text("services"), Yaml::Mapping(services));
    let [secrets, configs] = files;
    for (key, entries) in [
        ("volumes", volumes),
        ("secrets", secrets),
        ("configs", configs),
    ] {
        if !entries.is_empty() {
            root.insert(text(key), Yaml::Mapping(entries));
        }
    }
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = YamlEmitter::new(&mut out).dump(&Yaml::Mapping(root));
    out.push('\n');
    out
}

fn service(definition: &ServiceDefinition) -> Yaml<'static> {
    let setup = &definition.container;
    let mut service = Mapping::new();
    put(&mut service, "image", escaped(&definition.image));
    if let Some(entrypoint) = &setup.entrypoint {
        put(&mut service, "entrypoint", escaped_list(entrypoint));
    }
    if let Some(command) = &setup.command {
        put(&mut service, "command", escaped_list(command));
    }
    if !definition.env.is_empty() {
        let mut env = Mapping::new();
        for (name, value) in &definition.env {
            env.insert(text(name), escaped(value));
        }
        put(&mut service, "environment", Yaml::Mapping(env));
    }
    if let Some(check) = &definition.health_check {
        let mut test = vec![text("CMD")];
        test.extend(check.command.iter().map(|arg| escaped(arg)));
        let mut health = Mapping::new();
        put(&mut health, "test", Yaml::Sequence(test));
        put(&mut health, "interval", seconds(check.interval_secs));
        put(&mut health, "timeout", seconds(check.timeout_secs));
        put(&mut health, "retries", number(check.retries.into()));
        put(
            &mut health,
            "start_period",
            seconds(check.start_period_secs),
        );
        put(&mut service, "healthcheck", Yaml::Mapping(health));
    }
    if let Some(port) = definition.internal_port {
        put(
            &mut service,
            "expose",
            Yaml::Sequence(vec![text(&port.to_string())]),
        );
    }
    if !setup.published_ports.is_empty() {
        let ports = setup
            .published_ports
            .iter()
            .map(|port| {
                let mut entry = Mapping::new();
                put(&mut entry, "target", number(port.target.into()));
                if let Some(published) = port.published {
                    put(&mut entry, "published", number(published.into()));
                }
                put(&mut entry, "protocol", text(port.protocol.as_str()));
                put(&mut entry, "mode", text(port.mode.as_str()));
                Yaml::Mapping(entry)
            })
            .collect();
        put(&mut service, "ports", Yaml::Sequence(ports));
    }
    if !setup.mounts.is_empty() {
        let mounts = setup
            .mounts
            .iter()
            .map(|m| {
                escaped(&format!(
                    "{}:{}{}",
                    m.source,
                    m.target,
                    if m.read_only { ":ro" } else { "" }
                ))
            })
            .collect();
        put(&mut service, "volumes", Yaml::Sequence(mounts));
    }
    for (kind, key) in [(FileKind::Secret, "secrets"), (FileKind::Config, "configs")] {
        let entries: Vec<Yaml<'static>> = setup
            .files
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| {
                let mut entry = Mapping::new();
                put(&mut entry, "source", text(&f.name));
                put(&mut entry, "target", escaped(&f.target));
                Yaml::Mapping(entry)
            })
            .collect();
        if !entries.is_empty() {
            put(&mut service, key, Yaml::Sequence(entries));
        }
    }
    if definition.resources.disk_gb != crate::model::Resources::default().disk_gb {
        put(
            &mut service,
            DISK_KEY,
            number(definition.resources.disk_gb.into()),
        );
    }
    put(&mut service, "deploy", deploy(definition));
    Yaml::Mapping(service)
}

fn deploy(definition: &ServiceDefinition) -> Yaml<'static> {
    let setup = &definition.container;
    let mut deploy = Mapping::new();
    put(&mut deploy, "replicas", number(definition.replicas.into()));
    put(
        &mut deploy,
        "endpoint_mode",
        text(match definition.endpoint_mode {
            EndpointMode::Vip => "vip",
            EndpointMode::Dnsrr => "dnsrr",
        }),
    );
    let mut limits = Mapping::new();
    put(
        &mut limits,
        "cpus",
        text(&definition.resources.cpu_cores.to_string()),
    );
    put(
        &mut limits,
        "memory",
        text(&format!("{}M", definition.resources.memory_mb)),
    );
    let mut resources = Mapping::new();
    put(&mut resources, "limits", Yaml::Mapping(limits));
    put(&mut deploy, "resources", Yaml::Mapping(resources));
    put(
        &mut deploy,
        "update_config",
        policy(&definition.update_policy),
    );
    if let Some(rollback) = &setup.rollback_policy {
        put(&mut deploy, "rollback_config", policy(rollback));
    }
    if let Some(restart) = &setup.restart_policy {
        let mut entry = Mapping::new();
        put(&mut entry, "condition", text(restart.condition.as_str()));
        put(&mut entry, "delay", text(&duration_text(restart.delay)));
        put(
            &mut entry,
            "max_attempts",
            number(restart.max_attempts.unwrap_or(0).into()),
        );
        put(
            &mut entry,
            "window",
            text(&duration_text(restart.window.unwrap_or_default())),
        );
        put(&mut deploy, "restart_policy", Yaml::Mapping(entry));
    }
    let placement = &definition.placement;
    if !placement.is_anywhere() {
        let mut entry = Mapping::new();
        if !placement.constraints.is_empty() {
            put(
                &mut entry,
                "constraints",
                escaped_list(&placement.constraints),
            );
        }
        if let Some(spread) = &placement.spread {
            let mut preference = Mapping::new();
            put(&mut preference, "spread", escaped(spread));
            put(
                &mut entry,
                "preferences",
                Yaml::Sequence(vec![Yaml::Mapping(preference)]),
            );
        }
        if let Some(limit) = placement.max_replicas_per_node {
            put(&mut entry, "max_replicas_per_node", number(limit.into()));
        }
        put(&mut deploy, "placement", Yaml::Mapping(entry));
    }
    if !setup.labels.is_empty() {
        let mut labels = Mapping::new();
        for (key, value) in &setup.labels {
            labels.insert(text(key), escaped(value));
        }
        put(&mut deploy, "labels", Yaml::Mapping(labels));
    }
    Yaml::Mapping(deploy)
}

fn policy(policy: &UpdatePolicy) -> Yaml<'static> {
    let mut entry = Mapping::new();
    put(&mut entry, "parallelism", number(policy.parallelism.into()));
    put(&mut entry, "delay", text(&duration_text(policy.delay)));
    put(
        &mut entry,
        "failure_action",
        text(match policy.failure_action {
            FailureAction::Rollback => "rollback",
            FailureAction::Pause => "pause",
            FailureAction::Continue => "continue",
        }),
    );
    put(&mut entry, "monitor", text(&duration_text(policy.monitor)));
    put(
        &mut entry,
        "max_failure_ratio",
        decimal(policy.max_failure_ratio),
    );
    put(
        &mut entry,
        "order",
        text(match policy.order {
            UpdateOrder::StartFirst => "start-first",
            UpdateOrder::StopFirst => "stop-first",
        }),
    );
    Yaml::Mapping(entry)
}

fn put(mapping: &mut Mapping<'static>, key: &str, value: Yaml<'static>) {
    mapping.insert(text(key), value);
}

fn text(value: &str) -> Yaml<'static> {
    Yaml::Value(Scalar::String(Cow::Owned(value.to_string())))
}

/// A value as the file must spell it so interpolation reads it back unchanged.
fn escaped(value: &str) -> Yaml<'static> {
    text(&value.replace('$', "$$"))
}

fn escaped_list(values: &[String]) -> Yaml<'static> {
    Yaml::Sequence(values.iter().map(|v| escaped(v)).collect())
}

fn number(value: i64) -> Yaml<'static> {
    Yaml::Value(Scalar::Integer(value))
}

/// A number the compose schema types as a number (a quoted one fails `docker stack deploy`'s validation).
fn decimal(value: f64) -> Yaml<'static> {
    Yaml::Value(Scalar::parse_from_cow(Cow::Owned(value.to_string())))
}

fn seconds(value: u32) -> Yaml<'static> {
    text(&format!("{value}s"))
}
