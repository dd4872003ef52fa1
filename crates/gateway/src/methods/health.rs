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
            "defaults": {"model": config.primary_model(), "contextTokens": Value::Null},
            "recent": [],
            "byAgent": by_agent,
        },
    }))
}
