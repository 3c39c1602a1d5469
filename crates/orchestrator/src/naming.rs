//! Names and labels Swarmdeck writes on engine objects.
//!
//! Everything we create carries [`MANAGED_BY`] so that lists filter on it and we never touch what we did not make.

/// Value of [`label::MANAGED_BY`] on every object we create.
pub const MANAGED_BY: &str = "swarmdeck";

/// Label keys, under our reverse-DNS prefix (Docker reserves `com.docker.*`).
pub mod label {
    /// Marks objects created by Swarmdeck.
    pub const MANAGED_BY: &str = "io.swarmdeck.managed-by";
    /// Organization id.
    pub const ORG: &str = "io.swarmdeck.org";
    /// Service slug.
    pub const SLUG: &str = "io.swarmdeck.slug";
    /// The caller's service id.
    pub const SERVICE_ID: &str = "io.swarmdeck.service-id";
    /// Deployment id of the spec (on services and their task containers).
    pub const DEPLOYMENT_ID: &str = "io.swarmdeck.deployment-id";
    /// Requested disk size in GB, kept because no swarm spec field can hold it.
    pub const DISK_GB: &str = "io.swarmdeck.disk-gb";
    /// Internal port.
    pub const INTERNAL_PORT: &str = "io.swarmdeck.internal-port";
    /// The update policy of the service, so writes that do not carry one (scale) keep it.
    pub const UPDATE_POLICY: &str = "io.swarmdeck.update-policy";
    /// A rollback policy set apart from the update policy (a compose file's `rollback_config`), so writes that
    /// rewrite the policy (scale) keep it.
    pub const ROLLBACK_POLICY: &str = "io.swarmdeck.rollback-policy";
    /// Prefix of every label key of ours; a user's own labels may not use it.
    pub const OURS_PREFIX: &str = "io.swarmdeck.";
    /// The container health check as JSON: bollard reads specs back without it (it expects `HealthCheck`, the
    /// engine sends `Healthcheck`), so writes of an inspected spec restore it from here.
    pub const HEALTH_CHECK: &str = "io.swarmdeck.health-check";
    /// On a secret or config holding a file of an organization: its name in the organization.
    pub const FILE_NAME: &str = "io.swarmdeck.file.name";
    /// Marks a swarm config as a stack deployment record; value: the organization.
    pub const STACK_ORG: &str = "io.swarmdeck.stack.org";
    /// Marks a swarm config as a deployment record; value: the service name.
    pub const HISTORY_SERVICE: &str = "io.swarmdeck.history.service";
    /// Outcome of a deployment record.
    pub const OUTCOME: &str = "io.swarmdeck.outcome";
    /// Why a deployment did not succeed.
    pub const REASON: &str = "io.swarmdeck.reason";
    /// When a deployment record finished (RFC 3339).
    pub const FINISHED_AT: &str = "io.swarmdeck.finished-at";
    /// The process writing an in-progress record: `host pid`.
    pub const WRITER: &str = "io.swarmdeck.writer";
    /// Unix time after which an in-progress record whose writer cannot be checked counts as interrupted.
    pub const LEASE_UNTIL: &str = "io.swarmdeck.lease-until";
    /// Marks an organization network.
    pub const NETWORK_ORG: &str = "io.swarmdeck.network.org";
    /// Marks resources created by the test suites, so a sweep can remove leftovers.
    pub const TEST: &str = "io.swarmdeck.test";
}

/// Swarm service name of an organization's service: `org-{org}-{slug}` with every `-` of the organization id
/// doubled, so that no two (organization, slug) pairs share a name.
///
/// Organization ids and slugs are RFC 1123 labels, so the id ends and the slug starts with a letter or digit:
/// the separator is the only run of exactly one `-` after the prefix that is not inside the slug, and the
/// name reads back with [`parse_service_name`]. Organizations without a `-` keep the plain `org-acme-web`.
pub fn service_name(org_id: &str, slug: &str) -> String {
    format!("org-{}-{slug}", org_id.replace('-', "--"))
}

/// The name Swarmdeck gave services before names were made unambiguous (`org-{org}-{slug}` as is). Such a
/// service keeps working when its labels name exactly this organization and slug.
pub fn legacy_service_name(org_id: &str, slug: &str) -> String {
    format!("org-{org_id}-{slug}")
}

/// The (organization, slug) pair a [`service_name`] was made from, if it is one.
pub fn parse_service_name(name: &str) -> Option<(String, String)> {
    let rest = name.strip_prefix("org-")?;
    let bytes = rest.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'-' {
            let run = bytes[index..].iter().take_while(|b| **b == b'-').count();
            if run % 2 == 1 {
                // An odd run: all but its last dash are the id's own, the last one separates.
                let split = index + run - 1;
                let org = rest[..split].replace("--", "-");
                let slug = rest[split + 1..].to_string();
                return (service_name(&org, &slug) == name).then_some((org, slug));
            }
            index += run;
        } else {
            index += 1;
        }
    }
    None
}

/// Name of an organization's overlay network.
pub fn network_name(org_id: &str) -> String {
    format!("org-{org_id}-network")
}

/// Name of the swarm config holding a deployment record.
pub fn record_config_name(deployment_id: &str) -> String {
    format!("swarmdeck-deployment-{deployment_id}")
}

/// Tag of ours that pins a deployment's image: `{repository}:swarmdeck-{deployment_id}`.
pub fn keep_tag(repository: &str, deployment_id: &str) -> String {
    format!("{repository}:{}", keep_tag_suffix(deployment_id))
}

/// The tag part of [`keep_tag`].
pub fn keep_tag_suffix(deployment_id: &str) -> String {
    format!("swarmdeck-{deployment_id}")
}

/// The deployment id a request asked for, or a new one.
pub fn deployment_id_or_new(requested: Option<&str>) -> String {
    requested.map_or_else(new_deployment_id, str::to_string)
}

/// The engine's name of an organization's volume: organizations never share one.
pub fn volume_name(org_id: &str, name: &str) -> String {
    service_name(org_id, name)
}

/// The organization's volume an engine volume name stands for, when it is one of this organization's.
pub fn volume_of(org_id: &str, engine_name: &str) -> Option<String> {
    engine_name
        .strip_prefix(&service_name(org_id, ""))
        .filter(|name| !name.is_empty())
        .map(str::to_string)
}

/// The swarm secret or config holding one version of an organization's file: content-addressed, so a new content
/// is a new object and the old version stays for what still names it.
pub fn file_object_name(org_id: &str, name: &str, version: &str) -> String {
    format!("{}-{version}", service_name(org_id, name))
}

/// The organization's file name and version an object name stands for.
pub fn file_object_of(org_id: &str, object_name: &str) -> Option<(String, String)> {
    let (name, version) = volume_of(org_id, object_name)?
        .rsplit_once('-')
        .map(|(n, v)| (n.to_string(), v.to_string()))?;
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

/// The swarm config holding a stack deployment's record.
pub fn stack_record_config_name(org_id: &str, stack_id: &str) -> String {
    format!("swarmdeck-stack-{org_id}-{stack_id}")
}

/// A new deployment id: sortable by time, unique enough across clients.
pub fn new_deployment_id() -> String {
    let now = chrono::Utc::now();
    let suffix: u32 = rand::random();
    format!("{}-{:08x}", now.format("%Y%m%d%H%M%S%3f"), suffix)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// RFC 1123 labels as the validators accept them, consecutive dashes included.
    fn label(max: usize) -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("[a-z0-9]([a-z0-9-]{{0,{}}}[a-z0-9])?", max - 2))
            .expect("a valid regex")
    }

    #[test]
    fn the_pair_that_used_to_collide_gets_two_names() {
        assert_eq!(
            legacy_service_name("a", "b-c"),
            legacy_service_name("a-b", "c")
        );
        assert_eq!(service_name("a", "b-c"), "org-a-b-c");
        assert_eq!(service_name("a-b", "c"), "org-a--b-c");
        assert_eq!(service_name("acme", "web"), "org-acme-web");
    }

    #[test]
    fn names_read_back_into_their_pair() {
        assert_eq!(
            parse_service_name("org-a--b-c"),
            Some(("a-b".into(), "c".into()))
        );
        assert_eq!(
            parse_service_name("org-a-b--c"),
            Some(("a".into(), "b--c".into()))
        );
        assert_eq!(
            parse_service_name("org-a----b-c"),
            Some(("a--b".into(), "c".into()))
        );
        assert_eq!(parse_service_name("org-abc"), None);
        assert_eq!(parse_service_name("web"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// One-to-one: every name reads back into exactly the pair it was made from, so no two pairs share it.
        #[test]
        fn the_service_name_mapping_is_one_to_one(org in label(24), slug in label(30)) {
            let name = service_name(&org, &slug);
            prop_assert_eq!(parse_service_name(&name), Some((org, slug)));
        }

        /// The family that collided before: (x, y-z) against (x-y, z).
        #[test]
        fn a_dash_moved_between_org_and_slug_changes_the_name(
            x in label(8), y in label(8), z in label(8),
        ) {
            let moved = (format!("{x}-{y}"), z.clone());
            prop_assert_ne!(service_name(&x, &format!("{y}-{z}")), service_name(&moved.0, &moved.1));
        }

        #[test]
        fn network_names_are_one_to_one(a in label(24), b in label(24)) {
            prop_assume!(a != b);
            prop_assert_ne!(network_name(&a), network_name(&b));
        }
    }
}
