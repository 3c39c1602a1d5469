//! `logs`: which lines to read, and the points in time that bound them.

use clap::Args;
use swarmdeck_orchestrator::LogQuery;

use super::values::{invalid, InvalidValue};

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
    use crate::args::{parse, Cli, Command};

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
}
