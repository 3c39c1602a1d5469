//! The orchestrator against a real engine in swarm mode. One binary, one module per capability.

mod deploy;
mod history;
mod isolation;
mod logs;
mod network;
mod swarm;
mod topology;
mod update;
mod validation;

use std::collections::BTreeMap;

use swarmdeck_orchestrator::{DeployRequest, EndpointMode, Resources};
use swarmdeck_tests::{fast_policy, fixture_health_check, FIXTURE_PORT, FIXTURE_REPO};

/// A deploy of the fixture image at `version` into `org`, healthy and quick to update.
pub fn fixture_request(org: &str, slug: &str, version: &str) -> DeployRequest {
    DeployRequest {
        org_id: org.to_string(),
        slug: slug.to_string(),
        service_id: None,
        deployment_id: None,
        image_name: FIXTURE_REPO.to_string(),
        image_tag: version.to_string(),
        resources: Resources::default(),
        env: BTreeMap::new(),
        internal_port: Some(FIXTURE_PORT),
        replicas: 1,
        health_check: Some(fixture_health_check()),
        endpoint_mode: EndpointMode::Vip,
        update_policy: Some(fast_policy()),
    }
}
