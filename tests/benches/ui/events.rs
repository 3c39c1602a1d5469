//! Engine event to painted change: a service scaled between 1 and 2 replicas [`EVENTS`] times, each measured from
//! the engine's own timestamp of the service's update event to the frame painted after the Home row shows the
//! new desired count.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;
use serde_json::{json, Value};
use swarmdeck_orchestrator::Orchestrator;
use swarmdeck_tests::app::text_of;
use swarmdeck_tests::{eventually, fixture_request, TestResult};
use thirtyfour::prelude::*;

use crate::deploy_on_home;
use crate::report::Report;

const EVENTS: usize = 20;

/// Records, for the row of `arguments[0]`, each new text of its replicas cell with the wall-clock time (ms since
/// the epoch) of the frame after it was painted.
const OBSERVER: &str = r#"
        const row = document.querySelector(`[data-testid='service-${arguments[0]}']`);
        const cell = () => row.querySelector("[data-testid='replicas']")?.textContent ?? "";
        const paints = [];
        let last = cell();
        new MutationObserver(() => {
            const now = cell();
            if (now === last) return;
            last = now;
            requestAnimationFrame(() => requestAnimationFrame(() => paints.push([now, performance.timeOrigin + performance.now()])));
        }).observe(row, { subtree: true, childList: true, characterData: true });
        window.__swarmdeckPaints = paints;
    "#;

pub(crate) async fn events(
    orchestrator: &Orchestrator,
    org: &str,
    page: &WebDriver,
    report: &mut Report,
) -> TestResult {
    let mut request = fixture_request(org, "events", "v1");
    request.health_check = None;
    let service = deploy_on_home(orchestrator, &request, page).await?;
    page.execute(OBSERVER, vec![json!(service)]).await?;

    // The stream connects when first polled, after the first scale returned; asking from a second earlier keeps
    // that scale's event, and events older than each scale are skipped.
    let since = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() - 1;
    let mut updates = orchestrator.docker().events(Some(EventsOptions {
        since: Some(since.to_string()),
        filters: Some(HashMap::from([
            ("type".to_string(), vec!["service".to_string()]),
            ("service".to_string(), vec![service.clone()]),
            ("event".to_string(), vec!["update".to_string()]),
        ])),
        ..Default::default()
    }));
    for index in 0..EVENTS {
        let replicas = if index % 2 == 0 { 2 } else { 1 };
        let asked_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs_f64() * 1e3;
        orchestrator.scale(&service, replicas).await?;
        let waited: Result<TestResult<f64>, _> =
            tokio::time::timeout(Duration::from_secs(10), async {
                while let Some(event) = updates.next().await {
                    let at_ms = event?.time_nano.ok_or("an event without a time")? as f64 / 1e6;
                    if at_ms >= asked_ms {
                        return Ok(at_ms);
                    }
                }
                Err("the event stream ended".into())
            })
            .await;
        let at_ms = waited.map_err(|_| "no update event within 10 s")??;
        let wanted = format!("/{replicas}");
        let painted = eventually(
            Duration::from_secs(10),
            "the new desired count painted",
            || {
                let wanted = wanted.clone();
                async move {
                    let paints: Value = page
                        .execute("return window.__swarmdeckPaints;", Vec::new())
                        .await?
                        .json()
                        .clone();
                    Ok(paints.as_array().into_iter().flatten().find_map(|paint| {
                        let text = paint[0].as_str()?;
                        let at = paint[1].as_f64()?;
                        (text.ends_with(&wanted) && at >= at_ms).then_some(at)
                    }))
                }
            },
        )
        .await?;
        report.event_ms.push(painted - at_ms);
        // The next scale starts from a settled row, so its paint is not this one's.
        text_of(page, &format!("service-{service}"), |t| {
            t.contains(&format!("{replicas}/{replicas}"))
        })
        .await?;
    }
    Ok(())
}
