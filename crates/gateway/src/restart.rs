//! Scheduled in-process restarts and the restart sentinel that `config.patch`/`config.apply`
//! leave behind (OpenClaw reports it after the restart).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::state::{Shared, now_ms};

pub const SENTINEL_FILE: &str = "restart-sentinel.json";

/// Requests a restart after `delay_ms`, unless the process stops first.
pub fn schedule(shared: Arc<Shared>, delay_ms: u64, reason: &'static str) {
    let stop = shared.shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = tokio::time::sleep(Duration::from_millis(delay_ms)) => shared.request_restart(reason),
        }
    });
}

/// Writes the sentinel (best effort: a failure is logged, the restart still happens) and
/// returns the `sentinel` object of the method result.
pub fn write_sentinel(
    shared: &Shared,
    method: &str,
    note: Option<&str>,
    config_path: &Path,
) -> Value {
    let path = shared.paths.state_dir.join(SENTINEL_FILE);
    let payload = json!({
        "kind": "config-apply",
        "status": "ok",
        "ts": now_ms(),
        "message": note,
        // OpenClaw points at `openclaw doctor`, which this build does not have; `config
        // validate` is the command that says what is wrong with the file.
        "doctorHint": "Run: openclaw config validate",
        "stats": {"mode": method, "root": config_path.display().to_string()},
    });
    let body = json!({"version": 1, "payload": payload});
    let text = serde_json::to_string_pretty(&body).unwrap_or_default();
    if let Err(err) = write_private(&path, &text) {
        tracing::warn!(target: "gateway", "could not write restart sentinel {}: {err}", path.display());
    }
    json!({"path": path.display().to_string(), "payload": payload})
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

/// After a restart: report and remove a sentinel left by the previous run.
pub fn consume_sentinel(shared: &Shared) {
    let path = shared.paths.state_dir.join(SENTINEL_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let mode = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| {
            v.pointer("/payload/stats/mode")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "restart".to_string());
    // Removed before reporting, so whoever sees the report can rely on it being gone.
    if let Err(err) = std::fs::remove_file(&path) {
        tracing::warn!(target: "gateway", "could not remove restart sentinel {}: {err}", path.display());
    }
    tracing::info!(target: "gateway", "restarted after {mode}; config applied");
}
