//! Which engine the CLI talks to: the Docker context chosen as the `docker` CLI chooses it (`--context`, then
//! `DOCKER_HOST`, then `DOCKER_CONTEXT`, then the configuration's current context), and `context ls`.

use std::sync::OnceLock;

use serde::Serialize;
use swarmdeck_orchestrator::contexts::{ContextStore, DockerContext};
use swarmdeck_orchestrator::{Endpoint, Error};

use crate::error::CliError;
use crate::output::table;

/// The `--context` flag, set once from the arguments before any command connects.
static CONTEXT_FLAG: OnceLock<Option<String>> = OnceLock::new();

/// Remembers the `--context` flag for [`chosen_endpoint`].
pub fn remember_flag(flag: Option<String>) {
    let _ = CONTEXT_FLAG.set(flag);
}

/// The engine of the chosen context; `None` for the default context, which the core reaches the usual way.
pub fn chosen_endpoint() -> Result<Option<Endpoint>, CliError> {
    let flag = CONTEXT_FLAG.get().and_then(|flag| flag.as_deref());
    let context = store()?.resolve(flag)?;
    Ok((context.endpoint != Endpoint::Local).then_some(context.endpoint))
}

/// One row of `context ls`.
#[derive(Debug, Serialize)]
pub struct ContextRow {
    pub name: String,
    pub description: String,
    /// The engine address (`unix://…`, `tcp://…`).
    pub endpoint: String,
    /// Whether the connection verifies the engine with the context's CA and presents a client certificate.
    pub tls: bool,
    /// Whether the Docker configuration names it current.
    pub current: bool,
    /// Why Swarmdeck cannot use it (SSH, incomplete TLS material).
    pub problem: Option<String>,
}

/// The contexts of the Docker configuration (`DOCKER_CONFIG`, else `~/.docker`).
pub fn list() -> Result<Vec<ContextRow>, CliError> {
    Ok(store()?.list()?.into_iter().map(row).collect())
}

fn row(context: DockerContext) -> ContextRow {
    ContextRow {
        endpoint: context.address(),
        tls: context.uses_tls(),
        name: context.name,
        description: context.description,
        current: context.current,
        problem: context.problem,
    }
}

/// `context ls` as text: the current context starred, as `docker context ls` does.
pub fn contexts_text(rows: &[ContextRow]) -> String {
    table(
        &["NAME", "ENDPOINT", "TLS", "DESCRIPTION"],
        rows.iter()
            .map(|row| {
                vec![
                    if row.current {
                        format!("{} *", row.name)
                    } else {
                        row.name.clone()
                    },
                    row.endpoint.clone(),
                    if row.tls { "yes" } else { "no" }.to_string(),
                    match &row.problem {
                        Some(problem) => format!("unusable: {problem}"),
                        None => row.description.clone(),
                    },
                ]
            })
            .collect(),
    )
}

fn store() -> Result<ContextStore, CliError> {
    ContextStore::from_env().ok_or_else(|| {
        CliError::Core(Error::Invalid {
            field: "DOCKER_CONFIG".into(),
            rule: "neither DOCKER_CONFIG nor HOME is set, so there is no Docker configuration to read contexts from"
                .into(),
        })
    })
}
