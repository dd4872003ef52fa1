//! Anthropic Messages (`POST <baseUrl>/v1/messages`, SSE): text, thinking and tool_use blocks.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Value, json};

use crate::http::WireParser;
use crate::sse::SseEvent;
use crate::types::{CompletionRequest, ContentPart, ProviderEvent, Role, StopReason, Usage};

/// The API version header value every request carries.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Builds the JSON body for a streamed Messages call.
pub fn build_body(request: &CompletionRequest) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|message| {
            let role = match message.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            let content: Vec<Value> = message.content.iter().filter_map(content_block).collect();
            json!({"role": role, "content": content})
        })
        .collect();
    let budget = request.thinking.anthropic_budget_tokens();
    // The thinking budget is part of max_tokens, so add it on top of the answer budget.
    let max_tokens = request.max_tokens.saturating_add(budget.unwrap_or(0));
    let mut body = json!({
        "model": request.model,
        "max_tokens": max_tokens,
        "messages": messages,
        "stream": true,
    });
    if let Some(system) = &request.system {
        body["system"] = json!(system);
    }
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "name": tool.name,
                    "description": tool.description,
                    "input_schema": tool.input_schema,
                })
            })
            .collect();
    }
    if let Some(budget_tokens) = budget {
        body["thinking"] = json!({"type": "enabled", "budget_tokens": budget_tokens});
    }
    body
}

fn content_block(part: &ContentPart) -> Option<Value> {
    Some(match part {
        ContentPart::Text { text } => json!({"type": "text", "text": text}),
        ContentPart::Thinking {
            text,
            signature: Some(signature),
        } => json!({"type": "thinking", "thinking": text, "signature": signature}),
        // The API rejects unsigned thinking blocks, so reasoning from elsewhere is dropped.
        ContentPart::Thinking {
            signature: None, ..
        } => return None,
        ContentPart::RedactedThinking { data } => {
            json!({"type": "redacted_thinking", "data": data})
        }
        ContentPart::ToolCall {
            id,
            name,
            arguments,
        } => json!({"type": "tool_use", "id": id, "name": name, "input": arguments}),
        ContentPart::ToolResult {
            tool_call_id,
            content,
            is_error,
        } => json!({
            "type": "tool_result",
            "tool_use_id": tool_call_id,
            "content": content,
            "is_error": is_error,
        }),
    })
}

#[derive(Debug)]
enum Block {
    Text,
    Thinking {
        signature: String,
    },
    ToolUse {
        id: String,
        name: String,
        input_json: String,
    },
    Other,
}

/// Assembles Messages stream events into provider events.
#[derive(Debug, Default)]
pub(crate) struct MessagesParser {
    blocks: BTreeMap<u64, Block>,
    usage: Usage,
    stop_reason: Option<StopReason>,
    done: bool,
    stream_error: Option<String>,
}

fn number(value: &Value, key: &str) -> Option<u64> {
    value.get(key).and_then(Value::as_u64)
}

impl MessagesParser {
    /// Usage arrives in pieces (message_start has input, message_delta the running output).
    fn merge_usage(&mut self, usage: &Value) {
        if let Some(n) = number(usage, "input_tokens") {
            self.usage.input = n;
        }
        if let Some(n) = number(usage, "output_tokens") {
            self.usage.output = n;
        }
        if let Some(n) = number(usage, "cache_read_input_tokens") {
            self.usage.cache_read = n;
        }
        if let Some(n) = number(usage, "cache_creation_input_tokens") {
            self.usage.cache_write = n;
        }
    }

    fn block_start(&mut self, index: u64, block: &Value, out: &mut VecDeque<ProviderEvent>) {
        let kind = block.get("type").and_then(Value::as_str).unwrap_or("");
        let text_of = |key: &str| {
            block
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let parsed = match kind {
            "text" => Block::Text,
            "thinking" => Block::Thinking {
                signature: text_of("signature"),
            },
            "redacted_thinking" => {
                out.push_back(ProviderEvent::RedactedThinking(text_of("data")));
                Block::Other
            }
            "tool_use" => Block::ToolUse {
                id: text_of("id"),
                name: text_of("name"),
                input_json: String::new(),
            },
            _ => Block::Other,
        };
        self.blocks.insert(index, parsed);
    }

    fn block_delta(
        &mut self,
        index: u64,
        delta: &Value,
        out: &mut VecDeque<ProviderEvent>,
    ) -> Result<(), String> {
        let text_of = |key: &str| delta.get(key).and_then(Value::as_str).unwrap_or("");
        match delta.get("type").and_then(Value::as_str).unwrap_or("") {
            "text_delta" => {
                let text = text_of("text");
                if !text.is_empty() {
                    out.push_back(ProviderEvent::TextDelta(text.to_string()));
                }
            }
            "thinking_delta" => {
                let text = text_of("thinking");
                if !text.is_empty() {
                    out.push_back(ProviderEvent::ThinkingDelta(text.to_string()));
                }
            }
            "input_json_delta" => match self.blocks.get_mut(&index) {
                Some(Block::ToolUse { input_json, .. }) => {
                    input_json.push_str(text_of("partial_json"))
                }
                _ => return Err(format!("input_json_delta for non-tool block {index}")),
            },
            "signature_delta" => {
                if let Some(Block::Thinking { signature }) = self.blocks.get_mut(&index) {
                    signature.push_str(text_of("signature"));
                }
            }
            // Future delta kinds (citations, …) carry nothing we surface yet.
            _ => {}
        }
        Ok(())
    }

    fn block_stop(&mut self, index: u64, out: &mut VecDeque<ProviderEvent>) -> Result<(), String> {
        let block = self.blocks.remove(&index);
        if let Some(Block::Thinking { signature }) = block {
            if !signature.is_empty() {
                out.push_back(ProviderEvent::ThinkingSignature(signature));
            }
            return Ok(());
        }
        if let Some(Block::ToolUse {
            id,
            name,
            input_json,
        }) = block
        {
            let arguments = if input_json.trim().is_empty() {
                json!({})
            } else {
                serde_json::from_str(&input_json)
                    .map_err(|e| format!("tool_use {name} input is not JSON: {e}"))?
            };
            out.push_back(ProviderEvent::ToolCall {
                id,
                name,
                arguments,
            });
        }
        Ok(())
    }
}

impl WireParser for MessagesParser {
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
        let index = payload.get("index").and_then(Value::as_u64).unwrap_or(0);
        match kind {
            "message_start" => {
                if let Some(usage) = payload.pointer("/message/usage") {
                    self.merge_usage(usage);
                }
            }
            "content_block_start" => {
                let block = payload.get("content_block").unwrap_or(&Value::Null);
                self.block_start(index, block, out);
            }
            "content_block_delta" => {
                let delta = payload.get("delta").unwrap_or(&Value::Null);
                self.block_delta(index, delta, out)?;
            }
            "content_block_stop" => self.block_stop(index, out)?,
            "message_delta" => {
                if let Some(reason) = payload
                    .pointer("/delta/stop_reason")
                    .and_then(Value::as_str)
                {
                    self.stop_reason = Some(StopReason::from_anthropic(reason));
                }
                if let Some(usage) = payload.get("usage") {
                    self.merge_usage(usage);
                }
            }
            "message_stop" => self.done = true,
            "error" => {
                let error = payload.get("error").unwrap_or(&Value::Null);
                let error_type = error.get("type").and_then(Value::as_str).unwrap_or("error");
                let message = error.get("message").and_then(Value::as_str).unwrap_or("");
                self.stream_error = Some(format!("{error_type}: {message}"));
            }
            // ping and unknown future events are ignored.
            _ => {}
        }
        Ok(())
    }

    fn is_complete(&self) -> bool {
        self.done
    }

    fn on_end(&mut self, out: &mut VecDeque<ProviderEvent>) {
        out.push_back(ProviderEvent::Usage(self.usage));
        let stop_reason = self.stop_reason.take().unwrap_or(StopReason::EndTurn);
        out.push_back(ProviderEvent::Done { stop_reason });
    }

    fn take_stream_error(&mut self) -> Option<String> {
        self.stream_error.take()
    }
}
