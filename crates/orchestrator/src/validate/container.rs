//! Rules for what only a compose file sets: process, published ports, labels, restart and rollback policies.

use std::collections::HashSet;
use std::time::Duration;

use super::update_policy_rules;
use crate::error::{Error, Result};
use crate::model::{ContainerSetup, EndpointMode, FailureAction, MountKind, PublishMode};
use crate::naming::label;

/// The longest wait a restart policy may set between restarts.
pub const MAX_RESTART_DELAY: Duration = Duration::from_secs(3600);

/// Checks a service's compose-only settings against its endpoint mode.
pub fn container_setup(setup: &ContainerSetup, endpoint_mode: EndpointMode) -> Result<()> {
    if setup.entrypoint.as_ref().is_some_and(Vec::is_empty) {
        return Err(Error::invalid(
            "entrypoint",
            "must name a program when set (leave it out to keep the image's)",
        ));
    }
    let mut seen = HashSet::new();
    for port in &setup.published_ports {
        if port.target == 0 || port.published == Some(0) {
            return Err(Error::invalid("ports", "ports are between 1 and 65535"));
        }
        if let Some(published) = port.published {
            if !seen.insert((published, port.protocol)) {
                return Err(Error::invalid(
                    "ports",
                    format!("{published}/{} is published twice", port.protocol.as_str()),
                ));
            }
        }
        if port.mode == PublishMode::Ingress && endpoint_mode == EndpointMode::Dnsrr {
            return Err(Error::invalid(
                "ports",
                format!(
                    "port {} is published through the routing mesh, which needs endpoint_mode vip; \
                     publish it with mode host, or use vip",
                    port.target
                ),
            ));
        }
    }
    for key in setup.labels.keys() {
        if key.is_empty() {
            return Err(Error::invalid("deploy.labels", "a label needs a name"));
        }
        if key.starts_with(label::OURS_PREFIX) {
            return Err(Error::invalid(
                format!("deploy.labels.{key}"),
                format!(
                    "labels starting with {} are Swarmdeck's own",
                    label::OURS_PREFIX
                ),
            ));
        }
    }
    let mut targets = HashSet::new();
    for mount in &setup.mounts {
        absolute_path("volumes", &mount.target)?;
        match mount.kind {
            MountKind::Volume => object_name("volumes", &mount.source)?,
            MountKind::Bind => absolute_path("volumes", &mount.source)?,
        }
        if !targets.insert(mount.target.as_str()) {
            return Err(Error::invalid(
                "volumes",
                format!("{} is mounted twice", mount.target),
            ));
        }
    }
    for file in &setup.files {
        let field = format!("{}s", file.kind.as_str());
        object_name(&field, &file.name)?;
        absolute_path(&field, &file.target)?;
        if file.version.len() != 12 || !file.version.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::invalid(
                field,
                format!("version of {} must be 12 hex digits", file.name),
            ));
        }
        if !targets.insert(file.target.as_str()) {
            return Err(Error::invalid(
                field,
                format!("{} is mounted twice", file.target),
            ));
        }
    }
    if let Some(policy) = &setup.restart_policy {
        if policy.delay > MAX_RESTART_DELAY {
            return Err(Error::invalid(
                "deploy.restart_policy.delay",
                "must be at most one hour",
            ));
        }
    }
    if let Some(policy) = &setup.rollback_policy {
        update_policy_rules(policy).map_err(|error| match error {
            Error::Invalid { field, rule } => Error::Invalid {
                field: field.replacen("update_policy", "rollback_config", 1),
                rule,
            },
            other => other,
        })?;
        if policy.failure_action == FailureAction::Rollback {
            return Err(Error::invalid(
                "rollback_config.failure_action",
                "must be pause or continue (the swarm does not roll back a rollback)",
            ));
        }
    }
    Ok(())
}

/// Names of volumes, secrets and configs: what the engine accepts in every one of them.
pub fn object_name(field: &str, name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("name {name:?} must be 1–64 letters, digits, '_', '.' or '-', starting with a letter or digit"),
        ))
    }
}

fn absolute_path(field: &str, path: &str) -> Result<()> {
    if path.starts_with('/') && !path.split('/').any(|part| part == "..") {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{path:?} must be an absolute path without '..'"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PortProtocol, PublishedPort};

    fn field_of(result: Result<()>) -> String {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn ports_labels_and_policies_are_refused_by_field() {
        let port = |published, mode| PublishedPort {
            target: 80,
            published,
            protocol: PortProtocol::Tcp,
            mode,
        };
        let with_ports = |ports| ContainerSetup {
            published_ports: ports,
            ..ContainerSetup::default()
        };
        assert!(container_setup(&ContainerSetup::default(), EndpointMode::Dnsrr).is_ok());
        let twice = with_ports(vec![
            port(Some(8080), PublishMode::Ingress),
            port(Some(8080), PublishMode::Ingress),
        ]);
        assert_eq!(
            field_of(container_setup(&twice, EndpointMode::Vip)),
            "ports"
        );
        let mesh = with_ports(vec![port(None, PublishMode::Ingress)]);
        assert_eq!(
            field_of(container_setup(&mesh, EndpointMode::Dnsrr)),
            "ports"
        );
        let host = with_ports(vec![port(Some(81), PublishMode::Host)]);
        assert!(container_setup(&host, EndpointMode::Dnsrr).is_ok());
        let ours = ContainerSetup {
            labels: [("io.swarmdeck.org".to_string(), "x".to_string())].into(),
            ..ContainerSetup::default()
        };
        assert_eq!(
            field_of(container_setup(&ours, EndpointMode::Vip)),
            "deploy.labels.io.swarmdeck.org"
        );
        let rollback = ContainerSetup {
            rollback_policy: Some(crate::model::UpdatePolicy::default()),
            ..ContainerSetup::default()
        };
        assert_eq!(
            field_of(container_setup(&rollback, EndpointMode::Vip)),
            "rollback_config.failure_action"
        );
    }
}
