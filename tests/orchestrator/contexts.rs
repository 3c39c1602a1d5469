//! Docker contexts through the CLI, made by the `docker` CLI itself in a configuration directory of the test's own
//! (never the user's): `--context` reaches the engine the context names even while `DOCKER_HOST` points nowhere,
//! `DOCKER_HOST` beats `DOCKER_CONTEXT`, which beats the current context, as with `docker`; `context ls` lists it
//! starred once current; an unknown context is named.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use swarmdeck_tests::{cli_binary, docker_with_config, engine, TestResult};

const NOWHERE: &str = "unix:///nonexistent/docker.sock";

fn swarmdeck(config: &Path, env: &[(&str, &str)], args: &[&str]) -> TestResult<Output> {
    let mut command = Command::new(cli_binary()?);
    command
        .env("DOCKER_CONFIG", config)
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .envs(env.iter().copied())
        .args(args);
    Ok(command.output()?)
}

/// The swarm id `swarm status --json` reports, failing with the CLI's error.
fn swarm_id_through(config: &Path, env: &[(&str, &str)], args: &[&str]) -> TestResult<String> {
    let output = swarmdeck(
        config,
        env,
        &[args, &["--json", "swarm", "status"]].concat(),
    )?;
    if !output.status.success() {
        return Err(format!("swarmdeck: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let status: Value = serde_json::from_slice(&output.stdout)?;
    Ok(status["swarm_id"].as_str().unwrap_or_default().to_string())
}

#[tokio::test]
async fn a_context_made_by_docker_reaches_its_engine_with_the_docker_clis_precedence() -> TestResult
{
    let swarm_id = engine()
        .await?
        .swarm_info()
        .await?
        .swarm_id
        .ok_or("the engine reports no swarm")?;
    let socket = std::env::var("DOCKER_HOST")
        .ok()
        .filter(|host| host.starts_with("unix://"))
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string());
    let config = std::env::temp_dir().join(format!("swarmdeck-contexts-{}", std::process::id()));
    std::fs::create_dir_all(&config)?;
    let result = async {
        docker_with_config(
            &config,
            &[
                "context",
                "create",
                "swarmdeck-test",
                "--description",
                "the test engine",
                "--docker",
                &format!("host={socket}"),
            ],
        )?;

        let flag = ["--context", "swarmdeck-test"];
        assert_eq!(
            swarm_id_through(&config, &[("DOCKER_HOST", NOWHERE)], &flag)?,
            swarm_id
        );
        assert_eq!(
            swarm_id_through(&config, &[("DOCKER_CONTEXT", "swarmdeck-test")], &[])?,
            swarm_id
        );
        let host_wins = swarmdeck(
            &config,
            &[
                ("DOCKER_HOST", NOWHERE),
                ("DOCKER_CONTEXT", "swarmdeck-test"),
            ],
            &["swarm", "status"],
        )?;
        assert!(
            !host_wins.status.success(),
            "DOCKER_HOST comes before DOCKER_CONTEXT, as with docker"
        );

        docker_with_config(&config, &["context", "use", "swarmdeck-test"])?;
        assert_eq!(swarm_id_through(&config, &[], &[])?, swarm_id);
        let listed = swarmdeck(&config, &[], &["--json", "context", "ls"])?;
        assert!(
            listed.status.success(),
            "{}",
            String::from_utf8_lossy(&listed.stderr)
        );
        let rows: Value = serde_json::from_slice(&listed.stdout)?;
        let ours = rows
            .as_array()
            .into_iter()
            .flatten()
            .find(|row| row["name"] == "swarmdeck-test")
            .ok_or("context ls lists the context")?;
        assert_eq!(ours["current"], true);
        assert_eq!(ours["endpoint"], socket.as_str());
        assert_eq!(ours["description"], "the test engine");
        assert_eq!(ours["tls"], false);

        let unknown = swarmdeck(&config, &[], &["--context", "nope", "swarm", "status"])?;
        let stderr = String::from_utf8_lossy(&unknown.stderr);
        assert!(!unknown.status.success());
        assert!(stderr.contains("docker context nope not found"), "{stderr}");
        TestResult::Ok(())
    }
    .await;
    let _ = std::fs::remove_dir_all(&config);
    result
}
