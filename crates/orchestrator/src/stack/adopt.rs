//! Stacks made outside Swarmdeck (`docker stack deploy`, label `com.docker.stack.namespace`): listed, exported as
//! a compose file, and adopted into an organization — each service recreated on the organization's network as a
//! stack deployment, the originals removed once every new one is healthy.

use std::collections::BTreeMap;

use bollard::models::{Service, ServiceSpec};
use bollard::query_parameters::ListServicesOptions;
use serde::{Deserialize, Serialize};
use tracing::info;

use super::plan::{self, Wanted};
use super::{StackPlan, StackResult, StackRunOptions, StackTrigger};
use crate::error::{Error, Result};
use crate::model::ServiceDefinition;
use crate::naming::{label, MANAGED_BY};
use crate::{spec, validate, Orchestrator};

/// The label `docker stack deploy` puts on everything of a stack.
pub const STACK_NAMESPACE: &str = "com.docker.stack.namespace";

/// A stack deployed outside Swarmdeck.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignStack {
    /// Its name (`docker stack deploy … NAME`).
    pub namespace: String,
    /// Its services' names.
    pub services: Vec<String>,
}

impl Orchestrator {
    /// Every stack `docker stack deploy` made that Swarmdeck does not manage.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn foreign_stacks(&self) -> Result<Vec<ForeignStack>> {
        let mut stacks: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for service in self.foreign_services(None).await? {
            let spec = service.spec.unwrap_or_default();
            let namespace = spec
                .labels
                .as_ref()
                .and_then(|l| l.get(STACK_NAMESPACE))
                .cloned()
                .unwrap_or_default();
            stacks
                .entry(namespace)
                .or_default()
                .push(spec.name.unwrap_or_default());
        }
        Ok(stacks
            .into_iter()
            .map(|(namespace, mut services)| {
                services.sort();
                ForeignStack {
                    namespace,
                    services,
                }
            })
            .collect())
    }

    /// A foreign stack as a compose file that deploys it again, here or into an organization.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn foreign_stack_export(&self, namespace: &str) -> Result<String> {
        // The file names no organization; one is needed only to read the services as definitions.
        let definitions: Vec<ServiceDefinition> = self
            .foreign_definitions(namespace, "export")
            .await?
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        Ok(crate::compose::export(&definitions))
    }

    /// What adopting a foreign stack into the organization would create; writes nothing.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn adopt_plan(&self, namespace: &str, org_id: &str) -> Result<StackPlan> {
        let steps = self.adopt_steps(namespace, org_id).await?;
        Ok(StackPlan {
            org_id: org_id.to_string(),
            services: steps.into_iter().map(|s| s.planned).collect(),
        })
    }

    /// Recreates a foreign stack's services in the organization as one stack deployment, then removes the
    /// originals. When a new service fails, the stack deployment is undone and the originals are untouched.
    /// Published ports are held by the originals until they are removed, so services that publish any come up
    /// without them first and get them back in a second stack deployment once the originals are gone.
    #[tracing::instrument(skip(self, options), err(Debug))]
    pub async fn adopt_stack(
        &self,
        namespace: &str,
        org_id: &str,
        options: &StackRunOptions,
    ) -> Result<StackResult> {
        validate::health_gate(&options.gate)?;
        let originals = self.foreign_definitions(namespace, org_id).await?;
        let trigger = || StackTrigger::Deploy {
            file: format!("stack {namespace} (adopted)"),
        };
        let without_ports = originals.iter().map(|(_, d)| {
            let mut d = d.clone();
            d.container.published_ports.clear();
            d
        });
        let live = self.live_services(org_id).await?;
        let steps = plan::steps(wanted(without_ports), live, |_| false);
        let mut result = self
            .run_stack(org_id, steps, &[], trigger(), options)
            .await?;
        for (name, _) in &originals {
            options.say(format!(
                "removing {name}, now running as the organization's"
            ));
            self.docker.delete_service(name).await?;
        }
        if originals
            .iter()
            .any(|(_, d)| !d.container.published_ports.is_empty())
        {
            options.say("publishing the ports the originals held");
            let live = self.live_services(org_id).await?;
            let steps = plan::steps(wanted(originals.into_iter().map(|(_, d)| d)), live, |_| {
                false
            });
            result = self
                .run_stack(org_id, steps, &[], trigger(), options)
                .await?;
        }
        info!(%namespace, %org_id, "stack adopted");
        Ok(result)
    }

    async fn adopt_steps(&self, namespace: &str, org_id: &str) -> Result<Vec<plan::Step>> {
        validate::org_id(org_id)?;
        let wanted = self
            .foreign_definitions(namespace, org_id)
            .await?
            .into_iter()
            .map(|(_, definition)| Wanted {
                definition,
                depends_on: Vec::new(),
            })
            .collect();
        let live = self.live_services(org_id).await?;
        Ok(plan::steps(wanted, live, |_| false))
    }

    /// The services of a foreign stack, each read as a definition of `org_id`; refused when the stack has none,
    /// or uses what cannot be moved (secrets, whose content the engine never gives back).
    async fn foreign_definitions(
        &self,
        namespace: &str,
        org_id: &str,
    ) -> Result<Vec<(String, ServiceDefinition)>> {
        validate::org_id(org_id)?;
        let services = self.foreign_services(Some(namespace)).await?;
        if services.is_empty() {
            return Err(Error::NotFound {
                kind: "stack",
                name: namespace.to_string(),
            });
        }
        let mut definitions = Vec::new();
        for service in services {
            let spec = service.spec.unwrap_or_default();
            let name = spec.name.clone().unwrap_or_default();
            let slug = name
                .strip_prefix(&format!("{namespace}_"))
                .unwrap_or(&name)
                .to_string();
            validate::slug(org_id, &slug)?;
            definitions.push((
                name.clone(),
                foreign_definition(&name, &spec, org_id, &slug)?,
            ));
        }
        definitions.sort_by(|a, b| a.1.slug.cmp(&b.1.slug));
        Ok(definitions)
    }

    async fn foreign_services(&self, namespace: Option<&str>) -> Result<Vec<Service>> {
        let filter = match namespace {
            Some(namespace) => format!("{STACK_NAMESPACE}={namespace}"),
            None => STACK_NAMESPACE.to_string(),
        };
        let options = ListServicesOptions {
            filters: Some([("label".to_string(), vec![filter])].into()),
            status: None,
        };
        Ok(self
            .docker
            .list_services(Some(options))
            .await?
            .into_iter()
            // One of ours that also carries the label (a stack we exported, deployed back by docker) is not foreign.
            .filter(|s| {
                s.spec
                    .as_ref()
                    .and_then(|spec| spec.labels.as_ref())
                    .and_then(|l| l.get(label::MANAGED_BY))
                    != Some(&MANAGED_BY.to_string())
            })
            .collect())
    }
}

fn wanted(definitions: impl Iterator<Item = ServiceDefinition>) -> Vec<Wanted> {
    definitions
        .map(|definition| Wanted {
            definition,
            depends_on: Vec::new(),
        })
        .collect()
}

/// A foreign spec read as a definition of the organization: what the swarm runs, with `docker stack deploy`'s own
/// labels dropped. The update policy becomes Swarmdeck's, like every service's: the swarm's defaults (pause, 5 s
/// monitor, stop-first) that `docker stack deploy` leaves are what no service of ours runs with.
fn foreign_definition(
    name: &str,
    foreign: &ServiceSpec,
    org_id: &str,
    slug: &str,
) -> Result<ServiceDefinition> {
    let container = foreign
        .task_template
        .as_ref()
        .and_then(|t| t.container_spec.as_ref());
    if container
        .and_then(|c| c.secrets.as_ref())
        .is_some_and(|s| !s.is_empty())
    {
        return Err(Error::invalid(
            format!("{name}.secrets"),
            "a secret's content cannot be read back from the swarm; declare it in a compose file and deploy that",
        ));
    }
    if container
        .and_then(|c| c.configs.as_ref())
        .is_some_and(|c| !c.is_empty())
    {
        return Err(Error::invalid(
            format!("{name}.configs"),
            "configs are not adopted; declare them in a compose file and deploy that",
        ));
    }
    let mut ours = foreign.clone();
    let labels = ours.labels.get_or_insert_with(Default::default);
    labels.retain(|key, _| !key.starts_with("com.docker.stack."));
    labels.insert(label::ORG.to_string(), org_id.to_string());
    labels.insert(label::SLUG.to_string(), slug.to_string());
    if let Some(container) = ours
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
    {
        if let Some(labels) = container.labels.as_mut() {
            labels.retain(|key, _| !key.starts_with("com.docker.stack."));
        }
    }
    let mut definition = spec::definition_from_spec(&ours)
        .ok_or_else(|| Error::invalid(name, "the service has no image"))?;
    definition.service_id = definition.service_name();
    // Swarmdeck's rules apply to what it writes: a service outside them is refused by name, not bent to fit.
    validate::definition(&definition).map_err(|error| match error {
        Error::Invalid { field, rule } => Error::Invalid {
            field: format!("{name}.{field}"),
            rule,
        },
        other => other,
    })?;
    Ok(definition)
}
