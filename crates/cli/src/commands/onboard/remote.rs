//! `openclaw onboard --mode remote`: this machine becomes a client of a gateway that runs
//! elsewhere (a VPS, a Fly.io app, another computer on the tailnet). Only `gateway.mode` and
//! `gateway.remote` are written, merged into an existing config like OpenClaw does; nothing about
//! model providers or channels (the remote gateway has its own). The remote gateway is then tried
//! once: an unreachable one is a warning, because the config is right even when the gateway is
//! down right now.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::time::Duration;

use openclaw_config::{self as cfg, Env};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::http::Uri;

use crate::args::OnboardArgs;
use crate::context::Context;
use crate::rpc::{Client, RpcError, Target};

/// OpenClaw's suggestion when nothing is configured yet (a tunnel to a remote gateway).
pub const DEFAULT_REMOTE_URL: &str = "ws://127.0.0.1:18789";
/// OpenClaw's break-glass for plain `ws://` to hosts it cannot tell are private.
const ALLOW_INSECURE_ENV: &str = "OPENCLAW_ALLOW_INSECURE_PRIVATE_WS";
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteAuth {
    None,
    Token(String),
    Password(String),
}

impl RemoteAuth {
    pub fn label(&self) -> &'static str {
        match self {
            RemoteAuth::None => "none",
            RemoteAuth::Token(_) => "token",
            RemoteAuth::Password(_) => "password",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RemotePlan {
    pub url: String,
    pub auth: RemoteAuth,
    pub probe: bool,
}

/// What trying the remote gateway showed.
#[derive(Debug, Clone)]
pub enum Probe {
    Skipped,
    /// Handshake accepted; the server's version when it says.
    Answered {
        version: Option<String>,
    },
    /// The gateway answered but refused this client (wrong token, pairing, …).
    Refused(String),
    /// Nothing answered, or not as a gateway.
    Unreachable(String),
}

impl Probe {
    fn json(&self) -> Value {
        match self {
            Probe::Skipped => json!({"status": "skipped"}),
            Probe::Answered { version } => json!({"status": "ok", "serverVersion": version}),
            Probe::Refused(message) => json!({"status": "refused", "message": message}),
            Probe::Unreachable(message) => json!({"status": "unreachable", "message": message}),
        }
    }
}

/// Checks a remote gateway URL: `ws://` or `wss://` with a host. Plain `ws://` carries the token
/// and every message in clear, so (as OpenClaw's wizard does) it is only accepted for hosts that
/// are not on the public internet, unless OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1.
pub fn check_url(text: &str, env: &Env) -> Result<String, String> {
    let url = text.trim();
    if url.is_empty() {
        return Err(
            "Missing --remote-url: remote mode needs the gateway's WebSocket URL, e.g. wss://my-gateway.fly.dev or ws://127.0.0.1:18789 through an SSH tunnel."
                .into(),
        );
    }
    let uri: Uri = url.parse().map_err(|e| {
        format!("Invalid remote gateway URL {url:?} ({e}): use ws://host:port or wss://host.")
    })?;
    let host = uri.host().unwrap_or("").trim_matches(['[', ']']);
    let scheme = uri.scheme_str().unwrap_or("");
    match scheme {
        "ws" | "wss" if host.is_empty() => Err(format!(
            "Invalid remote gateway URL {url:?}: it has no host; use ws://host:port or wss://host."
        )),
        "wss" => Ok(url.to_owned()),
        "ws" if private_host(host) || env.get(ALLOW_INSECURE_ENV) == Some("1") => {
            Ok(url.to_owned())
        }
        "ws" => Err(format!(
            "Refusing {url}: with ws:// the token and every message cross the internet unencrypted. Use wss:// (e.g. wss://<app>.fly.dev), or an SSH tunnel and ws://127.0.0.1:18789; on a trusted private network set {ALLOW_INSECURE_ENV}=1."
        )),
        "http" | "https" => Err(format!(
            "Invalid remote gateway URL {url:?}: the gateway speaks WebSocket; use {}://{} instead.",
            if scheme == "https" { "wss" } else { "ws" },
            url.split_once("://").map_or(url, |(_, rest)| rest)
        )),
        _ => Err(format!(
            "Invalid remote gateway URL {url:?}: it must start with ws:// or wss://."
        )),
    }
}

/// Hosts a plain `ws://` connection may go to: loopback, private and tailnet (CGNAT) addresses,
/// IPv6 unique-local (Fly.io's private network) and link-local, and names that only resolve
/// inside such networks.
fn private_host(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if host == "localhost"
        || [".localhost", ".local", ".ts.net", ".internal"]
            .iter()
            .any(|suffix| host.ends_with(suffix))
    {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => private_v4(ip),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback()
                || ip.to_ipv4_mapped().is_some_and(private_v4)
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
                || ip == Ipv6Addr::UNSPECIFIED
        }
        Err(_) => false,
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || (a == 100 && (64..128).contains(&b))
}

pub fn from_flags(args: &OnboardArgs, env: &Env) -> Result<RemotePlan, String> {
    let url = check_url(args.remote_url.as_deref().unwrap_or(""), env)?;
    let auth = match args.remote_token.as_deref().map(str::trim) {
        None => RemoteAuth::None,
        Some("") => return Err("--remote-token is empty: pass the remote gateway's token, or leave the flag out for a gateway without auth.".into()),
        Some(token) => RemoteAuth::Token(token.to_owned()),
    };
    Ok(RemotePlan {
        url,
        auth,
        probe: !args.skip_health,
    })
}

/// The existing config's `gateway.remote.url`, to suggest it again.
pub fn configured_url(ctx: &Context) -> Option<String> {
    let loaded = cfg::load(&ctx.paths.config_path, &ctx.env).ok()?;
    loaded
        .parsed
        .pointer("/gateway/remote/url")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Connects once (handshake only) with the plan's credentials.
pub fn probe(plan: &RemotePlan) -> Probe {
    if !plan.probe {
        return Probe::Skipped;
    }
    let (token, password) = match &plan.auth {
        RemoteAuth::None => (None, None),
        RemoteAuth::Token(t) => (Some(t.clone()), None),
        RemoteAuth::Password(p) => (None, Some(p.clone())),
    };
    let target = Target {
        url: plan.url.clone(),
        token,
        password,
        timeout: PROBE_TIMEOUT,
    };
    // `onboard` runs synchronously inside the CLI's runtime (prompts block); a private runtime
    // on its own thread keeps this independent of how the caller's runtime is built.
    let outcome = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| Probe::Unreachable(format!("cannot start a runtime: {e}")))?;
                runtime.block_on(async {
                    let (client, hello) = Client::connect(target).await.map_err(classify)?;
                    client.close().await;
                    Ok::<_, Probe>(hello)
                })
            })
            .join()
    });
    match outcome {
        Ok(Ok(hello)) => Probe::Answered {
            version: hello
                .pointer("/server/version")
                .and_then(Value::as_str)
                .map(str::to_owned),
        },
        Ok(Err(probe)) => probe,
        Err(_) => Probe::Unreachable("the connection attempt failed unexpectedly".into()),
    }
}

fn classify(err: RpcError) -> Probe {
    match err {
        RpcError::Rejected { message, .. } => Probe::Refused(message),
        RpcError::Closed {
            reason: Some(reason),
        } if reason.starts_with("1008") => Probe::Refused(reason),
        RpcError::Unreachable { reason, .. } => Probe::Unreachable(reason),
        other => Probe::Unreachable(other.to_string()),
    }
}

pub struct RemoteApplied {
    pub config_path: PathBuf,
    pub backup: Option<PathBuf>,
}

/// Sets `gateway.mode` and `gateway.remote` in the existing config (or a new one; `reset`
/// starts from nothing). Everything else in the file stays.
pub fn apply(ctx: &Context, plan: &RemotePlan, reset: bool) -> Result<RemoteApplied, String> {
    let mut config = if reset {
        json!({})
    } else {
        let loaded = cfg::load(&ctx.paths.config_path, &ctx.env)
            .map_err(|e| format!("Cannot read the existing config: {e}"))?;
        if loaded.exists && !loaded.is_valid() {
            return Err(format!(
                "The existing config {} has problems, so remote settings were not merged into it:\n{}\nFix them (`openclaw doctor`), or pass --reset to start from a new config (the old one is kept as openclaw.json.bak).",
                ctx.paths.config_path.display(),
                loaded.issues_text()
            ));
        }
        loaded.parsed
    };
    let mut remote = json!({"url": plan.url});
    match &plan.auth {
        RemoteAuth::None => {}
        RemoteAuth::Token(token) => remote["token"] = json!(token),
        RemoteAuth::Password(password) => remote["password"] = json!(password),
    }
    cfg::set_path(&mut config, "gateway.mode", json!("remote"))
        .and_then(|()| cfg::set_path(&mut config, "gateway.remote", remote))
        .map_err(|e| format!("Cannot set the remote gateway in the config: {e}"))?;
    let outcome = cfg::write_config(
        &ctx.paths.config_path,
        &config,
        &ctx.env,
        cfg::COMPAT_VERSION,
    )
    .map_err(|err| match err {
        cfg::ConfigWriteError::Invalid { issues, .. } => format!(
            "The config would be invalid with the remote settings: {}",
            issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => format!("Cannot write the config: {other}"),
    })?;
    Ok(RemoteApplied {
        config_path: outcome.path,
        backup: outcome.backup,
    })
}

pub fn summary_json(plan: &RemotePlan, applied: &RemoteApplied, probe: &Probe) -> Value {
    json!({
        "mode": "remote",
        "configPath": applied.config_path.display().to_string(),
        "backup": applied.backup.as_ref().map(|p| p.display().to_string()),
        "remoteUrl": plan.url,
        "auth": plan.auth.label(),
        "probe": probe.json(),
        "next": "openclaw health",
    })
}

pub fn print_summary(plan: &RemotePlan, applied: &RemoteApplied, probe: &Probe) {
    println!(
        "Wrote {} (gateway.mode remote)",
        applied.config_path.display()
    );
    if let Some(backup) = &applied.backup {
        println!("Previous config kept as {}", backup.display());
    }
    println!("Remote gateway: {} ({} auth)", plan.url, plan.auth.label());
    report_probe(plan, probe);
    println!("Next: openclaw health");
}

/// Tells how the remote gateway answered; problems go to stderr as warnings.
pub fn report_probe(plan: &RemotePlan, probe: &Probe) {
    match probe {
        Probe::Skipped => {}
        Probe::Answered { version } => println!(
            "The gateway answered{}.",
            version
                .as_deref()
                .map(|v| format!(" (version {v})"))
                .unwrap_or_default()
        ),
        Probe::Refused(message) => eprintln!(
            "Warning: the gateway at {} answered but refused this client: {message}. Check the token or password (they must match the remote gateway's gateway.auth.*).",
            plan.url
        ),
        Probe::Unreachable(message) => eprintln!(
            "Warning: no gateway answered at {} ({message}). The config is written anyway; start the remote gateway (or the SSH tunnel) and run `openclaw health`.",
            plan.url
        ),
    }
}
