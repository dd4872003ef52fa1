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
