//! Private registries: credentials for the registry an image reference names, sent with every pull and with
//! every service create and update so each node can pull (`docker service create --with-registry-auth`).

use bollard::auth::DockerCredentials;
use serde::{Deserialize, Serialize};

/// The login for one registry.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryCredential {
    /// The registry's host and port as image references name it: `registry.example.com`, `localhost:5000`.
    pub server: String,
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: String,
}

impl std::fmt::Debug for RegistryCredential {
    // A password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{} (password hidden)", self.username, self.server)
    }
}

/// The registry an image reference names explicitly, as the distribution reference grammar reads it: a first
/// path component with a `.` or `:`, or `localhost`. `redis:7` and `team/app` name none (Docker Hub by default).
pub fn registry_of(reference: &str) -> Option<&str> {
    let (first, rest) = reference.split_once('/')?;
    (!rest.is_empty() && (first.contains(['.', ':']) || first == "localhost")).then_some(first)
}

/// The credentials for a reference's registry, among those known.
pub(crate) fn credentials_for(
    credentials: &[RegistryCredential],
    reference: &str,
) -> Option<DockerCredentials> {
    let registry = registry_of(reference)?;
    credentials
        .iter()
        .find(|c| c.server == registry)
        .map(|c| DockerCredentials {
            username: Some(c.username.clone()),
            password: Some(c.password.clone()),
            serveraddress: Some(c.server.clone()),
            ..Default::default()
        })
}

/// Whether a registry's answer means the login was missing or refused.
pub(crate) fn is_auth_failure(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    [
        "unauthorized",
        "authentication required",
        "no basic auth credentials",
        "denied",
        "401",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_their_registry_and_find_its_login() {
        assert_eq!(registry_of("localhost:5000/app:v1"), Some("localhost:5000"));
        assert_eq!(
            registry_of("registry.example.com/team/app"),
            Some("registry.example.com")
        );
        assert_eq!(registry_of("localhost/app"), Some("localhost"));
        assert_eq!(registry_of("team/app:v1"), None);
        assert_eq!(registry_of("redis:7"), None);
        let known = [RegistryCredential {
            server: "localhost:5000".into(),
            username: "ci".into(),
            password: "s3cret".into(),
        }];
        let found = credentials_for(&known, "localhost:5000/app:v1").expect("credentials");
        assert_eq!(found.username.as_deref(), Some("ci"));
        assert!(credentials_for(&known, "other:5000/app").is_none());
        assert!(!format!("{:?}", known[0]).contains("s3cret"));
        assert!(is_auth_failure(
            "Head \"http://localhost:5000/v2/app/manifests/v1\": no basic auth credentials"
        ));
        assert!(!is_auth_failure("manifest unknown"));
    }
}
