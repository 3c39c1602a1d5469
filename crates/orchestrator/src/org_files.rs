//! Secrets and configs as an organization's own: created from a value, listed with the services that use each
//! version (never the value), attached to a service as a file, rotated through every service using them with the
//! health gate, and removed only when nothing uses them. Each version is one swarm object (`files.rs`), found
//! only among the organization's labelled objects, so one organization's services are never given another's.

use std::collections::{BTreeMap, HashMap};

use bollard::query_parameters::{ListConfigsOptions, ListSecretsOptions};
use serde::{Deserialize, Serialize};
use tracing::info;

use crate::desired::Change;
use crate::error::{Error, Result};
use crate::gate::RunOptions;
use crate::model::{DeployOutcome, FileKind, FileMount, Trigger};
use crate::naming::{self, label, MANAGED_BY};
use crate::{validate, FileContent, Orchestrator};

/// The swarm keeps secrets and configs up to 500 KiB.
const MAX_FILE_BYTES: usize = 500 * 1024;

/// One version of an organization's secret or config, and who uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgFile {
    /// Secret or config.
    pub kind: FileKind,
    /// Its name in the organization.
    pub name: String,
    /// The version: the first 12 hex digits of the content's SHA-256.
    pub version: String,
    /// The swarm object's name.
    pub object_name: String,
    /// When the swarm created it (RFC 3339).
    pub created_at: Option<String>,
    /// Services of the organization whose spec mounts this version, by name.
    pub services: Vec<String>,
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rotation {
    /// The new version.
    pub version: String,
    /// Each service moved onto it, through its health gate.
    pub updated: Vec<DeployOutcome>,
    /// Older versions removed afterwards (none when asked to keep them).
    pub removed: Vec<String>,
}

impl Orchestrator {
    /// The organization's secrets and configs, every version, newest first within a name.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn org_files(&self, org_id: &str) -> Result<Vec<OrgFile>> {
        validate::org_id(org_id)?;
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{}={MANAGED_BY}", label::MANAGED_BY),
                format!("{}={org_id}", label::ORG),
            ],
        )]);
        let secrets = self
            .docker
            .list_secrets(Some(ListSecretsOptions {
                filters: Some(filters.clone()),
            }))
            .await?;
        let configs = self
            .docker
            .list_configs(Some(ListConfigsOptions {
                filters: Some(filters),
            }))
            .await?;
        let found = secrets
            .into_iter()
            .map(|s| (FileKind::Secret, s.spec.and_then(|s| s.name), s.created_at))
            .chain(
                configs
                    .into_iter()
                    .map(|c| (FileKind::Config, c.spec.and_then(|s| s.name), c.created_at)),
            );
        let users = self.file_users(org_id).await?;
        let mut files: Vec<OrgFile> = found
            .filter_map(|(kind, object, created_at)| {
                let object = object?;
                let (name, version) = naming::file_object_of(org_id, &object)?;
                Some(OrgFile {
                    services: users
                        .get(&(kind, object.clone()))
                        .cloned()
                        .unwrap_or_default(),
                    kind,
                    name,
                    version,
                    object_name: object,
                    created_at,
                })
            })
            .collect();
        files.sort_by(|a, b| {
            (a.kind, &a.name)
                .cmp(&(b.kind, &b.name))
                .then_with(|| b.created_at.cmp(&a.created_at))
        });
        Ok(files)
    }

    /// Creates a version of `name` holding `data` (nothing new when that content exists already).
    #[tracing::instrument(skip(self, data), err(Debug))]
    pub async fn create_org_file(
        &self,
        org_id: &str,
        kind: FileKind,
        name: &str,
        data: Vec<u8>,
    ) -> Result<OrgFile> {
        validate::org_id(org_id)?;
        validate::object_name("name", name)?;
        if data.is_empty() || data.len() > MAX_FILE_BYTES {
            return Err(Error::invalid(
                "value",
                format!(
                    "must be 1 byte to 500 KiB (the swarm's limit); it is {} bytes",
                    data.len()
                ),
            ));
        }
        let content = FileContent::new(kind, name, data);
        self.ensure_files(org_id, std::slice::from_ref(&content))
            .await?;
        let object = naming::file_object_name(org_id, name, &content.version);
        self.org_files(org_id)
            .await?
            .into_iter()
            .find(|file| file.object_name == object)
            .ok_or(Error::NotFound {
                kind: kind.as_str(),
                name: object,
            })
    }

    /// Mounts the newest version of the organization's `name` into the service at `target`, as a deployment
    /// through the health gate (a mount of the same name is replaced).
    #[tracing::instrument(skip(self, options), err(Debug))]
    pub async fn attach_file(
        &self,
        service_name: &str,
        kind: FileKind,
        name: &str,
        target: &str,
        options: &RunOptions,
    ) -> Result<DeployOutcome> {
        let definition = self.service_definition(service_name).await?;
        let newest = self
            .org_files(&definition.org_id)
            .await?
            .into_iter()
            .find(|file| file.kind == kind && file.name == name)
            .ok_or_else(|| Error::NotFound {
                kind: kind.as_str(),
                name: format!("{name} of organization {}", definition.org_id),
            })?;
        let mut changed = definition;
        changed
            .container
            .files
            .retain(|file| !(file.kind == kind && file.name == name));
        changed.container.files.push(FileMount {
            kind,
            name: name.to_string(),
            version: newest.version,
            target: target.to_string(),
        });
        self.apply(
            Change::Whole(Box::new(changed)),
            naming::new_deployment_id(),
            Trigger::Deploy,
            options,
        )
        .await
    }

    /// Creates a new version of `name` from `data`, moves every service using an older one onto it (each through
    /// its health gate; the first failure stops the rotation, that service rolled back and the old versions
    /// kept), then removes the older versions nothing uses, unless `keep_old`.
    #[tracing::instrument(skip(self, data, options), err(Debug))]
    pub async fn rotate_file(
        &self,
        org_id: &str,
        kind: FileKind,
        name: &str,
        data: Vec<u8>,
        keep_old: bool,
        options: &RunOptions,
    ) -> Result<Rotation> {
        let before = self.org_files(org_id).await?;
        let old: Vec<&OrgFile> = before
            .iter()
            .filter(|f| f.kind == kind && f.name == name)
            .collect();
        if old.is_empty() {
            return Err(Error::NotFound {
                kind: kind.as_str(),
                name: format!("{name} of organization {org_id}"),
            });
        }
        let created = self.create_org_file(org_id, kind, name, data).await?;
        let mut services: Vec<&String> = old.iter().flat_map(|file| &file.services).collect();
        services.sort();
        services.dedup();
        let mut updated = Vec::new();
        for service in services {
            let mut definition = self.service_definition(service).await?;
            for file in &mut definition.container.files {
                if file.kind == kind && file.name == name {
                    file.version = created.version.clone();
                }
            }
            options.phase(format!(
                "rolling {service} onto {name} version {}",
                created.version
            ));
            updated.push(
                self.apply(
                    Change::Whole(Box::new(definition)),
                    naming::new_deployment_id(),
                    Trigger::Deploy,
                    options,
                )
                .await?,
            );
        }
        let mut removed = Vec::new();
        if !keep_old {
            for file in self.org_files(org_id).await? {
                let stale =
                    file.kind == kind && file.name == name && file.version != created.version;
                if stale && file.services.is_empty() {
                    self.remove_file_object(kind, &file.object_name).await?;
                    removed.push(file.version);
                }
            }
        }
        Ok(Rotation {
            version: created.version,
            updated,
            removed,
        })
    }

    /// Removes every version of `name`; refused, naming them, while services use any.
    #[tracing::instrument(skip(self), err(Debug))]
    pub async fn remove_org_file(
        &self,
        org_id: &str,
        kind: FileKind,
        name: &str,
    ) -> Result<Vec<String>> {
        let versions: Vec<OrgFile> = self
            .org_files(org_id)
            .await?
            .into_iter()
            .filter(|file| file.kind == kind && file.name == name)
            .collect();
        if versions.is_empty() {
            return Err(Error::NotFound {
                kind: kind.as_str(),
                name: format!("{name} of organization {org_id}"),
            });
        }
        let mut users: Vec<&str> = versions
            .iter()
            .flat_map(|file| file.services.iter().map(String::as_str))
            .collect();
        users.sort_unstable();
        users.dedup();
        if !users.is_empty() {
            return Err(Error::invalid(
                "name",
                format!(
                    "{} {name} is used by {}: detach it from them first",
                    kind.as_str(),
                    users.join(", ")
                ),
            ));
        }
        for file in &versions {
            self.remove_file_object(kind, &file.object_name).await?;
        }
        Ok(versions.into_iter().map(|file| file.version).collect())
    }

    async fn remove_file_object(&self, kind: FileKind, object: &str) -> Result<()> {
        match kind {
            FileKind::Secret => self.docker.delete_secret(object).await?,
            FileKind::Config => self.docker.delete_config(object).await?,
        }
        info!(%object, kind = kind.as_str(), "removed");
        Ok(())
    }

    /// Which of the organization's services mount each secret and config object, by kind and object name.
    async fn file_users(&self, org_id: &str) -> Result<HashMap<(FileKind, String), Vec<String>>> {
        let services = self
            .list_services_with_status(vec![
                format!("{}={org_id}", label::ORG),
                format!("{}={MANAGED_BY}", label::MANAGED_BY),
            ])
            .await?;
        let mut users: BTreeMap<(FileKind, String), Vec<String>> = BTreeMap::new();
        for service in services {
            let spec = service.spec.unwrap_or_default();
            let name = spec.name.clone().unwrap_or_default();
            let container = spec
                .task_template
                .and_then(|template| template.container_spec)
                .unwrap_or_default();
            let secrets = container
                .secrets
                .into_iter()
                .flatten()
                .filter_map(|s| s.secret_name);
            let configs = container
                .configs
                .into_iter()
                .flatten()
                .filter_map(|c| c.config_name);
            for (kind, object) in secrets
                .map(|object| (FileKind::Secret, object))
                .chain(configs.map(|object| (FileKind::Config, object)))
            {
                users.entry((kind, object)).or_default().push(name.clone());
            }
        }
        Ok(users.into_iter().collect())
    }
}
