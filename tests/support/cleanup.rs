//! Removal of what the suites created: one organization's resources after a test, and every labelled leftover
//! of crashed runs.

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::{
    ListConfigsOptions, ListImagesOptions, ListNetworksOptions, ListSecretsOptions,
    ListServicesOptions, ListVolumesOptions, RemoveImageOptions, RemoveVolumeOptions,
};
use bollard::Docker;

use swarmdeck_orchestrator::naming::label;
use swarmdeck_orchestrator::Orchestrator;

use crate::{TestResult, FIXTURE_REPO, TEST_LABEL_VALUE};

/// Removes everything of one organization: services, records, keep tags, secrets, configs, network, volumes.
pub async fn cleanup(orchestrator: &Orchestrator, org: &str) {
    remove_services_and_records(orchestrator, org).await;
    remove_org_networks(orchestrator.docker(), org).await;
}

/// Removes secrets, configs and volumes labelled with the filter (an organization's, or every test's).
pub(crate) async fn remove_files_and_volumes(docker: &Docker, filter: &str) -> usize {
    let filters = HashMap::from([("label".to_string(), vec![filter.to_string()])]);
    let mut removed = 0;
    let secrets = docker
        .list_secrets(Some(ListSecretsOptions {
            filters: Some(filters.clone()),
        }))
        .await
        .unwrap_or_default();
    for secret in secrets {
        removed += usize::from(
            docker
                .delete_secret(secret.id.as_deref().unwrap_or_default())
                .await
                .is_ok(),
        );
    }
    let configs = docker
        .list_configs(Some(ListConfigsOptions {
            filters: Some(filters.clone()),
        }))
        .await
        .unwrap_or_default();
    for config in configs {
        removed += usize::from(
            docker
                .delete_config(config.id.as_deref().unwrap_or_default())
                .await
                .is_ok(),
        );
    }
    // A volume stays in use until the containers of removed tasks are gone: a few seconds.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let volumes = docker
            .list_volumes(Some(ListVolumesOptions {
                filters: Some(filters.clone()),
            }))
            .await
            .ok()
            .and_then(|listed| listed.volumes)
            .unwrap_or_default();
        let mut remaining = 0;
        for volume in volumes {
            match docker
                .remove_volume(&volume.name, None::<RemoveVolumeOptions>)
                .await
            {
                Ok(()) => removed += 1,
                Err(_) => remaining += 1,
            }
        }
        if remaining == 0 || tokio::time::Instant::now() > deadline {
            return removed;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Removes an organization's services, records and keep tags, ignoring what is already gone.
pub(crate) async fn remove_services_and_records(orchestrator: &Orchestrator, org: &str) {
    let docker = orchestrator.docker();
    let filters = HashMap::from([("label".to_string(), vec![format!("{}={org}", label::ORG)])]);
    let services = docker
        .list_services(Some(ListServicesOptions {
            filters: Some(filters.clone()),
            status: None,
        }))
        .await
        .unwrap_or_default();
    for service in &services {
        let _ = docker
            .delete_service(service.id.as_deref().unwrap_or_default())
            .await;
    }
    // Records outlive services that never started, so they are found by their own org label.
    let records = docker
        .list_configs(Some(ListConfigsOptions {
            filters: Some(filters.clone()),
        }))
        .await
        .unwrap_or_default();
    let mut service_names: Vec<String> = records
        .iter()
        .filter_map(|config| {
            config
                .spec
                .as_ref()?
                .labels
                .as_ref()?
                .get(label::HISTORY_SERVICE)
                .cloned()
        })
        .collect();
    service_names.sort();
    service_names.dedup();
    for name in service_names {
        let _ = orchestrator.purge_history(&name).await;
    }
    let _ = orchestrator.purge_stack_history(org).await;
    remove_files_and_volumes(docker, &format!("{}={org}", label::ORG)).await;
}

pub(crate) async fn remove_org_networks(docker: &Docker, org: &str) {
    let filters = HashMap::from([("label".to_string(), vec![format!("{}={org}", label::ORG)])]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let networks = docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters.clone()),
            }))
            .await
            .unwrap_or_default();
        let mut remaining = 0;
        for network in networks {
            if docker
                .remove_network(network.id.as_deref().unwrap_or_default())
                .await
                .is_err()
            {
                remaining += 1;
            }
        }
        // Tasks of just-removed services hold the network for a few seconds.
        if remaining == 0 || tokio::time::Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Removes every resource labelled as a test resource (leftovers of crashed runs).
pub async fn sweep(docker: &Docker) -> TestResult<usize> {
    let test_label = format!("{}={TEST_LABEL_VALUE}", label::TEST);
    let filters = HashMap::from([("label".to_string(), vec![test_label.clone()])]);
    let mut removed = 0;
    let services = docker
        .list_services(Some(ListServicesOptions {
            filters: Some(filters.clone()),
            status: None,
        }))
        .await?;
    let mut orgs = Vec::new();
    for service in services {
        docker
            .delete_service(service.id.as_deref().unwrap_or_default())
            .await?;
        if let Some(org) = service
            .spec
            .and_then(|s| s.labels?.get(label::ORG).cloned())
        {
            orgs.push(org);
        }
        removed += 1;
    }
    for config in docker
        .list_configs(Some(ListConfigsOptions {
            filters: Some(filters.clone()),
        }))
        .await?
    {
        docker
            .delete_config(config.id.as_deref().unwrap_or_default())
            .await?;
        removed += 1;
    }
    let networks = docker
        .list_networks(Some(ListNetworksOptions {
            filters: Some(filters.clone()),
        }))
        .await?;
    for network in networks {
        if let Some(org) = network.labels.and_then(|l| l.get(label::ORG).cloned()) {
            orgs.push(org);
        }
    }
    orgs.sort();
    orgs.dedup();
    for org in &orgs {
        remove_org_networks(docker, org).await;
        removed += 1;
    }
    removed += remove_files_and_volumes(docker, &test_label).await;
    for image in docker.list_images(None::<ListImagesOptions>).await? {
        for tag in image.repo_tags {
            if tag.starts_with(&format!("{FIXTURE_REPO}:swarmdeck-")) {
                let _ = docker
                    .remove_image(&tag, None::<RemoveImageOptions>, None)
                    .await;
                removed += 1;
            }
        }
    }
    Ok(removed)
}
