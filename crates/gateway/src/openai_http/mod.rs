//! OpenAI-compatible HTTP endpoints on the gateway port, as OpenClaw 2026.9.6 serves them:
//! `POST /v1/chat/completions`, `POST /v1/responses` and `GET /v1/models` (+ `/v1/models/{id}`).
//!
//! Each request becomes one ordinary agent turn (`Delivery::Direct`, so turns of one session
//! run strictly in order). The `model` field names an agent (`openclaw`, `openclaw/<agentId>`,
//! `openclaw:<agentId>`, `agent:<agentId>`), never a provider model.
//!
//! Shared rules (this file): the endpoints are switched on per request from the current
//! snapshot (`gateway.http.endpoints.*.enabled`, off by default; off answers 404 like any
//! unknown path), wrong methods get 405 before auth, callers present the gateway token or
//! password as a bearer token (constant-time compare, failures counted by the auth rate
//! limiter), bodies are size- and time-capped, and errors are OpenAI error objects.
//!
//! Streams are produced by the response body itself (no spawned task): a client that goes away
//! drops the body, which drops this run's event receiver; the runtime ignores a gone receiver,
//! so the run finishes and is recorded anyway. A stopping serve loop ends open streams with an
//! error event so graceful shutdown is not held up.

mod chat_completions;
mod models;
mod request;
mod responses;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use futures_util::StreamExt;
use openclaw_agent::{
    AbortReason, AgentEvent, RunEvent, RunOutcome, RunStatus, RunTicket, Submission, TurnRequest,
};
use openclaw_config::Config;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::http::AppState;
use crate::state::{Phase, Shared};

pub use request::{AgentTarget, Prompt};

/// OpenClaw's default body cap for both POST endpoints (20 MiB).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 20 * 1024 * 1024;
/// A client must finish sending its body within this time.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Capacity of a run's own event channel; the run waits for a slow HTTP client.
const RUN_EVENTS_CAPACITY: usize = 64;
/// The answer text when a run ends without saying anything (OpenClaw's wording).
pub const NO_RESPONSE_TEXT: &str = "No response from OpenClaw.";

/// The routes, mounted by `crate::http::router`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/chat/completions", any(chat_completions::handle))
        .route("/v1/responses", any(responses::handle))
        .route("/v1/models", any(models::list))
        .route("/v1/models/{*id}", any(models::detail))
}

/// An error answered as an OpenAI error object (`{"error":{"message","type"}}`).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// OpenClaw's exact 401 body; clients key on it.
    #[error("Unauthorized")]
    Unauthorized,
    #[error("Too many failed authentication attempts. Please try again later.")]
    RateLimited { retry_after: Duration },
    #[error("{0}")]
    InvalidRequest(String),
    #[error(
        "Payload too large: the request body exceeds {limit} bytes; send less or raise gateway.http.endpoints.{endpoint}.maxBodyBytes"
    )]
    PayloadTooLarge { limit: u64, endpoint: &'static str },
    #[error("Request body timeout: the body did not arrive within {}s; retry", BODY_TIMEOUT.as_secs())]
    BodyTimeout,
    #[error("{0}")]
    NotFound(String),
    /// The agent run failed; the message is the run's own error.
    #[error("{0}")]
    Run(String),
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Run(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// OpenAI's error `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "unauthorized",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::InvalidRequest(_)
            | ApiError::PayloadTooLarge { .. }
            | ApiError::BodyTimeout
            | ApiError::NotFound(_) => "invalid_request_error",
            ApiError::Run(_) | ApiError::Unavailable(_) => "api_error",
        }
    }

    /// `{"message","type"}` as used in bodies and stream error events.
    pub fn object(&self) -> Value {
        json!({"message": self.to_string(), "type": self.kind()})
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = json_response(self.status(), &json!({"error": self.object()}));
        if let ApiError::RateLimited { retry_after } = &self {
            let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// A JSON body with the headers OpenClaw sends on its API answers.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        body.to_string(),
    )
        .into_response()
}

/// What a disabled endpoint answers: the same as any unknown path.
fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

fn method_not_allowed(allow: &'static str) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [
            (header::ALLOW, allow),
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
        ],
        "Method Not Allowed",
    )
        .into_response()
}

/// `gateway.http.endpoints.chatCompletions.enabled`.
pub fn chat_completions_enabled(config: &Config) -> bool {
    endpoints(config)
        .and_then(|e| e.chat_completions.as_ref())
        .and_then(|c| c.enabled)
        .unwrap_or(false)
}

/// `gateway.http.endpoints.responses.enabled`.
pub fn responses_enabled(config: &Config) -> bool {
    endpoints(config)
        .and_then(|e| e.responses.as_ref())
        .and_then(|c| c.enabled)
        .unwrap_or(false)
}

fn endpoints(config: &Config) -> Option<&openclaw_config::HttpEndpoints> {
    config
        .gateway
        .as_ref()
        .and_then(|g| g.http.as_ref())
        .and_then(|h| h.endpoints.as_ref())
}

/// The front of the POST endpoints: the refusals of [`refusal`], then the JSON body within
/// `max_body_bytes` (the endpoint's `maxBodyBytes`, else [`DEFAULT_MAX_BODY_BYTES`]).
async fn admit_post(
    state: &AppState,
    enabled: bool,
    max_body_bytes: Option<u64>,
    peer: SocketAddr,
    request: axum::extract::Request,
    endpoint: &'static str,
) -> Result<(axum::http::request::Parts, Value), Response> {
    let (parts, body) = request.into_parts();
    if let Some(response) = refusal(
        state,
        enabled,
        &parts.method,
        Method::POST,
        peer,
        &parts.headers,
    ) {
        return Err(response);
    }
    let limit = max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
    let payload = async {
        check_declared_length(&parts.headers, limit, endpoint)?;
        read_json(body, limit, endpoint).await
    }
    .await
    .map_err(IntoResponse::into_response)?;
    Ok((parts, payload))
}

/// The agent turn a request asks for: a direct (not queued) turn in the target session.
fn agent_turn(id: String, prompt: request::Prompt, target: request::AgentTarget) -> TurnRequest {
    let mut turn = TurnRequest::new(id, prompt.message);
    turn.session_key = Some(target.session_key);
    turn.agent_id = Some(target.agent_id);
    turn.extra_system_prompt = prompt.extra_system_prompt;
    turn.delivery = openclaw_agent::Delivery::Direct;
    turn
}

/// The checks every endpoint makes before reading its body: enabled, method, auth, not
/// draining. `Some` is the finished answer refusing the request.
fn refusal(
    state: &AppState,
    enabled: bool,
    method: &Method,
    allow: Method,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> Option<Response> {
    if !enabled {
        return Some(not_found());
    }
    if *method != allow {
        return Some(method_not_allowed(if allow == Method::GET {
            "GET"
        } else {
            "POST"
        }));
    }
    if let Err(err) = authorize(&state.shared, peer, headers) {
        return Some(err.into_response());
    }
    if state.shared.phase() == Phase::Draining || state.stop.is_cancelled() {
        return Some(
            ApiError::Unavailable(
                "The gateway is restarting or shutting down; retry in a few seconds.".into(),
            )
            .into_response(),
        );
    }
    None
}

/// Bearer auth with the gateway token or password (whichever mode is active). A presented but
/// wrong secret counts as a failure for the address; a missing header does not (it is not a
/// guess), but a locked-out address is refused either way.
fn authorize(shared: &Shared, peer: SocketAddr, headers: &HeaderMap) -> Result<(), ApiError> {
    let snapshot = shared.snapshot.load();
    let Some(secret) = snapshot.serve.auth.active_secret() else {
        // No shared secret configured: the gateway only binds to loopback then.
        return Ok(());
    };
    let client = crate::ws::classify(peer, headers, snapshot.config().trusted_proxies());
    let policy = snapshot.serve.rate_limit;
    let now = Instant::now();
    if let Some(retry_after) = shared.limiter.check(&policy, client.ip, now) {
        return Err(ApiError::RateLimited { retry_after });
    }
    let presented = bearer_token(headers);
    if let Some(given) = presented
        && crate::auth::secrets_equal(given, secret)
    {
        shared.limiter.record_success(client.ip);
        return Ok(());
    }
    shared.metrics.auth_failures.inc();
    if presented.is_some()
        && let Some(lockout) = shared.limiter.record_failure(&policy, client.ip, now)
    {
        shared.metrics.auth_lockouts.inc();
        tracing::warn!(
            target: "gateway/http",
            "auth rate limit: {} locked out for {}s after repeated failures",
            client.ip,
            lockout.as_secs()
        );
    }
    Err(ApiError::Unauthorized)
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let raw = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = raw.split_at_checked(7)?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer ") && !token.is_empty()).then_some(token)
}

/// Reads a JSON body of at most `limit` bytes. An empty body reads as `{}`, so it is answered
/// as a missing message (which says what to send) rather than as a parse error.
async fn read_json(body: Body, limit: u64, endpoint: &'static str) -> Result<Value, ApiError> {
    let collect = async {
        let mut stream = body.into_data_stream();
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|err| {
                ApiError::InvalidRequest(format!(
                    "Reading the request body failed ({err}); resend the request"
                ))
            })?;
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(ApiError::PayloadTooLarge { limit, endpoint });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    };
    let bytes = tokio::time::timeout(BODY_TIMEOUT, collect)
        .await
        .map_err(|_| ApiError::BodyTimeout)??;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice(&bytes).map_err(|err| {
        ApiError::InvalidRequest(format!(
            "Invalid JSON in request body: {err}. Send a JSON object."
        ))
    })
}

/// Refuses a `Content-Length` over the cap before reading anything.
fn check_declared_length(
    headers: &HeaderMap,
    limit: u64,
    endpoint: &'static str,
) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit => Err(ApiError::PayloadTooLarge { limit, endpoint }),
        _ => Ok(()),
    }
}

/// Seconds since the epoch, for `created`/`created_at`.
pub fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs a turn and waits for its end. Returning early when the serve loop stops keeps
/// graceful shutdown quick; the run itself is the runtime's to finish or abort.
async fn run_to_end(
    shared: &Arc<Shared>,
    stop: &CancellationToken,
    request: TurnRequest,
) -> Result<Arc<RunOutcome>, ApiError> {
    let outcome = match shared.agents.submit(request, None).await {
        Submission::Accepted(ticket) | Submission::InFlight(ticket) => {
            tokio::select! {
                outcome = ticket.outcome() => outcome,
                () = stop.cancelled() => return Err(shutting_down()),
            }
        }
        Submission::Finished(outcome) => Some(outcome),
        Submission::Stopped { .. } => return Err(stopped()),
    };
    outcome.ok_or_else(lost)
}

fn shutting_down() -> ApiError {
    ApiError::Unavailable(
        "The gateway is restarting or shutting down; the run was left to finish. Retry in a few seconds.".into(),
    )
}

fn stopped() -> ApiError {
    ApiError::Run("The message was taken as a stop command and aborted the session's runs.".into())
}

fn lost() -> ApiError {
    ApiError::Run("The agent run ended without a result; check the gateway log and retry.".into())
}

/// The error a failed run answers with.
pub fn run_error(outcome: &RunOutcome) -> ApiError {
    let fallback = match outcome.status {
        RunStatus::Timeout => "The agent run timed out; retry or raise the timeout.",
        RunStatus::Aborted(AbortReason::Shutdown) => {
            "The gateway stopped before the run finished; retry once it is back."
        }
        _ => "The agent run failed; check the gateway log and retry.",
    };
    ApiError::Run(outcome.error.clone().unwrap_or_else(|| fallback.into()))
}

/// Whether the run produced an answer rather than an error. A run someone aborted (`/stop`,
/// `chat.abort`, an interrupting message) answers with what it had, as OpenClaw does; one cut
/// off by shutdown is an error, so the client knows to retry.
pub fn answered(outcome: &RunOutcome) -> bool {
    match outcome.status {
        RunStatus::Ok => true,
        RunStatus::Aborted(reason) => reason != AbortReason::Shutdown,
        RunStatus::Error | RunStatus::Timeout => false,
    }
}

/// Where a stream's events come from.
enum Source {
    /// This run's own events (`Ended` last).
    Events(mpsc::Receiver<RunEvent>),
    /// A run we did not start (same id already running): only its end is known.
    Ticket(Option<RunTicket>),
    /// Already over.
    Ready(Option<Arc<RunOutcome>>),
}

impl Source {
    async fn next(&mut self) -> Option<AgentEvent> {
        match self {
            Source::Events(rx) => rx.recv().await.map(|event| event.event),
            Source::Ticket(ticket) => ticket.take()?.outcome().await.map(AgentEvent::Ended),
            Source::Ready(outcome) => outcome.take().map(AgentEvent::Ended),
        }
    }
}

/// Submits a run whose events feed a stream.
async fn start_streamed(shared: &Arc<Shared>, request: TurnRequest) -> Result<Source, ApiError> {
    let (tx, rx) = mpsc::channel(RUN_EVENTS_CAPACITY);
    Ok(match shared.agents.submit(request, Some(tx)).await {
        Submission::Accepted(_) => Source::Events(rx),
        Submission::InFlight(ticket) => Source::Ticket(Some(ticket)),
        Submission::Finished(outcome) => Source::Ready(Some(outcome)),
        Submission::Stopped { .. } => return Err(stopped()),
    })
}

/// Turns run events into SSE frames for one wire format.
trait SseRenderer: Send + 'static {
    /// Frames sent before the run says anything.
    fn start(&mut self) -> Vec<String>;
    /// New assistant text.
    fn text(&mut self, delta: &str) -> Vec<String>;
    /// The run ended; the last frames (including the terminator).
    fn end(&mut self, outcome: &RunOutcome) -> Vec<String>;
    /// The stream cannot go on; the last frames (including the terminator).
    fn fail(&mut self, error: &ApiError) -> Vec<String>;
}

/// `data: <json>` frame.
fn data_frame(value: &Value) -> String {
    format!("data: {value}\n\n")
}

/// `event: <type>` + `data: <json>` frame.
fn event_frame(kind: &str, value: &Value) -> String {
    format!("event: {kind}\ndata: {value}\n\n")
}

const DONE_FRAME: &str = "data: [DONE]\n\n";

struct Pump<R> {
    source: Source,
    renderer: R,
    stop: CancellationToken,
    pending: std::collections::VecDeque<String>,
    finished: bool,
}

impl<R: SseRenderer> Pump<R> {
    async fn next_frame(&mut self) -> Option<String> {
        loop {
            if let Some(frame) = self.pending.pop_front() {
                return Some(frame);
            }
            if self.finished {
                return None;
            }
            let event = tokio::select! {
                event = self.source.next() => event,
                () = self.stop.cancelled() => {
                    let frames = self.renderer.fail(&shutting_down());
                    self.finish_with(frames);
                    continue;
                }
            };
            let frames = match event {
                Some(AgentEvent::Text { delta, .. }) => self.renderer.text(&delta),
                Some(AgentEvent::Ended(outcome)) => {
                    let frames = self.renderer.end(&outcome);
                    self.finish_with(frames);
                    continue;
                }
                Some(_) => continue,
                None => {
                    let frames = self.renderer.fail(&lost());
                    self.finish_with(frames);
                    continue;
                }
            };
            self.pending.extend(frames);
        }
    }

    fn finish_with(&mut self, frames: Vec<String>) {
        self.pending.extend(frames);
        self.finished = true;
    }
}

/// A `text/event-stream` response fed by `source` through `renderer`.
fn sse_response<R: SseRenderer>(
    source: Source,
    mut renderer: R,
    stop: CancellationToken,
) -> Response {
    let pending = renderer.start().into();
    let pump = Pump {
        source,
        renderer,
        stop,
        pending,
        finished: false,
    };
    let stream = futures_util::stream::unfold(pump, |mut pump| async move {
        let frame = pump.next_frame().await?;
        Some((Ok::<Bytes, Infallible>(Bytes::from(frame)), pump))
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_token_is_case_insensitive_and_trimmed() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  abc "),
        );
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer_token(&headers), None);
    }

    #[test]
    fn error_objects_use_openai_types() {
        assert_eq!(
            ApiError::Unauthorized.object(),
            json!({"message": "Unauthorized", "type": "unauthorized"})
        );
        assert_eq!(
            ApiError::InvalidRequest("x".into()).kind(),
            "invalid_request_error"
        );
        assert_eq!(
            ApiError::Run("boom".into()).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let limited = ApiError::RateLimited {
            retry_after: Duration::from_millis(1500),
        }
        .into_response();
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "2");
    }

    #[tokio::test]
    async fn bodies_are_capped_and_empty_reads_as_an_object() {
        let empty = read_json(Body::from(" \n"), 10, "responses").await.unwrap();
        assert_eq!(empty, json!({}));
        let big = read_json(Body::from("{\"a\": 1234567}"), 5, "responses").await;
        assert!(matches!(
            big,
            Err(ApiError::PayloadTooLarge { limit: 5, .. })
        ));
        let bad = read_json(Body::from("{not json"), 100, "responses").await;
        assert!(matches!(bad, Err(ApiError::InvalidRequest(m)) if m.starts_with("Invalid JSON")));
    }
}
