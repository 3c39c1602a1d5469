//! Views over several organizations: the isolation matrix.

use std::time::Duration;

use swarmdeck_tests::{
    create_bridge, eventually, fast_run, fixture_request, with_orgs, TestResult,
};
use thirtyfour::prelude::*;

use crate::{attribute_of, click, screenshot, text_of, with_app};

/// Checks only `orgs` (other tests' organizations may exist) and waits for the run to finish.
async fn run_check(page: &WebDriver, orgs: &[String]) -> TestResult {
    for checkbox in page
        .find_all(By::Css("[data-testid^='isolation-org-']"))
        .await?
    {
        let test_id = checkbox.attr("data-testid").await?.unwrap_or_default();
        let wanted = orgs
            .iter()
            .any(|org| test_id == format!("isolation-org-{org}"));
        if checkbox.is_selected().await? != wanted {
            checkbox.click().await?;
        }
    }
    click(page, "isolation-run").await?;
    Ok(())
}

#[tokio::test]
async fn the_isolation_matrix_shows_isolated_then_a_leak_through_a_bridge() -> TestResult {
    with_orgs(&["mata", "matb"], |orchestrator, orgs| async move {
        let (a, b) = (orgs[0].clone(), orgs[1].clone());
        for (org, slug) in [(&a, "web"), (&b, "api")] {
            orchestrator
                .deploy(&fixture_request(org, slug, "v1"), &fast_run())
                .await?;
        }
        with_app(|page| async move {
            // The graph's first view shows both organizations, titles included (seen in the screenshot).
            click(&page, "tab-topology").await?;
            attribute_of(&page, "topology-graph", "data-layout", |v| v == "ready").await?;
            screenshot(&page, "topology-two-orgs").await?;
            click(&page, "tab-isolation").await?;
            text_of(&page, &format!("isolation-org-{b}"), |_| true).await?;
            run_check(&page, &orgs).await?;
            let a_to_b = format!("cell-{a}-{b}");
            let b_to_a = format!("cell-{b}-{a}");
            attribute_of(&page, &a_to_b, "data-verdict", |v| v == "isolated").await?;
            attribute_of(&page, &b_to_a, "data-verdict", |v| v == "isolated").await?;
            screenshot(&page, "isolation-isolated").await?;

            create_bridge(&orchestrator, &a, &b, "bridge").await?;
            run_check(&page, &orgs).await?;
            attribute_of(&page, &a_to_b, "data-verdict", |v| v == "leak").await?;
            // The bridge sits in both networks, so it is part of both organizations: b reaches a through it too.
            attribute_of(&page, &b_to_a, "data-verdict", |v| v == "leak").await?;
            click(&page, &a_to_b).await?;
            text_of(&page, "isolation-evidence", |t| t.contains("bridge")).await?;
            screenshot(&page, "isolation-leak").await
        })
        .await
    })
    .await
}

/// Every view at the smallest window the app allows, in both themes: nothing wider than the window.
#[tokio::test]
async fn every_view_fits_1024_by_700_in_light_and_dark() -> TestResult {
    with_orgs(&["fit"], |orchestrator, orgs| async move {
        let outcome = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &fast_run())
            .await?;
        let service = outcome.service_name;
        with_app(|page| async move {
            page.set_window_rect(0, 0, 1024, 700).await?;
            for theme in ["light", "dark"] {
                click(&page, "tab-settings").await?;
                click(&page, &format!("settings-theme-{theme}")).await?;
                click(&page, "settings-save").await?;
                text_of(&page, "settings-result", |t| t.starts_with("Saved")).await?;
                let applied: String = page
                    .execute(
                        "return document.documentElement.dataset.theme ?? '';",
                        Vec::new(),
                    )
                    .await?
                    .convert()?;
                assert_eq!(applied, theme, "the theme control did not apply {theme}");
                text_of(&page, "connection-state", |t| t == "connected").await?;
                for tab in [
                    "home",
                    "topology",
                    "organizations",
                    "deploy",
                    "stacks",
                    "isolation",
                    "cluster",
                    "settings",
                ] {
                    click(&page, &format!("tab-{tab}")).await?;
                    assert_fits(&page, &format!("{tab} ({theme})")).await?;
                    assert_theme(&page, theme).await?;
                    screenshot(&page, &format!("fit-{tab}-{theme}")).await?;
                }
                click(&page, "tab-home").await?;
                click(&page, &format!("open-{service}")).await?;
                attribute_of(&page, "service-panel", "data-service", |s| s == service).await?;
                assert_fits(&page, &format!("service panel ({theme})")).await?;
                screenshot(&page, &format!("fit-panel-{theme}")).await?;
                // The panel belongs to the views that list services: over the matrix it would hide half of it.
                click(&page, "tab-isolation").await?;
                panel_displayed(&page, false).await?;
                click(&page, "tab-home").await?;
                panel_displayed(&page, true).await?;
                click(&page, "panel-close").await?;
            }
            Ok(())
        })
        .await
    })
    .await
}

/// Waits until the open service panel is shown (`true`) or hidden (`false`).
async fn panel_displayed(page: &WebDriver, shown: bool) -> TestResult {
    let what = if shown {
        "the service panel shown"
    } else {
        "the service panel hidden"
    };
    eventually(Duration::from_secs(10), what, || async move {
        let panel = page.find(By::Css("[data-testid='service-panel']")).await?;
        Ok((panel.is_displayed().await? == shown).then_some(()))
    })
    .await
}

/// Fails when the page scrolls sideways: something is wider than the window. Names the widest culprits.
async fn assert_fits(page: &WebDriver, what: &str) -> TestResult {
    let script = r#"
        const limit = document.documentElement.clientWidth;
        const over = [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > limit + 1 && e.offsetParent !== null)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className || ""}[${e.dataset.testid || ""}] ${Math.round(e.getBoundingClientRect().right)}px`);
        return [document.documentElement.scrollWidth, limit, over.slice(-6).join(" | ")];
    "#;
    let measured: (i64, i64, String) = page.execute(script, Vec::new()).await?.convert()?;
    match measured {
        (scroll, width, _) if scroll <= width => Ok(()),
        (scroll, width, culprits) => Err(format!(
            "{what} is wider than the window ({scroll} > {width} px): {culprits}"
        )
        .into()),
    }
}

/// The page is painted in `theme`: the body's background is dark exactly when the theme is.
async fn assert_theme(page: &WebDriver, theme: &str) -> TestResult {
    let script = r#"
        const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) < 128 ? "dark" : "light";
    "#;
    let painted: String = page.execute(script, Vec::new()).await?.convert()?;
    if painted == theme {
        Ok(())
    } else {
        Err(format!("the page is painted {painted}, the theme is {theme}").into())
    }
}
