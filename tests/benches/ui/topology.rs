//! The topology scenario: first paint of the synthetic 50 orgs / 200 services graph, the real command's round
//! trip, and frame times while panning.

use serde_json::{json, Value};
use swarmdeck_orchestrator::naming;
use swarmdeck_tests::app::click;
use swarmdeck_tests::TestResult;
use thirtyfour::prelude::*;

use crate::report::Report;
use crate::{
    numbers, script_value, FIRST_PAINT_RUNS, NODES, ORGS, PAN, SERVICES_PER_ORG, TASKS_PER_SERVICE,
    TOPOLOGY_CALLS,
};

/// First paint of the synthetic topology (remounting the graph each run), the real command's round trip, and
/// frame times while panning.
pub(crate) async fn topology(page: &WebDriver, report: &mut Report) -> TestResult {
    let synthetic = synthetic_topology();
    click(page, "tab-topology").await?;
    for _ in 0..FIRST_PAINT_RUNS {
        let script = r#"
            const [topology, expected, done] = arguments;
            const bench = window.__swarmdeckBench;
            const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
            const graph = () => document.querySelector("[data-testid='topology-graph']");
            (async () => {
                bench.showTopology(null);
                // The previous graph must be gone, or its "ready" would end the wait at once.
                while (graph()) await frame();
                const t0 = performance.now();
                bench.showTopology(topology);
                for (;;) {
                    await frame();
                    const g = graph();
                    if (g && g.dataset.layout === "ready" && g.dataset.services === String(expected)) break;
                    if (performance.now() - t0 > 60000) throw new Error("no ready layout within 60 s");
                }
                // "ready" is set as the layout lands; these frames are the ones that paint it.
                await frame();
                await frame();
                done({ ok: performance.now() - t0 });
            })().catch((error) => done({ error: String(error) }));
        "#;
        let ms = script_value(
            page,
            script,
            vec![synthetic.clone(), json!(ORGS * SERVICES_PER_ORG)],
        )
        .await?;
        report
            .first_paint_ms
            .push(ms.as_f64().ok_or("first paint: not a number")?);
    }
    swarmdeck_tests::app::screenshot(page, "target/bench", "ui-topology").await?;

    let script = r#"
        const [calls, done] = arguments;
        (async () => {
            const times = [];
            let services = 0;
            for (let i = 0; i < calls; i++) {
                const t0 = performance.now();
                const topology = await window.__TAURI_INTERNALS__.invoke("topology", {});
                times.push(performance.now() - t0);
                services = topology.orgs.reduce((n, org) => n + org.services.length, 0);
            }
            done({ ok: { times, services } });
        })().catch((error) => done({ error: String(error) }));
    "#;
    let command = script_value(page, script, vec![json!(TOPOLOGY_CALLS)]).await?;
    report.command_ms = numbers(&command["times"])?;
    report.command_services = command["services"].as_u64();

    // The pan reverses every second so the graph stays in view: panned off screen it would cost nothing to draw.
    let script = r#"
        const [duration, done] = arguments;
        const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
        (async () => {
            for (let i = 0; !window.__swarmdeckGraph; i++) {
                if (i > 600) throw new Error("window.__swarmdeckGraph never appeared");
                await frame();
            }
            const cy = window.__swarmdeckGraph;
            const deltas = [];
            let last = await frame();
            const start = last;
            while (last - start < duration) {
                const sign = Math.floor((last - start) / 1000) % 2 === 0 ? 1 : -1;
                cy.panBy({ x: 4 * sign, y: 2 * sign });
                const now = await frame();
                deltas.push(now - last);
                last = now;
            }
            done({ ok: deltas });
        })().catch((error) => done({ error: String(error) }));
    "#;
    let deltas = script_value(page, script, vec![json!(PAN.as_millis() as u64)]).await?;
    report.pan_ms = numbers(&deltas)?;
    Ok(())
}

/// The topology of the issue's scale case, shaped as `Topology` in ui/src/bindings.ts.
fn synthetic_topology() -> Value {
    let nodes: Vec<Value> = (0..NODES)
        .map(|n| {
            json!({
                "id": format!("benchnode{n}"), "hostname": format!("worker-{n}"), "role": "worker",
                "state": "ready", "availability": "active", "addr": null,
                "nano_cpus": 2_000_000_000_u64, "memory_bytes": 4_294_967_296_u64,
            })
        })
        .collect();
    let orgs: Vec<Value> = (0..ORGS)
        .map(|o| {
            let org = format!("bench{o:02}");
            let network = format!("benchnet{o:02}");
            let services: Vec<Value> = (0..SERVICES_PER_ORG)
                .map(|s| {
                    let index = o * SERVICES_PER_ORG + s;
                    let id = format!("benchsvc{index:03}");
                    let tasks: Vec<Value> = (0..TASKS_PER_SERVICE)
                        .map(|t| {
                            json!({
                                "id": format!("{id}task{t}"), "service_id": id, "slot": t + 1,
                                "state": "running", "desired_state": "running", "health": "healthy",
                                "node_id": format!("benchnode{}", (index + t) % NODES), "error": null,
                                "message": "started", "container_id": format!("{id}c{t}"),
                                "deployment_id": format!("web-{index}"), "exit_code": null,
                                "updated_at": "2025-01-01T00:00:00Z",
                            })
                        })
                        .collect();
                    json!({
                        "swarm_service_id": id,
                        "service_name": naming::service_name(&org, &format!("svc{s}")),
                        "slug": format!("svc{s}"), "image": "swarmdeck-fixture:v1",
                        "deployment_id": format!("web-{index}"),
                        "desired": TASKS_PER_SERVICE, "running": TASKS_PER_SERVICE,
                        "update_state": "completed", "tasks": tasks, "networks": [network],
                    })
                })
                .collect();
            json!({
                "org_id": org,
                "network": { "id": network, "name": naming::network_name(&org), "created": false,
                             "subnets": [format!("10.{}.{}.0/24", 10 + o / 250, o % 250)] },
                "services": services,
            })
        })
        .collect();
    json!({ "nodes": nodes, "orgs": orgs })
}
