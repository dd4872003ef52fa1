//! WebSocket client for protocol tests: raw frames for handshake edge cases, and a
//! `connect.challenge` → `connect` handshake that builds the frame the real clients send
//! (protocol spec §1.3), optionally with a signed device.
//!
//! Frames are plain `serde_json::Value`s on purpose: tests must be able to send anything,
//! including frames our own protocol types would refuse to build.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::device::{DeviceAuthFields, DeviceKey, SignatureVersion};

/// Unconsumed frames kept for later `recv_json` / `next_event` calls; beyond this the oldest
/// are dropped so a long test cannot grow memory with ticks.
const BACKLOG_LIMIT: usize = 1000;

/// A connected test client.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Frames read while waiting for something else (events skipped by `request`).
    backlog: VecDeque<Value>,
}

/// The connect parameters; `Default` is the 2026.1.29 CLI (`cli`/`cli`, operator with
/// admin+approvals+pairing, protocol 3, no auth, no device).
#[derive(Debug, Clone)]
pub struct HandshakeOptions<'a> {
    pub min_protocol: u32,
    pub max_protocol: u32,
    pub client_id: String,
    pub client_mode: String,
    pub client_version: String,
    pub platform: String,
    pub device_family: Option<String>,
    pub instance_id: Option<String>,
    pub role: String,
    pub scopes: Vec<String>,
    pub token: Option<String>,
    pub password: Option<String>,
    pub device: Option<&'a DeviceKey>,
    pub signature_version: SignatureVersion,
    /// `device.signedAt`; `None` = now.
    pub signed_at_ms: Option<u64>,
    /// Extra top-level `params` keys (for unknown-field tests); they win over built ones.
    pub extra_params: Map<String, Value>,
    /// How long to wait for `connect.challenge`.
    pub challenge_timeout: Duration,
    /// Without a challenge: send connect anyway (like the 2026.1.29 CLI after 750 ms) or fail.
    pub require_challenge: bool,
    pub response_timeout: Duration,
}

impl Default for HandshakeOptions<'_> {
    fn default() -> Self {
        HandshakeOptions {
            min_protocol: 3,
            max_protocol: 3,
            client_id: "cli".into(),
            client_mode: "cli".into(),
            client_version: "dev".into(),
            platform: "linux".into(),
            device_family: None,
            instance_id: None,
            role: "operator".into(),
            scopes: ["operator.admin", "operator.approvals", "operator.pairing"]
                .map(String::from)
                .to_vec(),
            token: None,
            password: None,
            device: None,
            signature_version: SignatureVersion::V2,
            signed_at_ms: None,
            extra_params: Map::new(),
            challenge_timeout: Duration::from_secs(5),
            require_challenge: true,
            response_timeout: Duration::from_secs(10),
        }
    }
}

/// Everything a handshake produced.
#[derive(Debug)]
pub struct Handshake {
    pub client: WsClient,
    /// `connect.challenge` payload, if one arrived.
    pub challenge: Option<Value>,
    /// The `connect` request frame that was sent.
    pub connect: Value,
    /// `Ok(hello-ok payload)` or `Err(error object)` from the connect response.
    pub result: Result<Value, Value>,
}

impl std::fmt::Debug for WsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsClient")
            .field("backlog", &self.backlog.len())
            .finish_non_exhaustive()
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or_default()
}

fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl WsClient {
    /// Opens the socket and nothing else (no handshake).
    pub async fn connect_raw(url: &str) -> anyhow::Result<WsClient> {
        let (stream, _response) = connect_async(url)
            .await
            .with_context(|| format!("WebSocket connect to {url} failed"))?;
        Ok(WsClient {
            stream,
            backlog: VecDeque::new(),
        })
    }

    /// Connects and performs the handshake; see [`Handshake`].
    pub async fn handshake(url: &str, options: &HandshakeOptions<'_>) -> anyhow::Result<Handshake> {
        let client = WsClient::connect_raw(url).await?;
        client.perform_handshake(options).await
    }

    /// Connects, handshakes, and fails unless the gateway answered hello-ok.
    pub async fn connect_ok(
        url: &str,
        options: &HandshakeOptions<'_>,
    ) -> anyhow::Result<(WsClient, Value)> {
        let handshake = WsClient::handshake(url, options).await?;
        match handshake.result {
            Ok(hello) => Ok((handshake.client, hello)),
            Err(error) => bail!("connect to {url} was rejected: {error}"),
        }
    }

    /// Runs the handshake on an already open socket.
    pub async fn perform_handshake(
        mut self,
        options: &HandshakeOptions<'_>,
    ) -> anyhow::Result<Handshake> {
        let challenge = match self
            .next_event("connect.challenge", options.challenge_timeout)
            .await
        {
            Ok(event) => Some(event.get("payload").cloned().unwrap_or(Value::Null)),
            Err(err) if options.require_challenge => {
                return Err(err.context("no connect.challenge from the gateway"));
            }
            Err(_) => None,
        };
        let nonce = challenge
            .as_ref()
            .and_then(|payload| payload.get("nonce"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let connect = json!({
            "type": "req",
            "id": new_request_id(),
            "method": "connect",
            "params": connect_params(options, nonce.as_deref()),
        });
        self.send_json(&connect).await?;
        let id = connect["id"].as_str().unwrap_or_default().to_owned();
        let result = self.await_response(&id, options.response_timeout).await?;
        Ok(Handshake {
            client: self,
            challenge,
            connect,
            result,
        })
    }

    pub async fn send_text(&mut self, text: &str) -> anyhow::Result<()> {
        self.stream
            .send(Message::text(text))
            .await
            .context("sending a WebSocket text frame")
    }

    pub async fn send_json(&mut self, frame: &Value) -> anyhow::Result<()> {
        self.send_text(&frame.to_string()).await
    }

    /// Next JSON frame (frames skipped earlier by `request`/`next_event` come first).
    pub async fn recv_json(&mut self, timeout: Duration) -> anyhow::Result<Value> {
        if let Some(frame) = self.backlog.pop_front() {
            return Ok(frame);
        }
        tokio::time::timeout(timeout, self.read_frame())
            .await
            .map_err(|_| anyhow!("no frame within {timeout:?}"))?
    }

    /// Sends a request and waits for its response, skipping (and keeping) other frames.
    /// `Ok(payload)` or `Err(error object)`; transport problems are the outer error.
    pub async fn request(
        &mut self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> anyhow::Result<Result<Value, Value>> {
        let id = new_request_id();
        let frame = json!({"type": "req", "id": id, "method": method, "params": params});
        self.send_json(&frame).await?;
        self.await_response(&id, timeout)
            .await
            .with_context(|| format!("waiting for the {method} response"))
    }

    /// The next event named `name` (earlier skipped frames are searched first).
    pub async fn next_event(&mut self, name: &str, timeout: Duration) -> anyhow::Result<Value> {
        let is_wanted = |frame: &Value| {
            frame.get("type").and_then(Value::as_str) == Some("event")
                && frame.get("event").and_then(Value::as_str) == Some(name)
        };
        if let Some(index) = self.backlog.iter().position(is_wanted)
            && let Some(frame) = self.backlog.remove(index)
        {
            return Ok(frame);
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.read_frame())
                .await
                .map_err(|_| anyhow!("no {name:?} event within {timeout:?}"))??;
            if is_wanted(&frame) {
                return Ok(frame);
            }
            self.keep(frame);
        }
    }

    /// Waits for the server to close; returns the close code and reason (1005 and an empty
    /// reason when the close frame carried no code).
    pub async fn expect_close(&mut self, timeout: Duration) -> anyhow::Result<(u16, String)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .map_err(|_| anyhow!("connection still open after {timeout:?}"))?;
            match message {
                Some(Ok(Message::Close(frame))) => {
                    return Ok(frame
                        .map(|frame| (u16::from(frame.code), frame.reason.to_string()))
                        .unwrap_or((1005, String::new())));
                }
                Some(Ok(_)) => continue,
                Some(Err(err)) => bail!("connection failed before a close frame: {err}"),
                None => bail!("connection ended without a close frame"),
            }
        }
    }

    /// Closes from our side with `code`.
    pub async fn close(&mut self, code: u16, reason: &str) -> anyhow::Result<()> {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        self.stream
            .close(Some(frame))
            .await
            .context("closing the WebSocket")
    }

    async fn await_response(
        &mut self,
        id: &str,
        timeout: Duration,
    ) -> anyhow::Result<Result<Value, Value>> {
        let is_response = |frame: &Value| {
            frame.get("type").and_then(Value::as_str) == Some("res")
                && frame.get("id").and_then(Value::as_str) == Some(id)
        };
        let deadline = tokio::time::Instant::now() + timeout;
        let frame = loop {
            let frame = tokio::time::timeout_at(deadline, self.read_frame())
                .await
                .map_err(|_| anyhow!("no response to request {id} within {timeout:?}"))??;
            if is_response(&frame) {
                break frame;
            }
            self.keep(frame);
        };
        if frame.get("ok").and_then(Value::as_bool) == Some(true) {
            Ok(Ok(frame.get("payload").cloned().unwrap_or(Value::Null)))
        } else {
            Ok(Err(frame.get("error").cloned().unwrap_or(Value::Null)))
        }
    }

    fn keep(&mut self, frame: Value) {
        if self.backlog.len() >= BACKLOG_LIMIT {
            self.backlog.pop_front();
        }
        self.backlog.push_back(frame);
    }

    /// Reads the next data frame from the socket and parses it as JSON.
    async fn read_frame(&mut self) -> anyhow::Result<Value> {
        loop {
            let message = self
                .stream
                .next()
                .await
                .context("connection ended")?
                .context("WebSocket read failed")?;
            let text = match message {
                Message::Text(text) => text.to_string(),
                Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Message::Close(frame) => {
                    let (code, reason) = frame
                        .map(|frame| (u16::from(frame.code), frame.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    bail!("connection closed by the server: {code} {reason:?}");
                }
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            };
            return serde_json::from_str(&text)
                .with_context(|| format!("server sent a non-JSON frame: {text}"));
        }
    }
}

/// Builds `connect` params in the order the 2026.1.29 CLI sends them.
pub fn connect_params(options: &HandshakeOptions<'_>, nonce: Option<&str>) -> Value {
    let mut client = Map::new();
    client.insert("id".into(), options.client_id.clone().into());
    client.insert("version".into(), options.client_version.clone().into());
    client.insert("platform".into(), options.platform.clone().into());
    if let Some(family) = &options.device_family {
        client.insert("deviceFamily".into(), family.clone().into());
    }
    client.insert("mode".into(), options.client_mode.clone().into());
    if let Some(instance) = &options.instance_id {
        client.insert("instanceId".into(), instance.clone().into());
    }

    let mut params = Map::new();
    params.insert("minProtocol".into(), options.min_protocol.into());
    params.insert("maxProtocol".into(), options.max_protocol.into());
    params.insert("client".into(), Value::Object(client));
    params.insert("caps".into(), json!([]));
    let mut auth = Map::new();
    if let Some(token) = &options.token {
        auth.insert("token".into(), token.clone().into());
    }
    if let Some(password) = &options.password {
        auth.insert("password".into(), password.clone().into());
    }
    if !auth.is_empty() {
        params.insert("auth".into(), Value::Object(auth));
    }
    params.insert("role".into(), options.role.clone().into());
    params.insert("scopes".into(), json!(options.scopes));
    if let Some(key) = options.device {
        params.insert("device".into(), device_object(options, key, nonce));
    }
    for (name, value) in &options.extra_params {
        params.insert(name.clone(), value.clone());
    }
    Value::Object(params)
}

fn device_object(options: &HandshakeOptions<'_>, key: &DeviceKey, nonce: Option<&str>) -> Value {
    let signed_at_ms = options.signed_at_ms.unwrap_or_else(now_ms);
    let fields = DeviceAuthFields {
        client_id: &options.client_id,
        client_mode: &options.client_mode,
        role: &options.role,
        scopes: &options.scopes,
        signed_at_ms,
        token: options.token.as_deref().unwrap_or(""),
        nonce: nonce.unwrap_or(""),
        platform: &options.platform,
        device_family: options.device_family.as_deref().unwrap_or(""),
    };
    let mut device = Map::new();
    device.insert("id".into(), key.device_id().into());
    device.insert("publicKey".into(), key.public_key_b64url().into());
    device.insert(
        "signature".into(),
        key.sign(options.signature_version, &fields).into(),
    );
    device.insert("signedAt".into(), signed_at_ms.into());
    // v1 predates nonces; the other layouts sign over it and send it along.
    if let Some(nonce) = nonce.filter(|_| options.signature_version != SignatureVersion::V1) {
        device.insert("nonce".into(), nonce.into());
    }
    Value::Object(device)
}
