//! Shared support of the integration suites: a real engine, our fixture images, and per-test organizations
//! whose resources are labelled and removed when the test ends, passed or failed.

pub mod app;
pub mod proxy;
pub mod registry;
pub mod scratch;
pub mod tls;

mod cleanup;
mod fixture;

pub use cleanup::{cleanup, sweep};
pub use fixture::{
    ensure_fixture_images, fixture_binary, fixture_health_check, fixture_request, FIXTURE_BROKEN,
    FIXTURE_VERSIONS,
};
pub use proxy::{CountingProxy, Fault};

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bollard::exec::{CreateExecOptions, StartExecResults};
use bollard::models::NetworkAttachmentConfig;
use bollard::Docker;
use futures_util::StreamExt;

use cleanup::{remove_org_networks, remove_services_and_records};
use swarmdeck_orchestrator::naming::{self, label};
use swarmdeck_orchestrator::{spec, validate, HealthGate, Orchestrator, RunOptions, UpdatePolicy};

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

/// Runs `command` and returns its stdout, failing with the command line and its stderr when it fails.
pub fn succeeded(command: &mut std::process::Command) -> TestResult<Vec<u8>> {
    let output = command.output()?;
    if !output.status.success() {
        let line: Vec<String> = std::iter::once(command.get_program())
            .chain(command.get_args())
            .map(|part| part.to_string_lossy().into_owned())
            .collect();
        return Err(format!(
            "{}: {}",
            line.join(" "),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(output.stdout)
}

/// Runs the `docker` CLI with its configuration in `config` (never the user's), failing with its stderr.
pub fn docker_with_config(config: &std::path::Path, args: &[&str]) -> TestResult {
    succeeded(
        std::process::Command::new("docker")
            .arg("--config")
            .arg(config)
            .args(args)
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT"),
    )
    .map(drop)
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

/// Runs `docker stack deploy` of `compose` as stack `name`, the way users make stacks outside Swarmdeck.
pub fn docker_stack_deploy(name: &str, compose: &str) -> TestResult {
    let file = std::env::temp_dir().join(format!("swarmdeck-{name}.yml"));
    std::fs::write(&file, compose)?;
    let output = std::process::Command::new("docker")
        .args(["stack", "deploy", "--detach=true", "-c"])
        .arg(&file)
        .arg(name)
        .output()?;
    let _ = std::fs::remove_file(&file);
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).to_string().into());
    }
    Ok(())
}
