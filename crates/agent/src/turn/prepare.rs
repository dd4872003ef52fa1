//! Everything a turn settles before its first model call: the session (created, kept or
//! renewed, with the user message appended in the same write), the model candidates, the
//! offered tools and the system prompt.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use openclaw_config::Config;
use openclaw_providers::{ModelCatalog, ModelRef, ToolSpec};
use openclaw_store::reset::{ResetType, evaluate_freshness, match_reset_trigger, resolve_policy};
use openclaw_store::{NewEntry, SessionEntry, Store, TurnStart, now_ms};

use super::TurnError;
use crate::history;
use crate::runtime::{Inner, RunJob};
use crate::session_tools::SessionTool;
use crate::settings;
use crate::tools::{LocalTool, ToolPolicy, ToolSettings};

/// What the model is asked after a bare `/new` or `/reset`.
const NEW_SESSION_PROMPT: &str = "A new session just started (the user sent /new or /reset). \
Greet the user in one or two short sentences and ask what they would like to do.";

/// The host time zone, read once: the daily reset hour is host-local.
fn host_zone() -> &'static jiff::tz::TimeZone {
    static ZONE: OnceLock<jiff::tz::TimeZone> = OnceLock::new();
    ZONE.get_or_init(jiff::tz::TimeZone::system)
}

pub(super) fn store_error(error: openclaw_store::StoreError) -> TurnError {
    TurnError::Failed(format!("session store: {error}"))
}

/// Starts the turn in the store: the session is created if missing, renewed when the reset
/// policy finds it stale or the message is `/new`/`/reset`, and the user message (the
/// trigger's remainder, or a greeting request for a bare trigger) is appended.
pub(super) async fn begin(
    config: &Config,
    store: &Store,
    job: &RunJob,
    workspace: &std::path::Path,
) -> Result<(TurnStart, String), TurnError> {
    let triggers = settings::reset_triggers(config);
    let (message, forced) = match match_reset_trigger(&job.message, &triggers) {
        Some(trigger) if trigger.remainder.is_empty() => (NEW_SESSION_PROMPT.to_owned(), true),
        Some(trigger) => (trigger.remainder, true),
        None => (job.message.clone(), false),
    };
    let policy = resolve_policy(
        &settings::reset_settings(config),
        ResetType::of_key(&job.session_key, false, false),
        job.channel.as_deref(),
    );
    let now = now_ms();
    let stale = move |entry: &SessionEntry| {
        forced || !evaluate_freshness(entry.updated_at, now, &policy, host_zone()).fresh
    };
    let user = NewEntry::message(history::user_message_json(&message, now), now);
    let start = store
        .begin_turn(
            &job.session_key,
            Box::new(stale),
            &workspace.to_string_lossy(),
            user,
        )
        .await
        .map_err(store_error)?;
    Ok((start, message))
}

/// The requested model: the session's `/model` override, else the agent's primary.
pub(super) fn requested_model(config: &Config, entry: &SessionEntry) -> Option<ModelRef> {
    let model = entry.model_override.as_deref()?;
    match entry.provider_override.as_deref() {
        Some(provider) => Some(ModelRef {
            provider: provider.to_owned(),
            model: model.to_owned(),
        }),
        None => ModelCatalog::from_config(config).parse(model).ok(),
    }
}

pub(super) fn agent_dir(inner: &Inner, config: &Config, agent_id: &str) -> PathBuf {
    config
        .agent(agent_id)
        .and_then(|agent| agent.agent_dir.as_deref())
        .map(|dir| openclaw_config::expand_tilde(dir, &inner.env.home_dir().unwrap_or_default()))
        .unwrap_or_else(|| inner.state_dir.join("agents").join(agent_id).join("agent"))
}

/// The tools offered this turn, in a stable order. Tool schemas never change, so each
/// distinct set is built once and shared (requests clone an `Arc`, not the schemas).
pub(super) fn offered_tools(policy: &ToolPolicy, settings: &ToolSettings) -> Arc<[ToolSpec]> {
    static SETS: OnceLock<Mutex<HashMap<u16, Arc<[ToolSpec]>>>> = OnceLock::new();
    let mut mask = 0u16;
    for (bit, tool) in LocalTool::ALL.into_iter().enumerate() {
        if tool.enabled(settings) && policy.allows(tool.name()) {
            mask |= 1 << bit;
        }
    }
    for (bit, tool) in SessionTool::ALL.into_iter().enumerate() {
        if policy.allows(tool.name()) {
            mask |= 1 << (bit + LocalTool::ALL.len());
        }
    }
    let sets = SETS.get_or_init(Mutex::default);
    let mut sets = sets.lock().unwrap_or_else(PoisonError::into_inner);
    sets.entry(mask)
        .or_insert_with(|| {
            let local = LocalTool::ALL
                .into_iter()
                .enumerate()
                .filter(|(bit, _)| mask & (1 << bit) != 0)
                .map(|(_, tool)| tool.spec());
            let session = SessionTool::ALL
                .into_iter()
                .enumerate()
                .filter(|(bit, _)| mask & (1 << (bit + LocalTool::ALL.len())) != 0)
                .map(|(_, tool)| tool.spec());
            local.chain(session).collect()
        })
        .clone()
}

pub(super) fn bootstrap_max_chars(config: &Config, agent_id: &str) -> usize {
    config
        .agent(agent_id)
        .and_then(|agent| agent.bootstrap_max_chars)
        .or_else(|| {
            config
                .agents
                .as_ref()
                .and_then(|a| a.defaults.as_ref())
                .and_then(|d| d.bootstrap_max_chars)
        })
        .map_or(20_000, |chars| chars as usize)
}

pub(super) fn with_summary(system: &str, summary: Option<&str>) -> Arc<str> {
    match summary {
        Some(summary) => format!(
            "{system}\n\n## Conversation summary\nEarlier parts of this conversation were compacted. Summary:\n{summary}"
        )
        .into(),
        None => system.into(),
    }
}
