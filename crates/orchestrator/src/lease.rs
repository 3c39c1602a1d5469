//! Who is working on something right now: a deployment record in progress, a probe container of an isolation
//! check. The holder is `host pid` and a lease says until when it may be presumed alive where its pid cannot be
//! checked (another host), so a killed process's leftovers are recognised as soon as anyone looks.

use std::collections::HashMap;
use std::time::Duration;

use crate::naming::label;

/// This process, as written into [`label::WRITER`].
pub(crate) fn holder_id() -> String {
    format!("{} {}", hostname(), std::process::id())
}

/// The labels that mark something as held by this process until `lease` from now.
pub(crate) fn holder_labels(lease: Duration) -> [(&'static str, String); 2] {
    let until =
        chrono::Utc::now().timestamp() + i64::try_from(lease.as_secs()).unwrap_or(i64::MAX / 2);
    [
        (label::WRITER, holder_id()),
        (label::LEASE_UNTIL, until.to_string()),
    ]
}

/// Whether the holder named in `labels` may still be working: on this host its process must exist, whatever the
/// lease says; elsewhere the lease decides.
pub(crate) fn holder_alive(labels: &HashMap<String, String>) -> bool {
    let lease_valid = labels
        .get(label::LEASE_UNTIL)
        .and_then(|v| v.parse::<i64>().ok())
        .is_some_and(|until| until > chrono::Utc::now().timestamp());
    let Some((host, pid)) = labels.get(label::WRITER).and_then(|w| w.split_once(' ')) else {
        return lease_valid;
    };
    if host == hostname() && std::path::Path::new("/proc/self").exists() {
        return std::path::Path::new("/proc").join(pid).exists();
    }
    lease_valid
}

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_local_writer_is_not_alive_even_within_its_lease() {
        use super::{holder_alive as writer_alive, holder_id as writer_id};
        let far = (chrono::Utc::now().timestamp() + 3600).to_string();
        let dead = HashMap::from([
            (
                label::WRITER.to_string(),
                format!("{} 999999999", hostname()),
            ),
            (label::LEASE_UNTIL.to_string(), far.clone()),
        ]);
        assert!(!writer_alive(&dead));
        let me = HashMap::from([(label::WRITER.to_string(), writer_id())]);
        assert!(writer_alive(&me));
        let remote = HashMap::from([
            (label::WRITER.to_string(), "elsewhere 1".to_string()),
            (label::LEASE_UNTIL.to_string(), far),
        ]);
        assert!(writer_alive(&remote));
    }
}
