//! Inside a running service from its panel: the console (an image without `/bin/sh` says so; the fixture's own
//! shell opens, runs a typed command, follows a resize of the window, and ends with `exit`), and the resource use
//! of a task told to burn CPU, in the panel, on the Home table and its organization, and on the graph, over engine
//! streams that close when nothing on screen shows figures, or when the page that asked for them is gone.

use std::time::Duration;

use serde_json::json;

use swarmdeck_tests::{
    eventually, fast_run, fixture_request, with_orgs, CountingProxy, TestResult,
};
use thirtyfour::prelude::*;

use crate::{attribute_of, click, fill, invoke, screenshot, text_of, with_app, with_app_env};

/// Keys typed into the terminal (xterm.js listens on a hidden textarea inside it).
async fn type_in_terminal(page: &WebDriver, keys: &str) -> TestResult {
    let input = page
        .query(By::Css("[data-testid='console-terminal'] textarea"))
        .first()
        .await?;
    input.send_keys(keys).await?;
    Ok(())
}

#[tokio::test]
async fn a_console_runs_a_typed_command_follows_a_resize_and_ends_with_exit() -> TestResult {
    with_orgs(&["console"], |orchestrator, orgs| async move {
        let service = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?
            .service_name;
        with_app(|page| async move {
            text_of(&page, &format!("service-{service}"), |t| t.contains("1/1")).await?;
            click(&page, &format!("open-{service}")).await?;
            click(&page, "panel-section-console").await?;

            click(&page, "console-open").await?;
            text_of(&page, "console", |t| {
                t.contains("the image has no `/bin/sh`")
            })
            .await?;

            fill(&page, "console-command", "/fixture shell").await?;
            click(&page, "console-open").await?;
            text_of(&page, "console-session", |t| t.contains("slot 1")).await?;
            text_of(&page, "console-terminal", |t| t.contains("fixture$")).await?;
            type_in_terminal(&page, "echo hello-console\u{E007}").await?;
            // The typed line and the program's answer: the word twice, then a new prompt.
            text_of(&page, "console-terminal", |t| {
                t.matches("hello-console").count() >= 2 && t.trim_end().ends_with("fixture$")
            })
            .await?;
            screenshot(&page, "console").await?;

            let before = page
                .query(By::Css("[data-testid='console-terminal']"))
                .first()
                .await?
                .attr("data-cols")
                .await?
                .unwrap_or_default();
            let window = page.get_window_rect().await?;
            let (width, height) = (u32::try_from(window.width)?, u32::try_from(window.height)?);
            page.set_window_rect(window.x, window.y, width - 200, height)
                .await?;
            attribute_of(&page, "console-terminal", "data-cols", |cols| {
                cols != before
            })
            .await?;

            type_in_terminal(&page, "exit\u{E007}").await?;
            text_of(&page, "console-ended", |t| t.contains("exited with 0")).await?;
            page.set_window_rect(window.x, window.y, width, height)
                .await?;
            Ok(())
        })
        .await
    })
    .await
}

#[tokio::test]
async fn the_resources_section_shows_a_busy_task_busy() -> TestResult {
    with_orgs(&["statsui"], |orchestrator, orgs| async move {
        let mut busy = fixture_request(&orgs[0], "busy", "v1");
        // Two spinning threads under a limit of 1.5 cores (the default, 0.5, would cap it at 50 %): a busy
        // machine (the suites run in parallel) still gives the task over half a core.
        busy.env.insert("BURN_CPU".into(), "2".into());
        busy.resources.cpu_cores = 1.5;
        let service = orchestrator.deploy(&busy, &fast_run()).await?.service_name;
        let org = orgs[0].clone();
        let proxy = CountingProxy::start().await?;
        let host = proxy.docker_host();
        let proxy = &proxy;
        with_app_env(&[("DOCKER_HOST", &host)], |page| async move {
            text_of(&page, &format!("service-{service}"), |t| t.contains("1/1")).await?;
            click(&page, &format!("open-{service}")).await?;
            click(&page, "panel-section-stats").await?;
            text_of(&page, "stats-cpu", |t| {
                t.trim_end_matches('%')
                    .parse::<f64>()
                    .is_ok_and(|cpu| cpu > 50.0)
            })
            .await?;
            text_of(&page, "stats-memory", |t| t.contains(" / ")).await?;
            screenshot(&page, "resources").await?;

            // The same figures on the Home table's row, summed on the organization, and on the graph.
            let busy_figure = |t: &str| cpu_of(t).is_some_and(|cpu| cpu > 50.0);
            text_of(&page, &format!("service-{service}"), busy_figure).await?;
            text_of(&page, &format!("org-{org}"), busy_figure).await?;
            click(&page, "tab-topology").await?;
            text_of(&page, &format!("graph-usage-{service}"), busy_figure).await?;
            screenshot(&page, "topology-usage").await?;

            // The streams run only while something on screen shows figures: closed with the panel and a tab
            // without any, counted on the engine's side of the app.
            assert!(
                proxy.open_with("/stats") >= 1,
                "the figures came over engine streams"
            );
            click(&page, "panel-close").await?;
            click(&page, "tab-deploy").await?;
            eventually(
                Duration::from_secs(15),
                "every stats stream to close",
                || async { Ok((proxy.open_with("/stats") == 0).then_some(())) },
            )
            .await?;
            click(&page, "tab-home").await?;
            text_of(&page, &format!("service-{service}"), busy_figure).await?;
            assert!(
                proxy.open_with("/stats") >= 1,
                "back on Home, the follow opened again"
            );

            // A page that dies with a follow running cannot stop it (a follow started behind the view's back
            // stands for one whose page reloaded or crashed before it could): loading the page again ends it,
            // and the new page's own follow is the one stream left for the one task.
            invoke(
                &page,
                "follow_stats",
                json!({ "scope": { "kind": "all" }, "events": null }),
            )
            .await?;
            eventually(
                Duration::from_secs(15),
                "a second stats stream for the follow behind the view's back",
                || async { Ok((proxy.open_with("/stats") == 2).then_some(())) },
            )
            .await?;
            page.refresh().await?;
            text_of(&page, &format!("service-{service}"), busy_figure).await?;
            eventually(
                Duration::from_secs(15),
                "one stats stream after the page loaded again",
                || async { Ok((proxy.open_with("/stats") == 1).then_some(())) },
            )
            .await?;
            Ok(())
        })
        .await
    })
    .await
}

/// The CPU percentage of a usage figure (`CPU 63.2% · 4 MiB`) somewhere in `text`.
fn cpu_of(text: &str) -> Option<f64> {
    let after = &text[text.find("CPU ")? + "CPU ".len()..];
    after.split('%').next()?.trim().parse().ok()
}
