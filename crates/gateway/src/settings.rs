//! Start-up settings resolved from CLI flags, environment and config, with OpenClaw's precedence
//! rules and its exact refusal messages (spec §1.1, §2.1, §7.5).

use std::net::IpAddr;

use openclaw_config::{Config, Env};

use crate::bind::{self, BindMode};
use crate::ratelimit::RateLimitPolicy;

/// Default port when nothing sets one.
pub const DEFAULT_PORT: u16 = 18789;

/// What the command line asked for; kept across in-process restarts.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub port: Option<u16>,
    pub bind: Option<BindMode>,
    pub auth_mode: Option<AuthMode>,
    pub token: Option<String>,
    pub password: Option<String>,
    pub allow_unconfigured: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    Token,
    Password,
}

impl AuthMode {
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "token" => Some(Self::Token),
            "password" => Some(Self::Password),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Password => "password",
        }
    }
}

/// OpenClaw's message for a bad `--auth`.
pub const INVALID_AUTH_MESSAGE: &str = "Invalid --auth (use \"token\" or \"password\")";
/// OpenClaw's message for a bad `--port` / `OPENCLAW_GATEWAY_PORT`.
pub const INVALID_PORT_MESSAGE: &str = "Invalid port";

/// Parses a port the way OpenClaw does: a positive integer.
pub fn parse_port(value: &str) -> Option<u16> {
    value.trim().parse::<u16>().ok().filter(|p| *p > 0)
}

/// The gateway's shared secret, resolved.
#[derive(Clone)]
pub struct AuthSettings {
    pub mode: AuthMode,
    pub token: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthSettings")
            .field("mode", &self.mode)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl AuthSettings {
    /// The secret for the active mode.
    pub fn active_secret(&self) -> Option<&str> {
        match self.mode {
            AuthMode::Token => self.token.as_deref(),
            AuthMode::Password => self.password.as_deref(),
        }
    }

    /// Every secret worth scrubbing from logs.
    pub fn secrets(&self) -> Vec<String> {
        self.token
            .iter()
            .chain(self.password.iter())
            .cloned()
            .collect()
    }
}

/// Everything needed to open the listener and check clients.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    pub port: u16,
    pub bind: BindMode,
    pub host: IpAddr,
    pub auth: AuthSettings,
    pub rate_limit: RateLimitPolicy,
}

/// A refusal to start; `Display` is the exact text printed to stderr before exit 1.
#[derive(Debug, thiserror::Error)]
pub enum StartRefusal {
    #[error("{0}")]
    Message(String),
}

fn refuse(msg: impl Into<String>) -> StartRefusal {
    StartRefusal::Message(msg.into())
}

fn non_empty(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Resolves port precedence: `--port` > `OPENCLAW_GATEWAY_PORT` > `gateway.port` > 18789.
pub fn resolve_port(
    overrides: &Overrides,
    env: &Env,
    config: &Config,
) -> Result<u16, StartRefusal> {
    if let Some(p) = overrides.port {
        return Ok(p);
    }
    if let Some(raw) = env.openclaw("GATEWAY_PORT") {
        return parse_port(&raw).ok_or_else(|| {
            refuse(format!(
                "{INVALID_PORT_MESSAGE}: OPENCLAW_GATEWAY_PORT={raw:?} is not a port number (1-65535)"
            ))
        });
    }
    Ok(config.gateway_port())
}

/// Resolves auth: `--token`/`--password` beat config, config beats env (OpenClaw's rule).
pub fn resolve_auth(overrides: &Overrides, env: &Env, config: &Config) -> AuthSettings {
    let auth = config.gateway.as_ref().and_then(|g| g.auth.as_ref());
    let token = non_empty(overrides.token.as_deref())
        .or_else(|| non_empty(auth.and_then(|a| a.token.as_deref())))
        .or_else(|| non_empty(env.openclaw("GATEWAY_TOKEN").as_deref()));
    let password = non_empty(overrides.password.as_deref())
        .or_else(|| non_empty(auth.and_then(|a| a.password.as_deref())))
        .or_else(|| non_empty(env.openclaw("GATEWAY_PASSWORD").as_deref()));
    let configured_mode = config
        .gateway_auth_mode()
        .and_then(|m| AuthMode::parse(m.as_str()));
    let mode = overrides
        .auth_mode
        .or(configured_mode)
        .unwrap_or(if password.is_some() {
            AuthMode::Password
        } else {
            AuthMode::Token
        });
    AuthSettings {
        mode,
        token,
        password,
    }
}

/// The mode guard (spec §2.1 step 4).
pub fn check_mode_guard(
    overrides: &Overrides,
    config: &Config,
    config_exists: bool,
) -> Result<(), StartRefusal> {
    if overrides.allow_unconfigured {
        return Ok(());
    }
    let mode = config.gateway_mode().map(|m| m.as_str());
    if mode == Some("local") {
        return Ok(());
    }
    if !config_exists {
        return Err(refuse(
            "Missing config. Run `openclaw setup` or set gateway.mode=local (or pass --allow-unconfigured).",
        ));
    }
    Err(refuse(format!(
        "Gateway start blocked: set gateway.mode=local (current: {}) or pass --allow-unconfigured.",
        mode.unwrap_or("unset")
    )))
}

/// Bind + auth validation (spec §2.1 step 5).
pub fn resolve_serve(
    overrides: &Overrides,
    env: &Env,
    config: &Config,
) -> Result<ServeSettings, StartRefusal> {
    let port = resolve_port(overrides, env, config)?;
    let bind = overrides.bind.unwrap_or_else(|| {
        BindMode::parse(config.bind_mode().as_str()).unwrap_or(BindMode::Loopback)
    });
    let host = bind::resolve_host(bind, config.custom_bind_host());
    let auth = resolve_auth(overrides, env, config);
    let mut hints = Vec::new();
    if let Some(gateway) = config.gateway.as_ref() {
        if gateway.token.is_some() {
            hints.push("Found \"gateway.token\" in config. Use \"gateway.auth.token\" instead.");
        }
        if gateway.remote.as_ref().is_some_and(|r| r.token.is_some()) {
            hints.push(
                "\"gateway.remote.token\" is for remote CLI calls; it does not enable local gateway auth.",
            );
        }
    }
    let with_hints = |mut msg: String| {
        for hint in &hints {
            msg.push('\n');
            msg.push_str(hint);
        }
        refuse(msg)
    };
    if auth.active_secret().is_none() {
        if !bind::is_loopback_host(host) {
            return Err(with_hints(format!(
                "Refusing to bind gateway to {} without auth.\nSet gateway.auth.token/password (or OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD) or pass --token/--password.",
                bind.as_str()
            )));
        }
        return Err(with_hints(format!(
            "Gateway auth is set to {}, but no {} is configured.\nSet gateway.auth.{} (or OPENCLAW_GATEWAY_{}), or pass --{}.",
            auth.mode.as_str(),
            auth.mode.as_str(),
            auth.mode.as_str(),
            auth.mode.as_str().to_uppercase(),
            auth.mode.as_str()
        )));
    }
    Ok(ServeSettings {
        port,
        bind,
        host,
        auth,
        rate_limit: rate_limit_policy(config),
    })
}

/// `gateway.auth.rateLimit` with defaults.
pub fn rate_limit_policy(config: &Config) -> RateLimitPolicy {
    let mut policy = RateLimitPolicy::default();
    if let Some(rl) = config
        .gateway
        .as_ref()
        .and_then(|g| g.auth.as_ref())
        .and_then(|a| a.rate_limit.as_ref())
    {
        if let Some(v) = rl.max_attempts {
            policy.max_attempts = v;
        }
        if let Some(v) = rl.window_ms {
            policy.window = std::time::Duration::from_millis(v);
        }
        if let Some(v) = rl.lockout_ms {
            policy.lockout = std::time::Duration::from_millis(v);
        }
        if let Some(v) = rl.exempt_loopback {
            policy.exempt_loopback = v;
        }
    }
    policy
}
