//! `config.get|set|patch|apply|schema`.
//!
//! Writes go through `openclaw_config::write_config` (validated, atomic, 0600, 5 backups) and
//! operate on the file as written — `${VAR}` references stay references and values shown
//! redacted to clients are restored from the current file, so a round trip through the Control
//! UI never bakes secrets in or wipes them.

use std::sync::Arc;

use openclaw_config as cfg;
use openclaw_protocol::{ErrorCode, ErrorShape};
use serde_json::{Value, json};

use super::{ConnInfo, Params};
use crate::state::Shared;

/// Default delay before the in-process restart that `config.patch`/`config.apply` schedule.
const DEFAULT_RESTART_DELAY_MS: u64 = 2000;

pub fn get(shared: &Arc<Shared>, _conn: &ConnInfo, params: Params) -> Result<Value, ErrorShape> {
    params.closed(&[])?;
    let snapshot = shared.snapshot.load();
    let loaded = &snapshot.loaded;
    // Re-read so `hash` always matches the file a following `config.set` will compare against.
    let current = cfg::load(&loaded.path, &shared.env).map_err(io_error)?;
    let secrets = cfg::secret_values(&current.resolved);
    Ok(json!({
        "path": current.path.display().to_string(),
        "exists": current.exists,
        "raw": cfg::redact_raw(&current.raw, &secrets),
        "parsed": cfg::redact(&current.parsed),
        "valid": current.is_valid(),
        "config": cfg::redact(&current.resolved),
        "hash": current.hash,
        "issues": issues_json(&current.issues),
        "warnings": issues_json(&current.warnings),
        "legacyIssues": [],
    }))
}

pub fn schema(params: Params) -> Result<Value, ErrorShape> {
    params.closed(&[])?;
    Ok(cfg::config_schema_response())
}

fn issues_json(issues: &[cfg::Diagnostic]) -> Value {
    Value::Array(
        issues
            .iter()
            .map(|d| json!({"path": d.path, "message": d.to_string()}))
            .collect(),
    )
}

fn io_error(err: impl std::fmt::Display) -> ErrorShape {
    ErrorShape::new(ErrorCode::UNAVAILABLE, format!("config unavailable: {err}"))
}

fn invalid_config(issues: Value) -> ErrorShape {
    ErrorShape::new(ErrorCode::INVALID_REQUEST, "invalid config")
        .with_details(json!({"issues": issues}))
}

/// The file as it is on disk now, checked against the client's `baseHash`.
fn current_with_base_hash(
    shared: &Shared,
    base_hash: Option<&str>,
) -> Result<cfg::LoadedConfig, ErrorShape> {
    let path = shared.snapshot.load().loaded.path.clone();
    let current = cfg::load(&path, &shared.env).map_err(io_error)?;
    if current.exists {
        match base_hash {
            None => {
                return Err(ErrorShape::new(
                    ErrorCode::INVALID_REQUEST,
                    "config base hash required; re-run config.get and retry",
                ));
            }
            Some(hash) if hash.trim() != current.hash => {
                return Err(ErrorShape::new(
                    ErrorCode::INVALID_REQUEST,
                    "config changed since last load; re-run config.get and retry",
                ));
            }
            Some(_) => {}
        }
    }
    Ok(current)
}

fn parse_submitted(raw: &str, current: &cfg::LoadedConfig) -> Result<Value, ErrorShape> {
    cfg::parse_document(raw, &current.path)
        .map_err(|d| invalid_config(json!([{"path": d.path, "message": d.to_string()}])))
}

fn write(shared: &Shared, candidate: &Value) -> Result<cfg::LoadedConfig, ErrorShape> {
    let path = shared.snapshot.load().loaded.path.clone();
    match cfg::write_config(&path, candidate, &shared.env, cfg::COMPAT_VERSION) {
        Ok(_) => cfg::load(&path, &shared.env).map_err(io_error),
        Err(cfg::ConfigWriteError::Invalid { issues, .. }) => {
            Err(invalid_config(issues_json(&issues)))
        }
        Err(other) => Err(io_error(other)),
    }
}

pub async fn set(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["raw", "baseHash"])?;
    let raw = params.required_str(&map, "raw")?;
    let base_hash = params.optional_str(&map, "baseHash")?;
    let current = current_with_base_hash(shared, base_hash)?;
    let mut candidate = parse_submitted(raw, &current)?;
    cfg::restore_redacted(&mut candidate, &current.parsed);
    let written = write(shared, &candidate)?;
    // Apply now (hot or restart, by the same rules as the file watcher) so the very next
    // request sees it; the watcher then finds the hash unchanged and does nothing.
    crate::reload::apply_loaded(shared, written.clone(), "config.set");
    Ok(json!({
        "ok": true,
        "path": written.path.display().to_string(),
        "config": cfg::redact(&written.resolved),
    }))
}

pub async fn patch_or_apply(
    shared: &Arc<Shared>,
    params: Params,
    method: &'static str,
) -> Result<Value, ErrorShape> {
    let map = params.closed(&["raw", "baseHash", "sessionKey", "note", "restartDelayMs"])?;
    let raw = params.required_str(&map, "raw")?;
    let base_hash = params.optional_str(&map, "baseHash")?;
    params.optional_str(&map, "sessionKey")?;
    let note = params.optional_str(&map, "note")?.map(str::to_string);
    let delay_ms = params
        .optional_int(&map, "restartDelayMs", 0, 600_000)?
        .unwrap_or(DEFAULT_RESTART_DELAY_MS);
    let current = current_with_base_hash(shared, base_hash)?;
    let submitted = parse_submitted(raw, &current)?;
    let mut candidate = if method == "config.patch" {
        if !submitted.is_object() {
            return Err(ErrorShape::new(
                ErrorCode::INVALID_REQUEST,
                "invalid config.patch params: raw must be a JSON object (a JSON merge patch)",
            ));
        }
        let mut merged = current.parsed.clone();
        if !merged.is_object() {
            merged = json!({});
        }
        cfg::merge_patch(&mut merged, &submitted);
        merged
    } else {
        submitted
    };
    cfg::restore_redacted(&mut candidate, &current.parsed);
    let written = write(shared, &candidate)?;
    let written_path = written.path.clone();
    let result_config = cfg::redact(&written.resolved);
    crate::reload::adopt_before_restart(shared, written);
    let sentinel = crate::restart::write_sentinel(shared, method, note.as_deref(), &written_path);
    crate::restart::schedule(shared.clone(), delay_ms, method);
    Ok(json!({
        "ok": true,
        "path": written_path.display().to_string(),
        "config": result_config,
        "restart": {
            "ok": true,
            "pid": std::process::id(),
            "signal": "SIGUSR1",
            "delayMs": delay_ms,
            "reason": method,
            "mode": "emit",
        },
        "sentinel": sentinel,
    }))
}
