//! `chat.send`, `chat.history`, `chat.abort`: the Control UI's chat path. Runs go through the
//! agent runtime as inbound `webchat` messages (queue modes and `/stop` apply); their progress
//! reaches clients as `chat`/`agent` events (see `crate::agent_events`).

use std::sync::Arc;
use std::time::Duration;

use openclaw_agent::{AbortResult, Delivery, Submission, TurnRequest};
use openclaw_protocol::{ErrorCode, ErrorShape};
use serde_json::{Value, json};

use super::Params;
use crate::state::Shared;

/// `chat.history` default and maximum `limit`.
const HISTORY_DEFAULT: u64 = 200;
const HISTORY_MAX: u64 = 1000;
/// How long `chat.abort` waits for the aborted runs to end, so their `aborted` events go out
/// before the response (as OpenClaw orders them).
const ABORT_SETTLE: Duration = Duration::from_secs(2);

fn unavailable(message: impl Into<String>) -> ErrorShape {
    ErrorShape::new(ErrorCode::UNAVAILABLE, message)
}

pub async fn send(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&[
        "sessionKey",
        "message",
        "thinking",
        "deliver",
        "attachments",
        "timeoutMs",
        "idempotencyKey",
        "sessionId",
        "expectedLeafEntryId",
    ])?;
    let session_key = params.required_str(&map, "sessionKey")?;
    let message = match map.get("message") {
        None => "",
        Some(Value::String(text)) => text.as_str(),
        Some(_) => {
            return Err(ErrorShape::new(
                ErrorCode::INVALID_REQUEST,
                "invalid chat.send params: at /message: must be string",
            ));
        }
    };
    let idempotency_key = params.required_str(&map, "idempotencyKey")?;
    let thinking = params.optional_str(&map, "thinking")?;
    params.optional_bool(&map, "deliver")?;
    let timeout_ms = params.optional_int(&map, "timeoutMs", 0, 24 * 3600 * 1000)?;
    let has_attachments = map
        .get("attachments")
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty());
    if has_attachments {
        return Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            "attachments are not supported by this gateway yet; send the message as text",
        ));
    }
    if message.trim().is_empty() {
        return Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            "message or attachment required",
        ));
    }
    let mut request = TurnRequest::new(idempotency_key, message);
    request.session_key = Some(session_key.to_owned());
    request.thinking = thinking.map(str::to_owned);
    request.timeout = timeout_ms.map(Duration::from_millis);
    request.delivery = Delivery::Inbound {
        channel: "webchat".into(),
    };
    Ok(match shared.agents.submit(request, None).await {
        Submission::Accepted(ticket) => json!({"runId": ticket.run_id, "status": "started"}),
        Submission::InFlight(ticket) => json!({"runId": ticket.run_id, "status": "in_flight"}),
        Submission::Finished(outcome) => {
            json!({"runId": outcome.run_id, "status": outcome.status.as_str()})
        }
        Submission::Stopped { run_ids } => {
            settle(shared, &run_ids).await;
            json!({"ok": true, "aborted": !run_ids.is_empty(), "runIds": run_ids})
        }
    })
}

/// Waits (briefly) for aborted runs to publish their end.
async fn settle(shared: &Arc<Shared>, run_ids: &[String]) {
    for run_id in run_ids {
        let _ = shared.agents.wait(run_id, ABORT_SETTLE).await;
    }
}

pub async fn history(
    shared: &Arc<Shared>,
    params: Params,
    version: openclaw_protocol::ProtocolVersion,
) -> Result<Value, ErrorShape> {
    let map = params.closed(&["sessionKey", "limit", "cursor", "sessionId"])?;
    let session_key = params.required_str(&map, "sessionKey")?;
    let limit = params
        .optional_int(&map, "limit", 1, HISTORY_MAX)?
        .unwrap_or(HISTORY_DEFAULT) as usize;
    let store = shared
        .store()
        .ok_or_else(|| unavailable("the gateway is shutting down"))?;
    let config = shared.snapshot.load();
    let canonical = openclaw_store::keys::canonical_session_key(
        session_key,
        &config.config().default_agent_id(),
    );
    let record = store
        .session(&canonical)
        .await
        .map_err(|err| unavailable(format!("reading session {canonical}: {err}")))?;
    let Some(record) = record else {
        return Ok(json!({"sessionKey": session_key, "messages": [], "thinkingLevel": "off"}));
    };
    // Entries besides messages (compactions, custom state) are skipped, so read a little more.
    let entries = store
        .transcript_history(&record.entry.session_id, limit.saturating_mul(2))
        .await
        .map_err(|err| unavailable(format!("reading the transcript of {canonical}: {err}")))?;
    let v4 = version == openclaw_protocol::ProtocolVersion::V4;
    let mut messages: Vec<Value> = entries
        .iter()
        .filter(|entry| entry.kind == openclaw_store::EntryKind::Message)
        .filter_map(|entry| {
            let message = entry.body.get("message")?.clone();
            Some(if v4 {
                super::v4_shapes::history_message(message, &entry.id, entry.seq as usize)
            } else {
                message
            })
        })
        .collect();
    let excess = messages.len().saturating_sub(limit);
    messages.drain(..excess);
    Ok(json!({
        "sessionKey": session_key,
        "sessionId": record.entry.session_id,
        "messages": messages,
        "thinkingLevel": record.entry.thinking_level.as_deref().unwrap_or("off"),
    }))
}

pub async fn abort(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["sessionKey", "runId"])?;
    let session_key = params.required_str(&map, "sessionKey")?;
    let run_id = match map.get("runId") {
        None | Some(Value::Null) => None,
        Some(_) => Some(params.required_str(&map, "runId")?),
    };
    match shared.agents.abort(session_key, run_id) {
        AbortResult::WrongSession => Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            "runId does not match sessionKey",
        )),
        AbortResult::Aborted(run_ids) => {
            settle(shared, &run_ids).await;
            Ok(json!({"ok": true, "aborted": !run_ids.is_empty(), "runIds": run_ids}))
        }
    }
}
