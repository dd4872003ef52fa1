//! `POST /v1/chat/completions` (OpenClaw 2026.9.6 shapes).
//!
//! Non-stream: one `chat.completion` object with the run's text and token usage; a failed run
//! is a 500 OpenAI error whose message is the run's error. Stream: a role chunk, one content
//! chunk per assistant text delta, a `delta:{}` + `finish_reason:"stop"` chunk (the v4 finish
//! chunk; 2026.1.29 sent none), an optional usage chunk (`stream_options.include_usage`), then
//! `data: [DONE]`. A run that fails mid-stream ends with `data: {"error":{…}}` and `[DONE]`,
//! as OpenClaw 2026.9.6 does.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use openclaw_agent::RunOutcome;
use serde_json::{Value, json};

use super::request::{chat_prompt, chat_usage, resolve_target};
use super::{
    ApiError, DONE_FRAME, NO_RESPONSE_TEXT, SseRenderer, answered, data_frame, json_response,
    run_error, run_to_end, sse_response, start_streamed, unix_secs,
};
use crate::http::AppState;

const ENDPOINT: &str = "chatCompletions";

pub async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let snapshot = state.shared.snapshot.load_full();
    let config = snapshot.config();
    let max_body_bytes = config
        .gateway
        .as_ref()
        .and_then(|g| g.http.as_ref())
        .and_then(|h| h.endpoints.as_ref())
        .and_then(|e| e.chat_completions.as_ref())
        .and_then(|c| c.max_body_bytes);
    let (parts, payload) = match super::admit_post(
        &state,
        super::chat_completions_enabled(config),
        max_body_bytes,
        peer,
        request,
        ENDPOINT,
    )
    .await
    {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let result = async {
        let empty = serde_json::Map::new();
        let fields = payload.as_object().unwrap_or(&empty);
        let stream = fields.get("stream").and_then(Value::as_bool) == Some(true);
        let include_usage = fields
            .get("stream_options")
            .and_then(|o| o.get("include_usage"))
            .and_then(Value::as_bool)
            == Some(true);
        let model = fields.get("model").and_then(Value::as_str);
        let user = fields.get("user").and_then(Value::as_str);
        let target = resolve_target(config, &parts.headers, model, user, "openai")?;
        let prompt = chat_prompt(fields.get("messages"));
        if prompt.message.is_empty() {
            return Err(ApiError::InvalidRequest(
                "Missing user message in `messages`.".into(),
            ));
        }
        let id = format!("chatcmpl_{}", uuid::Uuid::new_v4());
        let turn = super::agent_turn(id.clone(), prompt, target);
        let chunks = Chunks {
            id,
            model: model.unwrap_or("openclaw").to_owned(),
            created: unix_secs(),
            include_usage,
            streamed: String::new(),
        };
        if stream {
            let source = start_streamed(&state.shared, turn).await?;
            return Ok(sse_response(source, chunks, state.stop.clone()));
        }
        let outcome = run_to_end(&state.shared, &state.stop, turn).await?;
        if !answered(&outcome) {
            return Err(run_error(&outcome));
        }
        Ok(json_response(StatusCode::OK, &chunks.completion(&outcome)))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

/// Builds the completion object and the stream chunks of one request.
struct Chunks {
    id: String,
    /// Echoed as the caller wrote it (`openclaw:main`), as OpenClaw does.
    model: String,
    created: u64,
    include_usage: bool,
    /// Text already sent as content chunks.
    streamed: String,
}

impl Chunks {
    fn completion(&self, outcome: &RunOutcome) -> Value {
        let content = if outcome.text.is_empty() {
            NO_RESPONSE_TEXT
        } else {
            outcome.text.as_str()
        };
        json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }],
            "usage": chat_usage(&outcome.usage),
        })
    }

    fn chunk(&self, delta: Value, finish_reason: Option<&str>) -> String {
        data_frame(&json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }))
    }

    fn content(&mut self, text: &str) -> Option<String> {
        if text.is_empty() {
            return None;
        }
        self.streamed.push_str(text);
        Some(self.chunk(json!({"content": text}), None))
    }
}

impl SseRenderer for Chunks {
    fn start(&mut self) -> Vec<String> {
        vec![self.chunk(json!({"role": "assistant"}), None)]
    }

    fn text(&mut self, delta: &str) -> Vec<String> {
        self.content(delta).into_iter().collect()
    }

    fn end(&mut self, outcome: &RunOutcome) -> Vec<String> {
        if !answered(outcome) {
            return self.fail(&run_error(outcome));
        }
        let mut frames = Vec::new();
        // Text the events did not carry (a reply that was not streamed, or the fallback when
        // the run said nothing) still reaches the client before the finish chunk.
        let rest = if self.streamed.is_empty() {
            if outcome.text.is_empty() {
                NO_RESPONSE_TEXT.to_owned()
            } else {
                outcome.text.clone()
            }
        } else {
            outcome
                .text
                .strip_prefix(self.streamed.as_str())
                .unwrap_or("")
                .to_owned()
        };
        frames.extend(self.content(&rest));
        frames.push(self.chunk(json!({}), Some("stop")));
        if self.include_usage {
            frames.push(data_frame(&json!({
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
                "choices": [],
                "usage": chat_usage(&outcome.usage),
            })));
        }
        frames.push(DONE_FRAME.to_owned());
        frames
    }

    fn fail(&mut self, error: &ApiError) -> Vec<String> {
        vec![
            data_frame(&json!({"error": error.object()})),
            DONE_FRAME.to_owned(),
        ]
    }
}
