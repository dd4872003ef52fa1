//! `health` and `status`: the same facts OpenClaw reports, honest about what is not running
//! yet (no channels, no sessions, heartbeat not active in this build).

use std::sync::Arc;
use std::time::Instant;

use openclaw_protocol::ErrorShape;
use serde_json::{Value, json};

use super::Params;
use crate::state::{Shared, Snapshot, now_ms};

fn sessions_path(shared: &Shared, agent_id: &str) -> String {
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
    let agents: Vec<Value> = config
        .agent_ids()
        .into_iter()
        .map(|id| {
            json!({
                "agentId": id,
                "isDefault": id == default_agent,
                "heartbeat": heartbeat_info(),
                "sessions": {"path": sessions_path(shared, &id), "count": 0, "recent": []},
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
        "sessions": {"path": sessions_path(shared, &default_agent), "count": 0, "recent": []},
    })
}

pub fn health(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["probe"])?;
    params.optional_bool(&map, "probe")?;
    Ok(health_payload(shared, &shared.snapshot.load()))
}

/// OpenClaw's model when none is configured, and the context window it assumes by default.
const DEFAULT_MODEL_REF: &str = "anthropic/claude-opus-4-5";
const DEFAULT_CONTEXT_TOKENS: u64 = 200_000;

/// `status.sessions.defaults` as OpenClaw reports it: the primary model's id without its
/// provider, and its context window (`agents.defaults.contextTokens`, else the custom
/// provider catalog's `contextWindow` for that model, else 200k).
fn session_defaults(resolved: &Value, primary: Option<&str>) -> Value {
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
    json!({"model": model, "contextTokens": context_tokens})
}

/// `provider/model` split at the first `/`; a bare name is an alias from
/// `agents.defaults.models` (case-insensitive) or an Anthropic model.
fn split_model_ref(resolved: &Value, reference: &str) -> (String, String) {
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

pub fn status(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    params.closed(&[])?;
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
        .map(|id| json!({"agentId": id, "path": sessions_path(shared, id), "count": 0, "recent": []}))
        .collect();
    Ok(json!({
        "heartbeat": {"defaultAgentId": default_agent, "agents": heartbeat_agents},
        "channelSummary": [],
        "queuedSystemEvents": [],
        "sessions": {
            "paths": paths,
            "count": 0,
            "defaults": session_defaults(&snapshot.loaded.resolved, config.primary_model()),
            "recent": [],
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
