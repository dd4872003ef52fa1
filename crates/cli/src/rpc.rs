//! A Gateway WebSocket client, connecting the way OpenClaw's CLI does: wait briefly for
//! `connect.challenge`, send `connect` as client `cli` (protocol 3..4, so it works against
//! 2026.1.29 gateways, 2026.9.6 gateways and ours), token or password auth, no device identity
//! (token auth does not need one). Then one request; events are skipped.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub token: Option<String>,
    pub password: Option<String>,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    #[error(
        "gateway not reachable at {url}: {reason}\nIs it running? Start it with `openclaw gateway`, or pass --url ws://host:port."
    )]
    Unreachable { url: String, reason: String },
    #[error("gateway at {url} did not answer within {ms} ms")]
    Timeout { url: String, ms: u128 },
    #[error("gateway closed the connection{}", .reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Closed { reason: Option<String> },
    #[error("{message}")]
    Rejected { message: String, error: Value },
    #[error("gateway sent an invalid frame: {0}")]
    Protocol(String),
}

impl RpcError {
    /// The structured error object when the gateway answered with one.
    pub fn error_object(&self) -> Option<&Value> {
        match self {
            RpcError::Rejected { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// How long the real CLI waits for `connect.challenge` before connecting without one.
const CHALLENGE_WAIT: Duration = Duration::from_millis(750);

pub struct Client {
    socket: Socket,
    target: Target,
}

impl Client {
    /// Opens the socket and completes the handshake; returns the client and `hello-ok`.
    pub async fn connect(target: Target) -> Result<(Self, Value), RpcError> {
        let url = target.url.clone();
        // wss:// needs a process-wide rustls crypto provider (more than one is compiled in).
        openclaw_providers::install_crypto_provider();
        let opened =
            tokio::time::timeout(target.timeout, tokio_tungstenite::connect_async(&url)).await;
        let (socket, _) = match opened {
            Err(_) => {
                return Err(RpcError::Timeout {
                    url,
                    ms: target.timeout.as_millis(),
                });
            }
            Ok(Err(err)) => {
                return Err(RpcError::Unreachable {
                    url,
                    reason: err.to_string(),
                });
            }
            Ok(Ok(pair)) => pair,
        };
        let mut client = Self { socket, target };
        let hello = client.handshake().await?;
        Ok((client, hello))
    }

    async fn handshake(&mut self) -> Result<Value, RpcError> {
        // The challenge normally arrives at once; older gateways may not send one.
        if let Ok(frame) = tokio::time::timeout(CHALLENGE_WAIT, self.next_json()).await {
            let frame = frame?;
            if frame.get("event").and_then(Value::as_str) != Some("connect.challenge") {
                return Err(RpcError::Protocol(format!(
                    "expected connect.challenge, got {frame}"
                )));
            }
        }
        let mut auth = serde_json::Map::new();
        if let Some(token) = &self.target.token {
            auth.insert("token".into(), json!(token));
        }
        if let Some(password) = &self.target.password {
            auth.insert("password".into(), json!(password));
        }
        let mut params = json!({
            "minProtocol": 3,
            "maxProtocol": 4,
            "client": {
                "id": "cli",
                "version": env!("CARGO_PKG_VERSION"),
                "platform": std::env::consts::OS,
                "mode": "cli",
                "instanceId": uuid::Uuid::new_v4().to_string(),
            },
            "caps": [],
            "role": "operator",
            "scopes": ["operator.admin"],
        });
        if !auth.is_empty() {
            params["auth"] = Value::Object(auth);
        }
        self.request_raw("connect", Some(params), false).await
    }

    /// Calls `method`; with `expect_final`, skips an interim `status:"accepted"` answer.
    pub async fn call(
        &mut self,
        method: &str,
        params: Option<Value>,
        expect_final: bool,
    ) -> Result<Value, RpcError> {
        self.request_raw(method, params, expect_final).await
    }

    /// [`Client::call`] waiting up to `timeout` for the answer instead of the target's timeout:
    /// two-stage methods such as `agent` answer finally only when the run ends.
    pub async fn call_with_timeout(
        &mut self,
        method: &str,
        params: Option<Value>,
        expect_final: bool,
        timeout: Duration,
    ) -> Result<Value, RpcError> {
        self.request_within(method, params, expect_final, timeout)
            .await
    }

    async fn request_raw(
        &mut self,
        method: &str,
        params: Option<Value>,
        expect_final: bool,
    ) -> Result<Value, RpcError> {
        let timeout = self.target.timeout;
        self.request_within(method, params, expect_final, timeout)
            .await
    }

    async fn request_within(
        &mut self,
        method: &str,
        params: Option<Value>,
        expect_final: bool,
        timeout: Duration,
    ) -> Result<Value, RpcError> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut frame = json!({"type": "req", "id": id, "method": method});
        if let Some(params) = params {
            frame["params"] = params;
        }
        let text = frame.to_string();
        self.socket
            .send(Message::text(text))
            .await
            .map_err(|e| RpcError::Closed {
                reason: Some(e.to_string()),
            })?;
        let url = self.target.url.clone();
        let wait = async {
            loop {
                let frame = self.next_json().await?;
                if frame.get("type").and_then(Value::as_str) != Some("res")
                    || frame.get("id").and_then(Value::as_str) != Some(id.as_str())
                {
                    continue;
                }
                if frame.get("ok").and_then(Value::as_bool) == Some(true) {
                    let payload = frame.get("payload").cloned().unwrap_or(Value::Null);
                    if expect_final
                        && payload.get("status").and_then(Value::as_str) == Some("accepted")
                    {
                        continue;
                    }
                    return Ok(payload);
                }
                let error = frame.get("error").cloned().unwrap_or(Value::Null);
                let message = error
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("request failed")
                    .to_string();
                return Err(RpcError::Rejected { message, error });
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| RpcError::Timeout {
                url,
                ms: timeout.as_millis(),
            })?
    }

    async fn next_json(&mut self) -> Result<Value, RpcError> {
        loop {
            match self.socket.next().await {
                None => return Err(RpcError::Closed { reason: None }),
                Some(Err(e)) => {
                    return Err(RpcError::Closed {
                        reason: Some(e.to_string()),
                    });
                }
                Some(Ok(Message::Text(text))) => {
                    return serde_json::from_str(text.as_str())
                        .map_err(|e| RpcError::Protocol(e.to_string()));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(RpcError::Closed {
                        reason: frame.map(|f| format!("{} {}", u16::from(f.code), f.reason)),
                    });
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}
