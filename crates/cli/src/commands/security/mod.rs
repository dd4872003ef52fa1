//! `openclaw security audit [--json] [--deep] [--fix]`: configuration footguns, each with a
//! severity (`critical`, `warn`, `info`) and a fix: a gateway reachable beyond loopback without a
//! secret, weak secrets, open DM/group policies, `exec` in `full` mode, elevated tools, Control UI
//! break-glass flags, `web_fetch` into private networks, loose permissions on secrets, and
//! secrets written into the config instead of `${ENV}` references. Exits 1 on any critical
//! finding. JSON is OpenClaw's report shape: `{ts, summary:{critical,warn,info}, findings}`;
//! with `--fix` it is `{fix, report}` (see [`fix`]), the report being the audit after the fixes.

mod fix;

use std::path::Path;
use std::process::ExitCode;

use openclaw_config::{self as cfg, Env, StatePaths};
use openclaw_gateway::bind;
use openclaw_gateway::settings::{self as gw, Overrides};
use serde_json::{Value, json};

use super::doctor::perms;
use super::doctor::report::{self, Finding, Severity};
use crate::args::{SecurityAction, SecurityAuditArgs, SecurityCommand};
use crate::context::Context;

/// Shorter shared secrets are guessable enough to matter on a network.
const MIN_TOKEN_LEN: usize = 24;
const MIN_PASSWORD_LEN: usize = 12;

pub fn run(ctx: &Context, cmd: SecurityCommand) -> anyhow::Result<ExitCode> {
    match cmd.action {
        SecurityAction::Audit(args) => Ok(audit(ctx, &args)),
    }
}

fn audit(ctx: &Context, args: &SecurityAuditArgs) -> ExitCode {
    // The fixes come first so the report shows what is left after them.
    let fixed = args.fix.then(|| fix::apply(ctx));
    let findings = collect(ctx, args.deep);
    let critical = findings.iter().any(|f| f.severity == Severity::Critical);
    if args.json {
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        let report = json!({
            "ts": super::sessions::now_ms(),
            "configPath": ctx.paths.config_path.display().to_string(),
            "summary": {
                "critical": count(Severity::Critical),
                "warn": count(Severity::Warn),
                "info": count(Severity::Info),
            },
            "findings": findings.iter().map(Finding::to_json).collect::<Vec<Value>>(),
        });
        let out = match &fixed {
            Some(fixed) => json!({"fix": fixed.to_json(&ctx.paths), "report": report}),
            None => report,
        };
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        println!(
            "openclaw security audit: {}",
            ctx.paths.config_path.display()
        );
        if let Some(fixed) = &fixed {
            fixed.print_text();
            println!();
        }
        report::print_text(&findings, false);
        println!("{}", report::summary_line(&findings));
        if fixed.is_none() && findings.iter().any(fixable) {
            println!(
                "Run `openclaw security audit --fix` to apply the safe fixes (group policies, log redaction, file modes)."
            );
        }
    }
    if critical {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Whether `--fix` takes care of this finding.
fn fixable(finding: &Finding) -> bool {
    match finding.check_id.as_str() {
        "logging.redact_off" | "fs.permissions" | "fs.conversations_readable" => true,
        // Only a policy written in the config; a Discord token with no section has none.
        id => id.ends_with(".group_open") && finding.title.starts_with("channels."),
    }
}

fn collect(ctx: &Context, deep: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    let loaded = match cfg::load(&ctx.paths.config_path, &ctx.env) {
        Ok(loaded) => loaded,
        Err(err) => {
            out.push(
                Finding::new("config.unreadable", Severity::Critical, err.to_string())
                    .fix("Make the config readable by this user; the audit needs it."),
            );
            return out;
        }
    };
    let config = loaded.config_or_default();
    if !loaded.is_valid() {
        out.push(
            Finding::new(
                "config.invalid",
                Severity::Warn,
                "The config is invalid; the gateway will not start with it and this audit may be incomplete",
            )
            .fix("Run `openclaw doctor` for the issues and their fixes."),
        );
    }
    let resolved = if loaded.resolved.is_object() {
        &loaded.resolved
    } else {
        &loaded.parsed
    };
    let exposed = gateway(&config, &loaded.env, resolved, &mut out);
    let open_channels = channels(resolved, &loaded.env, &mut out);
    tools(resolved, open_channels, &mut out);
    shared_dm_session(resolved, &mut out);
    secrets_in_config(&loaded.parsed, "", &mut out);
    permissions(&ctx.paths, &config, &mut out);
    if resolved
        .pointer("/logging/redactSensitive")
        .and_then(Value::as_str)
        == Some("off")
    {
        out.push(
            Finding::new("logging.redact_off", Severity::Warn, "logging.redactSensitive is \"off\"")
                .detail("Tool output with secrets (keys, tokens in commands) reaches the log files verbatim.")
                .fix("`openclaw config set logging.redactSensitive tools`"),
        );
    }
    if deep {
        deep_permissions(&ctx.paths, &mut out);
    }
    if exposed {
        out.push(
            Finding::new(
                "gateway.bind_network_accessible",
                Severity::Info,
                "The gateway listens beyond loopback",
            )
            .detail("Anyone who can reach the port can try the shared secret (failures are rate limited).")
            .fix("Prefer loopback behind a TLS reverse proxy or a private network (Fly private deployment, Tailscale)."),
        );
    }
    out.sort_by_key(|f| f.severity);
    out
}

/// Bind/auth and Control UI flags; returns whether the gateway listens beyond loopback.
fn gateway(config: &cfg::Config, env: &Env, resolved: &Value, out: &mut Vec<Finding>) -> bool {
    let mode =
        bind::BindMode::parse(config.bind_mode().as_str()).unwrap_or(bind::BindMode::Loopback);
    let host = bind::resolve_host(mode, config.custom_bind_host());
    let exposed = !bind::is_loopback_host(host);
    let auth = gw::resolve_auth(&Overrides::default(), env, config);
    match auth.active_secret() {
        None if exposed => out.push(
            Finding::new(
                "gateway.bind_no_auth",
                Severity::Critical,
                format!("gateway.bind is \"{}\" but no gateway token/password is configured", mode.as_str()),
            )
            .detail("OpenClaw refuses to start like this; if it did start, anyone on the network could drive the agent.")
            .fix("Set OPENCLAW_GATEWAY_TOKEN (or gateway.auth.token), or `openclaw config set gateway.bind loopback`."),
        ),
        None => {}
        Some(secret) => {
            let (min, what) = match auth.mode {
                gw::AuthMode::Token => (MIN_TOKEN_LEN, "token"),
                gw::AuthMode::Password => (MIN_PASSWORD_LEN, "password"),
            };
            if secret.chars().count() < min {
                out.push(
                    Finding::new(
                        "gateway.auth_weak",
                        if exposed { Severity::Critical } else { Severity::Warn },
                        format!("The gateway {what} is shorter than {min} characters"),
                    )
                    .fix("Use a long random value, e.g. `openssl rand -hex 32`, in OPENCLAW_GATEWAY_TOKEN."),
                );
            }
        }
    }
    let flag = |name: &str| {
        resolved
            .pointer(&format!("/gateway/controlUi/{name}"))
            .and_then(Value::as_bool)
            == Some(true)
    };
    if flag("dangerouslyDisableDeviceAuth") {
        out.push(
            Finding::new(
                "gateway.control_ui.device_auth_disabled",
                Severity::Critical,
                "gateway.controlUi.dangerouslyDisableDeviceAuth is true",
            )
            .detail("Control UI clients skip device identity and pairing: the shared secret alone grants admin.")
            .fix("`openclaw config unset gateway.controlUi.dangerouslyDisableDeviceAuth` and pair browsers with `openclaw devices approve`."),
        );
    }
    if flag("allowInsecureAuth") {
        out.push(
            Finding::new(
                "gateway.control_ui.insecure_auth",
                if exposed { Severity::Critical } else { Severity::Warn },
                "gateway.controlUi.allowInsecureAuth is true",
            )
            .detail("The Control UI accepts token-only logins over plain HTTP, where the token travels in clear text.")
            .fix("Serve the UI over HTTPS (or localhost) and `openclaw config unset gateway.controlUi.allowInsecureAuth`."),
        );
    }
    exposed
}

/// DM and group policies of every channel section and account; returns whether any is open.
fn channels(resolved: &Value, env: &Env, out: &mut Vec<Finding>) -> bool {
    let mut open = false;
    let Some(channels) = resolved.get("channels").and_then(Value::as_object) else {
        let discord_env = env
            .get("DISCORD_BOT_TOKEN")
            .is_some_and(|t| !t.trim().is_empty());
        if discord_env {
            out.push(
                Finding::new(
                    "channels.discord.group_open",
                    Severity::Warn,
                    "DISCORD_BOT_TOKEN is set but there is no channels.discord section: groupPolicy defaults to \"open\"",
                )
                .detail("The bot answers mentions in every server it is invited to.")
                .fix("Add channels.discord with groupPolicy \"allowlist\" and your guild under guilds.<id>."),
            );
        }
        return false;
    };
    for (id, section) in channels {
        if id == "defaults" {
            if section.get("groupPolicy").and_then(Value::as_str) == Some("open") {
                open = true;
                out.push(
                    Finding::new(
                        "channels.defaults.group_open",
                        Severity::Warn,
                        "channels.defaults: groupPolicy is \"open\"",
                    )
                    .detail("Every channel without its own groupPolicy answers in every group/server the bot is added to.")
                    .fix("`openclaw config set channels.defaults.groupPolicy allowlist` and list the groups/guilds you want per channel."),
                );
            }
            continue;
        }
        let mut scopes = vec![(format!("channels.{id}"), section)];
        if let Some(accounts) = section.get("accounts").and_then(Value::as_object) {
            scopes.extend(
                accounts
                    .iter()
                    .map(|(a, v)| (format!("channels.{id}.accounts.{a}"), v)),
            );
        }
        for (path, scope) in scopes {
            let dm_policy = scope
                .get("dmPolicy")
                .or_else(|| scope.pointer("/dm/policy"))
                .and_then(Value::as_str);
            if dm_policy == Some("open") {
                open = true;
                out.push(
                    Finding::new(
                        format!("channels.{id}.dm_open"),
                        Severity::Critical,
                        format!("{path}: DMs are open to everyone"),
                    )
                    .detail("Any user who finds the bot can talk to the agent and use its tools.")
                    .fix(format!("Use pairing: `openclaw config set {path}.dm.policy pairing` (approve people with `openclaw pairing approve`).")),
                );
            }
            if scope.get("groupPolicy").and_then(Value::as_str) == Some("open") {
                open = true;
                out.push(
                    Finding::new(
                        format!("channels.{id}.group_open"),
                        Severity::Warn,
                        format!("{path}: groupPolicy is \"open\""),
                    )
                    .detail("Every group/server the bot is added to can trigger the agent.")
                    .fix(format!("`openclaw config set {path}.groupPolicy allowlist` and list the groups/guilds you want.")),
                );
            }
        }
    }
    open
}

/// With `session.dmScope` "main" (the default) every DM, from every person on every channel,
/// lands in the one main session: people see each other's context.
fn shared_dm_session(resolved: &Value, out: &mut Vec<Finding>) {
    let has_channels = resolved
        .get("channels")
        .and_then(Value::as_object)
        .is_some_and(|c| c.keys().any(|k| k != "defaults"));
    let scope = resolved
        .pointer("/session/dmScope")
        .and_then(Value::as_str)
        .unwrap_or("main");
    if has_channels && scope == "main" {
        out.push(
            Finding::new(
                "session.dm_scope_shared",
                Severity::Info,
                "DMs from every sender share the main session (session.dmScope is \"main\")",
            )
            .detail("Fine for a personal bot; with several people allowed to DM it, each sees what the others said.")
            .fix("`openclaw config set session.dmScope per-channel-peer`"),
        );
    }
}

/// `exec` in full mode, elevated tools, `web_fetch` into private networks — globally and per agent.
fn tools(resolved: &Value, open_channels: bool, out: &mut Vec<Finding>) {
    let mut scopes: Vec<(String, &Value)> = Vec::new();
    if let Some(tools) = resolved.get("tools") {
        scopes.push(("tools".into(), tools));
    }
    if let Some(list) = resolved.pointer("/agents/list").and_then(Value::as_array) {
        for (i, agent) in list.iter().enumerate() {
            if let Some(tools) = agent.get("tools") {
                scopes.push((format!("agents.list[{i}].tools"), tools));
            }
        }
    }
    for (path, tools) in scopes {
        if tools.pointer("/exec/security").and_then(Value::as_str) == Some("full") {
            out.push(
                Finding::new(
                    "tools.exec.security_full",
                    if open_channels { Severity::Critical } else { Severity::Warn },
                    format!("{path}.exec.security is \"full\": the agent may run any command"),
                )
                .detail(if open_channels {
                    "Combined with an open DM/group policy, strangers can make the agent run commands on this host."
                } else {
                    "Anyone allowed to talk to the agent can make it run commands on this host."
                })
                .fix(format!("`openclaw config set {path}.exec.security allowlist` (or deny).")),
            );
        }
        if let Some(elevated) = tools.get("elevated")
            && elevated.get("enabled").and_then(Value::as_bool) == Some(true)
        {
            let wildcard = elevated
                .get("allowFrom")
                .and_then(Value::as_object)
                .is_some_and(|m| {
                    m.values().any(|v| {
                        v.as_array()
                            .is_some_and(|l| l.iter().any(|x| x.as_str() == Some("*")))
                    })
                });
            out.push(
                Finding::new(
                    "tools.elevated.enabled",
                    if wildcard { Severity::Critical } else { Severity::Warn },
                    format!("{path}.elevated is enabled{}", if wildcard { " for \"*\"" } else { "" }),
                )
                .detail("Elevated tools run outside the sandbox on the host.")
                .fix(format!("List only your own ids in {path}.elevated.allowFrom, or `openclaw config set {path}.elevated.enabled false`.")),
            );
        }
        for key in ["allowPrivateNetwork", "dangerouslyAllowPrivateNetwork"] {
            if tools
                .pointer(&format!("/web/fetch/ssrfPolicy/{key}"))
                .and_then(Value::as_bool)
                == Some(true)
            {
                out.push(
                    Finding::new(
                        "tools.web_fetch.private_network",
                        Severity::Warn,
                        format!("{path}.web.fetch.ssrfPolicy.{key} is true"),
                    )
                    .detail("web_fetch can reach loopback and private addresses (cloud metadata, admin panels, this gateway).")
                    .fix(format!("`openclaw config unset {path}.web.fetch.ssrfPolicy.{key}`")),
                );
            }
        }
    }
}

/// Secrets written into the config file itself rather than `${ENV}` references.
fn secrets_in_config(value: &Value, path: &str, out: &mut Vec<Finding>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if cfg::is_sensitive_key(key)
                    && let Some(text) = child.as_str()
                    && !text.trim().is_empty()
                    && !text.contains("${")
                {
                    // The gateway's own secret lives in the config in OpenClaw's default setup;
                    // the file is 0600, so it is only worth a note.
                    let gateway_secret = child_path.starts_with("gateway.auth.");
                    out.push(
                        Finding::new(
                            "secrets.plaintext_in_config",
                            if gateway_secret { Severity::Info } else { Severity::Warn },
                            format!("{child_path} holds a secret in plain text"),
                        )
                        .fix(format!(
                            "Put it in the environment or <state>/.env and reference it: \"{key}\": \"${{YOUR_VAR}}\"."
                        )),
                    );
                } else {
                    secrets_in_config(child, &child_path, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                secrets_in_config(item, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn permissions(paths: &StatePaths, config: &cfg::Config, out: &mut Vec<Finding>) {
    for issue in perms::issues(paths, Some(config)) {
        // Secret files readable by anyone are as bad as writable ones; a readable directory
        // only reveals names.
        let secret_exposed = issue.world_readable() && issue.want == 0o600;
        let severity = if issue.world_writable() || secret_exposed {
            Severity::Critical
        } else if issue.world_readable() {
            Severity::Warn
        } else {
            Severity::Info
        };
        out.push(issue.finding("fs.permissions", severity));
    }
}

/// Session transcripts, the store and logs: readable by others ⇒ conversations leak.
fn deep_permissions(paths: &StatePaths, out: &mut Vec<Finding>) {
    let mut candidates = vec![
        paths.state_dir.join("openclaw.sqlite"),
        paths.logs_dir.clone(),
    ];
    if let Ok(agents) = std::fs::read_dir(&paths.agents_dir) {
        candidates.extend(agents.flatten().map(|e| e.path().join("sessions")));
    }
    for path in candidates {
        if let Some(mode) = world_bits(&path) {
            out.push(
                Finding::new(
                    "fs.conversations_readable",
                    Severity::Warn,
                    format!(
                        "{} is readable by every user (mode {mode:o})",
                        path.display()
                    ),
                )
                .fix(format!("chmod -R go-rwx {}", path.display())),
            );
        }
    }
}

#[cfg(unix)]
fn world_bits(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::symlink_metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o004 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn world_bits(_path: &Path) -> Option<u32> {
    None
}
