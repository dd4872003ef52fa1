//! The serve loop: bind, serve HTTP + WS until shutdown or an in-process restart, then stop
//! in OpenClaw's order (`shutdown` event, close sockets with 1012, close listeners).
//! A restart re-reads the config and re-binds; the process, its lock and its log stay.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use openclaw_config as cfg;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::bind;
use crate::http::{AppState, router};
use crate::settings;
use crate::state::{Phase, Shared, Snapshot, StopKind};
use crate::ws::MAX_PENDING_HANDSHAKES;

/// How long connections get to close after the `shutdown` event.
const SOCKET_DRAIN: Duration = Duration::from_secs(2);
/// Interval of the periodic `health` broadcast (OpenClaw: 60 s).
const HEALTH_REFRESH: Duration = Duration::from_secs(60);
/// OpenClaw tells clients to expect the restarted gateway this soon.
const RESTART_EXPECTED_MS: u64 = 1500;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Bind(#[from] bind::BindError),
    #[error("cannot serve on {addr}: {source}")]
    Serve {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

/// Runs until shutdown. Returns an error only when the first bind fails.
pub async fn serve(shared: Arc<Shared>) -> Result<(), ServeError> {
    let mut first = true;
    loop {
        let snapshot = shared.snapshot.load_full();
        let listeners = match bind::bind_listeners(snapshot.serve.host, snapshot.serve.port).await {
            Ok(l) => l,
            Err(err) if first => return Err(err.into()),
            Err(err) => {
                tracing::error!(target: "gateway", "restart failed: {err}; shutting down");
                return Err(err.into());
            }
        };
        let addrs: Vec<SocketAddr> = listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect();
        let pid = std::process::id();
        if let Some(addr) = addrs.first() {
            shared.record_bound_port(addr.port());
        }
        for (i, addr) in addrs.iter().enumerate() {
            if i == 0 {
                tracing::info!(target: "gateway", "listening on ws://{addr} (PID {pid})");
            } else {
                tracing::info!(target: "gateway", "listening on ws://{addr}");
            }
        }
        if first && let Some(log) = shared.log.as_ref() {
            tracing::info!(target: "gateway", "log file: {}", log.file_path().display());
        }
        // After every (re)start: the sentinel `config.patch`/`config.apply` leave behind is
        // what an in-process restart has to report, not only a fresh process.
        crate::restart::consume_sentinel(&shared);
        first = false;

        let stop = CancellationToken::new();
        let sockets = TaskTracker::new();
        let state = AppState {
            shared: shared.clone(),
            stop: stop.clone(),
            sockets: sockets.clone(),
            handshake_permits: Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES)),
        };
        let app = router(state);
        let servers = TaskTracker::new();
        for listener in listeners {
            let app = app.clone();
            let stop = stop.clone();
            servers.spawn(async move {
                let service = app.into_make_service_with_connect_info::<SocketAddr>();
                // Replies and events are small frames written as they happen: without
                // TCP_NODELAY, Nagle holds each one until the peer's delayed ACK (~40 ms).
                let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                let result = axum::serve(listener, service)
                    .with_graceful_shutdown(async move { stop.cancelled().await })
                    .await;
                if let Err(err) = result {
                    tracing::error!(target: "gateway", "listener stopped: {err}");
                }
            });
        }
        servers.close();
        let watcher = crate::reload::spawn_watcher(shared.clone(), stop.clone());
        let health_refresh = spawn_health_refresh(shared.clone(), stop.clone());
        shared.set_phase(Phase::Started);
        tracing::info!(target: "gateway", "gateway ready");

        let kind = tokio::select! {
            _ = shared.shutdown.cancelled() => StopKind::Shutdown,
            _ = shared.restart_requested.notified() => StopKind::Restart,
        };
        let (reason, expected) = match kind {
            StopKind::Shutdown => ("gateway stopping", serde_json::Value::Null),
            StopKind::Restart => ("gateway restarting", json!(RESTART_EXPECTED_MS)),
        };
        if kind == StopKind::Restart {
            let why = shared
                .take_restart_reason()
                .unwrap_or_else(|| "restart".into());
            tracing::info!(target: "gateway", "restarting gateway in-process ({why})");
        }
        shared.set_phase(Phase::Draining);
        shared.broadcast(
            "shutdown",
            json!({"reason": reason, "restartExpectedMs": expected}),
        );
        // Let connection tasks pick the event up before they are told to close.
        tokio::task::yield_now().await;
        stop.cancel();
        sockets.close();
        let _ = tokio::time::timeout(SOCKET_DRAIN, sockets.wait()).await;
        let _ = tokio::time::timeout(SOCKET_DRAIN, servers.wait()).await;
        let _ = watcher.await;
        let _ = health_refresh.await;
        if kind == StopKind::Shutdown {
            return Ok(());
        }
        reload_for_restart(&shared).await;
        shared.set_phase(Phase::Starting);
    }
}

/// OpenClaw re-broadcasts a fresh `health` snapshot every 60 s; clients use it to stay current.
fn spawn_health_refresh(
    shared: Arc<Shared>,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every =
            tokio::time::interval_at(tokio::time::Instant::now() + HEALTH_REFRESH, HEALTH_REFRESH);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = every.tick() => {
                    // Sessions may change outside `sessions.*` (future agent turns): re-read
                    // them so the broadcast is current.
                    shared.refresh_sessions_summary().await;
                    shared.broadcast_health();
                }
            }
        }
    })
}

/// Re-reads config and re-resolves bind/auth; keeps the old settings if the new ones are
/// unusable (and says why), so a bad edit never takes the gateway down.
async fn reload_for_restart(shared: &Arc<Shared>) {
    let current = shared.snapshot.load_full();
    let path = current.loaded.path.clone();
    let env = shared.env.clone();
    let loaded = match tokio::task::spawn_blocking(move || cfg::load(&path, &env)).await {
        Ok(Ok(loaded)) => loaded,
        Ok(Err(err)) => {
            tracing::error!(target: "gateway", "restart keeps the previous config: {err}");
            return;
        }
        Err(err) => {
            tracing::error!(target: "gateway", "restart keeps the previous config: {err}");
            return;
        }
    };
    let Some(config) = loaded.config.clone() else {
        let issues: Vec<String> = loaded.issues.iter().map(ToString::to_string).collect();
        tracing::error!(
            target: "gateway",
            "restart keeps the previous config (invalid config): {}",
            issues.join("; ")
        );
        return;
    };
    match settings::resolve_serve(&shared.overrides, &loaded.env, &config) {
        Ok(serve) => {
            if let Some(log) = shared.log.as_ref() {
                log.set_secrets(serve.auth.secrets());
            }
            shared.snapshot.store(Arc::new(Snapshot { loaded, serve }));
        }
        Err(refusal) => {
            tracing::error!(
                target: "gateway",
                "restart keeps the previous bind/auth settings: {refusal}"
            );
            shared.snapshot.store(Arc::new(Snapshot {
                loaded,
                serve: current.serve.clone(),
            }));
        }
    }
}
