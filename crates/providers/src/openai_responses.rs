//! OpenAI Responses (`POST <baseUrl>/responses`, SSE with typed `response.*` events).
//!
//! Requests are stateless (`store: false`): the whole conversation is sent as input items.

use std::collections::VecDeque;

use serde_json::{Value, json};

use crate::http::WireParser;
use crate::sse::SseEvent;
use crate::types::{
    CompletionRequest, ContentPart, ProviderEvent, Role, StopReason, ThinkingLevel, Usage,
};

/// Builds the JSON body for a streamed Responses call.
pub fn build_body(request: &CompletionRequest) -> Value {
    let mut input = Vec::new();
    for message in &request.messages {
        for part in &message.content {
            match (message.role, part) {
                (Role::User, ContentPart::Text { text }) => input.push(json!({
                    "role": "user",
                    "content": [{"type": "input_text", "text": text}],
                })),
                (Role::Assistant, ContentPart::Text { text }) => input.push(json!({
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text}],
                })),
                (
                    _,
                    ContentPart::ToolCall {
                        id,
                        name,
                        arguments,
                    },
                ) => input.push(json!({
                    "type": "function_call",
                    "call_id": id,
                    "name": name,
                    "arguments": arguments.to_string(),
                })),
                (
                    _,
                    ContentPart::ToolResult {
                        tool_call_id,
                        content,
                        ..
                    },
                ) => input.push(json!({
                    "type": "function_call_output",
                    "call_id": tool_call_id,
                    "output": content,
                })),
                // Encrypted reasoning items are not modelled yet; stateless calls omit them.
                (_, ContentPart::Thinking { .. } | ContentPart::RedactedThinking { .. }) => {}
            }
        }
    }
    let mut body = json!({
        "model": request.model,
        "input": input,
        "stream": true,
        "store": false,
        "max_output_tokens": request.max_tokens,
    });
    if let Some(system) = &request.system {
        body["instructions"] = json!(system);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "type": "function",
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.input_schema,
                })
            })
            .collect();
    }
    if request.thinking != ThinkingLevel::Off
        && let Some(effort) = request.thinking.openai_reasoning_effort()
    {
        body["reasoning"] = json!({"effort": effort, "summary": "auto"});
    }
    body
}

/// Turns Responses stream events into provider events.
#[derive(Debug, Default)]
pub(crate) struct ResponsesParser {
    usage: Option<Usage>,
    stop_reason: Option<StopReason>,
    tool_calls: usize,
    done: bool,
    stream_error: Option<String>,
}

fn read_usage(usage: &Value) -> Usage {
    let number = |pointer: &str| usage.pointer(pointer).and_then(Value::as_u64).unwrap_or(0);
    let cached = number("/input_tokens_details/cached_tokens");
    Usage {
        input: number("/input_tokens").saturating_sub(cached),
        output: number("/output_tokens"),
        cache_read: cached,
        cache_write: 0,
    }
}

fn error_text(error: &Value) -> String {
    let code = error
        .get("code")
        .or(error.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("error");
    let message = error.get("message").and_then(Value::as_str).unwrap_or("");
    format!("{code}: {message}")
}

impl ResponsesParser {
    fn function_call_done(
        &mut self,
        item: &Value,
        out: &mut VecDeque<ProviderEvent>,
    ) -> Result<(), String> {
        let text_of = |key: &str| item.get(key).and_then(Value::as_str).unwrap_or("");
        let name = text_of("name");
        let raw = text_of("arguments");
        let arguments = if raw.trim().is_empty() {
            json!({})
        } else {
            serde_json::from_str(raw)
                .map_err(|e| format!("function_call {name} arguments are not JSON: {e}"))?
        };
        self.tool_calls += 1;
        out.push_back(ProviderEvent::ToolCall {
            id: text_of("call_id").to_string(),
            name: name.to_string(),
            arguments,
        });
        Ok(())
    }

    fn finish(&mut self, response: &Value, stop_reason: StopReason) {
        if let Some(usage) = response.get("usage").filter(|u| u.is_object()) {
            self.usage = Some(read_usage(usage));
        }
        self.stop_reason = Some(stop_reason);
        self.done = true;
    }
}

impl WireParser for ResponsesParser {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut VecDeque<ProviderEvent>,
    ) -> Result<(), String> {
        if event.data.trim().is_empty() {
            return Ok(());
        }
        let payload: Value =
            serde_json::from_str(&event.data).map_err(|e| format!("event is not JSON: {e}"))?;
        let kind = payload
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(event.event.as_str());
        let delta = || {
            payload
                .get("delta")
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
                .map(str::to_string)
        };
        let response = payload.get("response").unwrap_or(&Value::Null);
        match kind {
            "response.output_text.delta" => {
                if let Some(text) = delta() {
                    out.push_back(ProviderEvent::TextDelta(text));
                }
            }
            "response.reasoning_summary_text.delta" | "response.reasoning_text.delta" => {
                if let Some(text) = delta() {
                    out.push_back(ProviderEvent::ThinkingDelta(text));
                }
            }
            // Arguments arrive complete on output_item.done, so the deltas are not needed.
            "response.output_item.done" => {
                let item = payload.get("item").unwrap_or(&Value::Null);
                if item.get("type").and_then(Value::as_str) == Some("function_call") {
                    self.function_call_done(item, out)?;
                }
            }
            "response.completed" => {
                let stop = if self.tool_calls > 0 {
                    StopReason::ToolUse
                } else {
                    StopReason::EndTurn
                };
                self.finish(response, stop);
            }
            "response.incomplete" => {
                let reason = response
                    .pointer("/incomplete_details/reason")
                    .and_then(Value::as_str)
                    .unwrap_or("incomplete");
                let stop = match reason {
                    "max_output_tokens" => StopReason::MaxTokens,
                    "content_filter" => StopReason::ContentFilter,
                    other => StopReason::Other(other.to_string()),
                };
                self.finish(response, stop);
            }
            "response.failed" => {
                let error = response.get("error").unwrap_or(&Value::Null);
                self.stream_error = Some(error_text(error));
            }
            "error" => {
                let error = payload.get("error").unwrap_or(&payload);
                self.stream_error = Some(error_text(error));
            }
            _ => {}
        }
        Ok(())
    }

    fn is_complete(&self) -> bool {
        self.done
    }

    fn on_end(&mut self, out: &mut VecDeque<ProviderEvent>) {
        if let Some(usage) = self.usage {
            out.push_back(ProviderEvent::Usage(usage));
        }
        let stop_reason = self.stop_reason.take().unwrap_or(StopReason::EndTurn);
        out.push_back(ProviderEvent::Done { stop_reason });
    }

    fn take_stream_error(&mut self) -> Option<String> {
        self.stream_error.take()
    }
}
