//! Organization overlay networks.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{Network, NetworkCreateRequest, Service};
use bollard::query_parameters::{ListNetworksOptions, ListServicesOptions};
use tracing::{info, warn};

use crate::error::{Error, Result};
use crate::model::{OrgNetwork, ServiceSummary};
use crate::naming::{self, label, MANAGED_BY};
use crate::retry::{retry_transient, wait_until, Backoff};
use crate::{validate, Orchestrator};

/// How long removal keeps retrying while the engine still counts just-removed tasks as users.
const REMOVE_DEADLINE: Duration = Duration::from_secs(45);

impl Orchestrator {
    /// Creates the organization's encrypted, attachable overlay network unless it exists.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn ensure_org_network(&self, org_id: &str) -> Result<OrgNetwork> {
        validate::org_id(org_id)?;
        self.ensure_swarm().await?;
        if let Some(existing) = self.find_org_network(org_id).await? {
            return Ok(org_network(existing, false));
        }
        let name = naming::network_name(org_id);
        let request = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("overlay".to_string()),
            attachable: Some(true),
            options: Some(HashMap::from([("encrypted".to_string(), String::new())])),
            labels: Some(self.labels([
                (label::MANAGED_BY, MANAGED_BY.to_string()),
                (label::ORG, org_id.to_string()),
                (label::NETWORK_ORG, org_id.to_string()),
            ])),
            ..Default::default()
        };
        let created = retry_transient(Backoff::network_create(), "create network", || {
            self.docker.create_network(request.clone())
        })
        .await;
        match created {
            Ok(_) => info!(network = %name, "created organization network"),
            // A parallel deploy into the same organization created it first.
            Err(Error::Engine { status: 409, .. }) => {
                if let Some(existing) = self.find_org_network(org_id).await? {
                    return Ok(org_network(existing, false));
                }
                // Engines that refuse duplicate names: the name is held by a network that is not this org's.
                return Err(Error::NotOurs {
                    kind: "network",
                    name,
                    holder: format!("exists without Swarmdeck's labels for organization {org_id}"),
                });
            }
            Err(error) => return Err(error),
        }
        // Parallel creates can both succeed (moby#18864): keep the oldest and drop the rest.
        let mut found = self.org_networks(org_id).await?;
        found.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        let mut found = found.into_iter();
        let keep = found.next().ok_or_else(|| Error::NotFound {
            kind: "network",
            name: name.clone(),
        })?;
        for duplicate in found {
            if let Some(id) = duplicate.id.as_deref() {
                warn!(network = %name, %id, "removing a duplicate organization network");
                if let Err(error) = self.docker.remove_network(id).await {
                    warn!(%id, %error, "duplicate network could not be removed");
                }
            }
        }
        Ok(org_network(keep, true))
    }

    /// The organization's network, found by our labels and its exact name (the engine's name filter matches
    /// substrings).
    pub async fn find_org_network(&self, org_id: &str) -> Result<Option<Network>> {
        Ok(self
            .org_networks(org_id)
            .await?
            .into_iter()
            .min_by(|a, b| a.created.cmp(&b.created)))
    }

    async fn org_networks(&self, org_id: &str) -> Result<Vec<Network>> {
        let name = naming::network_name(org_id);
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{}={org_id}", label::NETWORK_ORG),
                format!("{}={MANAGED_BY}", label::MANAGED_BY),
            ],
        )]);
        let networks = self
            .docker
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters),
            }))
            .await?;
        Ok(networks
            .into_iter()
            .filter(|network| network.name.as_deref() == Some(name.as_str()))
            .collect())
    }

    /// The organization's services with their replica counts, in one call.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn list_org_services(&self, org_id: &str) -> Result<Vec<ServiceSummary>> {
        validate::org_id(org_id)?;
        let services = self
            .list_services_with_status(vec![
                format!("{}={org_id}", label::ORG),
                format!("{}={MANAGED_BY}", label::MANAGED_BY),
            ])
            .await?;
        Ok(services.iter().map(service_summary).collect())
    }

    /// Removes the organization's network; refused while services are attached to it.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn remove_org_network(&self, org_id: &str) -> Result<()> {
        validate::org_id(org_id)?;
        let network = self
            .find_org_network(org_id)
            .await?
            .ok_or_else(|| Error::NotFound {
                kind: "network",
                name: naming::network_name(org_id),
            })?;
        let id = network.id.clone().unwrap_or_default();
        let attached: Vec<String> = self
            .docker
            .list_services(None::<ListServicesOptions>)
            .await?
            .iter()
            .filter(|service| attached_networks(service).any(|target| target == id))
            .filter_map(|service| service.spec.as_ref()?.name.clone())
            .collect();
        if !attached.is_empty() {
            return Err(Error::NetworkInUse {
                network: naming::network_name(org_id),
                services: attached,
            });
        }
        // Tasks of a just-removed service keep the network busy for a few seconds.
        wait_until(
            REMOVE_DEADLINE,
            Duration::from_millis(500),
            "network to be released",
            || async {
                // The engine lists a removed overlay until its local copy is gone: done means not listed.
                if self.find_org_network(org_id).await?.is_none() {
                    return Ok(Some(()));
                }
                match self.docker.remove_network(&id).await {
                    Ok(()) => Ok(None),
                    Err(error) => {
                        let error = Error::from(error);
                        match error.engine_status() {
                            Some(404) => Ok(None),
                            Some(500) if is_gone(&error) => Ok(None),
                            Some(403 | 409) | Some(500) if is_in_use(&error) => Ok(None),
                            _ => Err(error),
                        }
                    }
                }
            },
        )
        .await
    }

    pub(crate) async fn list_services_with_status(
        &self,
        labels: Vec<String>,
    ) -> Result<Vec<Service>> {
        let options = ListServicesOptions {
            filters: Some(HashMap::from([("label".to_string(), labels)])),
            status: Some(true),
        };
        Ok(self.docker.list_services(Some(options)).await?)
    }

    /// One service with its replica counts, by exact name, in one call (the engine's name filter matches
    /// substrings, so the exact name is checked here). Whose it is, is the caller's to check: a service of that
    /// name that is not ours must be refused by name, not reported missing.
    pub(crate) async fn find_with_status(&self, service_name: &str) -> Result<Option<Service>> {
        let filters = HashMap::from([("name".to_string(), vec![service_name.to_string()])]);
        let options = ListServicesOptions {
            filters: Some(filters),
            status: Some(true),
        };
        Ok(self
            .docker
            .list_services(Some(options))
            .await?
            .into_iter()
            .find(|s| s.spec.as_ref().and_then(|spec| spec.name.as_deref()) == Some(service_name)))
    }
}

fn is_gone(error: &Error) -> bool {
    matches!(error, Error::Engine { message, .. } if message.contains("not found"))
}

fn is_in_use(error: &Error) -> bool {
    matches!(error, Error::Engine { message, .. } if message.contains("in use") || message.contains("active endpoints"))
}

/// Network ids a service's tasks attach to.
pub(crate) fn attached_networks(service: &Service) -> impl Iterator<Item = &str> {
    service
        .spec
        .iter()
        .flat_map(|spec| spec.task_template.iter())
        .flat_map(|task| task.networks.iter().flatten())
        .filter_map(|attachment| attachment.target.as_deref())
}

fn org_network(network: Network, created: bool) -> OrgNetwork {
    let subnets = network
        .ipam
        .as_ref()
        .and_then(|ipam| ipam.config.as_ref())
        .map(|configs| configs.iter().filter_map(|c| c.subnet.clone()).collect())
        .unwrap_or_default();
    OrgNetwork {
        id: network.id.unwrap_or_default(),
        name: network.name.unwrap_or_default(),
        created,
        subnets,
    }
}

pub(crate) fn service_summary(service: &Service) -> ServiceSummary {
    let spec = service.spec.as_ref();
    let status = service.service_status.as_ref();
    ServiceSummary {
        swarm_service_id: service.id.clone().unwrap_or_default(),
        service_name: spec.and_then(|s| s.name.clone()).unwrap_or_default(),
        slug: spec.and_then(|s| s.labels.as_ref()?.get(label::SLUG).cloned()),
        image: spec.and_then(crate::spec::image_of),
        desired: status.and_then(|s| s.desired_tasks).unwrap_or(0),
        running: status.and_then(|s| s.running_tasks).unwrap_or(0),
    }
}
