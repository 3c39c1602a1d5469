//! The Stacks tab: a compose file pasted, previewed service by service, deployed with progress per service, updated,
//! and the stack rolled back; a stack made by `docker stack deploy` adopted through its card — each step checked
//! against the engine.

use std::process::Command;

use swarmdeck_orchestrator::naming;
use swarmdeck_tests::{docker_stack_deploy, with_orgs, TestResult};

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

#[tokio::test]
async fn a_stack_made_by_docker_is_adopted_through_its_card_after_a_preview() -> TestResult {
    with_orgs(&["adoptui"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let namespace = format!("{org}-outside");
        docker_stack_deploy(
            &namespace,
            "services:\n  api:\n    image: swarmdeck-fixture:v1\n    environment: {VERSION: outside}\n",
        )?;
        let outcome = with_app(|page| {
            let (org, namespace) = (org.clone(), namespace.clone());
            async move {
                click(&page, "tab-stacks").await?;
                click(&page, &format!("foreign-choose-{namespace}")).await?;
                fill(&page, "adopt-org", &org).await?;
                click(&page, "adopt-preview").await?;
                attribute_of(&page, "adopt-row-api", "data-action", |a| a == "create").await?;
                click(&page, "adopt-run").await?;
                text_of(&page, "adopt-run", |t| t.contains(&format!("into {org}"))).await?;
                click(&page, "adopt-run").await?;
                text_of(&page, "adopt-result", |t| t.contains(&format!("Adopted into {org}"))).await?;
                screenshot(&page, "stacks-adopted").await
            }
        })
        .await;
        let adopted = async {
            outcome?;
            let api = orchestrator
                .service_definition(&naming::service_name(&org, "api"))
                .await?;
            assert_eq!(api.env.get("VERSION").map(String::as_str), Some("outside"));
            assert!(
                !orchestrator
                    .foreign_stacks()
                    .await?
                    .iter()
                    .any(|s| s.namespace == namespace),
                "the original stack is still there"
            );
            TestResult::Ok(())
        }
        .await;
        let _ = Command::new("docker")
            .args(["stack", "rm", &namespace])
            .output();
        adopted
    })
    .await
}
