//! Google Gemini (`POST <baseUrl>/models/<model>:streamGenerateContent?alt=sse`).
//!
//! Gemini has no terminal marker: the body simply ends. A stream is complete when a
//! candidate carried a `finishReason`; ending without one is a cut stream.

use std::collections::{HashMap, VecDeque};

use serde_json::{Value, json};

use crate::http::WireParser;
use crate::sse::SseEvent;
use crate::types::{CompletionRequest, ContentPart, ProviderEvent, Role, StopReason, Usage};

/// The request path for a model (a `models/` prefix in the id is tolerated).
pub fn stream_path(model: &str) -> String {
    let id = model.strip_prefix("models/").unwrap_or(model);
    format!("/models/{id}:streamGenerateContent?alt=sse")
}

/// Builds the JSON body for `streamGenerateContent`.
pub fn build_body(request: &CompletionRequest) -> Value {
    // functionResponse needs the function name, but results only carry the call id.
    let mut tool_names: HashMap<&str, &str> = HashMap::new();
    let mut contents = Vec::new();
    for message in &request.messages {
        let role = match message.role {
            Role::User => "user",
            Role::Assistant => "model",
        };
        let mut parts = Vec::new();
        for part in &message.content {
            match part {
                ContentPart::Text { text } => parts.push(json!({"text": text})),
                ContentPart::ToolCall {
                    id,
                    name,
                    arguments,
                } => {
                    tool_names.insert(id, name);
                    parts.push(json!({"functionCall": {"name": name, "args": arguments}}));
                }
                ContentPart::ToolResult {
                    tool_call_id,
                    content,
                    is_error,
                } => {
                    let name = tool_names.get(tool_call_id.as_str()).copied().unwrap_or("");
                    let key = if *is_error { "error" } else { "result" };
                    parts.push(json!({"functionResponse": {
                        "name": name,
                        "response": {key: content},
                    }}));
                }
                // Gemini's thought signatures are not modelled yet; prior reasoning is dropped.
                ContentPart::Thinking { .. } | ContentPart::RedactedThinking { .. } => {}
            }
        }
        if !parts.is_empty() {
            contents.push(json!({"role": role, "parts": parts}));
        }
    }
    let budget = request.thinking.anthropic_budget_tokens();
    // Thinking tokens count against maxOutputTokens, so add the budget on top of the answer's.
    let max_output = request.max_tokens.saturating_add(budget.unwrap_or(0));
    let mut generation_config = json!({"maxOutputTokens": max_output});
    if let Some(budget) = budget {
        generation_config["thinkingConfig"] =
            json!({"thinkingBudget": budget, "includeThoughts": true});
    }
    let mut body = json!({"contents": contents, "generationConfig": generation_config});
    if let Some(system) = &request.system {
        body["systemInstruction"] = json!({"parts": [{"text": system}]});
    }
    if !request.tools.is_empty() {
        let declarations: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                // parametersJsonSchema takes full JSON Schema; `parameters` only an OpenAPI subset.
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "parametersJsonSchema": tool.input_schema,
                })
            })
            .collect();
        body["tools"] = json!([{"functionDeclarations": declarations}]);
    }
    body
}

/// Maps Gemini `finishReason` values.
fn stop_reason(reason: &str, used_tools: bool) -> StopReason {
    match reason {
        "STOP" if used_tools => StopReason::ToolUse,
        "STOP" => StopReason::EndTurn,
        "MAX_TOKENS" => StopReason::MaxTokens,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" => {
            StopReason::ContentFilter
        }
        other => StopReason::Other(other.to_string()),
    }
}

/// Turns `GenerateContentResponse` chunks into provider events.
#[derive(Debug, Default)]
pub(crate) struct GeminiParser {
    usage: Option<Usage>,
    finish_reason: Option<String>,
    tool_calls: usize,
    stream_error: Option<String>,
}

fn read_usage(metadata: &Value) -> Usage {
    let number = |key: &str| metadata.get(key).and_then(Value::as_u64).unwrap_or(0);
    let cached = number("cachedContentTokenCount");
    Usage {
        // Cached tokens are included in promptTokenCount; report them separately.
        input: number("promptTokenCount").saturating_sub(cached),
        output: number("candidatesTokenCount") + number("thoughtsTokenCount"),
        cache_read: cached,
        cache_write: 0,
    }
}

impl WireParser for GeminiParser {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut VecDeque<ProviderEvent>,
    ) -> Result<(), String> {
        if event.data.trim().is_empty() {
            return Ok(());
        }
        let chunk: Value =
            serde_json::from_str(&event.data).map_err(|e| format!("chunk is not JSON: {e}"))?;
        if let Some(error) = chunk.get("error") {
            let status = error
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("error");
            let message = error.get("message").and_then(Value::as_str).unwrap_or("");
            self.stream_error = Some(format!("{status}: {message}"));
            return Ok(());
        }
        let candidate = chunk.pointer("/candidates/0");
        let parts = candidate
            .and_then(|c| c.pointer("/content/parts"))
            .and_then(Value::as_array);
        for part in parts.into_iter().flatten() {
            if let Some(text) = part.get("text").and_then(Value::as_str) {
                if text.is_empty() {
                    continue;
                }
                let is_thought = part.get("thought").and_then(Value::as_bool) == Some(true);
                out.push_back(if is_thought {
                    ProviderEvent::ThinkingDelta(text.to_string())
                } else {
                    ProviderEvent::TextDelta(text.to_string())
                });
            } else if let Some(call) = part.get("functionCall") {
                self.tool_calls += 1;
                let name = call.get("name").and_then(Value::as_str).unwrap_or("");
                // Older Gemini models send no call id; synthesise a stable one per stream.
                let id = call
                    .get("id")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("call_{}", self.tool_calls), str::to_string);
                out.push_back(ProviderEvent::ToolCall {
                    id,
                    name: name.to_string(),
                    arguments: call.get("args").cloned().unwrap_or_else(|| json!({})),
                });
            }
        }
        if let Some(reason) = candidate
            .and_then(|c| c.get("finishReason"))
            .and_then(Value::as_str)
        {
            self.finish_reason = Some(reason.to_string());
        }
        if let Some(metadata) = chunk.get("usageMetadata") {
            self.usage = Some(read_usage(metadata));
        }
        Ok(())
    }

    fn is_complete(&self) -> bool {
        false
    }

    fn complete_at_end_of_body(&self) -> bool {
        self.finish_reason.is_some()
    }

    fn on_end(&mut self, out: &mut VecDeque<ProviderEvent>) {
        if let Some(usage) = self.usage {
            out.push_back(ProviderEvent::Usage(usage));
        }
        let reason = self.finish_reason.take().unwrap_or_default();
        out.push_back(ProviderEvent::Done {
            stop_reason: stop_reason(&reason, self.tool_calls > 0),
        });
    }

    fn take_stream_error(&mut self) -> Option<String> {
        self.stream_error.take()
    }
}
