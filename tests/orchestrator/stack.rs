//! Stacks on the suite's swarm: compose files in the shape of well-known multi-service apps deployed healthy with
//! every service reaching its dependencies by name; the export read back with no diff and accepted by
//! `docker stack deploy`; a failing third service undoing the whole stack; rollback to an earlier stack; errors
//! pointing into the file with nothing created; secrets, configs and volumes inside the task; the CLI.
//!
//! The file is long because each case drives a whole stack life cycle against the engine, and they share the
//! compose builders at the top.

use std::process::Command;
use std::time::Duration;

use swarmdeck_orchestrator::compose::ComposeSource;
use swarmdeck_orchestrator::stack::{
    PlanAction, StackOutcome, StackRequest, StackRunOptions, StackTrigger,
};
use swarmdeck_orchestrator::{Error, Orchestrator};
use swarmdeck_tests::{docker_stack_deploy, eventually, exec, fast_run, with_orgs, TestResult};

fn run_options() -> StackRunOptions {
    StackRunOptions {
        gate: fast_run().gate,
        progress: None,
    }
}

fn request(org: &str, text: &str) -> StackRequest {
    StackRequest {
        org_id: org.to_string(),
        source: ComposeSource {
            file_name: "compose.yml".to_string(),
            text: text.to_string(),
            ..ComposeSource::default()
        },
        prune: false,
    }
}

/// A fixture service that answers as `version`, healthy once `/fixture get {probe}/health` succeeds from inside it.
fn service(name: &str, version: &str, probe: Option<&str>, extra: &str) -> String {
    let test = match probe {
        Some(target) => format!(r#"["CMD", "/fixture", "get", "{target}:8080", "/health"]"#),
        None => r#"["CMD", "/fixture", "health"]"#.to_string(),
    };
    format!(
        "  {name}:\n    image: swarmdeck-fixture:${{TAG:-v1}}\n    environment: {{VERSION: {version}}}\n    \
         healthcheck: {{test: {test}, interval: 1s, timeout: 3s, retries: 3}}\n{extra}    deploy:\n      \
         endpoint_mode: dnsrr\n      update_config: {{delay: 0s, monitor: 3s}}\n"
    )
}

/// Docker's voting app: two web front ends, a worker, a cache and a database, with its `deploy` sections.
fn voting_app() -> String {
    let host_port = "    ports: [{target: 8080, mode: host}]\n";
    [
        "services:\n".to_string(),
        service("redis", "redis", None, ""),
        service("db", "postgres", None, ""),
        service("vote", "vote", Some("redis"), &format!("{host_port}    depends_on: [redis]\n")),
        service("result", "result", Some("db"), &format!("{host_port}    depends_on: [db]\n")),
        service("worker", "worker", Some("redis.internal"), "    depends_on: {redis: {condition: service_healthy}, db: {condition: service_started}}\n"),
    ]
    .concat()
}

/// What `/fixture ARGS…` prints in a running task of the service; it must succeed.
async fn run_in_task(
    orchestrator: &Orchestrator,
    service: &str,
    args: &[&str],
) -> TestResult<String> {
    let status = orchestrator.service_status(service).await?;
    let container = status
        .tasks
        .iter()
        .find(|t| t.state == "running" && t.desired_state == "running")
        .and_then(|t| t.container_id.clone())
        .ok_or("no running task")?;
    let command: Vec<&str> = std::iter::once("/fixture")
        .chain(args.iter().copied())
        .collect();
    let (code, output) = exec(orchestrator.docker(), &container, &command).await?;
    assert_eq!(code, 0, "{service}: {command:?}: {output}");
    Ok(output)
}

/// The answer of `to`'s `/version` as seen from a running task of `from`.
async fn version_seen(
    orchestrator: &Orchestrator,
    org: &str,
    from: &str,
    to: &str,
) -> TestResult<String> {
    let name = swarmdeck_orchestrator::naming::service_name(org, from);
    run_in_task(
        orchestrator,
        &name,
        &["get", &format!("{to}:8080"), "/version"],
    )
    .await
}

#[tokio::test]
async fn a_voting_app_stack_runs_healthy_reaches_its_dependencies_and_exports_with_no_diff(
) -> TestResult {
    with_orgs(&["voting"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let text = voting_app();
        let plan = orchestrator.stack_plan(&request(org, &text)).await?;
        let order: Vec<&str> = plan.services.iter().map(|s| s.slug.as_str()).collect();
        assert_eq!(order, ["redis", "db", "vote", "result", "worker"]);
        assert!(plan.services.iter().all(|s| s.action == PlanAction::Create));
        assert!(
            orchestrator.find_org_network(org).await?.is_none(),
            "a preview wrote something"
        );
        orchestrator
            .stack_deploy(&request(org, &text), &run_options())
            .await?;
        for (from, to, answer) in [
            ("vote", "redis", "redis"),
            ("result", "db.internal", "postgres"),
            ("worker", "redis", "redis"),
            ("worker", "db", "postgres"),
        ] {
            let seen = version_seen(&orchestrator, org, from, to).await?;
            assert!(seen.contains(answer), "{from} asked {to} and got {seen:?}");
        }
        let exported = orchestrator.stack_export(org).await?;
        let again = orchestrator.stack_plan(&request(org, &exported)).await?;
        assert!(
            again.is_empty(),
            "export → import is not empty: {:?}\n{exported}",
            again.services
        );
        docker_stack_deploy_accepts(&exported, org)?;
        let history = orchestrator.stack_history(org).await?;
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].outcome, StackOutcome::Succeeded);
        Ok(())
    })
    .await
}

/// `docker stack deploy` takes the exported file and converges it; the stack is removed again whatever happens.
fn docker_stack_deploy_accepts(compose: &str, org: &str) -> TestResult {
    let dir = std::env::temp_dir().join(format!("swarmdeck-export-{org}"));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("compose.yml");
    std::fs::write(&file, compose)?;
    let stack = format!("{org}-docker");
    let deployed = Command::new("docker")
        .args(["stack", "deploy", "--detach=true", "-c"])
        .arg(&file)
        .arg(&stack)
        .output()?;
    let removed = Command::new("docker")
        .args(["stack", "rm", &stack])
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        deployed.status.success(),
        "docker stack deploy refused the export: {}",
        String::from_utf8_lossy(&deployed.stderr)
    );
    assert!(removed?.status.success());
    Ok(())
}

#[tokio::test]
async fn a_stack_whose_third_service_fails_is_put_back_as_a_whole_and_rolls_back_to_an_earlier_stack(
) -> TestResult {
    with_orgs(&["stackundo"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let first = ["services:\n".to_string(), service("api", "api", None, "")].concat();
        orchestrator.stack_deploy(&request(org, &first), &run_options()).await?;
        let api = swarmdeck_orchestrator::naming::service_name(org, "api");
        let before = orchestrator.service_definition(&api).await?;
        let failing = [
            "services:\n".to_string(),
            service("api", "api", None, "").replace("${TAG:-v1}", "v2"),
            service("cache", "cache", None, ""),
            service("jobs", "jobs", None, "    depends_on: [cache]\n").replace("${TAG:-v1}", "broken"),
        ]
        .concat();
        match orchestrator.stack_deploy(&request(org, &failing), &run_options()).await {
            Err(Error::StackRolledBack { service, undo_errors, .. }) => {
                assert_eq!(service, "jobs");
                assert!(undo_errors.is_empty(), "{undo_errors:?}");
            }
            other => panic!("expected the stack to be rolled back, got {other:?}"),
        }
        assert_eq!(orchestrator.service_definition(&api).await?, before, "api is not back on its spec");
        let slugs = |services: Vec<swarmdeck_orchestrator::ServiceSummary>| {
            let mut slugs: Vec<String> = services.into_iter().filter_map(|s| s.slug).collect();
            slugs.sort();
            slugs
        };
        assert_eq!(slugs(orchestrator.list_org_services(org).await?), ["api"]);
        let history = orchestrator.stack_history(org).await?;
        assert_eq!(history[0].outcome, StackOutcome::RolledBack);
        assert!(history[0].reason.as_deref().unwrap_or_default().contains("jobs failed"));

        let second = [
            "services:\n".to_string(),
            service("api", "api", None, "").replace("${TAG:-v1}", "v2"),
            service("cache", "cache", None, ""),
        ]
        .concat();
        orchestrator.stack_deploy(&request(org, &second), &run_options()).await?;
        let back = orchestrator.stack_rollback(org, None, &run_options()).await?;
        assert_eq!(orchestrator.service_definition(&api).await?.image, before.image);
        assert_eq!(slugs(orchestrator.list_org_services(org).await?), ["api"], "cache was created since");
        let history = orchestrator.stack_history(org).await?;
        assert_eq!(history[0].stack_id, back.stack_id);
        assert!(matches!(&history[0].trigger, StackTrigger::Rollback { to } if *to == history[3].stack_id));
        let nothing_left = orchestrator.stack_rollback(org, None, &run_options()).await;
        assert!(matches!(nothing_left, Err(Error::NothingToRollBackTo { .. })), "{nothing_left:?}");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn compose_errors_name_file_line_and_column_and_nothing_is_created() -> TestResult {
    with_orgs(&["stackbad"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let ok = "  ok:\n    image: swarmdeck-fixture:v1\n";
        for (text, line, column, words) in [
            (format!("services:\n{ok}  web:\n    image: swarmdeck-fixture:v1\n    build: .\n"), 6, 5, "build"),
            (format!("services:\n{ok}  web:\n    image: swarmdeck-fixture:${{TAG:?set TAG first}}\n"), 5, 12, "set TAG first"),
            (format!("services:\n{ok}  web:\n    image: Swarmdeck-Fixture:v1\n"), 5, 12, "image_name"),
            (format!("services:\n{ok}  web:\n    image: swarmdeck-fixture:v1\n    ports: [\"99999:8080\"]\n"), 6, 13, "out of range"),
        ] {
            match orchestrator.stack_deploy(&request(org, &text), &run_options()).await {
                Err(Error::Compose { file, line: l, column: c, message }) => {
                    assert_eq!((file.as_str(), l, c), ("compose.yml", line, column), "{message}");
                    assert!(message.contains(words), "{message}");
                }
                other => panic!("expected a compose error for {words}, got {other:?}"),
            }
        }
        assert!(orchestrator.find_org_network(org).await?.is_none(), "a network was created");
        assert!(orchestrator.list_org_services(org).await?.is_empty());
        assert!(orchestrator.stack_history(org).await?.is_empty());
        Ok(())
    })
    .await
}

#[tokio::test]
async fn prune_removes_what_the_file_no_longer_names_and_leaves_the_rest_otherwise() -> TestResult {
    with_orgs(&["stackprune"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let both = [
            "services:\n".to_string(),
            service("a", "a", None, ""),
            service("b", "b", None, ""),
        ]
        .concat();
        orchestrator
            .stack_deploy(&request(org, &both), &run_options())
            .await?;
        let only_a = ["services:\n".to_string(), service("a", "a", None, "")].concat();
        let kept = orchestrator.stack_plan(&request(org, &only_a)).await?;
        assert_eq!(
            kept.services.iter().map(|s| s.action).collect::<Vec<_>>(),
            [PlanAction::Unchanged, PlanAction::Kept]
        );
        let mut pruning = request(org, &only_a);
        pruning.prune = true;
        let plan = orchestrator.stack_plan(&pruning).await?;
        assert_eq!(
            plan.services.iter().map(|s| s.action).collect::<Vec<_>>(),
            [PlanAction::Unchanged, PlanAction::Remove]
        );
        orchestrator.stack_deploy(&pruning, &run_options()).await?;
        let b = swarmdeck_orchestrator::naming::service_name(org, "b");
        eventually(Duration::from_secs(30), "b to be removed", || {
            let (orchestrator, b) = (orchestrator.clone(), b.clone());
            async move { Ok(orchestrator.service_status(&b).await.is_err().then_some(())) }
        })
        .await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn the_cli_deploys_a_file_with_its_env_files_previews_with_no_change_and_exports_it(
) -> TestResult {
    with_orgs(&["stackcli"], |_orchestrator, orgs| async move {
        let org = &orgs[0];
        let dir = std::env::temp_dir().join(format!("swarmdeck-stack-cli-{org}"));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(".env"), "TAG=v2\n")?;
        std::fs::write(dir.join("web.env"), "GREETING=hello\n")?;
        let text = [
            "services:\n".to_string(),
            service("web", "web", None, "    env_file: web.env\n"),
        ]
        .concat();
        std::fs::write(dir.join("compose.yml"), text)?;
        let cli = |args: &[&str]| {
            Command::new(swarmdeck_tests::cli_binary()?)
                .args(args)
                .current_dir(&dir)
                .env_remove("TAG")
                .output()
                .map_err(Into::<Box<dyn std::error::Error + Send + Sync>>::into)
        };
        let deployed = cli(&[
            "stack",
            "deploy",
            org,
            "-c",
            "compose.yml",
            "--gate-settle",
            "1",
            "--gate-poll",
            "1",
        ])?;
        assert!(
            deployed.status.success(),
            "{}",
            String::from_utf8_lossy(&deployed.stderr)
        );
        let progress = String::from_utf8_lossy(&deployed.stderr);
        assert!(
            progress.contains("+ create web") && progress.contains("web: deployed and healthy"),
            "{progress}"
        );
        let preview = cli(&[
            "--json",
            "stack",
            "deploy",
            org,
            "-c",
            "compose.yml",
            "--dry-run",
        ])?;
        let plan: serde_json::Value = serde_json::from_slice(&preview.stdout)?;
        assert_eq!(plan["services"][0]["action"], "unchanged", "{plan}");
        let exported = cli(&["stack", "export", org])?;
        let exported = String::from_utf8(exported.stdout)?;
        assert!(
            exported.contains("swarmdeck-fixture:v2") && exported.contains("GREETING: hello"),
            "{exported}"
        );
        let history = cli(&["--json", "stack", "history", org])?;
        let history: serde_json::Value = serde_json::from_slice(&history.stdout)?;
        assert_eq!(history[0]["outcome"], "succeeded");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
    .await
}

/// A file's content inside a running task of the service.
async fn file_in_task(
    orchestrator: &Orchestrator,
    service: &str,
    path: &str,
) -> TestResult<String> {
    run_in_task(orchestrator, service, &["cat", path]).await
}

#[tokio::test]
async fn secrets_configs_and_volumes_reach_the_task_and_a_changed_secret_rolls_out_as_a_new_version(
) -> TestResult {
    with_orgs(&["stackfiles"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let dir = std::env::temp_dir().join(format!("swarmdeck-stack-files-{org}"));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("token.txt"), "s3cret-1")?;
        std::fs::write(dir.join("app.conf"), "mode=1")?;
        let text = [
            "services:\n".to_string(),
            service(
                "app",
                "app",
                None,
                "    secrets: [token]\n    configs: [{source: app_conf, target: /etc/app.conf}]\n    volumes: [\"data:/data\"]\n",
            ),
            "volumes:\n  data: {}\nsecrets:\n  token: {file: token.txt}\nconfigs:\n  app_conf: {file: app.conf}\n".to_string(),
        ]
        .concat();
        let mut files = request(org, &text);
        files.source.base_dir = Some(dir.clone());
        orchestrator.stack_deploy(&files, &run_options()).await?;
        let app = swarmdeck_orchestrator::naming::service_name(org, "app");
        assert_eq!(file_in_task(&orchestrator, &app, "/run/secrets/token").await?, "s3cret-1");
        assert_eq!(file_in_task(&orchestrator, &app, "/etc/app.conf").await?, "mode=1");
        let volume = orchestrator
            .docker()
            .inspect_volume(&swarmdeck_orchestrator::naming::volume_name(org, "data"))
            .await?;
        assert_eq!(volume.labels.get(swarmdeck_orchestrator::naming::label::ORG), Some(org));
        let first = orchestrator.service_definition(&app).await?.container.files;

        std::fs::write(dir.join("token.txt"), "s3cret-2")?;
        let plan = orchestrator.stack_plan(&files).await?;
        assert_eq!(plan.services[0].action, PlanAction::Update);
        assert!(plan.services[0].changes.iter().any(|c| c.field == "container.files"), "{:?}", plan.services[0].changes);
        orchestrator.stack_deploy(&files, &run_options()).await?;
        assert_eq!(file_in_task(&orchestrator, &app, "/run/secrets/token").await?, "s3cret-2");
        orchestrator.stack_rollback(org, None, &run_options()).await?;
        assert_eq!(file_in_task(&orchestrator, &app, "/run/secrets/token").await?, "s3cret-1");
        assert_eq!(orchestrator.service_definition(&app).await?.container.files, first);
        let exported = orchestrator.stack_export(org).await?;
        assert!(!exported.contains("s3cret"), "{exported}");
        let again = orchestrator.stack_plan(&request(org, &exported)).await?;
        assert!(again.is_empty(), "{:?}\n{exported}", again.services);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn a_stack_made_by_docker_is_listed_exported_and_adopted_onto_the_org_network_ports_included(
) -> TestResult {
    with_orgs(&["adopter"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let namespace = format!("{org}-outside");
        let compose = "services:\n  api:\n    image: swarmdeck-fixture:v1\n    ports: [\"18081:8080\"]\n  \
                       worker:\n    image: swarmdeck-fixture:v1\n    environment: {VERSION: worker}\n";
        docker_stack_deploy(&namespace, compose)?;
        let outcome = async {
            let stacks = orchestrator.foreign_stacks().await?;
            let found = stacks.iter().find(|s| s.namespace == namespace).ok_or("the stack is not listed")?;
            assert_eq!(found.services, [format!("{namespace}_api"), format!("{namespace}_worker")]);
            let exported = orchestrator.foreign_stack_export(&namespace).await?;
            assert!(exported.contains("VERSION: worker") && exported.contains("published: 18081"), "{exported}");

            let plan = orchestrator.adopt_plan(&namespace, org).await?;
            assert!(plan.services.iter().all(|s| s.action == PlanAction::Create), "{:?}", plan.services);
            orchestrator.adopt_stack(&namespace, org, &run_options()).await?;
            let api = swarmdeck_orchestrator::naming::service_name(org, "api");
            let spec = orchestrator.docker().inspect_service(&api, None).await?.spec.unwrap_or_default();
            let ports = spec.endpoint_spec.and_then(|e| e.ports).unwrap_or_default();
            assert_eq!(ports.first().and_then(|p| p.published_port), Some(18081), "the port came along");
            let worker = orchestrator.service_definition(&swarmdeck_orchestrator::naming::service_name(org, "worker")).await?;
            assert_eq!(worker.env.get("VERSION").map(String::as_str), Some("worker"));
            assert!(
                !orchestrator.foreign_stacks().await?.iter().any(|s| s.namespace == namespace),
                "the originals are still there"
            );
            TestResult::Ok(())
        }
        .await;
        let _ = Command::new("docker").args(["stack", "rm", &namespace]).output();
        outcome
    })
    .await
}
