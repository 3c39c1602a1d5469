//! An organization's secrets through the CLI: created, listed with their users (never the value), attached and
//! read inside the task, rotated to every user with the old version removed, a rollback across a rotation, removal
//! refused while in use, and another organization's secret never given.

use std::process::{Command, Output};

use swarmdeck_orchestrator::Orchestrator;
use swarmdeck_tests::{cli_binary, fast_run, fixture_request, succeeded, with_orgs, TestResult};

fn swarmdeck(args: &[&str]) -> TestResult<Output> {
    Ok(Command::new(cli_binary()?).args(args).output()?)
}

/// Runs the CLI and returns its stdout, failing with its stderr.
fn ok(args: &[&str]) -> TestResult<String> {
    let stdout = succeeded(Command::new(cli_binary()?).args(args))?;
    Ok(String::from_utf8_lossy(&stdout).into_owned())
}

fn err(args: &[&str]) -> TestResult<String> {
    let output = swarmdeck(args)?;
    if output.status.success() {
        return Err(format!("swarmdeck {} succeeded", args.join(" ")).into());
    }
    Ok(String::from_utf8_lossy(&output.stderr).into_owned())
}

fn read_secret(service: &str) -> TestResult<String> {
    ok(&[
        "exec",
        service,
        "--",
        "/fixture",
        "cat",
        "/run/secrets/db-password",
    ])
}

fn versions(org: &str) -> TestResult<Vec<serde_json::Value>> {
    let listed: serde_json::Value = serde_json::from_str(&ok(&["--json", "secret", "ls", org])?)?;
    Ok(listed.as_array().cloned().unwrap_or_default())
}

const FAST: [&str; 4] = ["--gate-settle", "1", "--gate-poll", "1"];

#[tokio::test]
async fn a_secret_is_attached_read_rotated_rolled_back_across_and_kept_within_its_organization(
) -> TestResult {
    with_orgs(&["secreta", "secretb"], |orchestrator, orgs| async move {
        let (org, other) = (orgs[0].as_str(), orgs[1].as_str());
        let service = orchestrator
            .deploy(&fixture_request(org, "web", "v1"), &fast_run())
            .await?
            .service_name;
        ok(&[
            "secret",
            "create",
            org,
            "db-password",
            "--value",
            "first-value",
        ])?;
        let listed = versions(org)?;
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert!(
            !serde_json::to_string(&listed)?.contains("first-value"),
            "the value is never listed"
        );

        ok(&[&["secret", "attach", &service, "db-password"][..], &FAST].concat())?;
        assert_eq!(read_secret(&service)?, "first-value");
        assert_eq!(versions(org)?[0]["services"][0], service.as_str());
        let before_rotation = deployment_of(&orchestrator, &service).await?;

        let rotated: serde_json::Value = serde_json::from_str(&ok(&[
            &[
                "--json",
                "secret",
                "rotate",
                org,
                "db-password",
                "--value",
                "second-value",
            ][..],
            &FAST,
        ]
        .concat())?)?;
        assert_eq!(read_secret(&service)?, "second-value");
        assert_eq!(
            rotated["removed"].as_array().map(Vec::len),
            Some(1),
            "{rotated}"
        );
        let now = versions(org)?;
        assert_eq!(now.len(), 1, "the old version is gone: {now:?}");
        assert_eq!(now[0]["version"], rotated["version"]);

        let gone = err(&[&["rollback", &service, "--to", &before_rotation][..], &FAST].concat())?;
        assert!(
            gone.contains("not found") && gone.contains("db-password"),
            "{gone}"
        );
        assert_eq!(read_secret(&service)?, "second-value", "nothing changed");

        let before_kept = deployment_of(&orchestrator, &service).await?;
        ok(&[
            &[
                "secret",
                "rotate",
                org,
                "db-password",
                "--value",
                "third-value",
                "--keep-old",
            ][..],
            &FAST,
        ]
        .concat())?;
        assert_eq!(read_secret(&service)?, "third-value");
        ok(&[&["rollback", &service, "--to", &before_kept][..], &FAST].concat())?;
        assert_eq!(
            read_secret(&service)?,
            "second-value",
            "the kept version came back"
        );

        let in_use = err(&["secret", "rm", org, "db-password"])?;
        assert!(in_use.contains(&service), "{in_use}");

        ok(&["secret", "create", other, "b-only", "--value", "not-for-a"])?;
        let foreign = err(&[&["secret", "attach", &service, "b-only"][..], &FAST].concat())?;
        assert!(
            foreign.contains(&format!("b-only of organization {org} not found")),
            "{foreign}"
        );
        ok(&["secret", "rm", other, "b-only"])?;
        assert!(versions(other)?.is_empty());
        Ok(())
    })
    .await
}

async fn deployment_of(orchestrator: &Orchestrator, service: &str) -> TestResult<String> {
    Ok(orchestrator
        .service_status(service)
        .await?
        .deployment_id
        .ok_or("no deployment")?)
}
