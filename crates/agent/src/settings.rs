//! Per-turn settings resolved from config with OpenClaw's defaults (spec §4.2, §4.5, §4.6, §5.5).

use std::time::Duration;

use openclaw_config::{Config, SessionResetMode};
use openclaw_providers::{ModelRef, ThinkingLevel};
use openclaw_store::reset::{ResetByType, ResetConfig, ResetMode, ResetSettings};
use serde_json::Value;

/// `agents.defaults.timeoutSeconds` default.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 600;
/// Context window assumed when neither the model entry nor `contextTokens` says.
pub const DEFAULT_CONTEXT_TOKENS: u64 = 200_000;
/// `agents.defaults.compaction.reserveTokensFloor` default.
pub const DEFAULT_RESERVE_TOKENS: u64 = 20_000;
/// Output cap per model call when the model entry has no `maxTokens`.
pub const DEFAULT_MAX_OUTPUT_TOKENS: u32 = 8192;
/// `messages.queue.debounceMs` default.
pub const DEFAULT_QUEUE_DEBOUNCE_MS: u64 = 1000;
/// `messages.queue.cap` default.
pub const DEFAULT_QUEUE_CAP: usize = 20;

/// What to do with a message that arrives while its session is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueMode {
    /// Gather everything that arrives during a run into one follow-up turn.
    Collect,
    /// One follow-up turn per message, in order.
    Followup,
    /// Inject into the running turn at its next tool boundary.
    Steer,
    /// Steer, and also keep the message for a follow-up turn.
    SteerBacklog,
    /// Abort the running turn and answer the newest message.
    Interrupt,
}

impl QueueMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "collect" => Some(QueueMode::Collect),
            "followup" | "follow-up" => Some(QueueMode::Followup),
            "steer" | "queue" => Some(QueueMode::Steer),
            "steer-backlog" | "steer+backlog" => Some(QueueMode::SteerBacklog),
            "interrupt" => Some(QueueMode::Interrupt),
            _ => None,
        }
    }
}

/// `messages.queue.drop`: what overflowing the cap does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueDrop {
    Old,
    New,
    Summarize,
}

/// Queue behaviour for one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSettings {
    pub mode: QueueMode,
    pub debounce: Duration,
    pub cap: usize,
    pub drop: QueueDrop,
}

impl QueueSettings {
    /// `session_override` (`/queue`) > `messages.queue.byChannel[channel]` >
    /// `messages.queue.mode` > collect.
    pub fn resolve(config: &Config, channel: &str, session_override: Option<&str>) -> Self {
        let queue = config.messages.as_ref().and_then(|m| m.queue.as_ref());
        let field = |name: &str| queue.and_then(|q| q.get(name));
        let channel = channel.to_ascii_lowercase();
        let by_channel = field("byChannel")
            .and_then(|by| by.get(&channel))
            .and_then(Value::as_str);
        let mode = session_override
            .and_then(QueueMode::parse)
            .or_else(|| by_channel.and_then(QueueMode::parse))
            .or_else(|| {
                field("mode")
                    .and_then(Value::as_str)
                    .and_then(QueueMode::parse)
            })
            .unwrap_or(QueueMode::Collect);
        let debounce_ms = field("debounceMsByChannel")
            .and_then(|by| by.get(&channel))
            .and_then(Value::as_u64)
            .or_else(|| field("debounceMs").and_then(Value::as_u64))
            .unwrap_or(DEFAULT_QUEUE_DEBOUNCE_MS);
        let cap = field("cap")
            .and_then(Value::as_u64)
            .map_or(DEFAULT_QUEUE_CAP, |cap| cap.max(1) as usize);
        let drop = match field("drop").and_then(Value::as_str) {
            Some("old") => QueueDrop::Old,
            Some("new") => QueueDrop::New,
            _ => QueueDrop::Summarize,
        };
        Self {
            mode,
            debounce: Duration::from_millis(debounce_ms),
            cap,
            drop,
        }
    }
}

/// The run timeout: the request's, else `agents.defaults.timeoutSeconds` (600 s).
pub fn run_timeout(config: &Config, requested: Option<Duration>) -> Duration {
    requested
        .filter(|timeout| !timeout.is_zero())
        .unwrap_or_else(|| {
            let seconds = config
                .agents
                .as_ref()
                .and_then(|a| a.defaults.as_ref())
                .and_then(|d| d.timeout_seconds)
                .filter(|seconds| *seconds > 0)
                .unwrap_or(DEFAULT_TIMEOUT_SECONDS);
            Duration::from_secs(seconds)
        })
}

/// The thinking level: request > session > agent `thinkingDefault` > defaults > off.
pub fn thinking_level(
    config: &Config,
    agent_id: &str,
    requested: Option<&str>,
    session: Option<&str>,
) -> ThinkingLevel {
    let agent_default = config
        .agent(agent_id)
        .and_then(|agent| agent.thinking_default.as_deref());
    let global_default = config
        .agents
        .as_ref()
        .and_then(|a| a.defaults.as_ref())
        .and_then(|d| d.thinking_default.as_deref());
    [requested, session, agent_default, global_default]
        .into_iter()
        .flatten()
        .find_map(ThinkingLevel::parse)
        .unwrap_or_default()
}

/// The `models.providers.<provider>.models[]` entry of `model`, if configured.
pub fn model_entry<'a>(
    config: &'a Config,
    model: &ModelRef,
) -> Option<&'a serde_json::Map<String, Value>> {
    config
        .models
        .as_ref()?
        .providers
        .as_ref()?
        .iter()
        .find(|(id, _)| id.eq_ignore_ascii_case(&model.provider))?
        .1
        .models
        .as_ref()?
        .iter()
        .find(|entry| entry.get("id").and_then(Value::as_str) == Some(model.model.as_str()))
}

/// The model's context window: its catalog entry, else `contextTokens` (agent, then
/// defaults), else 200k.
pub fn context_window(config: &Config, agent_id: &str, model: &ModelRef) -> u64 {
    model_entry(config, model)
        .and_then(|entry| entry.get("contextWindow"))
        .and_then(Value::as_u64)
        .or_else(|| {
            config
                .agent(agent_id)
                .and_then(|agent| agent.context_tokens)
        })
        .or_else(|| {
            config
                .agents
                .as_ref()
                .and_then(|a| a.defaults.as_ref())
                .and_then(|d| d.context_tokens)
        })
        .filter(|tokens| *tokens > 0)
        .unwrap_or(DEFAULT_CONTEXT_TOKENS)
}

/// Whether the model's catalog entry says it can reason (`reasoning: true`).
pub fn is_reasoning_model(config: &Config, model: &ModelRef) -> bool {
    model_entry(config, model)
        .and_then(|entry| entry.get("reasoning"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// Output token cap for one call: the model entry's `maxTokens`, else 8192.
pub fn max_output_tokens(config: &Config, model: &ModelRef) -> u32 {
    model_entry(config, model)
        .and_then(|entry| entry.get("maxTokens"))
        .and_then(Value::as_u64)
        .and_then(|tokens| u32::try_from(tokens).ok())
        .filter(|tokens| *tokens > 0)
        .unwrap_or(DEFAULT_MAX_OUTPUT_TOKENS)
}

/// `agents.defaults.compaction.reserveTokensFloor` (20000).
pub fn reserve_tokens(config: &Config) -> u64 {
    config
        .agents
        .as_ref()
        .and_then(|a| a.defaults.as_ref())
        .and_then(|d| d.compaction.as_ref())
        .and_then(|c| c.get("reserveTokensFloor"))
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_RESERVE_TOKENS)
}

/// `session.resetTriggers` (default `/new`, `/reset`).
pub fn reset_triggers(config: &Config) -> Vec<String> {
    config
        .session
        .as_ref()
        .and_then(|s| s.reset_triggers.clone())
        .unwrap_or_else(|| {
            openclaw_store::reset::DEFAULT_RESET_TRIGGERS
                .iter()
                .map(|trigger| (*trigger).to_owned())
                .collect()
        })
}

fn reset_config(reset: &openclaw_config::SessionReset) -> ResetConfig {
    ResetConfig {
        mode: reset.mode.map(|mode| match mode {
            SessionResetMode::Daily => ResetMode::Daily,
            SessionResetMode::Idle => ResetMode::Idle,
        }),
        at_hour: reset.at_hour.map(f64::from),
        idle_minutes: reset.idle_minutes.map(|minutes| minutes as f64),
    }
}

fn reset_config_json(value: &Value) -> ResetConfig {
    ResetConfig {
        mode: value
            .get("mode")
            .and_then(Value::as_str)
            .and_then(ResetMode::parse),
        at_hour: value.get("atHour").and_then(Value::as_f64),
        idle_minutes: value.get("idleMinutes").and_then(Value::as_f64),
    }
}

/// The `session.reset*` settings for the store's freshness rules.
pub fn reset_settings(config: &Config) -> ResetSettings {
    let Some(session) = config.session.as_ref() else {
        return ResetSettings::default();
    };
    let by_type = session.reset_by_type.as_ref().map(|by_type| ResetByType {
        direct: by_type
            .get("direct")
            .or_else(|| by_type.get("dm"))
            .map(reset_config_json),
        group: by_type.get("group").map(reset_config_json),
        thread: by_type.get("thread").map(reset_config_json),
    });
    ResetSettings {
        reset: session.reset.as_ref().map(reset_config),
        reset_by_type: by_type,
        reset_by_channel: session
            .reset_by_channel
            .iter()
            .flatten()
            .map(|(channel, reset)| (channel.to_lowercase(), reset_config(reset)))
            .collect(),
        legacy_idle_minutes: session.idle_minutes.map(|minutes| minutes as f64),
    }
}
