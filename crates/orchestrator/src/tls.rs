//! Why a connection to an engine failed, in the user's terms. The TLS stack reports a wrong CA, a refused client
//! certificate or an HTTP answer to a TLS engine as one of many handshake errors that a user reads as "cannot
//! connect"; here each is named with the file or the setting to fix. The client's own files are checked before
//! any connection (bollard reads the client certificate only during the handshake, and a missing one would reach
//! the engine as "no certificate given").

use std::path::Path;

use x509_parser::pem::parse_x509_pem;

/// A file of a TLS endpoint that is missing, unreadable or not what it should be, or the client certificate that
/// is outside its validity; `None` when they are all usable.
pub(crate) fn unusable_tls_files(ca: &str, cert: &str, key: &str) -> Option<String> {
    let mut client_certificate = String::new();
    for (role, path, marker) in [
        ("CA certificate", ca, "CERTIFICATE"),
        ("client certificate", cert, "CERTIFICATE"),
        ("client key", key, "PRIVATE KEY"),
    ] {
        let text = match std::fs::read_to_string(Path::new(path)) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Some(format!("the {role} {path} does not exist"))
            }
            Err(error) => return Some(format!("the {role} {path} cannot be read: {error}")),
        };
        if !text.contains("-----BEGIN ") || !text.contains(marker) {
            return Some(format!("the {role} {path} holds no PEM {marker}"));
        }
        if role == "client certificate" {
            client_certificate = text;
        }
    }
    client_certificate_out_of_date(cert, &client_certificate)
}

/// The client certificate's validity, checked as the engine will check it, so that an expired one is named as
/// such rather than as a refused handshake.
fn client_certificate_out_of_date(cert: &str, pem_text: &str) -> Option<String> {
    let (_, pem) = parse_x509_pem(pem_text.as_bytes()).ok()?;
    let parsed = pem.parse_x509().ok()?;
    let validity = parsed.validity();
    let now = x509_parser::time::ASN1Time::now();
    if now > validity.not_after {
        return Some(format!(
            "the client certificate {cert} expired on {}; ask for a new one signed by the engine's CA",
            validity.not_after
        ));
    }
    if now < validity.not_before {
        return Some(format!(
            "the client certificate {cert} is not valid before {}; check this machine's clock",
            validity.not_before
        ));
    }
    None
}

/// What the endpoint is for a failure message: how it was reached and with which files.
pub(crate) struct Attempt<'a> {
    pub url: &'a str,
    /// `(ca, cert, key)` when the connection used TLS.
    pub tls: Option<(&'a str, &'a str, &'a str)>,
}

/// The cause of a failed request, named where the error says what it was; the error's own text otherwise.
pub(crate) fn explain(attempt: &Attempt<'_>, error: &str) -> String {
    // The whole chain of causes, which bollard's Display flattens into one line.
    let lower = error.to_lowercase();
    match attempt.tls {
        Some((ca, cert, _)) => {
            if lower.contains("unknownissuer") || lower.contains("unknown issuer") {
                return format!(
                    "the engine's certificate is not signed by the CA in {ca}; use the CA that signed the \
                     engine's certificate (the file dockerd's --tlscacert names)"
                );
            }
            if lower.contains("notvalidforname") || lower.contains("not valid for name") {
                return format!(
                    "the engine's certificate is not issued for {}; connect by a name or address the \
                     certificate lists",
                    attempt.url
                );
            }
            if lower.contains("certificateexpired") || lower.contains("expired") {
                return format!(
                    "the engine refused the client certificate {cert} as expired (or its own has expired); \
                     check both certificates' dates"
                );
            }
            if lower.contains("badcertificate")
                || lower.contains("unknownca")
                || lower.contains("certificaterequired")
                || lower.contains("decrypterror")
            {
                return format!(
                    "the engine refused the client certificate {cert}: it was not signed by a CA the engine \
                     trusts (dockerd's --tlscacert)"
                );
            }
            if lower.contains("corrupt message") || lower.contains("invalidcontenttype") {
                return format!(
                    "{} does not speak TLS; connect without TLS only if the engine listens unencrypted \
                     (usually port 2375)",
                    attempt.url
                );
            }
        }
        None => {
            if lower.contains("http request to an https server")
                || lower.contains("client sent an http request")
            {
                return format!(
                    "the engine at {} expects TLS: use a TLS profile with the CA, a client certificate and \
                     its key",
                    attempt.url
                );
            }
        }
    }
    error.to_string()
}

/// Warnings about an endpoint that works but should not be used as it is.
pub(crate) fn notices(url: &str, tls: bool) -> Vec<String> {
    let tcp = url.starts_with("tcp://") || url.starts_with("http://");
    if tcp && !tls {
        vec![format!(
            "{url} is not encrypted and asks no one who they are: anyone who can reach the port controls the \
             engine and every container on it. Have dockerd listen with --tlsverify (port 2376) and connect \
             with a TLS profile, or forward its socket over SSH"
        )]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATTEMPT: Attempt<'static> = Attempt {
        url: "tcp://10.0.0.2:2376",
        tls: Some(("/certs/ca.pem", "/certs/cert.pem", "/certs/key.pem")),
    };

    #[test]
    fn handshake_errors_name_the_file_to_fix() {
        let wrong_ca = explain(
            &ATTEMPT,
            "error trying to connect: invalid peer certificate: UnknownIssuer",
        );
        assert!(
            wrong_ca.contains("not signed by the CA in /certs/ca.pem"),
            "{wrong_ca}"
        );
        let refused = explain(
            &ATTEMPT,
            "error trying to connect: received fatal alert: BadCertificate",
        );
        assert!(
            refused.contains("refused the client certificate /certs/cert.pem"),
            "{refused}"
        );
        let plain = explain(
            &Attempt {
                url: "tcp://h:2376",
                tls: None,
            },
            "Client sent an HTTP request to an HTTPS server.",
        );
        assert!(plain.contains("expects TLS"), "{plain}");
        assert_eq!(
            explain(&ATTEMPT, "connection refused"),
            "connection refused"
        );
    }

    #[test]
    fn only_unencrypted_tcp_is_warned_about() {
        assert_eq!(notices("tcp://h:2375", false).len(), 1);
        assert!(notices("tcp://h:2376", true).is_empty());
        assert!(notices("unix:///var/run/docker.sock", false).is_empty());
    }

    #[test]
    fn missing_and_expired_files_are_named() {
        let missing = unusable_tls_files("/nonexistent/ca.pem", "/x", "/y");
        assert_eq!(
            missing.as_deref(),
            Some("the CA certificate /nonexistent/ca.pem does not exist")
        );
    }
}
