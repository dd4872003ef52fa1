//! One WebSocket connection from challenge to close.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::{SinkExt, StreamExt};
use openclaw_protocol as proto;
use proto::HandshakeOutcome;
use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use super::{ClientAddr, OUTBOUND_QUEUE};
use crate::methods::{self, ConnInfo};
use crate::state::{BusEvent, Shared, now_ms};

const CLOSE_NORMAL: u16 = proto::CLOSE_NORMAL;
const CLOSE_POLICY: u16 = proto::CLOSE_POLICY_VIOLATION;
const CLOSE_TOO_BIG: u16 = proto::CLOSE_MESSAGE_TOO_BIG;
/// RFC 6455 "service restart", what OpenClaw sends on shutdown and restart.
const CLOSE_RESTART: u16 = 1012;

enum Outbound {
    Text(String),
    Close(u16, String),
    /// Internal to the writer: everything queued has been fed; flush it.
    Flush,
}

/// Drives one socket until the peer leaves or the server stops.
pub async fn serve_socket(
    shared: Arc<Shared>,
    socket: WebSocket,
    client: ClientAddr,
    stop: CancellationToken,
    handshake_permit: OwnedSemaphorePermit,
) {
    let conn_id = uuid::Uuid::new_v4().to_string();
    let (sink, mut stream) = socket.split();
    let (out_tx, out_rx) = mpsc::channel::<Outbound>(OUTBOUND_QUEUE);
    let writer = tokio::spawn(write_loop(sink, out_rx, shared.clone()));
    shared.metrics.ws_connections.inc();
    shared.metrics.ws_connections_total.inc();

    let accepted = handshake(&shared, &mut stream, &out_tx, client, &conn_id, &stop).await;
    drop(handshake_permit);
    if let Some(conn) = accepted {
        run_session(&shared, &mut stream, &out_tx, conn, &stop).await;
    }
    drop(out_tx);
    // The writer drains what is queued (including the close frame) and ends.
    let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
    shared.metrics.ws_connections.dec();
}

async fn write_loop(
    mut sink: futures_util::stream::SplitSink<WebSocket, Message>,
    mut rx: mpsc::Receiver<Outbound>,
    shared: Arc<Shared>,
) {
    while let Some(mut out) = rx.recv().await {
        // Frames already queued go out in one flush (one write syscall for a burst of events).
        while let Outbound::Text(text) = out {
            shared.metrics.frame_out();
            if sink
                .feed(Message::Text(Utf8Bytes::from(text)))
                .await
                .is_err()
            {
                return;
            }
            match rx.try_recv() {
                Ok(next) => out = next,
                Err(_) => {
                    out = Outbound::Flush;
                    break;
                }
            }
        }
        match out {
            Outbound::Text(_) => {}
            Outbound::Flush => {
                if sink.flush().await.is_err() {
                    return;
                }
            }
            Outbound::Close(code, reason) => {
                let frame = CloseFrame {
                    code,
                    reason: Utf8Bytes::from(proto::truncate_close_reason(&reason)),
                };
                let _ = sink.send(Message::Close(Some(frame))).await;
                let _ = sink.close().await;
                return;
            }
        }
    }
}

enum Incoming {
    Text(String),
    TooBig,
    NotText,
    Closed,
}

async fn next_frame(
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    max_bytes: usize,
) -> Incoming {
    loop {
        match stream.next().await {
            None | Some(Err(_)) => return Incoming::Closed,
            Some(Ok(Message::Text(text))) => {
                if text.len() > max_bytes {
                    return Incoming::TooBig;
                }
                return Incoming::Text(text.as_str().to_string());
            }
            Some(Ok(Message::Binary(bytes))) => {
                if bytes.len() > max_bytes {
                    return Incoming::TooBig;
                }
                return Incoming::NotText;
            }
            Some(Ok(Message::Close(_))) => return Incoming::Closed,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
        }
    }
}

async fn send_text(out: &mpsc::Sender<Outbound>, text: String) -> bool {
    out.send(Outbound::Text(text)).await.is_ok()
}

async fn close(out: &mpsc::Sender<Outbound>, code: u16, reason: &str) {
    let _ = out.send(Outbound::Close(code, reason.to_string())).await;
}

async fn handshake(
    shared: &Arc<Shared>,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    out: &mpsc::Sender<Outbound>,
    client: ClientAddr,
    conn_id: &str,
    stop: &CancellationToken,
) -> Option<ConnInfo> {
    let nonce = uuid::Uuid::new_v4().to_string();
    let challenge = proto::challenge_event(&nonce, now_ms());
    if !send_text(out, challenge).await {
        return None;
    }
    let first = tokio::select! {
        _ = stop.cancelled() => {
            close(out, CLOSE_RESTART, "service restart").await;
            return None;
        }
        first = tokio::time::timeout(
            proto::HANDSHAKE_TIMEOUT,
            next_frame(stream, proto::PRE_AUTH_MAX_FRAME_BYTES),
        ) => first,
    };
    let text = match first {
        Err(_) => {
            shared.metrics.handshake("timeout");
            close(out, CLOSE_NORMAL, "handshake timeout").await;
            return None;
        }
        Ok(Incoming::Closed) => return None,
        Ok(Incoming::TooBig) => {
            shared.metrics.handshake("too_big");
            close(out, CLOSE_TOO_BIG, "payload too large").await;
            return None;
        }
        Ok(Incoming::NotText) => {
            shared.metrics.handshake("invalid");
            close(
                out,
                CLOSE_POLICY,
                "invalid handshake: expected a text frame",
            )
            .await;
            return None;
        }
        Ok(Incoming::Text(text)) => text,
    };
    shared.metrics.frame_in();

    let snapshot = shared.snapshot.load_full();
    let policy = snapshot.serve.rate_limit;
    let now = Instant::now();
    if let Some(retry_after) = shared.limiter.check(&policy, client.ip, now) {
        shared.metrics.handshake("rate_limited");
        tracing::warn!(
            target: "gateway/ws",
            "connect refused conn={conn_id} remote={}: locked out for another {}s after repeated auth failures",
            client.ip,
            retry_after.as_secs()
        );
        let id = proto::request_id_hint(&text);
        let retry_ms = u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX);
        let err = proto::ErrorShape::new(
            proto::ErrorCode::INVALID_REQUEST,
            "unauthorized: too many failed authentication attempts (retry later)",
        )
        .with_details(json!({"code": "AUTH_RATE_LIMITED"}))
        .with_retry(true, Some(retry_ms));
        send_text(out, proto::ResponseFrame::err(id, err).to_json()).await;
        close(
            out,
            CLOSE_POLICY,
            "unauthorized: too many failed authentication attempts",
        )
        .await;
        return None;
    }

    let ctx = proto::HandshakeContext {
        challenge_nonce: nonce,
        now_ms: now_ms(),
        auth: auth_policy(&snapshot.serve.auth),
        is_local_client: client.is_local,
    };
    match proto::evaluate_connect(&text, &ctx) {
        HandshakeOutcome::Reject(rejection) => {
            if rejection.kind == proto::RejectKind::AuthFailed {
                shared.metrics.auth_failures.inc();
                tracing::warn!(
                    target: "gateway/ws",
                    "unauthorized conn={conn_id} remote={} reason={}",
                    client.ip,
                    rejection.close_reason
                );
                if let Some(lockout) = shared.limiter.record_failure(&policy, client.ip, now) {
                    shared.metrics.auth_lockouts.inc();
                    tracing::warn!(
                        target: "gateway/ws",
                        "auth rate limit: {} locked out for {}s after repeated failures",
                        client.ip,
                        lockout.as_secs()
                    );
                }
                shared.metrics.handshake("unauthorized");
            } else {
                shared.metrics.handshake("rejected");
            }
            if let Some(response) = rejection.response {
                send_text(out, response).await;
            }
            close(out, rejection.close_code, &rejection.close_reason).await;
            None
        }
        HandshakeOutcome::Accept(accepted) => {
            shared.limiter.record_success(client.ip);
            shared.metrics.handshake("ok");
            let conn = ConnInfo::new(conn_id.to_string(), *accepted, client);
            let hello = methods::hello::build_hello(shared, &snapshot, &conn);
            if !send_text(out, hello).await {
                return None;
            }
            tracing::debug!(
                target: "gateway/ws",
                "connected conn={} client={} mode={} protocol={} remote={}",
                conn.conn_id,
                conn.accepted.client.id,
                conn.accepted.client.mode,
                conn.version().as_u32(),
                client.ip
            );
            Some(conn)
        }
    }
}

fn auth_policy(auth: &crate::settings::AuthSettings) -> proto::AuthPolicy {
    match (auth.mode, auth.active_secret()) {
        (crate::settings::AuthMode::Token, Some(t)) => proto::AuthPolicy::Token(t.to_string()),
        (crate::settings::AuthMode::Password, Some(p)) => {
            proto::AuthPolicy::Password(p.to_string())
        }
        _ => proto::AuthPolicy::None,
    }
}

async fn run_session(
    shared: &Arc<Shared>,
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    out: &mpsc::Sender<Outbound>,
    conn: ConnInfo,
    stop: &CancellationToken,
) {
    // Counted before subscribing: every event this connection can receive is rendered in its
    // shape (see `Shared::broadcast_versioned`).
    let _counted = VersionCount::new(shared, conn.version());
    let mut events = shared.bus.subscribe();
    let mut seq: u64 = 0;
    let tracked = conn.presence_key();
    if let Some((key, entry)) = &tracked
        && shared.presence.upsert(key.clone(), entry.clone())
    {
        shared.broadcast("presence", json!({"presence": shared.presence.list()}));
    }
    shared.broadcast_health();

    let tick_every = Duration::from_millis(proto::TICK_INTERVAL_MS);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + tick_every, tick_every);
    let max_frame = conn.version().max_payload_bytes();
    // Second-stage replies (`agent`, `agent.wait`); cancelled with the connection (the runs
    // themselves belong to the agent runtime and continue).
    let deferred = tokio_util::task::TaskTracker::new();
    let conn_closed = CancellationToken::new();
    loop {
        tokio::select! {
            _ = stop.cancelled() => {
                // Forward what is already on the bus (the `shutdown` event) before closing.
                while let Ok(event) = events.try_recv() {
                    forward_event(out, &conn, &mut seq, &event);
                }
                // Give the writer a moment to flush the shutdown event.
                close(out, CLOSE_RESTART, "service restart").await;
                break;
            }
            _ = tick.tick() => {
                seq += 1;
                let frame = proto::EventFrame::new("tick", json!({"ts": now_ms()})).with_seq(seq);
                let _ = out.try_send(Outbound::Text(frame.to_json()));
            }
            event = events.recv() => match event {
                Ok(event) => forward_event(out, &conn, &mut seq, &event),
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            incoming = next_frame(stream, max_frame) => match incoming {
                Incoming::Closed => break,
                Incoming::TooBig => {
                    close(out, CLOSE_TOO_BIG, "payload too large").await;
                    break;
                }
                Incoming::NotText => {
                    let err = proto::ErrorShape::new(
                        proto::ErrorCode::INVALID_REQUEST,
                        "invalid request frame: binary frames are not supported",
                    );
                    if !respond(out, proto::ResponseFrame::err("invalid".to_string(), err)).await {
                        break;
                    }
                }
                Incoming::Text(text) => {
                    shared.metrics.frame_in();
                    let handled = methods::handle_frame(shared, &conn, &text).await;
                    if let Some(response) = handled.now
                        && !respond(out, response).await
                    {
                        break;
                    }
                    if let Some(later) = handled.later {
                        let out = out.clone();
                        let closed = conn_closed.clone();
                        deferred.spawn(async move {
                            tokio::select! {
                                frame = later => {
                                    let _ = out.send(Outbound::Text(frame.to_json())).await;
                                }
                                () = closed.cancelled() => {}
                            }
                        });
                    }
                }
            },
        }
    }
    conn_closed.cancel();
    deferred.close();
    deferred.wait().await;
    if let Some((key, _)) = tracked
        && shared.presence.remove(&key)
    {
        shared.broadcast("presence", json!({"presence": shared.presence.list()}));
    }
}

/// Holds a connection in `Shared::clients_v3`/`clients_v4` for its lifetime.
struct VersionCount<'a> {
    counter: &'a std::sync::atomic::AtomicUsize,
}

impl<'a> VersionCount<'a> {
    fn new(shared: &'a Shared, version: proto::ProtocolVersion) -> Self {
        let counter = match version {
            proto::ProtocolVersion::V3 => &shared.clients_v3,
            proto::ProtocolVersion::V4 => &shared.clients_v4,
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        Self { counter }
    }
}

impl Drop for VersionCount<'_> {
    fn drop(&mut self) {
        self.counter
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// Queues a response; a full queue means the client is not reading: close it.
async fn respond(out: &mpsc::Sender<Outbound>, frame: proto::ResponseFrame) -> bool {
    match out.try_send(Outbound::Text(frame.to_json())) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            close(out, CLOSE_POLICY, "slow consumer").await;
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

fn forward_event(out: &mpsc::Sender<Outbound>, conn: &ConnInfo, seq: &mut u64, event: &BusEvent) {
    if !conn.may_receive(event.event) {
        return;
    }
    // A connection more than half backed up skips progress events, so its queue keeps room
    // for the ones that end a run; the skipped `seq` tells the client it missed something.
    if event.droppable && out.capacity() < out.max_capacity() / 2 {
        *seq += 1;
        return;
    }
    *seq += 1;
    let text = event.frame_for(conn.version()).render(*seq);
    // dropIfSlow: a full queue loses this event, the client sees the seq gap and refreshes.
    let _ = out.try_send(Outbound::Text(text));
}
