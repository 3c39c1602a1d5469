//! Compiles the probe (the std-only fixture program) into a static binary that the isolation check puts into a
//! `FROM scratch` image on the engine, so no registry is ever needed. rustc is called directly on the main
//! file (it finds the modules next to it): a nested cargo would contend for the build lock.

use std::path::PathBuf;
use std::process::Command;

const PROBE_SOURCE: &str = "../fixture/src/main.rs";
/// The probe's modules live next to its main file; rustc finds them from it.
const PROBE_DIR: &str = "../fixture/src";
/// The engine architecture the probe is built for; other engines get a clear error at check time.
const PROBE_TARGET: &str = "x86_64-unknown-linux-gnu";

fn main() {
    println!("cargo:rerun-if-changed={PROBE_DIR}");
    println!("cargo:rerun-if-changed=build.rs");
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("swarmdeck-probe");
    let host = std::env::var("HOST").unwrap_or_default();
    let built = host == PROBE_TARGET && compile(&out);
    if !built {
        println!("cargo:warning=the isolation probe is built only on {PROBE_TARGET} hosts; this build cannot run isolation checks");
        // An empty probe makes the check fail with an explanation instead of breaking the build.
        let _ = std::fs::write(&out, b"");
    }
}

fn compile(out: &std::path::Path) -> bool {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let status = Command::new(rustc)
        .args([
            "--edition",
            "2021",
            "-O",
            "-C",
            "target-feature=+crt-static",
            "-C",
            "strip=symbols",
        ])
        .args([
            "--crate-name",
            "swarmdeck_probe",
            "--target",
            PROBE_TARGET,
            PROBE_SOURCE,
            "-o",
        ])
        .arg(out)
        // Flags meant for this crate (clippy, coverage) must not leak into a separate program.
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status();
    matches!(status, Ok(s) if s.success())
}
