//! A private registry (the distribution registry with htpasswd auth, run locally): an image deploys with the
//! registry's login, is refused without it naming the registry before anything exists, and a tag that moved is
//! pulled again and its new digest pinned. The CLI takes the login from the Docker config, as `docker` does.

use std::process::Command;

use swarmdeck_orchestrator::{DeployRequest, Error};
use swarmdeck_tests::registry::{forget, Registry};
use swarmdeck_tests::{cli_binary, fast_run, with_orgs, TestResult};

use crate::fixture_request;

fn from_registry(org: &str, registry: &Registry) -> DeployRequest {
    let mut request = fixture_request(org, "web", "v1");
    request.image_name = format!("{}/team/app", registry.address);
    request.image_tag = "stable".to_string();
    request
}

#[tokio::test]
async fn a_private_image_deploys_with_its_login_is_refused_without_and_a_moved_tag_is_pulled_again(
) -> TestResult {
    let registry = Registry::start("ci", "s3cret-pass").await?;
    with_orgs(&["private"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let docker = orchestrator.docker().clone();
        let reference = registry
            .push_away(&docker, "swarmdeck-fixture:v1", "team/app", "stable")
            .await?;

        match orchestrator
            .deploy(&from_registry(org, &registry), &fast_run())
            .await
        {
            Err(Error::RegistryAuth {
                registry: named, ..
            }) => assert_eq!(named, registry.address),
            other => panic!("expected the registry to refuse, got {other:?}"),
        }
        assert!(
            orchestrator.find_org_network(org).await?.is_none(),
            "something was created"
        );

        let logged_in = orchestrator
            .clone()
            .with_registry_credentials([registry.credential.clone()]);
        let first = logged_in
            .deploy(&from_registry(org, &registry), &fast_run())
            .await?;
        assert!(
            first.image.digest_ref.is_some(),
            "a registry image is pinned by digest: {:?}",
            first.image
        );

        registry
            .push(&docker, "swarmdeck-fixture:v2", "team/app", "stable")
            .await?;
        // The local copy of the tag still names v1: only a pull sees that it moved.
        docker
            .tag_image(
                "swarmdeck-fixture:v1",
                Some(bollard::query_parameters::TagImageOptions {
                    repo: Some(format!("{}/team/app", registry.address)),
                    tag: Some("stable".to_string()),
                }),
            )
            .await?;
        let second = logged_in
            .deploy(&from_registry(org, &registry), &fast_run())
            .await?;
        assert_ne!(
            second.image.image_id, first.image.image_id,
            "the moved tag was not pulled again"
        );
        assert_ne!(second.image.digest_ref, first.image.digest_ref);

        let home = std::env::temp_dir().join(format!("swarmdeck-docker-config-{org}"));
        std::fs::create_dir_all(&home)?;
        let auth =
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "ci:s3cret-pass");
        std::fs::write(
            home.join("config.json"),
            serde_json::json!({ "auths": { registry.address.clone(): { "auth": auth } } })
                .to_string(),
        )?;
        let output = Command::new(cli_binary()?)
            .env("DOCKER_CONFIG", &home)
            .args([
                "deploy",
                "--org",
                org,
                "--slug",
                "cli",
                "--image",
                &format!("{}/team/app", registry.address),
            ])
            .args([
                "--tag",
                "stable",
                "--replicas",
                "1",
                "--gate-settle",
                "1",
                "--gate-poll",
                "1",
            ])
            .output()?;
        let _ = std::fs::remove_dir_all(&home);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The pushed tag names a fixture image; it goes with the registry.
        let _ = forget(&docker, &reference).await;
        drop(registry);
        Ok(())
    })
    .await
}
