use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;
use swarmdeck_orchestrator::{changes, naming, spec, validate, Orchestrator};
use swarmdeck_tests::{fast_run, with_orgs, CountingProxy, TestResult};

use crate::fixture_request;

/// Docker calls one topology snapshot makes, counted by a proxy on the engine socket.
async fn calls_for_topology() -> TestResult<(usize, swarmdeck_orchestrator::Topology)> {
    let proxy = CountingProxy::start().await?;
    let counted = Orchestrator::new(proxy.docker()?);
    let before = proxy.requests();
    let topology = counted.topology().await?;
    Ok((proxy.requests() - before, topology))
}

#[tokio::test]
async fn topology_costs_the_same_calls_at_one_and_at_fifty_services() -> TestResult {
    with_orgs(&["topo"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let first = orchestrator
            .deploy(&fixture_request(org, "web", "v1"), &fast_run())
            .await?;
        let (calls_at_one, topology) = calls_for_topology().await?;
        let ours = topology
            .orgs
            .iter()
            .find(|o| &o.org_id == org)
            .ok_or("org missing from the topology")?;
        assert!(ours.network.is_some());
        let web = ours
            .services
            .iter()
            .find(|s| s.service_name == first.service_name)
            .ok_or("service missing")?;
        assert_eq!((web.desired, web.running), (1, 1));
        assert_eq!(web.tasks.iter().filter(|t| t.state == "running").count(), 1);
        assert!(!topology.nodes.is_empty());

        // 49 more services, created directly with no tasks: the call count must not depend on them.
        let network = orchestrator
            .find_org_network(org)
            .await?
            .and_then(|n| n.id)
            .ok_or("no network")?;
        for n in 0..49 {
            let mut request = fixture_request(org, &format!("s{n}"), "v1");
            request.deployment_id = Some(format!("topo-{n}"));
            let definition = validate::deploy_request(&request, "topo")?;
            let mut service = spec::service_spec(&definition, "topo", &network);
            spec::set_replicas(&mut service, 0);
            orchestrator.docker().create_service(service, None).await?;
        }
        let (calls_at_fifty, topology) = calls_for_topology().await?;
        let ours = topology
            .orgs
            .iter()
            .find(|o| &o.org_id == org)
            .ok_or("org missing")?;
        assert_eq!(ours.services.len(), 50);
        assert_eq!(
            calls_at_one, calls_at_fifty,
            "the snapshot must cost a constant number of calls"
        );
        assert!(calls_at_one <= 5, "{calls_at_one} calls");
        Ok(())
    })
    .await
}

/// The engine announces every health check as container exec events; they must not read as changes, or each
/// checked service would have the views refetch the topology at every check. Its start must.
#[tokio::test]
async fn health_check_execs_are_not_cluster_changes_but_a_container_start_is() -> TestResult {
    with_orgs(&["execs"], |orchestrator, orgs| async move {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs()
            .to_string();
        let service_name = naming::service_name(&orgs[0], "checked");
        let options = EventsOptions {
            since: Some(since),
            until: None,
            filters: Some(HashMap::from([
                ("type".to_string(), vec!["container".to_string()]),
                (
                    "label".to_string(),
                    vec![format!("com.docker.swarm.service.name={service_name}")],
                ),
            ])),
        };
        // Listening starts before the deploy: the engine replays only its last 256 events, and a busy engine
        // (every suite's health checks) pushes the container's start out of them within seconds.
        let mut events = orchestrator.docker().events(Some(options));
        let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
        let listener = tokio::spawn(async move {
            while let Some(event) = events.next().await {
                if sender.send(event).is_err() {
                    break;
                }
            }
        });
        let deployed = orchestrator
            .deploy(&fixture_request(&orgs[0], "checked", "v1"), &fast_run())
            .await?;
        assert_eq!(deployed.service_name, service_name);
        let mut actions = Vec::new();
        // The fixture is checked every second: an exec must come well within this.
        let seen = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(event) = received.recv().await {
                let action = event?.action.unwrap_or_default();
                let exec_done = action.starts_with("exec_die");
                actions.push(action);
                if exec_done && actions.iter().any(|a| a == "start") {
                    return TestResult::Ok(true);
                }
            }
            TestResult::Ok(false)
        })
        .await;
        listener.abort();
        assert!(
            matches!(seen, Ok(Ok(true))),
            "no start and health-check exec seen: {seen:?}, {actions:?}"
        );

        let (execs, others): (Vec<&String>, Vec<&String>) =
            actions.iter().partition(|a| a.starts_with("exec_"));
        assert!(execs.len() >= 2, "{actions:?}");
        for action in execs {
            assert_eq!(
                changes::cluster_change("container", action),
                None,
                "{action}"
            );
        }
        // The start seen above, and whatever else the container went through (create, health changes).
        for action in others {
            assert_eq!(
                changes::cluster_change("container", action),
                Some(changes::ChangeKind::Container),
                "{action}"
            );
        }
        Ok(())
    })
    .await
}
