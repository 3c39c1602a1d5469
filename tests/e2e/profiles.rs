//! Several swarms from one window: a Docker context made by `docker context create` (TLS, to a second engine
//! started with `--tlsverify`) is the profile of a first start because it is docker's current context, and is
//! listed read-only in Settings; profiles made in Settings (a plain socket, and TLS with certificate paths) switch
//! the engine, and the views, the window title and the badge follow while the old engine's log follow ends; a deploy
//! from the app under the TLS profile runs on the TLS swarm.

use std::time::Duration;

use serde_json::json;
use swarmdeck_orchestrator::naming;
use swarmdeck_tests::scratch::ScratchEngine;
use swarmdeck_tests::tls::text;
use swarmdeck_tests::{
    docker_with_config, eventually, fast_run, fixture_request, orchestrator_on, with_orgs,
    CountingProxy, TestResult,
};
use thirtyfour::prelude::*;

use crate::panel::{deploy, open_panel};
use crate::{attribute_of, click, fill, screenshot, text_of, with_app_env};

/// Picks `value` in the `<select>` of `test_id` as a user would (the change event included).
async fn choose(page: &WebDriver, test_id: &str, value: &str) -> TestResult {
    let select = page
        .find(By::Css(format!("[data-testid='{test_id}']")))
        .await?;
    page.execute(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
        vec![select.to_json()?, json!(value)],
    )
    .await?;
    Ok(())
}

async fn badge_names(page: &WebDriver, profile: &str) -> TestResult {
    if let Err(error) = text_of(page, "connection-profile", |t| t == profile).await {
        screenshot(page, "profile-badge-failed").await?;
        return Err(error);
    }
    text_of(page, "connection-state", |t| t == "connected").await?;
    let title = format!("Swarmdeck — {profile}");
    eventually(
        Duration::from_secs(10),
        "the window title to name the profile",
        || {
            let page = page.clone();
            let title = title.clone();
            async move { Ok((page.title().await? == title).then_some(())) }
        },
    )
    .await
}

async fn save_settings(page: &WebDriver) -> TestResult {
    click(page, "settings-save").await?;
    text_of(page, "settings-result", |t| t.starts_with("Saved")).await?;
    Ok(())
}

#[tokio::test]
async fn a_docker_context_and_profiles_switch_between_a_local_and_a_tls_swarm_ending_the_old_follows(
) -> TestResult {
    let scratch = ScratchEngine::start_tls_swarm().await?;
    with_orgs(&["profiles"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let web = deploy(&orchestrator, &org, "v1", &[("LOG_LINES_PER_SEC", "5")])
            .await?
            .service_name;
        let remote = orchestrator_on(scratch.docker().await?);
        let api = remote
            .deploy(&fixture_request(&org, "api", "v1"), &fast_run())
            .await?
            .service_name;
        let tls = scratch.tls_files()?;
        let config = tls.dir.join("docker-config");
        std::fs::create_dir_all(&config)?;
        let context_endpoint = tls.docker_context_endpoint(&scratch.tls_url()?);
        docker_with_config(
            &config,
            &[
                "context",
                "create",
                "tls-engine",
                "--docker",
                &context_endpoint,
            ],
        )?;
        docker_with_config(&config, &["context", "use", "tls-engine"])?;
        let proxy = CountingProxy::start().await?;
        let counted = proxy.docker_host();
        let env = [
            ("DOCKER_CONFIG", config.to_str().ok_or("config path")?),
            ("DOCKER_HOST", ""),
            ("DOCKER_CONTEXT", ""),
        ];
        let tls_url = scratch.tls_url()?;
        let (ca, cert, key) = (text(&tls.ca), text(&tls.client_cert), text(&tls.client_key));
        let remote_in_app = remote.clone();
        with_app_env(&env, |page| async move {
            let remote = remote_in_app;
            // docker's current context is the profile of a first start.
            badge_names(&page, "tls-engine (docker context)").await?;
            text_of(&page, &format!("service-{api}"), |t| t.contains("1/1")).await?;

            click(&page, "tab-settings").await?;
            text_of(&page, "settings-context-tls-engine", |t| {
                t.contains(&tls_url)
                    && t.contains("with TLS")
                    && t.contains("docker's current context")
            })
            .await?;
            screenshot(&page, "settings-docker-contexts").await?;

            // A profile of the local engine, through a proxy that counts its open log streams.
            click(&page, "settings-add-profile").await?;
            fill(&page, "settings-name-1", "counted").await?;
            fill(&page, "settings-url-1", &counted).await?;
            click(&page, "settings-active-1").await?;
            save_settings(&page).await?;
            badge_names(&page, "counted").await?;
            click(&page, "tab-home").await?;
            open_panel(&page, &web).await?;
            click(&page, "panel-section-logs").await?;
            attribute_of(&page, "logs-view", "data-state", |s| s == "following").await?;
            eventually(
                Duration::from_secs(15),
                "a log stream of the local engine",
                || async { Ok((proxy.open_with("/logs") >= 1).then_some(())) },
            )
            .await?;

            // A TLS profile typed in Settings, with the certificates where the test keeps them.
            click(&page, "tab-settings").await?;
            click(&page, "settings-add-profile").await?;
            fill(&page, "settings-name-2", "tls-direct").await?;
            choose(&page, "settings-kind-2", "tls").await?;
            fill(&page, "settings-url-2", &tls_url).await?;
            fill(&page, "settings-ca_path-2", &ca).await?;
            fill(&page, "settings-cert_path-2", &cert).await?;
            fill(&page, "settings-key_path-2", &key).await?;
            click(&page, "settings-active-2").await?;
            save_settings(&page).await?;
            badge_names(&page, "tls-direct").await?;
            eventually(
                Duration::from_secs(15),
                "the old engine's log follow to end",
                || async { Ok((proxy.open_with("/logs") == 0).then_some(())) },
            )
            .await?;
            click(&page, "tab-home").await?;
            text_of(&page, &format!("service-{api}"), |t| t.contains("1/1")).await?;
            let panels = page
                .find_all(By::Css("[data-testid='service-panel']"))
                .await?;
            assert!(
                panels.is_empty(),
                "the old engine's service panel stayed open"
            );
            let local_rows = page
                .find_all(By::Css(format!("[data-testid='service-{web}']")))
                .await?;
            assert!(
                local_rows.is_empty(),
                "the local engine's service is listed under the TLS profile"
            );
            screenshot(&page, "profile-tls-direct").await?;

            // A deploy from the app lands on the TLS swarm.
            click(&page, "tab-deploy").await?;
            fill(&page, "deploy-org", &org).await?;
            fill(&page, "deploy-slug", "viatls").await?;
            fill(&page, "deploy-image", "swarmdeck-fixture").await?;
            fill(&page, "deploy-tag", "v2").await?;
            fill(&page, "deploy-port", "8080").await?;
            click(&page, "deploy-submit").await?;
            let via_tls = naming::service_name(&org, "viatls");
            text_of(&page, "deploy-result", |t| t.contains(&via_tls)).await?;
            assert_eq!(
                remote.service_status(&via_tls).await?.running,
                1,
                "deployed on the TLS swarm"
            );

            // And back to the local engine.
            click(&page, "tab-settings").await?;
            click(&page, "settings-active-1").await?;
            save_settings(&page).await?;
            badge_names(&page, "counted").await?;
            click(&page, "tab-home").await?;
            text_of(&page, &format!("service-{web}"), |t| t.contains("1/1")).await?;
            Ok(())
        })
        .await?;
        Ok(())
    })
    .await
}
