//! Registry logins in Settings: a login added there (its password kept out of the settings file) lets the deploy
//! form deploy an image only a private registry has — the distribution registry with htpasswd, run locally.

use swarmdeck_orchestrator::naming;
use swarmdeck_tests::registry::{forget, Registry};
use swarmdeck_tests::{with_orgs, TestResult};

use crate::{click, fill, screenshot, text_of, with_app};

#[tokio::test]
async fn a_registry_login_added_in_settings_lets_the_deploy_form_deploy_a_private_image(
) -> TestResult {
    let registry = Registry::start("ci", "e2e-pass").await?;
    with_orgs(&["reglogin"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let docker = orchestrator.docker().clone();
        let reference = registry
            .push_away(&docker, "swarmdeck-fixture:v1", "team/app", "stable")
            .await?;
        let address = registry.address.clone();
        with_app(|page| async move {
            click(&page, "tab-settings").await?;
            fill(&page, "registry-server", &address).await?;
            fill(&page, "registry-username", "ci").await?;
            fill(&page, "registry-password", "e2e-pass").await?;
            click(&page, "registry-add").await?;
            text_of(&page, &format!("registry-login-{address}"), |t| {
                t.contains("ci")
            })
            .await?;
            screenshot(&page, "registry-login").await?;

            click(&page, "tab-deploy").await?;
            fill(&page, "deploy-org", &org).await?;
            fill(&page, "deploy-slug", "private").await?;
            fill(&page, "deploy-image", &format!("{address}/team/app")).await?;
            fill(&page, "deploy-tag", "stable").await?;
            fill(&page, "deploy-port", "8080").await?;
            click(&page, "deploy-submit").await?;
            let name = naming::service_name(&org, "private");
            text_of(&page, "deploy-result", |t| t.contains(&name)).await?;

            click(&page, "tab-settings").await?;
            click(&page, &format!("registry-remove-{address}")).await?;
            text_of(&page, "registry-logins", |t| !t.contains(&address)).await?;
            Ok(())
        })
        .await?;
        // The pushed tag names the fixture's image; it goes with the registry.
        let _ = forget(&docker, &reference).await;
        drop(registry);
        Ok(())
    })
    .await
}
