//! Retrying transient failures and waiting on conditions with deadlines.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;
use tracing::debug;

use crate::error::{Error, Result};

/// Exponential backoff: `initial`, doubled each attempt up to `max_delay`, for at most `attempts` tries.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// First wait.
    pub initial: Duration,
    /// Longest wait.
    pub max_delay: Duration,
    /// Total tries, the first included.
    pub attempts: u32,
}

impl Backoff {
    /// The design's retry of network creation.
    pub fn network_create() -> Self {
        Backoff {
            initial: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            attempts: 5,
        }
    }

    /// The wait before try number `attempt` (1 = the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2_u32.saturating_pow(attempt.saturating_sub(1));
        self.initial.saturating_mul(factor).min(self.max_delay)
    }
}

/// Runs `operation` until it succeeds, fails with a non-transient error, or runs out of attempts.
pub async fn retry_transient<T, F, Fut, E>(
    backoff: Backoff,
    what: &str,
    mut operation: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, E>>,
    E: Into<Error>,
{
    let mut attempt = 1;
    loop {
        match operation().await.map_err(Into::into) {
            Ok(value) => return Ok(value),
            Err(error) if error.is_transient() && attempt < backoff.attempts => {
                let delay = backoff.delay(attempt);
                debug!(what, attempt, ?delay, %error, "transient failure, retrying");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Polls `check` every `poll` until it yields a value or `deadline` passes.
pub async fn wait_until<T, F, Fut>(
    deadline: Duration,
    poll: Duration,
    what: &str,
    mut check: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if Instant::now() >= end {
            return Err(Error::Timeout {
                what: what.to_string(),
                after: deadline,
            });
        }
        tokio::time::sleep(poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let backoff = Backoff::network_create();
        let delays: Vec<_> = (1..=6).map(|n| backoff.delay(n).as_millis()).collect();
        assert_eq!(delays, vec![250, 500, 1000, 2000, 4000, 4000]);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_transient_errors_only() {
        let mut calls = 0;
        let result: Result<()> = retry_transient(Backoff::network_create(), "test", || {
            calls += 1;
            let n = calls;
            async move {
                if n < 3 {
                    Err(Error::Engine {
                        status: 503,
                        message: "busy".into(),
                    })
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert!(result.is_ok());
        assert_eq!(calls, 3);

        let mut refused = 0;
        let result: Result<()> = retry_transient(Backoff::network_create(), "test", || {
            refused += 1;
            async {
                Err(Error::Engine {
                    status: 409,
                    message: "conflict".into(),
                })
            }
        })
        .await;
        assert_eq!(result.err().and_then(|e| e.engine_status()), Some(409));
        assert_eq!(refused, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn wait_until_times_out_with_the_condition_named() {
        let result: Result<()> = wait_until(
            Duration::from_secs(3),
            Duration::from_secs(1),
            "nothing",
            || async { Ok(None) },
        )
        .await;
        assert!(matches!(result, Err(Error::Timeout { what, .. }) if what == "nothing"));
    }
}
