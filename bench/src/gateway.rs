//! Starting the release binary in a throw-away state dir, and reading its resource usage from
//! `/proc`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

pub const TOKEN: &str = "bench-token";

/// How long a gateway may take to answer `/health` before the bench gives up.
const HEALTHY_WITHIN: Duration = Duration::from_secs(20);

/// The release binary: `$OPENCLAW_BIN`, else `openclaw` next to the bench binary.
pub fn binary() -> anyhow::Result<PathBuf> {
    if let Ok(path) = std::env::var("OPENCLAW_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("no parent dir of the bench binary")?;
    let candidate = dir.join("openclaw");
    if candidate.exists() {
        return Ok(candidate);
    }
    bail!(
        "release binary not found at {}; run `cargo build --release -p openclaw` first or set OPENCLAW_BIN",
        candidate.display()
    )
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running gateway; killed (and its state dir removed) on drop.
pub struct Gateway {
    child: Child,
    pub port: u16,
    state: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gateway {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn state_dir(&self) -> &Path {
        self.state.path()
    }

    /// Polls `/health` until it answers 200; a gateway that exited says so, with its log tail.
    pub async fn wait_healthy(&mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            if health_ok(self.port) {
                return Ok(started.elapsed());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the gateway exited ({status}) before becoming healthy; its log:\n{}",
                    self.log_tail()
                );
            }
            if started.elapsed() > HEALTHY_WITHIN {
                bail!(
                    "the gateway did not answer /health within {HEALTHY_WITHIN:?}; its log:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The last lines of the gateway's file log (for error messages).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.state.path().join("gateway.log"))
            .unwrap_or_else(|err| format!("(no log: {err})"));
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

/// Writes `config` (plus a file log in the state dir) and spawns `openclaw gateway`; returns
/// with the process started, not yet healthy.
pub fn spawn(bin: &Path, config: Value) -> anyhow::Result<(Gateway, Instant)> {
    spawn_with_env(bin, config, &[])
}

/// [`spawn`] with extra environment variables.
pub fn spawn_with_env(
    bin: &Path,
    mut config: Value,
    env: &[(&str, &str)],
) -> anyhow::Result<(Gateway, Instant)> {
    let state = tempfile::tempdir()?;
    let port = free_port()?;
    let log = state.path().join("gateway.log");
    if let Some(map) = config.as_object_mut() {
        map.insert("logging".into(), json!({"file": log}));
    }
    std::fs::write(state.path().join("openclaw.json"), config.to_string())?;
    let started = Instant::now();
    let child = Command::new(bin)
        .args(["gateway", "--port", &port.to_string(), "--token", TOKEN])
        .env("OPENCLAW_STATE_DIR", state.path())
        .env("HOME", state.path())
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    Ok((Gateway { child, port, state }, started))
}

/// The minimal config of the start-up benchmarks.
pub fn minimal_config() -> Value {
    json!({"gateway": {"mode": "local"}})
}

/// The agent-turn config: token auth, the OpenAI-compatible endpoint on, and one model served
/// by the fake at `fake_base_url`.
pub fn turns_config(fake_base_url: &str) -> Value {
    json!({
        "gateway": {
            "mode": "local",
            "bind": "loopback",
            "auth": {"mode": "token", "token": TOKEN},
            "http": {"endpoints": {"chatCompletions": {"enabled": true}}},
        },
        "agents": {"defaults": {"model": {"primary": "fake/fake-1"}, "maxConcurrent": 64}},
        "models": {"providers": {"fake": {
            "baseUrl": fake_base_url,
            "api": "openai-completions",
            "apiKey": "sk-bench",
            "models": [{"id": "fake-1", "name": "Fake", "contextWindow": 128000}],
        }}},
    })
}

pub fn health_ok(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(50)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    stream.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1 200")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_config_points_the_model_at_the_fake() {
        let config = turns_config("http://127.0.0.1:9/v1");
        assert_eq!(
            config["models"]["providers"]["fake"]["baseUrl"],
            "http://127.0.0.1:9/v1"
        );
        assert_eq!(
            config["agents"]["defaults"]["model"]["primary"],
            "fake/fake-1"
        );
        assert_eq!(config["gateway"]["auth"]["token"], TOKEN);
    }
}
