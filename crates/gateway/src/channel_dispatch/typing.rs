//! "typing…" while the agent works: one refresh loop per conversation, however many of its
//! messages are waiting. Every waiting message holds a [`TypingGuard`]; the loop stops when the
//! last guard is dropped. (A loop per message would multiply the REST calls by the queue length
//! and eat into the bot's global rate limit.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use openclaw_channels::outbound::OutboundSink;
use tokio_util::sync::CancellationToken;

/// How often "typing…" is refreshed unless `session.typingIntervalSeconds` (or
/// `agents.defaults.typingIntervalSeconds`) says otherwise; Discord shows it for about 10 s.
const DEFAULT_TYPING_EVERY: Duration = Duration::from_secs(6);

pub fn typing_interval(config: &openclaw_config::Config) -> Duration {
    config
        .session
        .as_ref()
        .and_then(|s| s.typing_interval_seconds)
        .or_else(|| {
            config
                .agents
                .as_ref()
                .and_then(|a| a.defaults.as_ref())
                .and_then(|d| d.typing_interval_seconds)
        })
        .map_or(DEFAULT_TYPING_EVERY, |secs| {
            Duration::from_secs(secs.max(1))
        })
}

type Loops = Arc<Mutex<HashMap<String, (usize, CancellationToken)>>>;

/// The running typing loops, by conversation.
#[derive(Clone, Default)]
pub struct Typing {
    loops: Loops,
}

/// Keeps its conversation's loop alive until dropped.
pub struct TypingGuard {
    loops: Loops,
    key: String,
}

impl Typing {
    /// Joins (or starts) the loop of `conversation_id` on `sink`.
    pub fn hold(
        &self,
        key: String,
        sink: Arc<dyn OutboundSink>,
        conversation_id: String,
        every: Duration,
    ) -> TypingGuard {
        let mut loops = self.loops.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = loops.entry(key.clone()).or_insert_with(|| {
            let stop = CancellationToken::new();
            tokio::spawn(keep_typing(sink, conversation_id, every, stop.clone()));
            (0, stop)
        });
        entry.0 += 1;
        TypingGuard {
            loops: self.loops.clone(),
            key,
        }
    }

    #[cfg(test)]
    fn active(&self) -> usize {
        self.loops
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

impl Drop for TypingGuard {
    fn drop(&mut self) {
        let mut loops = self.loops.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((count, stop)) = loops.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                stop.cancel();
                loops.remove(&self.key);
            }
        }
    }
}

async fn keep_typing(
    sink: Arc<dyn OutboundSink>,
    conversation: String,
    every: Duration,
    stop: CancellationToken,
) {
    loop {
        if let Err(error) = sink.typing(&conversation).await {
            tracing::debug!(target: "discord", %error, "typing indicator failed");
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::future::BoxFuture;
    use openclaw_channels::outbound::{OutboundFile, SendError, SentMessage, Target, TextLimits};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct CountingSink {
        typing: AtomicUsize,
    }

    impl OutboundSink for CountingSink {
        fn send_text<'a>(
            &'a self,
            _: &'a Target,
            _: &'a str,
            _: Option<&'a str>,
        ) -> BoxFuture<'a, Result<SentMessage, SendError>> {
            Box::pin(async {
                Err(SendError::Transport {
                    channel: "test",
                    message: "unused".into(),
                })
            })
        }
        fn edit_text<'a>(
            &'a self,
            _: &'a str,
            _: &'a str,
            _: &'a str,
        ) -> BoxFuture<'a, Result<(), SendError>> {
            Box::pin(async { Ok(()) })
        }
        fn send_file<'a>(
            &'a self,
            _: &'a Target,
            _: &'a OutboundFile,
            _: Option<&'a str>,
        ) -> BoxFuture<'a, Result<SentMessage, SendError>> {
            Box::pin(async {
                Err(SendError::Transport {
                    channel: "test",
                    message: "unused".into(),
                })
            })
        }
        fn typing<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), SendError>> {
            self.typing.fetch_add(1, Ordering::SeqCst);
            Box::pin(async { Ok(()) })
        }
        fn react<'a>(
            &'a self,
            _: &'a str,
            _: &'a str,
            _: &'a str,
        ) -> BoxFuture<'a, Result<(), SendError>> {
            Box::pin(async { Ok(()) })
        }
        fn unreact<'a>(
            &'a self,
            _: &'a str,
            _: &'a str,
            _: &'a str,
        ) -> BoxFuture<'a, Result<(), SendError>> {
            Box::pin(async { Ok(()) })
        }
        fn limits(&self) -> TextLimits {
            TextLimits {
                chars: 2000,
                lines: None,
            }
        }
    }

    #[tokio::test]
    async fn many_waiting_messages_share_one_loop_that_stops_with_the_last() {
        let typing = Typing::default();
        let sink = Arc::new(CountingSink::default());
        let every = Duration::from_millis(50);
        let guards: Vec<TypingGuard> = (0..20)
            .map(|_| typing.hold("discord:c1".into(), sink.clone(), "c1".into(), every))
            .collect();
        assert_eq!(typing.active(), 1);
        tokio::time::sleep(Duration::from_millis(120)).await;
        let sent = sink.typing.load(Ordering::SeqCst);
        assert!((2..=4).contains(&sent), "one loop, not twenty: {sent}");
        drop(guards);
        assert_eq!(typing.active(), 0);
        tokio::time::sleep(Duration::from_millis(120)).await;
        let after = sink.typing.load(Ordering::SeqCst);
        assert!(after <= sent + 1, "stopped: {sent} → {after}");
    }
}
