use swarmdeck_orchestrator::{naming, Error, RunOptions};
use swarmdeck_tests::{with_orgs, TestResult};

use crate::fixture_request;

#[tokio::test]
async fn invalid_requests_name_the_field_and_create_nothing() -> TestResult {
    with_orgs(&["invalid"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let mut cases = Vec::new();
        let mut bad = fixture_request(org, "web", "v1");
        bad.slug = "Web_1".into();
        cases.push(("slug", bad));
        let mut bad = fixture_request(org, "web", "v1");
        bad.image_name = "Fixture".into();
        cases.push(("image_name", bad));
        let mut bad = fixture_request(org, "web", "v1");
        bad.resources.cpu_cores = 32.0;
        cases.push(("resources.cpu_cores", bad));
        let mut bad = fixture_request(org, "web", "v1");
        bad.resources.memory_mb = 64;
        cases.push(("resources.memory_mb", bad));
        let mut bad = fixture_request(org, "web", "v1");
        bad.resources.disk_gb = 0;
        cases.push(("resources.disk_gb", bad));
        let mut bad = fixture_request(org, "web", "v1");
        bad.env.insert("BAD-NAME".into(), "x".into());
        cases.push(("env.BAD-NAME", bad));
        let mut bad = fixture_request(org, "web", "v1");
        bad.replicas = 1000;
        cases.push(("replicas", bad));
        let mut bad = fixture_request(org, "web", "v1");
        bad.org_id = "Org!".into();
        cases.push(("org_id", bad));
        for (field, request) in cases {
            match orchestrator.deploy(&request, &RunOptions::default()).await {
                Err(Error::Invalid { field: named, rule }) => {
                    assert_eq!(named, field, "rule: {rule}");
                    assert!(!rule.is_empty());
                }
                other => panic!("{field}: expected a validation error, got {other:?}"),
            }
        }
        assert!(
            orchestrator.find_org_network(org).await?.is_none(),
            "no network may be created"
        );
        assert!(
            orchestrator.list_org_services(org).await?.is_empty(),
            "no service may be created"
        );
        assert!(orchestrator
            .deployment_history(&naming::service_name(org, "web"))
            .await?
            .is_empty());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn more_cpu_than_any_node_has_is_refused_with_the_capacity() -> TestResult {
    with_orgs(&["capacity"], |orchestrator, orgs| async move {
        let mut request = fixture_request(&orgs[0], "big", "v1");
        request.resources.cpu_cores = 16.0;
        match orchestrator.deploy(&request, &RunOptions::default()).await {
            Err(Error::InsufficientCapacity {
                resource,
                available,
                ..
            }) => {
                assert_eq!(resource, "cpu");
                assert!(available.contains("cores"), "{available}");
            }
            other => panic!("expected a capacity error, got {other:?}"),
        }
        assert!(orchestrator.list_org_services(&orgs[0]).await?.is_empty());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_missing_image_is_refused_before_any_service_exists() -> TestResult {
    with_orgs(&["noimage"], |orchestrator, orgs| async move {
        let mut request = fixture_request(&orgs[0], "ghost", "v1");
        request.image_tag = "does-not-exist".into();
        let result = orchestrator.deploy(&request, &RunOptions::default()).await;
        assert!(
            matches!(result, Err(Error::ImageUnavailable { .. })),
            "{result:?}"
        );
        assert!(orchestrator.list_org_services(&orgs[0]).await?.is_empty());
        Ok(())
    })
    .await
}

/// A gate timeout past any sane bound from the CLI is a field error, not a panic, and nothing is created.
#[tokio::test]
async fn an_absurd_gate_timeout_from_the_cli_is_a_clear_error() -> TestResult {
    with_orgs(&["gatebound"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let output = std::process::Command::new(swarmdeck_tests::cli_binary()?)
            .args([
                "deploy",
                "--org",
                org,
                "--slug",
                "web",
                "--image",
                swarmdeck_tests::FIXTURE_REPO,
            ])
            .args(["--tag", "v1", "--gate-timeout", "1e15"])
            .output()?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("gate.timeout") && !stderr.contains("panicked"),
            "{stderr}"
        );
        assert!(orchestrator.find_org_network(org).await?.is_none());
        Ok(())
    })
    .await
}

/// A record whose stored spec breaks today's rules (written by an older version, or by hand) is refused by
/// `rollback --to` with the field and rule, and the running service is not touched.
#[tokio::test]
async fn rollback_to_a_record_that_fails_todays_validation_is_refused() -> TestResult {
    use base64::Engine as _;
    with_orgs(&["oldrecord"], |orchestrator, orgs| async move {
        let first = orchestrator
            .deploy(&fixture_request(&orgs[0], "web", "v1"), &swarmdeck_tests::fast_run())
            .await?;
        let docker = orchestrator.docker();
        let config_name = naming::record_config_name(&first.deployment_id);
        let config = docker.inspect_config(&config_name).await?;
        let mut spec = config.spec.unwrap_or_default();
        let engine = base64::engine::general_purpose::STANDARD;
        let mut record: serde_json::Value = serde_json::from_slice(&engine.decode(spec.data.take().unwrap_or_default())?)?;
        record["definition"]["resources"]["memory_mb"] = 64.into();
        spec.data = Some(engine.encode(serde_json::to_vec(&record)?));
        docker.delete_config(&config_name).await?;
        docker.create_config(spec).await?;
        let before = docker.inspect_service(&first.service_name, None).await?.version;

        let refused = orchestrator
            .rollback_to(&first.service_name, &first.deployment_id, &swarmdeck_tests::fast_run())
            .await;
        assert!(
            matches!(refused, Err(Error::Invalid { ref field, .. }) if field == "resources.memory_mb"),
            "{refused:?}"
        );
        let after = docker.inspect_service(&first.service_name, None).await?.version;
        assert_eq!(before, after, "the service was written");
        Ok(())
    })
    .await
}
