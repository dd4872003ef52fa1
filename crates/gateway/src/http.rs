//! HTTP on the gateway port: probes (as OpenClaw 2026.9.6 has them), `/metrics`, the
//! OpenAI-compatible `/v1/*`, the WebSocket upgrade on any other path, and the Control UI
//! (`control_ui/`) for GET/HEAD of its own pages; everything else is 404.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::state::{Phase, Shared};
use crate::ws;

/// Per-serve-loop state handed to handlers.
#[derive(Clone)]
pub struct AppState {
    pub shared: Arc<Shared>,
    /// Cancelled when this serve loop stops (shutdown or in-process restart).
    pub stop: CancellationToken,
    /// Owns every WebSocket task so the stop sequence can await them.
    pub sockets: TaskTracker,
    pub handshake_permits: Arc<Semaphore>,
}

/// Read buffer of one WS connection (see the upgrade in [`fallback`]).
const WS_READ_BUFFER_BYTES: usize = 8 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/health", get(live))
        .route("/healthz", get(live))
        .route("/startup", get(startup))
        .route("/startupz", get(startup))
        .route("/ready", get(ready))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .merge(
            crate::openai_http::routes().route_layer(axum::middleware::from_fn_with_state(
                state.clone(),
                upgrade_first,
            )),
        )
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

fn is_ws_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// OpenClaw upgrades a WebSocket on any path; the `/v1/*` routes must not swallow one.
async fn upgrade_first(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    if is_ws_upgrade(request.headers()) {
        return fallback(State(state), ConnectInfo(peer), request).await;
    }
    next.run(request).await
}

async fn count_requests(
    State(state): State<AppState>,
    request: Request,
    next: axum::middleware::Next,
) -> Response {
    state.shared.metrics.http_requests.inc();
    next.run(request).await
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

async fn live() -> Response {
    json_response(StatusCode::OK, json!({"ok": true, "status": "live"}))
}

async fn startup(State(state): State<AppState>) -> Response {
    match state.shared.phase() {
        Phase::Started => json_response(StatusCode::OK, json!({"ok": true, "status": "started"})),
        Phase::Starting => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"ok": false, "status": "starting"}),
        ),
        Phase::Draining => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"ok": false, "status": "draining"}),
        ),
    }
}

/// Loopback callers and callers presenting the gateway secret see details.
fn may_see_details(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    let snapshot = state.shared.snapshot.load();
    let trusted = snapshot.config().trusted_proxies();
    if ws::classify(peer, headers, trusted).is_local {
        return true;
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match (presented, snapshot.serve.auth.active_secret()) {
        (Some(given), Some(secret)) => crate::auth::secrets_equal(given, secret),
        _ => false,
    }
}

async fn ready(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let phase = state.shared.phase();
    // A channel account that gave up (bad token, missing intent, too many failed restarts) or
    // cannot be configured makes the gateway unready: it is up but not doing its job. One that
    // is merely reconnecting does not (that is routine and heals itself).
    let accounts = state.shared.channels.statuses();
    let failing: Vec<String> = accounts
        .iter()
        .filter(|a| {
            a.enabled
                && matches!(
                    a.state,
                    openclaw_channels::status::ConnectionState::GaveUp
                        | openclaw_channels::status::ConnectionState::Misconfigured
                )
        })
        .map(|a| format!("{}:{}", a.channel, a.account_id))
        .collect();
    let ready = phase == Phase::Started && failing.is_empty();
    let status = match phase {
        Phase::Started if failing.is_empty() => "ready",
        Phase::Started => "degraded",
        Phase::Starting => "starting",
        Phase::Draining => "draining",
    };
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    if !may_see_details(&state, peer, &headers) {
        return json_response(code, json!({"ok": ready, "status": status}));
    }
    let mut channels = serde_json::Map::new();
    for account in &accounts {
        channels.insert(
            format!("{}:{}", account.channel, account.account_id),
            json!({"state": account.state.as_str(), "lastError": account.last_error}),
        );
    }
    json_response(
        code,
        json!({
            "ok": ready,
            "status": status,
            "ready": ready,
            "failing": failing,
            "uptimeMs": state.shared.uptime_ms(),
            "channels": channels,
        }),
    )
}

async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !may_see_details(&state, peer, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "Unauthorized: /metrics needs a loopback caller or Authorization: Bearer <gateway token>\n",
        )
            .into_response();
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.shared.metrics.encode(),
    )
        .into_response()
}

async fn fallback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let is_upgrade = is_ws_upgrade(request.headers());
    if !is_upgrade {
        return crate::control_ui::serve(
            &state.shared,
            request.method(),
            request.uri(),
            request.headers(),
        )
        .unwrap_or_else(|| (StatusCode::NOT_FOUND, "Not Found").into_response());
    }
    let (mut parts, _body) = request.into_parts();
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    if state.shared.phase() == Phase::Draining {
        return (StatusCode::SERVICE_UNAVAILABLE, "gateway is shutting down").into_response();
    }
    let Ok(permit) = state.handshake_permits.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many pending handshakes; retry shortly",
        )
            .into_response();
    };
    let snapshot = state.shared.snapshot.load();
    let client = ws::classify(peer, &parts.headers, snapshot.config().trusted_proxies());
    let shared = state.shared.clone();
    let stop = state.stop.clone();
    let sockets = state.sockets.clone();
    upgrade
        .max_message_size(openclaw_protocol::MAX_FRAME_BYTES_ANY_VERSION)
        // tungstenite zero-fills its whole read buffer before every socket read; the default
        // 128 KiB per connection costs a 128 KiB memset per frame and that much resident memory
        // per client. Requests are small; a larger frame still grows the buffer as needed.
        .read_buffer_size(WS_READ_BUFFER_BYTES)
        .on_upgrade(move |socket| {
            sockets.track_future(async move {
                ws::serve_socket(shared, socket, client, stop, permit).await;
            })
        })
}
