//! End to end: the real app binary under Xvfb, driven through tauri-driver and WebKitWebDriver, against the
//! real engine. `make test` runs it with `xvfb-run`; each case saves a screenshot under target/e2e-screenshots/.

mod panel;
mod views;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use swarmdeck_orchestrator::naming;
use swarmdeck_tests::{engine, eventually, with_orgs, TestResult};
use thirtyfour::prelude::*;

/// tauri-driver for one test, on ports of its own, with a private data directory for the app's store.
pub(crate) struct Driver {
    process: Child,
    port: u16,
    data_home: PathBuf,
}

impl Driver {
    pub(crate) fn start() -> TestResult<Driver> {
        if std::env::var_os("DISPLAY").is_none() {
            return Err(
                "no DISPLAY: run the e2e suite under `xvfb-run -a` (make test does)".into(),
            );
        }
        let port = free_port()?;
        let native = free_port()?;
        let data_home =
            std::env::temp_dir().join(format!("swarmdeck-e2e-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&data_home)?;
        let process = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native.to_string(),
            ])
            .env("XDG_DATA_HOME", &data_home)
            .env("XDG_CONFIG_HOME", &data_home)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("tauri-driver could not start ({e}): `cargo install tauri-driver --locked`")
            })?;
        Ok(Driver {
            process,
            port,
            data_home,
        })
    }

    pub(crate) async fn session(&self) -> TestResult<WebDriver> {
        let app = workspace_root().join("target/debug/swarmdeck-app");
        if !app.exists() {
            return Err(format!(
                "{} is not built: `cargo build --workspace --bins`",
                app.display()
            )
            .into());
        }
        let mut caps = Capabilities::new();
        caps.set("tauri:options", json!({ "application": app }))?;
        caps.set("browserName", "wry")?;
        let url = format!("http://127.0.0.1:{}", self.port);
        // tauri-driver needs a moment to listen; the session call itself is the readiness check.
        eventually(Duration::from_secs(30), "a WebDriver session", || {
            let (url, caps) = (url.clone(), caps.clone());
            async move { Ok(WebDriver::new(url, caps).await.ok()) }
        })
        .await
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // SIGTERM lets tauri-driver stop WebKitWebDriver too; SIGKILL would orphan it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.process.id().to_string()])
            .status();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.data_home);
    }
}

pub(crate) fn free_port() -> TestResult<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub(crate) fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

pub(crate) async fn screenshot(driver: &WebDriver, name: &str) -> TestResult {
    let dir = workspace_root().join("target/e2e-screenshots");
    std::fs::create_dir_all(&dir)?;
    // The DOM is checked before a screenshot, but WebKit paints later: wait until two frames have rendered so
    // the picture shows what was checked.
    let painted = "const done = arguments[arguments.length - 1]; \
                   requestAnimationFrame(() => requestAnimationFrame(() => done(true)));";
    driver.execute_async(painted, Vec::new()).await?;
    driver.screenshot(&dir.join(format!("{name}.png"))).await?;
    Ok(())
}

/// Waits until the element's text satisfies `accept`, returning it.
pub(crate) async fn text_of(
    driver: &WebDriver,
    test_id: &str,
    accept: impl Fn(&str) -> bool,
) -> TestResult<String> {
    let selector = format!("[data-testid='{test_id}']");
    let mut last = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        if let Ok(element) = driver.find(By::Css(&selector)).await {
            if let Ok(text) = element.text().await {
                if accept(text.trim()) {
                    return Ok(text.trim().to_string());
                }
                last = text;
            }
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!("{test_id} never matched; last text {last:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits until the element's attribute satisfies `accept`, returning its value.
pub(crate) async fn attribute_of(
    driver: &WebDriver,
    test_id: &str,
    attribute: &str,
    accept: impl Fn(&str) -> bool,
) -> TestResult<String> {
    let selector = format!("[data-testid='{test_id}']");
    let mut last = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(element) = driver.find(By::Css(&selector)).await {
            if let Ok(Some(value)) = element.attr(attribute).await {
                if accept(&value) {
                    return Ok(value);
                }
                last = Some(value);
            }
        }
        if tokio::time::Instant::now() > deadline {
            return Err(
                format!("{test_id}[{attribute}] never matched; last value {last:?}").into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Opens the app connected to the engine, runs `body` on its page, then ends the session whatever happened.
pub(crate) async fn with_app<F, Fut>(body: F) -> TestResult
where
    F: FnOnce(WebDriver) -> Fut,
    Fut: std::future::Future<Output = TestResult>,
{
    let driver = Driver::start()?;
    let page = driver.session().await?;
    let result = async {
        text_of(&page, "connection-state", |t| t == "connected").await?;
        body(page.clone()).await
    }
    .await;
    page.quit().await?;
    result
}

/// Calls a Tauri command from the page, as the UI does, and returns its JSON result.
pub(crate) async fn invoke(driver: &WebDriver, command: &str, args: Value) -> TestResult<Value> {
    let script = r#"
        const [command, args, done] = arguments;
        const internals = window.__TAURI_INTERNALS__;
        // Commands that stream progress take a channel; a callback that drops the events is enough here.
        if (args.progress === null) {
            args.progress = "__CHANNEL__:" + internals.transformCallback(() => {});
        }
        internals.invoke(command, args).then(
            (data) => done({ ok: data === undefined ? null : data }),
            (error) => done({ error }),
        );
    "#;
    let result = driver
        .execute_async(script, vec![json!(command), args])
        .await?;
    let value: Value = result.json().clone();
    match value.get("error") {
        Some(error) => Err(format!("{command} failed: {error}").into()),
        None => Ok(value.get("ok").cloned().unwrap_or(Value::Null)),
    }
}

#[tokio::test]
async fn the_app_shows_the_real_swarm_id_and_node_count() -> TestResult {
    let orchestrator = engine().await?;
    let info = orchestrator.swarm_info().await?;
    let driver = Driver::start()?;
    let page = driver.session().await?;
    let result = async {
        text_of(&page, "connection-state", |t| t == "connected").await?;
        let swarm_id = info
            .swarm_id
            .clone()
            .ok_or("the engine reports no swarm id")?;
        text_of(&page, "swarm-id", |t| t == swarm_id).await?;
        text_of(&page, "node-count", |t| t == info.nodes.to_string()).await?;
        screenshot(&page, "swarm-home").await
    }
    .await;
    page.quit().await?;
    result
}

#[tokio::test]
async fn a_deploy_through_the_command_shows_in_the_topology_and_the_page() -> TestResult {
    with_orgs(&["e2e"], |_orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let driver = Driver::start()?;
        let page = driver.session().await?;
        let result = async {
            text_of(&page, "connection-state", |t| t == "connected").await?;
            let request = json!({
                "org_id": org, "slug": "web", "service_id": null, "deployment_id": null,
                "image_name": swarmdeck_tests::FIXTURE_REPO, "image_tag": "v1",
                "resources": { "cpu_cores": 0.5, "memory_mb": 256, "disk_gb": 1 },
                "env": {}, "internal_port": 8080, "replicas": 1, "health_check": null,
                "endpoint_mode": "vip", "update_policy": null,
            });
            let gate = json!({ "timeout_ms": 90000, "poll_ms": 500, "settle_ms": 1000 });
            let outcome = invoke(
                &page,
                "deploy",
                json!({ "request": request, "gate": gate, "progress": null }),
            )
            .await?;
            let name = naming::service_name(&org, "web");
            assert_eq!(outcome["service_name"], json!(name));
            let topology = invoke(&page, "topology", json!({})).await?;
            let listed = topology["orgs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|o| o["org_id"] == json!(org))
                .flat_map(|o| o["services"].as_array().cloned().unwrap_or_default())
                .any(|s| s["service_name"] == json!(name) && s["running"] == json!(1));
            assert!(
                listed,
                "the topology command does not list {name}: {topology}"
            );
            text_of(&page, &format!("service-{name}"), |t| t.contains("1/1")).await?;
            screenshot(&page, "deployed-service").await
        }
        .await;
        page.quit().await?;
        result
    })
    .await
}

/// Stopping the engine is only done to an engine this project started (or on CI).
fn may_stop_engine() -> Option<String> {
    let state_dir =
        std::env::var("SWARMDECK_STATE_DIR").unwrap_or_else(|_| "/var/tmp/swarmdeck".to_string());
    let marker =
        std::fs::read_to_string(PathBuf::from(state_dir).join("engine-started-by-swarmdeck"))
            .ok()?;
    Some(marker.trim().to_string())
}

#[tokio::test]
async fn stopping_the_engine_shows_disconnected_and_restarting_recovers() -> TestResult {
    let Some(pid) = may_stop_engine() else {
        eprintln!("skipped: the engine was not started by scripts/ensure-engine.sh, so this test will not stop it");
        return Ok(());
    };
    let orchestrator = engine().await?;
    let swarm_id = orchestrator
        .swarm_info()
        .await?
        .swarm_id
        .ok_or("no swarm id")?;
    let driver = Driver::start()?;
    let page = driver.session().await?;
    let result = async {
        text_of(&page, "connection-state", |t| t == "connected").await?;
        Command::new("kill").args(["-TERM", &pid]).status()?;
        text_of(&page, "connection-state", |t| t == "disconnected").await?;
        text_of(&page, "engine-unavailable", |t| !t.is_empty()).await?;
        screenshot(&page, "engine-stopped").await?;
        // A dockerd still shutting down would be waited for, not replaced: let it finish first.
        let process = PathBuf::from(format!("/proc/{pid}"));
        eventually(
            Duration::from_secs(60),
            "the stopped dockerd to exit",
            || {
                let gone = !process.exists();
                async move { Ok(gone.then_some(())) }
            },
        )
        .await?;
        let started = Command::new(workspace_root().join("scripts/ensure-engine.sh")).status()?;
        if !started.success() {
            return Err("scripts/ensure-engine.sh could not restart the engine".into());
        }
        text_of(&page, "connection-state", |t| t == "connected").await?;
        text_of(&page, "swarm-id", |t| t == swarm_id).await?;
        screenshot(&page, "engine-recovered").await
    }
    .await;
    page.quit().await?;
    result
}

/// The visible element with this test id, waiting for it: views load what they show after they appear.
pub(crate) async fn visible(page: &WebDriver, test_id: &str) -> TestResult<WebElement> {
    Ok(page
        .query(By::Css(format!("[data-testid='{test_id}']")))
        .wait(Duration::from_secs(30), Duration::from_millis(200))
        .and_displayed()
        .first()
        .await?)
}

pub(crate) async fn fill(page: &WebDriver, test_id: &str, value: &str) -> TestResult {
    let input = visible(page, test_id).await?;
    input.clear().await?;
    input.send_keys(value).await?;
    Ok(())
}

pub(crate) async fn click(page: &WebDriver, test_id: &str) -> TestResult {
    visible(page, test_id).await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn the_deploy_form_shows_backend_field_errors_and_then_deploys() -> TestResult {
    with_orgs(&["form"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let driver = Driver::start()?;
        let page = driver.session().await?;
        let result = async {
            text_of(&page, "connection-state", |t| t == "connected").await?;
            click(&page, "tab-deploy").await?;
            fill(&page, "deploy-org", &org).await?;
            fill(&page, "deploy-slug", "Bad_Slug").await?;
            fill(&page, "deploy-image", swarmdeck_tests::FIXTURE_REPO).await?;
            fill(&page, "deploy-tag", "v1").await?;
            fill(&page, "deploy-port", "8080").await?;
            click(&page, "deploy-submit").await?;
            text_of(&page, "field-error-slug", |t| t.contains("RFC 1123")).await?;
            screenshot(&page, "deploy-form-field-error").await?;
            assert!(
                orchestrator.find_org_network(&org).await?.is_none(),
                "a bad request must create nothing"
            );

            fill(&page, "deploy-slug", "web").await?;
            click(&page, "deploy-submit").await?;
            let name = naming::service_name(&org, "web");
            text_of(&page, "deploy-result", |t| t.contains(&name)).await?;
            screenshot(&page, "deploy-form-result").await?;
            let status = orchestrator.service_status(&name).await?;
            assert_eq!((status.desired, status.running), (1, 1));
            Ok(())
        }
        .await;
        page.quit().await?;
        result
    })
    .await
}
