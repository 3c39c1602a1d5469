//! TLS material for a test engine started with `--tlsverify`, generated per test: a CA, the engine's certificate
//! for its address, a client certificate and key, and the ways they go wrong — a client certificate that expired,
//! and a second CA that signed nothing the engine uses.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

use crate::TestResult;

/// PEM files in a directory of the test's own.
pub struct TlsFiles {
    pub dir: PathBuf,
    /// The CA that signed the engine's and the client's certificates.
    pub ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// A client certificate of the right CA whose validity ended in 2021.
    pub expired_cert: PathBuf,
    pub expired_key: PathBuf,
    /// A CA that signed nothing here: the engine's certificate does not verify against it.
    pub other_ca: PathBuf,
}

struct Authority {
    cert: Certificate,
    key: KeyPair,
}

fn authority(name: &str) -> TestResult<Authority> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key)?;
    Ok(Authority { cert, key })
}

fn write(path: &Path, text: &str) -> TestResult<PathBuf> {
    std::fs::write(path, text)?;
    Ok(path.to_path_buf())
}

impl TlsFiles {
    /// Generates everything into `dir`, the engine's certificate valid for `server_ip`, 127.0.0.1 and localhost.
    pub fn generate(dir: &Path, server_ip: IpAddr) -> TestResult<TlsFiles> {
        std::fs::create_dir_all(dir)?;
        let ca = authority("swarmdeck test CA")?;
        let other = authority("swarmdeck unrelated CA")?;

        let mut server = CertificateParams::new(vec!["localhost".to_string()])?;
        server.distinguished_name.push(DnType::CommonName, "engine");
        server.subject_alt_names.push(SanType::IpAddress(server_ip));
        server
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::from([127, 0, 0, 1])));
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate()?;
        let server_cert = server.signed_by(&server_key, &ca.cert, &ca.key)?;

        let client = |expired: bool| -> TestResult<(String, String)> {
            let mut params = CertificateParams::new(Vec::<String>::new())?;
            params.distinguished_name.push(DnType::CommonName, "client");
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            if expired {
                params.not_before = rcgen::date_time_ymd(2020, 1, 1);
                params.not_after = rcgen::date_time_ymd(2021, 1, 1);
            }
            let key = KeyPair::generate()?;
            let cert = params.signed_by(&key, &ca.cert, &ca.key)?;
            Ok((cert.pem(), key.serialize_pem()))
        };
        let (client_cert, client_key) = client(false)?;
        let (expired_cert, expired_key) = client(true)?;
        Ok(TlsFiles {
            dir: dir.to_path_buf(),
            ca: write(&dir.join("ca.pem"), &ca.cert.pem())?,
            server_cert: write(&dir.join("server-cert.pem"), &server_cert.pem())?,
            server_key: write(&dir.join("server-key.pem"), &server_key.serialize_pem())?,
            client_cert: write(&dir.join("cert.pem"), &client_cert)?,
            client_key: write(&dir.join("key.pem"), &client_key)?,
            expired_cert: write(&dir.join("expired-cert.pem"), &expired_cert)?,
            expired_key: write(&dir.join("expired-key.pem"), &expired_key)?,
            other_ca: write(&dir.join("other-ca.pem"), &other.cert.pem())?,
        })
    }
}

impl TlsFiles {
    /// `docker context create --docker` of the engine at `url` with this CA and client certificate.
    pub fn docker_context_endpoint(&self, url: &str) -> String {
        format!(
            "host={url},ca={},cert={},key={}",
            text(&self.ca),
            text(&self.client_cert),
            text(&self.client_key)
        )
    }
}

/// A path as the text a profile or an endpoint holds.
pub fn text(path: &Path) -> String {
    path.display().to_string()
}

/// Forwards connections to `127.0.0.1:PORT` (returned) on to `target`, on threads of their own so that a test
/// blocked on a child process (the CLI) does not block the forwarding. It lasts as long as the test process:
/// each test runs in a process of its own.
pub fn loopback_forward(target: std::net::SocketAddr) -> TestResult<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(engine) = std::net::TcpStream::connect(target) else {
                continue;
            };
            let (Ok(client_reader), Ok(engine_reader)) = (client.try_clone(), engine.try_clone())
            else {
                continue;
            };
            pipe(client_reader, engine);
            pipe(engine_reader, client);
        }
    });
    Ok(port)
}

/// Copies `from` into `to` until either side closes, then closes the writing side so that the peer sees the end.
fn pipe(mut from: std::net::TcpStream, mut to: std::net::TcpStream) {
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from, &mut to);
        let _ = to.shutdown(std::net::Shutdown::Write);
    });
}
