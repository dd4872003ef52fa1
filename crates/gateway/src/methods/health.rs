//! `health` and `status`: the same facts OpenClaw reports, honest about what is not running
//! yet (no channels, heartbeat not active in this build). Session counts come from the store
//! through [`SessionsSummary`], a cached digest: hello-ok and the `health` broadcast are built
//! synchronously, so they read the digest; the `health`/`status` methods refresh it first.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use openclaw_protocol::ErrorShape;
use openclaw_store::SessionRecord;
use serde_json::{Value, json};

use super::Params;
use crate::state::{Shared, Snapshot, now_ms};

/// How many recently updated sessions `health` and `status` list per agent (OpenClaw: 5).
pub const RECENT_SESSIONS: usize = 5;

/// One agent's sessions: how many, and the most recently updated few.
#[derive(Debug, Default, Clone)]
pub struct AgentSessions {
    pub count: usize,
    /// Most recently updated first, at most [`RECENT_SESSIONS`].
    pub recent: Vec<SessionRecord>,
}

/// Session counts for `health`/`status`, per agent and overall.
#[derive(Debug, Default, Clone)]
pub struct SessionsSummary {
    by_agent: BTreeMap<String, AgentSessions>,
    total: usize,
    recent: Vec<SessionRecord>,
}

impl SessionsSummary {
    /// Builds the digest from records ordered most recently updated first (the store's order).
    pub fn from_records(records: Vec<SessionRecord>) -> Self {
        let mut summary = Self {
            total: records.len(),
            ..Self::default()
        };
        for record in records {
            let agent = summary.by_agent.entry(record.agent_id.clone()).or_default();
            agent.count += 1;
            if agent.recent.len() < RECENT_SESSIONS {
                agent.recent.push(record.clone());
            }
            if summary.recent.len() < RECENT_SESSIONS {
                summary.recent.push(record);
            }
        }
        summary
    }

    /// The sessions of `agent_id` (none if it has no session).
    pub fn agent(&self, agent_id: &str) -> AgentSessions {
        self.by_agent.get(agent_id).cloned().unwrap_or_default()
    }

    /// Sessions of every agent.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The most recently updated sessions of every agent.
    pub fn recent(&self) -> &[SessionRecord] {
        &self.recent
    }
}

/// `{key, updatedAt, age}` as `health` lists recent sessions.
fn recent_brief(records: &[SessionRecord], now: i64) -> Vec<Value> {
    records
        .iter()
        .map(|record| {
            json!({
                "key": record.key,
                "updatedAt": record.entry.updated_at,
                "age": now.saturating_sub(record.entry.updated_at).max(0),
            })
        })
        .collect()
}

/// Full session rows plus `age`, as `status` lists recent sessions.
fn recent_rows(records: &[SessionRecord], now: i64) -> Vec<Value> {
    records
        .iter()
        .map(|record| {
            let mut row = super::sessions::session_row(record);
            if let Value::Object(map) = &mut row {
                map.insert(
                    "age".into(),
                    json!(now.saturating_sub(record.entry.updated_at).max(0)),
                );
            }
            row
        })
        .collect()
}

fn now_ms_signed() -> i64 {
    i64::try_from(now_ms()).unwrap_or(i64::MAX)
}

pub(crate) fn sessions_path(shared: &Shared, agent_id: &str) -> String {
    shared
        .paths
        .state_dir
        .join("agents")
        .join(agent_id)
        .join("sessions")
        .join("sessions.json")
        .display()
        .to_string()
}

/// The heartbeat runner is not part of this build: report it disabled rather than pretend.
fn heartbeat_info() -> Value {
    json!({"enabled": false, "every": "disabled", "everyMs": Value::Null})
}

/// The `health` result (also embedded in hello-ok and broadcast as the `health` event).
pub fn health_payload(shared: &Shared, snapshot: &Snapshot) -> Value {
    let started = Instant::now();
    let config = snapshot.config();
    let default_agent = config.default_agent_id();
    let summary = shared.sessions_summary();
    let now = now_ms_signed();
    let agent_block = |id: &str| {
        let sessions = summary.agent(id);
        json!({
            "path": sessions_path(shared, id),
            "count": sessions.count,
            "recent": recent_brief(&sessions.recent, now),
        })
    };
    let agents: Vec<Value> = config
        .agent_ids()
        .into_iter()
        .map(|id| {
            json!({
                "agentId": id,
                "isDefault": id == default_agent,
                "heartbeat": heartbeat_info(),
                "sessions": agent_block(&id),
            })
        })
        .collect();
    json!({
        "ok": true,
        "ts": now_ms(),
        "durationMs": u64::try_from(started.elapsed().as_millis()).unwrap_or(0),
        "channels": {},
        "channelOrder": [],
        "channelLabels": {},
        "heartbeatSeconds": 0,
        "defaultAgentId": default_agent,
        "agents": agents,
        "sessions": agent_block(&default_agent),
    })
}

pub async fn health(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["probe"])?;
    params.optional_bool(&map, "probe")?;
    // The summary is already current: every session write refreshes it.
    Ok(health_payload(shared, &shared.snapshot.load()))
}

/// OpenClaw's model when none is configured, and the context window it assumes by default.
const DEFAULT_MODEL_REF: &str = "anthropic/claude-opus-4-5";
const DEFAULT_CONTEXT_TOKENS: u64 = 200_000;

/// `status.sessions.defaults` as OpenClaw reports it: the primary model's id without its
/// provider, and its context window (`agents.defaults.contextTokens`, else the custom
/// provider catalog's `contextWindow` for that model, else 200k).
fn session_defaults(resolved: &Value, primary: Option<&str>) -> Value {
    let defaults = model_defaults(resolved, primary);
    json!({"model": defaults.model, "contextTokens": defaults.context_tokens})
}

/// The model a session uses unless it overrides it: `sessions.list.defaults` and
/// `status.sessions.defaults`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDefaults {
    pub provider: String,
    pub model: String,
    pub context_tokens: u64,
}

/// The primary model's provider and id, and its context window (`agents.defaults.contextTokens`,
/// else the custom provider catalog's `contextWindow` for that model, else 200k).
pub fn model_defaults(resolved: &Value, primary: Option<&str>) -> ModelDefaults {
    let (provider, model) = split_model_ref(resolved, primary.unwrap_or(DEFAULT_MODEL_REF));
    let configured = resolved
        .pointer("/agents/defaults/contextTokens")
        .and_then(Value::as_u64);
    let from_catalog = || {
        resolved
            .pointer(&format!(
                "/models/providers/{}/models",
                pointer_escape(&provider)
            ))
            .and_then(Value::as_array)?
            .iter()
            .find(|entry| entry.get("id").and_then(Value::as_str) == Some(model.as_str()))?
            .get("contextWindow")?
            .as_u64()
    };
    let context_tokens = configured
        .or_else(from_catalog)
        .unwrap_or(DEFAULT_CONTEXT_TOKENS);
    ModelDefaults {
        provider,
        model,
        context_tokens,
    }
}

/// `provider/model` split at the first `/`; a bare name is an alias from
/// `agents.defaults.models` (case-insensitive) or an Anthropic model.
pub(crate) fn split_model_ref(resolved: &Value, reference: &str) -> (String, String) {
    let reference = reference.trim();
    if let Some((provider, model)) = reference.split_once('/') {
        return (
            provider.trim().to_ascii_lowercase(),
            model.trim().to_string(),
        );
    }
    let aliased = resolved
        .pointer("/agents/defaults/models")
        .and_then(Value::as_object)
        .and_then(|models| {
            models.iter().find(|(_, entry)| {
                entry
                    .get("alias")
                    .and_then(Value::as_str)
                    .is_some_and(|alias| alias.trim().eq_ignore_ascii_case(reference))
            })
        })
        .and_then(|(key, _)| key.split_once('/'));
    match aliased {
        Some((provider, model)) => (provider.to_ascii_lowercase(), model.to_string()),
        None => ("anthropic".to_string(), reference.to_string()),
    }
}

/// Escapes a key for use as one JSON-pointer segment (RFC 6901).
fn pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

pub async fn status(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    params.closed(&[])?;
    let summary = shared.sessions_summary();
    let now = now_ms_signed();
    let snapshot = shared.snapshot.load();
    let config = snapshot.config();
    let default_agent = config.default_agent_id();
    let ids = config.agent_ids();
    let paths: Vec<String> = ids.iter().map(|id| sessions_path(shared, id)).collect();
    let heartbeat_agents: Vec<Value> = ids
        .iter()
        .map(|id| json!({"agentId": id, "enabled": false, "every": "disabled", "everyMs": Value::Null}))
        .collect();
    let by_agent: Vec<Value> = ids
        .iter()
        .map(|id| {
            let sessions = summary.agent(id);
            json!({
                "agentId": id,
                "path": sessions_path(shared, id),
                "count": sessions.count,
                "recent": recent_rows(&sessions.recent, now),
            })
        })
        .collect();
    Ok(json!({
        "heartbeat": {"defaultAgentId": default_agent, "agents": heartbeat_agents},
        "channelSummary": [],
        "queuedSystemEvents": [],
        "sessions": {
            "paths": paths,
            "count": summary.total(),
            "defaults": session_defaults(&snapshot.loaded.resolved, config.primary_model()),
            "recent": recent_rows(summary.recent(), now),
            "byAgent": by_agent,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_defaults_follow_the_configured_model() {
        // Nothing configured: OpenClaw's default model and 200k.
        assert_eq!(
            session_defaults(&json!({}), None),
            json!({"model": "claude-opus-4-5", "contextTokens": 200000})
        );
        // The captured config: a custom provider whose catalog entry names the window.
        let resolved = json!({"models": {"providers": {"fake": {"models": [
            {"id": "other", "contextWindow": 1},
            {"id": "fake-1", "contextWindow": 128000},
        ]}}}});
        assert_eq!(
            session_defaults(&resolved, Some("fake/fake-1")),
            json!({"model": "fake-1", "contextTokens": 128000})
        );
        // An explicit contextTokens wins; the model id keeps everything after the first '/'.
        let resolved = json!({"agents": {"defaults": {"contextTokens": 32000}}});
        assert_eq!(
            session_defaults(
                &resolved,
                Some("openrouter/meta-llama/llama-3.3-70b-instruct:free")
            ),
            json!({"model": "meta-llama/llama-3.3-70b-instruct:free", "contextTokens": 32000})
        );
    }

    fn record(key: &str, agent: &str, updated_at: i64) -> SessionRecord {
        SessionRecord {
            key: key.to_owned(),
            agent_id: agent.to_owned(),
            entry: openclaw_store::SessionEntry::with_session_id(key, updated_at),
        }
    }

    #[test]
    fn summary_counts_every_session_and_keeps_the_newest_few_per_agent() {
        // The store's order: newest first.
        let mut records: Vec<SessionRecord> = (0..7)
            .map(|i| record(&format!("agent:main:s{i}"), "main", 1_000 - i))
            .collect();
        records.insert(2, record("agent:ops:main", "ops", 999));
        let summary = SessionsSummary::from_records(records);
        assert_eq!(summary.total(), 8);
        let main = summary.agent("main");
        assert_eq!(main.count, 7);
        let recent: Vec<&str> = main.recent.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            recent,
            [
                "agent:main:s0",
                "agent:main:s1",
                "agent:main:s2",
                "agent:main:s3",
                "agent:main:s4"
            ]
        );
        assert_eq!(summary.agent("ops").count, 1);
        assert_eq!(summary.agent("nobody").count, 0);
        assert_eq!(summary.recent()[2].key, "agent:ops:main");
        assert_eq!(
            recent_brief(&main.recent[..1], 1_500),
            vec![json!({"key": "agent:main:s0", "updatedAt": 1000, "age": 500})]
        );
    }

    #[test]
    fn bare_model_names_resolve_through_aliases() {
        let resolved = json!({"agents": {"defaults": {"models": {
            "openai/gpt-5.2": {"alias": "GPT"},
        }}}});
        assert_eq!(
            split_model_ref(&resolved, "gpt"),
            ("openai".to_string(), "gpt-5.2".to_string())
        );
        assert_eq!(
            split_model_ref(&resolved, "claude-sonnet-4-5"),
            ("anthropic".to_string(), "claude-sonnet-4-5".to_string())
        );
        assert_eq!(pointer_escape("a/b~c"), "a~1b~0c");
    }
}
