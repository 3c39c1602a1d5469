//! What a deployment asks for, turned into the definition to write over whatever the service is at the time of
//! the write: a whole definition (a deploy, a restore) or some fields of a running service (an update).

use bollard::models::Service;

use crate::error::{Error, Result};
use crate::model::{ServiceDefinition, UpdateRequest};
use crate::naming;
use crate::status::current_definition;
use crate::validate;

/// What a deployment asks for, to be applied to whatever the service is when the spec is written.
pub(crate) enum Change<'a> {
    /// A whole definition: a deploy, or a restore of a record.
    Whole(Box<ServiceDefinition>),
    /// Some fields of a running service; the rest stays as it is at the time of the write.
    Fields {
        org_id: String,
        slug: String,
        request: &'a UpdateRequest,
    },
}

impl Change<'_> {
    pub(crate) fn target(&self) -> (&str, &str) {
        match self {
            Change::Whole(definition) => (&definition.org_id, &definition.slug),
            Change::Fields { org_id, slug, .. } => (org_id, slug),
        }
    }

    /// The definition to write over `current` (the service as found, when it exists).
    pub(crate) fn desired(&self, current: Option<&(String, Service)>) -> Result<ServiceDefinition> {
        match self {
            Change::Whole(definition) => Ok(definition.as_ref().clone()),
            Change::Fields {
                org_id,
                slug,
                request,
            } => {
                let (name, service) = current.ok_or_else(|| Error::NotFound {
                    kind: "service",
                    name: naming::service_name(org_id, slug),
                })?;
                merge_update(current_definition(name, service)?, request)
            }
        }
    }
}

/// An update's fields over a definition, checked as strictly as a deploy.
pub(crate) fn merge_update(
    mut definition: ServiceDefinition,
    request: &UpdateRequest,
) -> Result<ServiceDefinition> {
    if request.image_name.is_some() || request.image_tag.is_some() {
        let current_name = crate::images::repository_of(&definition.image).to_string();
        let name = request.image_name.clone().unwrap_or(current_name);
        let tag = match &request.image_tag {
            Some(tag) => tag.clone(),
            None => current_tag(&definition.image).ok_or_else(|| {
                Error::invalid(
                    "image_tag",
                    "the current image has no tag to keep: give one",
                )
            })?,
        };
        definition.image = validate::image_reference(&name, &tag)?;
    }
    if let Some(env) = &request.env {
        definition.env = env.clone();
    }
    if let Some(resources) = &request.resources {
        definition.resources = resources.clone();
    }
    if let Some(replicas) = request.replicas {
        definition.replicas = replicas;
    }
    if let Some(check) = &request.health_check {
        definition.health_check = check.clone();
    }
    if let Some(policy) = &request.update_policy {
        definition.update_policy = policy.clone();
    }
    if !request.placement.is_empty() {
        definition.placement =
            validate::placement(&request.placement.applied_to(&definition.placement))?;
    }
    validate::definition(&definition)?;
    Ok(definition)
}

fn current_tag(image: &str) -> Option<String> {
    let without_digest = image.split('@').next()?;
    let repository = crate::images::repository_of(without_digest);
    without_digest
        .strip_prefix(repository)?
        .strip_prefix(':')
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_tag_is_read_from_a_reference() {
        assert_eq!(current_tag("app:v1").as_deref(), Some("v1"));
        assert_eq!(
            current_tag("host:5000/app:v2@sha256:abc").as_deref(),
            Some("v2")
        );
        assert_eq!(current_tag("host:5000/app"), None);
    }
}
