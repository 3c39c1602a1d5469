//! Tenants never touch each other: names are one-to-one, and an object found by name is used only when its labels
//! say it is ours and the right organization's.

use std::process::Command;

use swarmdeck_orchestrator::naming::{self, label};
use swarmdeck_orchestrator::{spec, validate, Error, UpdateRequest};
use swarmdeck_tests::{
    cli_binary, fast_run, org_id, with_org_ids, with_orgs, TestResult, FIXTURE_REPO,
    TEST_LABEL_VALUE,
};

use crate::fixture_request;

/// Org `P` / slug `b-c` and org `P-b` / slug `c` were both `org-P-b-c`: the second deploy overwrote the first.
#[tokio::test]
async fn organizations_whose_earlier_names_collide_get_separate_services() -> TestResult {
    let first = org_id("tenant");
    let second = format!("{first}-b");
    with_org_ids(vec![first, second], |orchestrator, orgs| async move {
        let (a, b) = (&orgs[0], &orgs[1]);
        assert_eq!(
            naming::legacy_service_name(a, "b-c"),
            naming::legacy_service_name(b, "c"),
            "the pair this test is about"
        );
        let mut of_a = fixture_request(a, "b-c", "v1");
        of_a.env.insert("OWNER".into(), "a".into());
        let mut of_b = fixture_request(b, "c", "v2");
        of_b.env.insert("OWNER".into(), "b".into());
        let deployed_a = orchestrator.deploy(&of_a, &fast_run()).await?;
        let deployed_b = orchestrator.deploy(&of_b, &fast_run()).await?;
        assert!(
            deployed_a.created && deployed_b.created,
            "two services, both new"
        );
        assert_ne!(deployed_a.swarm_service_id, deployed_b.swarm_service_id);
        assert_ne!(deployed_a.service_name, deployed_b.service_name);

        let definition_a = orchestrator
            .service_definition(&deployed_a.service_name)
            .await?;
        assert_eq!(definition_a.org_id, *a);
        assert_eq!(definition_a.env.get("OWNER").map(String::as_str), Some("a"));
        assert!(definition_a.image.ends_with("v1") || definition_a.image.contains("swarmdeck-"));
        let definition_b = orchestrator
            .service_definition(&deployed_b.service_name)
            .await?;
        assert_eq!(definition_b.env.get("OWNER").map(String::as_str), Some("b"));

        let network_a = orchestrator
            .find_org_network(a)
            .await?
            .ok_or("a has a network")?;
        let network_b = orchestrator
            .find_org_network(b)
            .await?
            .ok_or("b has a network")?;
        assert_ne!(network_a.id, network_b.id);

        let history_a = orchestrator
            .deployment_history(&deployed_a.service_name)
            .await?;
        let history_b = orchestrator
            .deployment_history(&deployed_b.service_name)
            .await?;
        assert_eq!(history_a.len(), 1, "a's history holds only a's deployment");
        assert_eq!(history_b.len(), 1, "b's history holds only b's deployment");
        assert_eq!(history_a[0].definition.org_id, *a);
        assert_eq!(history_b[0].definition.org_id, *b);
        Ok(())
    })
    .await
}

/// A service someone made with the docker CLI under the name Swarmdeck would use is refused by every
/// operation, named in the error, and left exactly as it was.
#[tokio::test]
async fn a_service_made_by_the_docker_cli_with_our_name_is_refused_and_untouched() -> TestResult {
    with_orgs(&["foreign"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let name = naming::service_name(org, "web");
        let created = Command::new("docker")
            .args(["service", "create", "--detach", "--name", &name])
            .args(["--label", &format!("{}={TEST_LABEL_VALUE}", label::TEST)])
            .args(["--replicas", "0", &format!("{FIXTURE_REPO}:v1")])
            .output()?;
        assert!(
            created.status.success(),
            "docker service create: {}",
            String::from_utf8_lossy(&created.stderr)
        );
        let docker = orchestrator.docker().clone();
        let result = async {
            let before = docker.inspect_service(&name, None).await?;

            let refused = orchestrator
                .deploy(&fixture_request(org, "web", "v2"), &fast_run())
                .await
                .expect_err("a deploy must not take over a foreign service");
            assert!(matches!(refused, Error::NotOurs { .. }), "{refused:?}");
            assert!(refused.to_string().contains(&name), "{refused}");
            assert!(
                refused.to_string().contains("not created by Swarmdeck"),
                "{refused}"
            );

            let update = UpdateRequest {
                image_tag: Some("v2".into()),
                ..Default::default()
            };
            let refusals = [
                orchestrator.update(&name, &update, &fast_run()).await.err(),
                orchestrator.scale(&name, 2).await.err(),
                orchestrator.rollback(&name, &fast_run()).await.err(),
                orchestrator.remove_service(&name).await.err(),
                orchestrator.service_status(&name).await.err(),
            ];
            for refusal in refusals {
                let refusal = refusal.ok_or("an operation on a foreign service succeeded")?;
                assert!(matches!(refusal, Error::NotOurs { .. }), "{refusal:?}");
            }
            let cli = Command::new(cli_binary()?)
                .args(["scale", &name, "2"])
                .output()?;
            assert!(!cli.status.success());
            let stderr = String::from_utf8_lossy(&cli.stderr);
            assert!(
                stderr.contains(&name) && stderr.contains("not created by Swarmdeck"),
                "{stderr}"
            );

            let after = docker.inspect_service(&name, None).await?;
            assert_eq!(
                before.version.and_then(|v| v.index),
                after.version.and_then(|v| v.index),
                "the foreign service was written"
            );
            assert!(orchestrator.deployment_history(&name).await?.is_empty());
            assert!(
                orchestrator.find_org_network(org).await?.is_none(),
                "a refused deploy created the organization's network"
            );
            TestResult::Ok(())
        }
        .await;
        docker.delete_service(&name).await?;
        result
    })
    .await
}

/// A service deployed under the earlier naming (`org-{org}-{slug}` for an organization id with a `-`) keeps
/// working: a deploy updates it in place and every operation by its name works.
#[tokio::test]
async fn a_service_under_its_earlier_name_keeps_working() -> TestResult {
    with_orgs(&["legacy"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let legacy = naming::legacy_service_name(org, "web");
        assert_ne!(
            legacy,
            naming::service_name(org, "web"),
            "test org ids contain a '-'"
        );
        let network = orchestrator.ensure_org_network(org).await?;
        let definition = validate::deploy_request(&fixture_request(org, "web", "v1"), "legacy-1")?;
        let mut old = spec::service_spec(&definition, "legacy-1", &network.id);
        old.name = Some(legacy.clone());
        old.labels
            .get_or_insert_with(Default::default)
            .insert(label::TEST.into(), TEST_LABEL_VALUE.into());
        orchestrator.docker().create_service(old, None).await?;

        let redeployed = orchestrator
            .deploy(&fixture_request(org, "web", "v2"), &fast_run())
            .await?;
        assert!(
            !redeployed.created,
            "the earlier service is updated in place"
        );
        assert_eq!(redeployed.service_name, legacy);
        orchestrator.scale(&legacy, 2).await?;
        let status = orchestrator.service_status(&legacy).await?;
        assert_eq!(status.desired, 2);
        assert_eq!(status.org_id.as_deref(), Some(org.as_str()));
        Ok(())
    })
    .await
}

/// A deployment id used before is refused before anything is tagged: the earlier deployment's keep tag still
/// names its own image.
#[tokio::test]
async fn a_reused_deployment_id_is_refused_before_any_tag_moves() -> TestResult {
    with_orgs(&["reuse"], |orchestrator, orgs| async move {
        let org = &orgs[0];
        let id = format!("reuse-{}", rand_suffix());
        let mut first = fixture_request(org, "one", "v1");
        first.deployment_id = Some(id.clone());
        let deployed = orchestrator.deploy(&first, &fast_run()).await?;
        let keep_tag = naming::keep_tag(FIXTURE_REPO, &id);
        let pinned = orchestrator.docker().inspect_image(&keep_tag).await?.id;
        assert_eq!(pinned.as_deref(), Some(deployed.image.image_id.as_str()));

        let mut second = fixture_request(org, "two", "v2");
        second.deployment_id = Some(id.clone());
        let refused = orchestrator
            .deploy(&second, &fast_run())
            .await
            .expect_err("a reused deployment id must be refused");
        assert!(
            matches!(refused, Error::DeploymentIdTaken(_)),
            "{refused:?}"
        );
        let still = orchestrator.docker().inspect_image(&keep_tag).await?.id;
        assert_eq!(
            still, pinned,
            "the keep tag was re-pointed before the refusal"
        );
        assert!(
            orchestrator.list_org_services(org).await?.len() == 1,
            "the refused deploy created a service"
        );
        Ok(())
    })
    .await
}

fn rand_suffix() -> String {
    format!("{:08x}", rand::random::<u32>())
}
