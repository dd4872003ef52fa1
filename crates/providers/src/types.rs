//! The provider-neutral request and the streamed events every wire client produces.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How much the model should reason before answering (OpenClaw's `/think` levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThinkingLevel {
    #[default]
    Off,
    Minimal,
    Low,
    Medium,
    High,
    Xhigh,
}

impl ThinkingLevel {
    /// Parses a level as users write it (`/think high`, `thinkingDefault`), with OpenClaw's
    /// synonyms: `on` → low, `think` → minimal, `think-hard` → low, `think-harder`/`mid` →
    /// medium, `ultrathink`/`highest`/`max` → high, `x-high` → xhigh. Case-insensitive;
    /// spaces and underscores count as hyphens.
    pub fn parse(raw: &str) -> Option<Self> {
        let key = raw.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        match key.as_str() {
            "off" => Some(ThinkingLevel::Off),
            "min" | "minimal" | "think" => Some(ThinkingLevel::Minimal),
            "on" | "enable" | "enabled" | "low" | "thinkhard" | "think-hard" => {
                Some(ThinkingLevel::Low)
            }
            "mid" | "med" | "medium" | "thinkharder" | "think-harder" | "harder" => {
                Some(ThinkingLevel::Medium)
            }
            "high" | "ultra" | "ultrathink" | "thinkhardest" | "highest" | "max" => {
                Some(ThinkingLevel::High)
            }
            "xhigh" | "x-high" => Some(ThinkingLevel::Xhigh),
            _ => None,
        }
    }

    /// Anthropic extended-thinking token budget for this level; `None` means thinking is off.
    ///
    /// The budgets grow roughly 4x per level so each step is a noticeable change in depth.
    pub fn anthropic_budget_tokens(self) -> Option<u32> {
        match self {
            ThinkingLevel::Off => None,
            ThinkingLevel::Minimal => Some(1024),
            ThinkingLevel::Low => Some(4096),
            ThinkingLevel::Medium => Some(10_000),
            ThinkingLevel::High => Some(32_000),
            ThinkingLevel::Xhigh => Some(64_000),
        }
    }

    /// OpenAI `reasoning_effort` value; `None` means the field is omitted.
    pub fn openai_reasoning_effort(self) -> Option<&'static str> {
        match self {
            ThinkingLevel::Off => None,
            ThinkingLevel::Minimal => Some("minimal"),
            ThinkingLevel::Low => Some("low"),
            ThinkingLevel::Medium => Some("medium"),
            ThinkingLevel::High | ThinkingLevel::Xhigh => Some("high"),
        }
    }
}

/// Who said a message in the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// One piece of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    Text {
        text: String,
    },
    /// Reasoning the assistant produced. Anthropic requires it to be sent back, signed, in
    /// tool-use loops with thinking enabled; other APIs drop it.
    Thinking {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    /// Encrypted reasoning (Anthropic `redacted_thinking`), replayed verbatim.
    RedactedThinking {
        data: String,
    },
    /// The assistant asked for a tool to run.
    ToolCall {
        id: String,
        name: String,
        arguments: Value,
    },
    /// The result of running a tool, sent back in a user turn.
    ToolResult {
        tool_call_id: String,
        content: String,
        #[serde(default)]
        is_error: bool,
    },
}

/// One conversation turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: Vec<ContentPart>,
}

impl Message {
    /// A user turn holding only text.
    pub fn user_text(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: vec![ContentPart::Text { text: text.into() }],
        }
    }

    /// An assistant turn holding only text.
    pub fn assistant_text(text: impl Into<String>) -> Self {
        Self {
            role: Role::Assistant,
            content: vec![ContentPart::Text { text: text.into() }],
        }
    }
}

/// A tool the model may call; `input_schema` is a JSON Schema object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub input_schema: Value,
}

/// What to ask a model, independent of the wire API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionRequest {
    /// Model id as the provider knows it (no `provider/` prefix).
    pub model: String,
    /// Shared, like `messages` and `tools`: a request is cloned per failover attempt and the
    /// turn loop re-sends the same history every round, so clones must not copy the content.
    pub system: Option<Arc<str>>,
    pub messages: Vec<Arc<Message>>,
    pub tools: Arc<[ToolSpec]>,
    pub max_tokens: u32,
    pub thinking: ThinkingLevel,
}

/// Why the model stopped, normalised across APIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    EndTurn,
    ToolUse,
    MaxTokens,
    StopSequence,
    ContentFilter,
    /// A value this build does not know, kept verbatim.
    Other(String),
}

impl StopReason {
    /// Maps OpenAI `finish_reason` values.
    pub fn from_openai(reason: &str) -> Self {
        match reason {
            "stop" => StopReason::EndTurn,
            "tool_calls" | "function_call" => StopReason::ToolUse,
            "length" => StopReason::MaxTokens,
            "content_filter" => StopReason::ContentFilter,
            other => StopReason::Other(other.to_string()),
        }
    }

    /// Maps Anthropic `stop_reason` values.
    pub fn from_anthropic(reason: &str) -> Self {
        match reason {
            "end_turn" => StopReason::EndTurn,
            "tool_use" => StopReason::ToolUse,
            "max_tokens" => StopReason::MaxTokens,
            "stop_sequence" => StopReason::StopSequence,
            "refusal" => StopReason::ContentFilter,
            other => StopReason::Other(other.to_string()),
        }
    }
}

/// Token accounting for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input: u64,
    pub output: u64,
    pub cache_read: u64,
    pub cache_write: u64,
}

/// One streamed event, in the order the provider produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProviderEvent {
    TextDelta(String),
    ThinkingDelta(String),
    /// Signature closing the current thinking block (Anthropic); keep it with the thinking text.
    ThinkingSignature(String),
    /// An encrypted reasoning block (Anthropic `redacted_thinking`).
    RedactedThinking(String),
    /// A complete tool call; arguments are assembled from the streamed fragments first.
    ToolCall {
        id: String,
        name: String,
        arguments: Value,
    },
    Usage(Usage),
    Done {
        stop_reason: StopReason,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinking_levels_parse_like_openclaw() {
        let cases = [
            ("off", Some(ThinkingLevel::Off)),
            ("Minimal", Some(ThinkingLevel::Minimal)),
            ("max", Some(ThinkingLevel::High)),
            ("highest", Some(ThinkingLevel::High)),
            ("ultrathink", Some(ThinkingLevel::High)),
            ("think harder", Some(ThinkingLevel::Medium)),
            ("think_hard", Some(ThinkingLevel::Low)),
            ("on", Some(ThinkingLevel::Low)),
            ("think", Some(ThinkingLevel::Minimal)),
            ("x-high", Some(ThinkingLevel::Xhigh)),
            ("xhigh", Some(ThinkingLevel::Xhigh)),
            ("extreme", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(ThinkingLevel::parse(raw), expected, "{raw}");
        }
    }

    #[test]
    fn stop_reasons_map_and_keep_unknown_values() {
        assert_eq!(StopReason::from_openai("tool_calls"), StopReason::ToolUse);
        assert_eq!(
            StopReason::from_anthropic("max_tokens"),
            StopReason::MaxTokens
        );
        assert_eq!(
            StopReason::from_anthropic("pause_turn"),
            StopReason::Other("pause_turn".into())
        );
    }
}
