//! OpenAI Chat Completions (`POST <baseUrl>/chat/completions`, SSE) and every
//! OpenAI-compatible server (OpenRouter, Ollama, Groq, xAI, Mistral, …).

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};

use serde::Serialize;
use serde_json::{Value, json};

use crate::client::ChatCompat;
use crate::http::WireParser;
use crate::sse::SseEvent;
use crate::types::{
    CompletionRequest, ContentPart, ProviderEvent, Role, StopReason, ThinkingLevel, Usage,
};

/// Builds the JSON body for a streamed chat completion, serialized.
///
/// The body borrows from the request (system prompt, history, tool schemas) instead of copying
/// them into a `Value` tree: the same history and tool set are re-sent on every call of a turn.
pub fn build_body(request: &CompletionRequest, compat: ChatCompat) -> String {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if let Some(system) = &request.system {
        messages.push(WireMessage::Text {
            role: "system",
            content: Cow::Borrowed(system),
        });
    }
    for message in &request.messages {
        push_message(&mut messages, message.role, &message.content);
    }
    let max_tokens = Some(request.max_tokens);
    let body = Body {
        model: &request.model,
        messages,
        stream: true,
        stream_options: StreamOptions {
            include_usage: true,
        },
        max_completion_tokens: max_tokens.filter(|_| compat.max_completion_tokens),
        max_tokens: max_tokens.filter(|_| !compat.max_completion_tokens),
        tools: request
            .tools
            .iter()
            .map(|tool| WireTool {
                kind: "function",
                function: WireFunction {
                    name: &tool.name,
                    description: &tool.description,
                    parameters: &tool.input_schema,
                },
            })
            .collect(),
        reasoning_effort: if compat.supports_reasoning_effort
            && request.thinking != ThinkingLevel::Off
        {
            request.thinking.openai_reasoning_effort()
        } else {
            None
        },
    };
    // Serializing borrowed strings and `Value`s cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    stream: bool,
    stream_options: StreamOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<WireTool<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<&'static str>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
struct WireTool<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireFunction<'a>,
}

#[derive(Serialize)]
struct WireFunction<'a> {
    name: &'a str,
    description: &'a str,
    parameters: &'a Value,
}

#[derive(Serialize)]
#[serde(untagged)]
enum WireMessage<'a> {
    /// `system` and `user` messages.
    Text {
        role: &'static str,
        content: Cow<'a, str>,
    },
    Assistant {
        role: &'static str,
        /// `null` next to tool calls when there is no text.
        content: Option<Cow<'a, str>>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<WireToolCall<'a>>,
    },
    Tool {
        role: &'static str,
        tool_call_id: &'a str,
        content: &'a str,
    },
}

#[derive(Serialize)]
struct WireToolCall<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    function: WireCall<'a>,
}

#[derive(Serialize)]
struct WireCall<'a> {
    name: &'a str,
    arguments: String,
}

/// Chat Completions splits one neutral message into several wire messages: tool results
/// become separate `role:"tool"` messages, assistant tool calls ride on the assistant message.
fn push_message<'a>(out: &mut Vec<WireMessage<'a>>, role: Role, parts: &'a [ContentPart]) {
    let mut text: Cow<'a, str> = Cow::Borrowed("");
    let mut tool_calls = Vec::new();
    for part in parts {
        match part {
            ContentPart::Text { text: chunk } => {
                if text.is_empty() {
                    text = Cow::Borrowed(chunk);
                } else {
                    text.to_mut().push_str(chunk);
                }
            }
            ContentPart::ToolCall {
                id,
                name,
                arguments,
            } => tool_calls.push(WireToolCall {
                id,
                kind: "function",
                function: WireCall {
                    name,
                    arguments: arguments.to_string(),
                },
            }),
            // Chat Completions has no field for prior reasoning.
            ContentPart::Thinking { .. } | ContentPart::RedactedThinking { .. } => {}
            ContentPart::ToolResult {
                tool_call_id,
                content,
                ..
            } => out.push(WireMessage::Tool {
                role: "tool",
                tool_call_id,
                content,
            }),
        }
    }
    match role {
        Role::User if !text.is_empty() => out.push(WireMessage::Text {
            role: "user",
            content: text,
        }),
        Role::User => {}
        Role::Assistant => {
            // Strict servers reject `""` next to tool calls; null is the documented form.
            let content = (tool_calls.is_empty() || !text.is_empty()).then_some(text);
            out.push(WireMessage::Assistant {
                role: "assistant",
                content,
                tool_calls,
            });
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
