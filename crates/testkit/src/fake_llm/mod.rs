//! Scriptable fake LLM servers on 127.0.0.1 speaking the real OpenAI Chat Completions,
//! OpenAI Responses, Anthropic Messages and Gemini streamGenerateContent SSE formats.
//!
//! One [`FakeLlm`] serves all four APIs (`POST /v1/chat/completions`, `POST /v1/responses`,
//! `POST /v1/messages`, `POST /v1beta/models/<model>:streamGenerateContent`);
//! tests queue [`FakeReply`] values, one consumed per request, and inspect what the client
//! sent through [`FakeLlm::requests`]. Replies can stream text, thinking and tool calls, fail
//! with a status and `Retry-After`, or end early (cleanly truncated or with a reset).
//!
//! Captures made with `OPENCLAW_PROVIDER_RECORD` replay through [`FakeLlm::load_recording`]
//! (see [`Recording`]). For benchmarks, [`FakeLlm::set_default_reply`] answers every request
//! that finds the queue empty, and [`FakeLlm::set_keep_requests`] turns the request log off
//! (it is capped at [`MAX_KEPT_REQUESTS`] anyway).

mod anthropic;
mod gemini;
mod openai;
mod recording;
mod responses;

pub use recording::{RecordedCall, Recording};

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::post;
use futures_util::{StreamExt, stream};
use serde_json::{Value, json};

/// One piece of scripted assistant output.
#[derive(Debug, Clone, PartialEq)]
pub enum FakeStep {
    Text(String),
    Thinking(String),
    /// Anthropic `redacted_thinking` data (the OpenAI fake leaves it out).
    RedactedThinking(String),
    /// `arguments` is raw JSON text; it is streamed in two fragments to exercise assembly.
    ToolCall {
        id: String,
        name: String,
        arguments: String,
    },
}

/// How a streamed reply ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeEnding {
    /// The API's normal terminator (`[DONE]` / `message_stop`).
    Complete,
    /// The body ends cleanly after this many SSE events, without the terminator.
    TruncatedAfter(usize),
    /// The connection is aborted after this many SSE events.
    ResetAfter(usize),
    /// After this many SSE events the server sends nothing more but keeps the connection open.
    StallAfter(usize),
    /// After this many SSE events the server sends the API's in-stream error event.
    ErrorEventAfter {
        events: usize,
        error_type: String,
        message: String,
    },
}

/// Token counts the fake reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FakeUsage {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
}

/// One scripted response.
#[derive(Debug, Clone, PartialEq)]
pub enum FakeReply {
    Stream {
        steps: Vec<FakeStep>,
        usage: FakeUsage,
        ending: FakeEnding,
    },
    /// A recorded SSE body served verbatim with status 200 (for replaying captures).
    RawSse(String),
    /// `reply`, answered after `delay` (a slow model: lets tests overlap requests).
    Delayed {
        delay: std::time::Duration,
        reply: Box<FakeReply>,
    },
    /// A non-2xx reply with the API's JSON error shape.
    Error {
        status: u16,
        error_type: String,
        message: String,
        retry_after: Option<String>,
    },
    /// Any status, headers and body served verbatim (for replaying captures); with `reset`
    /// the connection is aborted after the body instead of ending it cleanly.
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
        reset: bool,
    },
}

impl FakeReply {
    /// A complete streamed text answer, split into the given deltas.
    pub fn text(chunks: &[&str]) -> Self {
        FakeReply::Stream {
            steps: chunks
                .iter()
                .map(|c| FakeStep::Text((*c).to_string()))
                .collect(),
            usage: FakeUsage {
                input: 10,
                output: 5,
                ..FakeUsage::default()
            },
            ending: FakeEnding::Complete,
        }
    }

    /// This reply, answered after `delay`.
    pub fn delayed(self, delay: std::time::Duration) -> Self {
        FakeReply::Delayed {
            delay,
            reply: Box::new(self),
        }
    }

    /// An error reply.
    pub fn error(status: u16, error_type: &str, message: &str) -> Self {
        FakeReply::Error {
            status,
            error_type: error_type.to_string(),
            message: message.to_string(),
            retry_after: None,
        }
    }
}

/// A request the fake received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub path: String,
    pub query: Option<String>,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

impl RecordedRequest {
    /// First value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The request log keeps at most this many requests (the oldest are dropped), so a
/// long-running benchmark against the fake does not grow without bound.
pub const MAX_KEPT_REQUESTS: usize = 10_000;

struct Shared {
    replies: Mutex<VecDeque<FakeReply>>,
    /// Served when the queue is empty (instant mode); `None` answers a 500 "no reply queued".
    default_reply: Mutex<Option<FakeReply>>,
    requests: Mutex<VecDeque<RecordedRequest>>,
    keep_requests: AtomicBool,
    request_count: AtomicU64,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            replies: Mutex::default(),
            default_reply: Mutex::default(),
            requests: Mutex::default(),
            keep_requests: AtomicBool::new(true),
            request_count: AtomicU64::new(0),
        }
    }
}

/// A running fake; the server stops when this is dropped.
pub struct FakeLlm {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Clone, Copy)]
enum Flavor {
    OpenAi,
    Responses,
    Anthropic,
    Gemini,
}

impl FakeLlm {
    /// Binds a free loopback port and starts serving.
    pub async fn start() -> anyhow::Result<Self> {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route(
                "/v1/chat/completions",
                post(|s, u, h, b| handle(Flavor::OpenAi, s, u, h, b)),
            )
            .route(
                "/v1/responses",
                post(|s, u, h, b| handle(Flavor::Responses, s, u, h, b)),
            )
            .route(
                "/v1/messages",
                post(|s, u, h, b| handle(Flavor::Anthropic, s, u, h, b)),
            )
            .route(
                "/v1beta/models/{*model_action}",
                post(|s, u, h, b| handle(Flavor::Gemini, s, u, h, b)),
            )
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the fake LLM server to 127.0.0.1")?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            // The server only ends when the test drops the fake.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, shared, task })
    }

    /// Queues a reply for the next unanswered request.
    pub fn push(&self, reply: FakeReply) {
        self.shared
            .replies
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(reply);
    }

    /// Everything received so far, in order (the last [`MAX_KEPT_REQUESTS`], and only while
    /// the log is on).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// How many requests have been received, logged or not.
    pub fn request_count(&self) -> u64 {
        self.shared.request_count.load(Ordering::Relaxed)
    }

    /// Turns the request log on (the default) or off; turning it off also clears it.
    pub fn set_keep_requests(&self, keep: bool) {
        self.shared.keep_requests.store(keep, Ordering::Relaxed);
        if !keep {
            self.shared
                .requests
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
        }
    }

    /// A reply served (cloned) to every request that finds the queue empty, so the fake can
    /// answer forever without scripting; `None` restores the "no reply queued" 500.
    pub fn set_default_reply(&self, reply: Option<FakeReply>) {
        *self
            .shared
            .default_reply
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = reply;
    }

    /// Queues the responses of a recording made with `OPENCLAW_PROVIDER_RECORD`, in order;
    /// returns how many were queued.
    pub fn load_recording(&self, path: impl AsRef<Path>) -> anyhow::Result<usize> {
        let recording = Recording::load(path)?;
        Ok(self.replay(&recording))
    }

    /// Queues the responses of an already loaded recording, in order; returns how many.
    pub fn replay(&self, recording: &Recording) -> usize {
        for call in &recording.calls {
            self.push(call.reply());
        }
        recording.calls.len()
    }

    /// Base URL for OpenAI-style clients (includes `/v1`).
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Base URL for Gemini clients (includes `/v1beta`).
    pub fn gemini_base_url(&self) -> String {
        format!("http://{}/v1beta", self.addr)
    }

    /// Base URL for Anthropic-style clients (no `/v1`, as OpenClaw configures it).
    pub fn anthropic_base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

async fn handle(
    flavor: Flavor,
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.request_count.fetch_add(1, Ordering::Relaxed);
    if shared.keep_requests.load(Ordering::Relaxed) {
        let recorded = RecordedRequest {
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_string(),
                        v.to_str().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        };
        let mut requests = shared
            .requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if requests.len() >= MAX_KEPT_REQUESTS {
            requests.pop_front();
        }
        requests.push_back(recorded);
    }
    let queued = shared
        .replies
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop_front();
    let reply = queued.or_else(|| {
        shared
            .default_reply
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    });
    let Some(mut reply) = reply else {
        return error_response(
            flavor,
            500,
            "fake_llm_unscripted",
            "fake LLM: no reply queued",
            None,
        );
    };
    while let FakeReply::Delayed {
        delay,
        reply: inner,
    } = reply
    {
        tokio::time::sleep(delay).await;
        reply = *inner;
    }
    match reply {
        FakeReply::Delayed { .. } => Response::new(Body::empty()),
        FakeReply::Error {
            status,
            error_type,
            message,
            retry_after,
        } => error_response(
            flavor,
            status,
            &error_type,
            &message,
            retry_after.as_deref(),
        ),
        FakeReply::RawSse(body) => Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "text/event-stream")
            .body(Body::from(body))
            .unwrap_or_else(|_| Response::new(Body::empty())),
        FakeReply::Raw {
            status,
            headers,
            body,
            reset,
        } => raw_response(status, &headers, body, reset),
        FakeReply::Stream {
            steps,
            usage,
            ending,
        } => {
            let events = match flavor {
                Flavor::OpenAi => openai::sse_events(&steps, usage),
                Flavor::Anthropic => anthropic::sse_events(&steps, usage),
                Flavor::Gemini => gemini::sse_events(&steps, usage),
                Flavor::Responses => responses::sse_events(&steps, usage),
            };
            sse_response(flavor, events, ending)
        }
    }
}

fn error_response(
    flavor: Flavor,
    status: u16,
    error_type: &str,
    message: &str,
    retry_after: Option<&str>,
) -> Response {
    let body = error_body(flavor, status, error_type, message);
    let mut response = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json");
    if let Some(value) = retry_after {
        response = response.header("retry-after", value);
    }
    response
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// OpenAI and Anthropic nest `{"type","message"}` under `error` (Anthropic adds a top-level
/// type); Gemini uses Google's `{"code","message","status"}`.
fn error_body(flavor: Flavor, status: u16, error_type: &str, message: &str) -> Value {
    match flavor {
        Flavor::Gemini => {
            json!({"error": {"code": status, "message": message, "status": error_type}})
        }
        Flavor::OpenAi | Flavor::Responses | Flavor::Anthropic => {
            json!({"type": "error", "error": {"type": error_type, "message": message}})
        }
    }
}

/// Sends each SSE event as its own chunk so clients see realistic framing.
fn sse_response(flavor: Flavor, events: Vec<String>, ending: FakeEnding) -> Response {
    let keep = match &ending {
        FakeEnding::Complete => events.len(),
        FakeEnding::TruncatedAfter(n) | FakeEnding::ResetAfter(n) | FakeEnding::StallAfter(n) => *n,
        FakeEnding::ErrorEventAfter { events, .. } => *events,
    };
    let mut chunks: Vec<Result<String, std::io::Error>> =
        events.into_iter().take(keep).map(Ok).collect();
    if let FakeEnding::ErrorEventAfter {
        error_type,
        message,
        ..
    } = &ending
    {
        let error = error_body(flavor, 500, error_type, message);
        chunks.push(Ok(match flavor {
            Flavor::OpenAi | Flavor::Gemini => format!("data: {error}\n\n"),
            Flavor::Anthropic | Flavor::Responses => format!("event: error\ndata: {error}\n\n"),
        }));
    }
    let head = stream::iter(chunks);
    let body = match ending {
        FakeEnding::ResetAfter(_) => head
            .chain(stream::once(async {
                // Delay the reset so the headers and the first events reach the client first.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "fake LLM reset the stream",
                ))
            }))
            .boxed(),
        FakeEnding::StallAfter(_) => head.chain(stream::pending()).boxed(),
        _ => head.boxed(),
    };
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/event-stream")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn raw_response(status: u16, headers: &[(String, String)], body: String, reset: bool) -> Response {
    let mut response =
        Response::builder().status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK));
    for (name, value) in headers {
        response = response.header(name.as_str(), value.as_str());
    }
    let body = if reset {
        Body::from_stream(stream::iter([Ok(body)]).chain(stream::once(async {
            // As for ResetAfter: let the body reach the client before the connection dies.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "fake LLM reset the stream (replayed)",
            ))
        })))
    } else {
        Body::from(body)
    };
    response
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Splits a string in two at a char boundary near the middle (for fragment streaming).
fn halves(text: &str) -> (&str, &str) {
    let mut mid = text.len() / 2;
    while !text.is_char_boundary(mid) {
        mid -= 1;
    }
    text.split_at(mid)
}
