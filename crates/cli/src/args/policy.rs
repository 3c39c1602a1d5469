//! How a change rolls out and is judged: the update policy and the health gate, shared by `deploy`, `update`
//! and `rollback`.

use std::time::Duration;

use clap::{Args, ValueEnum};
use swarmdeck_orchestrator::{FailureAction, HealthGate, UpdateOrder, UpdatePolicy};

use super::values::parse_secs;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{parse, Cli, Command};

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
}
