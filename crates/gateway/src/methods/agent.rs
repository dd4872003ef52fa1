//! `agent` (two-stage answer), `agent.wait`, `agent.identity.get` and `models.list`.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use openclaw_agent::{Delivery, RunOutcome, RunStatus, Submission, TurnRequest, WaitResult};
use openclaw_config::Config;
use openclaw_protocol::{ErrorCode, ErrorShape};
use serde_json::{Map, Value, json};

use super::{Params, Reply};
use crate::state::{Shared, now_ms};

/// `agent.wait` default `timeoutMs`.
const WAIT_DEFAULT_MS: u64 = 30_000;

pub async fn agent(shared: &Arc<Shared>, params: Params) -> Result<Reply, ErrorShape> {
    let map = params.closed(&[
        "message",
        "agentId",
        "to",
        "replyTo",
        "sessionId",
        "sessionKey",
        "thinking",
        "deliver",
        "attachments",
        "channel",
        "replyChannel",
        "accountId",
        "replyAccountId",
        "timeout",
        "lane",
        "extraSystemPrompt",
        "idempotencyKey",
        "label",
        "spawnedBy",
    ])?;
    let message = params.required_str(&map, "message")?;
    let idempotency_key = params.required_str(&map, "idempotencyKey")?;
    let agent_id = params.optional_str(&map, "agentId")?;
    let mut session_key = params.optional_str(&map, "sessionKey")?.map(str::to_owned);
    let session_id = params.optional_str(&map, "sessionId")?;
    let timeout = params.optional_int(&map, "timeout", 0, 7 * 24 * 3600)?;
    if session_key.is_none()
        && let Some(session_id) = session_id
    {
        session_key = Some(session_key_for_id(shared, agent_id, session_id).await);
    }
    let mut request = TurnRequest::new(idempotency_key, message);
    request.session_key = session_key;
    request.agent_id = agent_id.map(str::to_owned);
    request.thinking = params.optional_str(&map, "thinking")?.map(str::to_owned);
    request.timeout = timeout.filter(|s| *s > 0).map(Duration::from_secs);
    request.extra_system_prompt = params
        .optional_str(&map, "extraSystemPrompt")?
        .map(str::to_owned);
    request.delivery = Delivery::Direct;
    match shared.agents.submit(request, None).await {
        Submission::Accepted(ticket) | Submission::InFlight(ticket) => {
            let first =
                json!({"runId": ticket.run_id, "status": "accepted", "acceptedAt": now_ms()});
            let rest = async move {
                match ticket.outcome().await {
                    Some(outcome) => final_payload(&outcome),
                    None => Err(ErrorShape::new(ErrorCode::UNAVAILABLE, "the run was lost")),
                }
            };
            Ok(Reply::Later {
                first: Some(first),
                rest: rest.boxed(),
            })
        }
        Submission::Finished(outcome) => final_payload(&outcome).map(Reply::Now),
        Submission::Stopped { run_ids } => Ok(Reply::Now(
            json!({"ok": true, "aborted": !run_ids.is_empty(), "runIds": run_ids}),
        )),
    }
}

/// `--session-id`: the session that currently uses this transcript id, else a session keyed
/// by it (so repeating the id continues one conversation).
async fn session_key_for_id(
    shared: &Arc<Shared>,
    agent_id: Option<&str>,
    session_id: &str,
) -> String {
    if let Some(store) = shared.store()
        && let Ok(records) = store
            .list_sessions(openclaw_store::SessionQuery::default())
            .await
        && let Some(record) = records.iter().find(|r| r.entry.session_id == session_id)
    {
        return record.key.clone();
    }
    let agent = agent_id
        .map(openclaw_config::normalize_agent_id)
        .unwrap_or_else(|| shared.snapshot.load().config().default_agent_id());
    format!("agent:{agent}:explicit:{}", session_id.to_lowercase())
}

/// The second `agent` response (OpenClaw's shape).
fn final_payload(outcome: &RunOutcome) -> Result<Value, ErrorShape> {
    match outcome.status {
        RunStatus::Error => Err(ErrorShape::new(
            ErrorCode::UNAVAILABLE,
            outcome
                .error
                .clone()
                .unwrap_or_else(|| "the agent run failed".into()),
        )),
        RunStatus::Timeout => Err(ErrorShape::new(
            ErrorCode::AGENT_TIMEOUT,
            outcome
                .error
                .clone()
                .unwrap_or_else(|| "the agent run timed out".into()),
        )),
        RunStatus::Ok | RunStatus::Aborted(_) => {
            let aborted = matches!(outcome.status, RunStatus::Aborted(_));
            let usage = outcome.usage;
            let payloads: Vec<Value> = if outcome.text.is_empty() {
                Vec::new()
            } else {
                vec![json!({"text": outcome.text, "mediaUrl": null})]
            };
            Ok(json!({
                "runId": outcome.run_id,
                "status": if aborted { "aborted" } else { "ok" },
                "summary": if aborted { "aborted" } else { "completed" },
                "result": {
                    "payloads": payloads,
                    "meta": {
                        "durationMs": outcome.duration_ms(),
                        "agentMeta": {
                            "sessionId": outcome.session_id,
                            "provider": outcome.provider,
                            "model": outcome.model,
                            "usage": {
                                "input": usage.input,
                                "output": usage.output,
                                "cacheRead": usage.cache_read,
                                "cacheWrite": usage.cache_write,
                                "total": usage.input + usage.output + usage.cache_read + usage.cache_write,
                            },
                        },
                        "aborted": aborted,
                        "systemPromptReport": outcome.system_prompt_report(),
                    },
                },
            }))
        }
    }
}

pub fn wait(shared: &Arc<Shared>, params: Params) -> Result<Reply, ErrorShape> {
    let map = params.closed(&["runId", "timeoutMs"])?;
    let run_id = params.required_str(&map, "runId")?.to_owned();
    let timeout_ms = params
        .optional_int(&map, "timeoutMs", 0, 24 * 3600 * 1000)?
        .unwrap_or(WAIT_DEFAULT_MS);
    let agents = shared.agents.clone();
    let rest = async move {
        Ok(
            match agents
                .wait(&run_id, Duration::from_millis(timeout_ms))
                .await
            {
                WaitResult::Done(outcome) => {
                    let mut payload = json!({
                        "runId": run_id,
                        "status": outcome.status.as_str(),
                        "startedAt": outcome.started_at,
                        "endedAt": outcome.ended_at,
                    });
                    if let (Some(error), Some(object)) = (&outcome.error, payload.as_object_mut()) {
                        object.insert("error".into(), error.as_str().into());
                    }
                    payload
                }
                WaitResult::Timeout { started_at } => {
                    json!({"runId": run_id, "status": "timeout", "startedAt": started_at})
                }
                WaitResult::Unknown => json!({"runId": run_id, "status": "timeout"}),
            },
        )
    };
    Ok(Reply::Later {
        first: None,
        rest: rest.boxed(),
    })
}

pub fn identity(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["sessionKey", "agentId"])?;
    let snapshot = shared.snapshot.load();
    let config = snapshot.config();
    let default_agent = config.default_agent_id();
    let agent_id = match (
        params.optional_str(&map, "agentId")?,
        params.optional_str(&map, "sessionKey")?,
    ) {
        (Some(agent), _) => openclaw_config::normalize_agent_id(agent),
        (None, Some(key)) => openclaw_store::keys::agent_id_of_key(
            &openclaw_store::keys::canonical_session_key(key, &default_agent),
            &default_agent,
        ),
        (None, None) => default_agent,
    };
    let identity = config.agent(&agent_id).and_then(|a| a.identity.as_ref());
    let name = config
        .assistant_name()
        .or_else(|| identity.and_then(|i| i.name.as_deref()))
        .or_else(|| config.agent(&agent_id).and_then(|a| a.name.as_deref()))
        .unwrap_or("Assistant")
        .to_owned();
    let avatar = identity
        .and_then(|i| i.avatar.clone().or_else(|| i.emoji.clone()))
        .unwrap_or_else(|| name.chars().next().map(String::from).unwrap_or_default());
    Ok(json!({"agentId": agent_id, "name": name, "avatar": avatar}))
}

pub fn models_list(
    shared: &Arc<Shared>,
    params: Params,
    version: openclaw_protocol::ProtocolVersion,
) -> Result<Value, ErrorShape> {
    params.closed(&["view", "preparedOnly", "refresh", "sessionKey", "agentId"])?;
    let snapshot = shared.snapshot.load();
    let rows = configured_models(snapshot.config());
    let rows = match version {
        openclaw_protocol::ProtocolVersion::V4 => {
            super::v4_shapes::models_list(shared, snapshot.config(), rows)
        }
        openclaw_protocol::ProtocolVersion::V3 => rows,
    };
    Ok(json!({"models": rows}))
}

/// The models this gateway can use: every `models.providers.*.models[]` entry, then the
/// allowlist, primary and fallbacks not already listed (OpenClaw 2026.9.6's default view;
/// there is no built-in catalog of every provider's models).
pub fn configured_models(config: &Config) -> Vec<Value> {
    let mut rows: Vec<Value> = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (provider, entry) in config
        .models
        .as_ref()
        .and_then(|m| m.providers.as_ref())
        .into_iter()
        .flatten()
    {
        for model in entry.models.iter().flatten() {
            let Some(id) = model.get("id").and_then(Value::as_str) else {
                continue;
            };
            let mut row = Map::new();
            row.insert("id".into(), id.into());
            row.insert(
                "name".into(),
                model.get("name").cloned().unwrap_or_else(|| id.into()),
            );
            row.insert("provider".into(), provider.as_str().into());
            for key in ["contextWindow", "reasoning", "input"] {
                if let Some(value) = model.get(key) {
                    row.insert(key.into(), value.clone());
                }
            }
            seen.push((provider.to_lowercase(), id.to_owned()));
            rows.push(Value::Object(row));
        }
    }
    let catalog = openclaw_providers::ModelCatalog::from_config(config);
    let defaults = config.agents.as_ref().and_then(|a| a.defaults.as_ref());
    let allowlist = defaults
        .and_then(|d| d.models.as_ref())
        .into_iter()
        .flat_map(|models| models.keys().cloned());
    let chain = defaults
        .and_then(|d| d.model.as_ref())
        .into_iter()
        .flat_map(|model| {
            model
                .primary()
                .map(str::to_owned)
                .into_iter()
                .chain(model.fallbacks().unwrap_or(&[]).iter().cloned())
        });
    let primary =
        openclaw_providers::agent_primary_model(config, &config.default_agent_id()).to_owned();
    for raw in allowlist.chain(chain).chain(std::iter::once(primary)) {
        let Ok(model) = catalog.parse(&raw) else {
            continue;
        };
        let key = (model.provider.to_lowercase(), model.model.clone());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        rows.push(json!({"id": model.model, "name": model.model, "provider": model.provider}));
    }
    rows
}
