//! Runs concurrent turn clients against one gateway: every client runs one turn at a time on
//! its own sessions until a deadline or a shared turn budget runs out.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Context;

use crate::http_turns::CompletionsClient;
use crate::stats::Samples;
use crate::ws_turns::ChatConn;

/// A client stops after this many failed turns (a broken path would otherwise spin).
const MAX_ERRORS_PER_CLIENT: u64 = 3;

/// The message of every turn (plain text: not a command or a reset trigger).
const MESSAGE: &str = "hi there";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnPath {
    /// WS `chat.send`, completion seen as the `chat` `final` event.
    ChatSend,
    /// HTTP `POST /v1/chat/completions`, non-streaming.
    Completions,
}

impl fmt::Display for TurnPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TurnPath::ChatSend => "chat.send",
            TurnPath::Completions => "/v1/chat/completions",
        })
    }
}

impl TurnPath {
    fn slug(self) -> &'static str {
        match self {
            TurnPath::ChatSend => "ws",
            TurnPath::Completions => "http",
        }
    }
}

pub enum Client {
    Ws(Arc<ChatConn>),
    Http(CompletionsClient),
}

/// Opens `concurrency` clients. WS: `connections` connections (0 = one per client), all open
/// before any turn, the clients spread over them round-robin.
pub async fn connect(
    path: TurnPath,
    port: u16,
    concurrency: usize,
    connections: usize,
) -> anyhow::Result<Vec<Client>> {
    let mut clients = Vec::with_capacity(concurrency);
    match path {
        TurnPath::ChatSend => {
            let count = ws_connections(concurrency, connections);
            let mut conns = Vec::with_capacity(count);
            for i in 0..count {
                let conn = ChatConn::connect(port)
                    .await
                    .with_context(|| format!("opening WS connection {i} of {count}"))?;
                conns.push(Arc::new(conn));
            }
            clients.extend((0..concurrency).map(|i| Client::Ws(conns[i % count].clone())));
        }
        TurnPath::Completions => {
            let shared = CompletionsClient::new(port, concurrency)?;
            clients.extend((0..concurrency).map(|_| Client::Http(shared.clone())));
        }
    }
    Ok(clients)
}

/// How many WS connections `concurrency` clients share (0 = one each; never more than clients).
pub fn ws_connections(concurrency: usize, connections: usize) -> usize {
    match connections {
        0 => concurrency.max(1),
        n => n.min(concurrency).max(1),
    }
}

/// When the clients stop, and which turns count.
#[derive(Clone)]
pub struct Plan {
    /// Turns starting before this are warm-up: run, not sampled.
    pub measure_from: Instant,
    /// No turn starts at or after this.
    pub deadline: Option<Instant>,
    /// No more than this many turns start in total (shared by the clients).
    pub budget: Option<Arc<AtomicU64>>,
    /// A client moves to a fresh session after this many turns: transcripts grow with every
    /// turn and each turn reloads its session's history, so one endless session would measure
    /// history size rather than the gateway.
    pub turns_per_session: u64,
    /// Distinguishes the session keys of separate runs on one gateway.
    pub tag: String,
}

impl Plan {
    fn may_start(&self) -> bool {
        if self.deadline.is_some_and(|at| Instant::now() >= at) {
            return false;
        }
        match &self.budget {
            None => true,
            Some(left) => left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
        }
    }
}

/// What the clients measured.
#[derive(Default)]
pub struct Outcome {
    /// Latency of the sampled turns.
    pub latency: Samples,
    /// `chat.send` acknowledgement latency of the sampled turns (WS only).
    pub ack: Samples,
    /// Every successful turn, warm-up included.
    pub completed: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// When the last sampled turn ended.
    pub last_sampled_end: Option<Instant>,
    /// WS frames received by all clients (each client receives every run's events).
    pub frames: u64,
    /// Events the gateway dropped for the bench's connections (seq gaps).
    pub lost_events: u64,
}

impl Outcome {
    fn merge(&mut self, other: Outcome) {
        self.latency.merge(other.latency);
        self.ack.merge(other.ack);
        self.completed += other.completed;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.last_sampled_end = self.last_sampled_end.max(other.last_sampled_end);
        self.frames += other.frames;
        self.lost_events += other.lost_events;
    }

    /// Sampled turns per second, from `from` to the end of the last sampled turn.
    pub fn rate(&self, from: Instant) -> f64 {
        let wall = self
            .last_sampled_end
            .map(|end| end.saturating_duration_since(from))
            .unwrap_or_default();
        if wall.is_zero() {
            return 0.0;
        }
        self.latency.len() as f64 / wall.as_secs_f64()
    }
}

/// Runs every client to the end of `plan` and merges what they measured; the clients are
/// handed back (WS connections stay open) so the caller decides when to close them.
pub async fn run(
    path: TurnPath,
    clients: Vec<Client>,
    plan: &Plan,
) -> anyhow::Result<(Outcome, Vec<Client>)> {
    let mut tasks = Vec::with_capacity(clients.len());
    for (index, client) in clients.into_iter().enumerate() {
        let plan = plan.clone();
        tasks.push(tokio::spawn(run_client(path, index, client, plan)));
    }
    let mut total = Outcome::default();
    let mut clients = Vec::with_capacity(tasks.len());
    for task in tasks {
        let (outcome, client) = task.await.context("a benchmark client task panicked")?;
        total.merge(outcome);
        clients.push(client);
    }
    // Frame counters belong to connections, which clients may share: count each once.
    let mut seen = Vec::new();
    for client in &clients {
        if let Client::Ws(conn) = client
            && !seen.iter().any(|c| Arc::ptr_eq(c, conn))
        {
            total.frames += conn.frames();
            total.lost_events += conn.missing_events();
            seen.push(conn.clone());
        }
    }
    Ok((total, clients))
}

async fn run_client(
    path: TurnPath,
    index: usize,
    mut client: Client,
    plan: Plan,
) -> (Outcome, Client) {
    let mut out = Outcome::default();
    let mut turn: u64 = 0;
    while plan.may_start() {
        let session = format!(
            "bench-{}-{}-{index}-{}",
            path.slug(),
            plan.tag,
            turn / plan.turns_per_session.max(1)
        );
        let idempotency_key = format!("{}-{index}-{turn}", plan.tag);
        let started = Instant::now();
        let result = match &mut client {
            Client::Ws(ws) => ws
                .turn(&session, MESSAGE, &idempotency_key)
                .await
                .map(|t| (t.total, Some(t.ack))),
            Client::Http(http) => http.turn(&session, MESSAGE).await.map(|t| (t, None)),
        };
        turn += 1;
        match result {
            Ok((latency, ack)) => {
                out.completed += 1;
                if started >= plan.measure_from {
                    out.latency.push(latency);
                    if let Some(ack) = ack {
                        out.ack.push(ack);
                    }
                    out.last_sampled_end = Some(Instant::now());
                }
            }
            Err(err) => {
                out.errors += 1;
                out.first_error
                    .get_or_insert_with(|| format!("client {index}: {err:#}"));
                if out.errors >= MAX_ERRORS_PER_CLIENT {
                    break;
                }
            }
        }
    }
    (out, client)
}

/// Closes WS connections politely once their last client is gone (HTTP clients just drop).
pub async fn close(clients: Vec<Client>) {
    let conns: Vec<Arc<ChatConn>> = clients
        .into_iter()
        .filter_map(|client| match client {
            Client::Ws(conn) => Some(conn),
            Client::Http(_) => None,
        })
        .collect();
    let mut unique: Vec<Arc<ChatConn>> = Vec::new();
    for conn in conns {
        if !unique.iter().any(|c| Arc::ptr_eq(c, &conn)) {
            unique.push(conn);
        }
    }
    for conn in unique {
        if let Ok(conn) = Arc::try_unwrap(conn) {
            conn.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn plan(deadline: Option<Instant>, budget: Option<u64>) -> Plan {
        Plan {
            measure_from: Instant::now(),
            deadline,
            budget: budget.map(|n| Arc::new(AtomicU64::new(n))),
            turns_per_session: 10,
            tag: "t".into(),
        }
    }

    #[test]
    fn a_budget_admits_exactly_that_many_turns() {
        let plan = plan(None, Some(3));
        let admitted = (0..10).filter(|_| plan.may_start()).count();
        assert_eq!(admitted, 3);
    }

    #[test]
    fn a_past_deadline_admits_nothing() {
        let plan = plan(Some(Instant::now()), None);
        assert!(!plan.may_start());
    }

    #[test]
    fn rate_counts_sampled_turns_over_the_sampled_window() {
        let from = Instant::now();
        let mut outcome = Outcome::default();
        for _ in 0..50 {
            outcome.latency.push(Duration::from_millis(1));
        }
        outcome.last_sampled_end = Some(from + Duration::from_millis(500));
        assert!((outcome.rate(from) - 100.0).abs() < 1e-9);
        assert_eq!(Outcome::default().rate(from), 0.0);
    }
}
