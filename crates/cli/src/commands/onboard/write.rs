//! Turning an onboarding [`Plan`] into files: the config (through the config crate's writer),
//! the auth profile (OpenClaw's `auth-profiles.json` format, 0600, other profiles kept) and
//! `<state>/.env` for the Discord token (0600, other lines kept).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use openclaw_config::{self as cfg, Config};
use openclaw_providers::AgentAuthContext;
use serde_json::{Map, Value, json};

use super::{KeySource, Plan, key_source_json};
use crate::context::Context;

/// What was written.
pub struct Applied {
    pub config_path: PathBuf,
    pub backup: Option<PathBuf>,
    pub profile_path: Option<PathBuf>,
    pub env_file: Option<PathBuf>,
}

pub fn config_value(plan: &Plan) -> Value {
    let mut auth = json!({"mode": plan.auth_mode});
    auth[plan.auth_mode] = json!(plan.secret);
    let mut config = json!({
        "gateway": {
            "mode": "local",
            "port": plan.port,
            "bind": plan.bind,
            "auth": auth,
        },
    });
    if let Some((provider, source)) = &plan.provider {
        config["agents"] = json!({"defaults": {"model": {"primary": provider.default_model()}}});
        if matches!(source, KeySource::Store(_)) {
            config["auth"] = json!({"profiles": {
                provider.profile_id(): {"provider": provider.id(), "mode": "api_key"}
            }});
        }
    }
    if let Some(workspace) = &plan.workspace {
        config["agents"]["defaults"]["workspace"] = json!(workspace);
    }
    if let Some(discord) = &plan.discord {
        let guilds: Map<String, Value> = discord
            .guilds
            .iter()
            .map(|id| (id.clone(), json!({"requireMention": true})))
            .collect();
        config["channels"] = json!({"discord": {
            "enabled": true,
            "groupPolicy": "allowlist",
            "dm": {"policy": "pairing"},
            "guilds": guilds,
        }});
    }
    config
}

pub fn apply(ctx: &Context, plan: &Plan) -> Result<Applied, String> {
    let outcome = cfg::write_config(
        &ctx.paths.config_path,
        &config_value(plan),
        &ctx.env,
        cfg::COMPAT_VERSION,
    )
    .map_err(|err| match err {
        cfg::ConfigWriteError::Invalid { issues, .. } => format!(
            "The config onboarding built is invalid (please report this): {}",
            issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => format!("Cannot write the config: {other}"),
    })?;
    let mut applied = Applied {
        config_path: outcome.path,
        backup: outcome.backup,
        profile_path: None,
        env_file: None,
    };
    if let Some((provider, KeySource::Store(key))) = &plan.provider {
        let config = Config::default();
        let agent_id = config.default_agent_id();
        let agent_dir = ctx.paths.resolve_agent_dir(&config, &agent_id);
        let path = AgentAuthContext {
            agent_id: &agent_id,
            agent_dir: &agent_dir,
        }
        .auth_store_path();
        store_profile(&path, &provider.profile_id(), provider.id(), key)?;
        applied.profile_path = Some(path);
    }
    if let Some(token) = plan.discord.as_ref().and_then(|d| d.token.as_deref()) {
        upsert_env(&ctx.paths.dotenv_path, "DISCORD_BOT_TOKEN", token)?;
        applied.env_file = Some(ctx.paths.dotenv_path.clone());
    }
    Ok(applied)
}

/// Adds or replaces one `api_key` profile, keeping everything else in the file.
fn store_profile(path: &Path, profile_id: &str, provider: &str, key: &str) -> Result<(), String> {
    let mut store = match fs::read_to_string(path) {
        Ok(text) => serde_json::from_str::<Value>(&text).map_err(|e| {
            format!(
                "{} is not valid JSON ({e}); fix or move it, then run onboarding again.",
                path.display()
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({"version": 1}),
        Err(e) => return Err(format!("Cannot read {}: {e}", path.display())),
    };
    let Some(root) = store.as_object_mut() else {
        return Err(format!(
            "{} is not a JSON object; fix or move it.",
            path.display()
        ));
    };
    let profiles = root
        .entry("profiles")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(profiles) = profiles.as_object_mut() else {
        return Err(format!(
            "{}: \"profiles\" is not an object; fix or move the file.",
            path.display()
        ));
    };
    profiles.insert(
        profile_id.to_owned(),
        json!({"type": "api_key", "provider": provider, "key": key}),
    );
    let mut text = serde_json::to_string_pretty(&store).unwrap_or_default();
    text.push('\n');
    write_private(path, &text)
}

/// Sets `name` in a dotenv file, replacing an earlier assignment and keeping other lines.
fn upsert_env(path: &Path, name: &str, value: &str) -> Result<(), String> {
    if value.contains(['\'', '\n', '\r']) {
        return Err(format!(
            "The value for {name} contains a quote or line break; set it in {} by hand.",
            path.display()
        ));
    }
    let existing = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("Cannot read {}: {e}", path.display())),
    };
    let prefix = format!("{name}=");
    let export_prefix = format!("export {name}=");
    let mut lines: Vec<String> = existing
        .lines()
        .filter(|l| {
            !l.trim_start().starts_with(&prefix) && !l.trim_start().starts_with(&export_prefix)
        })
        .map(str::to_owned)
        .collect();
    lines.push(format!("{name}='{value}'"));
    let mut text = lines.join("\n");
    text.push('\n');
    write_private(path, &text)
}

/// Writes `text` to `path` atomically with mode 0600, creating the directory (0700).
fn write_private(path: &Path, text: &str) -> Result<(), String> {
    write_file(path, text, 0o600)
}

/// Writes `text` to `path` atomically with `mode`, creating missing directories (0700).
pub(super) fn write_file(path: &Path, text: &str, mode: u32) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let io =
        |action: &str, p: &Path, e: std::io::Error| format!("Cannot {action} {}: {e}", p.display());
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| io("create", dir, e))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        uuid::Uuid::new_v4().simple()
    ));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let result = options
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(text.as_bytes())?;
            f.sync_all()
        })
        .map_err(|e| io("write", &tmp, e))
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| io("replace", path, e)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

pub fn summary_json(ctx: &Context, plan: &Plan, applied: &Applied, next: &str) -> Value {
    json!({
        "mode": "local",
        "configPath": applied.config_path.display().to_string(),
        "stateDir": ctx.paths.state_dir.display().to_string(),
        "backup": applied.backup.as_ref().map(|p| p.display().to_string()),
        "provider": plan.provider.as_ref().map(|(p, _)| p.id()),
        "model": plan.provider.as_ref().map(|(p, _)| p.default_model()),
        "keySource": key_source_json(plan, applied.profile_path.as_deref()),
        "gateway": {
            "port": plan.port,
            "bind": plan.bind,
            "auth": plan.auth_mode,
            "tokenGenerated": plan.token_generated,
        },
        "discord": plan.discord.as_ref().map(|d| json!({
            "guilds": d.guilds,
            "tokenStoredIn": applied.env_file.as_ref().map(|p| p.display().to_string()),
        })),
        "next": next,
    })
}

pub fn print_summary(ctx: &Context, plan: &Plan, applied: &Applied, next: &str) {
    println!("Wrote {}", applied.config_path.display());
    if let Some(backup) = &applied.backup {
        println!("Previous config kept as {}", backup.display());
    }
    match &plan.provider {
        None => println!(
            "Model provider: skipped (set one later: `openclaw config set agents.defaults.model.primary <provider/model>` and its API key)"
        ),
        Some((provider, KeySource::Env)) => println!(
            "Model: {} (key read from {} at start; make sure the gateway's environment has it, e.g. in {})",
            provider.default_model(),
            provider.env_var(),
            ctx.paths.dotenv_path.display()
        ),
        Some((provider, KeySource::Store(_))) => println!(
            "Model: {} (key stored as auth profile {} in {})",
            provider.default_model(),
            provider.profile_id(),
            applied
                .profile_path
                .as_ref()
                .map_or_else(String::new, |p| p.display().to_string())
        ),
    }
    println!(
        "Gateway: port {}, bind {}, {} auth",
        plan.port, plan.bind, plan.auth_mode
    );
    if plan.token_generated {
        println!(
            "Gateway token (generated, stored in gateway.auth.token; clients and the Control UI need it): {}",
            plan.secret
        );
    }
    if let Some(discord) = &plan.discord {
        match &applied.env_file {
            Some(file) => println!(
                "Discord: bot token stored as DISCORD_BOT_TOKEN in {}",
                file.display()
            ),
            None => println!("Discord: set DISCORD_BOT_TOKEN in the gateway's environment"),
        }
        if discord.guilds.is_empty() {
            println!(
                "Discord: no guilds listed, so the bot only answers DMs (pairing); add one with `openclaw config set channels.discord.guilds.<GUILD_ID> '{{requireMention: true}}'`"
            );
        } else {
            println!(
                "Discord: answers when mentioned in guild(s) {}; DMs need pairing (`openclaw pairing approve discord <CODE>`)",
                discord.guilds.join(", ")
            );
        }
    }
    println!("Next: {next}");
    println!("Then: openclaw doctor (checks everything), openclaw security audit");
}
