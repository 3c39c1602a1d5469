use std::time::Duration;

use futures_util::StreamExt;
use swarmdeck_orchestrator::{LogQuery, LogStream};
use swarmdeck_tests::{eventually, fast_run, with_orgs, TestResult};
use tokio_util::sync::CancellationToken;

use crate::fixture_request;

#[tokio::test]
async fn logs_honour_tail_filter_streams_and_time_and_follow_ends_on_cancel() -> TestResult {
    with_orgs(&["logs"], |orchestrator, orgs| async move {
        let started = chrono_now();
        let mut request = fixture_request(&orgs[0], "chatty", "v1");
        request.env.insert("LOG_LINES_PER_SEC".into(), "20".into());
        let deployed = orchestrator.deploy(&request, &fast_run()).await?;
        let name = deployed.service_name.clone();
        eventually(Duration::from_secs(30), "30 log lines", || {
            let (orchestrator, name) = (orchestrator.clone(), name.clone());
            async move {
                let lines = orchestrator
                    .service_logs(&name, &LogQuery::default())
                    .await?;
                Ok((lines.len() >= 30).then_some(()))
            }
        })
        .await?;

        let tail = LogQuery {
            tail: Some(5),
            timestamps: true,
            ..LogQuery::default()
        };
        let lines = orchestrator.service_logs(&name, &tail).await?;
        assert_eq!(lines.len(), 5, "{lines:#?}");
        assert!(lines.iter().all(|l| l.timestamp.is_some()));

        let filtered = LogQuery {
            filter: Some("stderr line".into()),
            ..LogQuery::default()
        };
        let lines = orchestrator.service_logs(&name, &filtered).await?;
        assert!(!lines.is_empty());
        assert!(lines
            .iter()
            .all(|l| l.text.contains("stderr line") && l.stream == LogStream::Stderr));

        let stdout_only = LogQuery {
            stderr: false,
            ..LogQuery::default()
        };
        let lines = orchestrator.service_logs(&name, &stdout_only).await?;
        assert!(!lines.is_empty() && lines.iter().all(|l| l.stream == LogStream::Stdout));

        let future = chrono_now() + 3600;
        let none = orchestrator
            .service_logs(
                &name,
                &LogQuery {
                    since: Some(future),
                    ..LogQuery::default()
                },
            )
            .await?;
        assert!(
            none.is_empty(),
            "nothing was logged after {future}: {none:#?}"
        );
        let before_start = orchestrator
            .service_logs(
                &name,
                &LogQuery {
                    until: Some(started - 60),
                    ..LogQuery::default()
                },
            )
            .await?;
        assert!(
            before_start.is_empty(),
            "nothing was logged before the deploy: {before_start:#?}"
        );
        let until_now = orchestrator
            .service_logs(
                &name,
                &LogQuery {
                    until: Some(chrono_now()),
                    ..LogQuery::default()
                },
            )
            .await?;
        assert!(!until_now.is_empty());

        let cancel = CancellationToken::new();
        let follow = LogQuery {
            tail: Some(0),
            ..LogQuery::default()
        };
        let mut stream = Box::pin(orchestrator.follow_service_logs(&name, &follow, cancel.clone()));
        let mut followed = 0;
        while followed < 10 {
            let next = tokio::time::timeout(Duration::from_secs(10), stream.next()).await?;
            next.ok_or("the follow stream ended early")??;
            followed += 1;
        }
        cancel.cancel();
        let mut drained = 0;
        loop {
            match tokio::time::timeout(Duration::from_secs(10), stream.next()).await? {
                None => break,
                Some(line) => {
                    line?;
                    drained += 1;
                    assert!(drained < 100, "the stream kept going after cancel");
                }
            }
        }

        // Removing the service ends a follow with an error naming it, after the lines before it.
        let mut stream =
            Box::pin(orchestrator.follow_service_logs(&name, &follow, CancellationToken::new()));
        tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await?
            .ok_or("the follow stream ended early")??;
        orchestrator.remove_service(&name).await?;
        let ended = loop {
            match tokio::time::timeout(Duration::from_secs(30), stream.next()).await? {
                Some(Ok(_)) => continue,
                Some(Err(error)) => break error,
                None => return Err("the follow ended without saying the service went away".into()),
            }
        };
        assert!(
            matches!(&ended, swarmdeck_orchestrator::Error::NotFound { name: n, .. } if *n == name),
            "{ended:?}"
        );
        assert!(
            tokio::time::timeout(Duration::from_secs(10), stream.next())
                .await?
                .is_none(),
            "the follow went on after the removal"
        );
        Ok(())
    })
    .await
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Queries that cannot select anything are refused before the engine is asked, and a follow with an end ends:
/// at once when the end has passed, at the end otherwise — even when the service keeps logging.
#[tokio::test]
async fn impossible_queries_are_refused_and_a_follow_with_an_end_ends() -> TestResult {
    with_orgs(&["logend"], |orchestrator, orgs| async move {
        let mut request = fixture_request(&orgs[0], "chatty", "v1");
        request.env.insert("LOG_LINES_PER_SEC".into(), "20".into());
        let deployed = orchestrator.deploy(&request, &fast_run()).await?;
        let name = deployed.service_name.clone();

        let no_stream = LogQuery {
            stdout: false,
            stderr: false,
            ..LogQuery::default()
        };
        let refused = orchestrator.service_logs(&name, &no_stream).await;
        assert!(
            matches!(refused, Err(swarmdeck_orchestrator::Error::Invalid { ref field, .. }) if field == "stdout"),
            "{refused:?}"
        );
        let now = chrono_now();
        let backwards = LogQuery {
            since: Some(now),
            until: Some(now - 60),
            ..LogQuery::default()
        };
        let refused = orchestrator.service_logs(&name, &backwards).await;
        assert!(
            matches!(refused, Err(swarmdeck_orchestrator::Error::Invalid { ref field, .. }) if field == "until"),
            "{refused:?}"
        );

        for (until, within) in [(now - 1, 20), (now + 3, 30)] {
            let query = LogQuery {
                until: Some(until),
                ..LogQuery::default()
            };
            let follow = orchestrator.follow_service_logs(&name, &query, CancellationToken::new());
            let lines = tokio::time::timeout(
                Duration::from_secs(within),
                follow.collect::<Vec<_>>(),
            )
            .await
            .map_err(|_| format!("a follow until {until} (now {now}) did not end"))?;
            assert!(lines.iter().all(|line| line.is_ok()), "{lines:?}");
        }
        Ok(())
    })
    .await
}
