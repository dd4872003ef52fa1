//! Sections for features this build does not run yet: their keys are typed (so the seed config
//! loads and typos are caught), deep sub-objects are kept as raw JSON.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Section, string_enum};

string_enum! {
    /// `models.mode`: merge custom providers into the built-in catalog, or replace it.
    ModelsMode { Merge = "merge", Replace = "replace" }
}

/// `models` (spec §4.8).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Models {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<ModelsMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub providers: Option<BTreeMap<String, ModelProvider>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bedrock_discovery: Option<Section>,
}

/// `models.providers.<id>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModelProvider {
    pub base_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_header: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub models: Option<Vec<Section>>,
}

/// `tools` (spec §4.9).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Tools {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also_allow: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_provider: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools_by_sender: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elevated: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_detection: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_to_agent: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagents: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fs: Option<Section>,
    #[serde(rename = "sessions_spawn")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sessions_spawn: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_search: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_mode: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub swarm: Option<Value>,
}

/// `messages` (spec §4.6).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Messages {
    /// Deprecated: moved to `channels.whatsapp.messagePrefix`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_chat: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound: Option<Section>,
    /// Reaction used to acknowledge inbound messages (`""` disables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack_reaction: Option<String>,
    /// `group-mentions` (default) | `group-all` | `direct` | `all`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack_reaction_scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_ack_after_reply: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reactions: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppress_tool_errors: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tts: Option<Section>,
}

/// `commands` (spec §4.7).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Commands {
    /// `"auto"` (default), `true` or `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_skills: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bash: Option<bool>,
    #[schemars(range(max = 30000))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bash_foreground_ms: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mcp: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugins: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_access_groups: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_allow_from: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_display: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_display_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_from: Option<Section>,
}

/// `hooks` (spec §4.12). `Debug` hides the token.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Hooks {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// URL prefix (default `/hooks`; `/` is rejected).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Required when `enabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_session_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_request_session_key: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_session_key_prefixes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_agent_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presets: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transforms_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mappings: Option<Vec<Section>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gmail: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal: Option<Section>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("enabled", &self.enabled)
            .field("path", &self.path)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// `cron` (spec §4.12).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Cron {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Job store path (default `$STATE/cron/jobs.json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[schemars(range(min = 1))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent_runs: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_retention: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_log: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_alert: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_destination: Option<Section>,
}

/// `plugins` (spec §4.12, §8.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Plugins {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<PluginLoad>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slots: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<BTreeMap<String, PluginEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installs: Option<BTreeMap<String, Section>>,
}

/// `plugins.load`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginLoad {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<String>>,
}

/// `plugins.entries.<id>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PluginEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Validated against the plugin's own JSON Schema (not done by this crate yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hooks: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagent: Option<Section>,
}

/// `channels`: one object per known channel id, kept verbatim (channel plugins define their own
/// keys); an unknown id is an error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Channels {
    /// Fallbacks for every channel (e.g. `groupPolicy`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whatsapp: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telegram: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discord: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imessage: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub msteams: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mattermost: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub googlechat: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matrix: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nostr: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zalo: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bluebubbles: Option<Section>,
    #[serde(rename = "nextcloud-talk")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nextcloud_talk: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlon: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub twitch: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feishu: Option<Section>,
}

/// Channel ids accepted under `channels` (besides `defaults`).
pub const KNOWN_CHANNEL_IDS: [&str; 18] = [
    "whatsapp",
    "telegram",
    "discord",
    "slack",
    "signal",
    "imessage",
    "msteams",
    "mattermost",
    "googlechat",
    "matrix",
    "line",
    "nostr",
    "zalo",
    "bluebubbles",
    "nextcloud-talk",
    "tlon",
    "twitch",
    "feishu",
];

impl Channels {
    /// The raw object of a channel by id (`"nextcloud-talk"` spelling), if configured.
    pub fn get(&self, id: &str) -> Option<&Section> {
        let slot = match id {
            "defaults" => &self.defaults,
            "whatsapp" => &self.whatsapp,
            "telegram" => &self.telegram,
            "discord" => &self.discord,
            "slack" => &self.slack,
            "signal" => &self.signal,
            "imessage" => &self.imessage,
            "msteams" => &self.msteams,
            "mattermost" => &self.mattermost,
            "googlechat" => &self.googlechat,
            "matrix" => &self.matrix,
            "line" => &self.line,
            "nostr" => &self.nostr,
            "zalo" => &self.zalo,
            "bluebubbles" => &self.bluebubbles,
            "nextcloud-talk" => &self.nextcloud_talk,
            "tlon" => &self.tlon,
            "twitch" => &self.twitch,
            "feishu" => &self.feishu,
            _ => return None,
        };
        slot.as_ref()
    }

    /// Ids of the configured channels (excluding `defaults`), in [`KNOWN_CHANNEL_IDS`] order.
    pub fn configured_ids(&self) -> Vec<&'static str> {
        KNOWN_CHANNEL_IDS
            .into_iter()
            .filter(|id| self.get(id).is_some())
            .collect()
    }
}
