//! OpenAI Chat Completions (`POST <baseUrl>/chat/completions`, SSE) and every
//! OpenAI-compatible server (OpenRouter, Ollama, Groq, xAI, Mistral, …).

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Value, json};

use crate::client::ChatCompat;
use crate::http::WireParser;
use crate::sse::SseEvent;
use crate::types::{
    CompletionRequest, ContentPart, ProviderEvent, Role, StopReason, ThinkingLevel, Usage,
};

/// Builds the JSON body for a streamed chat completion.
pub fn build_body(request: &CompletionRequest, compat: ChatCompat) -> Value {
    let mut messages = Vec::new();
    if let Some(system) = &request.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    for message in &request.messages {
        push_message(&mut messages, message.role, &message.content);
    }
    let mut body = json!({
        "model": request.model,
        "messages": messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    let max_tokens_field = if compat.max_completion_tokens {
        "max_completion_tokens"
    } else {
        "max_tokens"
    };
    body[max_tokens_field] = json!(request.max_tokens);
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": tool.input_schema,
                    }
                })
            })
            .collect();
    }
    if compat.supports_reasoning_effort
        && request.thinking != ThinkingLevel::Off
        && let Some(effort) = request.thinking.openai_reasoning_effort()
    {
        body["reasoning_effort"] = json!(effort);
    }
    body
}

/// Chat Completions splits one neutral message into several wire messages: tool results
/// become separate `role:"tool"` messages, assistant tool calls ride on the assistant message.
fn push_message(out: &mut Vec<Value>, role: Role, parts: &[ContentPart]) {
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for part in parts {
        match part {
            ContentPart::Text { text: chunk } => text.push_str(chunk),
            ContentPart::ToolCall {
                id,
                name,
                arguments,
            } => tool_calls.push(json!({
                "id": id,
                "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()},
            })),
            // Chat Completions has no field for prior reasoning.
            ContentPart::Thinking { .. } | ContentPart::RedactedThinking { .. } => {}
            ContentPart::ToolResult {
                tool_call_id,
                content,
                ..
            } => out.push(json!({
                "role": "tool",
                "tool_call_id": tool_call_id,
                "content": content,
            })),
        }
    }
    match role {
        Role::User if !text.is_empty() => out.push(json!({"role": "user", "content": text})),
        Role::User => {}
        Role::Assistant => {
            let mut message = json!({"role": "assistant", "content": text});
            if !tool_calls.is_empty() {
                // Strict servers reject `""` next to tool calls; null is the documented form.
                if text.is_empty() {
                    message["content"] = Value::Null;
                }
                message["tool_calls"] = Value::Array(tool_calls);
            }
            out.push(message);
        }
    }
}

#[derive(Debug, Default)]
struct PartialToolCall {
    id: String,
    name: String,
    arguments: String,
}

/// Assembles chat-completion chunks into provider events.
#[derive(Debug, Default)]
pub(crate) struct ChatParser {
    tool_calls: BTreeMap<u64, PartialToolCall>,
    stop_reason: Option<StopReason>,
    done: bool,
    stream_error: Option<String>,
}

impl ChatParser {
    fn flush_tool_calls(&mut self, out: &mut VecDeque<ProviderEvent>) -> Result<(), String> {
        for (_, call) in std::mem::take(&mut self.tool_calls) {
            let arguments = if call.arguments.trim().is_empty() {
                json!({})
            } else {
                serde_json::from_str(&call.arguments)
                    .map_err(|e| format!("tool call {} arguments are not JSON: {e}", call.name))?
            };
            out.push_back(ProviderEvent::ToolCall {
                id: call.id,
                name: call.name,
                arguments,
            });
        }
        Ok(())
    }
}

fn read_usage(usage: &Value) -> Usage {
    let number = |v: Option<&Value>| v.and_then(Value::as_u64).unwrap_or(0);
    let prompt = number(usage.get("prompt_tokens"));
    let cached = number(usage.pointer("/prompt_tokens_details/cached_tokens"));
    Usage {
        // OpenAI counts cached tokens inside prompt_tokens; report them separately like Anthropic.
        input: prompt.saturating_sub(cached),
        output: number(usage.get("completion_tokens")),
        cache_read: cached,
        cache_write: 0,
    }
}

impl WireParser for ChatParser {
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut VecDeque<ProviderEvent>,
    ) -> Result<(), String> {
        let data = event.data.trim();
        if data == "[DONE]" {
            self.flush_tool_calls(out)?;
            self.done = true;
            return Ok(());
        }
        if data.is_empty() {
            return Ok(());
        }
        let chunk: Value =
            serde_json::from_str(data).map_err(|e| format!("chunk is not JSON: {e}"))?;
        if let Some(error) = chunk.get("error") {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            self.stream_error = Some(message.to_string());
            return Ok(());
        }
        let choices = chunk.get("choices").and_then(Value::as_array);
        for choice in choices.into_iter().flatten() {
            let delta = choice.get("delta").unwrap_or(&Value::Null);
            // Reasoning text: `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter, Ollama).
            for key in ["reasoning_content", "reasoning"] {
                if let Some(text) = delta.get(key).and_then(Value::as_str)
                    && !text.is_empty()
                {
                    out.push_back(ProviderEvent::ThinkingDelta(text.to_string()));
                }
            }
            if let Some(text) = delta.get("content").and_then(Value::as_str)
                && !text.is_empty()
            {
                out.push_back(ProviderEvent::TextDelta(text.to_string()));
            }
            for call in delta
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
                let partial = self.tool_calls.entry(index).or_default();
                if let Some(id) = call.get("id").and_then(Value::as_str) {
                    partial.id = id.to_string();
                }
                if let Some(name) = call.pointer("/function/name").and_then(Value::as_str) {
                    partial.name.push_str(name);
                }
                if let Some(args) = call.pointer("/function/arguments").and_then(Value::as_str) {
                    partial.arguments.push_str(args);
                }
            }
            // Compatible servers send `finish_reason: ""` while streaming; only non-empty counts.
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str)
                && !reason.is_empty()
            {
                self.flush_tool_calls(out)?;
                let stop_reason = StopReason::from_openai(reason);
                self.stop_reason = Some(stop_reason);
            }
        }
        if let Some(usage) = chunk.get("usage").filter(|u| u.is_object())
            && usage.get("prompt_tokens").is_some()
        {
            out.push_back(ProviderEvent::Usage(read_usage(usage)));
        }
        Ok(())
    }

    fn is_complete(&self) -> bool {
        self.done
    }

    fn on_end(&mut self, out: &mut VecDeque<ProviderEvent>) {
        let stop_reason = self.stop_reason.take().unwrap_or(StopReason::EndTurn);
        out.push_back(ProviderEvent::Done { stop_reason });
    }

    fn take_stream_error(&mut self) -> Option<String> {
        self.stream_error.take()
    }
}
