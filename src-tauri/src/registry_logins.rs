//! Registry logins of connection profiles. The store keeps the server and user name; the password goes to the OS
//! keyring (the Secret Service: GNOME Keyring, KWallet) — never into the settings file. Where no keyring answers,
//! the password is kept in memory until the app quits, and the UI says so.

use std::collections::HashMap;
use std::sync::Mutex;

use swarmdeck_orchestrator::registry::RegistryCredential;
use tracing::warn;

use crate::settings::ConnectionProfile;

/// The keyring's service name for every entry of the app.
const KEYRING_SERVICE: &str = "io.swarmdeck.app";

/// Where a password was put.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PasswordStorage {
    /// In the OS keyring, for good.
    Keyring,
    /// In memory until the app quits: no keyring answered.
    Session {
        /// Why the keyring could not take it.
        reason: String,
    },
}

/// The passwords the keyring could not take, by (profile, server).
#[derive(Default)]
pub struct RegistryLogins {
    session: Mutex<HashMap<(String, String), String>>,
}

impl RegistryLogins {
    /// Keeps a password for the profile's login to `server`.
    pub fn store(&self, profile: &str, server: &str, password: &str) -> PasswordStorage {
        let saved = keyring::Entry::new(KEYRING_SERVICE, &account(profile, server))
            .and_then(|entry| entry.set_password(password));
        match saved {
            Ok(()) => {
                self.sessions()
                    .remove(&(profile.to_string(), server.to_string()));
                PasswordStorage::Keyring
            }
            Err(error) => {
                warn!(%error, "no OS keyring; the registry password is kept until the app quits");
                self.sessions().insert(
                    (profile.to_string(), server.to_string()),
                    password.to_string(),
                );
                PasswordStorage::Session {
                    reason: error.to_string(),
                }
            }
        }
    }

    /// Forgets the profile's password for `server`, wherever it is.
    pub fn forget(&self, profile: &str, server: &str) {
        self.sessions()
            .remove(&(profile.to_string(), server.to_string()));
        if let Ok(entry) = keyring::Entry::new(KEYRING_SERVICE, &account(profile, server)) {
            let _ = entry.delete_credential();
        }
    }

    /// The profile's logins that have a password.
    pub fn credentials(&self, profile: &ConnectionProfile) -> Vec<RegistryCredential> {
        profile
            .registries
            .iter()
            .filter_map(|login| {
                Some(RegistryCredential {
                    server: login.server.clone(),
                    username: login.username.clone(),
                    password: self.password(&profile.name, &login.server)?,
                })
            })
            .collect()
    }

    fn password(&self, profile: &str, server: &str) -> Option<String> {
        if let Some(password) = self
            .sessions()
            .get(&(profile.to_string(), server.to_string()))
        {
            return Some(password.clone());
        }
        keyring::Entry::new(KEYRING_SERVICE, &account(profile, server))
            .and_then(|entry| entry.get_password())
            .ok()
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), String>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn account(profile: &str, server: &str) -> String {
    format!("{profile}/{server}")
}
