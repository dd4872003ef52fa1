//! End-to-end tests of `openclaw gateway` start-up, run as real processes: the listening line,
//! every start-up refusal, flag/env/config precedence, the single-instance lock, port
//! conflicts and `--force`, the HTTP probes and `/metrics`, graceful shutdown on SIGTERM/SIGINT,
//! and console/file logging (spec `openclaw-behavior.md` §1.1, §1.2, §1.4, §2.1, §2.2, §2.5,
//! §2.6, §2.7).
//!
//! Every gateway runs in its own temporary state directory on a free loopback port, with a
//! config whose `logging.file` points inside that directory, so tests never share state or
//! `/tmp/openclaw`. Waits are generous and return as soon as their condition holds; nothing
//! passes or fails on timing except the lock's documented "fails fast" bound.
//!
//! The tests are split by topic into `tests/startup/*.rs`; this file holds the shared helpers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use openclaw_testkit::{
    CliOutput, GatewayProcess, GatewaySpawn, HandshakeOptions, StateDir, WsClient, run_cli,
};
use serde_json::{Value, json};
use tempfile::TempDir;

#[path = "startup/lifecycle.rs"]
mod lifecycle;
#[path = "startup/lock.rs"]
mod lock;
#[path = "startup/precedence.rs"]
mod precedence;
#[path = "startup/probes.rs"]
mod probes;
#[path = "startup/refusals.rs"]
mod refusals;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_openclaw");
/// Upper bound for a gateway to come up on a loaded 2-core machine (returns as soon as it does).
pub const START_TIMEOUT: Duration = Duration::from_secs(20);
/// Upper bound for a process to exit after being told to.
pub const EXIT_TIMEOUT: Duration = Duration::from_secs(20);
/// Shared token used by most tests.
pub const TOKEN: &str = "startup-e2e-token";

/// Path of a fixture under `tests/fixtures/startup/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/startup")
        .join(name)
}

/// `config` with `logging.file` set to `<state>/gateway.log` (unless the config sets one).
pub fn with_log_file(mut config: Value, state: &Path) -> Value {
    let file = state.join("gateway.log").display().to_string();
    let root = config
        .as_object_mut()
        .expect("config must be a JSON object");
    let logging = root.entry("logging").or_insert_with(|| json!({}));
    if let Some(logging) = logging.as_object_mut() {
        logging.entry("file").or_insert_with(|| json!(file));
    }
    config
}

/// A gateway with `config` (plus a private log file) in a fresh temporary state dir.
pub fn gateway(config: Value) -> GatewaySpawn {
    let state = tempfile::tempdir().expect("temp state dir");
    let config = with_log_file(config, state.path());
    GatewaySpawn::new(BIN)
        .state_dir(StateDir::Temp(state))
        .config_json(config)
}

/// `{"gateway": {"mode": "local", ...gateway}}`: a config that passes the mode guard.
pub fn local(gateway: Value) -> Value {
    let mut section = json!({"mode": "local"});
    if let (Some(section), Some(extra)) = (section.as_object_mut(), gateway.as_object()) {
        section.extend(extra.clone());
    }
    json!({ "gateway": section })
}

/// A free loopback port that no other test can be handed at the same time.
///
/// The kit's `free_port()` binds port 0 and releases it, so two tests running in parallel can
/// be given the same ephemeral port; here that is worse than a flaky bind, because `--force`
/// kills whatever listens on its port. Ports below the kernel's ephemeral range are never
/// handed out by a bind to port 0, and this process remembers which ones it gave out.
pub fn unique_port() -> u16 {
    openclaw_testkit::free_port().expect("a free loopback port")
}

/// Spawns the gateway; adds `--port <unique_port()>` unless the arguments name a port.
pub async fn spawn(mut spec: GatewaySpawn) -> GatewayProcess {
    if !spec
        .args
        .iter()
        .any(|a| a == "--port" || a.starts_with("--port="))
    {
        spec.args.push("--port".into());
        spec.args.push(unique_port().to_string());
    }
    GatewayProcess::spawn(spec).await.expect("spawn gateway")
}

/// Spawns and waits until `GET /health` answers 200 and start-up has finished
/// (`gateway ready`; the listener answers probes slightly before that).
pub async fn start(spec: GatewaySpawn) -> GatewayProcess {
    let mut gw = spawn(spec).await;
    gw.wait_healthy(START_TIMEOUT).await.expect("gateway up");
    gw.wait_for_line("[gateway] gateway ready", START_TIMEOUT)
        .await
        .expect("gateway ready");
    gw
}

/// The credential a test client presents.
#[derive(Debug, Clone, Copy)]
pub enum Secret<'a> {
    Token(&'a str),
    Password(&'a str),
}

/// Whether a CLI-shaped client presenting `secret` gets `hello-ok`.
pub async fn accepts(gw: &GatewayProcess, secret: Secret<'_>) -> bool {
    let mut options = HandshakeOptions::default();
    match secret {
        Secret::Token(t) => options.token = Some(t.to_owned()),
        Secret::Password(p) => options.password = Some(p.to_owned()),
    }
    let handshake = WsClient::handshake(&gw.url(), &options)
        .await
        .expect("WebSocket handshake ran");
    handshake.result.is_ok()
}

/// A temporary HOME with the state dir at `$HOME/.openclaw`, for one-shot CLI runs that are
/// expected to exit (refusals).
pub struct Sandbox {
    home: TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Self {
        let home = tempfile::tempdir().expect("temp home");
        std::fs::create_dir_all(home.path().join(".openclaw")).expect("state dir");
        Sandbox { home }
    }

    pub fn state_dir(&self) -> PathBuf {
        self.home.path().join(".openclaw")
    }

    pub fn config_path(&self) -> PathBuf {
        self.state_dir().join("openclaw.json")
    }

    /// Writes `config` (with a private log file) as `openclaw.json`.
    pub fn write_config(&self, config: Value) {
        let config = with_log_file(config, &self.state_dir());
        std::fs::write(self.config_path(), config.to_string()).expect("write config");
    }

    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("HOME".into(), self.home.path().display().to_string()),
            (
                "OPENCLAW_STATE_DIR".into(),
                self.state_dir().display().to_string(),
            ),
        ]
    }

    /// Runs `openclaw args…` with this sandbox's environment plus `extra_env`.
    pub async fn run(&self, args: &[&str], extra_env: &[(&str, &str)]) -> CliOutput {
        let mut env = self.env();
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        run_cli(Path::new(BIN), args, &env)
            .await
            .expect("CLI run finished")
    }
}

/// stderr without console log lines (`[subsystem] …`): what the command itself printed.
pub fn message_lines(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|line| !line.starts_with('['))
        .map(str::to_owned)
        .collect()
}

/// Asserts a refusal: exit code 1 and `expected` as the first lines of the message.
pub fn assert_refused(out: &CliOutput, expected: &[&str]) {
    let lines = message_lines(&out.stderr);
    assert_eq!(
        out.code(),
        Some(1),
        "expected exit code 1; stdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        lines.len() >= expected.len() && lines[..expected.len()] == *expected,
        "expected the message to start with {expected:#?}\nstderr:\n{}",
        out.stderr
    );
}
