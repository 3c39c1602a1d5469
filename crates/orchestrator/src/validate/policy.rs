//! How a change rolls out and is judged: the update policy and the post-deploy health gate.

use super::MAX_REPLICAS;
use crate::error::{Error, Result};
use crate::model::{HealthGate, UpdatePolicy};

/// Longest health gate: a deploy watched for more than a day is a mistake, and deadlines must stay computable.
pub const MAX_GATE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Bounds of the post-deploy health gate.
pub fn health_gate(gate: &HealthGate) -> Result<()> {
    let within = |field: &str, value: std::time::Duration, min: std::time::Duration| {
        if value < min || value > MAX_GATE {
            Err(Error::invalid(
                format!("gate.{field}"),
                format!("must be between {min:?} and 24 hours (got {value:?})"),
            ))
        } else {
            Ok(())
        }
    };
    within("timeout", gate.timeout, std::time::Duration::from_secs(1))?;
    within("poll", gate.poll, std::time::Duration::from_millis(50))?;
    within("settle", gate.settle, std::time::Duration::ZERO)
}

/// Bounds that keep a policy meaningful to the swarm.
pub fn update_policy_rules(policy: &UpdatePolicy) -> Result<()> {
    if policy.parallelism == 0 || policy.parallelism > MAX_REPLICAS {
        return Err(Error::invalid(
            "update_policy.parallelism",
            format!("must be between 1 and {MAX_REPLICAS}"),
        ));
    }
    if !(0.0..=1.0).contains(&policy.max_failure_ratio) {
        return Err(Error::invalid(
            "update_policy.max_failure_ratio",
            "must be between 0 and 1",
        ));
    }
    let hour = std::time::Duration::from_secs(3600);
    if policy.delay > hour || policy.monitor > hour {
        return Err(Error::invalid(
            "update_policy",
            "delay and monitor must be at most one hour",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_gates_past_sane_bounds_are_refused_by_field() {
        let gate = |timeout: u64| HealthGate {
            timeout: std::time::Duration::from_secs(timeout),
            ..HealthGate::default()
        };
        assert!(health_gate(&HealthGate::default()).is_ok());
        for bad in [0, 25 * 3600, u64::MAX / 4] {
            match health_gate(&gate(bad)) {
                Err(Error::Invalid { field, .. }) => assert_eq!(field, "gate.timeout"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
