//! `deploy`: the service definition and its health check, assembled into a deploy request.

use clap::{Args, ValueEnum};
use swarmdeck_orchestrator::{DeployRequest, EndpointMode, HealthCheck, Resources};

use super::placement::PlacementArgs;
use super::policy::{GateArgs, PolicyArgs};
use super::values::{env_map, parse_env};

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Organization id.
    #[arg(long)]
    pub org: String,
    /// Service slug within the organization.
    #[arg(long)]
    pub slug: String,
    /// Image repository.
    #[arg(long, value_name = "NAME")]
    pub image: String,
    /// Image tag or digest.
    #[arg(long)]
    pub tag: String,
    /// Your own id of the service, kept as a label.
    #[arg(long, value_name = "ID")]
    pub service_id: Option<String>,
    /// Your own id of this deployment; generated when absent.
    #[arg(long, value_name = "ID")]
    pub deployment_id: Option<String>,
    /// CPU cores per replica.
    #[arg(long, value_name = "CORES", default_value_t = Resources::default().cpu_cores)]
    pub cpu: f64,
    /// Memory limit per replica in MB.
    #[arg(long, value_name = "MB", default_value_t = Resources::default().memory_mb)]
    pub memory_mb: u64,
    /// Disk per replica in GB.
    #[arg(long, value_name = "GB", default_value_t = Resources::default().disk_gb)]
    pub disk_gb: u32,
    /// Environment variable; repeat for more.
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Port the service listens on inside its network.
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Number of tasks.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replicas: u32,
    /// How other services reach this one.
    #[arg(long, value_enum, default_value_t = EndpointModeArg::Vip)]
    pub endpoint_mode: EndpointModeArg,
    #[command(flatten)]
    pub health: HealthCheckArgs,
    #[command(flatten)]
    pub placement: PlacementArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub gate: GateArgs,
}

impl DeployArgs {
    pub fn request(&self) -> DeployRequest {
        DeployRequest {
            org_id: self.org.clone(),
            slug: self.slug.clone(),
            service_id: self.service_id.clone(),
            deployment_id: self.deployment_id.clone(),
            image_name: self.image.clone(),
            image_tag: self.tag.clone(),
            resources: Resources {
                cpu_cores: self.cpu,
                memory_mb: self.memory_mb,
                disk_gb: self.disk_gb,
            },
            env: env_map(&self.env),
            internal_port: self.port,
            replicas: self.replicas,
            health_check: self.health.check(),
            endpoint_mode: self.endpoint_mode.into(),
            update_policy: self.policy.policy(),
            placement: self.placement.placement(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EndpointModeArg {
    Vip,
    Dnsrr,
}

impl From<EndpointModeArg> for EndpointMode {
    fn from(mode: EndpointModeArg) -> Self {
        match mode {
            EndpointModeArg::Vip => EndpointMode::Vip,
            EndpointModeArg::Dnsrr => EndpointMode::Dnsrr,
        }
    }
}

/// The container health check; its tuning flags mean nothing without a command.
#[derive(Debug, Args)]
pub struct HealthCheckArgs {
    /// Health check command, split on whitespace and run without a shell.
    #[arg(long, value_name = "CMD")]
    pub health_cmd: Option<String>,
    /// Seconds between checks.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 5,
        requires = "health_cmd"
    )]
    pub health_interval: u32,
    /// Seconds one check may take.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 3,
        requires = "health_cmd"
    )]
    pub health_timeout: u32,
    /// Consecutive failures before a task is unhealthy.
    #[arg(long, value_name = "N", default_value_t = 3, requires = "health_cmd")]
    pub health_retries: u32,
    /// Seconds after start during which failures do not count.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 0,
        requires = "health_cmd"
    )]
    pub health_start_period: u32,
}

impl HealthCheckArgs {
    pub fn check(&self) -> Option<HealthCheck> {
        let command = self.health_cmd.as_deref()?;
        Some(HealthCheck {
            command: command.split_whitespace().map(str::to_string).collect(),
            interval_secs: self.health_interval,
            timeout_secs: self.health_timeout,
            retries: self.health_retries,
            start_period_secs: self.health_start_period,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{parse, Cli, Command};

    #[test]
    fn deploy_builds_health_check_and_defaults() {
        let cli = parse(&[
            "deploy",
            "--org",
            "acme",
            "--slug",
            "web",
            "--image",
            "nginx",
            "--tag",
            "1.27",
            "--health-cmd",
            "/fixture  health --quick",
            "--health-retries",
            "5",
            "--env",
            "A=1",
        ]);
        let Ok(Cli {
            command: Command::Deploy(args),
            ..
        }) = cli
        else {
            panic!("deploy arguments should parse");
        };
        let request = args.request();
        let check = request.health_check.clone();
        assert_eq!(
            check.map(|c| (c.command, c.retries, c.interval_secs)),
            Some((
                vec!["/fixture".into(), "health".into(), "--quick".into()],
                5,
                5
            ))
        );
        assert_eq!(request.resources, Resources::default());
        assert_eq!(request.replicas, 1);
        assert_eq!(request.update_policy, None);
        assert_eq!(request.env.get("A").map(String::as_str), Some("1"));
    }

    #[test]
    fn health_tuning_needs_a_command() {
        let result = parse(&[
            "deploy",
            "--org",
            "a",
            "--slug",
            "b",
            "--image",
            "i",
            "--tag",
            "t",
            "--health-retries",
            "5",
        ]);
        assert!(result.is_err());
    }
}
