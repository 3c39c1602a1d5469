//! Inside running tasks: `exec` through the CLI (output, exit code, stdin, a terminal, an image without the
//! program, a slot that does not run), `stats` through the CLI (a busy task reads busy, within its memory limit,
//! summed per organization), a stats follow that closes its engine streams when stopped, and a silent stats stream
//! that holds up no other task's figures.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use swarmdeck_orchestrator::StatsScope;
use swarmdeck_tests::{
    cli_binary, eventually, fast_run, fixture_request, orchestrator_on, with_orgs, CountingProxy,
    Fault, TestResult,
};
use tokio_util::sync::CancellationToken;

fn swarmdeck(args: &[&str], stdin: Option<&str>) -> TestResult<Output> {
    let mut child = Command::new(cli_binary()?)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut input = child.stdin.take().ok_or("no stdin")?;
    if let Some(text) = stdin {
        input.write_all(text.as_bytes())?;
    }
    drop(input);
    Ok(child.wait_with_output()?)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn exec_returns_the_commands_output_and_exit_code_and_says_when_the_image_lacks_the_program(
) -> TestResult {
    with_orgs(&["execcli"], |orchestrator, orgs| async move {
        let mut request = fixture_request(&orgs[0], "web", "v1");
        request
            .env
            .insert("MARKER".into(), "inside-the-task".into());
        let service = orchestrator
            .deploy(&request, &fast_run())
            .await?
            .service_name;

        let env = swarmdeck(
            &[
                "exec",
                &service,
                "--",
                "/fixture",
                "cat",
                "/proc/self/environ",
            ],
            None,
        )?;
        assert!(env.status.success(), "{}", text(&env.stderr));
        assert!(
            text(&env.stdout).contains("MARKER=inside-the-task"),
            "{}",
            text(&env.stdout)
        );

        let closed = swarmdeck(&["exec", &service, "--", "/fixture", "health", "1"], None)?;
        assert!(!closed.status.success());
        assert_eq!(closed.status.code(), Some(1), "{}", text(&closed.stderr));
        assert!(
            !text(&closed.stderr).contains("error:"),
            "the command's own failure is not ours: {}",
            text(&closed.stderr)
        );

        let typed = swarmdeck(
            &["--json", "exec", &service, "-i", "--", "/fixture", "shell"],
            Some("echo hello from stdin\nexit 3\n"),
        )?;
        assert_eq!(typed.status.code(), Some(3), "{}", text(&typed.stderr));
        let result: serde_json::Value = serde_json::from_slice(&typed.stdout)?;
        assert_eq!(result["exit_code"], 3, "{result}");
        assert_eq!(result["slot"], 1, "{result}");
        assert!(
            result["stdout"]
                .as_str()
                .is_some_and(|out| out.contains("hello from stdin")),
            "{result}"
        );

        // `-t` wants a terminal: `script` gives the command one, so its raw mode and the task's terminal meet.
        let command = format!(
            "{} exec -it {service} -- /fixture shell",
            cli_binary()?.display()
        );
        let mut terminal = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut keys = terminal.stdin.take().ok_or("no stdin")?;
        keys.write_all(b"echo typed-on-a-terminal\rexit 4\r")?;
        let terminal = tokio::task::spawn_blocking(move || {
            let output = terminal.wait_with_output();
            drop(keys);
            output
        })
        .await??;
        assert_eq!(
            terminal.status.code(),
            Some(4),
            "{}",
            text(&terminal.stderr)
        );
        assert!(
            text(&terminal.stdout).contains("fixture$"),
            "the prompt of a terminal session: {}",
            text(&terminal.stdout)
        );
        assert!(
            text(&terminal.stdout)
                .matches("typed-on-a-terminal")
                .count()
                >= 2,
            "the typed line echoed and answered: {}",
            text(&terminal.stdout)
        );

        let no_shell = swarmdeck(&["exec", &service, "--", "/bin/sh"], None)?;
        assert_eq!(no_shell.status.code(), Some(1));
        assert!(
            text(&no_shell.stderr).contains("the image has no `/bin/sh`"),
            "{}",
            text(&no_shell.stderr)
        );

        let wrong_slot = swarmdeck(
            &["exec", &service, "--task", "7", "--", "/fixture", "health"],
            None,
        )?;
        assert!(
            text(&wrong_slot.stderr).contains("no running task in slot 7 (running slots: 1)"),
            "{}",
            text(&wrong_slot.stderr)
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn stats_show_a_busy_task_busy_within_its_memory_limit_per_service_and_per_organization(
) -> TestResult {
    with_orgs(&["statscli"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let mut busy = fixture_request(&org, "busy", "v1");
        // Two spinning threads under a limit of 1.5 cores (the default, 0.5, would cap it at 50 %): a busy
        // machine (the suites run in parallel) still gives the task over half a core.
        busy.env.insert("BURN_CPU".into(), "2".into());
        busy.resources.cpu_cores = 1.5;
        let busy = orchestrator.deploy(&busy, &fast_run()).await?.service_name;
        let idle = orchestrator
            .deploy(&fixture_request(&org, "idle", "v1"), &fast_run())
            .await?
            .service_name;

        let read = |target: String| async move {
            let output = swarmdeck(&["--json", "stats", &target], None)?;
            if !output.status.success() {
                return Err(text(&output.stderr).into());
            }
            TestResult::Ok(serde_json::from_slice::<serde_json::Value>(&output.stdout)?)
        };
        let service = eventually(
            Duration::from_secs(90),
            "the busy task to read over 50 % CPU",
            || {
                let busy = busy.clone();
                async move {
                    let report = read(busy).await?;
                    let cpu = report["services"][0]["tasks"][0]["cpu_percent"]
                        .as_f64()
                        .unwrap_or(0.0);
                    Ok((cpu > 50.0).then_some(report))
                }
            },
        )
        .await?;
        let task = &service["services"][0]["tasks"][0];
        let (used, limit) = (
            task["memory_bytes"].as_u64(),
            task["memory_limit_bytes"].as_u64(),
        );
        assert!(
            matches!((used, limit), (Some(used), Some(limit)) if used > 0 && used <= limit),
            "{task}"
        );

        let whole = read(org.clone()).await?;
        let names: Vec<&str> = whole["services"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["service_name"].as_str())
            .collect();
        assert_eq!(names, [busy.as_str(), idle.as_str()], "{whole}");
        let sum: f64 = whole["services"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["total"]["cpu_percent"].as_f64())
            .sum();
        let total = whole["total"]["cpu_percent"].as_f64().unwrap_or(-1.0);
        assert!((total - sum).abs() < 1e-6, "{whole}");
        assert_eq!(
            whole["orgs"][0]["org_id"].as_str(),
            Some(org.as_str()),
            "{whole}"
        );
        let org_total = whole["orgs"][0]["total"]["cpu_percent"]
            .as_f64()
            .unwrap_or(-1.0);
        assert!((org_total - total).abs() < 1e-6, "{whole}");

        let human = swarmdeck(&["stats", &org], None)?;
        assert!(
            text(&human.stdout).contains(&format!("organization {org}")),
            "{}",
            text(&human.stdout)
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_stats_follow_reports_a_busy_task_and_closes_its_engine_streams_when_stopped(
) -> TestResult {
    with_orgs(&["statsfollow"], |orchestrator, orgs| async move {
        let mut busy = fixture_request(&orgs[0], "busy", "v1");
        // Two spinning threads under a limit of 1.5 cores (the default, 0.5, would cap it at 50 %): a busy
        // machine (the suites run in parallel) still gives the task over half a core.
        busy.env.insert("BURN_CPU".into(), "2".into());
        busy.resources.cpu_cores = 1.5;
        let service = orchestrator.deploy(&busy, &fast_run()).await?.service_name;
        let proxy = CountingProxy::start().await?;
        let watched = orchestrator_on(proxy.docker()?.negotiate_version().await?);
        let cancel = CancellationToken::new();
        let mut reports =
            watched.follow_stats(StatsScope::Service(service.clone()), cancel.clone());
        let busy_seen = tokio::time::timeout(Duration::from_secs(90), async {
            while let Some(report) = reports.next().await {
                let report = report?;
                if report.total.cpu_percent > 50.0 {
                    return TestResult::Ok(report);
                }
            }
            Err("the follow ended before the task read busy".into())
        })
        .await
        .map_err(|_| "no report over 50 % CPU within 90 s")??;
        assert_eq!(busy_seen.services[0].tasks.len(), 1, "{busy_seen:?}");
        assert!(
            proxy.open_with("/stats") >= 1,
            "the follow reads through an engine stream"
        );

        cancel.cancel();
        eventually(
            Duration::from_secs(10),
            "the engine's stats streams to close",
            || {
                let open = proxy.open_with("/stats");
                async move { Ok((open == 0).then_some(())) }
            },
        )
        .await?;
        Ok(())
    })
    .await
}

/// One task whose engine stats stream stays silent (a fault on the proxy) holds up neither a one-shot read, where
/// it gets a note of the deadline and the other task its figures, nor a follow, which keeps reporting the other
/// while the quiet one waits for its first figures and then says none came.
#[tokio::test]
async fn a_silent_stats_stream_holds_up_neither_the_reading_nor_the_follow_of_the_others(
) -> TestResult {
    with_orgs(&["statsslow"], |orchestrator, orgs| async move {
        let org = orgs[0].clone();
        let quiet = orchestrator
            .deploy(&fixture_request(&org, "quiet", "v1"), &fast_run())
            .await?
            .service_name;
        let heard = orchestrator
            .deploy(&fixture_request(&org, "heard", "v1"), &fast_run())
            .await?
            .service_name;
        let proxy = CountingProxy::start().await?;
        let docker = proxy.docker()?.negotiate_version().await?;
        let containers = docker
            .list_containers(Some(bollard::query_parameters::ListContainersOptions {
                filters: Some(std::collections::HashMap::from([(
                    "label".to_string(),
                    vec![format!("com.docker.swarm.service.name={quiet}")],
                )])),
                ..Default::default()
            }))
            .await?;
        let quiet_container = containers
            .first()
            .and_then(|c| c.id.clone())
            .ok_or("no container of the quiet service")?;
        proxy.inject(
            &format!("/containers/{quiet_container}/stats"),
            Fault::Silence,
            usize::MAX,
        );
        let watched = orchestrator_on(docker);

        let report = watched.stats(&StatsScope::Org(org.clone())).await?;
        let task_of = |report: &swarmdeck_orchestrator::StatsReport, name: &str| {
            report
                .services
                .iter()
                .find(|s| s.service_name == name)
                .and_then(|s| s.tasks.first().cloned())
        };
        let silent = task_of(&report, &quiet).ok_or("no task of the quiet service")?;
        assert!(
            silent
                .unavailable
                .as_deref()
                .is_some_and(|why| why.contains("did not answer within 5 s")),
            "{silent:?}"
        );
        let answered = task_of(&report, &heard).ok_or("no task of the heard service")?;
        assert!(
            answered.unavailable.is_none() && answered.memory_bytes > 0,
            "{answered:?}"
        );

        let cancel = CancellationToken::new();
        let mut reports = watched.follow_stats(StatsScope::Org(org.clone()), cancel.clone());
        // The quiet task waits for its first figures, then says the engine sent none, while the other's come.
        let mut notes = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(report) = reports.next().await {
                let report = report?;
                let note = task_of(&report, &quiet).and_then(|task| task.unavailable);
                if task_of(&report, &heard).is_none_or(|task| task.memory_bytes == 0) {
                    continue;
                }
                let quiet_too_long = note
                    .as_deref()
                    .is_some_and(|note| note.contains("sent no figures for"));
                notes.push(note);
                if quiet_too_long {
                    return TestResult::Ok(());
                }
            }
            Err("the follow ended".into())
        })
        .await
        .map_err(|_| format!("no note of the quiet stream in 30 s: {notes:?}"))??;
        assert!(
            notes
                .iter()
                .flatten()
                .any(|note| note.contains("waiting for the engine's first figures")),
            "{notes:?}"
        );
        cancel.cancel();
        Ok(())
    })
    .await
}
