use std::collections::HashMap;

use bollard::models::NetworkCreateRequest;
use swarmdeck_orchestrator::{naming, Error};
use swarmdeck_tests::{fast_run, with_orgs, TestResult};

use crate::fixture_request;

#[tokio::test]
async fn org_network_is_encrypted_attachable_labelled_and_found_by_exact_name() -> TestResult {
    with_orgs(&["net"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let docker = orchestrator.docker();
        // A network whose name merely starts like ours must never be taken for it.
        docker
            .create_network(NetworkCreateRequest {
                name: format!("{}-decoy", naming::network_name(org)),
                driver: Some("overlay".into()),
                labels: Some(HashMap::from([
                    ("io.swarmdeck.org".to_string(), org.clone()),
                    (
                        "io.swarmdeck.test".to_string(),
                        "swarmdeck-tests".to_string(),
                    ),
                ])),
                ..Default::default()
            })
            .await?;
        let created = orchestrator.ensure_org_network(org).await?;
        assert!(created.created);
        assert_eq!(created.name, naming::network_name(org));
        let again = orchestrator.ensure_org_network(org).await?;
        assert!(!again.created);
        assert_eq!(again.id, created.id);
        let inspected = docker.inspect_network(&created.id, None).await?;
        assert_eq!(inspected.driver.as_deref(), Some("overlay"));
        assert_eq!(inspected.attachable, Some(true));
        assert!(inspected
            .options
            .unwrap_or_default()
            .contains_key("encrypted"));
        let labels = inspected.labels.unwrap_or_default();
        assert_eq!(
            labels.get("io.swarmdeck.managed-by").map(String::as_str),
            Some("swarmdeck")
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn removing_a_network_in_use_is_refused_naming_the_services() -> TestResult {
    with_orgs(&["netuse"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let deployed = orchestrator
            .deploy(&fixture_request(org, "db", "v1"), &fast_run())
            .await?;
        match orchestrator.remove_org_network(org).await {
            Err(Error::NetworkInUse { services, .. }) => {
                assert_eq!(services, vec![deployed.service_name.clone()])
            }
            other => panic!("expected the network to be in use, got {other:?}"),
        }
        orchestrator.remove_service(&deployed.service_name).await?;
        assert!(orchestrator
            .deployment_history(&deployed.service_name)
            .await?
            .is_empty());
        orchestrator.remove_org_network(org).await?;
        assert!(orchestrator.find_org_network(org).await?.is_none());
        Ok(())
    })
    .await
}
