//! `agents` (spec §4.2): defaults and the agent list.
//!
//! Keys are typed so misspellings are caught; values of features this build does not run yet
//! (sandbox, memory search, pruning, …) are kept as raw JSON.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ModelRef, Section};

/// `agents`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Agents {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaults: Option<AgentDefaults>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub list: Option<Vec<AgentEntry>>,
}

/// `agents.defaults`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentDefaults {
    /// `"provider/model"` or `{primary, fallbacks}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_model: Option<ModelRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_generation_model: Option<ModelRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdf_model: Option<ModelRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdf_max_bytes_mb: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdf_max_pages: Option<u64>,
    /// `"provider/model"` → `{alias, params}`; a non-empty map is the model allowlist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub models: Option<BTreeMap<String, ModelCatalogEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo_root: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_bootstrap: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap_max_chars: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap_total_max_chars: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap_prompt_truncation_warning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_format: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envelope_timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envelope_timestamp: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub envelope_elapsed: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cli_backends: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_search: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_pruning: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compaction: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded_pi: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking_default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbose_default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elevated_default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_streaming_default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_streaming_break: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_streaming_chunk: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_streaming_coalesce: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub human_delay: Option<Section>,
    /// Agent run timeout (default 600).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_max_mb: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_max_dimension_px: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typing_interval_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typing_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<Section>,
    /// Concurrent agent runs across sessions (default 4).
    #[schemars(range(min = 1))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagents: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_system_prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<Section>,
}

/// `agents.defaults.models.<ref>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModelCatalogEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streaming: Option<bool>,
}

/// `agents.list[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentEntry {
    /// Agent id; normalized to lowercase `[a-z0-9][a-z0-9_-]{0,63}` (see `normalize_agent_id`).
    pub id: String,
    /// Marks the default agent (first one wins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Workspace directory (default `<state>/workspace` for the default agent,
    /// `<state>/workspace-<id>` for others).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
    /// Agent state dir (default `<state>/agents/<id>/agent`); must be unique per agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_dir: Option<String>,
    /// A string overrides the primary model only; an object also overrides fallbacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utility_model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub models: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_policy: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking_default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbose_default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap_max_chars: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap_total_max_chars: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skills: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_search: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub human_delay: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typing_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typing_interval_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tts: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_tokens: Option<u64>,
    /// If any agent has a heartbeat block, only those agents heartbeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<AgentIdentity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_chat: Option<AgentGroupChat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagents: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<Value>,
}

/// `agents.list[].identity`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentIdentity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// Workspace-relative path, http(s) URL, or data URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

/// `agents.list[].groupChat`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentGroupChat {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mention_patterns: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_limit: Option<u64>,
}
