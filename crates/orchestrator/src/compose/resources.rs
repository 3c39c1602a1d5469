//! Volumes, secrets and configs: declared at the top of the file, named by services. A secret's or config's
//! content is read from its file and versioned by its hash; an `external` one must already be this
//! organization's (as `stack export` writes them).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::service::unsupported;
use super::yaml::{Node, Reader};
use crate::error::Result;
use crate::files::FileContent;
use crate::model::{FileKind, FileMount, Mount, MountKind};
use crate::naming;

/// What the file declares at its top level.
#[derive(Default)]
pub(super) struct Declarations {
    volumes: HashSet<String>,
    /// The version of each declared secret and config.
    files: HashMap<(FileKind, String), String>,
    /// The contents read from files, to create before any service names them.
    pub contents: Vec<FileContent>,
}

/// Where relative paths start; pasted text has no folder, so it may use absolute paths only.
fn resolve(
    reader: &Reader<'_>,
    node: &Node<'_>,
    base_dir: Option<&Path>,
    path: &str,
    what: &str,
) -> Result<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let full = match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if Path::new(path).is_absolute() => PathBuf::from(path),
        _ => base_dir.map(|dir| dir.join(path)).ok_or_else(|| {
            reader.error(
                node,
                format!("{what} {path}: pasted text has no folder to read it from; open the compose file instead"),
            )
        })?,
    };
    // `./static` names the same folder as `static`; the engine and a diff should see one spelling.
    Ok(full
        .components()
        .filter(|c| *c != std::path::Component::CurDir)
        .collect())
}

impl Declarations {
    /// Reads the top-level `volumes`.
    pub fn read_volumes(&mut self, reader: &Reader<'_>, node: &Node<'_>) -> Result<()> {
        for (name, key_node, body) in reader.mapping(node, "volumes")? {
            crate::validate::object_name("volumes", &name)
                .map_err(|e| reader.error(key_node, e.to_string()))?;
            if reader.optional_text(body, "a volume").is_err() {
                for (key, option_node, value) in reader.mapping(body, &format!("volume {name}"))? {
                    match key.as_str() {
                        "driver" if reader.text(value, "driver")? == "local" => {}
                        other => {
                            return Err(reader.error(
                                option_node,
                                format!("volumes.{name}.{}", unsupported(other)),
                            ))
                        }
                    }
                }
            }
            self.volumes.insert(name);
        }
        Ok(())
    }

    /// Reads the top-level `secrets` or `configs`.
    pub fn read_files(
        &mut self,
        reader: &Reader<'_>,
        node: &Node<'_>,
        kind: FileKind,
        org_id: &str,
        base_dir: Option<&Path>,
    ) -> Result<()> {
        let what = format!("{}s", kind.as_str());
        for (name, key_node, body) in reader.mapping(node, &what)? {
            let mut file = None;
            let mut external = false;
            let mut object = None;
            for (key, option_node, value) in reader.mapping(body, &format!("{what}.{name}"))? {
                match key.as_str() {
                    "file" => file = Some((reader.text(value, "file")?, value)),
                    "external" => external = reader.boolean(value, "external")?,
                    "name" => object = Some((reader.text(value, "name")?, value)),
                    other => {
                        return Err(reader
                            .error(option_node, format!("{what}.{name}.{}", unsupported(other))))
                    }
                }
            }
            let version = match (file, external, object) {
                (Some((path, at)), false, None) => {
                    let full = resolve(reader, at, base_dir, &path, "file")?;
                    let data = std::fs::read(&full).map_err(|e| reader.error(at, format!("file {}: {e}", full.display())))?;
                    let content = FileContent::new(kind, &name, data);
                    let version = content.version.clone();
                    self.contents.push(content);
                    version
                }
                (None, true, Some((object, at))) => match naming::file_object_of(org_id, &object) {
                    Some((declared, version)) if declared == name => version,
                    _ => {
                        return Err(reader.error(
                            at,
                            format!(
                                "external {} {object} is not one of this organization's (they are named {})",
                                kind.as_str(),
                                naming::file_object_name(org_id, &name, "<version>")
                            ),
                        ))
                    }
                },
                _ => {
                    return Err(reader.error(
                        key_node,
                        format!("{what}.{name} needs either `file`, or `external: true` with the `name` of this organization's {}", kind.as_str()),
                    ))
                }
            };
            self.files.insert((kind, name), version);
        }
        Ok(())
    }

    /// A service's `volumes`: `name:/path[:ro]`, `./host:/path`, or the long form.
    pub fn mounts(
        &self,
        reader: &Reader<'_>,
        node: &Node<'_>,
        base_dir: Option<&Path>,
    ) -> Result<Vec<Mount>> {
        let mut mounts = Vec::new();
        for item in reader.sequence(node, "volumes")? {
            let (source, target, read_only, bind) = if reader.mapping(item, "a volume").is_ok() {
                let mut fields: HashMap<String, String> = HashMap::new();
                for (key, key_node, value) in reader.mapping(item, "a volume")? {
                    match key.as_str() {
                        "type" | "source" | "target" | "read_only" => {
                            fields.insert(key, reader.text(value, "a volume")?);
                        }
                        other => {
                            return Err(
                                reader.error(key_node, format!("volumes.{}", unsupported(other)))
                            )
                        }
                    }
                }
                let bind = match fields.get("type").map(String::as_str) {
                    Some("bind") => true,
                    Some("volume") | None => false,
                    Some(other) => {
                        return Err(reader
                            .error(item, format!("volume type {other} must be volume or bind")))
                    }
                };
                let field = |key: &str| {
                    fields
                        .get(key)
                        .cloned()
                        .ok_or_else(|| reader.error(item, format!("a volume needs `{key}`")))
                };
                (
                    field("source")?,
                    field("target")?,
                    fields.get("read_only").is_some_and(|v| v == "true"),
                    bind,
                )
            } else {
                let text = reader.text(item, "a volume")?;
                let parts: Vec<&str> = text.split(':').collect();
                let (source, target, mode) = match parts.as_slice() {
                    [source, target] => (*source, *target, "rw"),
                    [source, target, mode] => (*source, *target, *mode),
                    _ => {
                        return Err(reader.error(
                            item,
                            format!("`{text}`: a volume is SOURCE:TARGET[:ro] (anonymous volumes are not supported)"),
                        ))
                    }
                };
                if mode != "ro" && mode != "rw" {
                    return Err(reader.error(item, format!("`{text}`: the mode must be ro or rw")));
                }
                let bind = source.starts_with(['/', '.', '~']);
                (source.to_string(), target.to_string(), mode == "ro", bind)
            };
            let source = if bind {
                resolve(reader, item, base_dir, &source, "bind mount")?
                    .display()
                    .to_string()
            } else if self.volumes.contains(&source) {
                source
            } else {
                return Err(reader.error(
                    item,
                    format!("volume {source} is not declared under the top-level `volumes`"),
                ));
            };
            mounts.push(Mount {
                kind: if bind {
                    MountKind::Bind
                } else {
                    MountKind::Volume
                },
                source,
                target,
                read_only,
            });
        }
        Ok(mounts)
    }

    /// A service's `secrets` or `configs`: names, or `{source, target}`.
    pub fn file_mounts(
        &self,
        reader: &Reader<'_>,
        node: &Node<'_>,
        kind: FileKind,
    ) -> Result<Vec<FileMount>> {
        let what = format!("{}s", kind.as_str());
        let mut mounts = Vec::new();
        for item in reader.sequence(node, &what)? {
            let (name, target) = if reader.mapping(item, &what).is_ok() {
                let mut source = None;
                let mut target = None;
                for (key, key_node, value) in reader.mapping(item, &what)? {
                    match key.as_str() {
                        "source" => source = Some(reader.text(value, "source")?),
                        "target" => target = Some(reader.text(value, "target")?),
                        other => {
                            return Err(
                                reader.error(key_node, format!("{what}.{}", unsupported(other)))
                            )
                        }
                    }
                }
                (
                    source.ok_or_else(|| {
                        reader.error(item, format!("a {} needs `source`", kind.as_str()))
                    })?,
                    target,
                )
            } else {
                (reader.text(item, &what)?, None)
            };
            let version = self.files.get(&(kind, name.clone())).ok_or_else(|| {
                reader.error(
                    item,
                    format!(
                        "{} {name} is not declared under the top-level `{what}`",
                        kind.as_str()
                    ),
                )
            })?;
            let target = target.unwrap_or_else(|| name.clone());
            let target = match (target.starts_with('/'), kind) {
                (true, _) => target,
                (false, FileKind::Secret) => format!("/run/secrets/{target}"),
                (false, FileKind::Config) => format!("/{target}"),
            };
            mounts.push(FileMount {
                kind,
                name,
                version: version.clone(),
                target,
            });
        }
        Ok(mounts)
    }
}
