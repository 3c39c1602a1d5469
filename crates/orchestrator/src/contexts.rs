//! Docker contexts as the `docker` CLI keeps them, read from its configuration directory and chosen with its
//! precedence, so that Swarmdeck talks to the engine `docker` would talk to without a profile of its own. The
//! context store is read, never written: contexts belong to the user's Docker configuration.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::connection::Endpoint;
use crate::error::{Error, Result};

/// The context standing for `DOCKER_HOST`, else the local socket.
pub const DEFAULT_CONTEXT: &str = "default";

/// Where the `docker` CLI keeps its configuration.
pub const DOCKER_CONFIG_ENV: &str = "DOCKER_CONFIG";
/// The context the `docker` CLI uses when no `--context` is given and `DOCKER_HOST` is unset.
pub const DOCKER_CONTEXT_ENV: &str = "DOCKER_CONTEXT";
/// An engine address that overrides the configured context (not a `--context` flag).
pub const DOCKER_HOST_ENV: &str = "DOCKER_HOST";

/// One Docker context and the engine it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerContext {
    /// The context's name (`docker context ls`).
    pub name: String,
    /// Its description, empty when it has none.
    pub description: String,
    /// The engine: a socket, a TCP address, or TCP with the context's TLS files.
    pub endpoint: Endpoint,
    /// Whether the Docker configuration names it as the current context.
    pub current: bool,
    /// Why Swarmdeck cannot use it (an SSH endpoint, incomplete TLS material); its endpoint is then the host
    /// as written, without TLS.
    pub problem: Option<String>,
}

impl DockerContext {
    /// The engine address as `docker context ls` shows it: for the default context, `DOCKER_HOST` or the
    /// local socket.
    pub fn address(&self) -> String {
        match &self.endpoint {
            Endpoint::Local => std::env::var(DOCKER_HOST_ENV)
                .ok()
                .filter(|host| !host.is_empty())
                .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string()),
            Endpoint::Host { url } | Endpoint::Tls { url, .. } => url.clone(),
        }
    }

    /// Whether connections verify the engine with the context's CA and present a client certificate.
    pub fn uses_tls(&self) -> bool {
        matches!(self.endpoint, Endpoint::Tls { .. })
    }
}

/// The contexts of one Docker configuration directory.
#[derive(Debug, Clone)]
pub struct ContextStore {
    config_dir: PathBuf,
}

/// `contexts/meta/<digest>/meta.json`, as the `docker` CLI writes it.
#[derive(Deserialize)]
struct ContextMeta {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Metadata", default)]
    metadata: Option<ContextMetadata>,
    #[serde(rename = "Endpoints", default)]
    endpoints: HashMap<String, EndpointMeta>,
}

#[derive(Deserialize)]
struct ContextMetadata {
    #[serde(rename = "Description", default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct EndpointMeta {
    #[serde(rename = "Host", default)]
    host: Option<String>,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

/// The part of `config.json` that names the current context.
#[derive(Deserialize)]
struct ConfigFile {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

impl ContextStore {
    /// The store of `config_dir` (a directory laid out like `~/.docker`).
    pub fn new(config_dir: impl Into<PathBuf>) -> Self {
        ContextStore {
            config_dir: config_dir.into(),
        }
    }

    /// The store the `docker` CLI would read: `DOCKER_CONFIG`, else `~/.docker`.
    pub fn from_env() -> Option<Self> {
        match std::env::var_os(DOCKER_CONFIG_ENV) {
            Some(dir) if !dir.is_empty() => Some(ContextStore::new(dir)),
            _ => std::env::var_os("HOME")
                .map(|home| ContextStore::new(Path::new(&home).join(".docker"))),
        }
    }

    /// The current context named by `config.json`; `default` when it names none or there is no file.
    pub fn current(&self) -> Result<String> {
        let path = self.config_dir.join("config.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(DEFAULT_CONTEXT.to_string())
            }
            Err(error) => return Err(unreadable(&path, &error.to_string())),
        };
        let config: ConfigFile =
            serde_json::from_str(&text).map_err(|error| unreadable(&path, &error.to_string()))?;
        Ok(config
            .current_context
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| DEFAULT_CONTEXT.to_string()))
    }

    /// Every context, `default` first, the others by name; the current one marked.
    pub fn list(&self) -> Result<Vec<DockerContext>> {
        let current = self.current()?;
        let mut contexts = vec![default_context(current == DEFAULT_CONTEXT)];
        let meta_dir = self.config_dir.join("contexts").join("meta");
        let entries = match std::fs::read_dir(&meta_dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(contexts),
            Err(error) => return Err(unreadable(&meta_dir, &error.to_string())),
        };
        let mut named = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|error| unreadable(&meta_dir, &error.to_string()))?;
            let meta_file = entry.path().join("meta.json");
            if meta_file.is_file() {
                let meta = read_meta(&meta_file)?;
                let is_current = meta.name == current;
                named.push(self.context_of(meta, is_current)?);
            }
        }
        named.sort_by(|a, b| a.name.cmp(&b.name));
        contexts.extend(named);
        Ok(contexts)
    }

    /// The context called `name`, if Swarmdeck can use it.
    pub fn get(&self, name: &str) -> Result<DockerContext> {
        let context = self.get_listed(name)?;
        match &context.problem {
            Some(problem) => Err(Error::Unsupported {
                what: format!("docker context {name}"),
                reason: problem.clone(),
            }),
            None => Ok(context),
        }
    }

    /// The context called `name`, usable or not.
    fn get_listed(&self, name: &str) -> Result<DockerContext> {
        let is_current = self.current()? == name;
        if name == DEFAULT_CONTEXT {
            return Ok(default_context(is_current));
        }
        let meta_file = self.context_dir("meta", name).join("meta.json");
        if !meta_file.is_file() {
            return Err(Error::NotFound {
                kind: "docker context",
                name: name.to_string(),
            });
        }
        let meta = read_meta(&meta_file)?;
        self.context_of(meta, is_current)
    }

    /// The engine a command uses, by the `docker` CLI's precedence: the `--context` flag, then `DOCKER_HOST` (the
    /// default context), then `DOCKER_CONTEXT`, then the current context of `config.json`.
    pub fn resolve(&self, flag: Option<&str>) -> Result<DockerContext> {
        self.get(&self.chosen_name(flag)?)
    }

    /// The name of the context [`ContextStore::resolve`] picks.
    pub fn chosen_name(&self, flag: Option<&str>) -> Result<String> {
        let name = chosen_context(
            flag,
            std::env::var(DOCKER_HOST_ENV).ok().as_deref(),
            std::env::var(DOCKER_CONTEXT_ENV).ok().as_deref(),
        );
        match name {
            Some(name) => Ok(name),
            None => self.current(),
        }
    }

    /// `contexts/<kind>/<sha256 of the name>`: the `docker` CLI names a context's folders by the digest of its name.
    fn context_dir(&self, kind: &str, name: &str) -> PathBuf {
        let digest = Sha256::digest(name.as_bytes());
        let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
        self.config_dir.join("contexts").join(kind).join(hex)
    }

    fn context_of(&self, meta: ContextMeta, current: bool) -> Result<DockerContext> {
        let field = format!("docker context {}", meta.name);
        let docker = meta.endpoints.get("docker").ok_or_else(|| Error::Invalid {
            field: field.clone(),
            rule: "it has no docker endpoint".into(),
        })?;
        let host = docker
            .host
            .clone()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| Error::Invalid {
                field: field.clone(),
                rule: "its docker endpoint has no host".into(),
            })?;
        let tls_dir = self.context_dir("tls", &meta.name).join("docker");
        let (endpoint, problem) = match endpoint_of(&host, docker.skip_tls_verify, &tls_dir) {
            Ok(endpoint) => (endpoint, None),
            Err(problem) => (Endpoint::Host { url: host.clone() }, Some(problem)),
        };
        Ok(DockerContext {
            problem,
            description: meta
                .metadata
                .and_then(|metadata| metadata.description)
                .unwrap_or_default(),
            name: meta.name,
            endpoint,
            current,
        })
    }
}

fn default_context(current: bool) -> DockerContext {
    DockerContext {
        name: DEFAULT_CONTEXT.to_string(),
        description: "DOCKER_HOST, else the local socket".to_string(),
        endpoint: Endpoint::Local,
        current,
        problem: None,
    }
}

/// The context name the flag and the environment choose, or `None` for the configuration's current one. A set
/// `DOCKER_HOST` means the default context, whose engine it is.
pub fn chosen_context(
    flag: Option<&str>,
    docker_host: Option<&str>,
    docker_context: Option<&str>,
) -> Option<String> {
    let given = |value: Option<&str>| value.filter(|value| !value.is_empty()).map(str::to_string);
    given(flag)
        .or_else(|| given(docker_host).map(|_| DEFAULT_CONTEXT.to_string()))
        .or_else(|| given(docker_context))
}

/// The endpoint of a context's docker host and TLS folder (`ca.pem`, `cert.pem`, `key.pem`, as `docker context
/// create --docker host=…,ca=…,cert=…,key=…` copies them there), or why Swarmdeck cannot use it.
fn endpoint_of(
    host: &str,
    skip_tls_verify: bool,
    tls_dir: &Path,
) -> std::result::Result<Endpoint, String> {
    if host.starts_with("ssh://") {
        return Err(format!(
            "its endpoint {host} is SSH, and bollard, Swarmdeck's engine client, has no SSH transport; forward \
             the engine's socket instead (`ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock user@host`) \
             and use `unix:///tmp/remote-docker.sock`"
        ));
    }
    let file = |file: &str| tls_dir.join(file);
    let present: Vec<&str> = ["ca.pem", "cert.pem", "key.pem"]
        .into_iter()
        .filter(|name| file(name).is_file())
        .collect();
    if present.is_empty() {
        return Ok(Endpoint::Host {
            url: host.to_string(),
        });
    }
    if skip_tls_verify {
        return Err("it skips verifying the engine's certificate, which Swarmdeck never does; give it the CA \
                    that signed the engine's certificate"
            .to_string());
    }
    if let Some(missing) = ["ca.pem", "cert.pem", "key.pem"]
        .into_iter()
        .find(|name| !present.contains(name))
    {
        return Err(format!(
            "its TLS material lacks {missing} (looked in {}); Swarmdeck needs the CA, a client certificate and \
             its key",
            tls_dir.display()
        ));
    }
    let path = |name: &str| file(name).to_string_lossy().into_owned();
    Ok(Endpoint::Tls {
        url: host.to_string(),
        ca_path: path("ca.pem"),
        cert_path: path("cert.pem"),
        key_path: path("key.pem"),
    })
}

fn read_meta(path: &Path) -> Result<ContextMeta> {
    let text =
        std::fs::read_to_string(path).map_err(|error| unreadable(path, &error.to_string()))?;
    serde_json::from_str(&text).map_err(|error| unreadable(path, &error.to_string()))
}

fn unreadable(path: &Path, reason: &str) -> Error {
    Error::Invalid {
        field: path.display().to_string(),
        rule: format!("the Docker configuration cannot be read: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration directory written the way `docker context create` writes one.
    struct Config {
        dir: PathBuf,
    }

    impl Config {
        fn new(test: &str) -> Config {
            let dir = std::env::temp_dir()
                .join(format!("swarmdeck-contexts-{test}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a temporary directory");
            Config { dir }
        }

        fn store(&self) -> ContextStore {
            ContextStore::new(&self.dir)
        }

        fn context(&self, name: &str, host: &str, tls: &[&str]) {
            let store = self.store();
            let meta = store.context_dir("meta", name);
            std::fs::create_dir_all(&meta).expect("meta folder");
            let json = serde_json::json!({
                "Name": name,
                "Metadata": { "Description": format!("{name} engine") },
                "Endpoints": { "docker": { "Host": host, "SkipTLSVerify": false } }
            });
            std::fs::write(meta.join("meta.json"), json.to_string()).expect("meta.json");
            if !tls.is_empty() {
                let tls_dir = store.context_dir("tls", name).join("docker");
                std::fs::create_dir_all(&tls_dir).expect("tls folder");
                for file in tls {
                    std::fs::write(tls_dir.join(file), "PEM").expect("tls file");
                }
            }
        }

        fn current(&self, name: &str) {
            let json = serde_json::json!({ "auths": {}, "currentContext": name });
            std::fs::write(self.dir.join("config.json"), json.to_string()).expect("config.json");
        }
    }

    impl Drop for Config {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    #[test]
    fn the_docker_clis_precedence_chooses_the_context() {
        assert_eq!(
            chosen_context(Some("prod"), Some("tcp://h:2375"), Some("dev")).as_deref(),
            Some("prod")
        );
        assert_eq!(
            chosen_context(None, Some("tcp://h:2375"), Some("dev")).as_deref(),
            Some("default")
        );
        assert_eq!(
            chosen_context(None, None, Some("dev")).as_deref(),
            Some("dev")
        );
        assert_eq!(chosen_context(None, Some(""), Some("")), None);
        assert_eq!(chosen_context(None, None, None), None);
    }

    #[test]
    fn contexts_are_listed_default_first_with_their_endpoints_and_the_current_one_marked() {
        let config = Config::new("list");
        config.context("staging", "unix:///run/staging.sock", &[]);
        config.context(
            "prod",
            "tcp://prod.example:2376",
            &["ca.pem", "cert.pem", "key.pem"],
        );
        config.current("prod");
        let contexts = config.store().list().expect("contexts");
        let names: Vec<&str> = contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["default", "prod", "staging"]);
        assert_eq!(contexts[0].endpoint, Endpoint::Local);
        assert!(!contexts[0].current);
        assert!(contexts[1].current);
        assert_eq!(contexts[1].description, "prod engine");
        match &contexts[1].endpoint {
            Endpoint::Tls {
                url,
                ca_path,
                cert_path,
                key_path,
            } => {
                assert_eq!(url, "tcp://prod.example:2376");
                // The files stay where the Docker configuration keeps them.
                assert!(
                    ca_path.starts_with(&*config.dir.to_string_lossy())
                        && ca_path.ends_with("ca.pem")
                );
                assert!(cert_path.ends_with("cert.pem") && key_path.ends_with("key.pem"));
            }
            other => panic!("prod should be TLS, got {other:?}"),
        }
        assert_eq!(
            contexts[2].endpoint,
            Endpoint::Host {
                url: "unix:///run/staging.sock".into()
            }
        );
        assert_eq!(config.store().current().expect("current"), "prod");
    }

    #[test]
    fn without_a_configuration_there_is_the_default_context_only() {
        let config = Config::new("empty");
        assert_eq!(config.store().current().expect("current"), "default");
        let contexts = config.store().list().expect("contexts");
        assert_eq!(contexts.len(), 1);
        assert!(contexts[0].current);
    }

    #[test]
    fn an_unknown_ssh_or_incomplete_context_says_what_is_wrong() {
        let config = Config::new("errors");
        config.context("remote", "ssh://admin@server", &[]);
        config.context("half", "tcp://h:2376", &["ca.pem", "cert.pem"]);
        let store = config.store();
        let missing = store.get("nope").expect_err("no such context").to_string();
        assert!(missing.contains("docker context nope"), "{missing}");
        let listed = store.list().expect("unusable contexts are listed");
        assert!(
            listed
                .iter()
                .any(|c| c.name == "remote"
                    && c.problem.as_deref().is_some_and(|p| p.contains("SSH")))
        );
        let ssh = store.get("remote").expect_err("ssh").to_string();
        assert!(
            ssh.contains("SSH") && ssh.contains("ssh://admin@server"),
            "{ssh}"
        );
        let half = store.get("half").expect_err("no key").to_string();
        assert!(
            half.contains("key.pem") && half.contains("docker context half"),
            "{half}"
        );
    }
}
