//! Config hot reload: watch the config file, debounce, load, and apply by OpenClaw's rules
//! (spec §2.4) — with one difference: a valid change is published as a new snapshot that
//! every later request reads, so "dynamic" changes really are visible at once.
//!
//! An invalid file never replaces the running config; the reason is logged.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use openclaw_config as cfg;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::state::{Shared, Snapshot};

/// What applying a freshly loaded config did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    Unchanged,
    Invalid,
    Disabled,
    Applied,
    RestartRequested,
}

/// Applies `new` to the running gateway (shared by the watcher and `config.set`).
pub fn apply_loaded(shared: &Arc<Shared>, new: cfg::LoadedConfig, source: &str) -> ReloadOutcome {
    let current = shared.snapshot.load_full();
    if new.hash == current.loaded.hash && new.exists == current.loaded.exists {
        return ReloadOutcome::Unchanged;
    }
    if !new.is_valid() {
        let issues: Vec<String> = new.issues.iter().map(ToString::to_string).collect();
        tracing::warn!(
            target: "gateway/reload",
            "config reload skipped (invalid config): {}",
            issues.join("; ")
        );
        shared.metrics.reload("invalid");
        return ReloadOutcome::Invalid;
    }
    let paths = cfg::diff_paths(&current.loaded.resolved, &new.resolved);
    let serve = current.serve.clone();
    let config = new.config.clone();
    let swap = |loaded: cfg::LoadedConfig| {
        // Agent settings (models, tools, limits) apply to the next turn, whatever the mode.
        if let Some(config) = loaded.config.clone() {
            shared.channels.apply(&config, &shared.env);
            shared.agents.set_config(config);
        }
        shared.snapshot.store(Arc::new(Snapshot {
            loaded,
            serve: serve.clone(),
        }));
    };
    if paths.is_empty() {
        swap(new);
        return ReloadOutcome::Unchanged;
    }
    let listed = paths.join(", ");
    tracing::info!(target: "gateway/reload", "config change detected; evaluating reload ({listed}) [{source}]");
    let mode = config
        .as_deref()
        .map(|c| c.reload_mode())
        .unwrap_or(cfg::ReloadMode::Hybrid);
    let plan = cfg::plan_reload(&paths);
    match mode {
        cfg::ReloadMode::Off => {
            tracing::info!(target: "gateway/reload", "config reload disabled (gateway.reload.mode=off); restart to apply ({listed})");
            shared.metrics.reload("disabled");
            return ReloadOutcome::Disabled;
        }
        cfg::ReloadMode::Restart => {
            swap(new);
            tracing::info!(target: "gateway/reload", "config change requires gateway restart ({listed})");
            shared.metrics.reload("restart");
            shared.request_restart("config reload");
            return ReloadOutcome::RestartRequested;
        }
        cfg::ReloadMode::Hybrid if plan.needs_restart => {
            swap(new);
            tracing::info!(
                target: "gateway/reload",
                "config change requires gateway restart ({})",
                plan.restart_paths.join(", ")
            );
            shared.metrics.reload("restart");
            shared.request_restart("config reload");
            return ReloadOutcome::RestartRequested;
        }
        cfg::ReloadMode::Hot if plan.needs_restart => {
            tracing::warn!(
                target: "gateway/reload",
                "config reload requires gateway restart; hot mode ignoring ({})",
                plan.restart_paths.join(", ")
            );
        }
        _ => {}
    }
    if let (Some(log), Some(config)) = (shared.log.as_ref(), config.as_deref())
        && paths
            .iter()
            .any(|p| p == "logging" || p.starts_with("logging."))
        && let Err(err) = log.reconfigure(crate::logging_options(
            config,
            shared.verbose,
            shared.env.is_set("NO_COLOR"),
        ))
    {
        tracing::warn!(target: "gateway/reload", "logging settings not applied: {err}");
    }
    swap(new);
    shared.metrics.reload("applied");
    // Name only what took effect: in hot mode the restart-class paths were just ignored.
    if !plan.hot_paths.is_empty() {
        tracing::info!(target: "gateway/reload", "config hot reload applied ({})", plan.hot_paths.join(", "));
    } else if !plan.none_paths.is_empty() {
        tracing::info!(
            target: "gateway/reload",
            "config change applied (dynamic reads: {})",
            plan.none_paths.join(", ")
        );
    }
    ReloadOutcome::Applied
}

/// Publishes a just-written config whose changes a scheduled restart will apply
/// (`config.patch`/`config.apply`). The file watcher then finds nothing new, so it neither
/// re-applies the change nor requests a second restart right behind the scheduled one.
/// Bind and auth settings stay as they are until that restart re-resolves them.
pub fn adopt_before_restart(shared: &Shared, written: cfg::LoadedConfig) {
    let current = shared.snapshot.load_full();
    shared.snapshot.store(Arc::new(Snapshot {
        loaded: written,
        serve: current.serve.clone(),
    }));
}

/// Watches the config file (and its includes) until `stop` is cancelled.
///
/// The watches are registered before this returns, so an edit made once the serve loop has
/// said "gateway ready" is never missed; the task then catches up once on edits made between
/// the last load and the registration (e.g. during an in-process restart).
pub fn spawn_watcher(shared: Arc<Shared>, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    let snapshot = shared.snapshot.load_full();
    let config_path = snapshot.loaded.path.clone();
    let mut watched: Vec<PathBuf> = vec![config_path.clone()];
    watched.extend(snapshot.loaded.included_paths.iter().cloned());
    let (tx, mut rx) = mpsc::channel::<()>(16);
    let catch_up = tx.clone();
    let watcher = match crate::config_watch::watch(watched, tx) {
        Ok(w) => w,
        Err(err) => {
            tracing::warn!(target: "gateway/reload", "config watcher unavailable ({err}); hot reload disabled");
            return tokio::spawn(async {});
        }
    };
    let _ = catch_up.try_send(());
    drop(catch_up);
    tokio::spawn(async move {
        // Owned by the task: dropping it ends the watch.
        let _watcher = watcher;
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                msg = rx.recv() => if msg.is_none() { return },
            }
            // Debounce: wait until the file has been quiet for `debounceMs`.
            let debounce =
                Duration::from_millis(shared.snapshot.load().config().reload_debounce_ms());
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    more = tokio::time::timeout(debounce, rx.recv()) => match more {
                        Ok(Some(())) => continue,
                        Ok(None) => return,
                        Err(_) => break,
                    },
                }
            }
            let path = config_path.clone();
            let env = shared.env.clone();
            let loaded = tokio::task::spawn_blocking(move || cfg::load(&path, &env)).await;
            match loaded {
                Ok(Ok(loaded)) => {
                    apply_loaded(&shared, loaded, "file watcher");
                }
                Ok(Err(err)) => {
                    tracing::warn!(target: "gateway/reload", "config reload skipped (cannot read config): {err}");
                    shared.metrics.reload("error");
                }
                Err(err) => {
                    tracing::warn!(target: "gateway/reload", "config reload task failed: {err}")
                }
            }
        }
    })
}
