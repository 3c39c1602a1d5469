//! What a service may ask for: resources, environment, replicas and its health check.

use crate::error::{Error, Result};
use crate::model::{HealthCheck, Resources};

/// Upper bound on replicas of one service.
pub const MAX_REPLICAS: u32 = 100;
/// CPU bounds in cores.
pub const CPU_CORES: (f64, f64) = (0.5, 16.0);
/// Memory bounds in MB.
pub const MEMORY_MB: (u64, u64) = (256, 32 * 1024);
/// Disk bounds in GB.
pub const DISK_GB: (u32, u32) = (1, 500);

/// CPU, memory and disk bounds of the design.
pub fn resources(value: &Resources) -> Result<()> {
    let (cpu_min, cpu_max) = CPU_CORES;
    if !value.cpu_cores.is_finite() || value.cpu_cores < cpu_min || value.cpu_cores > cpu_max {
        return Err(Error::invalid(
            "resources.cpu_cores",
            format!(
                "must be between {cpu_min} and {cpu_max} cores (got {})",
                value.cpu_cores
            ),
        ));
    }
    let (mem_min, mem_max) = MEMORY_MB;
    if value.memory_mb < mem_min || value.memory_mb > mem_max {
        return Err(Error::invalid(
            "resources.memory_mb",
            format!(
                "must be between {mem_min} and {mem_max} MB (got {})",
                value.memory_mb
            ),
        ));
    }
    let (disk_min, disk_max) = DISK_GB;
    if value.disk_gb < disk_min || value.disk_gb > disk_max {
        return Err(Error::invalid(
            "resources.disk_gb",
            format!(
                "must be between {disk_min} and {disk_max} GB (got {})",
                value.disk_gb
            ),
        ));
    }
    Ok(())
}

/// Longest value of one environment variable, in bytes.
pub const MAX_ENV_VALUE_BYTES: usize = 32 * 1024;
/// Most bytes all environment variables of a service may take together: each deployment record holds them, and a
/// swarm config is limited to 500 KB.
pub const MAX_ENV_TOTAL_BYTES: usize = 128 * 1024;

/// Environment variable names are POSIX names; values must not hold NUL; sizes are bounded.
pub fn env(vars: &std::collections::BTreeMap<String, String>) -> Result<()> {
    let total: usize = vars
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if total > MAX_ENV_TOTAL_BYTES {
        return Err(Error::invalid(
            "env",
            format!("names and values must take at most {MAX_ENV_TOTAL_BYTES} bytes together (got {total})"),
        ));
    }
    for (name, value) in vars {
        if value.len() > MAX_ENV_VALUE_BYTES {
            return Err(Error::invalid(
                format!("env.{name}"),
                format!(
                    "value must be at most {MAX_ENV_VALUE_BYTES} bytes (got {})",
                    value.len()
                ),
            ));
        }
        let bytes = name.as_bytes();
        let valid = bytes
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !valid {
            return Err(Error::invalid(
                format!("env.{name}"),
                "variable names are letters, digits and '_', not starting with a digit",
            ));
        }
        if value.contains('\0') {
            return Err(Error::invalid(
                format!("env.{name}"),
                "value must not contain NUL",
            ));
        }
    }
    Ok(())
}

/// Replica counts between `min` and [`MAX_REPLICAS`].
pub fn replicas(field: &str, value: u32, min: u32) -> Result<()> {
    if value < min || value > MAX_REPLICAS {
        return Err(Error::invalid(
            field,
            format!("must be between {min} and {MAX_REPLICAS} (got {value})"),
        ));
    }
    Ok(())
}

pub(super) fn health_check(check: &HealthCheck) -> Result<()> {
    if check
        .command
        .first()
        .is_none_or(|program| program.trim().is_empty())
    {
        return Err(Error::invalid(
            "health_check.command",
            "must name a program to run",
        ));
    }
    if check.command.iter().any(|part| part.contains('\0')) {
        return Err(Error::invalid(
            "health_check.command",
            "must not contain NUL characters",
        ));
    }
    let bounded = |field: &str, value: u32, min: u32, max: u32| {
        if value < min || value > max {
            Err(Error::invalid(
                format!("health_check.{field}"),
                format!("must be between {min} and {max} (got {value})"),
            ))
        } else {
            Ok(())
        }
    };
    bounded("interval_secs", check.interval_secs, 1, 300)?;
    bounded("timeout_secs", check.timeout_secs, 1, 300)?;
    bounded("retries", check.retries, 1, 10)?;
    bounded("start_period_secs", check.start_period_secs, 0, 600)
}
