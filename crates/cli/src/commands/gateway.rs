//! `openclaw gateway [run]`: validate flags with OpenClaw's messages, then run the server.

use std::process::ExitCode;

use openclaw_gateway::bind::{BindMode, INVALID_BIND_MESSAGE};
use openclaw_gateway::settings::{self, AuthMode};
use openclaw_gateway::{Overrides, RunRequest};

use crate::args::GatewayRunArgs;
use crate::context::Context;

fn refuse(message: &str) -> anyhow::Result<ExitCode> {
    eprintln!("{message}");
    Ok(ExitCode::FAILURE)
}

pub async fn run(ctx: &Context, args: GatewayRunArgs, dev: bool) -> anyhow::Result<ExitCode> {
    let port = match args.port.as_deref() {
        None => None,
        Some(raw) => match settings::parse_port(raw) {
            Some(p) => Some(p),
            None => return refuse(settings::INVALID_PORT_MESSAGE),
        },
    };
    let bind = match args.bind.as_deref() {
        None => None,
        Some(raw) => match BindMode::parse(raw) {
            Some(b) => Some(b),
            None => return refuse(INVALID_BIND_MESSAGE),
        },
    };
    let auth_mode = match args.auth.as_deref() {
        None => None,
        Some(raw) => match AuthMode::parse(raw) {
            Some(m) => Some(m),
            None => return refuse(settings::INVALID_AUTH_MESSAGE),
        },
    };
    if dev {
        ensure_dev_config(ctx)?;
    }
    let request = RunRequest {
        env: ctx.env.clone(),
        paths: ctx.paths.clone(),
        overrides: Overrides {
            port,
            bind,
            auth_mode,
            token: args.token,
            password: args.password,
            allow_unconfigured: args.allow_unconfigured,
        },
        force: args.force,
        verbose: args.verbose,
        version: env!("CARGO_PKG_VERSION"),
    };
    match openclaw_gateway::run(request).await {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(err) => refuse(&err.to_string()),
    }
}

/// Port of the dev profile (OpenClaw: 19001).
const DEV_PORT: u16 = 19001;

/// `--dev`: create a minimal local config with a fresh token if there is none yet.
fn ensure_dev_config(ctx: &Context) -> anyhow::Result<()> {
    if ctx.paths.config_path.exists() {
        return Ok(());
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let config = serde_json::json!({
        "gateway": {
            "mode": "local",
            "bind": "loopback",
            "port": DEV_PORT,
            "auth": {"mode": "token", "token": token},
        }
    });
    openclaw_config::write_config(
        &ctx.paths.config_path,
        &config,
        &ctx.env,
        openclaw_config::COMPAT_VERSION,
    )
    .map_err(|e| anyhow::anyhow!("cannot create the dev config: {e}"))?;
    eprintln!(
        "Created dev config {} (token in gateway.auth.token).",
        ctx.paths.config_path.display()
    );
    Ok(())
}
