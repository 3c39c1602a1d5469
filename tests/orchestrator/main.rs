//! The orchestrator against a real engine in swarm mode. One binary, one module per capability.

mod deploy;
mod history;
mod isolation;
mod logs;
mod network;
mod swarm;
mod topology;
mod update;
mod validation;

pub use swarmdeck_tests::fixture_request;
