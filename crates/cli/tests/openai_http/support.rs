//! Helpers for `tests/openai_http.rs`: start a gateway wired to a fake model, make raw
//! HTTP/1.1 requests (one per connection, read to the end, so SSE bodies arrive whole), and
//! split SSE bodies into frames.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use openclaw_testkit::fake_llm::FakeLlm;
use openclaw_testkit::http::parse_response;
use openclaw_testkit::{GatewayProcess, GatewaySpawn, HttpResponse};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The gateway token every test gateway uses.
pub const TOKEN: &str = "openai-http-token-3b7e1d";
/// Generous bound for one exchange on a loaded 2-core machine (a request may wait in its
/// session's queue behind others).
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(60);

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_openclaw"))
}

/// A config with a fake provider, agents `main` (default, `fake/fake-1`) and `beta`
/// (`fake/fake-2`), and `endpoints` as `gateway.http.endpoints`.
pub fn config(fake: &FakeLlm, endpoints: Value, rate_limit: Option<Value>) -> Value {
    let mut auth = json!({"mode": "token", "token": TOKEN});
    if let Some(rate_limit) = rate_limit {
        auth["rateLimit"] = rate_limit;
    }
    json!({
        "gateway": {
            "mode": "local",
            "bind": "loopback",
            "auth": auth,
            "http": {"endpoints": endpoints},
        },
        "agents": {
            "defaults": {"model": {"primary": "fake/fake-1"}},
            "list": [
                {"id": "main", "default": true},
                {"id": "beta", "model": "fake/fake-2"},
            ],
        },
        "models": {"providers": {"fake": {
            "baseUrl": fake.openai_base_url(),
            "api": "openai-completions",
            "apiKey": "fake-key",
            "models": [
                {"id": "fake-1", "name": "Fake", "contextWindow": 128000},
                {"id": "fake-2", "name": "Fake 2", "contextWindow": 128000},
            ],
        }}},
    })
}

/// Starts the real binary with `config` and waits until it is healthy.
pub async fn start(config: Value) -> GatewayProcess {
    let spawn = GatewaySpawn::new(bin())
        .args(["gateway"])
        .config_json(config);
    let mut process = GatewayProcess::spawn(spawn).await.expect("spawn gateway");
    if let Err(err) = process.wait_healthy(Duration::from_secs(30)).await {
        panic!(
            "gateway did not start: {err}\n{}",
            process.output().join("\n")
        );
    }
    process
}

/// One request on its own connection; the whole response (SSE included) is read.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> anyhow::Result<HttpResponse> {
    let exchange = async {
        let mut stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        let mut head =
            format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if method != "GET" {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        parse_response(&raw, false)
    };
    tokio::time::timeout(EXCHANGE_TIMEOUT, exchange)
        .await
        .with_context(|| format!("{method} {path} took longer than {EXCHANGE_TIMEOUT:?}"))?
}

/// `POST path` with a JSON body, the gateway token and `extra` headers.
pub async fn post(
    addr: SocketAddr,
    path: &str,
    body: &Value,
    extra: &[(&str, &str)],
) -> HttpResponse {
    let auth = format!("Bearer {TOKEN}");
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    headers.extend_from_slice(extra);
    request(addr, "POST", path, &headers, body.to_string().as_bytes())
        .await
        .unwrap_or_else(|err| panic!("POST {path}: {err:#}"))
}

/// `GET path` with the gateway token.
pub async fn get(addr: SocketAddr, path: &str) -> HttpResponse {
    let auth = format!("Bearer {TOKEN}");
    request(addr, "GET", path, &[("Authorization", auth.as_str())], &[])
        .await
        .unwrap_or_else(|err| panic!("GET {path}: {err:#}"))
}

/// One SSE frame: its `event:` (if any) and its `data:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub event: Option<String>,
    pub data: String,
}

impl Frame {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|err| panic!("SSE data is not JSON ({err}): {}", self.data))
    }
}

/// Splits an SSE body into frames (blank-line separated).
pub fn sse_frames(body: &str) -> Vec<Frame> {
    body.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut event = None;
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event: ") {
                    event = Some(value.to_owned());
                } else if let Some(value) = line.strip_prefix("data: ") {
                    data.push(value);
                } else {
                    panic!("unexpected SSE line {line:?} in {body:?}");
                }
            }
            Frame {
                event,
                data: data.join("\n"),
            }
        })
        .collect()
}

/// The texts of a recorded OpenAI request's messages, as `role: text` lines.
pub fn transcript(body: &Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .map(|m| {
                    let text = match &m["content"] {
                        Value::String(text) => text.clone(),
                        Value::Array(parts) => parts
                            .iter()
                            .filter_map(|p| p["text"].as_str())
                            .collect::<Vec<_>>()
                            .join(""),
                        _ => String::new(),
                    };
                    format!("{}: {text}", m["role"].as_str().unwrap_or("?"))
                })
                .collect()
        })
        .unwrap_or_default()
}
