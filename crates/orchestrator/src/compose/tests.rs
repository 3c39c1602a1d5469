use std::time::Duration;

use super::*;
use crate::model::{MountKind, PublishMode, RestartCondition, UpdateOrder};

const VOTING: &str = r#"
version: "3.8"
x-common: &common
  note: ignored
services:
  vote:
    image: fixture:${TAG:-v1}
    command: serve --port 80
    environment:
      REDIS_HOST: redis
      PRICE: "$$5"
    ports:
      - "5000:80"
    depends_on: [redis]
    deploy:
      replicas: 2
      update_config:
        parallelism: 2
        delay: 10s
        order: stop-first
      rollback_config:
        failure_action: pause
  redis:
    image: fixture:v1
    expose: ["6379"]
    healthcheck:
      test: ["CMD", "/fixture", "health"]
      interval: 2s
      retries: 5
    deploy:
      endpoint_mode: dnsrr
      resources:
        limits: {cpus: "1.5", memory: 512M}
  worker:
    image: fixture:v1
    depends_on:
      redis: {condition: service_healthy}
      db: {condition: service_started}
    deploy:
      restart_policy: {condition: any, delay: 1s}
      placement:
        constraints: ["node.role==worker"]
        preferences: [{spread: node.labels.zone}]
      labels: {team: blue}
  db:
    image: fixture:v1
    x-swarmdeck-note: ours to ignore
"#;

fn source(text: &str) -> ComposeSource {
    ComposeSource {
        file_name: "compose.yml".to_string(),
        text: text.to_string(),
        ..ComposeSource::default()
    }
}

fn read_ok(text: &str) -> ComposeStack {
    match read(&source(text), "acme") {
        Ok(stack) => stack,
        Err(error) => panic!("{error}"),
    }
}

fn error_at(text: &str) -> (usize, usize, String) {
    match read(&source(text), "acme") {
        Err(Error::Compose {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        other => panic!("expected a compose error, got {other:?}"),
    }
}

#[test]
fn a_voting_app_shaped_file_reads_in_dependency_order() {
    let stack = read_ok(VOTING);
    let order: Vec<&str> = stack
        .services
        .iter()
        .map(|s| s.definition.slug.as_str())
        .collect();
    assert_eq!(order, ["redis", "vote", "db", "worker"]);
    let vote = &stack.services[1].definition;
    assert_eq!(vote.image, "fixture:v1");
    assert_eq!(vote.env.get("PRICE").map(String::as_str), Some("$5"));
    assert_eq!(
        vote.container.command.as_deref(),
        Some(&["serve".to_string(), "--port".into(), "80".into()][..])
    );
    assert_eq!(vote.replicas, 2);
    assert_eq!(vote.update_policy.parallelism, 2);
    assert_eq!(vote.update_policy.order, UpdateOrder::StopFirst);
    assert_eq!(
        vote.update_policy.monitor,
        Duration::from_secs(15),
        "unset keys keep our default"
    );
    assert_eq!(vote.container.published_ports[0].published, Some(5000));
    assert_eq!(vote.container.published_ports[0].mode, PublishMode::Ingress);
    let redis = &stack.services[0].definition;
    assert_eq!(redis.internal_port, Some(6379));
    assert_eq!(redis.resources.memory_mb, 512);
    assert_eq!(redis.health_check.as_ref().map(|c| c.retries), Some(5));
    let worker = &stack.services[3].definition;
    assert_eq!(
        worker
            .container
            .restart_policy
            .as_ref()
            .map(|p| p.condition),
        Some(RestartCondition::Any)
    );
    assert_eq!(worker.placement.spread.as_deref(), Some("node.labels.zone"));
    assert_eq!(
        worker.container.labels.get("team").map(String::as_str),
        Some("blue")
    );
}

#[test]
fn export_reads_back_to_the_same_definitions() {
    let stack = read_ok(VOTING);
    let definitions: Vec<ServiceDefinition> = stack
        .services
        .iter()
        .map(|s| s.definition.clone())
        .collect();
    let exported = export(&definitions);
    let again = read_ok(&exported);
    let back: Vec<ServiceDefinition> = again
        .services
        .iter()
        .map(|s| s.definition.clone())
        .collect();
    assert_eq!(back, definitions, "exported file:\n{exported}");
}

#[test]
fn unsupported_keys_and_bad_values_point_at_their_line_and_column() {
    let (line, column, message) = error_at("services:\n  web:\n    image: a:b\n    build: .\n");
    assert_eq!((line, column), (4, 5));
    assert!(message.contains("build"), "{message}");
    let (line, column, message) =
        error_at("services:\n  web:\n    image: a:b\n    ports: [\"70000:80\"]\n");
    assert_eq!((line, column), (4, 13));
    assert!(message.contains("out of range"), "{message}");
    let (line, _, message) = error_at("services:\n  web:\n    image: a:${TAG:?set TAG}\n");
    assert_eq!(line, 3);
    assert!(message.contains("TAG must be set"), "{message}");
    let (line, column, message) = error_at("services:\n  web:\n    image: UPPER/Case:v1\n");
    assert_eq!((line, column), (3, 12));
    assert!(message.contains("image_name"), "{message}");
    let (line, _, message) =
        error_at("services:\n  web:\n    image: a:b\n    network_mode: host\n");
    assert_eq!(line, 4);
    assert!(message.contains("network_mode"), "{message}");
    let (line, _, message) =
        error_at("services:\n  web:\n    image: a:b\n    networks: [backend]\n");
    assert_eq!(line, 4);
    assert!(message.contains("backend"), "{message}");
    let (line, _, message) = error_at("services:\n  a:\n    image: a:b\n    depends_on: [b]\n  b:\n    image: a:b\n    depends_on: [a]\n");
    assert!(message.contains("cycle"), "{message}");
    assert!(line == 2 || line == 5);
    let (line, _, message) =
        error_at("services:\n  web:\n    image: a:b\n    deploy:\n      replicas: 0\n");
    assert_eq!(line, 5);
    assert!(message.contains("replicas"), "{message}");
    let (line, column, _) = error_at("services:\n  web:\n    image: a:b\n   bad indent: 1\n");
    assert!(line >= 3 && column >= 1);
    let (_, _, message) = error_at("services:\n  web:\n    environment: {A: 1}\n");
    assert!(message.contains("needs an `image`"), "{message}");
}

#[test]
fn variables_come_from_the_env_file_and_the_environment_wins() {
    let dir = std::env::temp_dir().join(format!("swarmdeck-compose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join(".env"), "TAG=v2\nREPLICAS=3\n").expect(".env");
    std::fs::write(dir.join("web.env"), "FROM_FILE=1\nBOTH=file\n").expect("env file");
    let text = "services:\n  web:\n    image: a:${TAG}\n    env_file: web.env\n    environment: {BOTH: inline}\n    deploy: {replicas: \"${REPLICAS}\"}\n";
    let mut source = source(text);
    source.base_dir = Some(dir.clone());
    source.environment = [("TAG".to_string(), "v3".to_string())].into();
    let stack = read(&source, "acme").expect("read");
    let web = &stack.services[0].definition;
    assert_eq!(web.image, "a:v3");
    assert_eq!(web.replicas, 3);
    assert_eq!(web.env.get("FROM_FILE").map(String::as_str), Some("1"));
    assert_eq!(web.env.get("BOTH").map(String::as_str), Some("inline"));
    source.base_dir = None;
    source.environment.clear();
    let (line, _, message) = match read(&source, "acme") {
        Err(Error::Compose {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        other => panic!("{other:?}"),
    };
    assert_eq!(line, 4);
    assert!(message.contains("pasted text"), "{message}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn volumes_secrets_and_configs_are_read_versioned_and_exported_by_reference() {
    let dir = std::env::temp_dir().join(format!("swarmdeck-compose-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("db_password.txt"), "hunter2").expect("secret file");
    std::fs::write(dir.join("app.conf"), "mode=fast\n").expect("config file");
    let text = "services:\n  db:\n    image: a:b\n    volumes: [\"data:/var/lib/db\", \"./static:/static:ro\", {type: bind, source: /srv/x, target: /x}]\n    secrets: [db_password]\n    configs: [{source: app_conf, target: /etc/app.conf}]\nvolumes:\n  data: {}\nsecrets:\n  db_password: {file: ./db_password.txt}\nconfigs:\n  app_conf: {file: app.conf}\n";
    let mut source = source(text);
    source.base_dir = Some(dir.clone());
    let stack = read(&source, "acme").expect("read");
    let db = &stack.services[0].definition;
    let mounts: Vec<(MountKind, &str, &str, bool)> = db
        .container
        .mounts
        .iter()
        .map(|m| (m.kind, m.source.as_str(), m.target.as_str(), m.read_only))
        .collect();
    let static_dir = dir.join("static").display().to_string();
    assert_eq!(
        mounts,
        [
            (MountKind::Volume, "data", "/var/lib/db", false),
            (MountKind::Bind, static_dir.as_str(), "/static", true),
            (MountKind::Bind, "/srv/x", "/x", false),
        ]
    );
    let targets: Vec<&str> = db
        .container
        .files
        .iter()
        .map(|f| f.target.as_str())
        .collect();
    assert_eq!(targets, ["/run/secrets/db_password", "/etc/app.conf"]);
    assert_eq!(stack.files.len(), 2);
    assert_eq!(stack.files[0].data, b"hunter2");
    assert_eq!(db.container.files[0].version, stack.files[0].version);

    let exported = export(std::slice::from_ref(db));
    assert!(!exported.contains("hunter2"), "{exported}");
    let again = read_ok(&exported);
    assert_eq!(
        again.services[0].definition, *db,
        "exported file:\n{exported}"
    );
    assert!(
        again.files.is_empty(),
        "an export names the swarm's versions; it carries no content"
    );

    let mut pasted = source.clone();
    pasted.base_dir = None;
    match read(&pasted, "acme") {
        Err(Error::Compose { message, .. }) => {
            assert!(message.contains("pasted text"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let (line, _, message) = error_at("services:\n  a:\n    image: a:b\n    secrets: [nope]\n");
    assert_eq!(line, 4);
    assert!(message.contains("not declared"), "{message}");
    let (_, _, message) = error_at("services:\n  a:\n    image: a:b\nsecrets:\n  s: {external: true, name: org-globex-s-0123456789ab}\n");
    assert!(
        message.contains("not one of this organization's"),
        "{message}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
