//! Settings and connection profiles, kept with tauri-plugin-store. A store file that cannot be read is moved
//! aside and reported, never silently replaced.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use swarmdeck_orchestrator::Endpoint;

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

    /// Where this profile's engine listens.
    pub fn endpoint(&self) -> Endpoint {
        match &self.kind {
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
        }
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
    /// The active profile, or the local engine when the name matches none.
    pub fn active(&self) -> ConnectionProfile {
        self.profiles
            .iter()
            .find(|p| p.name == self.active_profile)
            .cloned()
            .unwrap_or_else(ConnectionProfile::local)
    }

    /// Rules a saved settings document must keep.
    pub fn validate(&self) -> Result<(), (String, String)> {
        for (index, profile) in self.profiles.iter().enumerate() {
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
                ProfileKind::Host { url } => {
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
        if !self.profiles.iter().any(|p| p.name == self.active_profile) {
            return Err((
                "active_profile".to_string(),
                "must name one of the profiles".to_string(),
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
            settings.validate().err().map(|(field, _)| field),
            Some("profiles.1.ca_path".to_string())
        );
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
            settings.validate().err().map(|(field, _)| field),
            Some("profiles.1.url".to_string())
        );
        settings.active_profile = "nope".into();
        settings.profiles.pop();
        assert_eq!(
            settings.validate().err().map(|(field, _)| field),
            Some("active_profile".to_string())
        );
    }
}
