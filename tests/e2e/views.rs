//! Views over several organizations: the isolation matrix.

use swarmdeck_tests::{create_bridge, fast_run, fixture_request, with_orgs, TestResult};
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
            // The bridge belongs to b: b reaching its own bridge is no leak, and b still cannot reach a.
            attribute_of(&page, &b_to_a, "data-verdict", |v| v == "isolated").await?;
            click(&page, &a_to_b).await?;
            text_of(&page, "isolation-evidence", |t| t.contains("bridge")).await?;
            screenshot(&page, "isolation-leak").await
        })
        .await
    })
    .await
}
