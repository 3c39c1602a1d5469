//! Secrets and configs of organizations: one swarm object per version of a file's content, labelled with whose it
//! is, created before a service names it, and identified by exact name and labels when a spec is written.

use std::collections::HashMap;

use base64::Engine as _;
use bollard::models::{ConfigSpec, SecretSpec, ServiceSpec};
use sha2::{Digest, Sha256};
use tracing::info;

use crate::error::{Error, Result};
use crate::model::FileKind;
use crate::naming::{self, label, MANAGED_BY};
use crate::Orchestrator;

/// One version of an organization's secret or config, with its content.
#[derive(Clone, PartialEq, Eq)]
pub struct FileContent {
    /// Secret or config.
    pub kind: FileKind,
    /// Its name in the organization.
    pub name: String,
    /// The first 12 hex digits of the content's SHA-256.
    pub version: String,
    /// The content.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for FileContent {
    // A secret's value never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}@{} ({} bytes)",
            self.kind.as_str(),
            self.name,
            self.version,
            self.data.len()
        )
    }
}

impl FileContent {
    /// A file's content, versioned by its hash.
    pub fn new(kind: FileKind, name: &str, data: Vec<u8>) -> FileContent {
        let digest = Sha256::digest(&data);
        let version: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        FileContent {
            kind,
            name: name.to_string(),
            version,
            data,
        }
    }
}

impl Orchestrator {
    /// Creates each version that does not exist yet; one that exists must be this organization's.
    pub(crate) async fn ensure_files(&self, org_id: &str, files: &[FileContent]) -> Result<()> {
        for file in files {
            let object = naming::file_object_name(org_id, &file.name, &file.version);
            if let Some(labels) = self.file_labels(file.kind, &object).await? {
                owned_by(file.kind, &object, org_id, Some(&labels))?;
                continue;
            }
            let labels = self.labels([
                (label::MANAGED_BY, MANAGED_BY.to_string()),
                (label::ORG, org_id.to_string()),
                (label::FILE_NAME, file.name.clone()),
            ]);
            let data = base64::engine::general_purpose::STANDARD.encode(&file.data);
            let created = match file.kind {
                FileKind::Secret => self
                    .docker
                    .create_secret(SecretSpec {
                        name: Some(object.clone()),
                        labels: Some(labels),
                        data: Some(data),
                        ..Default::default()
                    })
                    .await
                    .map(|_| ()),
                FileKind::Config => self
                    .docker
                    .create_config(ConfigSpec {
                        name: Some(object.clone()),
                        labels: Some(labels),
                        data: Some(data),
                        templating: None,
                    })
                    .await
                    .map(|_| ()),
            };
            match created.map_err(Error::from) {
                Ok(()) => info!(%object, kind = file.kind.as_str(), "created"),
                // Another writer created the same content first: same name, same content.
                Err(error) if error.engine_status() == Some(409) => owned_by(
                    file.kind,
                    &object,
                    org_id,
                    self.file_labels(file.kind, &object).await?.as_ref(),
                )?,
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Fills in the ids of the secrets and configs a spec names, refusing any that is missing or not the
    /// organization's.
    pub(crate) async fn identify_files(&self, spec: &mut ServiceSpec, org_id: &str) -> Result<()> {
        let Some(container) = spec
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
        else {
            return Ok(());
        };
        for secret in container.secrets.iter_mut().flatten() {
            let name = secret.secret_name.clone().unwrap_or_default();
            secret.secret_id = Some(self.file_id(FileKind::Secret, &name, org_id).await?);
        }
        for config in container.configs.iter_mut().flatten() {
            let name = config.config_name.clone().unwrap_or_default();
            config.config_id = Some(self.file_id(FileKind::Config, &name, org_id).await?);
        }
        Ok(())
    }

    async fn file_id(&self, kind: FileKind, object: &str, org_id: &str) -> Result<String> {
        let (id, labels) = match kind {
            FileKind::Secret => self
                .docker
                .inspect_secret(object)
                .await
                .map(|s| (s.id, s.spec.and_then(|s| s.labels))),
            FileKind::Config => self
                .docker
                .inspect_config(object)
                .await
                .map(|c| (c.id, c.spec.and_then(|s| s.labels))),
        }
        .map_err(|error| match Error::from(error) {
            e if e.is_not_found() => Error::NotFound {
                kind: kind.as_str(),
                name: object.to_string(),
            },
            e => e,
        })?;
        owned_by(kind, object, org_id, labels.as_ref())?;
        Ok(id.unwrap_or_default())
    }

    /// The labels of a secret or config by exact name; none when there is none.
    async fn file_labels(
        &self,
        kind: FileKind,
        object: &str,
    ) -> Result<Option<HashMap<String, String>>> {
        let found = match kind {
            FileKind::Secret => self.docker.inspect_secret(object).await.map(|s| {
                (
                    s.spec.as_ref().and_then(|s| s.name.clone()),
                    s.spec.and_then(|s| s.labels),
                )
            }),
            FileKind::Config => self.docker.inspect_config(object).await.map(|c| {
                (
                    c.spec.as_ref().and_then(|s| s.name.clone()),
                    c.spec.and_then(|s| s.labels),
                )
            }),
        };
        match found.map_err(Error::from) {
            // Inspect also answers to ids and id prefixes: only the exact name counts.
            Ok((Some(name), labels)) if name == object => Ok(Some(labels.unwrap_or_default())),
            Ok(_) => Ok(None),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// A secret or config is the organization's only when its labels say so.
fn owned_by(
    kind: FileKind,
    object: &str,
    org_id: &str,
    labels: Option<&HashMap<String, String>>,
) -> Result<()> {
    let get = |key: &str| labels.and_then(|l| l.get(key)).map(String::as_str);
    if get(label::MANAGED_BY) == Some(MANAGED_BY) && get(label::ORG) == Some(org_id) {
        return Ok(());
    }
    Err(Error::NotOurs {
        kind: kind.as_str(),
        name: object.to_string(),
        holder: match get(label::ORG) {
            Some(other) if get(label::MANAGED_BY) == Some(MANAGED_BY) => {
                format!("belongs to organization {other}")
            }
            _ => "was not created by Swarmdeck".to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_follow_the_content_and_debug_hides_it() {
        let a = FileContent::new(FileKind::Secret, "db", b"hunter2".to_vec());
        let b = FileContent::new(FileKind::Secret, "db", b"hunter3".to_vec());
        assert_eq!(a.version.len(), 12);
        assert_ne!(a.version, b.version);
        assert_eq!(
            a.version,
            FileContent::new(FileKind::Secret, "db", b"hunter2".to_vec()).version
        );
        assert!(!format!("{a:?}").contains("hunter2"));
        let foreign = HashMap::from([
            (label::MANAGED_BY.to_string(), MANAGED_BY.to_string()),
            (label::ORG.to_string(), "globex".to_string()),
        ]);
        match owned_by(FileKind::Secret, "org-acme-db-0", "acme", Some(&foreign)) {
            Err(Error::NotOurs { holder, .. }) => assert!(holder.contains("globex")),
            other => panic!("{other:?}"),
        }
    }
}
