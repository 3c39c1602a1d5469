//! A service's `deploy` section: replicas, endpoint mode, resources, labels, update, rollback and restart
//! policies, and placement.

use std::collections::BTreeMap;

use super::service::{unsupported, Origins};
use super::values::{duration, megabytes};
use super::yaml::{Node, Reader};
use crate::error::Result;
use crate::model::{
    ContainerSetup, DeployRequest, EndpointMode, FailureAction, Placement, Resources,
    RestartCondition, RestartPolicy, UpdateOrder, UpdatePolicy,
};

pub(super) fn read<'a, 'i>(
    reader: &Reader<'_>,
    node: &'a Node<'i>,
    request: &mut DeployRequest,
    setup: &mut ContainerSetup,
    origins: &mut Origins<'a, 'i>,
) -> Result<()> {
    for (key, key_node, value) in reader.mapping(node, "deploy")? {
        match key.as_str() {
            "replicas" => {
                request.replicas =
                    reader.number(value, "deploy.replicas", 0..=u64::from(u32::MAX))? as u32;
                origins.note("replicas", value);
            }
            "mode" => {
                let mode = reader.text(value, "deploy.mode")?;
                if mode != "replicated" {
                    return Err(reader.error(
                        value,
                        format!("deploy.mode {mode} is not supported; services are replicated"),
                    ));
                }
            }
            "endpoint_mode" => {
                request.endpoint_mode = match reader.text(value, "deploy.endpoint_mode")?.as_str() {
                    "vip" => EndpointMode::Vip,
                    "dnsrr" => EndpointMode::Dnsrr,
                    other => {
                        return Err(reader.error(
                            value,
                            format!("deploy.endpoint_mode `{other}` must be vip or dnsrr"),
                        ))
                    }
                };
                origins.note("endpoint_mode", value);
            }
            "resources" => {
                request.resources = resources(reader, value)?;
                origins.note("resources", value);
            }
            "labels" => {
                setup.labels = labels(reader, value)?;
                origins.note("deploy.labels", value);
            }
            "update_config" => {
                request.update_policy = Some(policy(reader, value, "deploy.update_config")?);
                origins.note("update_policy", value);
            }
            "rollback_config" => {
                setup.rollback_policy = Some(policy(reader, value, "deploy.rollback_config")?);
                origins.note("rollback_config", value);
            }
            "restart_policy" => {
                setup.restart_policy = Some(restart_policy(reader, value)?);
                origins.note("deploy.restart_policy", value);
            }
            "placement" => {
                request.placement = placement(reader, value)?;
                origins.note("placement", value);
            }
            other => return Err(reader.error(key_node, format!("deploy.{}", unsupported(other)))),
        }
    }
    Ok(())
}

fn resources(reader: &Reader<'_>, node: &Node<'_>) -> Result<Resources> {
    let mut resources = Resources::default();
    for (key, key_node, value) in reader.mapping(node, "deploy.resources")? {
        match key.as_str() {
            "limits" => {
                for (key, key_node, value) in reader.mapping(value, "deploy.resources.limits")? {
                    match key.as_str() {
                        "cpus" => resources.cpu_cores = reader.decimal(value, "deploy.resources.limits.cpus")?,
                        "memory" => {
                            resources.memory_mb = megabytes(&reader.text(value, "deploy.resources.limits.memory")?)
                                .map_err(|e| reader.error(value, e))?
                        }
                        other => return Err(reader.error(key_node, format!("deploy.resources.limits.{}", unsupported(other)))),
                    }
                }
            }
            "reservations" => {
                return Err(reader.error(
                    key_node,
                    "deploy.resources.reservations is not supported: Swarmdeck reserves half of the memory limit; set limits",
                ))
            }
            other => return Err(reader.error(key_node, format!("deploy.resources.{}", unsupported(other)))),
        }
    }
    Ok(resources)
}

fn labels(reader: &Reader<'_>, node: &Node<'_>) -> Result<BTreeMap<String, String>> {
    match reader.sequence(node, "deploy.labels") {
        Ok(items) => items
            .iter()
            .map(|item| {
                let text = reader.text(item, "deploy.labels")?;
                let (key, value) = text.split_once('=').unwrap_or((&text, ""));
                Ok((key.to_string(), value.to_string()))
            })
            .collect(),
        Err(_) => reader
            .mapping(node, "deploy.labels")?
            .into_iter()
            .map(|(key, _, value)| {
                let value = reader.optional_text(value, &format!("deploy.labels.{key}"))?;
                Ok((key, value.unwrap_or_default()))
            })
            .collect(),
    }
}

/// `update_config` or `rollback_config`; what the file leaves out is our default, not the swarm's.
fn policy(reader: &Reader<'_>, node: &Node<'_>, what: &str) -> Result<UpdatePolicy> {
    let mut policy = UpdatePolicy::default();
    for (key, key_node, value) in reader.mapping(node, what)? {
        let field = format!("{what}.{key}");
        match key.as_str() {
            "parallelism" => {
                policy.parallelism = reader.number(value, &field, 0..=u64::from(u32::MAX))? as u32
            }
            "delay" => {
                policy.delay =
                    duration(&reader.text(value, &field)?).map_err(|e| reader.error(value, e))?
            }
            "monitor" => {
                policy.monitor =
                    duration(&reader.text(value, &field)?).map_err(|e| reader.error(value, e))?
            }
            "max_failure_ratio" => policy.max_failure_ratio = reader.decimal(value, &field)?,
            "failure_action" => {
                policy.failure_action = match reader.text(value, &field)?.as_str() {
                    "rollback" => FailureAction::Rollback,
                    "pause" => FailureAction::Pause,
                    "continue" => FailureAction::Continue,
                    other => {
                        return Err(reader.error(
                            value,
                            format!("{field} `{other}` must be rollback, pause or continue"),
                        ))
                    }
                }
            }
            "order" => {
                policy.order = match reader.text(value, &field)?.as_str() {
                    "start-first" => UpdateOrder::StartFirst,
                    "stop-first" => UpdateOrder::StopFirst,
                    other => {
                        return Err(reader.error(
                            value,
                            format!("{field} `{other}` must be start-first or stop-first"),
                        ))
                    }
                }
            }
            other => return Err(reader.error(key_node, format!("{what}.{}", unsupported(other)))),
        }
    }
    Ok(policy)
}

fn restart_policy(reader: &Reader<'_>, node: &Node<'_>) -> Result<RestartPolicy> {
    let mut policy = crate::spec::default_restart_policy();
    for (key, key_node, value) in reader.mapping(node, "deploy.restart_policy")? {
        let field = format!("deploy.restart_policy.{key}");
        match key.as_str() {
            "condition" => {
                policy.condition = match reader.text(value, &field)?.as_str() {
                    "none" => RestartCondition::None,
                    "on-failure" => RestartCondition::OnFailure,
                    "any" => RestartCondition::Any,
                    other => {
                        return Err(reader.error(
                            value,
                            format!("{field} `{other}` must be none, on-failure or any"),
                        ))
                    }
                }
            }
            "delay" => {
                policy.delay =
                    duration(&reader.text(value, &field)?).map_err(|e| reader.error(value, e))?
            }
            "max_attempts" => {
                let attempts = reader.number(value, &field, 0..=u64::from(u32::MAX))? as u32;
                policy.max_attempts = (attempts > 0).then_some(attempts);
            }
            "window" => {
                let window =
                    duration(&reader.text(value, &field)?).map_err(|e| reader.error(value, e))?;
                policy.window = (!window.is_zero()).then_some(window);
            }
            other => {
                return Err(reader.error(
                    key_node,
                    format!("deploy.restart_policy.{}", unsupported(other)),
                ))
            }
        }
    }
    Ok(policy)
}

fn placement(reader: &Reader<'_>, node: &Node<'_>) -> Result<Placement> {
    let mut placement = Placement::default();
    for (key, key_node, value) in reader.mapping(node, "deploy.placement")? {
        match key.as_str() {
            "constraints" => {
                placement.constraints =
                    reader.text_or_list(value, "deploy.placement.constraints")?
            }
            "max_replicas_per_node" => {
                placement.max_replicas_per_node = Some(reader.number(
                    value,
                    "deploy.placement.max_replicas_per_node",
                    1..=u64::from(u32::MAX),
                )? as u32)
            }
            "preferences" => {
                let items = reader.sequence(value, "deploy.placement.preferences")?;
                if let Some(second) = items.get(1) {
                    return Err(reader.error(
                        second,
                        "deploy.placement.preferences: one spread preference is supported",
                    ));
                }
                for item in items {
                    for (key, key_node, value) in reader.mapping(item, "a placement preference")? {
                        if key != "spread" {
                            return Err(reader.error(
                                key_node,
                                format!("placement preference `{key}` must be spread"),
                            ));
                        }
                        placement.spread =
                            Some(reader.text(value, "deploy.placement.preferences.spread")?);
                    }
                }
            }
            other => {
                return Err(
                    reader.error(key_node, format!("deploy.placement.{}", unsupported(other)))
                )
            }
        }
    }
    Ok(placement)
}
