//! Whose an engine object is. A name alone proves nothing (anyone can create `org-acme-web`): an object is ours,
//! and a given organization's, only when its labels say so and its name is the one those labels map to.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::naming::{self, label, MANAGED_BY};

/// The organization and slug a service's labels name, once its name and labels agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    pub org_id: String,
    pub slug: String,
}

/// Checks that the service called `name` with these labels is Swarmdeck's, and, when `expected` is given, that
/// it belongs to exactly that organization and slug. Refusals name the object and its holder.
pub(crate) fn service_owner(
    name: &str,
    labels: Option<&HashMap<String, String>>,
    expected: Option<(&str, &str)>,
) -> Result<Owner> {
    let not_ours = |holder: String| Error::NotOurs {
        kind: "service",
        name: name.to_string(),
        holder,
    };
    let get = |key: &str| labels.and_then(|l| l.get(key)).map(String::as_str);
    if get(label::MANAGED_BY) != Some(MANAGED_BY) {
        return Err(not_ours("was not created by Swarmdeck".to_string()));
    }
    let (Some(org_id), Some(slug)) = (get(label::ORG), get(label::SLUG)) else {
        return Err(not_ours(
            "carries Swarmdeck's mark but no organization or slug label".to_string(),
        ));
    };
    let named_by_labels = naming::service_name(org_id, slug) == name
        || naming::legacy_service_name(org_id, slug) == name;
    if !named_by_labels {
        return Err(not_ours(format!(
            "is labelled as organization {org_id}'s service {slug}, whose name is {}",
            naming::service_name(org_id, slug)
        )));
    }
    if let Some((want_org, want_slug)) = expected {
        if (org_id, slug) != (want_org, want_slug) {
            return Err(not_ours(format!(
                "belongs to organization {org_id} (slug {slug}), deployed under Swarmdeck's earlier naming; \
                 remove it (`swarmdeck rm {name}`) and deploy it again to move it to {}",
                naming::service_name(org_id, slug)
            )));
        }
    }
    Ok(Owner {
        org_id: org_id.to_string(),
        slug: slug.to_string(),
    })
}

/// Checks that a swarm config called `name` is a deployment record of ours for `service_name`.
pub(crate) fn record_owner(
    name: &str,
    labels: Option<&HashMap<String, String>>,
    service_name: Option<&str>,
) -> Result<()> {
    let get = |key: &str| labels.and_then(|l| l.get(key)).map(String::as_str);
    let holder = if get(label::MANAGED_BY) != Some(MANAGED_BY) {
        "was not created by Swarmdeck".to_string()
    } else {
        match (get(label::HISTORY_SERVICE), service_name) {
            (None, _) => "is not a deployment record".to_string(),
            (Some(recorded), Some(wanted)) if recorded != wanted => {
                format!("records a deployment of another service ({recorded})")
            }
            _ => return Ok(()),
        }
    };
    Err(Error::NotOurs {
        kind: "deployment record",
        name: name.to_string(),
        holder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ours(org: &str, slug: &str) -> HashMap<String, String> {
        labels(&[
            (label::MANAGED_BY, MANAGED_BY),
            (label::ORG, org),
            (label::SLUG, slug),
        ])
    }

    #[test]
    fn a_service_without_our_mark_is_refused_by_name() {
        let error = service_owner("org-a-b-c", None, None).expect_err("refused");
        assert!(
            error
                .to_string()
                .contains("org-a-b-c was not created by Swarmdeck"),
            "{error}"
        );
    }

    #[test]
    fn another_organizations_legacy_service_is_refused_naming_its_owner() {
        // Before the names were made unambiguous, org a-b / slug c was called org-a-b-c, which is now the name
        // of org a / slug b-c.
        let held = ours("a-b", "c");
        let error =
            service_owner("org-a-b-c", Some(&held), Some(("a", "b-c"))).expect_err("refused");
        assert!(
            error
                .to_string()
                .contains("belongs to organization a-b (slug c)"),
            "{error}"
        );
        let owner = service_owner("org-a-b-c", Some(&held), Some(("a-b", "c"))).expect("its owner");
        assert_eq!(owner.org_id, "a-b");
    }

    #[test]
    fn labels_that_do_not_map_to_the_name_are_refused() {
        let forged = ours("x", "web");
        let error = service_owner("org-acme-web", Some(&forged), None).expect_err("refused");
        assert!(error.to_string().contains("org-x-web"), "{error}");
    }

    #[test]
    fn records_are_checked_for_mark_and_service() {
        let record = labels(&[
            (label::MANAGED_BY, MANAGED_BY),
            (label::HISTORY_SERVICE, "org-a-web"),
        ]);
        assert!(record_owner("r", Some(&record), Some("org-a-web")).is_ok());
        assert!(record_owner("r", Some(&record), Some("org-b-web")).is_err());
        assert!(record_owner("r", None, None).is_err());
    }
}
