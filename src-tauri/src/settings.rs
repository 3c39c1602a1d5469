//! Settings and connection profiles, kept with tauri-plugin-store. A store file that cannot be read is moved
//! aside and reported, never silently replaced. Docker contexts are profiles by reference, resolved when used.
//!
//! The file is long because every rule a saved profile must keep sits here beside its unit test.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use swarmdeck_orchestrator::contexts::{ContextStore, DEFAULT_CONTEXT};
use swarmdeck_orchestrator::Endpoint;

/// How the active profile names a Docker context: `context:prod`. Contexts are read from the Docker
/// configuration each time, never stored as profiles, so they stay as `docker context` leaves them.
pub const CONTEXT_PREFIX: &str = "context:";

/// Key of the settings document in the store.
pub const STORE_KEY: &str = "settings";
/// Store file name in the app's data directory.
pub const STORE_FILE: &str = "settings.json";

/// How to reach an engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProfileKind {
    /// `DOCKER_HOST` when set, else the local socket.
    Local,
    /// An engine URL: `unix:///path/docker.sock` or `tcp://host:2375`.
    Host {
        /// The URL.
        url: String,
    },
    /// A TCP engine protected by TLS with client certificates (`dockerd --tlsverify`).
    Tls {
        /// `tcp://host:2376`.
        url: String,
        /// The CA certificate that signed the engine's certificate (PEM file).
        ca_path: String,
        /// The client certificate (PEM file).
        cert_path: String,
        /// The client key (PEM file).
        key_path: String,
    },
    /// A context of the user's Docker configuration, read when connecting (read-only here).
    DockerContext {
        /// The context's name.
        context: String,
    },
}

/// A login to a private registry; its password is in the OS keyring, never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RegistryLogin {
    /// The registry as image references name it: `registry.example.com`, `localhost:5000`.
    pub server: String,
    /// User name.
    pub username: String,
}

/// A named way to reach an engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ConnectionProfile {
    /// Unique name.
    pub name: String,
    /// How to connect.
    pub kind: ProfileKind,
    /// Logins sent to private registries with every pull, create and update.
    #[serde(default)]
    pub registries: Vec<RegistryLogin>,
}

impl ConnectionProfile {
    /// The default profile: the local engine.
    pub fn local() -> Self {
        ConnectionProfile {
            name: "local".to_string(),
            kind: ProfileKind::Local,
            registries: Vec::new(),
        }
    }

    /// The profile standing for a Docker context.
    pub fn of_context(context: &str) -> Self {
        ConnectionProfile {
            name: format!("{CONTEXT_PREFIX}{context}"),
            kind: ProfileKind::DockerContext {
                context: context.to_string(),
            },
            registries: Vec::new(),
        }
    }

    /// The name people read: a context's profile says it is one.
    pub fn label(&self) -> String {
        match &self.kind {
            ProfileKind::DockerContext { context } => format!("{context} (docker context)"),
            _ => self.name.clone(),
        }
    }

    /// Where this profile's engine listens; a Docker context is read now, so an edit with `docker context`
    /// takes effect at the next connection.
    pub fn endpoint(&self) -> Result<Endpoint, String> {
        Ok(match &self.kind {
            ProfileKind::DockerContext { context } => {
                let store = ContextStore::from_env().ok_or_else(|| {
                    "neither DOCKER_CONFIG nor HOME is set: there is no Docker configuration"
                        .to_string()
                })?;
                store
                    .get(context)
                    .map_err(|error| error.to_string())?
                    .endpoint
            }
            ProfileKind::Local => Endpoint::Local,
            ProfileKind::Host { url } => Endpoint::Host { url: url.clone() },
            ProfileKind::Tls {
                url,
                ca_path,
                cert_path,
                key_path,
            } => Endpoint::Tls {
                url: url.clone(),
                ca_path: ca_path.clone(),
                cert_path: cert_path.clone(),
                key_path: key_path.clone(),
            },
        })
    }
}

/// Colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the system.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// UI preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Preferences {
    /// Colour theme.
    pub theme: Theme,
    /// Mask environment variable values until revealed.
    pub mask_env_values: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            theme: Theme::System,
            mask_env_values: true,
        }
    }
}

/// Everything the user configures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Settings {
    /// Connection profiles.
    pub profiles: Vec<ConnectionProfile>,
    /// Name of the profile in use.
    pub active_profile: String,
    /// UI preferences.
    pub preferences: Preferences,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            profiles: vec![ConnectionProfile::local()],
            active_profile: "local".to_string(),
            preferences: Preferences::default(),
        }
    }
}

impl Settings {
    /// Settings of a first start: the Docker configuration's current context is the active profile, as it is
    /// the `docker` CLI's engine (the default context is the local profile).
    pub fn first_start(current_context: Option<&str>) -> Self {
        let mut settings = Settings::default();
        if let Some(context) = current_context.filter(|c| *c != DEFAULT_CONTEXT) {
            settings.active_profile = format!("{CONTEXT_PREFIX}{context}");
        }
        settings
    }

    /// The active profile, or the local engine when the name matches none.
    pub fn active(&self) -> ConnectionProfile {
        if let Some(context) = self.active_profile.strip_prefix(CONTEXT_PREFIX) {
            return ConnectionProfile::of_context(context);
        }
        self.profiles
            .iter()
            .find(|p| p.name == self.active_profile)
            .cloned()
            .unwrap_or_else(ConnectionProfile::local)
    }

    /// Rules a saved settings document must keep; `contexts` are the Docker contexts that exist now.
    pub fn validate(&self, contexts: &[String]) -> Result<(), (String, String)> {
        for (index, profile) in self.profiles.iter().enumerate() {
            if profile.name.starts_with(CONTEXT_PREFIX) {
                return Err((
                    format!("profiles.{index}.name"),
                    format!("must not start with {CONTEXT_PREFIX:?}, which names Docker contexts"),
                ));
            }
            if profile.name.trim().is_empty() {
                return Err((
                    format!("profiles.{index}.name"),
                    "must not be empty".to_string(),
                ));
            }
            if self
                .profiles
                .iter()
                .filter(|p| p.name == profile.name)
                .count()
                > 1
            {
                return Err((
                    format!("profiles.{index}.name"),
                    format!("{:?} is used twice", profile.name),
                ));
            }
            match &profile.kind {
                ProfileKind::Local => {}
                ProfileKind::DockerContext { .. } => {
                    return Err((
                        format!("profiles.{index}.kind"),
                        "Docker contexts are read from the Docker configuration, never saved as profiles"
                            .to_string(),
                    ))
                }
                ProfileKind::Host { url } => {
                    if url.starts_with("ssh://") {
                        return Err((
                            format!("profiles.{index}.url"),
                            "ssh:// is not supported (bollard has no SSH transport): forward the engine's \
                             socket with `ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock user@host` \
                             and use unix:///tmp/remote-docker.sock"
                                .to_string(),
                        ));
                    }
                    if !["unix://", "tcp://", "http://"]
                        .iter()
                        .any(|s| url.starts_with(s))
                    {
                        return Err((
                            format!("profiles.{index}.url"),
                            "must start with unix://, tcp:// or http://".to_string(),
                        ));
                    }
                }
                ProfileKind::Tls {
                    url,
                    ca_path,
                    cert_path,
                    key_path,
                } => {
                    if !["tcp://", "https://"].iter().any(|s| url.starts_with(s)) {
                        return Err((
                            format!("profiles.{index}.url"),
                            "must start with tcp:// or https://".to_string(),
                        ));
                    }
                    for (field, path) in [
                        ("ca_path", ca_path),
                        ("cert_path", cert_path),
                        ("key_path", key_path),
                    ] {
                        if !Path::new(path).is_file() {
                            return Err((
                                format!("profiles.{index}.{field}"),
                                format!("{path:?} is not a readable file"),
                            ));
                        }
                    }
                }
            }
        }
        let names_context = self
            .active_profile
            .strip_prefix(CONTEXT_PREFIX)
            .is_some_and(|context| contexts.iter().any(|c| c == context));
        if !names_context && !self.profiles.iter().any(|p| p.name == self.active_profile) {
            return Err((
                "active_profile".to_string(),
                "must name one of the profiles or Docker contexts".to_string(),
            ));
        }
        Ok(())
    }
}

/// Moves an unreadable store file aside before the store opens it, and says what happened.
pub fn quarantine_if_corrupt(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let readable = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|doc| {
            doc.get(STORE_KEY)
                .cloned()
                .or(Some(serde_json::Value::Null))
        })
        .is_some_and(|value| value.is_null() || serde_json::from_value::<Settings>(value).is_ok());
    if readable {
        return None;
    }
    let aside = aside_path(path);
    match std::fs::rename(path, &aside) {
        Ok(()) => Some(format!(
            "the settings file was unreadable and was moved to {}; defaults are in use",
            aside.display()
        )),
        Err(error) => Some(format!(
            "the settings file is unreadable and could not be moved aside: {error}"
        )),
    }
}

fn aside_path(path: &Path) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    path.with_extension(format!("json.corrupt-{stamp}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_store_is_moved_aside_and_reported() {
        let dir = std::env::temp_dir().join(format!("swarmdeck-settings-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(STORE_FILE);
        let _ = std::fs::write(&path, b"{not json");
        let notice = quarantine_if_corrupt(&path);
        assert!(notice.is_some_and(|n| n.contains("moved")));
        assert!(!path.exists());
        let moved = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        assert_eq!(moved, 1);
        let _ = std::fs::write(
            &path,
            serde_json::json!({ STORE_KEY: Settings::default() }).to_string(),
        );
        assert_eq!(quarantine_if_corrupt(&path), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tls_profiles_need_their_certificate_files() {
        let mut settings = Settings::default();
        settings.profiles.push(ConnectionProfile {
            name: "prod".into(),
            kind: ProfileKind::Tls {
                url: "tcp://swarm.example.com:2376".into(),
                ca_path: "/nonexistent/ca.pem".into(),
                cert_path: "/nonexistent/cert.pem".into(),
                key_path: "/nonexistent/key.pem".into(),
            },
            registries: Vec::new(),
        });
        assert_eq!(
            settings.validate(&[]).err().map(|(field, _)| field),
            Some("profiles.1.ca_path".to_string())
        );
    }

    #[test]
    fn docker_contexts_are_chosen_by_reference_and_never_saved() {
        let first = Settings::first_start(Some("prod"));
        assert_eq!(first.active_profile, "context:prod");
        assert_eq!(first.active(), ConnectionProfile::of_context("prod"));
        assert_eq!(first.active().label(), "prod (docker context)");
        assert_eq!(
            first.validate(&[]).err().map(|(field, _)| field),
            Some("active_profile".to_string()),
            "a context that no longer exists cannot be chosen"
        );
        assert_eq!(first.validate(&["prod".to_string()]), Ok(()));
        assert_eq!(
            Settings::first_start(Some("default")).active_profile,
            "local"
        );
        let mut saved = Settings::default();
        saved.profiles.push(ConnectionProfile::of_context("prod"));
        assert!(saved.validate(&["prod".to_string()]).is_err());
        let mut ssh = Settings::default();
        ssh.profiles.push(ConnectionProfile {
            name: "remote".into(),
            kind: ProfileKind::Host {
                url: "ssh://admin@server".into(),
            },
            registries: Vec::new(),
        });
        let rule = ssh
            .validate(&[])
            .err()
            .map(|(_, rule)| rule)
            .unwrap_or_default();
        assert!(rule.contains("not supported"), "{rule}");
    }

    #[test]
    fn settings_rules_name_the_field() {
        let mut settings = Settings::default();
        settings.profiles.push(ConnectionProfile {
            name: "remote".into(),
            kind: ProfileKind::Host {
                url: "ftp://x".into(),
            },
            registries: Vec::new(),
        });
        assert_eq!(
            settings.validate(&[]).err().map(|(field, _)| field),
            Some("profiles.1.url".to_string())
        );
        settings.active_profile = "nope".into();
        settings.profiles.pop();
        assert_eq!(
            settings.validate(&[]).err().map(|(field, _)| field),
            Some("active_profile".to_string())
        );
    }
}
