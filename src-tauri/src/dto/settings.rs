//! What the settings commands return.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

use crate::settings::Settings;

/// Settings with what happened to an unreadable settings file, if anything.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SettingsView {
    /// The settings in use.
    pub settings: Settings,
    /// Set when the stored file was unreadable and moved aside.
    pub notice: Option<String>,
    /// The Docker contexts of the user's Docker configuration, read now: profiles that cannot be edited here.
    pub contexts: Vec<DockerContextView>,
    /// Why the contexts could not be read, when they could not.
    pub contexts_problem: Option<String>,
}

/// A Docker context, as a read-only connection profile.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct DockerContextView {
    /// What `active_profile` holds to use it: `context:NAME`.
    pub profile: String,
    /// The context's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The engine address (`unix://…`, `tcp://…`, `ssh://…`).
    pub endpoint: String,
    /// Whether it connects with TLS and a client certificate.
    pub tls: bool,
    /// Whether the Docker configuration names it current (the `docker` CLI's engine).
    pub current: bool,
    /// Why it cannot be used here (SSH, incomplete TLS material).
    pub problem: Option<String>,
}

/// A registry login as the user types it.
#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct RegistryLoginInput {
    /// `registry.example.com` or `localhost:5000`, as image references name it.
    pub server: String,
    /// User name.
    pub username: String,
    /// Password or token; never stored in the settings file.
    pub password: String,
}

impl RegistryLoginInput {
    /// The login trimmed, or the field that is wrong.
    pub fn validated(self) -> Result<RegistryLoginInput, AppError> {
        let server = self.server.trim().trim_end_matches('/').to_string();
        let invalid = |field: &str, rule: &str| AppError::Invalid {
            field: field.to_string(),
            rule: rule.to_string(),
        };
        if server.is_empty()
            || server.contains("://")
            || server.contains('/')
            || server.contains(char::is_whitespace)
        {
            return Err(invalid("server", "must be a host with an optional port, as image references name it (registry.example.com, localhost:5000)"));
        }
        if self.username.trim().is_empty() {
            return Err(invalid("username", "must not be empty"));
        }
        if self.password.is_empty() {
            return Err(invalid("password", "must not be empty"));
        }
        Ok(RegistryLoginInput {
            server,
            username: self.username.trim().to_string(),
            password: self.password,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(server: &str, username: &str, password: &str) -> RegistryLoginInput {
        RegistryLoginInput {
            server: server.to_string(),
            username: username.to_string(),
            password: password.to_string(),
        }
    }

    #[test]
    fn logins_are_trimmed_and_refused_by_field() {
        let ok = login(" localhost:5000/ ", " ci ", "pw")
            .validated()
            .expect("valid");
        assert_eq!(
            (ok.server.as_str(), ok.username.as_str()),
            ("localhost:5000", "ci")
        );
        let field = |input: RegistryLoginInput| match input.validated() {
            Err(AppError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(login("https://registry.example.com", "ci", "pw")),
            "server"
        );
        assert_eq!(field(login("registry.example.com", " ", "pw")), "username");
        assert_eq!(field(login("registry.example.com", "ci", "")), "password");
    }
}
