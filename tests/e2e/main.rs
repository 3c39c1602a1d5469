//! End to end: the real app binary under Xvfb, driven through tauri-driver and WebKitWebDriver, against the
//! real engine. `make test` runs it with `xvfb-run`; each case saves a screenshot under target/e2e-screenshots/.

mod cluster;
mod console;
mod panel;
mod profiles;
mod registry;
mod restart;
mod secrets;
mod stacks;
mod views;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use swarmdeck_orchestrator::naming;
use swarmdeck_tests::app::{self, workspace_root, Driver};
pub(crate) use swarmdeck_tests::app::{attribute_of, click, fill, text_of};
use swarmdeck_tests::{engine, eventually, with_orgs, TestResult};
use thirtyfour::prelude::*;

/// The app under test: the debug build `make test` makes.
const APP: &str = "target/debug/swarmdeck-app";

/// Saves `target/e2e-screenshots/{name}.png` once the page has painted.
pub(crate) async fn screenshot(page: &WebDriver, name: &str) -> TestResult {
    app::screenshot(page, "target/e2e-screenshots", name).await
}

/// Opens the app connected to the engine, runs `body` on its page, then ends the session whatever happened.
pub(crate) async fn with_app<F, Fut>(body: F) -> TestResult
where
    F: FnOnce(WebDriver) -> Fut,
    Fut: std::future::Future<Output = TestResult>,
{
    with_app_env(&[], body).await
}

/// [`with_app`] with extra environment for the app (its `DOCKER_HOST` through a proxy, say).
pub(crate) async fn with_app_env<F, Fut>(env: &[(&str, &str)], body: F) -> TestResult
where
    F: FnOnce(WebDriver) -> Fut,
    Fut: std::future::Future<Output = TestResult>,
{
    let driver = Driver::start_with_env("e2e suite", true, env)?;
    let page = driver.session(APP).await?;
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
        // Commands that stream take a channel (`progress`, `events`); a callback that drops them is enough here.
        for (const name of ["progress", "events"]) {
            if (args[name] === null) {
                args[name] = "__CHANNEL__:" + internals.transformCallback(() => {});
            }
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
    let driver = Driver::start("e2e suite", true)?;
    let page = driver.session(APP).await?;
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
        let driver = Driver::start("e2e suite", true)?;
        let page = driver.session(APP).await?;
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
pub(crate) fn may_stop_engine() -> Option<String> {
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
    let driver = Driver::start("e2e suite", true)?;
    let page = driver.session(APP).await?;
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

#[tokio::test]
async fn the_deploy_form_shows_backend_field_errors_and_then_deploys() -> TestResult {
    with_orgs(&["form"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let driver = Driver::start("e2e suite", true)?;
        let page = driver.session(APP).await?;
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

            // A number the field lets through but no port is: a field error, not an unknown failure.
            fill(&page, "deploy-slug", "web").await?;
            fill(&page, "deploy-port", "70000").await?;
            click(&page, "deploy-submit").await?;
            text_of(&page, "field-error-internal_port", |t| t.contains("65535")).await?;
            assert!(orchestrator.find_org_network(&org).await?.is_none());

            // A placement rule broken by one of the constraints: shown at the field, naming which.
            fill(&page, "deploy-port", "8080").await?;
            fill(
                &page,
                "deploy-placement-constraints",
                "node.role==manager, zone=a",
            )
            .await?;
            click(&page, "deploy-submit").await?;
            text_of(&page, "field-error-placement.constraints[1]", |t| {
                t.contains("constraint 2") && t.contains("node.labels.<key>")
            })
            .await?;
            assert!(orchestrator.find_org_network(&org).await?.is_none());

            fill(&page, "deploy-placement-constraints", "node.role==manager").await?;
            fill(&page, "deploy-placement-max", "1").await?;
            click(&page, "deploy-submit").await?;
            let name = naming::service_name(&org, "web");
            text_of(&page, "deploy-result", |t| t.contains(&name)).await?;
            screenshot(&page, "deploy-form-result").await?;
            let status = orchestrator.service_status(&name).await?;
            assert_eq!((status.desired, status.running), (1, 1));
            assert_eq!(
                status.placement.constraints,
                ["node.role==manager"],
                "the form's placement reached the engine"
            );
            assert_eq!(status.placement.max_replicas_per_node, Some(1));
            Ok(())
        }
        .await;
        page.quit().await?;
        result
    })
    .await
}

/// The app's event stream goes silent on a connection that stays open (a half-open peer), then is cut mid-way:
/// each time the app says "disconnected" (its liveness checks tell it, within the stated bound, not the missing
/// events) and comes back on its own. The engine itself keeps running.
#[tokio::test]
async fn a_silent_or_cut_event_stream_shows_disconnected_then_recovers() -> TestResult {
    with_orgs(&["liveness"], |orchestrator, orgs| async move {
        let proxy = swarmdeck_tests::CountingProxy::start().await?;
        let host = proxy.docker_host();
        let driver = Driver::start_with_env("e2e suite", true, &[("DOCKER_HOST", &host)])?;
        let page = driver.session(APP).await?;
        let result = async {
            text_of(&page, "connection-state", |t| t == "connected").await?;
            for (fault, slug) in [
                (swarmdeck_tests::Fault::Silence, "silent"),
                (swarmdeck_tests::Fault::CutAfter(Duration::ZERO), "cut"),
            ] {
                // The reconnect's first call fails twice, so "disconnected" lasts long enough to be seen.
                proxy.inject("GET /version", swarmdeck_tests::Fault::Fail, 2);
                // "connected" shows once the engine answered; the event stream opens just after, so wait for it.
                swarmdeck_tests::eventually(
                    Duration::from_secs(30),
                    "the app's event stream to open",
                    || {
                        let reached = proxy.disrupt_open("GET /events HTTP", fault.clone());
                        async move { Ok((reached > 0).then_some(())) }
                    },
                )
                .await?;
                // A silent stream is only noticed when something happens: a deploy makes events.
                orchestrator
                    .deploy(
                        &swarmdeck_tests::fixture_request(&orgs[0], slug, "v1"),
                        &swarmdeck_tests::fast_run(),
                    )
                    .await?;
                text_of(&page, "connection-state", |t| t == "disconnected").await?;
                text_of(&page, "connection-state", |t| t == "connected").await?;
            }
            Ok(())
        }
        .await;
        page.quit().await?;
        result
    })
    .await
}
