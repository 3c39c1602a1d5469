//! Names and references: organization ids, slugs, label values and deployment ids.

use crate::error::{Error, Result};
use crate::naming;

/// Longest organization id: keeps `org-{id}-network` and service names within swarm's 63 characters.
pub const MAX_ORG_ID_LEN: usize = 24;
/// Swarm object names are at most 63 characters (swarmkit `controlapi/common.go`).
pub const MAX_NAME_LEN: usize = 63;

/// Organization ids: lowercase RFC 1123 label of at most [`MAX_ORG_ID_LEN`] characters.
pub fn org_id(value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid("org_id", "must not be empty"));
    }
    if value.len() > MAX_ORG_ID_LEN {
        return Err(Error::invalid(
            "org_id",
            format!(
                "must be at most {MAX_ORG_ID_LEN} characters (got {})",
                value.len()
            ),
        ));
    }
    if !is_dns_label(value) {
        return Err(Error::invalid(
            "org_id",
            "must be lowercase letters, digits and '-', starting and ending with a letter or digit",
        ));
    }
    Ok(())
}

/// Slugs: RFC 1123 labels (they become DNS aliases) that keep the service name within 63 characters.
pub fn slug(org: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid("slug", "must not be empty"));
    }
    if !is_dns_label(value) {
        return Err(Error::invalid(
            "slug",
            "must be an RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
        ));
    }
    let name = naming::service_name(org, value);
    if name.len() > MAX_NAME_LEN {
        let room = MAX_NAME_LEN.saturating_sub(name.len() - value.len());
        return Err(Error::invalid(
            "slug",
            format!("must be at most {room} characters so that the service name {name:?} stays within {MAX_NAME_LEN}"),
        ));
    }
    Ok(())
}

fn is_dns_label(value: &str) -> bool {
    let bytes = value.as_bytes();
    let edge_ok = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.len() <= MAX_NAME_LEN
        && bytes.first().is_some_and(edge_ok)
        && bytes.last().is_some_and(edge_ok)
        && bytes.iter().all(|b| edge_ok(b) || *b == b'-')
}

/// Label values we write must be printable and short.
pub(super) fn label_value(field: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 128 || value.chars().any(|c| c.is_control()) {
        return Err(Error::invalid(field, "must be 1–128 printable characters"));
    }
    Ok(())
}

/// Deployment ids become part of a config name and an image tag.
pub fn deployment_id_rules(value: &str) -> Result<()> {
    let bytes = value.as_bytes();
    let valid = !bytes.is_empty()
        && bytes.len() <= 40
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(Error::invalid(
            "deployment_id",
            "must be 1–40 characters of letters, digits, '-', '_' or '.', starting with a letter or digit",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_ids_fit_names_and_tags() {
        assert!(deployment_id_rules("20261127-abc").is_ok());
        assert!(deployment_id_rules("-x").is_err());
        assert!(deployment_id_rules(&"a".repeat(41)).is_err());
        assert!(deployment_id_rules(&naming::new_deployment_id()).is_ok());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;
        use crate::validate::{env, image_reference};

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(10_000))]

            #[test]
            fn names_and_ids_never_panic(value in any::<String>(), org in "[a-z0-9-]{0,30}") {
                let _ = org_id(&value);
                let _ = slug(&org, &value);
                let _ = deployment_id_rules(&value);
                let _ = image_reference(&value, &value);
                let _ = env(&[(value.clone(), value.clone())].into());
            }
        }
    }
}
