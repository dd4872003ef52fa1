//! `POST /v1/responses` (OpenResponses, OpenClaw 2026.9.6 shapes).
//!
//! `input` is a string or an array of items (`message`, `function_call_output`);
//! `instructions` joins the extra system prompt. Non-stream: a `response` object with one
//! assistant message item; a failed run is a 500 carrying the `response` with
//! `status:"failed"` and `error:{code,message}`. Stream: `event:` + `data:` frames in the
//! order response.created, response.in_progress, response.output_item.added,
//! response.content_part.added, response.output_text.delta×N, response.output_text.done,
//! response.content_part.done, response.output_item.done, response.completed, then
//! `data: [DONE]`; a failure ends with response.failed and `[DONE]`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use openclaw_agent::RunOutcome;
use openclaw_providers::Usage;
use serde_json::{Value, json};

use super::request::{resolve_target, responses_prompt, responses_usage};
use super::{
    ApiError, DONE_FRAME, NO_RESPONSE_TEXT, SseRenderer, answered, event_frame, json_response,
    run_error, run_to_end, sse_response, start_streamed, unix_secs,
};
use crate::http::AppState;

const ENDPOINT: &str = "responses";

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
        .and_then(|e| e.responses.as_ref())
        .and_then(|r| r.max_body_bytes);
    let (parts, payload) = match super::admit_post(
        &state,
        super::responses_enabled(config),
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
        let Some(fields) = payload.as_object() else {
            return Err(ApiError::InvalidRequest(
                "Invalid request body: send a JSON object with `model` and `input`.".into(),
            ));
        };
        let stream = fields.get("stream").and_then(Value::as_bool) == Some(true);
        let model = fields.get("model").and_then(Value::as_str);
        let user = fields.get("user").and_then(Value::as_str);
        let instructions = fields.get("instructions").and_then(Value::as_str);
        let prompt = responses_prompt(fields.get("input"), instructions)?;
        let target = resolve_target(config, &parts.headers, model, user, "openresponses")?;
        if prompt.message.is_empty() {
            return Err(ApiError::InvalidRequest(
                "Missing user message in `input`.".into(),
            ));
        }
        let id = format!("resp_{}", uuid::Uuid::new_v4());
        let turn = super::agent_turn(id.clone(), prompt, target);
        let mut events = Events {
            id,
            item_id: format!("msg_{}", uuid::Uuid::new_v4()),
            model: model.unwrap_or("openclaw").to_owned(),
            created_at: unix_secs(),
            text: String::new(),
        };
        if stream {
            let source = start_streamed(&state.shared, turn).await?;
            return Ok(sse_response(source, events, state.stop.clone()));
        }
        let outcome = run_to_end(&state.shared, &state.stop, turn).await?;
        if !answered(&outcome) {
            let error = run_error(&outcome);
            let failed = events.failed(&error, &outcome.usage);
            return Ok(json_response(StatusCode::INTERNAL_SERVER_ERROR, &failed));
        }
        events.text = final_text(&outcome.text);
        let item = events.item(&events.text, "completed");
        Ok(json_response(
            StatusCode::OK,
            &events.resource("completed", vec![item], &outcome.usage),
        ))
    }
    .await;
    result.unwrap_or_else(IntoResponse::into_response)
}

fn final_text(text: &str) -> String {
    if text.is_empty() {
        NO_RESPONSE_TEXT.to_owned()
    } else {
        text.to_owned()
    }
}

/// Builds the response resource and the stream events of one request.
struct Events {
    id: String,
    item_id: String,
    model: String,
    created_at: u64,
    /// Text sent so far.
    text: String,
}

impl Events {
    fn resource(&self, status: &str, output: Vec<Value>, usage: &Usage) -> Value {
        json!({
            "id": self.id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "model": self.model,
            "output": output,
            "usage": responses_usage(usage),
        })
    }

    fn failed(&self, error: &ApiError, usage: &Usage) -> Value {
        let mut resource = self.resource("failed", Vec::new(), usage);
        if let Some(object) = resource.as_object_mut() {
            object.insert(
                "error".into(),
                json!({"code": error.kind(), "message": error.to_string()}),
            );
        }
        resource
    }

    fn item(&self, text: &str, status: &str) -> Value {
        json!({
            "type": "message",
            "id": self.item_id,
            "role": "assistant",
            "content": [{"type": "output_text", "text": text}],
            "phase": "final_answer",
            "status": status,
        })
    }

    fn part_event(&self, kind: &str, key: &str, value: Value) -> String {
        let mut body = json!({
            "type": kind,
            "item_id": self.item_id,
            "output_index": 0,
            "content_index": 0,
        });
        if let Some(object) = body.as_object_mut() {
            object.insert(key.into(), value);
        }
        event_frame(kind, &body)
    }

    fn delta(&mut self, delta: &str) -> Option<String> {
        if delta.is_empty() {
            return None;
        }
        self.text.push_str(delta);
        Some(self.part_event("response.output_text.delta", "delta", json!(delta)))
    }
}

impl SseRenderer for Events {
    fn start(&mut self) -> Vec<String> {
        let initial = self.resource("in_progress", Vec::new(), &Usage::default());
        vec![
            event_frame(
                "response.created",
                &json!({"type": "response.created", "response": initial}),
            ),
            event_frame(
                "response.in_progress",
                &json!({"type": "response.in_progress", "response": initial}),
            ),
            event_frame(
                "response.output_item.added",
                &json!({
                    "type": "response.output_item.added",
                    "output_index": 0,
                    "item": {
                        "type": "message",
                        "id": self.item_id,
                        "role": "assistant",
                        "content": [],
                        "status": "in_progress",
                    },
                }),
            ),
            self.part_event(
                "response.content_part.added",
                "part",
                json!({"type": "output_text", "text": ""}),
            ),
        ]
    }

    fn text(&mut self, delta: &str) -> Vec<String> {
        self.delta(delta).into_iter().collect()
    }

    fn end(&mut self, outcome: &RunOutcome) -> Vec<String> {
        if !answered(outcome) {
            let error = run_error(outcome);
            return self.fail_with_usage(&error, &outcome.usage);
        }
        let mut frames = Vec::new();
        let rest = if self.text.is_empty() {
            final_text(&outcome.text)
        } else {
            outcome
                .text
                .strip_prefix(self.text.as_str())
                .unwrap_or("")
                .to_owned()
        };
        frames.extend(self.delta(&rest));
        let text = self.text.clone();
        frames.push(self.part_event("response.output_text.done", "text", json!(text)));
        frames.push(self.part_event(
            "response.content_part.done",
            "part",
            json!({"type": "output_text", "text": text}),
        ));
        let item = self.item(&text, "completed");
        frames.push(event_frame(
            "response.output_item.done",
            &json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
        ));
        let done = self.resource("completed", vec![item], &outcome.usage);
        frames.push(event_frame(
            "response.completed",
            &json!({"type": "response.completed", "response": done}),
        ));
        frames.push(DONE_FRAME.to_owned());
        frames
    }

    fn fail(&mut self, error: &ApiError) -> Vec<String> {
        self.fail_with_usage(error, &Usage::default())
    }
}

impl Events {
    fn fail_with_usage(&self, error: &ApiError, usage: &Usage) -> Vec<String> {
        let failed = self.failed(error, usage);
        vec![
            event_frame(
                "response.failed",
                &json!({"type": "response.failed", "response": failed}),
            ),
            DONE_FRAME.to_owned(),
        ]
    }
}
