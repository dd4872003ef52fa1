//! Shared gateway state: the atomically swapped config snapshot, counters, presence, the
//! event bus and the session store. One `Arc<Shared>` per process, reused across in-process
//! restarts (so the store stays open while the serve loop re-binds).

use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;
use openclaw_config::{Env, LoadedConfig, StatePaths};
use openclaw_store::{SessionQuery, Store};
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;

use crate::lock::GatewayLock;
use crate::methods::health::SessionsSummary;
use crate::metrics::Metrics;
use crate::presence::Presence;
use crate::ratelimit::AuthRateLimiter;
use crate::settings::{Overrides, ServeSettings};

/// Capacity of the broadcast bus; a connection that falls this far behind loses events
/// (OpenClaw's `dropIfSlow`) rather than stalling the others.
pub const EVENT_BUS_CAPACITY: usize = 512;

/// How long shutdown waits for in-flight requests to release the session store.
const STORE_CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Lifecycle phase reported by `/startupz` and `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    Starting = 0,
    Started = 1,
    Draining = 2,
}

/// One immutable view of the configuration. Requests load it once and use it throughout, so a
/// reload never shows a request half-old, half-new config.
#[derive(Debug)]
pub struct Snapshot {
    pub loaded: LoadedConfig,
    pub serve: ServeSettings,
}

impl Snapshot {
    pub fn config(&self) -> &openclaw_config::Config {
        // A snapshot is only built from a valid load; `Config::default()` is unreachable in
        // practice but keeps this infallible.
        self.loaded.config.as_deref().unwrap_or(&EMPTY_CONFIG)
    }
}

static EMPTY_CONFIG: std::sync::LazyLock<openclaw_config::Config> =
    std::sync::LazyLock::new(openclaw_config::Config::default);

/// A broadcast event: every connection stamps its own `seq` when it forwards it.
#[derive(Debug, Clone)]
pub struct BusEvent {
    pub event: &'static str,
    /// Serialized once (payload and, for `presence`/`health`, the state versions at the moment
    /// of the broadcast); connections only add their `seq`.
    pub frame: openclaw_protocol::SharedEventFrame,
    /// The protocol 4 shape, when it differs from the protocol 3 one.
    pub frame_v4: Option<openclaw_protocol::SharedEventFrame>,
    /// A progress event (streamed text, tool progress) that a lagging connection may skip
    /// (OpenClaw's `dropIfSlow`); terminal and state events are never skipped.
    pub droppable: bool,
}

impl BusEvent {
    /// The frame for a connection speaking `version`.
    /// (`frame` alone is in the only shape connected clients needed when it was sent.)
    pub fn frame_for(
        &self,
        version: openclaw_protocol::ProtocolVersion,
    ) -> &openclaw_protocol::SharedEventFrame {
        match (&self.frame_v4, version) {
            (Some(v4), openclaw_protocol::ProtocolVersion::V4) => v4,
            _ => &self.frame,
        }
    }
}

/// Why the serve loop stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopKind {
    Restart,
    Shutdown,
}

pub struct Shared {
    pub snapshot: ArcSwap<Snapshot>,
    pub overrides: Overrides,
    pub env: Env,
    pub paths: StatePaths,
    pub metrics: Metrics,
    pub limiter: AuthRateLimiter,
    pub presence: Presence,
    pub bus: broadcast::Sender<Arc<BusEvent>>,
    pub started: Instant,
    pub started_ms: u64,
    phase: AtomicU8,
    pub health_version: AtomicU64,
    /// Set when something asks for an in-process restart (config change, `config.patch`).
    pub restart_requested: Notify,
    restart_reason: Mutex<Option<String>>,
    /// Cancelled once, when the process is asked to stop (SIGTERM/SIGINT).
    pub shutdown: CancellationToken,
    pub log: Option<openclaw_logging::LogHandle>,
    pub version: &'static str,
    /// `--verbose`: kept so a logging reload does not lose it.
    pub verbose: bool,
    pub host_name: String,
    lock: Mutex<Option<GatewayLock>>,
    /// Connected clients per protocol version: a versioned event is only rendered in the
    /// shapes someone will receive. Counted before a connection subscribes to the bus.
    pub clients_v3: AtomicUsize,
    pub clients_v4: AtomicUsize,
    /// The session store; taken out (and closed) once, at shutdown.
    store: Mutex<Option<Arc<Store>>>,
    /// Runs agent turns; shares the store and is shut down before it.
    pub agents: openclaw_agent::AgentRuntime,
    /// Channel accounts (Discord, …): their connections, status and outbound sinks.
    pub channels: Arc<openclaw_channels::manager::ChannelManager>,
    /// Session counts and recent keys per agent for `health`/`status`/hello-ok, which are
    /// built synchronously; refreshed after every session change and before `health`/`status`.
    sessions_summary: ArcSwap<SessionsSummary>,
}

impl Shared {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        snapshot: Snapshot,
        overrides: Overrides,
        env: Env,
        paths: StatePaths,
        log: Option<openclaw_logging::LogHandle>,
        version: &'static str,
        verbose: bool,
        lock: Option<GatewayLock>,
        store: Arc<Store>,
        agents: openclaw_agent::AgentRuntime,
        channels: Arc<openclaw_channels::manager::ChannelManager>,
    ) -> Arc<Self> {
        let (bus, _) = broadcast::channel(EVENT_BUS_CAPACITY);
        let host_name = host_name();
        Arc::new(Self {
            snapshot: ArcSwap::from_pointee(snapshot),
            overrides,
            env,
            paths,
            metrics: Metrics::default(),
            limiter: AuthRateLimiter::default(),
            presence: Presence::new(host_name.clone(), version),
            bus,
            started: Instant::now(),
            started_ms: now_ms(),
            phase: AtomicU8::new(Phase::Starting as u8),
            health_version: AtomicU64::new(1),
            restart_requested: Notify::new(),
            restart_reason: Mutex::new(None),
            shutdown: CancellationToken::new(),
            log,
            version,
            verbose,
            host_name,
            lock: Mutex::new(lock),
            clients_v3: AtomicUsize::new(0),
            clients_v4: AtomicUsize::new(0),
            store: Mutex::new(Some(store)),
            agents,
            channels,
            sessions_summary: ArcSwap::from_pointee(SessionsSummary::default()),
        })
    }

    /// The open session store, or `None` once shutdown has closed it.
    pub fn store(&self) -> Option<Arc<Store>> {
        self.store.lock().ok().and_then(|slot| slot.clone())
    }

    /// The last computed session summary (see [`Shared::refresh_sessions_summary`]).
    pub fn sessions_summary(&self) -> Arc<SessionsSummary> {
        self.sessions_summary.load_full()
    }

    /// Re-reads every session from the store into the summary `health`/`status` report. A
    /// failed read keeps the previous summary (and says why) rather than reporting zero.
    pub async fn refresh_sessions_summary(&self) {
        let Some(store) = self.store() else {
            return;
        };
        match store.list_sessions(SessionQuery::default()).await {
            Ok(records) => self
                .sessions_summary
                .store(Arc::new(SessionsSummary::from_records(records))),
            Err(err) => {
                tracing::warn!(target: "gateway", "cannot refresh the session summary: {err}");
            }
        }
    }

    /// Closes the store at shutdown: waits for every accepted write to be committed. Requests
    /// still holding the store (a connection that outlived the drain) get a short grace period.
    pub async fn close_store(&self) {
        let Some(mut store) = self.store.lock().ok().and_then(|mut slot| slot.take()) else {
            return;
        };
        let deadline = Instant::now() + STORE_CLOSE_GRACE;
        let store = loop {
            match Arc::try_unwrap(store) {
                Ok(store) => break store,
                Err(shared) if Instant::now() < deadline => {
                    store = shared;
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                Err(_) => {
                    tracing::warn!(
                        target: "gateway",
                        "session store still in use at shutdown; its queued writes finish without being awaited"
                    );
                    return;
                }
            }
        };
        if let Err(err) = store.close().await {
            tracing::error!(target: "gateway", "closing the session store failed: {err}");
        }
    }

    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Acquire) {
            0 => Phase::Starting,
            1 => Phase::Started,
            _ => Phase::Draining,
        }
    }

    pub fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Release);
    }

    pub fn uptime_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Publishes an event to every connection (no receivers is fine).
    pub fn broadcast(&self, event: &'static str, payload: serde_json::Value) {
        // Nobody listening: skip the serialization.
        if self.bus.receiver_count() == 0 {
            return;
        }
        let state_version = matches!(event, "presence" | "health")
            .then(|| self.state_version())
            .map(|(presence, health)| openclaw_protocol::StateVersion { presence, health });
        let frame = openclaw_protocol::SharedEventFrame::new(event, &payload, state_version);
        let _ = self.bus.send(Arc::new(BusEvent {
            event,
            frame,
            frame_v4: None,
            droppable: false,
        }));
    }

    /// Publishes an event whose payload differs between protocol 3 and 4 clients.
    pub fn broadcast_versioned(
        &self,
        event: &'static str,
        v3: &serde_json::Value,
        v4: &serde_json::Value,
        droppable: bool,
    ) {
        if self.bus.receiver_count() == 0 {
            return;
        }
        let has_v3 = self.clients_v3.load(Ordering::Acquire) > 0;
        let has_v4 = self.clients_v4.load(Ordering::Acquire) > 0;
        let render = |payload| openclaw_protocol::SharedEventFrame::new(event, payload, None);
        let (frame, frame_v4) = match (has_v3, has_v4) {
            (true, true) => (render(v3), Some(render(v4))),
            (false, true) => (render(v4), None),
            _ => (render(v3), None),
        };
        let _ = self.bus.send(Arc::new(BusEvent {
            event,
            frame,
            frame_v4,
            droppable,
        }));
    }

    /// Broadcasts a fresh `health` snapshot under a new health version (after each connect and
    /// on the periodic refresh), so `stateVersion.health` tells clients which one is newer.
    pub fn broadcast_health(&self) {
        let payload = crate::methods::health::health_payload(self, &self.snapshot.load());
        self.health_version.fetch_add(1, Ordering::Relaxed);
        self.broadcast("health", payload);
    }

    /// Notes the bound port in the lock file for local CLI discovery (best effort).
    pub fn record_bound_port(&self, port: u16) {
        if let Ok(mut guard) = self.lock.lock()
            && let Some(lock) = guard.as_mut()
            && let Err(err) = lock.record_port(port)
        {
            tracing::debug!(target: "gateway", "cannot record port in lock file: {err}");
        }
    }

    /// Releases the single-instance lock (at the very end of shutdown).
    pub fn release_lock(&self) {
        if let Ok(mut guard) = self.lock.lock() {
            guard.take();
        }
    }

    /// Asks the serve loop for an in-process restart (kept if one is already pending).
    pub fn request_restart(&self, reason: &str) {
        if let Ok(mut slot) = self.restart_reason.lock() {
            slot.get_or_insert_with(|| reason.to_string());
        }
        self.restart_requested.notify_one();
    }

    pub fn take_restart_reason(&self) -> Option<String> {
        self.restart_reason.lock().ok().and_then(|mut r| r.take())
    }

    pub fn state_version(&self) -> (u64, u64) {
        (
            self.presence.version(),
            self.health_version.load(Ordering::Relaxed),
        )
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn host_name() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}
