//! Protocol 4 (OpenClaw 2026.9.6) additions to method results that protocol 3 clients must not
//! see (their schema has closed objects): per-agent details in `agents.list`, availability and
//! thinking levels in `models.list`, `__openclaw` message metadata in `chat.history`.

use openclaw_config::Config;
use openclaw_providers::{AgentAuthContext, ModelRef, resolve_credential, resolve_provider};
use serde_json::{Map, Value, json};

use crate::state::{Shared, now_ms};

const REASONING_LEVELS: &[&str] = &["off", "minimal", "low", "medium", "high"];

/// Whether the configured catalog entry of `provider/model` says it can reason.
fn is_reasoning(config: &Config, provider: &str, model: &str) -> bool {
    openclaw_agent::settings::is_reasoning_model(
        config,
        &ModelRef {
            provider: provider.to_owned(),
            model: model.to_owned(),
        },
    )
}

fn thinking_levels(reasoning: bool) -> Value {
    let levels: &[&str] = if reasoning {
        REASONING_LEVELS
    } else {
        &["off"]
    };
    Value::Array(
        levels
            .iter()
            .map(|level| json!({"id": level, "label": level}))
            .collect(),
    )
}

fn thinking_default(config: &Config, reasoning: bool) -> String {
    config
        .agents
        .as_ref()
        .and_then(|a| a.defaults.as_ref())
        .and_then(|d| d.thinking_default.clone())
        .unwrap_or_else(|| if reasoning { "low" } else { "off" }.to_owned())
}

/// Adds 2026.9.6's fields to an `agents.list` result.
pub fn agents_list(shared: &Shared, config: &Config, mut result: Value) -> Value {
    if let Some(object) = result.as_object_mut() {
        object.insert("ownership".into(), "sole".into());
        object.insert("selectionRequired".into(), false.into());
    }
    if let Some(agents) = result.get_mut("agents").and_then(Value::as_array_mut) {
        for agent in agents {
            let Some(id) = agent.get("id").and_then(Value::as_str).map(str::to_owned) else {
                continue;
            };
            let workspace =
                openclaw_agent::workspace::resolve_workspace(config, &shared.paths.state_dir, &id);
            let primary = openclaw_providers::agent_primary_model(config, &id).to_owned();
            let catalog = openclaw_providers::ModelCatalog::from_config(config);
            let reasoning = catalog
                .parse(&primary)
                .map(|m| is_reasoning(config, &m.provider, &m.model))
                .unwrap_or(false);
            let levels = thinking_levels(reasoning);
            let options: Vec<Value> = levels
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|l| l.get("id").cloned())
                .collect();
            if let Some(object) = agent.as_object_mut() {
                object.insert("workspace".into(), workspace.display().to_string().into());
                object.insert(
                    "workspaceGit".into(),
                    workspace.join(".git").is_dir().into(),
                );
                object.insert(
                    "agentRuntime".into(),
                    json!({"id": "auto", "cloudPlacementSupported": false,
                           "devicePlacementSupported": false, "source": "implicit"}),
                );
                object.insert("thinkingLevels".into(), levels);
                object.insert("thinkingOptions".into(), Value::Array(options));
                object.insert(
                    "thinkingDefault".into(),
                    thinking_default(config, reasoning).into(),
                );
                object.insert("model".into(), json!({"primary": primary}));
                object.insert("defaultPermissionMode".into(), "full".into());
            }
        }
    }
    result
}

/// Adds tags, thinking levels and availability (a credential exists) to `models.list` rows.
pub fn models_list(shared: &Shared, config: &Config, rows: Vec<Value>) -> Vec<Value> {
    let default_agent = config.default_agent_id();
    let primary = openclaw_providers::ModelCatalog::from_config(config)
        .parse(openclaw_providers::agent_primary_model(
            config,
            &default_agent,
        ))
        .ok();
    let agent_dir = shared
        .paths
        .state_dir
        .join("agents")
        .join(&default_agent)
        .join("agent");
    let auth = AgentAuthContext {
        agent_id: &default_agent,
        agent_dir: &agent_dir,
    };
    let env = &shared.env;
    rows.into_iter()
        .map(|mut row| {
            let provider = row
                .get("provider")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let id = row
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let reasoning = row
                .get("reasoning")
                .and_then(Value::as_bool)
                .unwrap_or_else(|| is_reasoning(config, &provider, &id));
            let mut tags = Vec::new();
            if primary.as_ref()
                == Some(&ModelRef {
                    provider: provider.clone(),
                    model: id.clone(),
                })
            {
                tags.push(Value::from("default"));
            }
            tags.push(Value::from("configured"));
            let available = resolve_provider(config, &provider)
                .ok()
                .is_some_and(|resolved| {
                    resolve_credential(config, env, &auth, &resolved, now_ms() as i64).is_ok()
                });
            if let Some(object) = row.as_object_mut() {
                object.insert("tags".into(), Value::Array(tags));
                object.insert("thinkingLevels".into(), thinking_levels(reasoning));
                object.insert(
                    "thinkingDefault".into(),
                    thinking_default(config, reasoning).into(),
                );
                object.insert("available".into(), available.into());
            }
            row
        })
        .collect()
}

/// `chat.history` message metadata of 2026.9.6: `__openclaw: {id, seq, senderIsOwner}`.
pub fn history_message(mut message: Value, entry_id: &str, seq: usize) -> Value {
    if let Some(object) = message.as_object_mut() {
        let mut meta = Map::new();
        meta.insert("id".into(), entry_id.into());
        meta.insert("seq".into(), seq.into());
        meta.insert("senderIsOwner".into(), false.into());
        object.insert("__openclaw".into(), Value::Object(meta));
    }
    message
}
