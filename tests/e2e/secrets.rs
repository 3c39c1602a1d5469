//! Organizations → Secrets and configs: a secret created from a typed value (the value never shown again),
//! attached to the organization's service and read inside its task, then refused removal while in use.

use swarmdeck_tests::{exec, fast_run, fixture_request, with_orgs, TestResult};
use thirtyfour::prelude::*;

use crate::{click, fill, screenshot, text_of, with_app};

/// Picks the option with `value` in the select with this test id.
async fn choose(page: &WebDriver, test_id: &str, value: &str) -> TestResult {
    page.query(By::Css(format!(
        "[data-testid='{test_id}'] option[value='{value}']"
    )))
    .first()
    .await?
    .click()
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_secret_created_in_the_card_is_attached_and_read_in_the_task() -> TestResult {
    with_orgs(&["secretui"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let service = orchestrator
            .deploy(&fixture_request(&org, "web", "v1"), &fast_run())
            .await?
            .service_name;
        let in_ui = with_app(|page| {
            let (org, service) = (org.clone(), service.clone());
            async move {
                click(&page, "tab-organizations").await?;
                choose(&page, "secrets-org", &org).await?;
                fill(&page, "secret-name", "api-key").await?;
                fill(&page, "secret-value", "typed-in-the-app").await?;
                click(&page, "secret-create").await?;
                text_of(&page, "secret-result", |t| {
                    t.contains("Created secret api-key")
                })
                .await?;
                text_of(&page, "secret-secret-api-key", |t| t.contains("unused")).await?;
                text_of(&page, "secrets-card", |t| !t.contains("typed-in-the-app")).await?;

                page.query(By::Css("[data-testid='secret-secret-api-key'] button"))
                    .first()
                    .await?
                    .click()
                    .await?;
                choose(&page, "secret-attach-to", &service).await?;
                click(&page, "secret-attach").await?;
                text_of(&page, "secret-result", |t| t.contains("Attached api-key")).await?;
                text_of(&page, "secret-secret-api-key", |t| t.contains(&service)).await?;
                screenshot(&page, "secrets").await?;

                click(&page, "secret-remove").await?;
                text_of(&page, "secrets-card", |t| t.contains("is used by")).await?;
                Ok(())
            }
        })
        .await;
        in_ui?;
        let status = orchestrator.service_status(&service).await?;
        let container = status
            .tasks
            .iter()
            .find(|task| task.state == "running" && task.desired_state == "running")
            .and_then(|task| task.container_id.clone())
            .ok_or("no running task")?;
        let (code, read) = exec(
            orchestrator.docker(),
            &container,
            &["/fixture", "cat", "/run/secrets/api-key"],
        )
        .await?;
        assert_eq!((code, read.as_str()), (0, "typed-in-the-app"));
        Ok(())
    })
    .await
}
