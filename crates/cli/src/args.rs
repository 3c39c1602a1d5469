//! Command-line arguments, and their assembly into orchestrator requests.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use swarmdeck_orchestrator::{
    DeployRequest, EndpointMode, FailureAction, HealthCheck, HealthGate, LogQuery, Resources,
    UpdateOrder, UpdatePolicy, UpdateRequest,
};

use crate::error::CliError;

/// Manage a Docker Swarm for many organizations.
#[derive(Debug, Parser)]
#[command(name = "swarmdeck", version)]
pub struct Cli {
    /// Machine output: one JSON document on stdout per command (one object per line for `logs -f`).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Swarm mode of this engine.
    #[command(subcommand)]
    Swarm(SwarmCommand),
    /// Create a service, or update it when it exists, and wait until it is healthy.
    Deploy(DeployArgs),
    /// Change some fields of a running service and roll the change out.
    Update(UpdateArgs),
    /// Set the replica count of a service.
    Scale {
        /// Swarm service name (`org-{org}-{slug}`, each `-` of the organization id doubled).
        service: String,
        /// New replica count.
        replicas: u32,
    },
    /// Remove a service with its deployment history.
    Rm {
        /// Swarm service name.
        service: String,
    },
    /// Replicas, update state and tasks of a service.
    Status {
        /// Swarm service name.
        service: String,
    },
    /// The swarm's state of the last update or rollback of a service.
    UpdateStatus {
        /// Swarm service name.
        service: String,
    },
    /// Read or follow the logs of a service.
    Logs(LogsArgs),
    /// Recorded deployments of a service, newest first.
    History {
        /// Swarm service name.
        service: String,
        /// Settle interrupted or outdated records from the swarm's state first.
        #[arg(long)]
        reconcile: bool,
    },
    /// Settle interrupted or outdated deployment records from the swarm's state.
    Reconcile {
        /// Swarm service name.
        service: String,
    },
    /// Roll back to the previous deployment, or to a recorded one.
    Rollback(RollbackArgs),
    /// Organizations: their networks and services.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Prove with real traffic that organizations cannot reach each other.
    #[command(subcommand)]
    Isolation(IsolationCommand),
}

#[derive(Debug, Subcommand)]
pub enum IsolationCommand {
    /// Probe every ordered pair of organizations; exits non-zero when any pair leaks.
    Check {
        /// Organizations to check (all that have a network when none are given).
        orgs: Vec<String>,
        /// Timeout of each connect and lookup, in milliseconds.
        #[arg(long, default_value_t = 1500)]
        timeout_ms: u32,
    },
    /// What this engine's host can and cannot do for isolation and discovery.
    Preflight,
}

#[derive(Debug, Subcommand)]
pub enum SwarmCommand {
    /// Initialise swarm mode unless it is active already.
    Init,
    /// Show the swarm as this engine sees it.
    Status,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// The organization's overlay network.
    #[command(subcommand)]
    Network(NetworkCommand),
    /// List the organization's services.
    Services {
        /// Organization id.
        org: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Create the organization's network unless it exists.
    Ensure {
        /// Organization id.
        org: String,
    },
    /// Remove the organization's network (refused while services use it).
    Rm {
        /// Organization id.
        org: String,
    },
    /// List the organization's services (same as `org services`).
    Services {
        /// Organization id.
        org: String,
    },
}

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

/// Overrides of the rolling update policy; fields not given keep the base policy's values (the defaults on a deploy,
/// the service's current policy on an update).
#[derive(Debug, Default, Args)]
pub struct PolicyArgs {
    /// Tasks updated at once.
    #[arg(long, value_name = "N")]
    pub update_parallelism: Option<u32>,
    /// Seconds between update batches.
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub update_delay: Option<Duration>,
    /// Seconds a new task is watched for failure.
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub update_monitor: Option<Duration>,
    /// What the swarm does when an update fails.
    #[arg(long, value_enum)]
    pub failure_action: Option<FailureActionArg>,
    /// Fraction of failed tasks tolerated before the failure action fires.
    #[arg(long, value_name = "F")]
    pub max_failure_ratio: Option<f64>,
    /// Whether a new task starts before the old one stops.
    #[arg(long, value_enum)]
    pub update_order: Option<UpdateOrderArg>,
}

impl PolicyArgs {
    /// The overrides over the default policy; `None` when no flag was given.
    pub fn policy(&self) -> Option<UpdatePolicy> {
        self.policy_over(&UpdatePolicy::default())
    }

    /// The overrides over `base`; `None` when no flag was given.
    pub fn policy_over(&self, base: &UpdatePolicy) -> Option<UpdatePolicy> {
        let given = self.update_parallelism.is_some()
            || self.update_delay.is_some()
            || self.update_monitor.is_some()
            || self.failure_action.is_some()
            || self.max_failure_ratio.is_some()
            || self.update_order.is_some();
        given.then(|| {
            let default = base.clone();
            UpdatePolicy {
                parallelism: self.update_parallelism.unwrap_or(default.parallelism),
                delay: self.update_delay.unwrap_or(default.delay),
                monitor: self.update_monitor.unwrap_or(default.monitor),
                failure_action: self
                    .failure_action
                    .map_or(default.failure_action, Into::into),
                max_failure_ratio: self.max_failure_ratio.unwrap_or(default.max_failure_ratio),
                order: self.update_order.map_or(default.order, Into::into),
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailureActionArg {
    Rollback,
    Pause,
    Continue,
}

impl From<FailureActionArg> for FailureAction {
    fn from(action: FailureActionArg) -> Self {
        match action {
            FailureActionArg::Rollback => FailureAction::Rollback,
            FailureActionArg::Pause => FailureAction::Pause,
            FailureActionArg::Continue => FailureAction::Continue,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UpdateOrderArg {
    StartFirst,
    StopFirst,
}

impl From<UpdateOrderArg> for UpdateOrder {
    fn from(order: UpdateOrderArg) -> Self {
        match order {
            UpdateOrderArg::StartFirst => UpdateOrder::StartFirst,
            UpdateOrderArg::StopFirst => UpdateOrder::StopFirst,
        }
    }
}

/// How the post-deploy health gate judges the result.
#[derive(Debug, Default, Args)]
pub struct GateArgs {
    /// Give up and roll back when not healthy after this many seconds [default: 60].
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub gate_timeout: Option<Duration>,
    /// Seconds between looks at the tasks [default: 2].
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub gate_poll: Option<Duration>,
    /// Seconds every new task must stay running and healthy [default: 10].
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    pub gate_settle: Option<Duration>,
}

impl GateArgs {
    pub fn gate(&self) -> HealthGate {
        let default = HealthGate::default();
        HealthGate {
            timeout: self.gate_timeout.unwrap_or(default.timeout),
            poll: self.gate_poll.unwrap_or(default.poll),
            settle: self.gate_settle.unwrap_or(default.settle),
        }
    }
}

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

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Swarm service name.
    pub service: String,
    /// Last N lines per task.
    #[arg(long, value_name = "N")]
    pub tail: Option<u32>,
    /// Only lines after this time: Unix seconds, or a duration ago (`90s`, `5m`, `2h`, `1d`, `1h30m`).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<TimeSpec>,
    /// Only lines before this time, in the same forms as --since.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<TimeSpec>,
    /// Show the engine's timestamps.
    #[arg(long)]
    pub timestamps: bool,
    /// Only standard output.
    #[arg(long, conflicts_with = "stderr_only")]
    pub stdout_only: bool,
    /// Only standard error.
    #[arg(long)]
    pub stderr_only: bool,
    /// Only lines containing this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Keep printing new lines until Ctrl-C.
    #[arg(short = 'f', long)]
    pub follow: bool,
}

impl LogsArgs {
    /// `now` is passed in so relative times resolve against one instant, and tests need no clock.
    pub fn query(&self, now: i64) -> LogQuery {
        LogQuery {
            tail: self.tail,
            since: self.since.map(|t| t.at(now)),
            until: self.until.map(|t| t.at(now)),
            timestamps: self.timestamps,
            stdout: !self.stderr_only,
            stderr: !self.stdout_only,
            filter: self.filter.clone(),
        }
    }
}

/// A point in time as given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSpec {
    /// Unix seconds.
    Unix(i64),
    /// This many seconds before now.
    Ago(u64),
}

impl TimeSpec {
    pub fn at(self, now: i64) -> i64 {
        match self {
            TimeSpec::Unix(seconds) => seconds,
            // Nothing predates the epoch, and the engine reads 0 as "from the start".
            TimeSpec::Ago(seconds) => now
                .saturating_sub(i64::try_from(seconds).unwrap_or(i64::MAX))
                .max(0),
        }
    }
}

/// Why a flag's value was refused; clap prints it after the flag's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue(String);

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidValue {}

fn invalid(message: impl Into<String>) -> InvalidValue {
    InvalidValue(message.into())
}

/// `K=V`, split at the first `=` so values may contain `=`.
pub fn parse_env(value: &str) -> Result<(String, String), InvalidValue> {
    match value.split_once('=') {
        Some(("", _)) => Err(invalid("the variable name before '=' is empty")),
        Some((key, val)) => Ok((key.to_string(), val.to_string())),
        None => Err(invalid("expected K=V, but there is no '='")),
    }
}

/// Later pairs win, as with `docker run -e`.
pub fn env_map(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    pairs.iter().cloned().collect()
}

/// Seconds, fractions allowed.
pub fn parse_secs(value: &str) -> Result<Duration, InvalidValue> {
    let seconds: f64 = value
        .trim()
        .parse()
        .map_err(|_| invalid("expected a number of seconds"))?;
    if seconds.is_sign_negative() {
        return Err(invalid("seconds cannot be negative"));
    }
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| invalid("not a representable number of seconds"))
}

/// Unix seconds, or a relative duration meaning that long before now.
pub fn parse_time(value: &str) -> Result<TimeSpec, InvalidValue> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value
            .parse()
            .map(TimeSpec::Unix)
            .map_err(|_| invalid("Unix time out of range"));
    }
    parse_relative(value).map(TimeSpec::Ago)
}

/// `90s`, `5m`, `2h`, `1d`, or a sequence of them (`1h30m`), in seconds.
fn parse_relative(value: &str) -> Result<u64, InvalidValue> {
    const FORMS: &str = "expected Unix seconds or a duration like 30s, 5m, 2h, 1d";
    if value.is_empty() {
        return Err(invalid(FORMS));
    }
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for c in value.chars() {
        if let Some(digit) = c.to_digit(10) {
            let next = number
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(digit)))
                .ok_or_else(|| invalid("duration too large"))?;
            number = Some(next);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(invalid(FORMS)),
        };
        let amount = number.take().ok_or_else(|| invalid(FORMS))?;
        total = amount
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(|| invalid("duration too large"))?;
    }
    if number.is_some() {
        // A trailing bare number (`1h30`) is ambiguous; a bare number alone is Unix time and never gets here.
        return Err(invalid(FORMS));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("swarmdeck").chain(args.iter().copied()))
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn env_splits_at_the_first_equals() {
        assert_eq!(
            parse_env("URL=postgres://u:p@h/db?x=1"),
            Ok(("URL".to_string(), "postgres://u:p@h/db?x=1".to_string()))
        );
        assert_eq!(
            parse_env("EMPTY="),
            Ok(("EMPTY".to_string(), String::new()))
        );
        assert!(parse_env("NOEQUALS").is_err());
        assert!(parse_env("=value").is_err());
    }

    #[test]
    fn env_without_equals_is_a_value_error_naming_the_flag() {
        let error = parse(&[
            "deploy", "--org", "a", "--slug", "b", "--image", "i", "--tag", "t", "--env", "FOO",
        ])
        .err()
        .map(|e| (e.kind(), e.to_string()));
        assert!(matches!(
            error,
            Some((clap::error::ErrorKind::ValueValidation, ref text)) if text.contains("--env")
        ));
    }

    #[test]
    fn later_env_pairs_win() {
        let pairs =
            [("A", "1"), ("B", "2"), ("A", "3")].map(|(k, v)| (k.to_string(), v.to_string()));
        let map = env_map(&pairs);
        assert_eq!(map.get("A").map(String::as_str), Some("3"));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn times_are_unix_seconds_or_relative() {
        assert_eq!(parse_time("1700000000"), Ok(TimeSpec::Unix(1_700_000_000)));
        assert_eq!(parse_time("10s"), Ok(TimeSpec::Ago(10)));
        assert_eq!(parse_time("5m"), Ok(TimeSpec::Ago(300)));
        assert_eq!(parse_time("2h"), Ok(TimeSpec::Ago(7200)));
        assert_eq!(parse_time("1d"), Ok(TimeSpec::Ago(86_400)));
        assert_eq!(parse_time("1h30m"), Ok(TimeSpec::Ago(5400)));
        for bad in [
            "",
            "m",
            "10x",
            "1h30",
            "-5",
            "1.5h",
            "99999999999999999999s",
        ] {
            assert!(parse_time(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn relative_times_resolve_against_now() {
        assert_eq!(TimeSpec::Ago(300).at(1000), 700);
        assert_eq!(TimeSpec::Unix(5).at(1000), 5);
        assert_eq!(TimeSpec::Ago(u64::MAX).at(1000), 0);
    }

    #[test]
    fn log_query_maps_stream_flags() {
        let cli = parse(&[
            "logs",
            "svc",
            "--since",
            "5m",
            "--stderr-only",
            "--tail",
            "10",
        ]);
        let Ok(Cli {
            command: Command::Logs(args),
            ..
        }) = cli
        else {
            panic!("logs arguments should parse");
        };
        let query = args.query(1000);
        assert_eq!(query.since, Some(700));
        assert_eq!(query.until, None);
        assert_eq!(query.tail, Some(10));
        assert!(query.stderr && !query.stdout);
        assert!(parse(&["logs", "svc", "--stderr-only", "--stdout-only"]).is_err());
    }

    #[test]
    fn seconds_accept_fractions_but_not_negatives() {
        assert_eq!(parse_secs("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_secs("0"), Ok(Duration::ZERO));
        assert!(parse_secs("-1").is_err());
        assert!(parse_secs("soon").is_err());
        assert!(parse_secs("NaN").is_err());
    }

    #[test]
    fn no_policy_flags_means_no_policy() {
        assert_eq!(PolicyArgs::default().policy(), None);
    }

    #[test]
    fn policy_overrides_start_from_the_default() {
        let args = PolicyArgs {
            update_parallelism: Some(3),
            update_order: Some(UpdateOrderArg::StopFirst),
            failure_action: Some(FailureActionArg::Pause),
            ..PolicyArgs::default()
        };
        let expected = UpdatePolicy {
            parallelism: 3,
            order: UpdateOrder::StopFirst,
            failure_action: FailureAction::Pause,
            ..UpdatePolicy::default()
        };
        assert_eq!(args.policy(), Some(expected));
    }

    #[test]
    fn policy_overrides_on_an_update_keep_the_current_values() {
        let current = UpdatePolicy {
            parallelism: 3,
            delay: Duration::from_secs(2),
            ..UpdatePolicy::default()
        };
        let args = PolicyArgs {
            update_monitor: Some(Duration::from_secs(7)),
            ..PolicyArgs::default()
        };
        let expected = UpdatePolicy {
            monitor: Duration::from_secs(7),
            ..current.clone()
        };
        assert_eq!(args.policy_over(&current), Some(expected));
        assert_eq!(PolicyArgs::default().policy_over(&current), None);
    }

    #[test]
    fn policy_flags_parse_from_the_command_line() {
        let cli = parse(&[
            "update",
            "svc",
            "--update-delay",
            "2.5",
            "--max-failure-ratio",
            "0.1",
        ]);
        let Ok(Cli {
            command: Command::Update(args),
            ..
        }) = cli
        else {
            panic!("update arguments should parse");
        };
        let policy = args.policy.policy();
        assert_eq!(
            policy.as_ref().map(|p| p.delay),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(policy.as_ref().map(|p| p.max_failure_ratio), Some(0.1));
        assert_eq!(
            policy.map(|p| p.monitor),
            Some(UpdatePolicy::default().monitor)
        );
    }

    #[test]
    fn gate_overrides_keep_the_other_defaults() {
        let args = GateArgs {
            gate_settle: Some(Duration::from_secs(1)),
            ..GateArgs::default()
        };
        let gate = args.gate();
        assert_eq!(gate.settle, Duration::from_secs(1));
        assert_eq!(gate.timeout, HealthGate::default().timeout);
    }

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

    #[test]
    fn network_services_is_an_alias_of_org_services() {
        assert!(matches!(
            parse(&["org", "network", "services", "acme"]),
            Ok(Cli {
                command: Command::Org(OrgCommand::Network(NetworkCommand::Services { .. })),
                ..
            })
        ));
        assert!(matches!(
            parse(&["--json", "org", "services", "acme"]),
            Ok(Cli {
                json: true,
                command: Command::Org(OrgCommand::Services { .. })
            })
        ));
    }
}
