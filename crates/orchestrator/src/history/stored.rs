//! Records kept as swarm configs — deployment records and stack records alike: the data is JSON written once,
//! the outcome lives in labels (the only part of a config the swarm lets change).

use std::collections::HashMap;

use base64::Engine as _;
use bollard::models::Config;
use bollard::query_parameters::ListConfigsOptions;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{now_rfc3339, truncate, version_options};
use crate::error::{Error, Result};
use crate::naming::{label, MANAGED_BY};
use crate::{lease, Orchestrator};

/// A config's record with what its labels say of how it ended.
pub(crate) struct Stored<T> {
    pub data: T,
    /// The outcome label, as written.
    pub outcome: Option<String>,
    /// Whether an in-progress record's writer may still be working.
    pub holder_alive: bool,
    pub reason: Option<String>,
    pub finished_at: Option<String>,
}

/// The config data of a record.
pub(crate) fn encode(config_name: &str, record: &impl Serialize) -> Result<String> {
    let data = serde_json::to_vec(record).map_err(|e| Error::CorruptRecord {
        config: config_name.to_string(),
        reason: e.to_string(),
    })?;
    Ok(base64::engine::general_purpose::STANDARD.encode(data))
}

/// Reads a record and its outcome labels back from its config.
pub(crate) fn decode<T: DeserializeOwned>(config: &Config) -> Result<Stored<T>> {
    let spec = config.spec.as_ref();
    let name = spec.and_then(|s| s.name.clone()).unwrap_or_default();
    let corrupt = |reason: String| Error::CorruptRecord {
        config: name.clone(),
        reason,
    };
    let data = spec
        .and_then(|s| s.data.as_deref())
        .ok_or_else(|| corrupt("no data".into()))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| corrupt(e.to_string()))?;
    let data = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let labels = spec.and_then(|s| s.labels.clone()).unwrap_or_default();
    Ok(Stored {
        data,
        outcome: labels.get(label::OUTCOME).cloned(),
        holder_alive: lease::holder_alive(&labels),
        reason: labels.get(label::REASON).cloned(),
        finished_at: labels.get(label::FINISHED_AT).cloned(),
    })
}

impl Orchestrator {
    /// Our configs carrying `key=value`.
    pub(crate) async fn configs_labelled(&self, key: &str, value: &str) -> Result<Vec<Config>> {
        let filters = HashMap::from([(
            "label".to_string(),
            vec![
                format!("{key}={value}"),
                format!("{}={MANAGED_BY}", label::MANAGED_BY),
            ],
        )]);
        Ok(self
            .docker
            .list_configs(Some(ListConfigsOptions {
                filters: Some(filters),
            }))
            .await?)
    }

    /// Sets a record's outcome labels once `owner` accepts the config's labels; the data stays as written.
    pub(crate) async fn write_outcome(
        &self,
        config_name: &str,
        owner: impl Fn(Option<&HashMap<String, String>>) -> Result<()>,
        outcome: &str,
        reason: Option<&str>,
    ) -> Result<()> {
        for _ in 0..5 {
            let config = self.docker.inspect_config(config_name).await?;
            owner(config.spec.as_ref().and_then(|s| s.labels.as_ref()))?;
            let version = config.version.as_ref().and_then(|v| v.index).unwrap_or(0);
            let mut spec = config.spec.unwrap_or_default();
            let labels = spec.labels.get_or_insert_with(HashMap::new);
            labels.insert(label::OUTCOME.to_string(), outcome.to_string());
            labels.insert(label::FINISHED_AT.to_string(), now_rfc3339());
            labels.remove(label::WRITER);
            labels.remove(label::LEASE_UNTIL);
            match reason {
                // Label values are bounded; the full reason is in the logs.
                Some(reason) => labels.insert(label::REASON.to_string(), truncate(reason, 1000)),
                None => labels.remove(label::REASON),
            };
            match self
                .docker
                .update_config(config_name, spec, version_options(version))
                .await
                .map_err(Error::from)
            {
                Ok(()) => return Ok(()),
                Err(error) if error.is_out_of_sequence() => continue,
                Err(error) => return Err(error),
            }
        }
        Err(Error::Engine {
            status: 500,
            message: format!("record {config_name} kept changing while its outcome was written"),
        })
    }
}
