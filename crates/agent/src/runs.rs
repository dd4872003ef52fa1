//! The run table: active runs (for abort, idempotency and `agent.wait`) and a bounded memory
//! of finished ones (OpenClaw replays a finished run's result for a repeated idempotency key
//! for 5 minutes).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::event::{AbortReason, AgentEvent, RunEvent, RunOutcome};

/// How long a finished run's outcome is kept.
pub const FINISHED_TTL: Duration = Duration::from_secs(5 * 60);
/// At most this many finished outcomes are kept (oldest evicted first).
pub const FINISHED_CAP: usize = 4096;

/// Completion signal of one run.
pub type DoneReceiver = watch::Receiver<Option<Arc<RunOutcome>>>;

/// A handle on a submitted run.
#[derive(Debug, Clone)]
pub struct RunTicket {
    pub run_id: String,
    done: DoneReceiver,
}

impl RunTicket {
    pub(crate) fn new(run_id: String, done: DoneReceiver) -> Self {
        Self { run_id, done }
    }

    /// Waits for the run to end. A run always ends (shutdown aborts it), so this returns.
    pub async fn outcome(mut self) -> Option<Arc<RunOutcome>> {
        let result = self.done.wait_for(Option::is_some).await;
        result.ok().and_then(|outcome| outcome.clone())
    }

    /// The outcome if the run has already ended.
    pub fn finished(&self) -> Option<Arc<RunOutcome>> {
        self.done.borrow().clone()
    }
}

pub(crate) struct ActiveRun {
    pub session_key: String,
    pub cancel: CancellationToken,
    pub abort_reason: Arc<std::sync::Mutex<Option<AbortReason>>>,
    pub done: watch::Sender<Option<Arc<RunOutcome>>>,
    pub started_at: i64,
}

#[derive(Default)]
pub(crate) struct RunTable {
    pub active: HashMap<String, ActiveRun>,
    finished: HashMap<String, (Arc<RunOutcome>, Instant)>,
    order: VecDeque<String>,
}

impl RunTable {
    pub fn finished(&mut self, run_id: &str) -> Option<Arc<RunOutcome>> {
        self.evict();
        self.finished
            .get(run_id)
            .map(|(outcome, _)| outcome.clone())
    }

    /// Moves a run from active to finished and returns its completion sender.
    pub fn complete(
        &mut self,
        outcome: Arc<RunOutcome>,
    ) -> Option<watch::Sender<Option<Arc<RunOutcome>>>> {
        let active = self.active.remove(&outcome.run_id);
        self.finished
            .insert(outcome.run_id.clone(), (outcome.clone(), Instant::now()));
        self.order.push_back(outcome.run_id.clone());
        self.evict();
        active.map(|run| run.done)
    }

    fn evict(&mut self) {
        let now = Instant::now();
        while let Some(oldest) = self.order.front() {
            let expired = self
                .finished
                .get(oldest)
                .is_none_or(|(_, at)| now.duration_since(*at) > FINISHED_TTL);
            if !expired && self.order.len() <= FINISHED_CAP {
                break;
            }
            if let Some(oldest) = self.order.pop_front() {
                self.finished.remove(&oldest);
            }
        }
    }
}

/// Where one run's events go: the runtime-wide broadcast (WS fan-out) and, optionally, the
/// submitter's own channel (HTTP streaming), which is never lossy.
pub(crate) struct EventSink {
    pub run_id: Arc<str>,
    pub session_key: Arc<str>,
    pub canonical_key: Arc<str>,
    pub agent_id: Arc<str>,
    seq: AtomicU64,
    broadcast: broadcast::Sender<RunEvent>,
    own: Option<mpsc::Sender<RunEvent>>,
}

impl EventSink {
    pub fn new(
        run_id: &str,
        session_key: &str,
        canonical_key: &str,
        agent_id: &str,
        broadcast: broadcast::Sender<RunEvent>,
        own: Option<mpsc::Sender<RunEvent>>,
    ) -> Self {
        Self {
            run_id: run_id.into(),
            session_key: session_key.into(),
            canonical_key: canonical_key.into(),
            agent_id: agent_id.into(),
            seq: AtomicU64::new(0),
            broadcast,
            own,
        }
    }

    pub async fn emit(&self, event: AgentEvent) {
        let run_event = RunEvent {
            run_id: self.run_id.clone(),
            session_key: self.session_key.clone(),
            canonical_key: self.canonical_key.clone(),
            agent_id: self.agent_id.clone(),
            seq: self.seq.fetch_add(1, Ordering::Relaxed) + 1,
            ts: openclaw_store::now_ms(),
            event,
        };
        if let Some(own) = &self.own {
            // A gone receiver (client disconnected) must not stop the run.
            let _ignored = own.send(run_event.clone()).await;
        }
        // No subscribers is normal (no WS client connected).
        let _ignored = self.broadcast.send(run_event);
    }
}
