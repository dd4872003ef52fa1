//! Transcript ⇄ model context.
//!
//! Transcript messages keep OpenClaw's JSON shapes (what `chat.history` returns and what a Node
//! state dir already holds): `{role:"user", content:[{type:"text",text}], timestamp}`,
//! assistant messages with `api/provider/model/usage/stopReason`, and
//! `{role:"toolResult", toolCallId, toolName, content, isError}`. This module converts between
//! those and the provider-neutral [`Message`]s, applying the latest `compaction` entry.

use std::sync::Arc;

use openclaw_providers::{ContentPart, Message, Role, StopReason, Usage};
use openclaw_store::{EntryKind, TranscriptEntry};
use serde_json::{Map, Value, json};

/// The model context rebuilt from a transcript branch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// Summary of everything before the last compaction, if any.
    pub summary: Option<String>,
    pub messages: Vec<Arc<Message>>,
    /// Transcript ids of the entries behind `messages`, in order (for choosing a compaction cut).
    pub entry_ids: Vec<String>,
    /// Characters of content in `messages` (a cheap size estimate).
    pub chars: usize,
    /// `usage.input + usage.output` of the newest assistant message, if recorded.
    pub last_total_tokens: Option<u64>,
}

impl Context {
    /// Estimated prompt tokens: the provider's last count when known, else ~4 chars per token.
    pub fn estimated_tokens(&self) -> u64 {
        let by_chars = (self.chars / 4) as u64;
        self.last_total_tokens.unwrap_or(0).max(by_chars)
    }
}

/// Rebuilds the context from entries of the current branch, oldest first.
pub fn context_from_entries(entries: &[TranscriptEntry]) -> Context {
    let start = entries
        .iter()
        .rposition(|entry| entry.kind == EntryKind::Compaction);
    let mut context = Context::default();
    // Entries before the compaction are replaced by its summary, except those from
    // `firstKeptEntryId` on, which stay verbatim.
    let begin = match start {
        Some(compaction) => {
            let body = &entries[compaction].body;
            context.summary = body
                .get("summary")
                .and_then(Value::as_str)
                .map(str::to_owned);
            body.get("firstKeptEntryId")
                .and_then(Value::as_str)
                .and_then(|id| entries[..compaction].iter().position(|e| e.id == id))
                .unwrap_or(compaction + 1)
        }
        None => 0,
    };
    for (index, entry) in entries.iter().enumerate().skip(begin) {
        if Some(index) == start {
            continue;
        }
        let Some(message) = entry.body.get("message") else {
            continue;
        };
        if entry.kind != EntryKind::Message && entry.kind != EntryKind::CustomMessage {
            continue;
        }
        if let Some(converted) = message_from_json(message) {
            context.chars += message_chars(&converted);
            if converted.role == Role::Assistant
                && let Some(usage) = message.get("usage")
            {
                let input = usage.get("input").and_then(Value::as_u64).unwrap_or(0);
                let output = usage.get("output").and_then(Value::as_u64).unwrap_or(0);
                if input + output > 0 {
                    context.last_total_tokens = Some(input + output);
                }
            }
            push_merged(&mut context.messages, converted);
            context.entry_ids.push(entry.id.clone());
        }
    }
    context
}

/// Appends, merging consecutive same-role messages (tool results of one round, or a user
/// message following tool results) so providers see strictly alternating roles.
pub fn push_merged(messages: &mut Vec<Arc<Message>>, message: Message) {
    if let Some(last) = messages.last_mut()
        && last.role == message.role
    {
        Arc::make_mut(last).content.extend(message.content);
        return;
    }
    messages.push(Arc::new(message));
}

pub fn message_chars(message: &Message) -> usize {
    message
        .content
        .iter()
        .map(|part| match part {
            ContentPart::Text { text } | ContentPart::Thinking { text, .. } => text.len(),
            ContentPart::RedactedThinking { data } => data.len(),
            ContentPart::ToolCall { arguments, .. } => arguments.to_string().len(),
            ContentPart::ToolResult { content, .. } => content.len(),
        })
        .sum()
}

/// Converts one transcript message; `None` for messages that carry nothing for the model
/// (failed assistant turns, empty content).
pub fn message_from_json(message: &Value) -> Option<Message> {
    let role = message.get("role")?.as_str()?;
    match role {
        "user" => {
            let parts = text_parts(message.get("content")?);
            (!parts.is_empty()).then_some(Message {
                role: Role::User,
                content: parts,
            })
        }
        "assistant" => {
            if message.get("stopReason").and_then(Value::as_str) == Some("error") {
                return None;
            }
            let mut content = Vec::new();
            for part in message.get("content")?.as_array()? {
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        if let Some(text) = part.get("text").and_then(Value::as_str)
                            && !text.is_empty()
                        {
                            content.push(ContentPart::Text { text: text.into() });
                        }
                    }
                    Some("thinking") => {
                        let text = part.get("thinking").and_then(Value::as_str).unwrap_or("");
                        let signature = part
                            .get("thinkingSignature")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                        content.push(ContentPart::Thinking {
                            text: text.into(),
                            signature,
                        });
                    }
                    Some("redactedThinking") => {
                        if let Some(data) = part.get("data").and_then(Value::as_str) {
                            content.push(ContentPart::RedactedThinking { data: data.into() });
                        }
                    }
                    Some("toolCall") => {
                        let id = part.get("id").and_then(Value::as_str)?;
                        let name = part.get("name").and_then(Value::as_str)?;
                        content.push(ContentPart::ToolCall {
                            id: id.into(),
                            name: name.into(),
                            arguments: part.get("arguments").cloned().unwrap_or(json!({})),
                        });
                    }
                    _ => {}
                }
            }
            (!content.is_empty()).then_some(Message {
                role: Role::Assistant,
                content,
            })
        }
        "toolResult" => {
            let tool_call_id = message.get("toolCallId")?.as_str()?.to_owned();
            let content = text_parts(message.get("content")?)
                .into_iter()
                .filter_map(|part| match part {
                    ContentPart::Text { text } => Some(text),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("\n");
            let is_error = message
                .get("isError")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Some(Message {
                role: Role::User,
                content: vec![ContentPart::ToolResult {
                    tool_call_id,
                    content,
                    is_error,
                }],
            })
        }
        _ => None,
    }
}

fn text_parts(content: &Value) -> Vec<ContentPart> {
    match content {
        Value::String(text) if !text.is_empty() => vec![ContentPart::Text { text: text.clone() }],
        Value::Array(parts) => parts
            .iter()
            .filter(|part| part.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .filter(|text| !text.is_empty())
            .map(|text| ContentPart::Text { text: text.into() })
            .collect(),
        _ => Vec::new(),
    }
}

/// `{role:"user", content:[{type:"text",text}], timestamp}`.
pub fn user_message_json(text: &str, timestamp: i64) -> Value {
    json!({"role": "user", "content": [{"type": "text", "text": text}], "timestamp": timestamp})
}

/// What an assistant message records besides its content.
#[derive(Debug, Clone)]
pub struct AssistantMeta<'a> {
    pub api: &'a str,
    pub provider: &'a str,
    pub model: &'a str,
    pub usage: Usage,
    pub stop_reason: Option<&'a StopReason>,
    pub error: Option<&'a str>,
    pub timestamp: i64,
}

/// An assistant message in OpenClaw's transcript shape.
pub fn assistant_message_json(content: &[ContentPart], meta: &AssistantMeta<'_>) -> Value {
    let parts: Vec<Value> = content
        .iter()
        .filter_map(|part| match part {
            ContentPart::Text { text } => Some(json!({"type": "text", "text": text})),
            ContentPart::Thinking { text, signature } => {
                let mut value = Map::new();
                value.insert("type".into(), "thinking".into());
                value.insert("thinking".into(), text.as_str().into());
                if let Some(signature) = signature {
                    value.insert("thinkingSignature".into(), signature.as_str().into());
                }
                Some(Value::Object(value))
            }
            ContentPart::RedactedThinking { data } => {
                Some(json!({"type": "redactedThinking", "data": data}))
            }
            ContentPart::ToolCall {
                id,
                name,
                arguments,
            } => Some(json!({"type": "toolCall", "id": id, "name": name, "arguments": arguments})),
            ContentPart::ToolResult { .. } => None,
        })
        .collect();
    let usage = meta.usage;
    let mut message = json!({
        "role": "assistant",
        "content": parts,
        "api": meta.api,
        "provider": meta.provider,
        "model": meta.model,
        "usage": {
            "input": usage.input,
            "output": usage.output,
            "cacheRead": usage.cache_read,
            "cacheWrite": usage.cache_write,
            "totalTokens": usage.input + usage.output + usage.cache_read + usage.cache_write,
            "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0, "total": 0},
        },
        "stopReason": stop_reason_word(meta.stop_reason, meta.error.is_some()),
        "timestamp": meta.timestamp,
    });
    if let Some(error) = meta.error
        && let Some(object) = message.as_object_mut()
    {
        object.insert("errorMessage".into(), error.into());
    }
    message
}

/// pi-ai's stop reason words: `stop`, `length`, `toolUse`, `error`, `aborted`.
fn stop_reason_word(reason: Option<&StopReason>, failed: bool) -> &'static str {
    if failed {
        return "error";
    }
    match reason {
        Some(StopReason::ToolUse) => "toolUse",
        Some(StopReason::MaxTokens) => "length",
        None => "aborted",
        _ => "stop",
    }
}

/// `{role:"toolResult", toolCallId, toolName, content:[{type:"text",text}], isError, timestamp}`.
pub fn tool_result_json(
    tool_call_id: &str,
    tool_name: &str,
    content: &str,
    is_error: bool,
    timestamp: i64,
) -> Value {
    json!({
        "role": "toolResult",
        "toolCallId": tool_call_id,
        "toolName": tool_name,
        "content": [{"type": "text", "text": content}],
        "isError": is_error,
        "timestamp": timestamp,
    })
}

/// The text parts of an assistant content list, joined.
pub fn assistant_text(content: &[ContentPart]) -> String {
    let mut text = String::new();
    for part in content {
        if let ContentPart::Text { text: piece } = part {
            text.push_str(piece);
        }
    }
    text
}
