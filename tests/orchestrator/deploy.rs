use bollard::models::{ServiceSpecUpdateConfigFailureActionEnum, ServiceSpecUpdateConfigOrderEnum};
use swarmdeck_orchestrator::{naming, DiskEnforcement, EndpointMode, RunOptions};
use swarmdeck_tests::{exec, fast_run, with_orgs, TestResult, FIXTURE_PORT};

use crate::fixture_request;

#[tokio::test]
async fn deploy_runs_and_both_aliases_resolve_from_a_sibling() -> TestResult {
    with_orgs(&["deploy"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let mut web = fixture_request(org, "web", "v1");
        web.endpoint_mode = EndpointMode::Dnsrr;
        let deployed = orchestrator.deploy(&web, &fast_run()).await?;
        assert!(deployed.created);
        assert_eq!(deployed.service_name, naming::service_name(org, "web"));
        assert!(
            matches!(deployed.disk, DiskEnforcement::NotEnforced { ref reason } if !reason.is_empty()),
            "the disk size must be reported as not enforced here, never silently claimed"
        );
        let client = orchestrator.deploy(&fixture_request(org, "client", "v1"), &fast_run()).await?;
        let container = client.container_id.ok_or("deploy returned no running container")?;

        let status = orchestrator.service_status(&deployed.service_name).await?;
        assert_eq!((status.desired, status.running), (1, 1));
        assert_eq!(status.deployment_id.as_deref(), Some(deployed.deployment_id.as_str()));
        assert!(status.tasks.iter().any(|t| t.state == "running"));

        let docker = orchestrator.docker();
        for alias in ["web", "web.internal"] {
            let (code, output) = exec(docker, &container, &["/fixture", "resolve", alias]).await?;
            assert_eq!(code, 0, "{alias} must resolve from a sibling: {output}");
        }
        // Virtual IPs need IPVS, missing on some hosts; the task IPs behind the alias answer everywhere.
        let (code, body) = exec(docker, &container, &["/fixture", "get", &format!("web.internal:{FIXTURE_PORT}"), "/version"]).await?;
        assert_eq!((code, body.trim()), (0, "v1"));
        Ok(())
    })
    .await
}

#[tokio::test]
async fn every_spec_write_carries_the_update_policy() -> TestResult {
    with_orgs(&["policy"], |orchestrator, orgs| async move {
        let mut request = fixture_request(&orgs[0], "api", "v1");
        request.update_policy = None;
        let run = RunOptions { ..fast_run() };
        let deployed = orchestrator.deploy(&request, &run).await?;
        let assert_policy = |spec: bollard::models::ServiceSpec, path: &str| {
            let update = spec.update_config.unwrap_or_default();
            assert_eq!(
                update.order,
                Some(ServiceSpecUpdateConfigOrderEnum::START_FIRST),
                "{path}"
            );
            assert_eq!(
                update.failure_action,
                Some(ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK),
                "{path}"
            );
            assert_eq!(update.monitor, Some(15_000_000_000), "{path}");
            assert_eq!(update.delay, Some(10_000_000_000), "{path}");
            assert_eq!(update.parallelism, Some(1), "{path}");
            assert_eq!(update.max_failure_ratio, Some(0.3), "{path}");
            assert!(spec.rollback_config.is_some(), "{path}");
        };
        let docker = orchestrator.docker();
        let inspect = |name: String| async move { docker.inspect_service(&name, None).await };
        assert_policy(
            inspect(deployed.service_name.clone())
                .await?
                .spec
                .unwrap_or_default(),
            "create",
        );
        orchestrator.scale(&deployed.service_name, 2).await?;
        assert_policy(
            inspect(deployed.service_name.clone())
                .await?
                .spec
                .unwrap_or_default(),
            "scale",
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn scale_changes_running_replicas() -> TestResult {
    with_orgs(&["scale"], |orchestrator, orgs| async move {
        let deployed = orchestrator
            .deploy(&fixture_request(&orgs[0], "worker", "v1"), &fast_run())
            .await?;
        orchestrator.scale(&deployed.service_name, 3).await?;
        let name = deployed.service_name.clone();
        swarmdeck_tests::eventually(
            std::time::Duration::from_secs(60),
            "3 running replicas",
            || {
                let orchestrator = orchestrator.clone();
                let name = name.clone();
                async move {
                    let status = orchestrator.service_status(&name).await?;
                    Ok((status.desired == 3 && status.running == 3).then_some(()))
                }
            },
        )
        .await?;
        orchestrator.scale(&deployed.service_name, 1).await?;
        let status = orchestrator.service_status(&deployed.service_name).await?;
        assert_eq!(status.desired, 1);
        let summaries = orchestrator.list_org_services(&orgs[0]).await?;
        assert_eq!(summaries.len(), 1);
        assert_eq!(summaries[0].slug.as_deref(), Some("worker"));
        Ok(())
    })
    .await
}
