//! `openclaw onboard`: first-time setup, in one of two modes.
//!
//! Local (the default): picks a model provider and its key (stored as an auth profile in
//! OpenClaw's `auth-profiles.json` format, or left in the environment), the gateway's port, bind
//! and auth (a random token by default, even on loopback, like OpenClaw's wizard), and optionally
//! Discord (token into `<state>/.env`, guild allowlist into the config); writes a minimal valid
//! config through the config crate's writer, optionally installs the systemd user service
//! (`daemon.rs`) and prints the next command. An existing config is never replaced without
//! `--reset` (or a confirmation on a terminal); the writer keeps the old file as `.bak`.
//!
//! Remote (`remote.rs`): this machine becomes a client of a gateway elsewhere; only
//! `gateway.mode`/`gateway.remote` are merged into the config, and the gateway is tried once.
//!
//! Interactive by default (arrow-key prompts, `prompts.rs`); `--non-interactive` takes
//! everything from flags and the environment.

mod daemon;
mod prompts;
mod remote;
mod write;

pub use daemon::{gateway_install, gateway_uninstall};

use std::io::IsTerminal as _;
use std::process::ExitCode;

use openclaw_config::Env;
use openclaw_gateway::settings::DEFAULT_PORT;
use serde_json::{Value, json};

use super::doctor::fix::generate_token;
use crate::args::OnboardArgs;
use crate::context::Context;

/// A model provider the wizard knows how to set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Anthropic,
    OpenAi,
    Google,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Anthropic, Provider::OpenAi, Provider::Google];

    pub fn id(self) -> &'static str {
        match self {
            Provider::Anthropic => "anthropic",
            Provider::OpenAi => "openai",
            Provider::Google => "google",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Provider::Anthropic => "Anthropic (Claude)",
            Provider::OpenAi => "OpenAI",
            Provider::Google => "Google (Gemini)",
        }
    }

    /// The variable the gateway reads the key from.
    pub fn env_var(self) -> &'static str {
        match self {
            Provider::Anthropic => "ANTHROPIC_API_KEY",
            Provider::OpenAi => "OPENAI_API_KEY",
            Provider::Google => "GEMINI_API_KEY",
        }
    }

    pub fn default_model(self) -> &'static str {
        match self {
            Provider::Anthropic => "anthropic/claude-opus-4-5",
            Provider::OpenAi => "openai/gpt-4o",
            Provider::Google => "google/gemini-2.5-pro",
        }
    }

    pub fn profile_id(self) -> String {
        format!("{}:default", self.id())
    }

    /// `--auth-choice` values (OpenClaw's names).
    fn from_choice(choice: &str) -> Result<Option<Provider>, String> {
        match choice.trim() {
            "apiKey" | "anthropic-api-key" | "anthropic" => Ok(Some(Provider::Anthropic)),
            "openai-api-key" | "openai" => Ok(Some(Provider::OpenAi)),
            "gemini-api-key" | "google" | "gemini" => Ok(Some(Provider::Google)),
            "skip" => Ok(None),
            other => Err(format!(
                "Unsupported --auth-choice {other:?}: use apiKey (Anthropic), openai-api-key, gemini-api-key or skip."
            )),
        }
    }
}

/// Where the provider key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Store this key as an auth profile.
    Store(String),
    /// The gateway will read the provider's env var.
    Env,
}

/// Everything the wizard decided.
#[derive(Debug, Clone)]
pub struct Plan {
    pub provider: Option<(Provider, KeySource)>,
    pub port: u16,
    pub bind: String,
    /// `token` or `password`, with the secret.
    pub auth_mode: &'static str,
    pub secret: String,
    pub token_generated: bool,
    pub discord: Option<DiscordPlan>,
    pub workspace: Option<String>,
    /// Install and start the systemd user service.
    pub install_daemon: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DiscordPlan {
    /// A token to store in `<state>/.env`; `None` when DISCORD_BOT_TOKEN is already set (or the
    /// user will set it).
    pub token: Option<String>,
    pub guilds: Vec<String>,
}

pub const BIND_MODES: [&str; 5] = ["loopback", "lan", "tailnet", "auto", "custom"];

/// The two kinds of setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Local,
    Remote,
}

impl Mode {
    fn parse(text: &str) -> Result<Mode, String> {
        match text.trim() {
            "local" => Ok(Mode::Local),
            "remote" => Ok(Mode::Remote),
            other => Err(format!("Invalid --mode {other:?}: use local or remote.")),
        }
    }
}

/// What the questions (or the flags) decided.
pub enum Answers {
    Local(Plan),
    Remote(remote::RemotePlan),
}

pub fn run(ctx: &Context, args: OnboardArgs) -> anyhow::Result<ExitCode> {
    let mode = match args.mode.as_deref().map(Mode::parse).transpose() {
        Ok(mode) => mode,
        Err(message) => {
            eprintln!("{message}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let exists = ctx.paths.config_path.exists();
    let answers = if args.non_interactive {
        match from_flags(ctx, &args, mode.unwrap_or(Mode::Local), exists) {
            Ok(answers) => answers,
            Err(message) => {
                eprintln!("{message}");
                return Ok(ExitCode::FAILURE);
            }
        }
    } else {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "openclaw onboard asks questions and needs a terminal; for scripts pass --non-interactive with flags (see `openclaw onboard --help`)."
            );
            return Ok(ExitCode::FAILURE);
        }
        match prompts::ask(ctx, &args, mode, exists) {
            Ok(Some(answers)) => answers,
            Ok(None) => return Ok(ExitCode::FAILURE),
            Err(message) => {
                eprintln!("{message}");
                return Ok(ExitCode::FAILURE);
            }
        }
    };
    match answers {
        Answers::Local(plan) => Ok(finish_local(ctx, &args, &plan)),
        Answers::Remote(plan) => Ok(finish_remote(ctx, &args, &plan)),
    }
}

fn from_flags(
    ctx: &Context,
    args: &OnboardArgs,
    mode: Mode,
    exists: bool,
) -> Result<Answers, String> {
    if mode == Mode::Remote {
        return remote::from_flags(args, &ctx.env).map(Answers::Remote);
    }
    if exists && !args.reset {
        return Err(format!(
            "A config already exists at {}; refusing to overwrite it. Pass --reset to replace it (the old file is kept as openclaw.json.bak), or edit it with `openclaw config set`.",
            ctx.paths.config_path.display()
        ));
    }
    local_from_flags(args, &ctx.env).map(Answers::Local)
}

fn finish_local(ctx: &Context, args: &OnboardArgs, plan: &Plan) -> ExitCode {
    let applied = match write::apply(ctx, plan) {
        Ok(applied) => applied,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let daemon = plan.install_daemon.then(|| daemon::install(ctx, plan.port));
    // With a running service the next step is checking it, not starting a second gateway.
    let next = if daemon.as_ref().is_some_and(|d| d.started) {
        "openclaw health"
    } else {
        "openclaw gateway"
    };
    if args.json {
        let mut summary = write::summary_json(ctx, plan, &applied, next);
        summary["daemon"] = daemon
            .as_ref()
            .map_or(Value::Null, daemon::DaemonOutcome::json);
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        );
        if let Some(outcome) = daemon.as_ref().filter(|d| !d.started) {
            daemon::print_outcome(ctx, outcome);
        }
    } else {
        if let Some(outcome) = &daemon {
            daemon::print_outcome(ctx, outcome);
        }
        write::print_summary(ctx, plan, &applied, next);
    }
    ExitCode::SUCCESS
}

fn finish_remote(ctx: &Context, args: &OnboardArgs, plan: &remote::RemotePlan) -> ExitCode {
    let applied = match remote::apply(ctx, plan, args.reset) {
        Ok(applied) => applied,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    if args.install_daemon {
        eprintln!(
            "--install-daemon ignored: in remote mode no gateway runs on this machine (install the service where the gateway runs)."
        );
    }
    let progress = plan.probe.then(|| {
        crate::progress::Progress::start(format!("connecting to {}", plan.url), args.json)
    });
    let probe = remote::probe(plan);
    drop(progress);
    if args.json {
        let summary = remote::summary_json(plan, &applied, &probe);
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        );
        if !matches!(
            probe,
            remote::Probe::Answered { .. } | remote::Probe::Skipped
        ) {
            remote::report_probe(plan, &probe);
        }
    } else {
        remote::print_summary(plan, &applied, &probe);
    }
    ExitCode::SUCCESS
}

/// The provider named by `--auth-choice`, else by the one key flag given, else by the first
/// provider whose env var is set.
fn provider_from_flags(
    args: &OnboardArgs,
    env: &Env,
) -> Result<Option<(Provider, KeySource)>, String> {
    let flag_key = |p: Provider| match p {
        Provider::Anthropic => args.anthropic_api_key.clone(),
        Provider::OpenAi => args.openai_api_key.clone(),
        Provider::Google => args.gemini_api_key.clone(),
    };
    let chosen = match args.auth_choice.as_deref() {
        Some(choice) => Provider::from_choice(choice)?,
        None => Provider::ALL
            .into_iter()
            .find(|p| flag_key(*p).is_some())
            .or_else(|| {
                Provider::ALL
                    .into_iter()
                    .find(|p| env_set(env, p.env_var()))
            }),
    };
    let Some(provider) = chosen else {
        return Ok(None);
    };
    if let Some(key) = flag_key(provider).map(|k| k.trim().to_owned()) {
        if key.is_empty() {
            return Err(format!(
                "The {} key given on the command line is empty.",
                provider.label()
            ));
        }
        return Ok(Some((provider, KeySource::Store(key))));
    }
    if env_set(env, provider.env_var()) {
        return Ok(Some((provider, KeySource::Env)));
    }
    Err(format!(
        "No {} key: pass --{}-api-key, or set {} (it then stays in the environment), or use --auth-choice skip.",
        provider.label(),
        match provider {
            Provider::Anthropic => "anthropic",
            Provider::OpenAi => "openai",
            Provider::Google => "gemini",
        },
        provider.env_var()
    ))
}

pub fn env_set(env: &Env, name: &str) -> bool {
    env.get(name).is_some_and(|v| !v.trim().is_empty())
}

pub fn check_bind(bind: &str) -> Result<String, String> {
    let bind = bind.trim();
    if BIND_MODES.contains(&bind) {
        Ok(bind.to_owned())
    } else {
        Err(format!(
            "Invalid --gateway-bind {bind:?}: use one of {}.",
            BIND_MODES.join(", ")
        ))
    }
}

fn local_from_flags(args: &OnboardArgs, env: &Env) -> Result<Plan, String> {
    let provider = provider_from_flags(args, env)?;
    let bind = check_bind(args.gateway_bind.as_deref().unwrap_or("loopback"))?;
    let port = match args.gateway_port {
        Some(0) => return Err("Invalid --gateway-port 0: use 1-65535.".into()),
        Some(port) => port,
        None => DEFAULT_PORT,
    };
    let (auth_mode, secret, token_generated) = match args.gateway_auth.as_deref().map(str::trim) {
        None | Some("token") => match args.gateway_token.as_deref().map(str::trim) {
            Some("") => return Err("--gateway-token is empty.".into()),
            Some(token) => ("token", token.to_owned(), false),
            None => ("token", generate_token(), true),
        },
        Some("password") => match args.gateway_password.as_deref().map(str::trim) {
            Some(pw) if !pw.is_empty() => ("password", pw.to_owned(), false),
            _ => return Err("--gateway-auth password needs --gateway-password <PASSWORD>.".into()),
        },
        Some(other) => {
            return Err(format!(
                "Invalid --gateway-auth {other:?}: use token or password."
            ));
        }
    };
    let discord = if args.skip_channels {
        None
    } else if args.discord_token.is_some() || !args.discord_guilds.is_empty() {
        Some(DiscordPlan {
            token: args
                .discord_token
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
            guilds: guild_ids(&args.discord_guilds.join(","))?,
        })
    } else {
        None
    };
    Ok(Plan {
        provider,
        port,
        bind,
        auth_mode,
        secret,
        token_generated,
        discord,
        workspace: args.workspace.clone(),
        install_daemon: args.install_daemon,
    })
}

/// Guild ids from a comma/space separated list; Discord ids are numbers (snowflakes).
pub fn guild_ids(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for id in text
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!(
                "Discord guild id {id:?} is not a number: copy it with Developer Mode → right-click the server → Copy Server ID."
            ));
        }
        if !out.iter().any(|known| known == id) {
            out.push(id.to_owned());
        }
    }
    Ok(out)
}

/// `json!` helper kept here so `write.rs` and `prompts.rs` share the wording of key sources.
pub fn key_source_json(plan: &Plan, profile_path: Option<&std::path::Path>) -> serde_json::Value {
    match &plan.provider {
        None => serde_json::Value::Null,
        Some((provider, KeySource::Env)) => json!({"kind": "env", "envVar": provider.env_var()}),
        Some((provider, KeySource::Store(_))) => json!({
            "kind": "profile",
            "profileId": provider.profile_id(),
            "path": profile_path.map(|p| p.display().to_string()),
        }),
    }
}
