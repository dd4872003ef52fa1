//! The OpenClaw gateway server: one port for the Gateway WebSocket protocol and HTTP.
//!
//! Start-up follows OpenClaw's order (spec §2.1): load config → refuse an invalid file →
//! `--force` → mode guard → bind/auth validation → single-instance lock → serve. Every refusal
//! is a [`RunError`] whose text is what the user sees before exit code 1.
//!
//! Design:
//! - One immutable [`state::Snapshot`] (config + resolved serve settings) lives in an
//!   `ArcSwap`; hot reload swaps it atomically, so every request sees one consistent config.
//! - Each WebSocket connection is a reader task plus a writer task joined by a bounded queue
//!   (`ws`); broadcast events go through one bounded bus and are dropped for slow readers.
//! - Handshake rules and frame shapes come from `openclaw_protocol`; this crate only moves
//!   bytes, keeps state, and implements methods (`methods`).
//! - A restart (config change that needs one, `config.patch`/`apply`) happens in-process:
//!   the serve loop closes sockets with 1012 and re-binds; the lock, log and store stay.
//! - The session store (`openclaw_store`, SQLite) opens once after the lock, lives in
//!   [`state::Shared`] for the process lifetime, and is closed (every write committed) after
//!   the serve loop ends and before the lock is released.

pub mod agent_events;
pub mod auth;
pub mod bind;
mod channel_dispatch;
mod config_watch;
mod control_ui;
pub mod force;
pub mod http;
pub mod lock;
pub mod methods;
pub mod metrics;
pub mod openai_http;
pub mod presence;
pub mod ratelimit;
pub mod reload;
pub mod restart;
pub mod server;
pub mod settings;
pub mod shell_env;
pub mod signals;
pub mod state;
pub mod ws;

use std::sync::Arc;

use openclaw_config::{self as cfg, Env, StatePaths};

pub use settings::{AuthMode, Overrides};

/// What `openclaw gateway` resolved from its command line.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub env: Env,
    pub paths: StatePaths,
    pub overrides: Overrides,
    pub force: bool,
    pub verbose: bool,
    pub version: &'static str,
}

/// A reason the gateway did not start (or stopped abnormally); `Display` is user-facing.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Refused(#[from] settings::StartRefusal),
    #[error(
        "Invalid config at {path}.\n{issues}\nFix the file (\"openclaw config validate\" lists every issue), then retry."
    )]
    InvalidConfig { path: String, issues: String },
    #[error("cannot read config: {0}")]
    ConfigIo(String),
    /// OpenClaw's `GatewayLockError`: another instance holds the lock, or the port is taken.
    /// Both get the same hint, because both usually mean a supervised gateway is running.
    #[error(
        "Gateway failed to start: {0}\nIf the gateway is supervised, stop it with: openclaw gateway stop"
    )]
    /// Lock or port already taken: OpenClaw's wording plus its supervisor hint.
    StartFailed(String),
    #[error("Gateway failed to start: {0}")]
    Serve(server::ServeError),
    #[error("cannot create state directory {path}: {source}")]
    StateDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start logging: {0}")]
    Logging(String),
    /// The session database could not be opened (the store's message names the file and the fix).
    #[error(
        "Gateway failed to start: {0}\nThe session store lives in {1}; fix the problem above or move the file aside, then retry."
    )]
    Store(openclaw_store::StoreError, String),
}

/// Builds the logger settings from `logging.*`, `--verbose` and `NO_COLOR`/`--no-color`.
/// The config crate already validated the values, so parsing falls back to defaults only for
/// spellings the logger does not know.
pub fn logging_options(
    config: &cfg::Config,
    verbose: bool,
    no_color: bool,
) -> openclaw_logging::LogOptions {
    use openclaw_logging as logs;
    let defaults = logs::LogOptions::default();
    let logging = config.logging.as_ref();
    logs::LogOptions {
        file_level: config
            .log_level()
            .as_str()
            .parse()
            .unwrap_or(defaults.file_level),
        console_level: config
            .console_log_level()
            .as_str()
            .parse()
            .unwrap_or(defaults.console_level),
        console_style: config
            .console_style()
            .as_str()
            .parse()
            .unwrap_or(defaults.console_style),
        color: if no_color {
            logs::ColorChoice::Never
        } else {
            logs::ColorChoice::Auto
        },
        file_path: logging
            .and_then(|l| l.file.as_deref())
            .map(std::path::PathBuf::from),
        verbose,
        redact_sensitive: config
            .redact_sensitive()
            .as_str()
            .parse()
            .unwrap_or(defaults.redact_sensitive),
        redact_patterns: logging
            .and_then(|l| l.redact_patterns.clone())
            .unwrap_or_default(),
        ..defaults
    }
}

/// Runs the gateway until SIGTERM/SIGINT. Returns after a clean shutdown.
pub async fn run(request: RunRequest) -> Result<(), RunError> {
    let RunRequest {
        env,
        paths,
        overrides,
        force,
        verbose,
        version,
    } = request;
    ensure_state_dir(&paths)?;
    let mut loaded =
        cfg::load(&paths.config_path, &env).map_err(|e| RunError::ConfigIo(e.to_string()))?;
    let shell_import = match loaded
        .config
        .as_deref()
        .and_then(|c| shell_env::settings(c, &loaded.env))
    {
        None => None,
        Some(timeout) => {
            let mut with_shell = loaded.env.clone();
            let outcome = shell_env::import(&mut with_shell, timeout).await;
            if let Ok(applied) = &outcome
                && !applied.is_empty()
            {
                // Reload so `${VAR}` references can use the imported keys; the config's own
                // `env` block still wins because imported keys were all missing before.
                let mut env = env.clone();
                for key in applied {
                    if let Some(value) = with_shell.get(key) {
                        env.set(key.clone(), value.to_string());
                    }
                }
                loaded = cfg::load(&paths.config_path, &env)
                    .map_err(|e| RunError::ConfigIo(e.to_string()))?;
            }
            Some(outcome)
        }
    };
    let Some(config) = loaded.config.clone() else {
        let issues: Vec<String> = loaded
            .issues
            .iter()
            .map(|d| describe_issue(&loaded.path, d))
            .collect();
        return Err(RunError::InvalidConfig {
            path: loaded.path.display().to_string(),
            issues: issues.join("\n"),
        });
    };
    let env = loaded.env.clone();
    let log = openclaw_logging::init(logging_options(&config, verbose, env.is_set("NO_COLOR")))
        .map_err(|e| RunError::Logging(e.to_string()))?;
    match shell_import {
        Some(Ok(applied)) if applied.is_empty() => {
            tracing::info!(target: "gateway", "shell env: no missing keys to import");
        }
        Some(Ok(applied)) => {
            tracing::info!(target: "gateway", "shell env: imported {}", applied.join(", "));
        }
        Some(Err(err)) => tracing::warn!(target: "gateway", "shell env import skipped: {err}"),
        None => {}
    }
    for warning in &loaded.warnings {
        // Not "path: message": a path like `gateway.token: …` reads as a secret to the redactor.
        tracing::warn!(
            target: "gateway",
            "config warning at {} ({}): {}",
            warning
                .location
                .as_ref()
                .map(|l| format!("{}:{}:{}", l.file.display(), l.line, l.column))
                .unwrap_or_else(|| loaded.path.display().to_string()),
            warning.path,
            warning.message
        );
    }
    if force {
        let port = settings::resolve_port(&overrides, &env, &config)?;
        force::free_port(port).await;
    }
    settings::check_mode_guard(&overrides, &config, loaded.exists)?;
    let serve = settings::resolve_serve(&overrides, &env, &config)?;
    log.set_secrets(serve.auth.secrets());
    tracing::debug!(
        target: "gateway",
        "start-up settings: config {} ({}), state dir {}, bind {} -> {}:{}, auth mode {}",
        paths.config_path.display(),
        if loaded.exists { "found" } else { "missing" },
        paths.state_dir.display(),
        serve.bind.as_str(),
        serve.host,
        serve.port,
        serve.auth.mode.as_str()
    );
    let lock = if env.openclaw("ALLOW_MULTI_GATEWAY").as_deref() == Some("1") {
        None
    } else {
        Some(
            lock::GatewayLock::acquire(&paths.state_dir)
                .map_err(|e| RunError::StartFailed(e.short()))?,
        )
    };
    let store = Arc::new(open_store(&paths).await?);
    let agents = start_agents(&env, &paths, &loaded, store.clone())?;
    let (ingress, inbound) = openclaw_channels::ingress::IngressQueue::new(Some(&store));
    let channels = Arc::new(openclaw_channels::manager::ChannelManager::new(
        ingress.clone(),
    ));
    let snapshot = state::Snapshot { loaded, serve };
    let shared = state::Shared::new(
        snapshot,
        overrides,
        env,
        paths,
        Some(log),
        version,
        verbose,
        lock,
        store,
        agents,
        channels,
    );
    shared.refresh_sessions_summary().await;
    let agent_events = agent_events::spawn(shared.clone());
    let dispatcher = channel_dispatch::spawn(shared.clone(), inbound, ingress);
    // Also without a config file (`--allow-unconfigured`): DISCORD_BOT_TOKEN alone starts
    // Discord, as in OpenClaw.
    let config = shared
        .snapshot
        .load()
        .loaded
        .config
        .clone()
        .unwrap_or_default();
    shared.channels.apply(&config, &shared.env);
    let signals = signals::spawn(shared.clone());
    let result = server::serve(shared.clone()).await;
    signals.abort();
    // Channels stop first (nothing new comes in), then runs are aborted (their partial
    // replies kept; their channel messages stay recorded and are answered after a restart)
    // before the store closes under them.
    shared.channels.shutdown().await;
    shared.agents.shutdown(AGENT_SHUTDOWN_GRACE).await;
    dispatcher.abort();
    let _ = dispatcher.await;
    agent_events.abort();
    // Every accepted session write is committed before the lock is released, so a gateway
    // started right after this one sees them.
    shared.close_store().await;
    shared.release_lock();
    result.map_err(|err| match err {
        server::ServeError::Bind(bind) => RunError::StartFailed(bind.to_string()),
        other => RunError::Serve(other),
    })
}

/// How long shutdown waits for aborted agent runs to write their last transcript entries.
const AGENT_SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// The agent runtime: one HTTP transport for every provider call, built on first use
/// (recording it when `OPENCLAW_PROVIDER_RECORD` names a file).
fn start_agents(
    env: &cfg::Env,
    paths: &StatePaths,
    loaded: &cfg::LoadedConfig,
    store: Arc<openclaw_store::Store>,
) -> Result<openclaw_agent::AgentRuntime, RunError> {
    let recorder = match openclaw_providers::Recorder::from_env(env) {
        Ok(Some(recorder)) => {
            tracing::warn!(target: "gateway", "recording provider traffic (OPENCLAW_PROVIDER_RECORD); the file holds prompts and replies");
            Some(recorder.with_warning_hook(|warning| {
                tracing::warn!(target: "gateway", "{warning}");
            }))
        }
        Ok(None) => None,
        Err(err) => return Err(RunError::StartFailed(err.to_string())),
    };
    let transport =
        openclaw_agent::LazyTransport::new(openclaw_providers::HttpLimits::default(), recorder);
    let config = loaded.config.clone().unwrap_or_default();
    Ok(openclaw_agent::AgentRuntime::new(
        openclaw_agent::RuntimeOptions {
            state_dir: paths.state_dir.clone(),
            env: Arc::new(env.clone()),
            config,
            store,
            transport,
        },
    ))
}

/// Opens `<state>/openclaw.sqlite` (after the lock, so two gateways never import at once); the
/// first open imports a Node OpenClaw session layout found in the state dir.
async fn open_store(paths: &StatePaths) -> Result<openclaw_store::Store, RunError> {
    let store = openclaw_store::Store::open(&paths.state_dir)
        .await
        .map_err(|err| {
            RunError::Store(
                err,
                paths
                    .state_dir
                    .join(openclaw_store::DATABASE_FILE)
                    .display()
                    .to_string(),
            )
        })?;
    // The store itself logs the import's one info line; only what was skipped needs a word here.
    if let Some(report) = store.import_report()
        && (report.skipped_sessions > 0 || report.skipped_lines > 0)
    {
        tracing::warn!(
            target: "gateway",
            "Node session import skipped {} entries without sessionId and {} unreadable transcript lines; the original files under {} are unchanged",
            report.skipped_sessions,
            report.skipped_lines,
            paths.state_dir.join("agents").display()
        );
    }
    Ok(store)
}

/// One line per issue, `<path>: <message>` as OpenClaw prints them; an issue that knows its
/// position already starts with `<file>:<line>:<col>`, so the path is not repeated.
fn describe_issue(path: &std::path::Path, issue: &cfg::Diagnostic) -> String {
    if issue.location.is_some() {
        issue.to_string()
    } else {
        format!("{}: {issue}", path.display())
    }
}

fn ensure_state_dir(paths: &StatePaths) -> Result<(), RunError> {
    let dir = &paths.state_dir;
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| RunError::StateDir {
        path: dir.display().to_string(),
        source,
    })
}
