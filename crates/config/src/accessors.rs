//! Read accessors with OpenClaw's defaults applied (in memory only — never written back).

use crate::schema::{
    AgentEntry, AuthRateLimit, BindMode, Config, ConsoleStyle, DmScope, GatewayAuthMode,
    GatewayMode, LogLevel, RedactSensitive, ReloadMode, SessionScope,
};

/// Default WS+HTTP port.
pub const DEFAULT_GATEWAY_PORT: u16 = 18789;
/// Default config-watch debounce.
pub const DEFAULT_RELOAD_DEBOUNCE_MS: u64 = 300;
/// Default agent id when the list is empty.
pub const DEFAULT_AGENT_ID: &str = "main";
/// Default `agents.defaults.maxConcurrent` (the code's value; the docs say 1).
pub const DEFAULT_MAX_CONCURRENT: u32 = 4;
/// Default Control UI base path.
pub const DEFAULT_CONTROL_UI_BASE_PATH: &str = "/";
/// Default hooks path.
pub const DEFAULT_HOOKS_PATH: &str = "/hooks";

/// `gateway.auth.rateLimit` with defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    pub max_attempts: u32,
    pub window_ms: u64,
    pub lockout_ms: u64,
    pub exempt_loopback: bool,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            window_ms: 60_000,
            lockout_ms: 300_000,
            exempt_loopback: true,
        }
    }
}

impl RateLimitSettings {
    fn from_config(raw: Option<&AuthRateLimit>) -> Self {
        let d = Self::default();
        let Some(raw) = raw else { return d };
        Self {
            max_attempts: raw.max_attempts.unwrap_or(d.max_attempts),
            window_ms: raw.window_ms.unwrap_or(d.window_ms),
            lockout_ms: raw.lockout_ms.unwrap_or(d.lockout_ms),
            exempt_loopback: raw.exempt_loopback.unwrap_or(d.exempt_loopback),
        }
    }
}

/// Normalizes an agent id the way OpenClaw does: trimmed and lowercased; characters outside
/// `[a-z0-9_-]` become `-` (one per run); leading/trailing `-` dropped; at most 64 chars; empty
/// ⇒ `main`.
pub fn normalize_agent_id(raw: &str) -> String {
    let lowered = raw.trim().to_lowercase();
    let mut out = String::with_capacity(lowered.len());
    // A run of invalid characters becomes a single '-' (like `/[^a-z0-9_-]+/g`).
    let mut in_invalid_run = false;
    for c in lowered.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
            in_invalid_run = false;
        } else if !in_invalid_run {
            out.push('-');
            in_invalid_run = true;
        }
    }
    let trimmed: String = out.trim_matches('-').chars().take(64).collect();
    if trimmed.is_empty() {
        DEFAULT_AGENT_ID.to_string()
    } else {
        trimmed
    }
}

impl Config {
    /// `gateway.port`, default 18789 (CLI/env overrides are the caller's business).
    pub fn gateway_port(&self) -> u16 {
        self.gateway
            .as_ref()
            .and_then(|g| g.port)
            .unwrap_or(DEFAULT_GATEWAY_PORT)
    }

    /// `gateway.mode`; `None` means unset (the gateway then refuses to start).
    pub fn gateway_mode(&self) -> Option<GatewayMode> {
        self.gateway.as_ref().and_then(|g| g.mode)
    }

    /// `gateway.bind`, default `loopback`.
    pub fn bind_mode(&self) -> BindMode {
        self.gateway
            .as_ref()
            .and_then(|g| g.bind)
            .unwrap_or(BindMode::Loopback)
    }

    /// `gateway.customBindHost`.
    pub fn custom_bind_host(&self) -> Option<&str> {
        self.gateway.as_ref()?.custom_bind_host.as_deref()
    }

    /// `gateway.auth.mode` as configured (no inference from which secret is present).
    pub fn gateway_auth_mode(&self) -> Option<GatewayAuthMode> {
        self.gateway.as_ref()?.auth.as_ref()?.mode
    }

    /// `gateway.auth.rateLimit` with defaults.
    pub fn auth_rate_limit(&self) -> RateLimitSettings {
        RateLimitSettings::from_config(
            self.gateway
                .as_ref()
                .and_then(|g| g.auth.as_ref())
                .and_then(|a| a.rate_limit.as_ref()),
        )
    }

    /// `gateway.reload.mode`, default `hybrid`.
    pub fn reload_mode(&self) -> ReloadMode {
        self.gateway
            .as_ref()
            .and_then(|g| g.reload.as_ref())
            .and_then(|r| r.mode)
            .unwrap_or(ReloadMode::Hybrid)
    }

    /// `gateway.reload.debounceMs`, default 300.
    pub fn reload_debounce_ms(&self) -> u64 {
        self.gateway
            .as_ref()
            .and_then(|g| g.reload.as_ref())
            .and_then(|r| r.debounce_ms)
            .unwrap_or(DEFAULT_RELOAD_DEBOUNCE_MS)
    }

    /// `gateway.controlUi.enabled`, default true.
    pub fn control_ui_enabled(&self) -> bool {
        self.gateway
            .as_ref()
            .and_then(|g| g.control_ui.as_ref())
            .and_then(|c| c.enabled)
            .unwrap_or(true)
    }

    /// `gateway.controlUi.basePath`, default `/`.
    pub fn control_ui_base_path(&self) -> &str {
        self.gateway
            .as_ref()
            .and_then(|g| g.control_ui.as_ref())
            .and_then(|c| c.base_path.as_deref())
            .filter(|p| !p.trim().is_empty())
            .unwrap_or(DEFAULT_CONTROL_UI_BASE_PATH)
    }

    /// `gateway.trustedProxies` (empty if unset).
    pub fn trusted_proxies(&self) -> &[String] {
        self.gateway
            .as_ref()
            .and_then(|g| g.trusted_proxies.as_deref())
            .unwrap_or(&[])
    }

    /// `agents.list` (empty if unset).
    pub fn agent_list(&self) -> &[AgentEntry] {
        self.agents
            .as_ref()
            .and_then(|a| a.list.as_deref())
            .unwrap_or(&[])
    }

    /// Normalized ids of `agents.list`, or `["main"]` when the list is empty.
    pub fn agent_ids(&self) -> Vec<String> {
        let list = self.agent_list();
        if list.is_empty() {
            return vec![DEFAULT_AGENT_ID.to_string()];
        }
        list.iter().map(|a| normalize_agent_id(&a.id)).collect()
    }

    /// The default agent: first entry with `default: true`, else the first entry, else `main`.
    pub fn default_agent_id(&self) -> String {
        let list = self.agent_list();
        list.iter()
            .find(|a| a.default == Some(true))
            .or_else(|| list.first())
            .map(|a| normalize_agent_id(&a.id))
            .unwrap_or_else(|| DEFAULT_AGENT_ID.to_string())
    }

    /// The list entry for `agent_id` (compared after normalization).
    pub fn agent(&self, agent_id: &str) -> Option<&AgentEntry> {
        let wanted = normalize_agent_id(agent_id);
        self.agent_list()
            .iter()
            .find(|a| normalize_agent_id(&a.id) == wanted)
    }

    /// `agents.defaults.maxConcurrent`, default 4.
    pub fn max_concurrent(&self) -> u32 {
        self.agents
            .as_ref()
            .and_then(|a| a.defaults.as_ref())
            .and_then(|d| d.max_concurrent)
            .unwrap_or(DEFAULT_MAX_CONCURRENT)
    }

    /// Primary model of `agents.defaults.model`, if configured.
    pub fn primary_model(&self) -> Option<&str> {
        self.agents
            .as_ref()?
            .defaults
            .as_ref()?
            .model
            .as_ref()?
            .primary()
    }

    /// `session.scope`, default `per-sender`.
    pub fn session_scope(&self) -> SessionScope {
        self.session
            .as_ref()
            .and_then(|s| s.scope)
            .unwrap_or(SessionScope::PerSender)
    }

    /// `session.dmScope`, default `main`.
    pub fn dm_scope(&self) -> DmScope {
        self.session
            .as_ref()
            .and_then(|s| s.dm_scope)
            .unwrap_or(DmScope::Main)
    }

    /// The main session key is always `main` (`session.mainKey` is ignored, as in OpenClaw).
    pub fn main_session_key(&self) -> &'static str {
        "main"
    }

    /// `ui.assistant.name`, if set and not blank.
    pub fn assistant_name(&self) -> Option<&str> {
        self.ui
            .as_ref()?
            .assistant
            .as_ref()?
            .name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
    }

    /// `logging.level` (file log), default `info`.
    pub fn log_level(&self) -> LogLevel {
        self.logging
            .as_ref()
            .and_then(|l| l.level)
            .unwrap_or(LogLevel::Info)
    }

    /// `logging.consoleLevel`, default `info` (`--verbose` raising it is the caller's business).
    pub fn console_log_level(&self) -> LogLevel {
        self.logging
            .as_ref()
            .and_then(|l| l.console_level)
            .unwrap_or(LogLevel::Info)
    }

    /// `logging.consoleStyle`, default `pretty`.
    pub fn console_style(&self) -> ConsoleStyle {
        self.logging
            .as_ref()
            .and_then(|l| l.console_style)
            .unwrap_or(ConsoleStyle::Pretty)
    }

    /// `logging.redactSensitive`, default `tools`.
    pub fn redact_sensitive(&self) -> RedactSensitive {
        self.logging
            .as_ref()
            .and_then(|l| l.redact_sensitive)
            .unwrap_or(RedactSensitive::Tools)
    }

    /// `logging.file`, if set.
    pub fn log_file(&self) -> Option<&str> {
        self.logging.as_ref()?.file.as_deref()
    }

    /// `hooks.enabled`, default false.
    pub fn hooks_enabled(&self) -> bool {
        self.hooks.as_ref().and_then(|h| h.enabled).unwrap_or(false)
    }

    /// `hooks.path`, default `/hooks`.
    pub fn hooks_path(&self) -> &str {
        self.hooks
            .as_ref()
            .and_then(|h| h.path.as_deref())
            .unwrap_or(DEFAULT_HOOKS_PATH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids_normalize_like_openclaw() {
        assert_eq!(normalize_agent_id("Main"), "main");
        assert_eq!(normalize_agent_id("  Ops Team! "), "ops-team");
        assert_eq!(normalize_agent_id("a__b--c"), "a__b--c");
        assert_eq!(normalize_agent_id("***"), "main");
        assert_eq!(normalize_agent_id(""), "main");
        assert_eq!(normalize_agent_id(&"x".repeat(80)).len(), 64);
        assert_eq!(normalize_agent_id("héllo"), "h-llo");
    }

    #[test]
    fn empty_config_has_openclaw_defaults() {
        let c = Config::default();
        assert_eq!(c.gateway_port(), 18789);
        assert_eq!(c.bind_mode(), BindMode::Loopback);
        assert_eq!(c.gateway_mode(), None);
        assert_eq!(c.reload_mode(), ReloadMode::Hybrid);
        assert_eq!(c.reload_debounce_ms(), 300);
        assert_eq!(c.default_agent_id(), "main");
        assert_eq!(c.agent_ids(), vec!["main"]);
        assert_eq!(c.session_scope(), SessionScope::PerSender);
        assert_eq!(c.dm_scope(), DmScope::Main);
        assert_eq!(c.log_level(), LogLevel::Info);
        assert_eq!(c.console_log_level(), LogLevel::Info);
        assert_eq!(c.console_style(), ConsoleStyle::Pretty);
        assert_eq!(c.redact_sensitive(), RedactSensitive::Tools);
        assert_eq!(c.max_concurrent(), 4);
        assert_eq!(c.assistant_name(), None);
        assert!(c.control_ui_enabled());
        assert_eq!(c.control_ui_base_path(), "/");
        assert_eq!(c.auth_rate_limit(), RateLimitSettings::default());
        assert!(!c.hooks_enabled());
        assert_eq!(c.hooks_path(), "/hooks");
    }

    #[test]
    fn default_agent_prefers_flag_then_first_entry() {
        let c: Config = serde_json::from_value(serde_json::json!({
            "agents": {"list": [{"id": "Alpha"}, {"id": "Beta", "default": true}, {"id": "gamma", "default": true}]}
        }))
        .unwrap();
        assert_eq!(c.default_agent_id(), "beta");
        assert_eq!(c.agent("BETA").map(|a| a.id.as_str()), Some("Beta"));
        let c: Config = serde_json::from_value(serde_json::json!({
            "agents": {"list": [{"id": "Alpha"}, {"id": "beta"}]}
        }))
        .unwrap();
        assert_eq!(c.default_agent_id(), "alpha");
    }
}
