//! [`AgentRuntime`]: the one object the gateway holds to run agent turns.
//!
//! `submit` registers a run (idempotent on its run id), puts it in its session lane according to
//! the queue mode, and returns at once; the run's progress arrives as [`RunEvent`]s on the
//! runtime-wide broadcast ([`AgentRuntime::subscribe`]) and, if asked, on the submitter's own
//! channel; its end is a [`RunOutcome`] (see [`RunTicket::outcome`] and [`AgentRuntime::wait`]).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arc_swap::ArcSwap;
use openclaw_config::{Config, Env};
use openclaw_providers::Usage;
use openclaw_store::Store;
use tokio::sync::{broadcast, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::commands::is_abort_trigger;
use crate::event::{AbortReason, AgentEvent, RunEvent, RunOutcome, RunStatus};
use crate::lanes::{GlobalLimit, Lanes, SessionLane};
use crate::runs::{ActiveRun, EventSink, RunTable, RunTicket};
use crate::settings::QueueSettings;
use crate::workspaces::Workspaces;

mod queue;
mod transport;

pub use transport::LazyTransport;

/// Capacity of the runtime-wide event broadcast; a subscriber that falls further behind skips.
pub const EVENT_BROADCAST_CAPACITY: usize = 1024;

/// Where a message came from, which decides how it queues behind a busy session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A caller that waits for its own answer (`agent` method, HTTP API, CLI, tools): runs
    /// strictly in order behind the session's current run.
    Direct,
    /// A chat message (Control UI `chat.send`, channels): follows the session's queue mode;
    /// `/stop` and abort words abort instead of running.
    Inbound { channel: String },
}

/// One message to answer.
#[derive(Debug, Clone)]
pub struct TurnRequest {
    /// Also the idempotency key: a repeated id returns the running or finished run.
    pub run_id: String,
    /// As the caller wrote it (`main`, `agent:main:main`, …); events echo it.
    pub session_key: Option<String>,
    pub agent_id: Option<String>,
    pub message: String,
    pub thinking: Option<String>,
    pub timeout: Option<Duration>,
    pub extra_system_prompt: Option<String>,
    pub delivery: Delivery,
}

impl TurnRequest {
    pub fn new(run_id: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            run_id: run_id.into(),
            session_key: None,
            agent_id: None,
            message: message.into(),
            thinking: None,
            timeout: None,
            extra_system_prompt: None,
            delivery: Delivery::Direct,
        }
    }
}

/// What `submit` did.
#[derive(Debug)]
pub enum Submission {
    /// A new run was accepted (it may still wait in its lane).
    Accepted(RunTicket),
    /// A run with this id is already running.
    InFlight(RunTicket),
    /// A run with this id finished recently; here is its outcome.
    Finished(Arc<RunOutcome>),
    /// The message was `/stop` or an abort word: these runs were aborted instead.
    Stopped { run_ids: Vec<String> },
}

/// Result of [`AgentRuntime::abort`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AbortResult {
    Aborted(Vec<String>),
    /// The run id belongs to another session.
    WrongSession,
}

/// Everything the runtime needs at start.
pub struct RuntimeOptions {
    pub state_dir: PathBuf,
    pub env: Arc<Env>,
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    pub transport: LazyTransport,
}

pub(crate) struct Inner {
    pub state_dir: PathBuf,
    pub env: Arc<Env>,
    pub config: ArcSwap<Config>,
    store: Mutex<Option<Arc<Store>>>,
    pub transport: LazyTransport,
    pub events: broadcast::Sender<RunEvent>,
    pub runs: Mutex<RunTable>,
    pub lanes: Lanes,
    pub global: GlobalLimit,
    pub workspaces: Workspaces,
    pub contexts: crate::context_cache::ContextCache,
    tracker: TaskTracker,
}

impl Inner {
    pub fn store(&self) -> Option<Arc<Store>> {
        self.store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn runs(&self) -> std::sync::MutexGuard<'_, RunTable> {
        self.runs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A run ready to execute once its lane is free.
#[derive(Debug, Clone)]
pub(crate) struct RunJob {
    pub run_id: String,
    pub display_key: String,
    pub session_key: String,
    pub agent_id: String,
    pub message: String,
    pub thinking: Option<String>,
    pub timeout: Option<Duration>,
    pub extra_system_prompt: Option<String>,
    pub channel: Option<String>,
    /// Runs folded into this one (`collect`); they finish with this run's outcome.
    pub merged: Vec<String>,
    pub cancel: CancellationToken,
    pub abort_reason: Arc<Mutex<Option<AbortReason>>>,
    pub own_events: Option<mpsc::Sender<RunEvent>>,
}

/// Cheap to clone; all clones share one runtime.
#[derive(Clone)]
pub struct AgentRuntime {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AgentRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentRuntime")
            .field("state_dir", &self.inner.state_dir)
            .finish_non_exhaustive()
    }
}

impl AgentRuntime {
    pub fn new(options: RuntimeOptions) -> Self {
        let (events, _) = broadcast::channel(EVENT_BROADCAST_CAPACITY);
        let max_concurrent = options.config.max_concurrent() as usize;
        Self {
            inner: Arc::new(Inner {
                state_dir: options.state_dir,
                env: options.env,
                config: ArcSwap::new(options.config),
                store: Mutex::new(Some(options.store)),
                transport: options.transport,
                events,
                runs: Mutex::new(RunTable::default()),
                lanes: Lanes::default(),
                global: GlobalLimit::new(max_concurrent),
                workspaces: Workspaces::default(),
                contexts: Default::default(),
                tracker: TaskTracker::new(),
            }),
        }
    }

    /// Applies a reloaded config to the next runs (running ones keep theirs).
    pub fn set_config(&self, config: Arc<Config>) {
        self.inner.global.resize(config.max_concurrent() as usize);
        self.inner.config.store(config);
    }

    /// Every run's events, for WS fan-out.
    pub fn subscribe(&self) -> broadcast::Receiver<RunEvent> {
        self.inner.events.subscribe()
    }

    /// Submits a message. `own_events` receives exactly this run's events, in order, without
    /// loss (the run waits for a slow receiver; a dropped receiver is ignored).
    pub async fn submit(
        &self,
        request: TurnRequest,
        own_events: Option<mpsc::Sender<RunEvent>>,
    ) -> Submission {
        let inner = &self.inner;
        {
            let mut runs = inner.runs();
            if let Some(active) = runs.active.get(&request.run_id) {
                return Submission::InFlight(RunTicket::new(
                    request.run_id.clone(),
                    active.done.subscribe(),
                ));
            }
            if let Some(outcome) = runs.finished(&request.run_id) {
                return Submission::Finished(outcome);
            }
        }
        let config = inner.config.load_full();
        let (display_key, session_key, agent_id) = resolve_session(
            &config,
            request.session_key.as_deref(),
            request.agent_id.as_deref(),
        );

        let channel = match &request.delivery {
            Delivery::Inbound { channel } => Some(channel.clone()),
            Delivery::Direct => None,
        };
        if channel.is_some() && is_abort_trigger(&request.message) {
            let run_ids = self.abort_session(&session_key, AbortReason::Stop);
            return Submission::Stopped { run_ids };
        }

        let (done_tx, done_rx) = watch::channel(None);
        let cancel = CancellationToken::new();
        let abort_reason = Arc::new(Mutex::new(None));
        inner.runs().active.insert(
            request.run_id.clone(),
            ActiveRun {
                session_key: session_key.clone(),
                cancel: cancel.clone(),
                abort_reason: abort_reason.clone(),
                done: done_tx,
                started_at: openclaw_store::now_ms(),
            },
        );
        let ticket = RunTicket::new(request.run_id.clone(), done_rx);
        let job = RunJob {
            run_id: request.run_id,
            display_key,
            session_key: session_key.clone(),
            agent_id,
            message: request.message,
            thinking: request.thinking,
            timeout: request.timeout,
            extra_system_prompt: request.extra_system_prompt,
            channel: channel.clone(),
            merged: Vec::new(),
            cancel,
            abort_reason,
            own_events,
        };

        let lane = inner.lanes.get(&session_key);
        let Some(channel) = channel else {
            self.enqueue(lane, job);
            return Submission::Accepted(ticket);
        };
        // The queue mode only matters behind a busy session; an idle one runs at once (and
        // `route_inbound` re-checks under the lane lock), so skip the store read then.
        let busy = lane.state().busy();
        let session_mode = match inner.store().filter(|_| busy) {
            Some(store) => store
                .session(&session_key)
                .await
                .ok()
                .flatten()
                .and_then(|record| record.entry.queue_mode),
            None => None,
        };
        let queue = QueueSettings::resolve(&config, &channel, session_mode.as_deref());
        self.route_inbound(lane, job, ticket.clone(), queue);
        Submission::Accepted(ticket)
    }

    /// Puts a job in its lane and starts the task that waits for the lane.
    fn enqueue(&self, lane: Arc<SessionLane>, job: RunJob) {
        lane.state().waiting += 1;
        let runtime = self.clone();
        self.inner.tracker.spawn(async move {
            let cancel = job.cancel.clone();
            let acquired = {
                let guard = tokio::select! {
                    guard = lane.run_lock.lock() => Some(guard),
                    () = cancel.cancelled() => None,
                };
                match guard {
                    Some(guard) => {
                        {
                            let mut state = lane.state();
                            state.waiting -= 1;
                            state.active = Some(job.run_id.clone());
                        }
                        runtime.execute(&lane, job.clone()).await;
                        drop(guard);
                        true
                    }
                    None => false,
                }
            };
            if !acquired {
                lane.state().waiting -= 1;
                runtime.finish_unstarted(&job);
            }
            runtime.inner.lanes.release(&job.session_key, lane);
        });
    }

    /// Runs a job that holds its lane, then finishes it and anything merged into it.
    async fn execute(&self, lane: &Arc<SessionLane>, job: RunJob) {
        let inner = &self.inner;
        let sink = EventSink::new(
            &job.run_id,
            &job.display_key,
            &job.session_key,
            &job.agent_id,
            inner.events.clone(),
            job.own_events.clone(),
        );
        let outcome = {
            let permit = tokio::select! {
                permit = inner.global.acquire() => permit,
                () = job.cancel.cancelled() => None,
            };
            if permit.is_some() {
                crate::turn::run(inner, &job, &sink, lane).await
            } else {
                (unstarted_outcome(&job), Vec::new())
            }
        };
        let (outcome, steered) = outcome;
        let leftover_steer = {
            let mut state = lane.state();
            state.active = None;
            std::mem::take(&mut state.steer)
        };
        let outcome = Arc::new(outcome);
        for run_id in job.merged.iter().chain(&steered) {
            self.finish_merged_or_dropped(run_id, Some(&outcome));
        }
        self.finish(outcome, Some(&sink)).await;
        // Steering that never reached a tool boundary becomes a follow-up turn, queued before
        // the lane is released so nothing overtakes it.
        for item in leftover_steer {
            if item.ticket.finished().is_some() {
                continue;
            }
            let (cancel, abort_reason) = {
                let runs = inner.runs();
                match runs.active.get(&item.run_id) {
                    Some(active) => (active.cancel.clone(), active.abort_reason.clone()),
                    None => continue,
                }
            };
            self.enqueue(
                lane.clone(),
                RunJob {
                    run_id: item.run_id,
                    message: item.message,
                    merged: Vec::new(),
                    cancel,
                    abort_reason,
                    own_events: None,
                    ..job.clone()
                },
            );
        }
    }

    async fn finish(&self, outcome: Arc<RunOutcome>, sink: Option<&EventSink>) {
        let done = self.inner.runs().complete(outcome.clone());
        if let Some(sink) = sink {
            sink.emit(AgentEvent::Ended(outcome.clone())).await;
        }
        if let Some(done) = done {
            done.send_replace(Some(outcome));
        }
    }

    /// Finishes a queued run that was merged into `into` (or dropped by the cap when `None`).
    fn finish_merged_or_dropped(&self, run_id: &str, into: Option<&Arc<RunOutcome>>) {
        let Some(session_key) = self
            .inner
            .runs()
            .active
            .get(run_id)
            .map(|active| active.session_key.clone())
        else {
            return;
        };
        let now = openclaw_store::now_ms();
        let outcome = match into {
            Some(into) => RunOutcome {
                run_id: run_id.to_owned(),
                merged_into: Some(into.run_id.clone()),
                ..(**into).clone()
            },
            None => RunOutcome {
                run_id: run_id.to_owned(),
                session_key: session_key.clone(),
                session_id: String::new(),
                agent_id: String::new(),
                status: RunStatus::Error,
                text: String::new(),
                error: Some(
                    "dropped: the session's message queue is full (messages.queue.cap)".into(),
                ),
                provider: None,
                model: None,
                usage: Usage::default(),
                started_at: now,
                ended_at: now,
                system_prompt: None,
                merged_into: None,
            },
        };
        let runtime = self.clone();
        let agent_id = outcome.agent_id.clone();
        self.inner.tracker.spawn(async move {
            let sink = EventSink::new(
                &outcome.run_id,
                &session_key,
                &session_key,
                &agent_id,
                runtime.inner.events.clone(),
                None,
            );
            runtime.finish(Arc::new(outcome), Some(&sink)).await;
        });
    }

    fn finish_dropped(&self, job: &RunJob) {
        self.finish_merged_or_dropped(&job.run_id, None);
    }

    /// A run cancelled before it reached the model.
    fn finish_unstarted(&self, job: &RunJob) {
        let outcome = Arc::new(unstarted_outcome(job));
        let runtime = self.clone();
        let sink = EventSink::new(
            &job.run_id,
            &job.display_key,
            &job.session_key,
            &job.agent_id,
            self.inner.events.clone(),
            job.own_events.clone(),
        );
        self.inner.tracker.spawn(async move {
            runtime.finish(outcome, Some(&sink)).await;
        });
    }

    fn abort_run(&self, run_id: &str, reason: AbortReason) -> bool {
        let session_key = {
            let runs = self.inner.runs();
            let Some(active) = runs.active.get(run_id) else {
                return false;
            };
            active
                .abort_reason
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_or_insert(reason);
            active.cancel.cancel();
            active.session_key.clone()
        };
        // A message still waiting beside the lane (collect/steer) has no task to notice the
        // cancellation: take it out and finish it here.
        let lane = self.inner.lanes.get(&session_key);
        let waiting = {
            let mut state = lane.state();
            let before = state.collected.len() + state.steer.len();
            state.collected.retain(|item| item.run_id != run_id);
            state.steer.retain(|item| item.run_id != run_id);
            before != state.collected.len() + state.steer.len()
        };
        self.inner.lanes.release(&session_key, lane);
        if waiting {
            let outcome = Arc::new(RunOutcome {
                status: RunStatus::Aborted(reason),
                ..unstarted_outcome_for(run_id, &session_key)
            });
            let runtime = self.clone();
            self.inner.tracker.spawn(async move {
                let sink = EventSink::new(
                    &outcome.run_id,
                    &outcome.session_key,
                    &outcome.session_key,
                    &outcome.agent_id,
                    runtime.inner.events.clone(),
                    None,
                );
                runtime.finish(outcome, Some(&sink)).await;
            });
        }
        true
    }

    fn abort_session(&self, session_key: &str, reason: AbortReason) -> Vec<String> {
        let run_ids: Vec<String> = self
            .inner
            .runs()
            .active
            .iter()
            .filter(|(_, run)| run.session_key == session_key)
            .map(|(id, _)| id.clone())
            .collect();
        run_ids
            .into_iter()
            .filter(|run_id| self.abort_run(run_id, reason))
            .collect()
    }

    /// `chat.abort`: aborts `run_id` (which must belong to the session) or every run of the
    /// session.
    pub fn abort(&self, session_key: &str, run_id: Option<&str>) -> AbortResult {
        let config = self.inner.config.load();
        let (_, canonical, _) = resolve_session(&config, Some(session_key), None);
        match run_id {
            None => AbortResult::Aborted(self.abort_session(&canonical, AbortReason::Rpc)),
            Some(run_id) => {
                let owner = self
                    .inner
                    .runs()
                    .active
                    .get(run_id)
                    .map(|run| run.session_key.clone());
                match owner {
                    None => AbortResult::Aborted(Vec::new()),
                    Some(owner) if owner != canonical => AbortResult::WrongSession,
                    Some(_) => {
                        let aborted = self.abort_run(run_id, AbortReason::Rpc);
                        AbortResult::Aborted(if aborted {
                            vec![run_id.to_owned()]
                        } else {
                            Vec::new()
                        })
                    }
                }
            }
        }
    }

    /// `agent.wait`: the outcome of `run_id` once it ends, or `None` after `timeout` (or for an
    /// unknown run). Also returns `started_at` for a run still going.
    pub async fn wait(&self, run_id: &str, timeout: Duration) -> WaitResult {
        let ticket = {
            let mut runs = self.inner.runs();
            if let Some(outcome) = runs.finished(run_id) {
                return WaitResult::Done(outcome);
            }
            match runs.active.get(run_id) {
                Some(active) => (
                    RunTicket::new(run_id.to_owned(), active.done.subscribe()),
                    active.started_at,
                ),
                None => return WaitResult::Unknown,
            }
        };
        match tokio::time::timeout(timeout, ticket.0.outcome()).await {
            Ok(Some(outcome)) => WaitResult::Done(outcome),
            _ => WaitResult::Timeout {
                started_at: ticket.1,
            },
        }
    }

    /// Drops what the runtime remembers of a session's transcript (call after changing the
    /// transcript outside a turn, e.g. `sessions.compact`).
    pub fn forget_session(&self, session_key: &str) {
        let config = self.inner.config.load();
        let (_, canonical, _) = resolve_session(&config, Some(session_key), None);
        self.inner.contexts.forget(&canonical);
    }

    /// Aborts every run, waits for their tasks (up to `grace`), and lets go of the store.
    pub async fn shutdown(&self, grace: Duration) {
        let run_ids: Vec<String> = self.inner.runs().active.keys().cloned().collect();
        for run_id in run_ids {
            self.abort_run(&run_id, AbortReason::Shutdown);
        }
        self.inner.tracker.close();
        let _ = tokio::time::timeout(grace, self.inner.tracker.wait()).await;
        self.inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

/// Result of [`AgentRuntime::wait`].
#[derive(Debug, Clone)]
pub enum WaitResult {
    Done(Arc<RunOutcome>),
    Timeout { started_at: i64 },
    Unknown,
}

/// `(as requested, canonical, agent id)`. No key ⇒ the agent's main session.
pub(crate) fn resolve_session(
    config: &Config,
    session_key: Option<&str>,
    agent_id: Option<&str>,
) -> (String, String, String) {
    let default_agent = config.default_agent_id();
    match session_key.map(str::trim).filter(|key| !key.is_empty()) {
        Some(key) => {
            let canonical = openclaw_store::keys::canonical_session_key(key, &default_agent);
            let agent = openclaw_store::keys::agent_id_of_key(&canonical, &default_agent);
            (key.to_owned(), canonical, agent)
        }
        None => {
            let agent = agent_id
                .map(openclaw_config::normalize_agent_id)
                .unwrap_or(default_agent);
            let key = openclaw_store::keys::main_session_key(&agent);
            (key.clone(), key, agent)
        }
    }
}

fn unstarted_outcome_for(run_id: &str, session_key: &str) -> RunOutcome {
    let now = openclaw_store::now_ms();
    RunOutcome {
        run_id: run_id.to_owned(),
        session_key: session_key.to_owned(),
        session_id: String::new(),
        agent_id: String::new(),
        status: RunStatus::Aborted(AbortReason::Rpc),
        text: String::new(),
        error: None,
        provider: None,
        model: None,
        usage: Usage::default(),
        started_at: now,
        ended_at: now,
        system_prompt: None,
        merged_into: None,
    }
}

fn unstarted_outcome(job: &RunJob) -> RunOutcome {
    let now = openclaw_store::now_ms();
    let reason = *job
        .abort_reason
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    RunOutcome {
        run_id: job.run_id.clone(),
        session_key: job.display_key.clone(),
        session_id: String::new(),
        agent_id: job.agent_id.clone(),
        status: RunStatus::Aborted(reason.unwrap_or(AbortReason::Rpc)),
        text: String::new(),
        error: None,
        provider: None,
        model: None,
        usage: Usage::default(),
        started_at: now,
        ended_at: now,
        system_prompt: None,
        merged_into: None,
    }
}
