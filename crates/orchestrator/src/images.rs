//! Resolving a deployment's image to an exact image and keeping it from pruning.

use bollard::query_parameters::{CreateImageOptions, RemoveImageOptions, TagImageOptions};
use futures_util::TryStreamExt;
use tracing::{debug, info};

use crate::error::{Error, Result};
use crate::model::ResolvedImage;
use crate::naming;
use crate::Orchestrator;

impl Orchestrator {
    /// Finds the image (pulling it when absent) and names the tag that will pin it for this deployment. Nothing
    /// is tagged yet: [`Orchestrator::pin_image`] does that once the deployment's record has claimed its id, so a
    /// reused id can never re-point another deployment's tag.
    pub(crate) async fn resolve_image(
        &self,
        requested: &str,
        deployment_id: &str,
    ) -> Result<ResolvedImage> {
        // A reference to a registry is pulled again on every deployment: the tag may have moved, and the new
        // digest is what gets pinned. Local names are only pulled when absent.
        if crate::registry::registry_of(requested).is_some() && !requested.contains('@') {
            self.pull(requested).await?;
        }
        let inspect = match self
            .docker
            .inspect_image(requested)
            .await
            .map_err(Error::from)
        {
            Ok(image) => image,
            Err(error) if error.is_not_found() => {
                self.pull(requested).await?;
                self.docker.inspect_image(requested).await?
            }
            Err(error) => return Err(error),
        };
        let image_id = inspect.id.clone().ok_or_else(|| Error::ImageUnavailable {
            image: requested.to_string(),
            reason: "the engine reported no image id".to_string(),
        })?;
        let repository = repository_of(requested);
        let digests = inspect.repo_digests.unwrap_or_default();
        // Only a digest of the repository asked for names where this image comes from: the same image pushed to
        // another registry carries that registry's digest too, and a node told to pull it from there may not reach
        // it (or it may be gone).
        let digest_ref = digests
            .iter()
            .find(|digest| digest.split('@').next() == Some(repository))
            .cloned();
        Ok(ResolvedImage {
            requested: requested.to_string(),
            image_id,
            digest_ref,
            keep_tag: naming::keep_tag(repository, deployment_id),
        })
    }

    /// The reference that runs exactly a recorded image again: the name it was asked by, while that name still
    /// names the same local image and no registry is involved (so a restored service reads as it was written);
    /// otherwise the pinned digest or keep tag.
    pub(crate) async fn exact_image(&self, image: &ResolvedImage) -> String {
        if image.digest_ref.is_none() {
            let current = self
                .docker
                .inspect_image(&image.requested)
                .await
                .ok()
                .and_then(|i| i.id);
            if current.as_deref() == Some(image.image_id.as_str()) {
                return image.requested.clone();
            }
        }
        image.pinned().to_string()
    }

    /// Tags the resolved image with the deployment's keep tag so it stays restorable.
    pub(crate) async fn pin_image(&self, image: &ResolvedImage) -> Result<()> {
        let (repository, tag) = image
            .keep_tag
            .rsplit_once(':')
            .unwrap_or((image.keep_tag.as_str(), "latest"));
        self.docker
            .tag_image(
                &image.image_id,
                Some(TagImageOptions {
                    repo: Some(repository.to_string()),
                    tag: Some(tag.to_string()),
                }),
            )
            .await?;
        debug!(image_id = %image.image_id, keep_tag = %image.keep_tag, "image pinned");
        Ok(())
    }

    async fn pull(&self, reference: &str) -> Result<()> {
        info!(%reference, "pulling image");
        let options = CreateImageOptions {
            from_image: Some(reference.to_string()),
            ..Default::default()
        };
        let credentials = self.registry_credentials_for(reference);
        self.docker
            .create_image(Some(options), None, credentials)
            .try_collect::<Vec<_>>()
            .await
            .map(drop)
            .map_err(|error| {
                let reason = error.to_string();
                match crate::registry::registry_of(reference) {
                    Some(registry) if crate::registry::is_auth_failure(&reason) => {
                        Error::RegistryAuth {
                            registry: registry.to_string(),
                            image: reference.to_string(),
                            reason,
                        }
                    }
                    _ => Error::ImageUnavailable {
                        image: reference.to_string(),
                        reason: format!("not on this engine, and pulling it failed: {reason}"),
                    },
                }
            })
    }

    /// The login for the registry a reference names, if one is known.
    pub(crate) fn registry_credentials_for(
        &self,
        reference: &str,
    ) -> Option<bollard::auth::DockerCredentials> {
        crate::registry::credentials_for(&self.registry_credentials, reference)
    }

    /// Drops our tag of a deployment that fell out of the history; the image goes when nothing else holds it.
    pub(crate) async fn release_image(&self, image: &ResolvedImage) {
        let options = RemoveImageOptions {
            force: false,
            noprune: false,
            ..Default::default()
        };
        match self
            .docker
            .remove_image(&image.keep_tag, Some(options), None)
            .await
        {
            Ok(_) => debug!(tag = %image.keep_tag, "released image"),
            // Still used by a container, or already gone: either way nothing is lost.
            Err(error) => debug!(tag = %image.keep_tag, %error, "image tag not released"),
        }
    }
}

/// The repository part of a reference: `host:5000/a/b:tag@sha256:…` → `host:5000/a/b`.
pub fn repository_of(reference: &str) -> &str {
    let without_digest = reference.split('@').next().unwrap_or(reference);
    match without_digest.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => repository,
        _ => without_digest,
    }
}

#[cfg(test)]
mod tests {
    use super::repository_of;

    #[test]
    fn repository_drops_tag_and_digest_but_keeps_registry_port() {
        assert_eq!(repository_of("app:v1"), "app");
        assert_eq!(repository_of("host:5000/team/app"), "host:5000/team/app");
        assert_eq!(repository_of("host:5000/team/app:v1"), "host:5000/team/app");
        assert_eq!(repository_of("app@sha256:abc"), "app");
        assert_eq!(repository_of("app:v1@sha256:abc"), "app");
    }
}
