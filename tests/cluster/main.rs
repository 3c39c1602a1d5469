//! The local cluster against real engines: extra dockerds in network namespaces join the suite's swarm as real
//! nodes. It grows the shared swarm, so `make test` runs this binary on its own, after the other suites and before
//! the end-to-end one, one test at a time; every test leaves the cluster down.
//!
//! The file is long because each case builds a whole cluster with its services and checks the host after `down`.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::process::Stdio;
use std::time::Duration;

use bollard::models::{
    NetworkAttachmentConfig, NetworkCreateRequest, ServiceSpec, ServiceSpecMode,
    ServiceSpecModeReplicated, TaskSpec, TaskSpecContainerSpec, TaskSpecPlacement, TaskState,
};
use bollard::query_parameters::{ListContainersOptions, ListTasksOptions};
use bollard::Docker;
use futures_util::FutureExt;
use swarmdeck_orchestrator::{
    naming::label, ClusterProgress, ClusterRequest, ClusterStatus, Error, NodeAvailability,
    NodeChange, NodeStep, Orchestrator, PlacementUpdate, UpdateRequest, CLUSTER_DIR_ENV,
};
use swarmdeck_tests::{
    cli_binary, engine, eventually, exec, fast_run, fixture_request, with_orgs, TestResult,
    FIXTURE_PORT, FIXTURE_REPO, TEST_LABEL_VALUE,
};
use tokio::io::{AsyncBufReadExt, BufReader};

mod deploys;
mod roles;

const NODE_PREFIX: &str = "swarmdeck-node-";

/// Grows the swarm by two local workers holding the fixture image.
pub(crate) async fn two_workers_with_the_fixture(core: &Orchestrator) -> TestResult<ClusterStatus> {
    let request = ClusterRequest {
        workers: 2,
        images: vec![format!("{FIXTURE_REPO}:v1")],
    };
    Ok(core.cluster_up(&request, None).await?)
}

/// Runs `body` and then takes the cluster down whatever happened, failing if anything of it is left.
pub(crate) async fn with_cluster_cleanup<F, Fut>(core: &Orchestrator, body: F) -> TestResult
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = TestResult>,
{
    // A failed assertion panics: the cluster still goes down before the panic carries on.
    let outcome = std::panic::AssertUnwindSafe(body()).catch_unwind().await;
    let down = core.cluster_down(None).await;
    match outcome {
        Ok(result) => result?,
        Err(panic) => std::panic::resume_unwind(panic),
    }
    assert_nothing_left(&down?).await
}

/// What `cluster down` must leave: one node in the swarm, and no namespace, link, bridge, rule or directory.
async fn assert_nothing_left(status: &ClusterStatus) -> TestResult {
    assert!(
        status.nodes.iter().all(|node| node.local_node.is_none()),
        "local nodes still in the swarm: {:?}",
        status.nodes
    );
    assert!(status.leftovers.is_empty(), "left: {:?}", status.leftovers);
    let namespaces = command_output("ip", &["netns", "list"]).await?;
    assert!(
        !namespaces.contains(NODE_PREFIX),
        "namespaces left: {namespaces}"
    );
    let links = command_output("ip", &["-o", "link", "show"]).await?;
    assert!(
        !links.contains("sdnode") && !links.contains("swarmdeck0"),
        "links left: {links}"
    );
    let rules = command_output("iptables", &["-S", "FORWARD"]).await?;
    assert!(
        !rules.contains("swarmdeck0"),
        "iptables rules left: {rules}"
    );
    let dir =
        std::env::var(CLUSTER_DIR_ENV).unwrap_or_else(|_| "/var/lib/swarmdeck/cluster".into());
    let dirs: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert!(dirs.is_empty(), "node directories left in {dir}: {dirs:?}");
    let processes = command_output("ps", &["-eo", "args"]).await?;
    assert!(
        !processes
            .lines()
            .any(|line| line.contains("dockerd") && line.contains(&dir)),
        "node engines left running"
    );
    Ok(())
}

async fn command_output(program: &str, args: &[&str]) -> TestResult<String> {
    let output = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

pub(crate) fn node_docker(name: &str) -> TestResult<Docker> {
    let dir =
        std::env::var(CLUSTER_DIR_ENV).unwrap_or_else(|_| "/var/lib/swarmdeck/cluster".into());
    Ok(Docker::connect_with_unix(
        &format!("unix://{dir}/{name}/docker.sock"),
        60,
        bollard::API_DEFAULT_VERSION,
    )?)
}

/// A fixture service on a plain overlay, placed as asked.
async fn fixture_service(
    docker: &Docker,
    name: &str,
    network: &str,
    replicas: i64,
    placement: TaskSpecPlacement,
) -> TestResult<String> {
    let labels = HashMap::from([(label::TEST.to_string(), TEST_LABEL_VALUE.to_string())]);
    let spec = ServiceSpec {
        name: Some(name.to_string()),
        labels: Some(labels.clone()),
        task_template: Some(TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(format!("{FIXTURE_REPO}:v1")),
                labels: Some(labels),
                ..Default::default()
            }),
            placement: Some(placement),
            networks: Some(vec![NetworkAttachmentConfig {
                target: Some(network.to_string()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(replicas),
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    Ok(docker
        .create_service(spec, None)
        .await?
        .id
        .unwrap_or_default())
}

/// Node ids of the service's running tasks that the swarm means to keep running.
async fn running_task_nodes(docker: &Docker, service: &str) -> TestResult<Vec<String>> {
    let options = ListTasksOptions {
        filters: Some(HashMap::from([(
            "service".to_string(),
            vec![service.to_string()],
        )])),
    };
    let tasks = docker.list_tasks(Some(options)).await?;
    Ok(tasks
        .into_iter()
        // A task on a node that went down still reads as running; the swarm has replaced it once its desired
        // state is no longer running.
        .filter(|task| {
            task.status.as_ref().and_then(|status| status.state) == Some(TaskState::RUNNING)
                && task.desired_state == Some(TaskState::RUNNING)
        })
        .filter_map(|task| task.node_id)
        .collect())
}

/// The id and overlay address of the service's task container on a node, asked of that node's engine.
async fn task_on(node: &Docker, service: &str, network: &str) -> TestResult<(String, String)> {
    let containers = node
        .list_containers(Some(ListContainersOptions {
            filters: Some(HashMap::from([(
                "label".to_string(),
                vec![format!("com.docker.swarm.service.name={service}")],
            )])),
            ..Default::default()
        }))
        .await?;
    let id = containers
        .first()
        .and_then(|container| container.id.clone())
        .ok_or("no task container on the node")?;
    let inspected = node.inspect_container(&id, None).await?;
    let address = inspected
        .network_settings
        .and_then(|settings| settings.networks)
        .and_then(|networks| networks.get(network).cloned())
        .and_then(|endpoint| endpoint.ip_address)
        .filter(|ip| !ip.is_empty())
        .ok_or("the task has no address on the network")?;
    Ok((id, address))
}

#[tokio::test]
async fn a_three_node_cluster_spreads_a_service_carries_overlay_traffic_and_goes_down_leaving_nothing(
) -> TestResult {
    let core = engine().await?;
    let docker = core.docker().clone();
    with_cluster_cleanup(&core, || async {
        let (sender, mut received) = tokio::sync::mpsc::unbounded_channel::<ClusterProgress>();
        let request = ClusterRequest {
            workers: 2,
            images: vec![format!("{FIXTURE_REPO}:v1")],
        };
        let status = core.cluster_up(&request, Some(&sender)).await?;
        drop(sender);
        let mut steps = Vec::new();
        while let Some(event) = received.recv().await {
            steps.push(event);
        }
        let local: Vec<_> = status
            .nodes
            .iter()
            .filter(|node| node.local_node.is_some())
            .collect();
        assert_eq!(local.len(), 2, "{status:?}");
        assert!(
            status.nodes.iter().all(|node| node.state == "ready"),
            "{status:?}"
        );
        for node in ["swarmdeck-node-1", "swarmdeck-node-2"] {
            for step in [NodeStep::StartingEngine, NodeStep::Joining, NodeStep::Ready] {
                assert!(
                    steps
                        .iter()
                        .any(|event| event.node == node && event.step == step),
                    "no {step:?} of {node} in {steps:?}"
                );
            }
            assert!(
                steps.iter().any(|event| event.node == node
                    && matches!(&event.step, NodeStep::CopyingImage { .. })),
                "{node} got no image: {steps:?}"
            );
        }

        // `up` again at the same size changes nothing.
        let again = core.cluster_up(&request, None).await?;
        let ids = |status: &ClusterStatus| -> BTreeSet<String> {
            status.nodes.iter().map(|node| node.id.clone()).collect()
        };
        assert_eq!(ids(&again), ids(&status));

        let network = format!("sd-cluster-test-{}", std::process::id());
        create_test_network(&docker, &network).await?;
        let service = format!("sd-cluster-spread-{}", std::process::id());
        let result = async {
            // At most one task per node: one lands on each of the three.
            let one_per_node = TaskSpecPlacement {
                max_replicas: Some(1),
                ..Default::default()
            };
            fixture_service(&docker, &service, &network, 3, one_per_node).await?;
            eventually(
                Duration::from_secs(90),
                "one running task on each node",
                || async {
                    let nodes = running_task_nodes(&docker, &service).await?;
                    let distinct: BTreeSet<&String> = nodes.iter().collect();
                    Ok((nodes.len() == 3 && distinct.len() == 3).then_some(()))
                },
            )
            .await?;

            // From the task on node 2, reach the task on node 1 through the overlay: real VXLAN between engines.
            let (_, target) =
                task_on(&node_docker("swarmdeck-node-1")?, &service, &network).await?;
            let node2 = node_docker("swarmdeck-node-2")?;
            let (container, _) = task_on(&node2, &service, &network).await?;
            let (code, output) = exec(
                &node2,
                &container,
                &["/fixture", "get", &format!("{target}:{FIXTURE_PORT}")],
            )
            .await?;
            assert_eq!(
                code, 0,
                "node 2 could not reach {target} on node 1: {output}"
            );
            TestResult::Ok(())
        }
        .await;
        remove_test_objects(&docker, &[&service], &network).await?;
        result
    })
    .await?;

    // A second `down` finds nothing and says so.
    assert_nothing_left(&core.cluster_down(None).await?).await
}

#[tokio::test]
async fn cluster_down_after_a_killed_cluster_up_leaves_nothing() -> TestResult {
    let core = engine().await?;
    with_cluster_cleanup(&core, || async {
        let mut up = tokio::process::Command::new(cli_binary()?)
            .args(["cluster", "up", "--workers", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = up.stderr.take().ok_or("no stderr")?;
        let mut lines = BufReader::new(stderr).lines();
        // Killed once the node's engine is starting and its namespace, link or directory exists on the host, before
        // the join: the progress line comes just before they are made, so the host's state is waited for.
        let started = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if line.contains("starting its engine") {
                    return TestResult::Ok(true);
                }
            }
            TestResult::Ok(false)
        })
        .await;
        let node_on_host = eventually(
            Duration::from_secs(30),
            "the node's traces on the host",
            || async {
                let status = core.cluster_status().await?;
                Ok(status
                    .leftovers
                    .iter()
                    .any(|left| left.starts_with(NODE_PREFIX))
                    .then_some(()))
            },
        )
        .await;
        up.start_kill()?;
        up.wait().await?;
        assert!(
            matches!(started, Ok(Ok(true))),
            "cluster up never started a node: {started:?}"
        );
        node_on_host?;

        let status = core.cluster_status().await?;
        assert!(
            status
                .leftovers
                .iter()
                .any(|left| left.starts_with(NODE_PREFIX)),
            "the killed up left nothing to clean, so the test proves nothing: {status:?}"
        );
        let down = tokio::process::Command::new(cli_binary()?)
            .args(["cluster", "down"])
            .output()
            .await?;
        assert!(
            down.status.success(),
            "cluster down failed: {}",
            String::from_utf8_lossy(&down.stderr)
        );
        assert_nothing_left(&core.cluster_status().await?).await
    })
    .await
}

/// Removes the test's services, then its network once the swarm has let go of their endpoints.
async fn remove_test_objects(docker: &Docker, services: &[&str], network: &str) -> TestResult {
    for service in services {
        docker.delete_service(service).await?;
    }
    eventually(
        Duration::from_secs(60),
        "the network to be removable",
        || async { Ok(docker.remove_network(network).await.ok()) },
    )
    .await
}

async fn create_test_network(docker: &Docker, name: &str) -> TestResult {
    docker
        .create_network(NetworkCreateRequest {
            name: name.to_string(),
            driver: Some("overlay".into()),
            attachable: Some(true),
            labels: Some(HashMap::from([(
                label::TEST.to_string(),
                TEST_LABEL_VALUE.to_string(),
            )])),
            ..Default::default()
        })
        .await?;
    Ok(())
}

/// Hostnames of the nodes running the service's tasks, by node id.
pub(crate) async fn task_hostnames(core: &Orchestrator, service: &str) -> TestResult<Vec<String>> {
    let nodes = core.nodes().await?;
    Ok(running_task_nodes(core.docker(), service)
        .await?
        .into_iter()
        .filter_map(|id| {
            nodes
                .iter()
                .find(|node| node.id == id)
                .map(|node| node.hostname.clone())
        })
        .collect())
}

/// Waits until the service runs 3 tasks, none on `excluded`, returning their hostnames.
async fn three_running_avoiding(
    core: &Orchestrator,
    service: &str,
    excluded: &str,
) -> TestResult<Vec<String>> {
    eventually(
        Duration::from_secs(90),
        "3 running tasks placed as expected",
        || async move {
            let hosts = task_hostnames(core, service).await?;
            Ok((hosts.len() == 3 && !hosts.iter().any(|host| host == excluded)).then_some(hosts))
        },
    )
    .await
}

#[tokio::test]
async fn nodes_drain_activate_label_and_a_stopped_or_cut_off_node_has_its_tasks_rescheduled(
) -> TestResult {
    let core = engine().await?;
    with_cluster_cleanup(&core, || async {
        two_workers_with_the_fixture(&core).await?;
        with_orgs(&["nodes"], |core, orgs| async move {
            // A service deployed at most one per node runs one task on each of the three.
            let mut spread = fixture_request(&orgs[0], "spread", "v1");
            spread.replicas = 3;
            spread.placement.max_replicas_per_node = Some(1);
            let service = core.deploy(&spread, &fast_run()).await?.service_name;
            let hosts: BTreeSet<String> = three_running_avoiding(&core, &service, "none")
                .await?
                .into_iter()
                .collect();
            assert_eq!(hosts.len(), 3, "{hosts:?}");

            // Drain: node 1's task moves away, yet 3 run. At most one per node would need node 1 back, so the
            // placement is relaxed through an update first.
            let relax = UpdateRequest {
                placement: PlacementUpdate {
                    max_replicas_per_node: Some(Some(2)),
                    ..Default::default()
                },
                ..Default::default()
            };
            core.update(&service, &relax, &fast_run()).await?;
            let drained = core
                .change_node(
                    "swarmdeck-node-1",
                    &NodeChange::Availability {
                        availability: NodeAvailability::Drain,
                    },
                )
                .await?;
            assert_eq!(drained.availability, "drain");
            three_running_avoiding(&core, &service, "swarmdeck-node-1").await?;
            let active = core
                .change_node(
                    "swarmdeck-node-1",
                    &NodeChange::Availability {
                        availability: NodeAvailability::Active,
                    },
                )
                .await?;
            assert_eq!(active.availability, "active");

            // A label added is honoured by a constraint; asking for more tasks at most one per node than labelled
            // nodes exist is refused before anything is created.
            let labelled = core
                .change_node(
                    "swarmdeck-node-2",
                    &NodeChange::AddLabel {
                        key: "zone".into(),
                        value: "blue".into(),
                    },
                )
                .await?;
            assert_eq!(
                labelled.labels.get("zone").map(String::as_str),
                Some("blue")
            );
            let mut pinned = fixture_request(&orgs[0], "pinned", "v1");
            pinned.replicas = 2;
            pinned.placement.constraints = vec!["node.labels.zone==blue".into()];
            let pinned_service = core.deploy(&pinned, &fast_run()).await?.service_name;
            let hosts = task_hostnames(&core, &pinned_service).await?;
            assert!(
                hosts.len() == 2 && hosts.iter().all(|host| host == "swarmdeck-node-2"),
                "{hosts:?}"
            );
            pinned.slug = "crowded".into();
            pinned.placement.max_replicas_per_node = Some(1);
            match core.deploy(&pinned, &fast_run()).await {
                Err(Error::Unplaceable { reason }) => assert!(
                    reason
                        .contains("there are 1 ready, active nodes meeting node.labels.zone==blue"),
                    "{reason}"
                ),
                other => panic!("expected an unplaceable refusal, got {other:?}"),
            }
            core.remove_service(&pinned_service).await?;

            // Stop node 2's engine: it turns down and its tasks run elsewhere; started again it is ready.
            core.cluster_stop_node("swarmdeck-node-2").await?;
            eventually(Duration::from_secs(90), "node 2 down", || async {
                let nodes = core.nodes().await?;
                Ok(nodes
                    .iter()
                    .any(|n| n.hostname == "swarmdeck-node-2" && n.state == "down")
                    .then_some(()))
            })
            .await?;
            three_running_avoiding(&core, &service, "swarmdeck-node-2").await?;
            let refused = core.remove_node("swarmdeck-node-1").await;
            assert!(
                matches!(refused, Err(Error::Invalid { .. })),
                "a ready node must not be removable: {refused:?}"
            );
            core.cluster_start_node("swarmdeck-node-2").await?;
            let status = core.cluster_status().await?;
            assert!(
                status.nodes.iter().all(|n| n.state == "ready"),
                "{status:?}"
            );

            // Cut node 1 off the network: the managers lose it and its tasks run elsewhere; reconnected it is
            // ready again.
            core.cluster_cut_node("swarmdeck-node-1").await?;
            eventually(Duration::from_secs(90), "node 1 down", || async {
                let status = core.cluster_status().await?;
                Ok(status
                    .nodes
                    .iter()
                    .any(|n| n.hostname == "swarmdeck-node-1" && n.state == "down" && n.cut_off)
                    .then_some(()))
            })
            .await?;
            three_running_avoiding(&core, &service, "swarmdeck-node-1").await?;
            core.cluster_heal_node("swarmdeck-node-1").await?;
            let status = core.cluster_status().await?;
            assert!(
                status
                    .nodes
                    .iter()
                    .all(|n| n.state == "ready" && !n.cut_off),
                "{status:?}"
            );
            Ok(())
        })
        .await
    })
    .await
}
