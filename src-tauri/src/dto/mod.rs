//! IPC transport types (DTOs): what crosses between the Rust side and the TypeScript UI.
//!
//! The orchestrator core stays free of transport concerns: its types are plain serde types and it knows nothing
//! of specta. Only this crate derives [`specta::Type`], on mirrors of the core types defined here, together with
//! conversions to and from the core.
//!
//! The mirrors keep the core's JSON shape (field names, enum representations) with two deliberate differences,
//! both for JavaScript, whose numbers are doubles:
//! - 64-bit integers are narrowed: counts to `u32` (saturating), exit codes to `i32` (clamped), byte and CPU
//!   quantities to `f64`, Unix times to `f64` seconds;
//! - durations are `u32` milliseconds in fields ending in `_ms` (saturating at about 49.7 days).
//!
//! `UpdateRequest::health_check` is a [`HealthCheckChange`] rather than the core's `Option<Option<_>>`, which
//! TypeScript cannot tell apart from a plain optional.
//!
//! One file per domain of `commands/`; every type is re-exported here so that `dto::X` stays the one path to it.

mod cluster;
mod console;
mod files;
mod history;
mod isolation;
mod logs;
mod networks;
mod placement;
mod service;
mod service_form;
mod service_state;
mod settings;
mod stack;
mod stats;
mod swarm;
mod topology;

pub use cluster::*;
pub use console::*;
pub use files::*;
pub use history::*;
pub use isolation::*;
pub use logs::*;
pub use networks::*;
pub use placement::*;
pub use service::*;
pub use service_form::*;
pub use service_state::*;
pub use settings::*;
pub use stack::*;
pub use stats::*;
pub use swarm::*;
pub use topology::*;

use std::time::Duration;

/// Milliseconds of a duration, saturating at `u32::MAX`.
fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

/// The duration of a number of milliseconds.
fn from_millis(ms: u32) -> Duration {
    Duration::from_millis(u64::from(ms))
}

/// A 64-bit count narrowed to `u32`, saturating.
fn narrow(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A 64-bit signed integer narrowed to `i32`, clamped to its range.
fn narrow_signed(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

/// Unix seconds from JavaScript: fractions are dropped, out-of-range values saturate, NaN is 0.
fn unix_secs(value: f64) -> i64 {
    value as i64
}

#[cfg(test)]
mod tests {
    use swarmdeck_orchestrator as core;

    use super::*;

    #[test]
    fn durations_become_saturating_milliseconds() {
        assert_eq!(millis(Duration::from_millis(1500)), 1500);
        assert_eq!(millis(Duration::from_secs(u64::MAX)), u32::MAX);
        let policy = UpdatePolicy::from(core::UpdatePolicy {
            delay: Duration::from_secs(10),
            monitor: Duration::MAX,
            ..core::UpdatePolicy::default()
        });
        assert_eq!(policy.delay_ms, 10_000);
        assert_eq!(policy.monitor_ms, u32::MAX);
        let gate = HealthGate::default();
        assert_eq!(core::HealthGate::from(gate), core::HealthGate::default());
        assert_eq!(narrow(u64::MAX), u32::MAX);
        assert_eq!(narrow_signed(i64::MIN), i32::MIN);
        assert_eq!(narrow_signed(-1), -1);
    }
}
