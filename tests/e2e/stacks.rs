//! The Stacks tab: a compose file pasted, previewed service by service, deployed with progress per service, updated,
//! and the stack rolled back — each step checked against the engine.

use swarmdeck_orchestrator::naming;
use swarmdeck_tests::{with_orgs, TestResult};

use crate::{attribute_of, click, fill, screenshot, text_of, with_app};

/// A cache and a front end that is healthy only while it reaches the cache by name over the org network. Flow
/// style, one service a line: the textarea keeps exactly what is typed, so no indentation depends on an editor.
fn compose(vote_tag: &str) -> String {
    let deploy = "deploy: {endpoint_mode: dnsrr, update_config: {delay: 0s, monitor: 2s}}";
    format!(
        "services:\n  redis: {{image: \"swarmdeck-fixture:v1\", environment: {{VERSION: redis}}, \
         healthcheck: {{test: [CMD, /fixture, health], interval: 1s, timeout: 3s, retries: 3}}, {deploy}}}\n  \
         vote: {{image: \"swarmdeck-fixture:{vote_tag}\", depends_on: [redis], \
         healthcheck: {{test: [CMD, /fixture, get, \"redis:8080\", /health], interval: 1s, timeout: 3s, retries: 3}}, \
         {deploy}}}\n"
    )
}

/// Text as keys: WebKitWebDriver drops a plain newline character, the Enter key makes one.
fn typed(text: &str) -> String {
    text.replace('\n', "\u{E007}")
}

#[tokio::test]
async fn a_pasted_compose_file_is_previewed_deployed_with_progress_per_service_and_rolled_back(
) -> TestResult {
    with_orgs(&["stackui"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let vote = naming::service_name(&org, "vote");
        with_app(|page| async move {
            click(&page, "tab-stacks").await?;
            fill(&page, "stack-org", &org).await?;
            fill(&page, "stack-text", &typed(&compose("v1"))).await?;
            click(&page, "stack-preview").await?;
            attribute_of(&page, "stack-row-vote", "data-action", |a| a == "create").await?;
            attribute_of(&page, "stack-row-redis", "data-action", |a| a == "create").await?;
            screenshot(&page, "stacks-preview").await?;
            click(&page, "stack-deploy").await?;
            for slug in ["redis", "vote"] {
                attribute_of(&page, &format!("stack-row-{slug}"), "data-state", |s| {
                    s == "deployed"
                })
                .await?;
            }
            text_of(&page, "stack-result", |t| t.contains("done")).await?;
            screenshot(&page, "stacks-deployed").await?;

            fill(&page, "stack-text", &typed(&compose("v2"))).await?;
            click(&page, "stack-preview").await?;
            attribute_of(&page, "stack-row-vote", "data-action", |a| a == "update").await?;
            attribute_of(&page, "stack-row-redis", "data-action", |a| {
                a == "unchanged"
            })
            .await?;
            text_of(&page, "stack-row-vote", |t| {
                t.contains("swarmdeck-fixture:v2")
            })
            .await?;
            click(&page, "stack-deploy").await?;
            attribute_of(&page, "stack-row-vote", "data-state", |s| s == "deployed").await?;
            assert_eq!(
                orchestrator.service_definition(&vote).await?.image,
                "swarmdeck-fixture:v2"
            );

            click(&page, "stack-rollback-previous").await?;
            click(&page, "stack-rollback-previous").await?;
            attribute_of(&page, "stack-row-vote", "data-state", |s| s == "deployed").await?;
            text_of(&page, "stack-result", |t| t.contains("done")).await?;
            assert_eq!(
                orchestrator.service_definition(&vote).await?.image,
                "swarmdeck-fixture:v1"
            );
            text_of(&page, "stack-history", |t| t.contains("rollback to")).await?;
            screenshot(&page, "stacks-history").await
        })
        .await
    })
    .await
}
