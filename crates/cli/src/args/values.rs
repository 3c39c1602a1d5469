//! Parsers of flag values that several commands share, and the error clap shows when one is refused.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Why a flag's value was refused; clap prints it after the flag's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue(String);

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidValue {}

pub(super) fn invalid(message: impl Into<String>) -> InvalidValue {
    InvalidValue(message.into())
}

/// `K=V`, split at the first `=` so values may contain `=`.
pub fn parse_env(value: &str) -> Result<(String, String), InvalidValue> {
    match value.split_once('=') {
        Some(("", _)) => Err(invalid("the variable name before '=' is empty")),
        Some((key, val)) => Ok((key.to_string(), val.to_string())),
        None => Err(invalid("expected K=V, but there is no '='")),
    }
}

/// Later pairs win, as with `docker run -e`.
pub fn env_map(pairs: &[(String, String)]) -> BTreeMap<String, String> {
    pairs.iter().cloned().collect()
}

/// Seconds, fractions allowed.
pub fn parse_secs(value: &str) -> Result<Duration, InvalidValue> {
    let seconds: f64 = value
        .trim()
        .parse()
        .map_err(|_| invalid("expected a number of seconds"))?;
    if seconds.is_sign_negative() {
        return Err(invalid("seconds cannot be negative"));
    }
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| invalid("not a representable number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::parse;

    #[test]
    fn env_splits_at_the_first_equals() {
        assert_eq!(
            parse_env("URL=postgres://u:p@h/db?x=1"),
            Ok(("URL".to_string(), "postgres://u:p@h/db?x=1".to_string()))
        );
        assert_eq!(
            parse_env("EMPTY="),
            Ok(("EMPTY".to_string(), String::new()))
        );
        assert!(parse_env("NOEQUALS").is_err());
        assert!(parse_env("=value").is_err());
    }

    #[test]
    fn env_without_equals_is_a_value_error_naming_the_flag() {
        let error = parse(&[
            "deploy", "--org", "a", "--slug", "b", "--image", "i", "--tag", "t", "--env", "FOO",
        ])
        .err()
        .map(|e| (e.kind(), e.to_string()));
        assert!(matches!(
            error,
            Some((clap::error::ErrorKind::ValueValidation, ref text)) if text.contains("--env")
        ));
    }

    #[test]
    fn later_env_pairs_win() {
        let pairs =
            [("A", "1"), ("B", "2"), ("A", "3")].map(|(k, v)| (k.to_string(), v.to_string()));
        let map = env_map(&pairs);
        assert_eq!(map.get("A").map(String::as_str), Some("3"));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn seconds_accept_fractions_but_not_negatives() {
        assert_eq!(parse_secs("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_secs("0"), Ok(Duration::ZERO));
        assert!(parse_secs("-1").is_err());
        assert!(parse_secs("soon").is_err());
        assert!(parse_secs("NaN").is_err());
    }
}
