//! A service's environment: `environment` (a mapping or a `KEY=value` list; a name alone takes the variable
//! from the environment compose runs in) and `env_file` (read from the compose file's folder).

use std::collections::BTreeMap;
use std::path::Path;

use super::values;
use super::yaml::{Node, Reader};
use crate::error::Result;

pub(super) fn environment(
    reader: &Reader<'_>,
    node: &Node<'_>,
) -> Result<BTreeMap<String, String>> {
    let mut env = BTreeMap::new();
    // A name without a value takes the variable from the environment compose runs in, if set.
    let mut put = |name: String, value: Option<String>| {
        if let Some(value) = value.or_else(|| reader.variables.get(&name).cloned()) {
            env.insert(name, value);
        }
    };
    match reader.sequence(node, "environment") {
        Ok(items) => {
            for item in items {
                let text = reader.text(item, "environment")?;
                match text.split_once('=') {
                    Some((name, value)) => put(name.to_string(), Some(value.to_string())),
                    None => put(text, None),
                }
            }
        }
        Err(_) => {
            for (name, _, value) in reader.mapping(node, "environment")? {
                let value = reader.optional_text(value, &format!("environment.{name}"))?;
                put(name, value);
            }
        }
    }
    Ok(env)
}

pub(super) fn env_files(
    reader: &Reader<'_>,
    node: &Node<'_>,
    base_dir: Option<&Path>,
) -> Result<BTreeMap<String, String>> {
    let mut env = BTreeMap::new();
    for path in reader.text_or_list(node, "env_file")? {
        let Some(base_dir) = base_dir else {
            return Err(reader.error(
                node,
                format!("env_file {path}: pasted text has no folder to read it from; open the compose file instead"),
            ));
        };
        let full = base_dir.join(&path);
        let text = std::fs::read_to_string(&full)
            .map_err(|e| reader.error(node, format!("env_file {}: {e}", full.display())))?;
        let variables = values::env_file(&text).map_err(|(line, message)| {
            reader.error(
                node,
                format!("env_file {} line {line}: {message}", full.display()),
            )
        })?;
        env.extend(variables);
    }
    Ok(env)
}
