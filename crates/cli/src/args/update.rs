//! `update` and `rollback`: changes to a running service.

use std::collections::BTreeMap;

use clap::Args;
use swarmdeck_orchestrator::{Resources, UpdateRequest};

use super::placement::PlacementChangeArgs;
use super::policy::{GateArgs, PolicyArgs};
use super::values::{env_map, parse_env};
use crate::error::CliError;

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Swarm service name.
    pub service: String,
    /// New image repository.
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// New image tag or digest.
    #[arg(long)]
    pub tag: Option<String>,
    /// Environment variable; any given replace the whole environment.
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env, conflicts_with = "clear_env")]
    pub env: Vec<(String, String)>,
    /// Remove every environment variable.
    #[arg(long)]
    pub clear_env: bool,
    /// CPU cores per replica (resources change together: give --memory-mb and --disk-gb too).
    #[arg(long, value_name = "CORES")]
    pub cpu: Option<f64>,
    /// Memory limit per replica in MB (with --cpu and --disk-gb).
    #[arg(long, value_name = "MB")]
    pub memory_mb: Option<u64>,
    /// Disk per replica in GB (with --cpu and --memory-mb).
    #[arg(long, value_name = "GB")]
    pub disk_gb: Option<u32>,
    /// New number of tasks.
    #[arg(long, value_name = "N")]
    pub replicas: Option<u32>,
    /// Your own id of this deployment; generated when absent.
    #[arg(long, value_name = "ID")]
    pub deployment_id: Option<String>,
    #[command(flatten)]
    pub placement: PlacementChangeArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub gate: GateArgs,
}

impl UpdateArgs {
    pub fn request(&self) -> Result<UpdateRequest, CliError> {
        let env = if self.clear_env {
            Some(BTreeMap::new())
        } else if self.env.is_empty() {
            None
        } else {
            Some(env_map(&self.env))
        };
        Ok(UpdateRequest {
            image_name: self.image.clone(),
            image_tag: self.tag.clone(),
            env,
            resources: resources(self.cpu, self.memory_mb, self.disk_gb)?,
            replicas: self.replicas,
            health_check: None,
            update_policy: self.policy.policy(),
            placement: self.placement.update(),
            deployment_id: self.deployment_id.clone(),
        })
    }
}

/// The core replaces all three resource fields at once, so a partial change would silently reset the others.
fn resources(
    cpu: Option<f64>,
    memory_mb: Option<u64>,
    disk_gb: Option<u32>,
) -> Result<Option<Resources>, CliError> {
    match (cpu, memory_mb, disk_gb) {
        (None, None, None) => Ok(None),
        (Some(cpu_cores), Some(memory_mb), Some(disk_gb)) => Ok(Some(Resources {
            cpu_cores,
            memory_mb,
            disk_gb,
        })),
        _ => {
            let missing: Vec<&str> = [
                ("--cpu", cpu.is_none()),
                ("--memory-mb", memory_mb.is_none()),
                ("--disk-gb", disk_gb.is_none()),
            ]
            .into_iter()
            .filter_map(|(flag, absent)| absent.then_some(flag))
            .collect();
            Err(CliError::Usage(format!(
                "--cpu, --memory-mb and --disk-gb replace the resources together: also give {}",
                missing.join(" and ")
            )))
        }
    }
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Swarm service name.
    pub service: String,
    /// Restore this recorded deployment instead of the previous one.
    #[arg(long, value_name = "DEPLOYMENT")]
    pub to: Option<String>,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{parse, Cli, Command};

    #[test]
    fn update_resources_come_all_together_or_not_at_all() {
        assert!(matches!(resources(None, None, None), Ok(None)));
        assert!(matches!(
            resources(Some(1.0), Some(512), Some(2)),
            Ok(Some(_))
        ));
        let partial = resources(Some(1.0), None, None);
        assert!(matches!(
            partial,
            Err(CliError::Usage(ref m)) if m.contains("--memory-mb and --disk-gb")
        ));
    }

    #[test]
    fn update_env_replaces_or_clears() {
        let Ok(Cli {
            command: Command::Update(args),
            ..
        }) = parse(&["update", "svc", "--clear-env"])
        else {
            panic!("update arguments should parse");
        };
        assert_eq!(
            args.request().ok().and_then(|r| r.env),
            Some(BTreeMap::new())
        );
        let Ok(Cli {
            command: Command::Update(args),
            ..
        }) = parse(&["update", "svc"])
        else {
            panic!("update arguments should parse");
        };
        assert_eq!(args.request().ok().map(|r| r.env), Some(None));
        assert!(parse(&["update", "svc", "--clear-env", "--env", "A=1"]).is_err());
    }
}
