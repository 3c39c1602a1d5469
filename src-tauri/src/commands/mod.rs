//! Tauri commands, one file per domain; each is a few lines over one core call.

pub mod cluster;
pub mod console;
pub mod files;
pub mod history;
pub mod isolation;
pub mod logs;
pub mod networks;
pub mod services;
pub mod settings;
pub mod stacks;
pub mod stats;
pub mod swarm;
pub mod topology;
