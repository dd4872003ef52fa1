//! Command-line surface, mirroring OpenClaw's verbs and flags (spec §1.1–§1.3).
//!
//! Values that OpenClaw validates with its own wording (`--port`, `--bind`, `--auth`) are taken
//! as strings here and checked by the gateway so the messages match exactly.

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "openclaw",
    version,
    about = "OpenClaw gateway and CLI (Rust)",
    propagate_version = true
)]
pub struct Cli {
    /// Use the dev profile (state ~/.openclaw-dev, port 19001).
    #[arg(long, global = true)]
    pub dev: bool,
    /// Use a named profile (state ~/.openclaw-<name>).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Disable ANSI colours (NO_COLOR is respected too).
    #[arg(long, global = true)]
    pub no_color: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the gateway (or talk to a running one: call, health, status).
    Gateway(GatewayCommand),
    /// Health snapshot from the running gateway.
    Health(HealthArgs),
    /// Gateway status summary.
    Status(StatusArgs),
    /// Read and edit openclaw.json.
    Config(ConfigCommand),
    /// Run one agent turn through the gateway and print the reply.
    Agent(AgentArgs),
    /// List stored conversation sessions (asks the running gateway).
    Sessions(SessionsArgs),
    /// Models: default, fallbacks, aliases and provider auth (`list`, `status`).
    Models(ModelsCommand),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct GatewayCommand {
    #[command(subcommand)]
    pub action: Option<GatewayAction>,
    #[command(flatten)]
    pub run: GatewayRunArgs,
}

#[derive(Debug, Subcommand)]
pub enum GatewayAction {
    /// Run the gateway in the foreground (same as plain `openclaw gateway`).
    Run(GatewayRunArgs),
    /// Call a gateway method and print its result.
    Call(CallArgs),
    /// Health snapshot (same as `openclaw health`).
    Health(HealthArgs),
    /// Gateway status (same as `openclaw status`).
    Status(StatusArgs),
}

#[derive(Debug, Args, Default, Clone)]
pub struct GatewayRunArgs {
    /// WS+HTTP port (default: OPENCLAW_GATEWAY_PORT, gateway.port, 18789).
    #[arg(long, value_name = "PORT")]
    pub port: Option<String>,
    /// loopback | lan | tailnet | auto | custom (default: gateway.bind, loopback).
    #[arg(long, value_name = "MODE")]
    pub bind: Option<String>,
    /// Start even if gateway.mode is not "local".
    #[arg(long)]
    pub allow_unconfigured: bool,
    /// Auth mode override: token | password.
    #[arg(long, value_name = "MODE")]
    pub auth: Option<String>,
    /// Shared token (overrides config and OPENCLAW_GATEWAY_TOKEN).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Shared password (overrides config and OPENCLAW_GATEWAY_PASSWORD).
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Mirror debug logs to the console.
    #[arg(long)]
    pub verbose: bool,
    /// Stop whatever listens on the port first.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Default, Clone)]
pub struct ConnectArgs {
    /// Gateway WebSocket URL (default: the local gateway).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Gateway token (default: OPENCLAW_GATEWAY_TOKEN, then config).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Gateway password.
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Timeout in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// Method name, e.g. `health` or `config.get`.
    pub method: String,
    /// Params as JSON (JSON5 accepted).
    #[arg(long, value_name = "JSON")]
    pub params: Option<String>,
    /// Wait for the final answer of two-stage methods.
    #[arg(long)]
    pub expect_final: bool,
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct ConfigCommand {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the value at a path (dot/bracket syntax: agents.list[0].id).
    Get {
        path: String,
        #[arg(long)]
        json: bool,
    },
    /// Set the value at a path (JSON5 value, else a string).
    Set { path: String, value: String },
    /// Remove the value at a path.
    Unset { path: String },
    /// Check the config file and report every issue.
    Validate {
        #[arg(long)]
        json: bool,
    },
}

/// Where an RPC-only verb connects, for verbs whose own `--timeout`/`--json` differ from
/// [`ConnectArgs`]'s.
#[derive(Debug, Args, Default, Clone)]
pub struct GatewayTargetArgs {
    /// Gateway WebSocket URL (default: the local gateway).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Gateway token (default: OPENCLAW_GATEWAY_TOKEN, then config).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Gateway password.
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
}

impl GatewayTargetArgs {
    /// These settings as [`ConnectArgs`] with `timeout_ms` for connecting.
    pub fn connect(&self, timeout_ms: u64, json: bool) -> ConnectArgs {
        ConnectArgs {
            url: self.url.clone(),
            token: self.token.clone(),
            password: self.password.clone(),
            timeout: timeout_ms,
            json,
        }
    }
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Message body for the agent (required).
    #[arg(short = 'm', long, value_name = "TEXT")]
    pub message: String,
    /// Recipient used to derive the session key.
    #[arg(short = 't', long, value_name = "DEST")]
    pub to: Option<String>,
    /// Explicit session id (reuses that session).
    #[arg(long, value_name = "ID")]
    pub session_id: Option<String>,
    /// Agent id (uses that agent's main session).
    #[arg(long, value_name = "ID")]
    pub agent: Option<String>,
    /// Thinking level: off | minimal | low | medium | high | xhigh.
    #[arg(long, value_name = "LEVEL")]
    pub thinking: Option<String>,
    /// Delivery channel (whatsapp, telegram, …).
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    /// Delivery target override.
    #[arg(long, value_name = "TARGET")]
    pub reply_to: Option<String>,
    /// Delivery channel override.
    #[arg(long, value_name = "CHANNEL")]
    pub reply_channel: Option<String>,
    /// Delivery account id override.
    #[arg(long, value_name = "ID")]
    pub reply_account: Option<String>,
    /// Send the reply back to the selected channel/target.
    #[arg(long)]
    pub deliver: bool,
    /// Agent timeout in seconds (default: agents.defaults.timeoutSeconds, else 600).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// Print the final gateway answer as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub gateway: GatewayTargetArgs,
}

#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// Print the `sessions.list` result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Only sessions updated within the last N minutes.
    #[arg(long, value_name = "MINUTES")]
    pub active: Option<String>,
    /// Only this agent's sessions (default: the default agent's).
    #[arg(long, value_name = "ID", conflicts_with = "all_agents")]
    pub agent: Option<String>,
    /// Sessions of every agent.
    #[arg(long)]
    pub all_agents: bool,
    /// At most N rows, newest first (default 100; `all` for every row).
    #[arg(long, value_name = "N|all")]
    pub limit: Option<String>,
    /// Connect timeout in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout: u64,
    #[command(flatten)]
    pub gateway: GatewayTargetArgs,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ModelsCommand {
    #[command(subcommand)]
    pub action: Option<ModelsAction>,
    /// `openclaw models` alone is `openclaw models status`.
    #[command(flatten)]
    pub status: ModelsStatusArgs,
}

#[derive(Debug, Subcommand)]
pub enum ModelsAction {
    /// List the configured models (from the running gateway, else from the config file).
    List(ModelsListArgs),
    /// Default model, fallbacks, aliases, allowlist and where each provider's key comes from.
    Status(ModelsStatusArgs),
}

#[derive(Debug, Args, Default)]
pub struct ModelsListArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Print one `provider/model` per line.
    #[arg(long, conflicts_with = "json")]
    pub plain: bool,
    /// Only this provider's models.
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Accepted for compatibility: there is no built-in catalog, so this lists the same rows.
    #[arg(long)]
    pub all: bool,
    /// Connect timeout in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout: u64,
    #[command(flatten)]
    pub gateway: GatewayTargetArgs,
}

#[derive(Debug, Args, Default)]
pub struct ModelsStatusArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Plain text (no colours; ours never has any).
    #[arg(long, conflicts_with = "json")]
    pub plain: bool,
    /// Exit 1 when a provider in use has no usable credential, 2 when one expires within 24 h.
    #[arg(long)]
    pub check: bool,
    /// Inspect this configured agent (default: the default agent).
    #[arg(long, value_name = "ID")]
    pub agent: Option<String>,
}
