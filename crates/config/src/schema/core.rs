//! Small core sections: `meta`, `env`, `wizard`, `logging`, `ui`, `auth`, `bindings`, `session`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Section, string_enum};

/// `meta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Meta {
    /// Version of the OpenClaw that last wrote the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_touched_version: Option<String>,
    /// ISO-8601 time of the last write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_touched_at: Option<String>,
}

/// `env`: `shellEnv`, `vars`, and any other key as a `KEY: "value"` variable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvSection {
    /// Import expected keys from a login shell (off by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shell_env: Option<ShellEnv>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vars: Option<BTreeMap<String, String>>,
    /// `env.<KEY>: "<value>"` entries.
    #[serde(flatten)]
    pub inline: BTreeMap<String, String>,
}

/// `env.shellEnv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ShellEnv {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

string_enum! {
    /// `wizard.lastRunMode`.
    WizardMode { Local = "local", Remote = "remote" }
}

/// `wizard`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Wizard {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_run_mode: Option<WizardMode>,
}

string_enum! {
    /// Log levels, quietest first.
    LogLevel {
        Silent = "silent",
        Fatal = "fatal",
        Error = "error",
        Warn = "warn",
        Info = "info",
        Debug = "debug",
        Trace = "trace",
    }
}

string_enum! {
    /// `logging.consoleStyle`.
    ConsoleStyle { Pretty = "pretty", Compact = "compact", Json = "json" }
}

string_enum! {
    /// `logging.redactSensitive` (default `tools`).
    RedactSensitive { Off = "off", Tools = "tools" }
}

/// `logging`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Logging {
    /// File log level (default `info`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<LogLevel>,
    /// File log path (default `/tmp/openclaw/openclaw-YYYY-MM-DD.log`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_file_bytes: Option<u64>,
    /// Console level (default `info`; `debug` with `--verbose`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_level: Option<LogLevel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_style: Option<ConsoleStyle>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redact_sensitive: Option<RedactSensitive>,
    /// Regex strings replacing the default redaction patterns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redact_patterns: Option<Vec<String>>,
}

/// `ui`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ui {
    /// Accent color of the Control UI (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seam_color: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assistant: Option<UiAssistant>,
}

/// `ui.assistant`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UiAssistant {
    #[schemars(length(max = 50))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[schemars(length(max = 200))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

string_enum! {
    /// Credential type an auth profile expects in `auth-profiles.json`.
    AuthProfileMode { ApiKey = "api_key", Oauth = "oauth", Token = "token" }
}

/// `auth` (metadata only — secrets live in each agent's `auth-profiles.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthSection {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profiles: Option<BTreeMap<String, AuthProfile>>,
    /// Provider → profile ids, in the order to try them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cooldowns: Option<AuthCooldowns>,
}

/// `auth.profiles.<id>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthProfile {
    pub provider: String,
    pub mode: AuthProfileMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `auth.cooldowns`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthCooldowns {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_backoff_hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_backoff_hours_by_provider: Option<BTreeMap<String, f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_max_hours: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_window_hours: Option<f64>,
}

string_enum! {
    /// Peer kinds a binding can match.
    PeerKind { Dm = "dm", Group = "group", Channel = "channel" }
}

/// `bindings[]`: route a channel/account/peer to an agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Binding {
    pub agent_id: String,
    #[serde(rename = "match")]
    pub match_rule: BindingMatch,
}

/// `bindings[].match`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BindingMatch {
    pub channel: String,
    /// Omitted ⇒ only the `default` account; `"*"` ⇒ any account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<BindingPeer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
}

/// `bindings[].match.peer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BindingPeer {
    pub kind: PeerKind,
    pub id: String,
}

string_enum! {
    /// `session.scope` (default `per-sender`).
    SessionScope { PerSender = "per-sender", Global = "global" }
}

string_enum! {
    /// `session.dmScope` (default `main`: every DM shares the agent's main session).
    DmScope {
        Main = "main",
        PerPeer = "per-peer",
        PerChannelPeer = "per-channel-peer",
        PerAccountChannelPeer = "per-account-channel-peer",
    }
}

/// `session`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Session {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<SessionScope>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dm_scope: Option<DmScope>,
    /// Canonical identity → `["telegram:123", "discord:456", …]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_links: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript_retention_days: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_recent_turns: Option<u64>,
    /// Chat messages that start a fresh session (default `["/new", "/reset"]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_triggers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_minutes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset: Option<SessionReset>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_by_type: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_by_channel: Option<BTreeMap<String, SessionReset>>,
    /// Session store path; supports `{agentId}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typing_interval_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typing_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_fork_max_tokens: Option<u64>,
    /// Ignored (warned): the main session is always `main`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_policy: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_to_agent: Option<AgentToAgent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thread_bindings: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<Section>,
}

string_enum! {
    /// `session.reset.mode`.
    SessionResetMode { Daily = "daily", Idle = "idle" }
}

/// `session.reset` and per-type/channel overrides.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SessionReset {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<SessionResetMode>,
    #[schemars(range(max = 23))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hour: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_minutes: Option<u64>,
}

/// `session.agentToAgent`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AgentToAgent {
    #[schemars(range(max = 5))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_ping_pong_turns: Option<u8>,
}
