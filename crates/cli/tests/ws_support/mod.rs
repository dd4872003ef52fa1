//! Shared helpers for the WebSocket end-to-end tests (`tests/ws_*.rs`).
//!
//! Every test starts the real `openclaw` binary in its own temp state dir on a free loopback
//! port ([`start_gateway`]) and talks to it over a real socket. [`Session`] is a raw client that
//! keeps *every* frame it receives, so a test can check afterwards that a protocol 3 connection
//! never saw a frame the 2026.1.29 client would drop ([`v3_violations`], backed by a trimmed copy
//! of the shipped v3 JSON Schema in `fixtures/protocol/v3-frame-schema.json`).
//!
//! Each `ws_*.rs` file is its own test crate and uses a different subset of these helpers.

#![allow(dead_code)]

pub mod schema;

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use openclaw_testkit::{GatewayProcess, GatewaySpawn, HandshakeOptions, StateDir, connect_params};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

// Not every test crate checks v3 frames.
#[allow(unused_imports)]
pub use schema::v3_violations;

/// The shared gateway token every test gateway is started with.
pub const TOKEN: &str = "e2e-shared-token-6f1c2a9b";
/// Upper bound for anything that should happen "at once" (generous for a loaded 2-core box).
pub const WAIT: Duration = Duration::from_secs(15);
/// How long a test listens for something that must NOT happen (a close, a stray frame). On a
/// slow machine such a check can only miss a failure, never fail a correct gateway.
pub const QUIET: Duration = Duration::from_millis(300);

/// Path of the binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_openclaw"))
}

/// A running gateway plus where its file log goes.
pub struct Gateway {
    pub process: GatewayProcess,
    pub log_file: PathBuf,
}

impl Gateway {
    pub fn url(&self) -> String {
        self.process.url()
    }

    pub fn state_dir(&self) -> &Path {
        self.process.state_dir()
    }
}

/// Deep-merges `patch` into `base` (objects merge key by key, everything else replaces).
pub fn merge_json(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                merge_json(base.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}

/// Starts a token-auth loopback gateway whose config is the base config merged with `extra`,
/// logging to `<state>/gateway.log`, and waits until `/health` answers.
pub async fn start_gateway(extra: Value) -> anyhow::Result<Gateway> {
    start_gateway_with_args(extra, &[]).await
}

/// [`start_gateway`] with extra `openclaw gateway` arguments (e.g. `--verbose`).
pub async fn start_gateway_with_args(extra: Value, args: &[&str]) -> anyhow::Result<Gateway> {
    // The free port is picked, released and then bound by the child, so another process (or
    // one of our own client sockets) can take it in between. Only that race is retried.
    const ATTEMPTS: usize = 3;
    let mut attempt = 1;
    loop {
        let state = tempfile::Builder::new()
            .prefix("openclaw-e2e-state-")
            .tempdir()
            .context("creating a temp state dir")?;
        let log_file = state.path().join("gateway.log");
        let mut config = json!({
            "gateway": {
                "mode": "local",
                "bind": "loopback",
                "auth": {"mode": "token", "token": TOKEN},
            },
            "logging": {"file": log_file.display().to_string()},
        });
        merge_json(&mut config, &extra);
        let spawn = GatewaySpawn::new(bin())
            .args(["gateway"])
            .args(args.iter().copied())
            .state_dir(StateDir::Temp(state))
            .config_json(config);
        let mut process = GatewayProcess::spawn(spawn).await?;
        match process.wait_healthy(Duration::from_secs(20)).await {
            Ok(()) => return Ok(Gateway { process, log_file }),
            Err(err) => {
                let port_taken = process
                    .output()
                    .iter()
                    .any(|line| line.contains("already listening on"));
                if !port_taken || attempt == ATTEMPTS {
                    return Err(err);
                }
                attempt += 1;
            }
        }
    }
}

/// What arrived on a socket.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A text (or binary) frame that parsed as JSON.
    Json(Value),
    /// A text frame that is not JSON.
    Text(String),
    /// The server's close frame: code and reason (1005 when it carried none).
    Close(u16, String),
    /// The TCP stream ended (or failed) without a close frame.
    Ended(String),
}

/// A raw WebSocket client that records every JSON frame it receives.
pub struct Session {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Every JSON frame received, in order.
    pub received: Vec<Value>,
    /// Received frames not yet consumed by `request`/`next_event`/`next_json`.
    unread: VecDeque<Value>,
    next_id: u64,
}

impl Session {
    /// Opens the socket; nothing is read yet.
    pub async fn open(url: &str) -> anyhow::Result<Session> {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .with_context(|| format!("WebSocket connect to {url}"))?;
        Ok(Session {
            socket,
            received: Vec::new(),
            unread: VecDeque::new(),
            next_id: 0,
        })
    }

    /// Like [`Session::open`], with extra HTTP headers on the upgrade request (e.g. proxy
    /// headers that make the gateway treat the client as remote).
    pub async fn open_with_headers(url: &str, headers: &[(&str, &str)]) -> anyhow::Result<Session> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
        let mut request = url.into_client_request()?;
        for (name, value) in headers {
            request.headers_mut().insert(
                HeaderName::from_bytes(name.as_bytes())?,
                HeaderValue::from_str(value)?,
            );
        }
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .with_context(|| format!("WebSocket connect to {url}"))?;
        Ok(Session {
            socket,
            received: Vec::new(),
            unread: VecDeque::new(),
            next_id: 0,
        })
    }

    /// Like [`Session::open`], but the TCP connection leaves from `local_ip` (any 127.x.y.z
    /// address works on Linux loopback), so the gateway sees a different client address.
    pub async fn open_from(url: &str, local_ip: std::net::IpAddr) -> anyhow::Result<Session> {
        let authority = url
            .strip_prefix("ws://")
            .context("open_from needs a ws:// URL")?;
        let server: std::net::SocketAddr = authority.trim_end_matches('/').parse()?;
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket
            .bind((local_ip, 0).into())
            .with_context(|| format!("binding the client side to {local_ip}"))?;
        let stream = socket.connect(server).await?;
        let (socket, _) =
            tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await?;
        Ok(Session {
            socket,
            received: Vec::new(),
            unread: VecDeque::new(),
            next_id: 0,
        })
    }

    pub async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.socket
            .send(Message::text(text))
            .await
            .context("sending a text frame")
    }

    pub async fn send_json(&mut self, frame: &Value) -> anyhow::Result<()> {
        self.send_text(&frame.to_string()).await
    }

    /// Reads the next message from the socket (not from `unread`).
    pub async fn read(&mut self, timeout: Duration) -> anyhow::Result<Incoming> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .map_err(|_| anyhow!("nothing received within {timeout:?}"))?;
            let text = match next {
                None => return Ok(Incoming::Ended("stream ended".into())),
                Some(Err(err)) => return Ok(Incoming::Ended(err.to_string())),
                Some(Ok(Message::Close(frame))) => {
                    return Ok(frame
                        .map(|f| Incoming::Close(u16::from(f.code), f.reason.to_string()))
                        .unwrap_or(Incoming::Close(1005, String::new())));
                }
                Some(Ok(Message::Text(text))) => text.to_string(),
                Some(Ok(Message::Binary(bytes))) => String::from_utf8_lossy(&bytes).into_owned(),
                Some(Ok(_)) => continue,
            };
            return Ok(match serde_json::from_str::<Value>(&text) {
                Ok(value) => {
                    self.received.push(value.clone());
                    Incoming::Json(value)
                }
                Err(_) => Incoming::Text(text),
            });
        }
    }

    /// The next JSON frame, unread ones first; fails on close or non-JSON.
    pub async fn next_json(&mut self, timeout: Duration) -> anyhow::Result<Value> {
        if let Some(frame) = self.unread.pop_front() {
            return Ok(frame);
        }
        match self.read(timeout).await? {
            Incoming::Json(value) => Ok(value),
            other => bail!("expected a JSON frame, got {other:?}"),
        }
    }

    /// Waits for the close frame, failing if any data frame arrives first.
    pub async fn expect_close_without_frames(
        &mut self,
        timeout: Duration,
    ) -> anyhow::Result<(u16, String)> {
        match self.read(timeout).await? {
            Incoming::Close(code, reason) => Ok((code, reason)),
            other => bail!("expected a close frame and nothing else, got {other:?}"),
        }
    }

    /// Waits for the close frame, skipping (and recording) data frames.
    pub async fn expect_close(&mut self, timeout: Duration) -> anyhow::Result<(u16, String)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read(left).await? {
                Incoming::Close(code, reason) => return Ok((code, reason)),
                Incoming::Ended(why) => bail!("connection ended without a close frame: {why}"),
                Incoming::Json(frame) => self.unread.push_back(frame),
                Incoming::Text(_) => {}
            }
        }
    }

    /// Reads `connect.challenge` (must be the very first frame) and returns its payload.
    pub async fn challenge(&mut self) -> anyhow::Result<Value> {
        let frame = self.next_json(WAIT).await?;
        if frame["type"] != "event" || frame["event"] != "connect.challenge" {
            bail!("first frame is not connect.challenge: {frame}");
        }
        Ok(frame["payload"].clone())
    }

    /// Sends a request and waits for its response; other frames stay unread.
    /// `Ok(payload)` or `Err(error object)`.
    pub async fn request(
        &mut self,
        method: &str,
        params: Value,
    ) -> anyhow::Result<Result<Value, Value>> {
        self.next_id += 1;
        let id = format!("e2e-{}", self.next_id);
        self.send_json(&json!({"type": "req", "id": id, "method": method, "params": params}))
            .await?;
        let response = self
            .response_to(&id, WAIT)
            .await
            .with_context(|| format!("waiting for the {method} response"))?;
        Ok(split_response(&response))
    }

    /// The `res` frame answering `id`; frames in between stay unread.
    pub async fn response_to(&mut self, id: &str, timeout: Duration) -> anyhow::Result<Value> {
        let is_it = |f: &Value| f["type"] == "res" && f["id"] == id;
        if let Some(index) = self.unread.iter().position(is_it) {
            return self.unread.remove(index).context("unread index");
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read(left).await? {
                Incoming::Json(frame) if is_it(&frame) => return Ok(frame),
                Incoming::Json(frame) => self.unread.push_back(frame),
                other => bail!("connection gave {other:?} while waiting for response {id}"),
            }
        }
    }

    /// The next `event` frame named `name`; other frames stay unread.
    pub async fn next_event(&mut self, name: &str, timeout: Duration) -> anyhow::Result<Value> {
        let is_it = |f: &Value| f["type"] == "event" && f["event"] == name;
        if let Some(index) = self.unread.iter().position(is_it) {
            return self.unread.remove(index).context("unread index");
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read(left).await {
                Ok(Incoming::Json(frame)) if is_it(&frame) => return Ok(frame),
                Ok(Incoming::Json(frame)) => self.unread.push_back(frame),
                Ok(other) => bail!("connection gave {other:?} while waiting for {name:?}"),
                Err(err) => return Err(err.context(format!("no {name:?} event"))),
            }
        }
    }

    /// The next `event` frame named `name` whose payload satisfies `wanted`; every other frame
    /// (including other `name` events) stays unread.
    pub async fn next_event_where(
        &mut self,
        name: &str,
        wanted: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        let is_it = |f: &Value| f["type"] == "event" && f["event"] == name && wanted(&f["payload"]);
        if let Some(index) = self.unread.iter().position(is_it) {
            return self.unread.remove(index).context("unread index");
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read(left).await {
                Ok(Incoming::Json(frame)) if is_it(&frame) => return Ok(frame),
                Ok(Incoming::Json(frame)) => self.unread.push_back(frame),
                Ok(other) => bail!("connection gave {other:?} while waiting for {name:?}"),
                Err(err) => return Err(err.context(format!("no matching {name:?} event"))),
            }
        }
    }

    /// Frames received but not consumed yet (drains them).
    pub fn take_unread(&mut self) -> Vec<Value> {
        self.unread.drain(..).collect()
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

/// `Ok(payload)` for `ok:true`, else `Err(error)`.
pub fn split_response(frame: &Value) -> Result<Value, Value> {
    if frame["ok"] == true {
        Ok(frame.get("payload").cloned().unwrap_or(Value::Null))
    } else {
        Err(frame.get("error").cloned().unwrap_or(Value::Null))
    }
}

/// Opens a session, reads the challenge and sends the connect frame built from `options`
/// (signed with the challenge nonce when `options.device` is set). Returns the session, the
/// challenge payload and the connect response frame.
pub async fn handshake(
    url: &str,
    options: &HandshakeOptions<'_>,
) -> anyhow::Result<(Session, Value, Value)> {
    handshake_on(Session::open(url).await?, options).await
}

/// [`handshake`] on an already opened session.
pub async fn handshake_on(
    mut session: Session,
    options: &HandshakeOptions<'_>,
) -> anyhow::Result<(Session, Value, Value)> {
    let challenge = session.challenge().await?;
    let nonce = challenge["nonce"].as_str().map(str::to_owned);
    let connect = json!({
        "type": "req",
        "id": "connect-1",
        "method": "connect",
        "params": connect_params(options, nonce.as_deref()),
    });
    session.send_json(&connect).await?;
    let response = session.response_to("connect-1", WAIT).await?;
    Ok((session, challenge, response))
}

/// [`handshake`] that must succeed; returns the session and the hello-ok payload.
pub async fn connect_ok(
    url: &str,
    options: &HandshakeOptions<'_>,
) -> anyhow::Result<(Session, Value)> {
    let (session, _challenge, response) = handshake(url, options).await?;
    match split_response(&response) {
        Ok(hello) if hello["type"] == "hello-ok" => Ok((session, hello)),
        _ => bail!("connect was not answered with hello-ok: {response}"),
    }
}

/// 2026.1.29 CLI-shaped options (protocol 3, admin scopes) with our token.
pub fn v3_cli() -> HandshakeOptions<'static> {
    HandshakeOptions {
        token: Some(TOKEN.into()),
        ..HandshakeOptions::default()
    }
}

/// 2026.9.6 CLI-shaped options (protocol 4) with our token and the given scopes.
pub fn v4_cli(scopes: &[&str]) -> HandshakeOptions<'static> {
    HandshakeOptions {
        min_protocol: 4,
        max_protocol: 4,
        client_version: "2026.9.6".into(),
        device_family: Some("Linux".into()),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        token: Some(TOKEN.into()),
        ..HandshakeOptions::default()
    }
}

/// Sorted key names of an object (empty for non-objects).
pub fn keys_of(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

/// Every output line of the gateway plus the file log, for secret-leak checks.
pub fn all_gateway_text(gateway: &Gateway) -> String {
    let mut text = gateway.process.output().join("\n");
    if let Ok(log) = std::fs::read_to_string(&gateway.log_file) {
        text.push('\n');
        text.push_str(&log);
    }
    text
}
