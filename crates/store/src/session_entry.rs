//! OpenClaw's session entry (`sessions.json` values, `sessions.list` rows), with OpenClaw's
//! camelCase field names.
//!
//! The fields the store filters on or edits are typed; everything else (origin, delivery
//! context, token counters, fields future OpenClaw versions add, …) is kept verbatim in
//! [`SessionEntry::extra`], so an imported or patched entry never loses data.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One session (a conversation bucket named by a session key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionEntry {
    /// The current transcript's id (a UUID); replaced by a reset.
    pub session_id: String,
    /// Last activity, milliseconds since the Unix epoch.
    pub updated_at: i64,
    /// User-chosen name shown in the Control UI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The session key of the parent that spawned this one (subagents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spawned_by: Option<String>,
    /// `thinkingLevel` toggle (`off`, `low`, `high`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_level: Option<String>,
    /// `verboseLevel` toggle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbose_level: Option<String>,
    /// `reasoningLevel` toggle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_level: Option<String>,
    /// `elevatedLevel` toggle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevated_level: Option<String>,
    /// `sendPolicy` (`allow` / `deny`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_policy: Option<String>,
    /// `queueMode` for follow-ups while a run is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_mode: Option<String>,
    /// Model provider chosen for this session (`/model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_override: Option<String>,
    /// Model chosen for this session (`/model`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_override: Option<String>,
    /// Auth profile pinned for this session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_profile_override: Option<String>,
    /// Every other field, verbatim (`chatType`, `origin`, `lastChannel`, `inputTokens`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SessionEntry {
    /// A fresh entry: a new random session id, updated now.
    pub fn new(updated_at: i64) -> Self {
        Self::with_session_id(uuid::Uuid::new_v4().to_string(), updated_at)
    }

    /// An entry for an existing transcript id.
    pub fn with_session_id(session_id: impl Into<String>, updated_at: i64) -> Self {
        Self {
            session_id: session_id.into(),
            updated_at,
            label: None,
            spawned_by: None,
            thinking_level: None,
            verbose_level: None,
            reasoning_level: None,
            elevated_level: None,
            send_policy: None,
            queue_mode: None,
            provider_override: None,
            model_override: None,
            auth_profile_override: None,
            extra: Map::new(),
        }
    }

    /// The entry as the JSON object clients see.
    pub fn to_json(&self) -> Value {
        // Serializing a struct of strings, integers and a JSON map cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A change to one optional field: leave it, set it, or clear it (JSON `null` in
/// `sessions.patch`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FieldPatch {
    /// Not mentioned: keep the current value.
    #[default]
    Keep,
    /// Set to this value.
    Set(String),
    /// Remove the value.
    Clear,
}

impl FieldPatch {
    fn apply(&self, field: &mut Option<String>) {
        match self {
            Self::Keep => {}
            Self::Set(value) => *field = Some(value.clone()),
            Self::Clear => *field = None,
        }
    }
}

/// The data side of `sessions.patch`: label, toggles and overrides. Validation of allowed values
/// (known thinking levels, allowed models) belongs to the caller, which knows the config.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionPatch {
    /// `label`.
    pub label: FieldPatch,
    /// `spawnedBy`.
    pub spawned_by: FieldPatch,
    /// `thinkingLevel`.
    pub thinking_level: FieldPatch,
    /// `verboseLevel`.
    pub verbose_level: FieldPatch,
    /// `reasoningLevel`.
    pub reasoning_level: FieldPatch,
    /// `elevatedLevel`.
    pub elevated_level: FieldPatch,
    /// `sendPolicy`.
    pub send_policy: FieldPatch,
    /// `queueMode`.
    pub queue_mode: FieldPatch,
    /// `providerOverride`.
    pub provider_override: FieldPatch,
    /// `modelOverride`.
    pub model_override: FieldPatch,
    /// `authProfileOverride`.
    pub auth_profile_override: FieldPatch,
}

impl SessionPatch {
    /// Applies the patch to `entry` (does not touch `updatedAt`; the store does).
    pub fn apply_to(&self, entry: &mut SessionEntry) {
        self.label.apply(&mut entry.label);
        self.spawned_by.apply(&mut entry.spawned_by);
        self.thinking_level.apply(&mut entry.thinking_level);
        self.verbose_level.apply(&mut entry.verbose_level);
        self.reasoning_level.apply(&mut entry.reasoning_level);
        self.elevated_level.apply(&mut entry.elevated_level);
        self.send_policy.apply(&mut entry.send_policy);
        self.queue_mode.apply(&mut entry.queue_mode);
        self.provider_override.apply(&mut entry.provider_override);
        self.model_override.apply(&mut entry.model_override);
        self.auth_profile_override
            .apply(&mut entry.auth_profile_override);
    }
}

/// Fields that describe the *previous* conversation and must not survive a reset (token
/// counters, compaction state, run flags, the old transcript file).
pub(crate) const FIELDS_CLEARED_BY_RESET: &[&str] = &[
    "sessionFile",
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "contextTokens",
    "compactionCount",
    "memoryFlushAt",
    "memoryFlushCompactionCount",
    "systemSent",
    "abortedLastRun",
];
