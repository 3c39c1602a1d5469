//! One compose service → one of our definitions. Every key is either read or refused with its position: a
//! compose file never loses a setting silently.

use std::collections::BTreeMap;
use std::path::Path;

use super::resources::Declarations;
use super::values::{duration, port_number, port_spec, protocol_of, split_image};
use super::yaml::{Node, Reader};
use super::{deploy, env};
use super::{ComposeService, Position};
use crate::error::{Error, Result};
use crate::model::{
    ContainerSetup, DeployRequest, EndpointMode, FileKind, HealthCheck, Placement, PublishMode,
    PublishedPort, Resources,
};
use crate::validate;

/// Why a key we do not take is refused, for the keys users reach for most.
pub(super) fn unsupported(key: &str) -> String {
    match key {
        "build" => "`build` is not supported: build and push the image, then name it in `image`"
            .to_string(),
        "network_mode" => {
            "`network_mode` is not supported: every service joins its organization's network"
                .to_string()
        }
        "labels" => {
            "service `labels` (container labels) are not supported; use `deploy.labels`".to_string()
        }
        other => format!("`{other}` is not supported by Swarmdeck"),
    }
}

/// Where a request field came from, so a validation error points at the key that set it.
#[derive(Default)]
pub(super) struct Origins<'a, 'i> {
    fields: Vec<(&'static str, &'a Node<'i>)>,
}

impl<'a, 'i> Origins<'a, 'i> {
    pub(super) fn note(&mut self, field: &'static str, node: &'a Node<'i>) {
        self.fields.push((field, node));
    }

    fn of(&self, field: &str) -> Option<&'a Node<'i>> {
        self.fields
            .iter()
            .rev()
            .find(|(prefix, _)| field.starts_with(prefix))
            .map(|(_, node)| *node)
    }
}

/// Reads one service. `base_dir` resolves `env_file` paths; `None` (pasted text) refuses them.
pub fn read(
    reader: &Reader<'_>,
    org_id: &str,
    name_node: &Node<'_>,
    body: &Node<'_>,
    base_dir: Option<&Path>,
    declared: &Declarations,
) -> Result<ComposeService> {
    let slug = reader.text(name_node, "a service name")?;
    validate::slug(org_id, &slug).map_err(|e| reader.error(name_node, rule_of(e)))?;
    let mut origins = Origins::default();
    origins.note("slug", name_node);
    let mut request = DeployRequest {
        org_id: org_id.to_string(),
        slug: slug.clone(),
        service_id: None,
        deployment_id: None,
        image_name: String::new(),
        image_tag: String::new(),
        resources: Resources::default(),
        env: BTreeMap::new(),
        internal_port: None,
        replicas: 1,
        health_check: None,
        endpoint_mode: EndpointMode::default(),
        update_policy: None,
        placement: Placement::default(),
    };
    let mut setup = ContainerSetup::default();
    let mut depends_on = Vec::new();
    let mut env_from_files = BTreeMap::new();
    let mut image_seen = false;
    for (key, key_node, value) in reader.mapping(body, &format!("service {slug}"))? {
        match key.as_str() {
            "image" => {
                let (name, tag) = split_image(&reader.text(value, "image")?);
                request.image_name = name;
                request.image_tag = tag;
                image_seen = true;
                origins.note("image", value);
            }
            "command" => setup.command = Some(words(reader, value, "command")?),
            "entrypoint" => {
                setup.entrypoint = Some(words(reader, value, "entrypoint")?);
                origins.note("entrypoint", value);
            }
            "environment" => {
                request.env.extend(env::environment(reader, value)?);
                origins.note("env", value);
            }
            "env_file" => {
                env_from_files.extend(env::env_files(reader, value, base_dir)?);
                origins.note("env", value);
            }
            "healthcheck" => {
                request.health_check = health_check(reader, value)?;
                origins.note("health_check", value);
            }
            "ports" => {
                setup.published_ports = ports(reader, value)?;
                origins.note("ports", value);
            }
            "expose" => {
                request.internal_port = expose(reader, value)?;
                origins.note("internal_port", value);
            }
            "depends_on" => depends_on = dependencies(reader, value)?,
            "volumes" => {
                setup.mounts = declared.mounts(reader, value, base_dir)?;
                origins.note("volumes", value);
            }
            "secrets" => {
                setup.files.retain(|f| f.kind != FileKind::Secret);
                setup
                    .files
                    .extend(declared.file_mounts(reader, value, FileKind::Secret)?);
                origins.note("secrets", value);
            }
            "configs" => {
                setup.files.retain(|f| f.kind != FileKind::Config);
                setup
                    .files
                    .extend(declared.file_mounts(reader, value, FileKind::Config)?);
                origins.note("configs", value);
            }
            "deploy" => deploy::read(reader, value, &mut request, &mut setup, &mut origins)?,
            "networks" => networks(reader, value, org_id)?,
            key if key.starts_with("x-") => {}
            other => return Err(reader.error(key_node, unsupported(other))),
        }
    }
    if !image_seen {
        return Err(reader.error(name_node, format!("service {slug} needs an `image`")));
    }
    // `environment` wins over `env_file`, as in compose.
    for (name, value) in env_from_files {
        request.env.entry(name).or_insert(value);
    }
    let at = |field: &str| origins.of(field).unwrap_or(name_node);
    let mut definition = validate::deploy_request(&request, "compose")
        .map_err(|error| locate(reader, error, &at))?;
    definition.container = setup;
    validate::container_setup(&definition.container, definition.endpoint_mode)
        .map_err(|error| locate(reader, error, &at))?;
    Ok(ComposeService {
        definition,
        depends_on,
        position: Position::of(name_node),
    })
}

/// A validation error placed at the key that set the field.
fn locate<'a, 'i: 'a>(
    reader: &Reader<'_>,
    error: Error,
    at: &impl Fn(&str) -> &'a Node<'i>,
) -> Error {
    match error {
        Error::Invalid { field, rule } => reader.error(at(&field), format!("{field} {rule}")),
        other => other,
    }
}

fn rule_of(error: Error) -> String {
    match error {
        Error::Invalid { rule, .. } => format!("a service name {rule}"),
        other => other.to_string(),
    }
}

/// `command` and `entrypoint`: a list, or a string split as a shell would.
fn words(reader: &Reader<'_>, node: &Node<'_>, what: &str) -> Result<Vec<String>> {
    match reader.sequence(node, what) {
        Ok(items) => items.iter().map(|item| reader.text(item, what)).collect(),
        Err(_) => {
            let text = reader.text(node, what)?;
            shell_words::split(&text).map_err(|e| reader.error(node, format!("{what}: {e}")))
        }
    }
}

fn health_check(reader: &Reader<'_>, node: &Node<'_>) -> Result<Option<HealthCheck>> {
    let mut check = HealthCheck {
        command: Vec::new(),
        interval_secs: 30,
        timeout_secs: 30,
        retries: 3,
        start_period_secs: 0,
    };
    let mut test_node = None;
    for (key, key_node, value) in reader.mapping(node, "healthcheck")? {
        let seconds = |what: &str| -> Result<u32> {
            let d = duration(&reader.text(value, what)?)
                .map_err(|e| reader.error(value, format!("{what}: {e}")))?;
            if d.subsec_nanos() != 0 {
                return Err(reader.error(value, format!("{what} must be whole seconds")));
            }
            u32::try_from(d.as_secs())
                .map_err(|_| reader.error(value, format!("{what} is too long")))
        };
        match key.as_str() {
            "test" => test_node = Some(value),
            "interval" => check.interval_secs = seconds("healthcheck.interval")?,
            "timeout" => check.timeout_secs = seconds("healthcheck.timeout")?,
            "start_period" => check.start_period_secs = seconds("healthcheck.start_period")?,
            "retries" => {
                check.retries = reader.number(value, "healthcheck.retries", 1..=10)? as u32
            }
            "disable" => {
                if reader.boolean(value, "healthcheck.disable")? {
                    return Ok(None);
                }
            }
            other => {
                return Err(reader.error(key_node, format!("healthcheck.{}", unsupported(other))))
            }
        }
    }
    let test_node = test_node.ok_or_else(|| reader.error(node, "healthcheck needs a `test`"))?;
    let test = match reader.sequence(test_node, "healthcheck.test") {
        Ok(items) => items
            .iter()
            .map(|item| reader.text(item, "healthcheck.test"))
            .collect::<Result<Vec<_>>>()?,
        Err(_) => vec![
            "CMD-SHELL".to_string(),
            reader.text(test_node, "healthcheck.test")?,
        ],
    };
    check.command = match test.split_first() {
        Some((kind, rest)) if kind == "CMD" && !rest.is_empty() => rest.to_vec(),
        // What the engine itself runs for CMD-SHELL.
        Some((kind, [script])) if kind == "CMD-SHELL" => {
            vec!["/bin/sh".to_string(), "-c".to_string(), script.clone()]
        }
        Some((kind, [])) if kind == "NONE" => return Ok(None),
        _ => {
            return Err(reader.error(
                test_node,
                "healthcheck.test must be [\"CMD\", program, args…], [\"CMD-SHELL\", script] or a script",
            ))
        }
    };
    Ok(Some(check))
}

fn ports(reader: &Reader<'_>, node: &Node<'_>) -> Result<Vec<PublishedPort>> {
    let mut ports = Vec::new();
    for item in reader.sequence(node, "ports")? {
        if reader.mapping(item, "a port").is_err() {
            let text = reader.text(item, "a port")?;
            ports.push(port_spec(&text).map_err(|e| reader.error(item, e))?);
            continue;
        }
        let mut port = PublishedPort {
            target: 0,
            published: None,
            protocol: Default::default(),
            mode: PublishMode::Ingress,
        };
        for (key, key_node, value) in reader.mapping(item, "a port")? {
            let text = reader.text(value, &format!("ports.{key}"))?;
            match key.as_str() {
                "target" => port.target = port_number(&text).map_err(|e| reader.error(value, e))?,
                "published" => {
                    port.published = Some(port_number(&text).map_err(|e| reader.error(value, e))?)
                }
                "protocol" => {
                    port.protocol = protocol_of(&text).map_err(|e| reader.error(value, e))?
                }
                "mode" => {
                    port.mode = match text.as_str() {
                        "ingress" => PublishMode::Ingress,
                        "host" => PublishMode::Host,
                        other => {
                            return Err(reader.error(
                                value,
                                format!("ports.mode `{other}` must be ingress or host"),
                            ))
                        }
                    }
                }
                other => {
                    return Err(reader.error(key_node, format!("ports.{}", unsupported(other))))
                }
            }
        }
        if port.target == 0 {
            return Err(reader.error(item, "a port needs a `target`"));
        }
        ports.push(port);
    }
    Ok(ports)
}

fn expose(reader: &Reader<'_>, node: &Node<'_>) -> Result<Option<u16>> {
    let items = reader.sequence(node, "expose")?;
    if let Some(second) = items.get(1) {
        return Err(reader.error(second, "expose: one internal port per service is supported"));
    }
    items
        .first()
        .map(|item| {
            let text = reader.text(item, "expose")?;
            let port = text.strip_suffix("/tcp").unwrap_or(&text);
            port_number(port).map_err(|e| reader.error(item, e))
        })
        .transpose()
}

fn dependencies(reader: &Reader<'_>, node: &Node<'_>) -> Result<Vec<(String, Position)>> {
    match reader.sequence(node, "depends_on") {
        Ok(items) => items
            .iter()
            .map(|item| Ok((reader.text(item, "depends_on")?, Position::of(item))))
            .collect(),
        // The long form's conditions and restarts are compose's, not the swarm's: order is what they mean here.
        Err(_) => Ok(reader
            .mapping(node, "depends_on")?
            .into_iter()
            .map(|(name, key_node, _)| (name, Position::of(key_node)))
            .collect()),
    }
}

fn networks(reader: &Reader<'_>, node: &Node<'_>, org_id: &str) -> Result<()> {
    let own = crate::naming::network_name(org_id);
    let names: Vec<(String, &Node<'_>)> = match reader.sequence(node, "networks") {
        Ok(items) => items
            .iter()
            .map(|item| Ok((reader.text(item, "networks")?, item)))
            .collect::<Result<_>>()?,
        Err(_) => reader
            .mapping(node, "networks")?
            .into_iter()
            .map(|(name, key_node, _)| (name, key_node))
            .collect(),
    };
    for (name, at) in names {
        if name != "default" && name != own {
            return Err(reader.error(
                at,
                format!("network {name}: services join only their organization's network ({own}); remove it"),
            ));
        }
    }
    Ok(())
}
