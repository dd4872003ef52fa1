//! The doctor's checks. Each returns findings with a concrete fix; none of them change anything
//! (repairs live in `fix.rs`) or talk to the network (the `--deep` probes live in `probe.rs`).

use std::net::TcpListener;

use openclaw_channels::access::GroupPolicy;
use openclaw_channels::discord::settings::{DiscordSettings, TokenSource};
use openclaw_config::paths::StateDirSource;
use openclaw_config::{self as cfg, Config, Env, LoadedConfig, StatePaths};
use openclaw_gateway::settings::{self as gw, Overrides};
use openclaw_gateway::{bind, lock};
use serde_json::Value;

use super::fix::{Migration, Repair};
use super::report::{Finding, Severity};

/// Legacy top-level sections that move whole to one new place (OpenClaw's migration list also
/// has `routing` and `identity`, which split across several places: those stay manual).
const LEGACY_MOVES: [(&str, &str); 7] = [
    ("whatsapp", "channels.whatsapp"),
    ("telegram", "channels.telegram"),
    ("discord", "channels.discord"),
    ("slack", "channels.slack"),
    ("signal", "channels.signal"),
    ("imessage", "channels.imessage"),
    ("agent", "agents.defaults"),
];

/// Files the gateway seeds into a new workspace; a missing one means the agent runs without it.
const WORKSPACE_FILES: [&str; 6] = [
    "AGENTS.md",
    "SOUL.md",
    "TOOLS.md",
    "IDENTITY.md",
    "USER.md",
    "HEARTBEAT.md",
];

/// Loads the config and reports parse errors, validation issues (with `file:line:col` and
/// did-you-mean) and legacy keys (with their migration).
pub fn config(paths: &StatePaths, env: &Env) -> (Option<LoadedConfig>, Vec<Finding>) {
    let path = &paths.config_path;
    let loaded = match cfg::load(path, env) {
        Ok(loaded) => loaded,
        Err(err) => {
            let finding = Finding::new("config.unreadable", Severity::Error, err.to_string()).fix(
                format!(
                    "Make {} readable by this user (or point OPENCLAW_CONFIG_PATH at the right file).",
                    path.display()
                ),
            );
            return (None, vec![finding]);
        }
    };
    let mut out = Vec::new();
    if !loaded.exists {
        out.push(
            Finding::new(
                "config.missing",
                Severity::Warn,
                format!("No config file at {} (defaults apply)", path.display()),
            )
            .detail("Without gateway.mode=local, `openclaw gateway` refuses to start unless given --allow-unconfigured.")
            .fix("Run `openclaw onboard` to write a minimal config."),
        );
    }
    for issue in &loaded.issues {
        out.push(issue_finding(issue, &loaded.parsed));
    }
    for warning in &loaded.warnings {
        let mut finding = Finding::new("config.warning", Severity::Warn, warning.to_string());
        match warning.path.as_str() {
            "gateway.token" => {
                finding.check_id = "config.legacy.gateway_token".into();
                finding = finding
                    .fix("Move the value to gateway.auth.token (`openclaw doctor --fix` does it).")
                    .repair(Repair::Config(Migration::GatewayToken));
            }
            "channels.discord.requireMention" => {
                finding.check_id = "config.legacy.discord_require_mention".into();
                finding = finding
                    .detail("OpenClaw 2026.1.29 rejects this key at the top of channels.discord; mention gating is per guild or channel.")
                    .fix("Set channels.discord.guilds.<guildId>.requireMention instead (`openclaw doctor --fix` copies it into every listed guild).")
                    .repair(Repair::Config(Migration::DiscordRequireMention));
            }
            _ => {}
        }
        out.push(finding);
    }
    out.extend(dm_policy_aliases(&loaded.parsed));
    (Some(loaded), out)
}

fn issue_finding(issue: &cfg::Diagnostic, parsed: &Value) -> Finding {
    let mut finding = Finding::new("config.invalid", Severity::Error, issue.to_string());
    let file = issue
        .location
        .as_ref()
        .map_or_else(|| "openclaw.json".to_owned(), ToString::to_string);
    if let Some(suggestion) = &issue.suggestion {
        finding.check_id = "config.unknown_key".into();
        finding = finding.fix(format!(
            "Rename the key to \"{suggestion}\" in {file}, or remove it if it is not yours."
        ));
    } else if issue.message.contains("unknown key") {
        finding.check_id = "config.unknown_key".into();
        finding = finding.fix(format!(
            "Remove the key at {file} (`openclaw config unset {}`), or check its spelling against the docs.",
            issue.path
        ));
    } else if issue.message.contains("Missing env var") {
        finding = finding.fix(
            "Set the variable where the gateway runs (service environment or <state>/.env), or replace the ${…} reference.",
        );
    } else {
        finding = finding.fix(format!(
            "Edit {file}; `openclaw config validate` re-checks it."
        ));
    }
    if let Some((key, target)) = LEGACY_MOVES.iter().find(|(key, _)| *key == issue.path)
        && parsed.get(key).is_some()
    {
        finding.check_id = "config.legacy.section".into();
        finding = finding
            .fix(format!(
                "Move it to {target} (`openclaw doctor --fix` does it when {target} is not set yet)."
            ))
            .repair(Repair::Config(Migration::LegacyMove {
                key: (*key).to_owned(),
                target: target.split('.').map(str::to_owned).collect(),
            }));
    }
    finding
}

/// `dmPolicy`/`allowFrom` next to a Discord section or account: this binary reads them, but
/// OpenClaw 2026.1.29 only reads `dm.policy`/`dm.allowFrom` there.
fn dm_policy_aliases(parsed: &Value) -> Vec<Finding> {
    let mut scopes = vec!["/channels/discord".to_owned()];
    if let Some(accounts) = parsed
        .pointer("/channels/discord/accounts")
        .and_then(Value::as_object)
    {
        scopes.extend(
            accounts
                .keys()
                .map(|id| format!("/channels/discord/accounts/{id}")),
        );
    }
    scopes
        .into_iter()
        .filter(|scope| {
            parsed.pointer(&format!("{scope}/dmPolicy")).is_some()
                || parsed.pointer(&format!("{scope}/allowFrom")).is_some()
        })
        .map(|scope| {
            let path = scope.trim_start_matches('/').replace('/', ".");
            Finding::new(
                "config.legacy.discord_dm_policy",
                Severity::Warn,
                format!("{path}: dmPolicy/allowFrom instead of dm.policy/dm.allowFrom"),
            )
            .detail("This gateway accepts both, but OpenClaw 2026.1.29 ignores the top-level form for Discord (DMs would fall back to pairing there).")
            .fix(format!("Move them to {path}.dm.policy / {path}.dm.allowFrom (`openclaw doctor --fix` does it)."))
            .repair(Repair::Config(Migration::DiscordDmPolicy { scope }))
        })
        .collect()
}

/// Start-up rules: the mode guard and bind/auth (what `openclaw gateway` would refuse).
pub fn gateway(config: &Config, env: &Env, generate_token: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    match config.gateway_mode().map(|m| m.as_str()) {
        Some("local") => {}
        Some("remote") => out.push(
            Finding::new(
                "gateway.mode_remote",
                Severity::Info,
                "gateway.mode is \"remote\": this machine is a client of another gateway",
            )
            .fix("To run a gateway here: `openclaw config set gateway.mode local`."),
        ),
        other => out.push(
            Finding::new(
                "gateway.mode_unset",
                Severity::Warn,
                format!("gateway.mode is {}", other.map_or("unset".to_owned(), |m| format!("\"{m}\""))),
            )
            .detail("`openclaw gateway` refuses to start (\"Gateway start blocked: set gateway.mode=local\") unless it is given --allow-unconfigured, which only skips this guard.")
            .fix("`openclaw config set gateway.mode local` (or keep passing --allow-unconfigured, as the Fly guide does)."),
        ),
    }
    out.extend(secret_precedence(config, env));
    if let Err(refusal) = gw::resolve_serve(&Overrides::default(), env, config) {
        let text = refusal.to_string();
        let mut lines = text.lines();
        let title = lines
            .next()
            .unwrap_or("the gateway would refuse to start")
            .to_owned();
        let non_loopback = title.starts_with("Refusing to bind");
        let mut finding = Finding::new(
            if non_loopback { "gateway.bind_no_auth" } else { "gateway.auth_missing" },
            Severity::Error,
            title,
        )
        .detail(format!(
            "{}\nChecked with this shell's environment; a service may have OPENCLAW_GATEWAY_TOKEN set where this shell does not.",
            lines.collect::<Vec<_>>().join("\n")
        ))
        .fix("Set OPENCLAW_GATEWAY_TOKEN in the service environment (or <state>/.env), or run `openclaw doctor --fix --generate-gateway-token` to store a new token in gateway.auth.token.");
        if generate_token {
            finding = finding.repair(Repair::Config(Migration::GenerateGatewayToken));
        }
        out.push(finding);
    }
    out
}

/// OpenClaw's precedence surprises: a config token silently beats `OPENCLAW_GATEWAY_TOKEN`, and
/// a password in the environment switches an unset auth mode to password.
fn secret_precedence(config: &Config, env: &Env) -> Vec<Finding> {
    let mut out = Vec::new();
    let auth = config.gateway.as_ref().and_then(|g| g.auth.as_ref());
    let configured = auth
        .and_then(|a| a.token.as_deref())
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let from_env = env.openclaw("GATEWAY_TOKEN");
    if let (Some(configured), Some(from_env)) = (configured, from_env.as_deref().map(str::trim))
        && !from_env.is_empty()
        && configured != from_env
    {
        out.push(
            Finding::new(
                "gateway.token_env_ignored",
                Severity::Warn,
                "OPENCLAW_GATEWAY_TOKEN differs from gateway.auth.token; the config value wins",
            )
            .detail("Clients using the environment's token are rejected with \"token mismatch\".")
            .fix("Keep one: `openclaw config unset gateway.auth.token` to use the environment, or unset OPENCLAW_GATEWAY_TOKEN."),
        );
    }
    let mode_set = auth.and_then(|a| a.mode).is_some();
    let password_env = env
        .openclaw("GATEWAY_PASSWORD")
        .is_some_and(|p| !p.trim().is_empty());
    if !mode_set
        && password_env
        && (configured.is_some() || env.openclaw("GATEWAY_TOKEN").is_some())
    {
        out.push(
            Finding::new(
                "gateway.password_env_switches_mode",
                Severity::Warn,
                "OPENCLAW_GATEWAY_PASSWORD is set and gateway.auth.mode is not: the gateway uses password auth and ignores the token",
            )
            .fix("Set the mode explicitly: `openclaw config set gateway.auth.mode token` (or password)."),
        );
    }
    out
}

/// Who holds the gateway lock, and whether the port is free when nobody does.
pub fn lock_and_port(paths: &StatePaths, config: &Config, env: &Env) -> Vec<Finding> {
    let lock_path = paths.state_dir.join(lock::LOCK_FILE_NAME);
    if let Some(running) = lock::probe_running(&paths.state_dir) {
        let show = |v: Option<String>| v.unwrap_or_else(|| "unknown".into());
        return vec![
            Finding::new(
                "gateway.running",
                Severity::Info,
                format!(
                    "A gateway is running for this state dir (pid {}, port {})",
                    show(running.pid.map(|p| p.to_string())),
                    show(running.port.map(|p| p.to_string()))
                ),
            )
            .detail(format!(
                "It holds the lock {}; the port check is skipped.",
                lock_path.display()
            )),
        ];
    }
    let mut out = Vec::new();
    if lock_path.exists() {
        out.push(
            Finding::new(
                "gateway.lock_free",
                Severity::Info,
                format!("{} exists but no process holds it: no gateway is running", lock_path.display()),
            )
            .detail("The lock is a kernel flock released when its process exits, so it cannot go stale; there is nothing to delete."),
        );
    }
    let port = match gw::resolve_port(&Overrides::default(), env, config) {
        Ok(port) => port,
        Err(err) => {
            out.push(
                Finding::new("gateway.port_invalid", Severity::Error, err.to_string())
                    .fix("Set OPENCLAW_GATEWAY_PORT to a number between 1 and 65535, or unset it."),
            );
            return out;
        }
    };
    let mode =
        bind::BindMode::parse(config.bind_mode().as_str()).unwrap_or(bind::BindMode::Loopback);
    let host = bind::resolve_host(mode, config.custom_bind_host());
    if let Err(err) = TcpListener::bind((host, port)) {
        let in_use = err.kind() == std::io::ErrorKind::AddrInUse;
        out.push(
            Finding::new(
                if in_use { "gateway.port_in_use" } else { "gateway.port_unusable" },
                Severity::Warn,
                format!("Cannot listen on {host}:{port}: {err}"),
            )
            .fix(if in_use {
                "Another process uses the port: stop it (`openclaw gateway --force` does), or pick another port (gateway.port / --port)."
            } else {
                "Check gateway.bind / gateway.customBindHost; the address must exist on this machine."
            }),
        );
    }
    out
}

/// Discord: token, allowlist sanity and mention gating, for each configured account.
pub fn discord(config: &Config, env: &Env) -> Vec<Finding> {
    let section = config.channels.as_ref().and_then(|c| c.discord.as_ref());
    let env_token = env
        .get("DISCORD_BOT_TOKEN")
        .is_some_and(|t| !t.trim().is_empty());
    if section.is_none() && !env_token {
        return Vec::new();
    }
    let settings = DiscordSettings::from_config(config, env);
    let mut out = Vec::new();
    for invalid in &settings.invalid {
        out.push(Finding::new(
            "discord.invalid_account",
            Severity::Error,
            invalid.error.to_string(),
        ));
    }
    for account in settings.accounts.iter().filter(|a| a.enabled) {
        let scope = if account.is_default && section.and_then(|s| s.get("accounts")).is_none() {
            "channels.discord".to_owned()
        } else {
            format!("channels.discord.accounts.{}", account.id)
        };
        if account.token_source == TokenSource::None {
            out.push(
                Finding::new(
                    "discord.token_missing",
                    Severity::Error,
                    format!("Discord account \"{}\" has no bot token", account.id),
                )
                .fix(if account.is_default {
                    format!("Set DISCORD_BOT_TOKEN (service environment or <state>/.env) or {scope}.token.")
                } else {
                    format!("Set {scope}.token (DISCORD_BOT_TOKEN only applies to the default account).")
                }),
            );
        }
        match account.group_policy {
            GroupPolicy::Allowlist if account.guilds.is_empty() => out.push(
                Finding::new(
                    "discord.allowlist_empty",
                    Severity::Warn,
                    format!("Discord account \"{}\": groupPolicy is allowlist but no guilds are listed", account.id),
                )
                .detail("The bot connects but never replies in servers (DMs follow dm.policy). Also check that the Message Content Intent is enabled in the Discord developer portal.")
                .fix(format!("`openclaw config set {scope}.guilds.<GUILD_ID> '{{requireMention: true}}'` (or groupPolicy \"open\" to answer in every server)")),
            ),
            GroupPolicy::Open => out.push(Finding::new(
                "discord.group_open",
                Severity::Info,
                format!("Discord account \"{}\": groupPolicy open, the bot answers in every server it is in", account.id),
            )),
            _ => {}
        }
        for (guild, settings) in &account.guilds {
            if settings.require_mention != Some(false) {
                out.push(
                    Finding::new(
                        "discord.require_mention",
                        Severity::Info,
                        format!("Discord guild {guild}: replies only when the bot is mentioned"),
                    )
                    .detail("requireMention defaults to true per guild.")
                    .fix(format!("To answer every message: `openclaw config set {scope}.guilds.{guild}.requireMention false`")),
                );
            }
        }
    }
    out
}

/// The default agent's workspace and its bootstrap files.
pub fn workspace(paths: &StatePaths, config: &Config) -> Vec<Finding> {
    let dir = paths.resolve_workspace(config, &config.default_agent_id());
    let mut out = Vec::new();
    if paths.state_dir_source == StateDirSource::Env && !dir.starts_with(&paths.state_dir) {
        out.push(
            Finding::new(
                "workspace.outside_state_dir",
                Severity::Warn,
                format!(
                    "Workspace {} is outside the state dir {}",
                    dir.display(),
                    paths.state_dir.display()
                ),
            )
            .detail("With OPENCLAW_STATE_DIR on a volume (containers, Fly.io) only the state dir survives a restart: the agent's memory and identity files would be lost.")
            .fix("Remove agents.defaults.workspace (the default is <state>/workspace) or point it inside the state dir."),
        );
    }
    if !dir.exists() {
        out.push(
            Finding::new(
                "workspace.missing",
                Severity::Info,
                format!("Workspace {} does not exist yet", dir.display()),
            )
            .detail("The gateway creates and seeds it on its first agent run."),
        );
        return out;
    }
    if !dir.is_dir() {
        out.push(
            Finding::new(
                "workspace.not_a_dir",
                Severity::Error,
                format!("Workspace {} is not a directory", dir.display()),
            )
            .fix("Move the file away, or point agents.defaults.workspace at a directory."),
        );
        return out;
    }
    let missing: Vec<&str> = WORKSPACE_FILES
        .iter()
        .copied()
        .filter(|name| !dir.join(name).exists())
        .collect();
    if !missing.is_empty() {
        out.push(
            Finding::new(
                "workspace.files_missing",
                Severity::Info,
                format!("Workspace {} lacks {}", dir.display(), missing.join(", ")),
            )
            .detail("The agent's system prompt is built from these files; missing ones are skipped.")
            .fix("Restore them from a backup, or move the workspace aside and let the gateway seed a fresh one."),
        );
    }
    out
}
