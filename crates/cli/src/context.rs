//! Environment and paths every command starts from: process env + `.env` files, profile
//! handling (`--dev`, `--profile`), and where the local gateway is.

use std::time::Duration;

use openclaw_config::{self as cfg, Env, StatePaths};
use serde_json::Value;

use crate::args::{Cli, ConnectArgs};
use crate::rpc::Target;

pub struct Context {
    pub env: Env,
    pub paths: StatePaths,
}

impl Context {
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Self> {
        let mut env = Env::from_process();
        if cli.no_color {
            env.set("NO_COLOR", "1");
        }
        let home = env.home_dir().ok_or_else(|| {
            anyhow::anyhow!("cannot find the home directory: set HOME or OPENCLAW_STATE_DIR")
        })?;
        let profile = if cli.dev {
            Some("dev".to_string())
        } else {
            cli.profile.clone().or_else(|| env.openclaw("PROFILE"))
        };
        if let Some(profile) = profile.as_deref() {
            cfg::apply_profile(&mut env, profile, &home)?;
        }
        let paths = StatePaths::resolve(&env, &home);
        let cwd = std::env::current_dir().unwrap_or_else(|_| paths.state_dir.clone());
        cfg::apply_dotenv_files(&mut env, &cwd, &paths.state_dir)?;
        // The dotenv files may set OPENCLAW_STATE_DIR / OPENCLAW_CONFIG_PATH.
        let paths = StatePaths::resolve(&env, &home);
        Ok(Self { env, paths })
    }

    /// The config as a plain value (empty when missing or unreadable), for client defaults.
    fn config_value(&self) -> Value {
        cfg::load(&self.paths.config_path, &self.env)
            .map(|l| l.resolved)
            .unwrap_or(Value::Null)
    }

    /// The port a gateway started here would use: `OPENCLAW_GATEWAY_PORT`, `gateway.port`,
    /// 18789 (0 counts as unset).
    pub fn configured_port(&self) -> u16 {
        Self::port_from(&self.env, &self.config_value())
    }

    fn port_from(env: &Env, config: &Value) -> u16 {
        env.openclaw("GATEWAY_PORT")
            .and_then(|p| p.trim().parse().ok())
            .filter(|p| *p != 0)
            .or_else(|| {
                config
                    .pointer("/gateway/port")
                    .and_then(Value::as_u64)
                    .and_then(|p| u16::try_from(p).ok())
                    .filter(|p| *p != 0)
            })
            .unwrap_or(openclaw_gateway::settings::DEFAULT_PORT)
    }

    /// Where a client command connects: `--url`, else a remote-mode config's
    /// `gateway.remote.url`, else the local gateway — at the port its lock file records, else
    /// `OPENCLAW_GATEWAY_PORT`, `gateway.port`, 18789.
    pub fn target(&self, args: &ConnectArgs) -> Target {
        let config = self.config_value();
        let text = |ptr: &str| {
            config
                .pointer(ptr)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let remote = text("/gateway/mode").as_deref() == Some("remote");
        let url = args
            .url
            .clone()
            .or_else(|| remote.then(|| text("/gateway/remote/url")).flatten())
            .unwrap_or_else(|| {
                let running = openclaw_gateway::lock::probe_running(&self.paths.state_dir)
                    .and_then(|g| g.port);
                let port = running.unwrap_or_else(|| Self::port_from(&self.env, &config));
                format!("ws://127.0.0.1:{port}")
            });
        let (token_ptr, password_ptr) = if remote {
            ("/gateway/remote/token", "/gateway/remote/password")
        } else {
            ("/gateway/auth/token", "/gateway/auth/password")
        };
        let token = args
            .token
            .clone()
            .or_else(|| self.env.openclaw("GATEWAY_TOKEN"))
            .or_else(|| text(token_ptr))
            .or_else(|| text("/gateway/remote/token"));
        let password = args
            .password
            .clone()
            .or_else(|| self.env.openclaw("GATEWAY_PASSWORD"))
            .or_else(|| text(password_ptr));
        Target {
            url,
            token,
            password,
            timeout: Duration::from_millis(args.timeout.max(1)),
        }
    }
}
