//! Compose files: reading one into an organization's service definitions, and writing an organization back out
//! as one. Pure apart from reading the files a compose file names (`.env`, `env_file`).
//!
//! Supported is the Compose Specification as `docker stack deploy` reads it, for the keys Swarmdeck can honour;
//! every other key is an error at its line and column, never dropped.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{FileKind, ServiceDefinition};

mod deploy;
mod env;
mod export;
mod interpolate;
mod resources;
mod service;
#[cfg(test)]
mod tests;
mod values;
mod yaml;

pub use export::export;
use yaml::{Node, Reader};

/// A compose file to read, and where its relative paths start.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComposeSource {
    /// How errors name the file: its path, or `pasted text`.
    pub file_name: String,
    /// The YAML text.
    pub text: String,
    /// The folder `.env` and `env_file` paths are read from; `None` for pasted text, which may name neither.
    #[serde(default)]
    pub base_dir: Option<PathBuf>,
    /// Variables for interpolation read from this file instead of `{base_dir}/.env`.
    #[serde(default)]
    pub env_file: Option<PathBuf>,
    /// Variables of the environment the user runs in; they win over the `.env` file's, as in compose.
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
}

/// A line and column in the compose file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Line.
    pub line: usize,
    /// Column.
    pub column: usize,
}

impl Position {
    fn of(node: &Node<'_>) -> Position {
        Position {
            line: node.span.start.line(),
            column: node.span.start.col() + 1,
        }
    }
}

/// One service of a compose file, read into our terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposeService {
    /// What the service should be; its `service_id` is the default until matched with a running service.
    pub definition: ServiceDefinition,
    /// The services it starts after, with where each is named.
    pub depends_on: Vec<(String, Position)>,
    /// Where the service is defined.
    pub position: Position,
}

/// A compose file read for one organization: its services in an order that honours `depends_on`.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposeStack {
    /// Dependencies first; otherwise in the file's order.
    pub services: Vec<ComposeService>,
    /// The secrets and configs the file reads from files, each at the version of its content.
    pub files: Vec<crate::files::FileContent>,
}

/// Reads a compose file into the definitions it asks for in `org_id`.
pub fn read(source: &ComposeSource, org_id: &str) -> Result<ComposeStack> {
    crate::validate::org_id(org_id)?;
    let variables = variables(source)?;
    let reader = Reader {
        file: &source.file_name,
        variables: &variables,
    };
    let root = yaml::load(&source.file_name, &source.text)?;
    let base_dir = source.base_dir.as_deref();
    let entries = reader.mapping(&root, "the file")?;
    // Services name what the top level declares, wherever in the file it stands.
    let mut declared = resources::Declarations::default();
    let mut services_node = None;
    for (key, key_node, value) in &entries {
        match key.as_str() {
            "services" => services_node = Some(*value),
            // Obsolete in the Compose Specification and ignored by `docker stack deploy` too.
            "version" => {}
            "networks" => {
                let own = crate::naming::network_name(org_id);
                for (name, name_node, _) in reader.mapping(value, "networks")? {
                    if name != "default" && name != own {
                        return Err(reader.error(
                            name_node,
                            format!("network {name}: services join only their organization's network ({own})"),
                        ));
                    }
                }
            }
            "volumes" => declared.read_volumes(&reader, value)?,
            "secrets" => declared.read_files(&reader, value, FileKind::Secret, org_id, base_dir)?,
            "configs" => declared.read_files(&reader, value, FileKind::Config, org_id, base_dir)?,
            "name" => {
                return Err(reader.error(
                    key_node,
                    "`name` is not used: the organization is the stack's namespace",
                ))
            }
            key if key.starts_with("x-") => {}
            other => {
                return Err(reader.error(
                    key_node,
                    format!("top-level `{other}` is not part of a compose file"),
                ))
            }
        }
    }
    let services_seen = services_node.is_some();
    let mut services = Vec::new();
    if let Some(node) = services_node {
        for (_, name_node, body) in reader.mapping(node, "services")? {
            services.push(service::read(
                &reader, org_id, name_node, body, base_dir, &declared,
            )?);
        }
    }
    if !services_seen || services.is_empty() {
        return Err(reader.error(&root, "the file defines no `services`"));
    }
    Ok(ComposeStack {
        services: in_dependency_order(&source.file_name, services)?,
        files: declared.contents,
    })
}

/// The interpolation variables: the `.env` file (or the one named), overridden by the user's environment.
fn variables(source: &ComposeSource) -> Result<BTreeMap<String, String>> {
    let path = match (&source.env_file, &source.base_dir) {
        (Some(path), _) => Some((path.clone(), true)),
        (None, Some(dir)) => Some((dir.join(".env"), false)),
        (None, None) => None,
    };
    let mut variables = BTreeMap::new();
    if let Some((path, required)) = path {
        let file_error = |line, message: String| Error::Compose {
            file: path.display().to_string(),
            line,
            column: 1,
            message,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                variables =
                    values::env_file(&text).map_err(|(line, message)| file_error(line, message))?;
            }
            Err(error) if required || error.kind() != std::io::ErrorKind::NotFound => {
                return Err(file_error(1, format!("cannot read the env file: {error}")))
            }
            Err(_) => {}
        }
    }
    variables.extend(source.environment.clone());
    Ok(variables)
}

/// Orders services so each comes after what it depends on, keeping the file's order otherwise.
fn in_dependency_order(file: &str, services: Vec<ComposeService>) -> Result<Vec<ComposeService>> {
    let index: HashMap<String, usize> = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.definition.slug.clone(), i))
        .collect();
    let at = |position: Position, message: String| Error::Compose {
        file: file.to_string(),
        line: position.line,
        column: position.column,
        message,
    };
    for service in &services {
        for (dependency, position) in &service.depends_on {
            if !index.contains_key(dependency) {
                return Err(at(
                    *position,
                    format!("depends_on: there is no service {dependency} in this file"),
                ));
            }
        }
    }
    // 0 = not visited, 1 = on the current path, 2 = placed.
    let mut state = vec![0u8; services.len()];
    let mut order = Vec::with_capacity(services.len());
    fn visit(
        i: usize,
        services: &[ComposeService],
        index: &HashMap<String, usize>,
        state: &mut [u8],
        order: &mut Vec<usize>,
    ) -> std::result::Result<(), (usize, String)> {
        match state[i] {
            2 => return Ok(()),
            1 => return Err((i, services[i].definition.slug.clone())),
            _ => {}
        }
        state[i] = 1;
        for (dependency, _) in &services[i].depends_on {
            visit(index[dependency], services, index, state, order)?;
        }
        state[i] = 2;
        order.push(i);
        Ok(())
    }
    for i in 0..services.len() {
        visit(i, &services, &index, &mut state, &mut order).map_err(|(at_service, slug)| {
            at(
                services[at_service].position,
                format!("depends_on forms a cycle through {slug}"),
            )
        })?;
    }
    let mut slots: Vec<Option<ComposeService>> = services.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}
