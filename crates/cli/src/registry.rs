//! Registry logins for the CLI, where `docker login` keeps them: `$DOCKER_CONFIG/config.json` (default
//! `~/.docker`). Logins kept by a credential helper (`credsStore`) are not read; `docker login` with the file store
//! is.

use std::path::PathBuf;

use base64::Engine as _;
use swarmdeck_orchestrator::registry::RegistryCredential;

/// Every login in the Docker config, or none when there is no config.
pub fn docker_config_credentials() -> Vec<RegistryCredential> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker")));
    let Some(text) = dir.and_then(|dir| std::fs::read_to_string(dir.join("config.json")).ok())
    else {
        return Vec::new();
    };
    let Ok(config) = serde_json::from_str::<serde_json::Value>(&text) else {
        tracing::warn!("the Docker config is not JSON; no registry logins read");
        return Vec::new();
    };
    config["auths"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(server, entry)| {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(entry["auth"].as_str()?)
                .ok()?;
            let (username, password) = String::from_utf8(decoded)
                .ok()?
                .split_once(':')
                .map(|(u, p)| (u.to_string(), p.to_string()))?;
            // `docker login` keys Docker Hub and some registries by URL; references name the host.
            let server = server
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/');
            Some(RegistryCredential {
                server: server.split('/').next().unwrap_or(server).to_string(),
                username,
                password,
            })
        })
        .collect()
}
