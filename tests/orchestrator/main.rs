//! The orchestrator against a real engine in swarm mode. One binary, one module per capability.

mod contexts;
mod deploy;
mod exec;
mod faults;
mod history;
mod isolation;
mod logs;
mod network;
mod placement;
mod registry;
mod secrets;
mod stack;
mod swarm;
mod tenants;
mod tls;
mod topology;
mod update;
mod validation;

pub use swarmdeck_tests::fixture_request;
