//! `sessions.*`: OpenClaw's session methods served from the SQLite store.
//!
//! Params are closed objects validated with OpenClaw's ajv wording; keys are canonicalized like
//! OpenClaw (`main` is the default agent's main session, bare keys belong to the default agent),
//! but a key stored verbatim by a Node gateway (e.g. a literal `main`) is still found. Every
//! change refreshes the session summary `health`/`status` report, so counts never lag a reply.

use std::sync::Arc;

use openclaw_protocol::{ErrorCode, ErrorShape};
use openclaw_store::keys::{canonical_session_key, main_session_key};
use openclaw_store::{
    DEFAULT_COMPACT_MAX_ENTRIES, FieldPatch, SessionPatch, SessionQuery, SessionRecord, Store,
    StoreError,
};
use serde_json::{Map, Value, json};

use super::Params;
use super::health::{model_defaults, sessions_path, split_model_ref};
use crate::state::{Shared, now_ms};

/// `sessions.preview` defaults and caps (OpenClaw: 12 items of at most 240 characters).
const PREVIEW_DEFAULT_LIMIT: u64 = 12;
const PREVIEW_MAX_LIMIT: u64 = 200;
const PREVIEW_DEFAULT_MAX_CHARS: u64 = 240;
const PREVIEW_MAX_CHARS: u64 = 4096;
/// At most this many keys per `sessions.preview` call (OpenClaw previews up to 64).
const PREVIEW_MAX_KEYS: usize = 64;
const LIST: &str = "sessions.list";
const PREVIEW: &str = "sessions.preview";
const PATCH: &str = "sessions.patch";
const RESOLVE: &str = "sessions.resolve";

/// OpenClaw's `SessionLabelString` limit.
const LABEL_MAX_CHARS: usize = 64;

/// Entry fields copied into a `sessions.list` row (OpenClaw's row, not the whole entry: skill
/// snapshots and system-prompt reports stay out of list results).
const ROW_FIELDS: &[&str] = &[
    "label",
    "displayName",
    "channel",
    "subject",
    "groupChannel",
    "space",
    "chatType",
    "origin",
    "updatedAt",
    "sessionId",
    "systemSent",
    "abortedLastRun",
    "thinkingLevel",
    "verboseLevel",
    "reasoningLevel",
    "elevatedLevel",
    "sendPolicy",
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "responseUsage",
    "modelProvider",
    "model",
    "contextTokens",
    "deliveryContext",
    "lastChannel",
    "lastTo",
    "lastAccountId",
    "spawnedBy",
];

fn invalid(method: &str, detail: impl std::fmt::Display) -> ErrorShape {
    ErrorShape::new(
        ErrorCode::INVALID_REQUEST,
        format!("invalid {method} params: {detail}"),
    )
}

fn store_of(shared: &Shared) -> Result<Arc<Store>, ErrorShape> {
    shared.store().ok_or_else(|| {
        ErrorShape::new(
            ErrorCode::UNAVAILABLE,
            "the session store is closed because the gateway is shutting down; retry after it restarts",
        )
    })
}

fn store_error(err: StoreError) -> ErrorShape {
    match err {
        StoreError::SessionNotFound { key } => ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            format!("No session found: {key}"),
        ),
        other => ErrorShape::new(ErrorCode::UNAVAILABLE, other.to_string()),
    }
}

fn default_agent(shared: &Shared) -> String {
    shared.snapshot.load().config().default_agent_id()
}

/// The stored key a client means: the canonical key if it exists, else the key exactly as
/// sent (Node stores may hold legacy keys such as a literal `main`), else the canonical key.
async fn resolve_key(
    store: &Store,
    requested: &str,
    default_agent: &str,
) -> Result<String, ErrorShape> {
    let canonical = canonical_session_key(requested, default_agent);
    if store
        .session(&canonical)
        .await
        .map_err(store_error)?
        .is_some()
    {
        return Ok(canonical);
    }
    let literal = requested.trim();
    if literal != canonical && store.session(literal).await.map_err(store_error)?.is_some() {
        return Ok(literal.to_owned());
    }
    Ok(canonical)
}

/// `kind` of a row, as OpenClaw classifies keys.
fn session_kind(record: &SessionRecord) -> &'static str {
    let key = record.key.as_str();
    if key == "global" {
        return "global";
    }
    if key == "unknown" {
        return "unknown";
    }
    let chat_type = record.entry.extra.get("chatType").and_then(Value::as_str);
    if matches!(chat_type, Some("group" | "channel"))
        || key.contains(":group:")
        || key.contains(":channel:")
    {
        return "group";
    }
    "direct"
}

/// One `sessions.list` row: key, kind and the entry's row fields.
pub(crate) fn session_row(record: &SessionRecord) -> Value {
    let entry = record.entry.to_json();
    let mut row = Map::new();
    row.insert("key".into(), json!(record.key));
    row.insert("kind".into(), json!(session_kind(record)));
    for field in ROW_FIELDS {
        if let Some(value) = entry.get(*field).filter(|value| !value.is_null()) {
            row.insert((*field).into(), value.clone());
        }
    }
    Value::Object(row)
}

fn optional_non_empty<'a>(
    method: &str,
    params: &Params,
    map: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, ErrorShape> {
    match params.optional_str(map, key)? {
        Some("") => Err(invalid(
            method,
            format_args!("at /{key}: must NOT have fewer than 1 characters"),
        )),
        other => Ok(other),
    }
}

fn check_label(method: &str, label: &str) -> Result<(), ErrorShape> {
    if label.is_empty() {
        return Err(invalid(
            method,
            "at /label: must NOT have fewer than 1 characters",
        ));
    }
    if label.chars().count() > LABEL_MAX_CHARS {
        return Err(invalid(
            method,
            format_args!("at /label: must NOT have more than {LABEL_MAX_CHARS} characters"),
        ));
    }
    Ok(())
}

pub async fn list(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&[
        "limit",
        "activeMinutes",
        "includeGlobal",
        "includeUnknown",
        "label",
        "spawnedBy",
        "agentId",
    ])?;
    let limit = params.optional_int(&map, "limit", 1, u64::MAX)?;
    let active_minutes = params.optional_int(&map, "activeMinutes", 1, u64::MAX)?;
    let include_global = params
        .optional_bool(&map, "includeGlobal")?
        .unwrap_or(false);
    let include_unknown = params
        .optional_bool(&map, "includeUnknown")?
        .unwrap_or(false);
    let label = params.optional_str(&map, "label")?;
    if let Some(label) = label {
        check_label(LIST, label)?;
    }
    let spawned_by = optional_non_empty(LIST, &params, &map, "spawnedBy")?;
    let agent_id = optional_non_empty(LIST, &params, &map, "agentId")?;
    let store = store_of(shared)?;
    let query = SessionQuery {
        agent_id: agent_id.map(str::to_owned),
        active_minutes,
        label: label.map(str::to_owned),
        spawned_by: spawned_by.map(str::to_owned),
        // The limit applies after hiding global/unknown rows, so it is not pushed down.
        limit: None,
    };
    let records = store.list_sessions(query).await.map_err(store_error)?;
    let limit = limit
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(usize::MAX);
    let rows: Vec<Value> = records
        .iter()
        .filter(|record| include_global || record.key != "global")
        .filter(|record| include_unknown || record.key != "unknown")
        .take(limit)
        .map(session_row)
        .collect();
    let snapshot = shared.snapshot.load();
    let defaults = model_defaults(&snapshot.loaded.resolved, snapshot.config().primary_model());
    let path = match agent_id {
        Some(agent) => sessions_path(shared, &openclaw_config::normalize_agent_id(agent)),
        None => "(multiple)".to_owned(),
    };
    Ok(json!({
        "ts": now_ms(),
        "path": path,
        "count": rows.len(),
        "defaults": {
            "modelProvider": defaults.provider,
            "model": defaults.model,
            "contextTokens": defaults.context_tokens,
        },
        "sessions": rows,
    }))
}

fn required_keys(method: &str, map: &Map<String, Value>) -> Result<Vec<String>, ErrorShape> {
    let Some(value) = map.get("keys") else {
        return Err(invalid(method, "must have required property 'keys'"));
    };
    let Value::Array(items) = value else {
        return Err(invalid(method, "at /keys: must be array"));
    };
    if items.is_empty() {
        return Err(invalid(
            method,
            "at /keys: must NOT have fewer than 1 items",
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| match item {
            Value::String(key) if !key.is_empty() => Ok(key.clone()),
            Value::String(_) => Err(invalid(
                method,
                format_args!("at /keys/{index}: must NOT have fewer than 1 characters"),
            )),
            _ => Err(invalid(
                method,
                format_args!("at /keys/{index}: must be string"),
            )),
        })
        .collect()
}

/// Cuts `text` to `max_chars` characters, marking the cut with an ellipsis.
fn truncate_chars(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

pub async fn preview(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["keys", "limit", "maxChars"])?;
    let keys = required_keys(PREVIEW, &map)?;
    let limit = params
        .optional_int(&map, "limit", 1, u64::MAX)?
        .unwrap_or(PREVIEW_DEFAULT_LIMIT);
    let max_chars = params
        .optional_int(&map, "maxChars", 20, u64::MAX)?
        .unwrap_or(PREVIEW_DEFAULT_MAX_CHARS);
    let limit = usize::try_from(limit.min(PREVIEW_MAX_LIMIT)).unwrap_or(1);
    let max_chars = usize::try_from(max_chars.min(PREVIEW_MAX_CHARS)).unwrap_or(20);
    let store = store_of(shared)?;
    let default_agent = default_agent(shared);
    let mut resolved = Vec::new();
    for key in keys.iter().take(PREVIEW_MAX_KEYS) {
        resolved.push(resolve_key(&store, key, &default_agent).await?);
    }
    let previews = store
        .preview_sessions(resolved, limit)
        .await
        .map_err(store_error)?;
    // Answer under the key the client asked for, so it can match previews to its rows.
    let previews: Vec<Value> = previews
        .into_iter()
        .zip(&keys)
        .map(|(preview, asked)| {
            let items: Vec<Value> = preview
                .items
                .iter()
                .map(|item| json!({"role": item.role, "text": truncate_chars(&item.text, max_chars)}))
                .collect();
            json!({"key": asked, "status": preview.status, "items": items})
        })
        .collect();
    Ok(json!({"ts": now_ms(), "previews": previews}))
}

/// `sessions.resolve`: exactly one of `key`, `sessionId` or `label` names the session; the
/// answer is its stored key. `agentId`/`spawnedBy`/`include*` narrow the id and label search.
pub async fn resolve(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&[
        "key",
        "sessionId",
        "label",
        "agentId",
        "spawnedBy",
        "includeGlobal",
        "includeUnknown",
    ])?;
    let key = optional_non_empty(RESOLVE, &params, &map, "key")?.map(str::trim);
    let session_id = optional_non_empty(RESOLVE, &params, &map, "sessionId")?.map(str::trim);
    let label = params.optional_str(&map, "label")?;
    if let Some(label) = label {
        check_label(RESOLVE, label)?;
    }
    let label = label.map(str::trim);
    let agent_id = optional_non_empty(RESOLVE, &params, &map, "agentId")?;
    let spawned_by = optional_non_empty(RESOLVE, &params, &map, "spawnedBy")?;
    let include_global = params
        .optional_bool(&map, "includeGlobal")?
        .unwrap_or(false);
    let include_unknown = params
        .optional_bool(&map, "includeUnknown")?
        .unwrap_or(false);
    let selectors = [key, session_id, label]
        .iter()
        .filter(|s| s.is_some_and(|s| !s.is_empty()))
        .count();
    if selectors > 1 {
        return Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            "Provide either key, sessionId, or label (not multiple)",
        ));
    }
    let store = store_of(shared)?;
    if let Some(key) = key.filter(|k| !k.is_empty()) {
        let resolved = resolve_key(&store, key, &default_agent(shared)).await?;
        return match store.session(&resolved).await.map_err(store_error)? {
            Some(_) => Ok(json!({"ok": true, "key": resolved})),
            None => Err(not_found(format_args!("No session found: {key}"))),
        };
    }
    let query = SessionQuery {
        agent_id: agent_id.map(str::to_owned),
        label: label.map(str::to_owned),
        spawned_by: spawned_by.map(str::to_owned),
        ..SessionQuery::default()
    };
    let visible = |record: &&SessionRecord| {
        (include_global || record.key != "global") && (include_unknown || record.key != "unknown")
    };
    let records = store.list_sessions(query).await.map_err(store_error)?;
    let (matches, what): (Vec<&SessionRecord>, String) = match (session_id, label) {
        (Some(id), _) if !id.is_empty() => (
            records
                .iter()
                .filter(visible)
                .filter(|r| r.entry.session_id == id || r.key == id)
                .collect(),
            id.to_owned(),
        ),
        (_, Some(label)) if !label.is_empty() => (
            records.iter().filter(visible).collect(),
            format!("with label: {label}"),
        ),
        _ => {
            return Err(ErrorShape::new(
                ErrorCode::INVALID_REQUEST,
                "Either key, sessionId, or label is required",
            ));
        }
    };
    let separator = if session_id.is_some() { ": " } else { " " };
    match matches.as_slice() {
        [only] => Ok(json!({"ok": true, "key": only.key})),
        [] => Err(not_found(format_args!("No session found{separator}{what}"))),
        many => {
            let keys: Vec<&str> = many.iter().map(|r| r.key.as_str()).collect();
            let what = if session_id.is_some() {
                format!("for sessionId: {what}")
            } else {
                what
            };
            Err(not_found(format_args!(
                "Multiple sessions found {what} ({})",
                keys.join(", ")
            )))
        }
    }
}

fn not_found(message: impl std::fmt::Display) -> ErrorShape {
    ErrorShape::new(ErrorCode::INVALID_REQUEST, message.to_string())
}

/// A patchable string field: absent keeps it, `null` clears it, a string sets it.
fn field_patch(
    method: &str,
    map: &Map<String, Value>,
    key: &str,
) -> Result<FieldPatch, ErrorShape> {
    match map.get(key) {
        None => Ok(FieldPatch::Keep),
        Some(Value::Null) => Ok(FieldPatch::Clear),
        Some(Value::String(value)) if value.is_empty() => Err(invalid(
            method,
            format_args!("at /{key}: must NOT have fewer than 1 characters"),
        )),
        Some(Value::String(value)) => Ok(FieldPatch::Set(value.clone())),
        Some(_) => Err(invalid(method, format_args!("at /{key}: must be string"))),
    }
}

/// Fields `sessions.patch` accepts besides `key`.
const PATCH_FIELDS: &[&str] = &[
    "label",
    "thinkingLevel",
    "verboseLevel",
    "reasoningLevel",
    "elevatedLevel",
    "sendPolicy",
    "spawnedBy",
    "model",
];

fn session_patch(
    map: &Map<String, Value>,
    resolved_config: &Value,
) -> Result<SessionPatch, ErrorShape> {
    let label = match field_patch(PATCH, map, "label")? {
        FieldPatch::Set(label) => {
            check_label(PATCH, &label)?;
            // OpenClaw stores labels trimmed; an all-blank label is no label.
            match label.trim() {
                "" => {
                    return Err(ErrorShape::new(
                        ErrorCode::INVALID_REQUEST,
                        "invalid label: empty",
                    ));
                }
                trimmed => FieldPatch::Set(trimmed.to_owned()),
            }
        }
        other => other,
    };
    let (provider_override, model_override) = match field_patch(PATCH, map, "model")? {
        FieldPatch::Keep => (FieldPatch::Keep, FieldPatch::Keep),
        FieldPatch::Clear => (FieldPatch::Clear, FieldPatch::Clear),
        FieldPatch::Set(reference) => {
            let (provider, model) = split_model_ref(resolved_config, &reference);
            (FieldPatch::Set(provider), FieldPatch::Set(model))
        }
    };
    Ok(SessionPatch {
        label,
        spawned_by: field_patch(PATCH, map, "spawnedBy")?,
        thinking_level: field_patch(PATCH, map, "thinkingLevel")?,
        verbose_level: field_patch(PATCH, map, "verboseLevel")?,
        reasoning_level: field_patch(PATCH, map, "reasoningLevel")?,
        elevated_level: field_patch(PATCH, map, "elevatedLevel")?,
        send_policy: field_patch(PATCH, map, "sendPolicy")?,
        provider_override,
        model_override,
        ..SessionPatch::default()
    })
}

pub async fn patch(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let mut allowed = vec!["key"];
    allowed.extend_from_slice(PATCH_FIELDS);
    let map = params.closed(&allowed)?;
    let key = params.required_str(&map, "key")?;
    let snapshot = shared.snapshot.load();
    let patch = session_patch(&map, &snapshot.loaded.resolved)?;
    let default_agent = snapshot.config().default_agent_id();
    let store = store_of(shared)?;
    let key = resolve_key(&store, key, &default_agent).await?;
    if let FieldPatch::Set(label) = &patch.label {
        // Labels name sessions (`sessions.resolve {label}`), so OpenClaw keeps them unique.
        let query = SessionQuery {
            label: Some(label.clone()),
            ..SessionQuery::default()
        };
        let holders = store.list_sessions(query).await.map_err(store_error)?;
        if holders.iter().any(|record| record.key != key) {
            return Err(ErrorShape::new(
                ErrorCode::INVALID_REQUEST,
                format!("label already in use: {label}"),
            ));
        }
    }
    // OpenClaw creates the entry on first patch (a label set before the first message).
    store
        .get_or_create_session(&key)
        .await
        .map_err(store_error)?;
    let entry = store
        .patch_session(&key, patch)
        .await
        .map_err(store_error)?;
    shared.refresh_sessions_summary().await;
    let agent = openclaw_store::keys::agent_id_of_key(&key, &default_agent);
    Ok(json!({
        "ok": true,
        "path": sessions_path(shared, &agent),
        "key": key,
        "entry": entry.to_json(),
    }))
}

pub async fn reset(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["key"])?;
    let key = params.required_str(&map, "key")?;
    let store = store_of(shared)?;
    let key = resolve_key(&store, key, &default_agent(shared)).await?;
    // Resetting a session that does not exist yet starts it (OpenClaw's `/new` on a fresh key).
    store
        .get_or_create_session(&key)
        .await
        .map_err(store_error)?;
    let entry = store.reset_session(&key).await.map_err(store_error)?;
    shared.refresh_sessions_summary().await;
    Ok(json!({"ok": true, "key": key, "entry": entry.to_json()}))
}

pub async fn delete(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["key", "deleteTranscript"])?;
    let key = params.required_str(&map, "key")?;
    let delete_transcript = params
        .optional_bool(&map, "deleteTranscript")?
        .unwrap_or(true);
    let default_agent = default_agent(shared);
    let store = store_of(shared)?;
    let key = resolve_key(&store, key, &default_agent).await?;
    let main_key = main_session_key(&default_agent);
    if key == main_key || key == "main" {
        return Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            format!("Cannot delete the main session ({main_key})."),
        ));
    }
    let outcome = store
        .delete_session(&key, delete_transcript)
        .await
        .map_err(store_error)?;
    shared.refresh_sessions_summary().await;
    // Transcripts live in the database, not in files, so nothing is archived to disk.
    Ok(json!({"ok": true, "key": key, "deleted": outcome.deleted, "archived": []}))
}

pub async fn compact(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["key", "maxLines"])?;
    let key = params.required_str(&map, "key")?;
    let max_lines = params
        .optional_int(&map, "maxLines", 1, u64::MAX)?
        .and_then(|lines| usize::try_from(lines).ok())
        .unwrap_or(DEFAULT_COMPACT_MAX_ENTRIES);
    let store = store_of(shared)?;
    let key = resolve_key(&store, key, &default_agent(shared)).await?;
    if store.session(&key).await.map_err(store_error)?.is_none() {
        // OpenClaw answers a compaction of nothing with a reason, not an error.
        return Ok(json!({"ok": true, "key": key, "compacted": false, "reason": "no sessionId"}));
    }
    let outcome = store
        .compact_session(&key, max_lines)
        .await
        .map_err(store_error)?;
    // The runtime's cached context still holds the archived entries.
    shared.agents.forget_session(&key);
    shared.refresh_sessions_summary().await;
    let mut result = json!({
        "ok": true,
        "key": key,
        "compacted": outcome.compacted,
        "kept": outcome.kept,
        "archived": outcome.archived,
    });
    if let (Some(reason), Value::Object(map)) = (outcome.reason, &mut result) {
        map.insert("reason".into(), json!(reason));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openclaw_store::SessionEntry;

    fn record(key: &str, extra: Value) -> SessionRecord {
        let mut entry = SessionEntry::with_session_id("s-1", 1_000);
        if let Value::Object(map) = extra {
            entry.extra = map;
        }
        SessionRecord {
            key: key.to_owned(),
            agent_id: "main".to_owned(),
            entry,
        }
    }

    #[test]
    fn rows_keep_row_fields_and_drop_bulky_ones() {
        let row = session_row(&record(
            "agent:main:main",
            json!({"chatType": "direct", "inputTokens": 12, "skillsSnapshot": {"prompt": "x"}}),
        ));
        assert_eq!(
            row,
            json!({"key": "agent:main:main", "kind": "direct", "chatType": "direct",
                   "inputTokens": 12, "sessionId": "s-1", "updatedAt": 1000})
        );
    }

    #[test]
    fn kinds_follow_openclaw_key_classes() {
        assert_eq!(session_kind(&record("global", json!({}))), "global");
        assert_eq!(session_kind(&record("unknown", json!({}))), "unknown");
        assert_eq!(
            session_kind(&record("agent:main:telegram:group:1", json!({}))),
            "group"
        );
        assert_eq!(
            session_kind(&record("agent:main:x", json!({"chatType": "channel"}))),
            "group"
        );
        assert_eq!(
            session_kind(&record("agent:main:main", json!({}))),
            "direct"
        );
    }

    #[test]
    fn long_preview_text_is_cut_with_an_ellipsis() {
        assert_eq!(truncate_chars("short", 20), "short");
        let cut = truncate_chars(&"é".repeat(30), 20);
        assert_eq!(cut.chars().count(), 20);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn keys_param_wording_matches_ajv() {
        let check = |value: Value| {
            let params = Params::new("sessions.preview", Some(value));
            let map = params.closed(&["keys"]).unwrap();
            required_keys(PREVIEW, &map).unwrap_err().message
        };
        assert_eq!(
            check(json!({})),
            "invalid sessions.preview params: must have required property 'keys'"
        );
        assert_eq!(
            check(json!({"keys": []})),
            "invalid sessions.preview params: at /keys: must NOT have fewer than 1 items"
        );
        assert_eq!(
            check(json!({"keys": ["a", 1]})),
            "invalid sessions.preview params: at /keys/1: must be string"
        );
    }
}
