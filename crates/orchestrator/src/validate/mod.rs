//! Validation of requests, before any Docker call.
//!
//! Every check names the field and the rule, so a UI can show the message next to the field.
//!
//! [`deploy_request`] and [`definition`] apply every rule to a whole service; the rules themselves are grouped
//! by what they check: names and references, the image, the service's fields, policies and logs.

mod container;
mod fields;
mod image;
mod logs;
mod names;
mod placement;
mod policy;

pub use container::{container_setup, object_name, MAX_RESTART_DELAY};
pub use fields::{
    env, replicas, resources, CPU_CORES, DISK_GB, MAX_ENV_TOTAL_BYTES, MAX_ENV_VALUE_BYTES,
    MAX_REPLICAS, MEMORY_MB,
};
pub use image::image_reference;
pub use logs::log_query;
pub use names::{deployment_id_rules, org_id, slug, MAX_NAME_LEN, MAX_ORG_ID_LEN};
pub use placement::{placement, MAX_CONSTRAINTS};
pub use policy::{health_gate, update_policy_rules, MAX_GATE};

use crate::error::{Error, Result};
use crate::model::{DeployRequest, ServiceDefinition};
use crate::naming;
use fields::health_check;
use names::label_value;

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
    let placement = placement(&request.placement)?;
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
        placement,
        container: crate::model::ContainerSetup::default(),
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
    placement(&definition.placement)?;
    container_setup(&definition.container, definition.endpoint_mode)?;
    update_policy_rules(&definition.update_policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EndpointMode;
    use crate::model::{HealthCheck, Resources, UpdatePolicy};

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
            placement: Default::default(),
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
        use crate::model::{
            EndpointMode, FailureAction, HealthCheck, HealthGate, LogQuery, Resources, UpdateOrder,
            UpdatePolicy,
        };

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(10_000))]

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
                    placement: Default::default(),
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
