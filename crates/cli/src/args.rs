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
    /// Check config, permissions, lock, port, provider keys and channels; `--fix` repairs.
    Doctor(DoctorArgs),
    /// First-time setup: model provider key, gateway port/bind/auth, Discord.
    Onboard(Box<OnboardArgs>),
    /// Security tools (`audit`).
    Security(SecurityCommand),
    /// Approve or list DM pairing requests (works without a running gateway).
    Pairing(PairingCommand),
    /// Send a message through a channel of the running gateway.
    Message(MessageCommand),
    /// Channel accounts: connection state, bot, last error (`status`).
    Channels(ChannelsCommand),
    /// Print the Control UI URL with the gateway token.
    Dashboard(DashboardArgs),
    /// Tail the gateway's file log over the WebSocket (`--follow` to keep watching).
    Logs(LogsArgs),
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
    /// Install the gateway as a systemd user service (openclaw-gateway.service) and start it.
    Install(GatewayInstallArgs),
    /// Stop and remove the systemd user service (config and state stay).
    Uninstall(GatewayUninstallArgs),
}

#[derive(Debug, Args, Default)]
pub struct GatewayInstallArgs {
    /// Port the service's gateway listens on (default: OPENCLAW_GATEWAY_PORT, gateway.port, 18789).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Rewrite an installed unit (the old one is kept as .bak).
    #[arg(long)]
    pub force: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Default)]
pub struct GatewayUninstallArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
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

#[derive(Debug, Args)]
pub struct PairingCommand {
    #[command(subcommand)]
    pub action: PairingAction,
}

#[derive(Debug, Subcommand)]
pub enum PairingAction {
    /// Pending pairing requests of a channel.
    List(PairingListArgs),
    /// Approve a pairing code: its sender may message the assistant from now on.
    Approve(PairingCodeArgs),
    /// Drop a pending pairing request without approving it.
    #[command(alias = "reject")]
    Deny(PairingCodeArgs),
}

#[derive(Debug, Args)]
pub struct PairingListArgs {
    /// Channel (default: the only pairing-capable one, discord).
    #[arg(value_name = "CHANNEL")]
    pub channel_arg: Option<String>,
    /// Channel, as an option.
    #[arg(long, value_name = "CHANNEL", conflicts_with = "channel_arg")]
    pub channel: Option<String>,
    /// Account id (pairing files are shared by all accounts of a channel).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PairingCodeArgs {
    /// `[CHANNEL] CODE`: the channel may be left out (or given with --channel).
    #[arg(value_name = "CHANNEL|CODE", num_args = 1..=2, required = true)]
    pub positional: Vec<String>,
    /// Channel, as an option.
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    /// Account id whose bot sends the --notify message.
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Tell the sender they were approved (needs a running gateway).
    #[arg(long)]
    pub notify: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub gateway: GatewayTargetArgs,
}

#[derive(Debug, Args)]
pub struct MessageCommand {
    #[command(subcommand)]
    pub action: MessageAction,
}

#[derive(Debug, Subcommand)]
pub enum MessageAction {
    /// Send a text message to a user or channel.
    Send(MessageSendArgs),
}

#[derive(Debug, Args)]
pub struct MessageSendArgs {
    /// Channel (may be left out when exactly one is configured).
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    /// Account id (default: the channel's default account).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// Destination: `user:<id>` (DM), `channel:<id>`, or a bare channel id.
    #[arg(short = 't', long, value_name = "DEST")]
    pub target: String,
    /// Message text.
    #[arg(short = 'm', long, value_name = "TEXT")]
    pub message: String,
    /// Print the gateway's answer as JSON.
    #[arg(long)]
    pub json: bool,
    /// Timeout in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    pub timeout: u64,
    #[command(flatten)]
    pub gateway: GatewayTargetArgs,
}

#[derive(Debug, Args)]
pub struct ChannelsCommand {
    #[command(subcommand)]
    pub action: ChannelsAction,
}

#[derive(Debug, Subcommand)]
pub enum ChannelsAction {
    /// State of every channel account of the running gateway.
    Status(ChannelsStatusArgs),
}

#[derive(Debug, Args)]
pub struct ChannelsStatusArgs {
    /// Also check each account's credentials against the channel's API.
    #[arg(long)]
    pub probe: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Timeout in milliseconds (connect, and each probe).
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout: u64,
    #[command(flatten)]
    pub gateway: GatewayTargetArgs,
}

#[derive(Debug, Args)]
pub struct DashboardArgs {
    /// Only print the URL (a browser is never opened without a display anyway).
    #[arg(long)]
    pub no_open: bool,
    /// Gateway port (default: the running gateway's, else OPENCLAW_GATEWAY_PORT, gateway.port).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Gateway token for the URL (default: OPENCLAW_GATEWAY_TOKEN, then config).
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Keep polling for new lines until interrupted (Ctrl-C).
    #[arg(short = 'f', long)]
    pub follow: bool,
    /// At most N lines per read (1-5000).
    #[arg(long, value_name = "N", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(1..=5000))]
    pub limit: u64,
    /// At most this many bytes per read.
    #[arg(long, value_name = "BYTES", default_value_t = 250_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_bytes: u64,
    /// Poll interval for --follow, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(100..))]
    pub interval: u64,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
    /// Connect timeout in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    pub timeout: u64,
    #[command(flatten)]
    pub gateway: GatewayTargetArgs,
}

#[derive(Debug, Args, Default)]
pub struct DoctorArgs {
    /// Apply the safe repairs (chmod of secrets, unambiguous config migrations; backup first).
    #[arg(long, alias = "repair")]
    pub fix: bool,
    /// Apply repairs without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Never prompt (repairs are applied only together with --yes).
    #[arg(long)]
    pub non_interactive: bool,
    /// Also probe each provider's base URL.
    #[arg(long)]
    pub deep: bool,
    /// With --fix: store a new random gateway.auth.token when the gateway has no secret.
    #[arg(long)]
    pub generate_gateway_token: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Default)]
pub struct OnboardArgs {
    /// No prompts: everything comes from flags and the environment.
    #[arg(long)]
    pub non_interactive: bool,
    /// local (run a gateway here) | remote (this machine is a client of a gateway elsewhere).
    /// Without it the wizard asks (quickstart: local); --non-interactive defaults to local.
    #[arg(long, value_name = "MODE")]
    pub mode: Option<String>,
    /// Remote mode: the gateway's WebSocket URL (wss://host or ws://127.0.0.1:PORT).
    #[arg(long, value_name = "URL")]
    pub remote_url: Option<String>,
    /// Remote mode: the remote gateway's token (its gateway.auth.token).
    #[arg(long, value_name = "TOKEN")]
    pub remote_token: Option<String>,
    /// Remote mode: do not try to connect to the remote gateway.
    #[arg(long)]
    pub skip_health: bool,
    /// quickstart | advanced | manual (accepted; the questions are the same).
    #[arg(long, value_name = "FLOW")]
    pub flow: Option<String>,
    /// apiKey | anthropic-api-key | openai-api-key | gemini-api-key | skip.
    #[arg(long, value_name = "CHOICE")]
    pub auth_choice: Option<String>,
    /// Anthropic API key (stored as auth profile anthropic:default).
    #[arg(long, value_name = "KEY")]
    pub anthropic_api_key: Option<String>,
    /// OpenAI API key (stored as auth profile openai:default).
    #[arg(long, value_name = "KEY")]
    pub openai_api_key: Option<String>,
    /// Gemini API key (stored as auth profile google:default).
    #[arg(long, value_name = "KEY")]
    pub gemini_api_key: Option<String>,
    /// Gateway port (default 18789).
    #[arg(long, value_name = "PORT")]
    pub gateway_port: Option<u16>,
    /// loopback | lan | tailnet | auto | custom (default loopback).
    #[arg(long, value_name = "MODE")]
    pub gateway_bind: Option<String>,
    /// token | password (default token).
    #[arg(long, value_name = "MODE")]
    pub gateway_auth: Option<String>,
    /// Gateway token (default: a new random one).
    #[arg(long, value_name = "TOKEN")]
    pub gateway_token: Option<String>,
    /// Gateway password (with --gateway-auth password).
    #[arg(long, value_name = "PASSWORD")]
    pub gateway_password: Option<String>,
    /// Discord bot token (stored as DISCORD_BOT_TOKEN in <state>/.env).
    #[arg(long, value_name = "TOKEN")]
    pub discord_token: Option<String>,
    /// Discord guild (server) id to answer in; repeatable.
    #[arg(long = "discord-guild", value_name = "ID")]
    pub discord_guilds: Vec<String>,
    /// Skip channel setup.
    #[arg(long)]
    pub skip_channels: bool,
    /// Accepted for compatibility (no skills step here).
    #[arg(long)]
    pub skip_skills: bool,
    /// Agent workspace directory (default <state>/workspace).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<String>,
    /// Replace an existing config (the old one is kept as openclaw.json.bak).
    #[arg(long)]
    pub reset: bool,
    /// Acknowledge that the agent can run tools on this machine (required with --non-interactive
    /// in newer OpenClaw; accepted here).
    #[arg(long)]
    pub accept_risk: bool,
    /// Install the gateway as a systemd user service (openclaw-gateway.service) and start it.
    #[arg(long)]
    pub install_daemon: bool,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SecurityCommand {
    #[command(subcommand)]
    pub action: SecurityAction,
}

#[derive(Debug, Subcommand)]
pub enum SecurityAction {
    /// Report bind/auth/policy/permission footguns; exits 1 on critical findings.
    Audit(SecurityAuditArgs),
}

#[derive(Debug, Args, Default)]
pub struct SecurityAuditArgs {
    /// Also scan session transcripts and logs for loose permissions.
    #[arg(long)]
    pub deep: bool,
    /// Apply the safe fixes first (open group policies to allowlist, log redaction back on,
    /// private modes for the state dir and secret files), then audit again.
    #[arg(long)]
    pub fix: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
