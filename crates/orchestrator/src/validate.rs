//! Validation of requests, before any Docker call.
//!
//! Every check names the field and the rule, so a UI can show the message next to the field.

use crate::error::{Error, Result};
use crate::model::{
    DeployRequest, HealthCheck, HealthGate, LogQuery, Resources, ServiceDefinition, UpdatePolicy,
};
use crate::naming;

/// Longest organization id: keeps `org-{id}-network` and service names within swarm's 63 characters.
pub const MAX_ORG_ID_LEN: usize = 24;
/// Swarm object names are at most 63 characters (swarmkit `controlapi/common.go`).
pub const MAX_NAME_LEN: usize = 63;
/// Upper bound on replicas of one service.
pub const MAX_REPLICAS: u32 = 100;
/// CPU bounds in cores.
pub const CPU_CORES: (f64, f64) = (0.5, 16.0);
/// Memory bounds in MB.
pub const MEMORY_MB: (u64, u64) = (256, 32 * 1024);
/// Disk bounds in GB.
pub const DISK_GB: (u32, u32) = (1, 500);

/// Turns a deploy request into the definition to write, or the first rule it breaks.
pub fn deploy_request(request: &DeployRequest, deployment_id: &str) -> Result<ServiceDefinition> {
    org_id(&request.org_id)?;
    slug(&request.org_id, &request.slug)?;
    if let Some(service_id) = &request.service_id {
        label_value("service_id", service_id)?;
    }
    let image = image_reference(&request.image_name, &request.image_tag)?;
    resources(&request.resources)?;
    env(&request.env)?;
    if request.internal_port == Some(0) {
        return Err(Error::invalid("internal_port", "must be 1–65535"));
    }
    replicas("replicas", request.replicas, 1)?;
    if let Some(check) = &request.health_check {
        health_check(check)?;
    }
    let update_policy = request.update_policy.clone().unwrap_or_default();
    update_policy_rules(&update_policy)?;
    deployment_id_rules(deployment_id)?;
    let service_name = naming::service_name(&request.org_id, &request.slug);
    Ok(ServiceDefinition {
        org_id: request.org_id.clone(),
        slug: request.slug.clone(),
        service_id: request.service_id.clone().unwrap_or(service_name),
        image,
        resources: request.resources.clone(),
        env: request.env.clone(),
        internal_port: request.internal_port,
        replicas: request.replicas,
        health_check: request.health_check.clone(),
        endpoint_mode: request.endpoint_mode,
        update_policy,
    })
}

/// Checks a definition assembled from an update or a record, as strictly as a deploy.
pub fn definition(definition: &ServiceDefinition) -> Result<()> {
    org_id(&definition.org_id)?;
    slug(&definition.org_id, &definition.slug)?;
    resources(&definition.resources)?;
    env(&definition.env)?;
    replicas("replicas", definition.replicas, 1)?;
    if let Some(check) = &definition.health_check {
        health_check(check)?;
    }
    update_policy_rules(&definition.update_policy)
}

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
fn label_value(field: &str, value: &str) -> Result<()> {
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

/// Image name and tag against the distribution reference grammar; returns `name:tag` or `name@digest`.
pub fn image_reference(name: &str, tag: &str) -> Result<String> {
    image_name(name)?;
    if let Some(hex) = tag.strip_prefix("sha256:") {
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(Error::invalid(
                "image_tag",
                "a sha256 digest has 64 lowercase hex characters",
            ));
        }
        return Ok(format!("{name}@{tag}"));
    }
    let bytes = tag.as_bytes();
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let valid = !bytes.is_empty()
        && bytes.len() <= 128
        && bytes.first().is_some_and(word)
        && bytes.iter().all(|b| word(b) || matches!(b, b'.' | b'-'));
    if !valid {
        return Err(Error::invalid(
            "image_tag",
            "must be 1–128 characters of letters, digits, '_', '.' or '-', not starting with '.' or '-' (or a sha256: digest)",
        ));
    }
    Ok(format!("{name}:{tag}"))
}

fn image_name(name: &str) -> Result<()> {
    const RULE: &str = "must be [registry[:port]/]path with lowercase path components of letters, digits and single separators ('.', '_', '__' or '-')";
    if name.is_empty() {
        return Err(Error::invalid("image_name", "must not be empty"));
    }
    if name.len() > 255 {
        return Err(Error::invalid(
            "image_name",
            "must be at most 255 characters",
        ));
    }
    if name.contains(['@'])
        || name
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'))
    {
        return Err(Error::invalid(
            "image_name",
            "must not contain a tag or digest: put it in image_tag",
        ));
    }
    let mut components: Vec<&str> = name.split('/').collect();
    let has_domain = components.len() > 1
        && components
            .first()
            .is_some_and(|first| first.contains(['.', ':']) || *first == "localhost");
    if has_domain {
        let domain = components.remove(0);
        if !is_domain(domain) {
            return Err(Error::invalid(
                "image_name",
                format!("registry {domain:?} is not a host[:port]"),
            ));
        }
    }
    if components
        .iter()
        .all(|component| is_path_component(component))
    {
        Ok(())
    } else {
        Err(Error::invalid("image_name", RULE))
    }
}

fn is_domain(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = !host.is_empty()
        && host.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b.first().is_some_and(u8::is_ascii_alphanumeric)
                && b.last().is_some_and(u8::is_ascii_alphanumeric)
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        });
    host_ok && port_ok
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(component: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut rest = component;
    loop {
        let run = rest.find(|c: char| !alnum(c)).unwrap_or(rest.len());
        if run == 0 {
            return false;
        }
        rest = &rest[run..];
        if rest.is_empty() {
            return true;
        }
        let separator = rest.find(alnum).unwrap_or(rest.len());
        let sep = &rest[..separator];
        let valid_separator =
            sep == "." || sep == "_" || sep == "__" || sep.chars().all(|c| c == '-');
        if !valid_separator {
            return false;
        }
        rest = &rest[separator..];
    }
}

/// CPU, memory and disk bounds of the design.
pub fn resources(value: &Resources) -> Result<()> {
    let (cpu_min, cpu_max) = CPU_CORES;
    if !value.cpu_cores.is_finite() || value.cpu_cores < cpu_min || value.cpu_cores > cpu_max {
        return Err(Error::invalid(
            "resources.cpu_cores",
            format!(
                "must be between {cpu_min} and {cpu_max} cores (got {})",
                value.cpu_cores
            ),
        ));
    }
    let (mem_min, mem_max) = MEMORY_MB;
    if value.memory_mb < mem_min || value.memory_mb > mem_max {
        return Err(Error::invalid(
            "resources.memory_mb",
            format!(
                "must be between {mem_min} and {mem_max} MB (got {})",
                value.memory_mb
            ),
        ));
    }
    let (disk_min, disk_max) = DISK_GB;
    if value.disk_gb < disk_min || value.disk_gb > disk_max {
        return Err(Error::invalid(
            "resources.disk_gb",
            format!(
                "must be between {disk_min} and {disk_max} GB (got {})",
                value.disk_gb
            ),
        ));
    }
    Ok(())
}

/// Longest value of one environment variable, in bytes.
pub const MAX_ENV_VALUE_BYTES: usize = 32 * 1024;
/// Most bytes all environment variables of a service may take together: each deployment record holds them, and a
/// swarm config is limited to 500 KB.
pub const MAX_ENV_TOTAL_BYTES: usize = 128 * 1024;

/// Environment variable names are POSIX names; values must not hold NUL; sizes are bounded.
pub fn env(vars: &std::collections::BTreeMap<String, String>) -> Result<()> {
    let total: usize = vars
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if total > MAX_ENV_TOTAL_BYTES {
        return Err(Error::invalid(
            "env",
            format!("names and values must take at most {MAX_ENV_TOTAL_BYTES} bytes together (got {total})"),
        ));
    }
    for (name, value) in vars {
        if value.len() > MAX_ENV_VALUE_BYTES {
            return Err(Error::invalid(
                format!("env.{name}"),
                format!(
                    "value must be at most {MAX_ENV_VALUE_BYTES} bytes (got {})",
                    value.len()
                ),
            ));
        }
        let bytes = name.as_bytes();
        let valid = bytes
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !valid {
            return Err(Error::invalid(
                format!("env.{name}"),
                "variable names are letters, digits and '_', not starting with a digit",
            ));
        }
        if value.contains('\0') {
            return Err(Error::invalid(
                format!("env.{name}"),
                "value must not contain NUL",
            ));
        }
    }
    Ok(())
}

/// Replica counts between `min` and [`MAX_REPLICAS`].
pub fn replicas(field: &str, value: u32, min: u32) -> Result<()> {
    if value < min || value > MAX_REPLICAS {
        return Err(Error::invalid(
            field,
            format!("must be between {min} and {MAX_REPLICAS} (got {value})"),
        ));
    }
    Ok(())
}

fn health_check(check: &HealthCheck) -> Result<()> {
    if check
        .command
        .first()
        .is_none_or(|program| program.trim().is_empty())
    {
        return Err(Error::invalid(
            "health_check.command",
            "must name a program to run",
        ));
    }
    if check.command.iter().any(|part| part.contains('\0')) {
        return Err(Error::invalid(
            "health_check.command",
            "must not contain NUL characters",
        ));
    }
    let bounded = |field: &str, value: u32, min: u32, max: u32| {
        if value < min || value > max {
            Err(Error::invalid(
                format!("health_check.{field}"),
                format!("must be between {min} and {max} (got {value})"),
            ))
        } else {
            Ok(())
        }
    };
    bounded("interval_secs", check.interval_secs, 1, 300)?;
    bounded("timeout_secs", check.timeout_secs, 1, 300)?;
    bounded("retries", check.retries, 1, 10)?;
    bounded("start_period_secs", check.start_period_secs, 0, 600)
}

/// Longest health gate: a deploy watched for more than a day is a mistake, and deadlines must stay computable.
pub const MAX_GATE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Bounds of the post-deploy health gate.
pub fn health_gate(gate: &HealthGate) -> Result<()> {
    let within = |field: &str, value: std::time::Duration, min: std::time::Duration| {
        if value < min || value > MAX_GATE {
            Err(Error::invalid(
                format!("gate.{field}"),
                format!("must be between {min:?} and 24 hours (got {value:?})"),
            ))
        } else {
            Ok(())
        }
    };
    within("timeout", gate.timeout, std::time::Duration::from_secs(1))?;
    within("poll", gate.poll, std::time::Duration::from_millis(50))?;
    within("settle", gate.settle, std::time::Duration::ZERO)
}

/// What a log read can ask for.
pub fn log_query(query: &LogQuery) -> Result<()> {
    if !query.stdout && !query.stderr {
        return Err(Error::invalid(
            "stdout",
            "choose standard output, standard error or both",
        ));
    }
    if let (Some(since), Some(until)) = (query.since, query.until) {
        if until < since {
            return Err(Error::invalid(
                "until",
                format!("must not be before since ({until} < {since})"),
            ));
        }
    }
    Ok(())
}

/// Bounds that keep a policy meaningful to the swarm.
pub fn update_policy_rules(policy: &UpdatePolicy) -> Result<()> {
    if policy.parallelism == 0 || policy.parallelism > MAX_REPLICAS {
        return Err(Error::invalid(
            "update_policy.parallelism",
            format!("must be between 1 and {MAX_REPLICAS}"),
        ));
    }
    if !(0.0..=1.0).contains(&policy.max_failure_ratio) {
        return Err(Error::invalid(
            "update_policy.max_failure_ratio",
            "must be between 0 and 1",
        ));
    }
    let hour = std::time::Duration::from_secs(3600);
    if policy.delay > hour || policy.monitor > hour {
        return Err(Error::invalid(
            "update_policy",
            "delay and monitor must be at most one hour",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EndpointMode;

    fn request() -> DeployRequest {
        DeployRequest {
            org_id: "acme".into(),
            slug: "web".into(),
            service_id: None,
            deployment_id: None,
            image_name: "registry.example.com:5000/team/app".into(),
            image_tag: "v1.2".into(),
            resources: Resources::default(),
            env: [("NODE_ENV".to_string(), "production".to_string())].into(),
            internal_port: Some(3000),
            replicas: 2,
            health_check: None,
            endpoint_mode: EndpointMode::Vip,
            update_policy: None,
        }
    }

    fn field_of(result: Result<ServiceDefinition>) -> String {
        match result {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_a_good_request_and_applies_the_default_policy() {
        let definition = deploy_request(&request(), "d1").expect("valid");
        assert_eq!(definition.image, "registry.example.com:5000/team/app:v1.2");
        assert_eq!(definition.update_policy, UpdatePolicy::default());
        assert_eq!(definition.service_id, "org-acme-web");
    }

    #[test]
    fn names_the_field_of_each_broken_rule() {
        type Breaker = Box<dyn Fn(&mut DeployRequest)>;
        let cases: Vec<(&str, Breaker)> = vec![
            ("org_id", Box::new(|r| r.org_id = "Acme".into())),
            ("org_id", Box::new(|r| r.org_id = "a".repeat(25))),
            ("slug", Box::new(|r| r.slug = "-web".into())),
            ("slug", Box::new(|r| r.slug = "web_1".into())),
            ("slug", Box::new(|r| r.slug = "w".repeat(60))),
            ("image_name", Box::new(|r| r.image_name = "App".into())),
            ("image_name", Box::new(|r| r.image_name = "app:v1".into())),
            (
                "image_name",
                Box::new(|r| r.image_name = "team//app".into()),
            ),
            ("image_tag", Box::new(|r| r.image_tag = ".v1".into())),
            ("image_tag", Box::new(|r| r.image_tag = "sha256:abc".into())),
            (
                "resources.cpu_cores",
                Box::new(|r| r.resources.cpu_cores = 0.25),
            ),
            (
                "resources.cpu_cores",
                Box::new(|r| r.resources.cpu_cores = f64::NAN),
            ),
            (
                "resources.memory_mb",
                Box::new(|r| r.resources.memory_mb = 100),
            ),
            ("resources.disk_gb", Box::new(|r| r.resources.disk_gb = 501)),
            (
                "env.1BAD",
                Box::new(|r| {
                    r.env.insert("1BAD".into(), "x".into());
                }),
            ),
            ("internal_port", Box::new(|r| r.internal_port = Some(0))),
            ("replicas", Box::new(|r| r.replicas = 0)),
            ("replicas", Box::new(|r| r.replicas = 101)),
            (
                "service_id",
                Box::new(|r| r.service_id = Some(String::new())),
            ),
        ];
        for (field, break_it) in cases {
            let mut broken = request();
            break_it(&mut broken);
            assert_eq!(field_of(deploy_request(&broken, "d1")), field, "{broken:?}");
        }
    }

    #[test]
    fn image_grammar_edges() {
        assert!(image_reference("localhost:5000/app", "latest").is_ok());
        assert!(image_reference("a__b/c-d.e", "1.0_rc-2").is_ok());
        assert!(image_reference("app", &format!("sha256:{}", "a".repeat(64))).is_ok());
        assert!(image_reference("app_", "v1").is_err());
        assert!(image_reference("a___b", "v1").is_err());
        assert!(image_reference("app", &"t".repeat(129)).is_err());
    }

    #[test]
    fn deployment_ids_fit_names_and_tags() {
        assert!(deployment_id_rules("20261127-abc").is_ok());
        assert!(deployment_id_rules("-x").is_err());
        assert!(deployment_id_rules(&"a".repeat(41)).is_err());
        assert!(deployment_id_rules(&naming::new_deployment_id()).is_ok());
    }

    #[test]
    fn health_gates_past_sane_bounds_are_refused_by_field() {
        let gate = |timeout: u64| HealthGate {
            timeout: std::time::Duration::from_secs(timeout),
            ..HealthGate::default()
        };
        assert!(health_gate(&HealthGate::default()).is_ok());
        for bad in [0, 25 * 3600, u64::MAX / 4] {
            match health_gate(&gate(bad)) {
                Err(Error::Invalid { field, .. }) => assert_eq!(field, "gate.timeout"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn log_queries_need_a_stream_and_an_order() {
        let none = LogQuery {
            stdout: false,
            stderr: false,
            ..LogQuery::default()
        };
        assert!(matches!(log_query(&none), Err(Error::Invalid { field, .. }) if field == "stdout"));
        let backwards = LogQuery {
            since: Some(200),
            until: Some(100),
            ..LogQuery::default()
        };
        assert!(
            matches!(log_query(&backwards), Err(Error::Invalid { field, .. }) if field == "until")
        );
        assert!(log_query(&LogQuery::default()).is_ok());
    }

    #[test]
    fn env_sizes_and_nul_in_the_health_command_are_refused() {
        let mut big = request();
        big.env
            .insert("BIG".into(), "x".repeat(MAX_ENV_VALUE_BYTES + 1));
        assert_eq!(field_of(deploy_request(&big, "d1")), "env.BIG");
        let mut many = request();
        for n in 0..5 {
            many.env
                .insert(format!("V{n}"), "x".repeat(MAX_ENV_VALUE_BYTES));
        }
        assert_eq!(field_of(deploy_request(&many, "d1")), "env");
        let mut nul = request();
        nul.health_check = Some(HealthCheck {
            command: vec!["/app".into(), "health\0check".into()],
            interval_secs: 10,
            timeout_secs: 5,
            retries: 3,
            start_period_secs: 0,
        });
        assert_eq!(field_of(deploy_request(&nul, "d1")), "health_check.command");
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;
        use crate::model::{EndpointMode, FailureAction, UpdateOrder};

        /// distribution/reference's grammar (`reference.go`), anchored, with the docker CLI's rule that the first
        /// of several components is a registry when it holds a '.' or a ':' or is `localhost`.
        fn grammar_accepts(name: &str, tag: &str) -> bool {
            use std::sync::LazyLock;
            const PATH: &str = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
            const DOMAIN_COMPONENT: &str = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
            static REMOTE: LazyLock<regex::Regex> = LazyLock::new(|| {
                regex::Regex::new(&format!("^{PATH}(?:/{PATH})*$")).expect("regex")
            });
            static REGISTRY: LazyLock<regex::Regex> = LazyLock::new(|| {
                let domain = format!(r"{DOMAIN_COMPONENT}(?:\.{DOMAIN_COMPONENT})*(?::[0-9]+)?");
                regex::Regex::new(&format!("^{domain}$")).expect("regex")
            });
            static TAG: LazyLock<regex::Regex> =
                LazyLock::new(|| regex::Regex::new(r"^[\w][\w.-]{0,127}$").expect("regex"));
            let name_ok = match name.split_once('/') {
                Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                    REGISTRY.is_match(first) && REMOTE.is_match(rest)
                }
                _ => REMOTE.is_match(name),
            };
            name_ok && name.len() <= 255 && TAG.is_match(tag)
        }

        fn text(alphabet: &'static str, max: usize) -> impl Strategy<Value = String> {
            proptest::collection::vec(
                proptest::sample::select(alphabet.chars().collect::<Vec<_>>()),
                0..max,
            )
            .prop_map(|chars| chars.into_iter().collect())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(10_000))]

            #[test]
            fn image_references_are_accepted_exactly_when_the_grammar_accepts_them(
                name in text("ab0-_./:Lcl", 16),
                tag in text("v1_.-X", 8),
            ) {
                prop_assert_eq!(image_reference(&name, &tag).is_ok(), grammar_accepts(&name, &tag),
                    "name {:?} tag {:?}", name, tag);
            }

            #[test]
            fn names_and_ids_never_panic(value in any::<String>(), org in "[a-z0-9-]{0,30}") {
                let _ = org_id(&value);
                let _ = slug(&org, &value);
                let _ = deployment_id_rules(&value);
                let _ = image_reference(&value, &value);
                let _ = env(&[(value.clone(), value.clone())].into());
            }

            #[test]
            fn numeric_rules_never_panic(
                cpu in any::<f64>(), memory in any::<u64>(), disk in any::<u32>(),
                replicas_value in any::<u32>(), port in any::<u16>(),
                ratio in any::<f64>(), millis in any::<u64>(), parallelism in any::<u32>(),
            ) {
                let _ = resources(&Resources { cpu_cores: cpu, memory_mb: memory, disk_gb: disk });
                let _ = replicas("replicas", replicas_value, 0);
                let _ = update_policy_rules(&UpdatePolicy {
                    parallelism,
                    delay: std::time::Duration::from_millis(millis),
                    monitor: std::time::Duration::from_millis(millis),
                    failure_action: FailureAction::Pause,
                    max_failure_ratio: ratio,
                    order: UpdateOrder::StopFirst,
                });
                let duration = std::time::Duration::from_millis(millis);
                let _ = health_gate(&HealthGate { timeout: duration, poll: duration, settle: duration });
                let request = DeployRequest {
                    org_id: "acme".into(), slug: "web".into(), service_id: None, deployment_id: None,
                    image_name: "app".into(), image_tag: "v1".into(),
                    resources: Resources { cpu_cores: cpu, memory_mb: memory, disk_gb: disk },
                    env: Default::default(), internal_port: Some(port), replicas: replicas_value,
                    health_check: None, endpoint_mode: EndpointMode::Vip, update_policy: None,
                };
                let _ = deploy_request(&request, "d1");
            }

            #[test]
            fn health_checks_and_log_queries_never_panic(
                command in proptest::collection::vec(any::<String>(), 0..4),
                numbers in proptest::array::uniform4(any::<u32>()),
                since in proptest::option::of(any::<i64>()), until in proptest::option::of(any::<i64>()),
                streams in any::<(bool, bool)>(),
            ) {
                let _ = health_check(&HealthCheck {
                    command,
                    interval_secs: numbers[0], timeout_secs: numbers[1],
                    retries: numbers[2], start_period_secs: numbers[3],
                });
                let _ = log_query(&LogQuery {
                    since, until, stdout: streams.0, stderr: streams.1, ..LogQuery::default()
                });
            }
        }
    }
}
