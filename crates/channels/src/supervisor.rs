//! Keeps one channel account's connection task alive: restarts it with exponential backoff and
//! jitter when it fails, gives up after a ladder of failed restarts (or at once on a fatal
//! error, like a rejected token), and reports every step in the account's status.

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use tokio_util::sync::CancellationToken;

use crate::status::{ConnectionState, StatusHandle};

/// How a connection task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceExit {
    /// Asked to stop (config change, shutdown).
    Cancelled,
    /// Retrying cannot help (bad token, missing privileged intent): stop and say why.
    Fatal(String),
    /// Something broke; a restart may help.
    Failed(String),
}

/// Restart policy.
#[derive(Debug, Clone, Copy)]
pub struct Ladder {
    /// Delay before the first restart.
    pub initial: Duration,
    /// Delays double up to this.
    pub max: Duration,
    /// Consecutive failed restarts before giving up.
    pub attempts: u32,
    /// A task that ran at least this long resets the ladder.
    pub healthy_after: Duration,
}

impl Default for Ladder {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(300),
            attempts: 10,
            healthy_after: Duration::from_secs(60),
        }
    }
}

impl Ladder {
    /// The delay before restart number `attempt` (1-based): exponential, capped, with ±20 %
    /// jitter so many accounts do not reconnect in lockstep.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let base = self.initial.saturating_mul(1u32 << exponent).min(self.max);
        let jitter = rand::rng().random_range(0.8..1.2);
        base.mul_f64(jitter).min(self.max)
    }
}

/// Runs `start()` until cancelled, restarting per `ladder`. Returns when cancelled or after
/// giving up (the status then says `gave-up` with the reason).
pub async fn supervise<F, Fut>(
    label: &str,
    status: StatusHandle,
    cancel: CancellationToken,
    ladder: Ladder,
    mut start: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = SourceExit>,
{
    let mut failures: u32 = 0;
    loop {
        status.set_state(
            if failures == 0 {
                ConnectionState::Starting
            } else {
                ConnectionState::Reconnecting
            },
            None,
        );
        let started = tokio::time::Instant::now();
        let exit = tokio::select! {
            exit = start() => exit,
            () = cancel.cancelled() => SourceExit::Cancelled,
        };
        match exit {
            SourceExit::Cancelled => {
                status.set_state(ConnectionState::Stopped, None);
                return;
            }
            SourceExit::Fatal(reason) => {
                tracing::error!(target: "channels", "[{label}] {reason}; not retrying until the config changes");
                status.set_state(ConnectionState::GaveUp, Some(reason));
                return;
            }
            SourceExit::Failed(reason) => {
                if started.elapsed() >= ladder.healthy_after {
                    failures = 0;
                }
                failures += 1;
                if failures > ladder.attempts {
                    let reason = format!(
                        "{reason} (gave up after {} restarts; fix the cause, then change the config or restart the gateway)",
                        ladder.attempts
                    );
                    tracing::error!(target: "channels", "[{label}] {reason}");
                    status.set_state(ConnectionState::GaveUp, Some(reason));
                    return;
                }
                let delay = ladder.delay(failures);
                tracing::warn!(
                    target: "channels",
                    "[{label}] connection failed: {reason}; restart {failures}/{} in {:.1}s",
                    ladder.attempts,
                    delay.as_secs_f64()
                );
                status.update(|s| s.restarts += 1);
                status.set_state(ConnectionState::Reconnecting, Some(reason));
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = cancel.cancelled() => {
                        status.set_state(ConnectionState::Stopped, None);
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::AccountStatus;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn fast() -> Ladder {
        Ladder {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(4),
            attempts: 3,
            healthy_after: Duration::from_secs(60),
        }
    }

    #[test]
    fn delays_grow_exponentially_within_jitter_and_cap() {
        let ladder = Ladder::default();
        for attempt in 1..=12 {
            let expected = Duration::from_secs(1u64 << (attempt - 1)).min(ladder.max);
            let got = ladder.delay(attempt);
            assert!(
                got >= expected.mul_f64(0.79) && got <= ladder.max,
                "{attempt}: {got:?}"
            );
            assert!(got <= expected.mul_f64(1.21), "{attempt}: {got:?}");
        }
    }

    #[tokio::test]
    async fn gives_up_after_the_ladder_and_reports_why() {
        let status = StatusHandle::new(AccountStatus::new("discord", "default", true, "env"));
        let runs = Arc::new(AtomicU32::new(0));
        let counter = runs.clone();
        supervise(
            "discord",
            status.clone(),
            CancellationToken::new(),
            fast(),
            move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { SourceExit::Failed("socket closed".into()) }
            },
        )
        .await;
        assert_eq!(runs.load(Ordering::SeqCst), 4, "first run + 3 restarts");
        let snapshot = status.snapshot();
        assert_eq!(snapshot.state, ConnectionState::GaveUp);
        assert_eq!(snapshot.restarts, 3);
        assert!(snapshot.last_error.unwrap().contains("socket closed"));
    }

    #[tokio::test]
    async fn a_fatal_error_is_not_retried() {
        let status = StatusHandle::new(AccountStatus::new("discord", "default", true, "env"));
        let runs = Arc::new(AtomicU32::new(0));
        let counter = runs.clone();
        supervise(
            "discord",
            status.clone(),
            CancellationToken::new(),
            fast(),
            move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { SourceExit::Fatal("token rejected".into()) }
            },
        )
        .await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(status.snapshot().state, ConnectionState::GaveUp);
    }

    #[tokio::test]
    async fn cancelling_stops_a_running_task() {
        let status = StatusHandle::new(AccountStatus::new("discord", "default", true, "env"));
        let cancel = CancellationToken::new();
        let stopper = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            stopper.cancel();
        });
        supervise("discord", status.clone(), cancel, fast(), || async {
            std::future::pending::<SourceExit>().await
        })
        .await;
        assert_eq!(status.snapshot().state, ConnectionState::Stopped);
    }
}
