//! The fixture: its static binary, the images built from it, and deploy requests of them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bollard::query_parameters::BuildImageOptions;
use bollard::Docker;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use swarmdeck_orchestrator::naming::label;
use swarmdeck_orchestrator::{DeployRequest, EndpointMode, HealthCheck, Resources};

use crate::app::workspace_root;
use crate::{fast_policy, TestResult, FIXTURE_PORT, FIXTURE_REPO, TEST_LABEL_VALUE};

/// The statically linked fixture binary built by `make fixture`.
pub fn fixture_binary() -> TestResult<PathBuf> {
    let path = workspace_root().join("target/x86_64-unknown-linux-gnu/release/swarmdeck-fixture");
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing: run `make fixture` first", path.display()).into())
    }
}

/// Versions of the fixture image; each bakes its `VERSION` in, so each has its own image id.
pub const FIXTURE_VERSIONS: [&str; 3] = ["v1", "v2", "v3"];

/// Tag of a fixture image whose containers exit at once with status 3: an update to it always fails.
pub const FIXTURE_BROKEN: &str = "broken";

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
        placement: Default::default(),
    }
}

/// Builds `swarmdeck-fixture:v1..v3` and `:broken` through the engine API unless images of this binary exist.
pub async fn ensure_fixture_images(docker: &Docker) -> TestResult {
    let binary = std::fs::read(fixture_binary()?)?;
    let hash = format!("{:x}", Sha256::digest(&binary));
    for version in FIXTURE_VERSIONS.into_iter().chain([FIXTURE_BROKEN]) {
        let reference = format!("{FIXTURE_REPO}:{version}");
        let current = docker
            .inspect_image(&reference)
            .await
            .ok()
            .and_then(|image| {
                image
                    .config?
                    .labels?
                    .get("io.swarmdeck.fixture-hash")
                    .cloned()
            });
        if current.as_deref() == Some(hash.as_str()) {
            continue;
        }
        build_fixture_image(docker, &binary, &hash, version).await?;
    }
    Ok(())
}

async fn build_fixture_image(
    docker: &Docker,
    binary: &[u8],
    hash: &str,
    version: &str,
) -> TestResult {
    let exit = if version == FIXTURE_BROKEN {
        " EXIT_CODE=3"
    } else {
        ""
    };
    let dockerfile = format!(
        "FROM scratch\nCOPY swarmdeck-fixture /fixture\nENV VERSION={version} PORT={FIXTURE_PORT}{exit}\n\
         LABEL io.swarmdeck.fixture-hash={hash} {}={TEST_LABEL_VALUE}\nEXPOSE {FIXTURE_PORT}\nENTRYPOINT [\"/fixture\"]\n",
        label::TEST
    );
    let mut archive = tar::Builder::new(Vec::new());
    append(&mut archive, "Dockerfile", dockerfile.as_bytes(), 0o644)?;
    append(&mut archive, "swarmdeck-fixture", binary, 0o755)?;
    let context = archive.into_inner()?;
    let options = BuildImageOptions {
        t: Some(format!("{FIXTURE_REPO}:{version}")),
        rm: true,
        forcerm: true,
        ..Default::default()
    };
    let mut build = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(step) = build.next().await {
        let step = step?;
        if let Some(error) = step.error_detail.and_then(|d| d.message) {
            return Err(format!("building the fixture image failed: {error}").into());
        }
    }
    Ok(())
}

fn append(
    archive: &mut tar::Builder<Vec<u8>>,
    path: &str,
    data: &[u8],
    mode: u32,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(mode);
    header.set_cksum();
    archive.append_data(&mut header, path, data)
}

/// The fixture's own health check, quick enough for tests.
pub fn fixture_health_check() -> HealthCheck {
    HealthCheck {
        command: vec!["/fixture".to_string(), "health".to_string()],
        interval_secs: 1,
        timeout_secs: 2,
        retries: 2,
        start_period_secs: 0,
    }
}
