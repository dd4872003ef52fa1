//! Read-only methods: `logs.tail`, `channels.status`, `system-presence`, `agents.list`.

use std::sync::Arc;

use openclaw_protocol::{ErrorCode, ErrorShape};
use serde_json::{Value, json};

use super::Params;
use crate::state::Shared;

pub async fn logs_tail(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["cursor", "limit", "maxBytes"])?;
    let cursor = params.optional_int(&map, "cursor", 0, u64::MAX)?;
    let limit = params.optional_int(&map, "limit", 1, 5000)?.unwrap_or(500);
    let max_bytes = params
        .optional_int(&map, "maxBytes", 1, 1_000_000)?
        .unwrap_or(250_000);
    let Some(path) = shared.log.as_ref().map(|h| h.file_path()) else {
        return Err(ErrorShape::new(
            ErrorCode::UNAVAILABLE,
            "file logging is not active in this process",
        ));
    };
    let limit = usize::try_from(limit).unwrap_or(500);
    let max_bytes = usize::try_from(max_bytes).unwrap_or(250_000);
    let chunk = tokio::task::spawn_blocking(move || {
        openclaw_logging::tail(&path, cursor, limit, max_bytes)
    })
    .await
    .map_err(|e| ErrorShape::new(ErrorCode::UNAVAILABLE, format!("log tail failed: {e}")))?
    .map_err(|e| ErrorShape::new(ErrorCode::UNAVAILABLE, format!("log tail failed: {e}")))?;
    Ok(json!({
        "file": chunk.file.display().to_string(),
        "cursor": chunk.cursor,
        "size": chunk.size,
        "lines": chunk.lines,
        "truncated": chunk.truncated,
        "reset": chunk.reset,
    }))
}

/// No channel is built yet, so the shape is OpenClaw's with nothing in it.
pub fn system_presence(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    params.closed(&[])?;
    Ok(Value::Array(shared.presence.list()))
}

pub fn agents_list(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    params.closed(&[])?;
    let snapshot = shared.snapshot.load();
    let config = snapshot.config();
    let list = config.agent_list();
    let agents: Vec<Value> = if list.is_empty() {
        vec![json!({"id": config.default_agent_id()})]
    } else {
        list.iter()
            .map(|agent| {
                let id = openclaw_config::normalize_agent_id(&agent.id);
                match agent.name.as_deref() {
                    Some(name) => json!({"id": id, "name": name}),
                    None => json!({"id": id}),
                }
            })
            .collect()
    };
    Ok(json!({
        "defaultId": config.default_agent_id(),
        "mainKey": "main",
        "scope": config.session_scope().as_str(),
        "agents": agents,
    }))
}
