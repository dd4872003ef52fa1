//! System prompt assembly (spec §5.6). INTERFACE ONLY — to be completed by the workspace/prompt work.

use std::path::Path;

use openclaw_providers::{ThinkingLevel, ToolSpec};
use serde_json::Value;

use crate::workspace::BootstrapFile;

/// Everything the system prompt is built from.
#[derive(Debug, Clone)]
pub struct PromptInputs<'a> {
    pub agent_id: &'a str,
    /// `identity.name` / `name` of the agent, if configured.
    pub agent_name: Option<&'a str>,
    pub workspace: &'a Path,
    /// `provider/model` of the model this turn calls.
    pub model: &'a str,
    pub thinking: ThinkingLevel,
    pub tools: &'a [ToolSpec],
    pub bootstrap: &'a [BootstrapFile],
    /// Per-file cap (`bootstrapMaxChars`, default 20000).
    pub bootstrap_max_chars: usize,
    /// `agents.defaults.userTimezone` (IANA), else the host's.
    pub user_timezone: Option<&'a str>,
    /// Request-supplied extra prompt (`agent` method `extraSystemPrompt`, group prompts).
    pub extra_system_prompt: Option<&'a str>,
}

/// The assembled prompt and OpenClaw's `systemPromptReport` (sizes per section and file).
#[derive(Debug, Clone, PartialEq)]
pub struct SystemPrompt {
    pub text: String,
    pub report: Value,
}

pub fn build_system_prompt(_inputs: &PromptInputs<'_>) -> SystemPrompt {
    SystemPrompt {
        text: String::new(),
        report: Value::Null,
    }
}
