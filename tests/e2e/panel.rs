//! The service panel: scale, update with its live timeline, automatic rollback, history rollback-to, logs.

use std::collections::BTreeMap;
use std::time::Duration;

use swarmdeck_orchestrator::{naming, DeployOutcome, Orchestrator, UpdateRequest};
use swarmdeck_tests::{
    eventually, fast_run, fixture_request, with_orgs, TestResult, FIXTURE_BROKEN,
};
use thirtyfour::prelude::*;

use crate::{attribute_of, click, fill, screenshot, text_of, with_app};

/// Deploys the fixture into `org` with `env`, healthy, before the app opens.
pub(crate) async fn deploy(
    orchestrator: &Orchestrator,
    org: &str,
    version: &str,
    env: &[(&str, &str)],
) -> TestResult<DeployOutcome> {
    let mut request = fixture_request(org, "web", version);
    request.env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<BTreeMap<_, _>>();
    Ok(orchestrator.deploy(&request, &fast_run()).await?)
}

/// Opens the panel of `service` from the home page's table.
pub(crate) async fn open_panel(page: &WebDriver, service: &str) -> TestResult {
    text_of(page, &format!("service-{service}"), |t| t.contains("1/1")).await?;
    click(page, &format!("open-{service}")).await?;
    attribute_of(page, "service-panel", "data-service", |s| s == service).await?;
    Ok(())
}

/// The running spec's image and environment, from the engine.
async fn engine_spec(
    orchestrator: &Orchestrator,
    service: &str,
) -> TestResult<(String, Vec<String>)> {
    let inspected = orchestrator.docker().inspect_service(service, None).await?;
    let container = inspected
        .spec
        .and_then(|s| s.task_template)
        .and_then(|t| t.container_spec)
        .ok_or("no container spec")?;
    Ok((
        container.image.unwrap_or_default(),
        container.env.unwrap_or_default(),
    ))
}

#[tokio::test]
async fn scaling_from_the_panel_changes_the_replicas() -> TestResult {
    with_orgs(&["scale"], |orchestrator, orgs| async move {
        let outcome = deploy(&orchestrator, &orgs[0], "v1", &[]).await?;
        let name = outcome.service_name;
        with_app(|page| async move {
            open_panel(&page, &name).await?;
            click(&page, "panel-scale-plus").await?;
            click(&page, "panel-scale-plus").await?;
            text_of(&page, "panel-scale-value", |t| t == "3").await?;
            click(&page, "panel-scale-apply").await?;
            text_of(&page, "panel-scale-result", |t| t.contains('3')).await?;
            text_of(&page, "panel-replicas", |t| t == "3/3").await?;
            let status = orchestrator.service_status(&name).await?;
            assert_eq!((status.desired, status.running), (3, 3));
            screenshot(&page, "panel-scaled").await?;
            click(&page, "panel-scale-minus").await?;
            click(&page, "panel-scale-apply").await?;
            text_of(&page, "panel-replicas", |t| t == "2/2").await?;
            assert_eq!(orchestrator.service_status(&name).await?.desired, 2);
            Ok(())
        })
        .await
    })
    .await
}

#[tokio::test]
async fn an_update_from_the_panel_shows_its_timeline_until_completed() -> TestResult {
    with_orgs(&["update"], |orchestrator, orgs| async move {
        let outcome = deploy(&orchestrator, &orgs[0], "v1", &[("GREETING", "hello")]).await?;
        let name = outcome.service_name;
        with_app(|page| async move {
            open_panel(&page, &name).await?;
            fill(&page, "panel-update-tag", "v2").await?;
            click(&page, "panel-update-submit").await?;
            attribute_of(&page, "timeline", "data-stage", |s| s == "completed").await?;
            attribute_of(&page, "timeline", "data-update-state", |s| s == "completed").await?;
            let lanes = page
                .find_all(By::Css("[data-testid='timeline-lane'][data-new='true']"))
                .await?;
            assert!(!lanes.is_empty(), "the timeline shows no new task");
            text_of(&page, "panel-action-result", |t| t.contains("v2")).await?;
            let (image, env) = engine_spec(&orchestrator, &name).await?;
            assert!(image.contains(":v2"), "{image}");
            assert_eq!(env, vec!["GREETING=hello".to_string()]);
            screenshot(&page, "service-panel").await
        })
        .await
    })
    .await
}

#[tokio::test]
async fn an_update_to_a_failing_image_shows_the_automatic_rollback() -> TestResult {
    with_orgs(&["broken"], |orchestrator, orgs| async move {
        let outcome = deploy(&orchestrator, &orgs[0], "v1", &[]).await?;
        let name = outcome.service_name;
        with_app(|page| async move {
            open_panel(&page, &name).await?;
            fill(&page, "panel-update-tag", FIXTURE_BROKEN).await?;
            click(&page, "panel-update-submit").await?;
            attribute_of(&page, "timeline", "data-stage", |s| s == "rolled_back").await?;
            attribute_of(&page, "timeline", "data-rolled-back", |s| s == "true").await?;
            text_of(&page, "timeline-rollback", |t| t.contains("rollback")).await?;
            let (image, _) = engine_spec(&orchestrator, &name).await?;
            assert!(
                image.contains(":v1"),
                "the previous image must run again: {image}"
            );
            screenshot(&page, "service-panel-automatic-rollback").await
        })
        .await
    })
    .await
}

#[tokio::test]
async fn rolling_back_to_the_first_of_three_deployments_restores_env_and_image() -> TestResult {
    with_orgs(&["history"], |orchestrator, orgs| async move {
        let first = deploy(&orchestrator, &orgs[0], "v1", &[("MARKER", "one")]).await?;
        let name = first.service_name.clone();
        for (version, marker) in [("v2", "two"), ("v3", "three")] {
            let request = UpdateRequest {
                image_tag: Some(version.to_string()),
                env: Some(BTreeMap::from([("MARKER".to_string(), marker.to_string())])),
                ..UpdateRequest::default()
            };
            orchestrator.update(&name, &request, &fast_run()).await?;
        }
        with_app(|page| async move {
            open_panel(&page, &name).await?;
            click(&page, "panel-section-history").await?;
            // Newest first: the first deployment is the third row.
            attribute_of(&page, "history-row-2", "data-deployment", |d| {
                d == first.deployment_id
            })
            .await?;
            click(&page, "history-rollback-2").await?;
            screenshot(&page, "history-confirm").await?;
            click(&page, "history-confirm").await?;
            attribute_of(&page, "timeline", "data-stage", |s| s == "completed").await?;
            let (image, env) = engine_spec(&orchestrator, &name).await?;
            assert_eq!(env, vec!["MARKER=one".to_string()]);
            let image_id = orchestrator.docker().inspect_image(&image).await?.id;
            assert_eq!(image_id.as_deref(), Some(first.image.image_id.as_str()));
            click(&page, "panel-section-history").await?;
            attribute_of(&page, "history-row-0", "data-outcome", |o| o == "succeeded").await?;
            screenshot(&page, "history-rolled-back").await
        })
        .await
    })
    .await
}

#[tokio::test]
async fn the_logs_of_the_fixture_appear_and_follow() -> TestResult {
    with_orgs(&["logs"], |orchestrator, orgs| async move {
        let outcome = deploy(&orchestrator, &orgs[0], "v1", &[("LOG_LINES_PER_SEC", "5")]).await?;
        let name = outcome.service_name;
        with_app(|page| async move {
            open_panel(&page, &name).await?;
            click(&page, "panel-section-logs").await?;
            attribute_of(&page, "logs-view", "data-state", |s| s == "following").await?;
            let first = count_lines(&page, 1).await?;
            // Following: lines the fixture writes after the view opened arrive without any action.
            count_lines(&page, first + 5).await?;
            let rows = page.find_all(By::Css("[data-testid='log-line']")).await?;
            assert!(!rows.is_empty(), "no log row is rendered");
            screenshot(&page, "logs-follow").await?;
            click(&page, "logs-follow").await?;
            attribute_of(&page, "logs-view", "data-state", |s| s == "stopped").await?;
            // A follow whose service goes away says so instead of "following" forever.
            click(&page, "logs-follow").await?;
            attribute_of(&page, "logs-view", "data-state", |s| s == "following").await?;
            orchestrator.remove_service(&name).await?;
            // Either the follow's end reaches the view first, or the topology refresh replaces the whole panel
            // with "does not exist": both are right; a view still "following" is not.
            let script = r#"
                const view = document.querySelector("[data-testid='logs-view']");
                if (view) return view.dataset.state;
                return document.querySelector("[data-testid='panel-gone']") ? "gone" : "none";
            "#;
            eventually(
                Duration::from_secs(60),
                "the follow to end or the panel to say gone",
                || {
                    let page = page.clone();
                    async move {
                        let state: String = page.execute(script, Vec::new()).await?.convert()?;
                        Ok((state != "following" && state != "none").then_some(()))
                    }
                },
            )
            .await?;
            Ok(())
        })
        .await
    })
    .await
}

/// Waits until the logs view holds at least `at_least` lines, returning the count.
async fn count_lines(page: &WebDriver, at_least: u64) -> TestResult<u64> {
    let text = text_of(page, "logs-count", |t| {
        digits(t).is_some_and(|count| count >= at_least)
    })
    .await?;
    digits(&text).ok_or_else(|| format!("no count in {text:?}").into())
}

fn digits(text: &str) -> Option<u64> {
    let number: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    number.parse().ok()
}

/// The topology graph lists a deployed service, and picking it opens its panel.
#[tokio::test]
async fn the_topology_graph_shows_a_service_and_opens_its_panel() -> TestResult {
    with_orgs(&["graph"], |orchestrator, orgs| async move {
        let outcome = deploy(&orchestrator, &orgs[0], "v1", &[]).await?;
        let name = naming::service_name(&orgs[0], "web");
        assert_eq!(outcome.service_name, name);
        with_app(|page| async move {
            click(&page, "tab-topology").await?;
            attribute_of(&page, "topology-graph", "data-layout", |s| s == "ready").await?;
            eventually(
                Duration::from_secs(60),
                "the service in the graph list",
                || {
                    let (page, name) = (page.clone(), name.clone());
                    async move {
                        let found = page
                            .find(By::Css(format!("[data-testid='graph-service-{name}']")))
                            .await
                            .is_ok();
                        Ok(found.then_some(()))
                    }
                },
            )
            .await?;
            screenshot(&page, "topology").await?;
            click(&page, &format!("graph-service-{name}")).await?;
            attribute_of(&page, "service-panel", "data-service", |s| s == name).await?;
            text_of(&page, "panel-replicas", |t| t == "1/1").await?;
            screenshot(&page, "topology-with-panel").await
        })
        .await
    })
    .await
}
