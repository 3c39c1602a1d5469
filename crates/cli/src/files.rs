//! `secret` and `config` over the core's organization files.

use std::io::Read;

use serde::Serialize;
use swarmdeck_orchestrator::{FileKind, Orchestrator, OrgFile};

use crate::args::files::ValueArgs;
use crate::args::FileCommand;
use crate::error::CliError;
use crate::output::Output;
use crate::{output, with_progress};

#[derive(Serialize)]
struct Removed {
    name: String,
    versions: Vec<String>,
}

pub async fn run(
    out: Output,
    core: Orchestrator,
    kind: FileKind,
    command: FileCommand,
) -> Result<(), CliError> {
    match command {
        FileCommand::Create { org, name, value } => {
            let file = core
                .create_org_file(&org, kind, &name, content(&value)?)
                .await?;
            out.emit(&file, |f| {
                format!(
                    "{} {} version {} ({})\n",
                    kind.as_str(),
                    f.name,
                    f.version,
                    f.object_name
                )
            })
        }
        FileCommand::Ls { org } => {
            let files = core.org_files(&org).await?;
            let files: Vec<OrgFile> = files.into_iter().filter(|f| f.kind == kind).collect();
            out.emit(&files, |f| output::files::list(f))
        }
        FileCommand::Attach {
            service,
            name,
            path,
            gate,
        } => {
            let target = path.unwrap_or_else(|| default_path(kind, &name));
            let outcome = with_progress(out, gate.gate(), |options| async move {
                core.attach_file(&service, kind, &name, &target, &options)
                    .await
            })
            .await?;
            out.emit(&outcome, |o| output::deploy_outcome("attached to", o))
        }
        FileCommand::Rotate {
            org,
            name,
            value,
            keep_old,
            gate,
        } => {
            let data = content(&value)?;
            let rotation = with_progress(out, gate.gate(), |options| async move {
                core.rotate_file(&org, kind, &name, data, keep_old, &options)
                    .await
            })
            .await?;
            out.emit(&rotation, output::files::rotation)
        }
        FileCommand::Rm { org, name } => {
            let versions = core.remove_org_file(&org, kind, &name).await?;
            out.emit(&Removed { name, versions }, |r| {
                format!(
                    "removed {} {} ({} versions)\n",
                    kind.as_str(),
                    r.name,
                    r.versions.len()
                )
            })
        }
    }
}

/// Where a file goes by default: the engine's own default for secrets, the root for configs (as compose does).
fn default_path(kind: FileKind, name: &str) -> String {
    match kind {
        FileKind::Secret => format!("/run/secrets/{name}"),
        FileKind::Config => format!("/{name}"),
    }
}

fn content(value: &ValueArgs) -> Result<Vec<u8>, CliError> {
    match (&value.value, &value.file) {
        (Some(text), _) => Ok(text.clone().into_bytes()),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut data = Vec::new();
            std::io::stdin().read_to_end(&mut data)?;
            Ok(data)
        }
        (None, Some(path)) => std::fs::read(path).map_err(|error| {
            CliError::Usage(format!("cannot read --file {}: {error}", path.display()))
        }),
        (None, None) => Err(CliError::Usage(
            "give the content with --value or --file".to_string(),
        )),
    }
}
