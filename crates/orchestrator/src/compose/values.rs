//! Compose's value formats that are not YAML's: durations, byte sizes, image references, port specs, env files.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::{PortProtocol, PublishMode, PublishedPort};

/// A compose duration: `1m30s`, `10s`, `500ms`, `2h`; a bare number is seconds.
pub fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}` lacks a unit (h, m, s, ms, us or ns)"))?;
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{text}` is not a duration like 1m30s"))?;
        let unit_len = rest[digits..]
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len() - digits);
        let seconds_per_unit = match &rest[digits..digits + unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            other => {
                return Err(format!(
                    "`{other}` in `{text}` is not a unit (h, m, s, ms, us or ns)"
                ))
            }
        };
        total += Duration::from_secs_f64(number * seconds_per_unit);
        rest = &rest[digits + unit_len..];
    }
    Ok(total)
}

/// The compose spelling of a duration, the shortest that reads back the same.
pub fn duration_text(duration: Duration) -> String {
    let millis = duration.as_millis();
    if !millis.is_multiple_of(1000) {
        return format!("{millis}ms");
    }
    let seconds = millis / 1000;
    match seconds {
        0 => "0s".to_string(),
        s if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        s if s.is_multiple_of(60) => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// A byte size (`512M`, `1g`, `1024mb`, `268435456`) in whole megabytes.
pub fn megabytes(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let digits = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let number: u64 = lower[..digits]
        .parse()
        .map_err(|_| format!("`{text}` is not a size like 512M"))?;
    let bytes_per_unit: u64 = match lower[digits..].trim() {
        "" | "b" => 1,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        other => {
            return Err(format!(
                "`{other}` in `{text}` is not a unit (b, k, m or g)"
            ))
        }
    };
    let bytes = number
        .checked_mul(bytes_per_unit)
        .ok_or_else(|| format!("`{text}` is too large"))?;
    if !bytes.is_multiple_of(1 << 20) {
        return Err(format!("`{text}` is not a whole number of megabytes"));
    }
    Ok(bytes >> 20)
}

/// An image reference split as our deploy form takes it: repository and tag (or `sha256:` digest).
pub fn split_image(reference: &str) -> (String, String) {
    if let Some((name, digest)) = reference.split_once('@') {
        return (name.to_string(), digest.to_string());
    }
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[last_slash..].rfind(':') {
        Some(colon) => {
            let at = last_slash + colon;
            (reference[..at].to_string(), reference[at + 1..].to_string())
        }
        None => (reference.to_string(), "latest".to_string()),
    }
}

/// A short port spec: `80`, `8080:80`, `8080:80/udp`; host addresses and ranges are refused by name.
pub fn port_spec(text: &str) -> Result<PublishedPort, String> {
    let (ports, protocol) = match text.split_once('/') {
        Some((ports, protocol)) => (ports, protocol_of(protocol)?),
        None => (text, PortProtocol::Tcp),
    };
    if ports.contains('-') {
        return Err(format!(
            "`{text}`: port ranges are not supported; list each port"
        ));
    }
    let parts: Vec<&str> = ports.split(':').collect();
    let (published, target) = match parts.as_slice() {
        [target] => (None, *target),
        [published, target] => (Some(*published), *target),
        _ => {
            return Err(format!(
                "`{text}`: a host address is not supported; the swarm publishes on every node (or use mode host)"
            ))
        }
    };
    Ok(PublishedPort {
        target: port_number(target)?,
        published: published.map(port_number).transpose()?,
        protocol,
        mode: PublishMode::Ingress,
    })
}

/// A port number, 1–65535.
pub fn port_number(text: &str) -> Result<u16, String> {
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("port `{text}` is out of range: ports are 1–65535"))
}

/// `tcp`, `udp` or `sctp`.
pub fn protocol_of(text: &str) -> Result<PortProtocol, String> {
    match text {
        "tcp" => Ok(PortProtocol::Tcp),
        "udp" => Ok(PortProtocol::Udp),
        "sctp" => Ok(PortProtocol::Sctp),
        other => Err(format!("protocol `{other}` must be tcp, udp or sctp")),
    }
}

/// An env file's variables: `KEY=value` lines, `#` comments and blank lines skipped, one level of matching
/// quotes removed. Returns the line number of a line that is none of these.
pub fn env_file(text: &str) -> Result<BTreeMap<String, String>, (usize, String)> {
    let mut variables = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| (index + 1, format!("`{line}` is not KEY=value")))?;
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err((index + 1, format!("`{key}` is not a variable name")));
        }
        let value = value.trim();
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
            .unwrap_or(value);
        variables.insert(key.to_string(), unquoted.to_string());
    }
    Ok(variables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_and_print_back() {
        assert_eq!(duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(duration("10"), Ok(Duration::from_secs(10)));
        assert!(duration("10 parsecs").is_err());
        for seconds in [0, 5, 60, 90, 3600, 7260] {
            let d = Duration::from_secs(seconds);
            assert_eq!(duration(&duration_text(d)), Ok(d));
        }
        assert_eq!(
            duration(&duration_text(Duration::from_millis(1500))),
            Ok(Duration::from_millis(1500))
        );
    }

    #[test]
    fn sizes_images_ports_and_env_files() {
        assert_eq!(megabytes("512M"), Ok(512));
        assert_eq!(megabytes("1g"), Ok(1024));
        assert_eq!(megabytes("268435456"), Ok(256));
        assert!(megabytes("100k").is_err());
        assert_eq!(split_image("redis"), ("redis".into(), "latest".into()));
        assert_eq!(
            split_image("localhost:5000/team/app:v2"),
            ("localhost:5000/team/app".into(), "v2".into())
        );
        assert_eq!(
            split_image("localhost:5000/app"),
            ("localhost:5000/app".into(), "latest".into())
        );
        assert_eq!(
            split_image("app@sha256:ab"),
            ("app".into(), "sha256:ab".into())
        );
        let port = port_spec("8080:80/udp").expect("port");
        assert_eq!(
            (port.published, port.target, port.protocol),
            (Some(8080), 80, PortProtocol::Udp)
        );
        assert!(port_spec("70000:80")
            .expect_err("range")
            .contains("out of range"));
        assert!(port_spec("127.0.0.1:80:80").is_err());
        assert!(port_spec("8000-8001:80").is_err());
        let vars = env_file("# db\nexport A=1\nB=\"two words\"\n\nC='x=y'\n").expect("env file");
        assert_eq!(vars.get("B").map(String::as_str), Some("two words"));
        assert_eq!(vars.get("C").map(String::as_str), Some("x=y"));
        assert_eq!(env_file("A=1\nnonsense\n").map_err(|e| e.0), Err(2));
    }
}
