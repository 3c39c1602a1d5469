//! Shared support of the integration suites: a real engine, our fixture images, and per-test organizations
//! whose resources are labelled and removed when the test ends, passed or failed.

pub mod app;
pub mod proxy;
pub mod scratch;

pub use proxy::{CountingProxy, Fault};

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::NetworkAttachmentConfig;
use bollard::query_parameters::{
    BuildImageOptions, ListConfigsOptions, ListImagesOptions, ListNetworksOptions,
    ListServicesOptions, RemoveImageOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use app::workspace_root;
use swarmdeck_orchestrator::naming::{self, label};
use swarmdeck_orchestrator::{
    spec, validate, DeployRequest, EndpointMode, HealthCheck, HealthGate, Orchestrator, Resources,
    RunOptions, UpdatePolicy,
};

/// Label value marking everything the suites create.
pub const TEST_LABEL_VALUE: &str = "swarmdeck-tests";
/// Environment flag that allows the suites to turn the engine into a swarm.
pub const ALLOW_SWARM_INIT: &str = "SWARMDECK_ALLOW_SWARM_INIT";
/// Repository of the fixture images.
pub const FIXTURE_REPO: &str = "swarmdeck-fixture";
/// Port the fixture listens on.
pub const FIXTURE_PORT: u16 = 8080;

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// An engine in swarm mode with the fixture images built, ready for a test.
pub async fn engine() -> TestResult<Orchestrator> {
    let docker = Docker::connect_with_defaults()?.negotiate_version().await?;
    let orchestrator = Orchestrator::new(docker.clone())
        .with_labels([(label::TEST.to_string(), TEST_LABEL_VALUE.to_string())]);
    if !orchestrator.is_swarm_initialized().await? {
        let allowed = std::env::var("CI").is_ok_and(|v| v == "true")
            || std::env::var(ALLOW_SWARM_INIT).is_ok_and(|v| v == "1");
        if !allowed {
            return Err(format!(
                "the engine is not in swarm mode and the tests will not change that unasked: \
                 set {ALLOW_SWARM_INIT}=1 (or CI=true) to let them run `swarm init`"
            )
            .into());
        }
        orchestrator.init_swarm().await?;
    }
    ensure_fixture_images(&docker).await?;
    Ok(orchestrator)
}

/// An orchestrator over another connection to the engine (through a proxy, say), labelling what it creates as
/// the suites do.
pub fn orchestrator_on(docker: Docker) -> Orchestrator {
    Orchestrator::new(docker).with_labels([(label::TEST.to_string(), TEST_LABEL_VALUE.to_string())])
}

/// A fresh organization id for one test: unique across processes and runs.
pub fn org_id(name: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let salt: u16 = rand::random();
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect();
    format!("t{salt:04x}{n}-{}", name.to_lowercase())
}

/// Runs a test body against an engine, then removes everything of `orgs` whatever the body did.
pub async fn with_orgs<F, Fut>(names: &[&str], body: F) -> TestResult
where
    F: FnOnce(Orchestrator, Vec<String>) -> Fut,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    with_org_ids(names.iter().map(|name| org_id(name)).collect(), body).await
}

/// [`with_orgs`] for organization ids the test chose itself (derived from [`org_id`] so runs never collide).
pub async fn with_org_ids<F, Fut>(orgs: Vec<String>, body: F) -> TestResult
where
    F: FnOnce(Orchestrator, Vec<String>) -> Fut,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    let orchestrator = engine().await?;
    let outcome = tokio::spawn(body(orchestrator.clone(), orgs.clone())).await;
    // Services first, networks after: a service of one organization may hold another's network.
    for org in &orgs {
        remove_services_and_records(&orchestrator, org).await;
    }
    for org in &orgs {
        remove_org_networks(orchestrator.docker(), org).await;
    }
    match outcome {
        Ok(result) => result,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(join) => Err(join.into()),
    }
}

/// Removes everything of one organization: services, records, keep tags, network.
pub async fn cleanup(orchestrator: &Orchestrator, org: &str) {
    remove_services_and_records(orchestrator, org).await;
    remove_org_networks(orchestrator.docker(), org).await;
}

/// Removes an organization's services, records and keep tags, ignoring what is already gone.
async fn remove_services_and_records(orchestrator: &Orchestrator, org: &str) {
    let docker = orchestrator.docker();
    let filters = HashMap::from([("label".to_string(), vec![format!("{}={org}", label::ORG)])]);
    let services = docker
        .list_services(Some(ListServicesOptions {
            filters: Some(filters.clone()),
            status: None,
        }))
        .await
        .unwrap_or_default();
    for service in &services {
        let _ = docker
            .delete_service(service.id.as_deref().unwrap_or_default())
            .await;
    }
    // Records outlive services that never started, so they are found by their own org label.
    let records = docker
        .list_configs(Some(ListConfigsOptions {
            filters: Some(filters.clone()),
        }))
        .await
        .unwrap_or_default();
    let mut service_names: Vec<String> = records
        .iter()
        .filter_map(|config| {
            config
                .spec
                .as_ref()?
                .labels
                .as_ref()?
                .get(label::HISTORY_SERVICE)
                .cloned()
        })
        .collect();
    service_names.sort();
    service_names.dedup();
    for name in service_names {
        let _ = orchestrator.purge_history(&name).await;
    }
}

async fn remove_org_networks(docker: &Docker, org: &str) {
    let filters = HashMap::from([("label".to_string(), vec![format!("{}={org}", label::ORG)])]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let networks = docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters.clone()),
            }))
            .await
            .unwrap_or_default();
        let mut remaining = 0;
        for network in networks {
            if docker
                .remove_network(network.id.as_deref().unwrap_or_default())
                .await
                .is_err()
            {
                remaining += 1;
            }
        }
        // Tasks of just-removed services hold the network for a few seconds.
        if remaining == 0 || tokio::time::Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Removes every resource labelled as a test resource (leftovers of crashed runs).
pub async fn sweep(docker: &Docker) -> TestResult<usize> {
    let test_label = format!("{}={TEST_LABEL_VALUE}", label::TEST);
    let filters = HashMap::from([("label".to_string(), vec![test_label.clone()])]);
    let mut removed = 0;
    let services = docker
        .list_services(Some(ListServicesOptions {
            filters: Some(filters.clone()),
            status: None,
        }))
        .await?;
    let mut orgs = Vec::new();
    for service in services {
        docker
            .delete_service(service.id.as_deref().unwrap_or_default())
            .await?;
        if let Some(org) = service
            .spec
            .and_then(|s| s.labels?.get(label::ORG).cloned())
        {
            orgs.push(org);
        }
        removed += 1;
    }
    for config in docker
        .list_configs(Some(ListConfigsOptions {
            filters: Some(filters.clone()),
        }))
        .await?
    {
        docker
            .delete_config(config.id.as_deref().unwrap_or_default())
            .await?;
        removed += 1;
    }
    let networks = docker
        .list_networks(Some(ListNetworksOptions {
            filters: Some(filters.clone()),
        }))
        .await?;
    for network in networks {
        if let Some(org) = network.labels.and_then(|l| l.get(label::ORG).cloned()) {
            orgs.push(org);
        }
    }
    orgs.sort();
    orgs.dedup();
    for org in &orgs {
        remove_org_networks(docker, org).await;
        removed += 1;
    }
    for image in docker.list_images(None::<ListImagesOptions>).await? {
        for tag in image.repo_tags {
            if tag.starts_with(&format!("{FIXTURE_REPO}:swarmdeck-")) {
                let _ = docker
                    .remove_image(&tag, None::<RemoveImageOptions>, None)
                    .await;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// The statically linked fixture binary built by `make fixture`.
pub fn fixture_binary() -> TestResult<PathBuf> {
    let path = workspace_root().join("target/x86_64-unknown-linux-gnu/release/swarmdeck-fixture");
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing: run `make fixture` first", path.display()).into())
    }
}

/// The `swarmdeck` CLI binary of this build.
pub fn cli_binary() -> TestResult<PathBuf> {
    let exe = std::env::current_exe()?;
    let candidates = exe
        .ancestors()
        .skip(1)
        .take(3)
        .map(|dir| dir.join("swarmdeck"))
        .collect::<Vec<_>>();
    candidates
        .into_iter()
        .find(|path| path.is_file())
        .ok_or_else(|| {
            "the swarmdeck binary is not built: run `cargo build -p swarmdeck-cli`".into()
        })
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
    }
}

/// Creates service `{slug}` of org `b` attached to the networks of both `a` and `b`, as a careless operator
/// might, and waits until it runs. Returns its name.
pub async fn create_bridge(
    orchestrator: &Orchestrator,
    a: &str,
    b: &str,
    slug: &str,
) -> TestResult<String> {
    let request = fixture_request(b, slug, "v1");
    let deployment = format!("{slug}-1");
    let definition = validate::deploy_request(&request, &deployment)?;
    let network_a = orchestrator
        .find_org_network(a)
        .await?
        .and_then(|n| n.id)
        .ok_or("no network a")?;
    let network_b = orchestrator
        .find_org_network(b)
        .await?
        .and_then(|n| n.id)
        .ok_or("no network b")?;
    let mut bridge = spec::service_spec(&definition, &deployment, &network_b);
    if let Some(networks) = bridge
        .task_template
        .as_mut()
        .and_then(|t| t.networks.as_mut())
    {
        networks.push(NetworkAttachmentConfig {
            target: Some(network_a),
            ..Default::default()
        });
    }
    bridge
        .labels
        .get_or_insert_with(HashMap::new)
        .insert(label::TEST.into(), TEST_LABEL_VALUE.into());
    orchestrator.docker().create_service(bridge, None).await?;
    let name = naming::service_name(b, slug);
    eventually(Duration::from_secs(60), "the bridge to run", || {
        let (orchestrator, name) = (orchestrator.clone(), name.clone());
        async move { Ok((orchestrator.service_status(&name).await?.running == 1).then_some(())) }
    })
    .await?;
    Ok(name)
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

/// The design's policy with short timings so tests run fast.
pub fn fast_policy() -> UpdatePolicy {
    UpdatePolicy {
        delay: Duration::ZERO,
        monitor: Duration::from_secs(3),
        ..UpdatePolicy::default()
    }
}

/// Run options with a short settle time.
pub fn fast_run() -> RunOptions {
    RunOptions {
        gate: HealthGate {
            timeout: Duration::from_secs(90),
            poll: Duration::from_millis(500),
            settle: Duration::from_secs(2),
        },
        progress: None,
    }
}

/// Runs a command in a running container and returns its exit code and output.
pub async fn exec(docker: &Docker, container: &str, command: &[&str]) -> TestResult<(i64, String)> {
    let exec = docker
        .create_exec(
            container,
            CreateExecOptions {
                cmd: Some(command.iter().map(|s| s.to_string()).collect()),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                ..Default::default()
            },
        )
        .await?;
    let mut output = String::new();
    if let StartExecResults::Attached {
        output: mut stream, ..
    } = docker.start_exec(&exec.id, None).await?
    {
        while let Some(chunk) = stream.next().await {
            output.push_str(&chunk?.to_string());
        }
    }
    let code = docker.inspect_exec(&exec.id).await?.exit_code.unwrap_or(-1);
    Ok((code, output))
}

/// Polls `check` until it yields, failing the test at the deadline with what was awaited.
pub async fn eventually<T, F, Fut>(deadline: Duration, what: &str, mut check: F) -> TestResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = TestResult<Option<T>>>,
{
    let end = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if tokio::time::Instant::now() > end {
            return Err(format!("timed out after {deadline:?} waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
