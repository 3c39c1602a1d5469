//! The pure rules of history: its order, what pruning may release, and where "roll back to previous" lands.

use std::collections::HashSet;

use bollard::models::Config;

use super::HISTORY_LIMIT;
use crate::model::{DeploymentRecord, Outcome, Trigger};

/// When the swarm created a record, read from the manager's clock; the version index breaks ties.
pub(crate) type SwarmStamp = (Option<chrono::DateTime<chrono::FixedOffset>>, u64);

pub(crate) fn swarm_stamp(config: &Config) -> SwarmStamp {
    let created = config
        .created_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok());
    let index = config.version.as_ref().and_then(|v| v.index).unwrap_or(0);
    (created, index)
}

pub(super) fn newest_first(
    mut stamped: Vec<(SwarmStamp, DeploymentRecord)>,
) -> Vec<DeploymentRecord> {
    stamped.sort_by(|(a, ra), (b, rb)| {
        b.cmp(a)
            .then_with(|| rb.deployment_id.cmp(&ra.deployment_id))
    });
    stamped.into_iter().map(|(_, record)| record).collect()
}

/// Records beyond the newest [`HISTORY_LIMIT`] that nothing depends on any more.
pub(super) fn prunable<'a>(
    history: &'a [DeploymentRecord],
    live: Option<&str>,
    referenced: &HashSet<String>,
) -> Vec<&'a DeploymentRecord> {
    let in_progress: HashSet<&str> = history
        .iter()
        .filter(|record| record.outcome == Outcome::InProgress)
        .flat_map(|record| {
            [
                record.definition.image.as_str(),
                record.image.keep_tag.as_str(),
            ]
        })
        .collect();
    let names = |keep_tag: &str, reference: &str| {
        reference == keep_tag
            || reference
                .strip_prefix(keep_tag)
                .is_some_and(|rest| rest.starts_with('@'))
    };
    history
        .iter()
        .skip(HISTORY_LIMIT)
        .filter(|record| {
            let tag = record.image.keep_tag.as_str();
            Some(record.deployment_id.as_str()) != live
                && record.outcome != Outcome::InProgress
                && !referenced.iter().any(|r| names(tag, r))
                && !in_progress.iter().any(|r| names(tag, r))
        })
        .collect()
}

/// Where "roll back to previous" stands: at the running deployment, or, when that was itself a roll back to
/// previous, at the deployment it restored, so that pressing again goes one further back.
pub(crate) fn rollback_position<'a>(history: &'a [DeploymentRecord], live: &'a str) -> &'a str {
    let restored = history
        .iter()
        .find(|record| record.deployment_id == live)
        .and_then(|record| match &record.trigger {
            Trigger::RollbackPrevious {
                deployment_id: Some(restored),
            } => Some(restored.as_str()),
            _ => None,
        });
    restored.unwrap_or(live)
}

/// The newest deployment that succeeded before the [`rollback_position`]; none when nothing older succeeded
/// (or the position fell out of the history).
pub(crate) fn previous_successful<'a>(
    history: &'a [DeploymentRecord],
    live: &str,
) -> Option<&'a DeploymentRecord> {
    let position = rollback_position(history, live);
    let index = history
        .iter()
        .position(|record| record.deployment_id == position)?;
    history
        .iter()
        .skip(index + 1)
        .find(|record| record.outcome == Outcome::Succeeded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming;

    fn record(id: &str, outcome: Outcome, trigger: Trigger) -> DeploymentRecord {
        let definition = crate::validate::deploy_request(
            &crate::model::DeployRequest {
                org_id: "acme".into(),
                slug: "web".into(),
                service_id: None,
                deployment_id: None,
                image_name: "app".into(),
                image_tag: "v1".into(),
                resources: Default::default(),
                env: Default::default(),
                internal_port: None,
                replicas: 1,
                health_check: None,
                endpoint_mode: Default::default(),
                update_policy: None,
                placement: Default::default(),
            },
            id,
        )
        .expect("a valid request");
        DeploymentRecord {
            deployment_id: id.into(),
            service_name: "org-acme-web".into(),
            started_at: String::new(),
            finished_at: None,
            outcome,
            reason: None,
            trigger,
            definition,
            image: crate::model::ResolvedImage {
                requested: "app:v1".into(),
                image_id: "sha256:0".into(),
                digest_ref: None,
                keep_tag: naming::keep_tag("app", id),
            },
            disk: crate::model::DiskEnforcement::Enforced,
        }
    }

    fn back_to(id: &str) -> Trigger {
        Trigger::RollbackPrevious {
            deployment_id: Some(id.into()),
        }
    }

    #[test]
    fn roll_back_to_previous_skips_what_the_swarm_undid_and_walks_back_when_pressed_again() {
        use Outcome::*;
        // Newest first: v3 exited and the swarm restored v2, which runs.
        let mut history = vec![
            record("v3", RolledBackBySwarm, Trigger::Deploy),
            record("v2", Succeeded, Trigger::Deploy),
            record("v1", Succeeded, Trigger::Deploy),
        ];
        let target = previous_successful(&history, "v2").map(|r| r.deployment_id.as_str());
        assert_eq!(target, Some("v1"));
        // The rollback ran as r1, restoring v1; pressed again there is nothing older.
        history.insert(0, record("r1", Succeeded, back_to("v1")));
        assert_eq!(previous_successful(&history, "r1"), None);
        assert_eq!(rollback_position(&history, "r1"), "v1");
    }

    #[test]
    fn pressing_roll_back_again_goes_one_further_back() {
        use Outcome::*;
        let mut history = vec![
            record("v3", Succeeded, Trigger::Deploy),
            record("v2", FailedHealthCheck, Trigger::Deploy),
            record("v1", Succeeded, Trigger::Deploy),
            record("v0", Succeeded, Trigger::Deploy),
        ];
        let first = previous_successful(&history, "v3").map(|r| r.deployment_id.clone());
        assert_eq!(
            first.as_deref(),
            Some("v1"),
            "a failed deployment is never a target"
        );
        history.insert(0, record("r1", Succeeded, back_to("v1")));
        let second = previous_successful(&history, "r1").map(|r| r.deployment_id.clone());
        assert_eq!(second.as_deref(), Some("v0"));
        // A rollback to a chosen record is a deployment like any: previous is what ran before it.
        history.insert(
            0,
            record(
                "t1",
                Succeeded,
                Trigger::RollbackTo {
                    deployment_id: "v0".into(),
                },
            ),
        );
        let after_to = previous_successful(&history, "t1").map(|r| r.deployment_id.clone());
        assert_eq!(after_to.as_deref(), Some("r1"));
    }

    #[test]
    fn pruning_keeps_the_live_the_in_progress_and_the_referenced_records() {
        let mut history: Vec<DeploymentRecord> = (0..14)
            .rev()
            .map(|n| record(&format!("d{n}"), Outcome::Succeeded, Trigger::Deploy))
            .collect();
        // d0 is the oldest; d1 runs (restored by a rollback whose spec names d1's tag), d2 is in progress
        // somewhere, d3's tag is on a task.
        history[11].outcome = Outcome::InProgress;
        let referenced = HashSet::from([format!("{}@sha256:abc", naming::keep_tag("app", "d3"))]);
        let pruned: Vec<&str> = prunable(&history, Some("d1"), &referenced)
            .into_iter()
            .map(|r| r.deployment_id.as_str())
            .collect();
        assert_eq!(pruned, vec!["d0"]);
    }

    #[test]
    fn history_is_ordered_by_the_swarms_stamps_not_the_clients_clock() {
        let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).ok();
        let mut skewed = record("skewed", Outcome::Succeeded, Trigger::Deploy);
        skewed.started_at = "1999-01-01T00:00:00Z".into();
        let mut early = record("early", Outcome::Succeeded, Trigger::Deploy);
        early.started_at = "2099-01-01T00:00:00Z".into();
        let ordered = newest_first(vec![
            ((at("2026-12-01T08:00:00.5Z"), 10), early),
            // Go trims trailing zeros: compared as text this would sort before the one above.
            ((at("2026-12-01T08:00:00.51Z"), 12), skewed),
        ]);
        let ids: Vec<&str> = ordered.iter().map(|r| r.deployment_id.as_str()).collect();
        assert_eq!(ids, vec!["skewed", "early"]);
    }
}
