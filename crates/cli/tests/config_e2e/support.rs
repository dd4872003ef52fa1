//! Helpers shared by the config end-to-end tests: fixtures, gateway start-up in a temp state dir
//! with its own log file, WS calls that fail loudly, atomic config edits, and a gateway started
//! *without* `--port` for the tests where `gateway.port` in the file must decide.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openclaw_testkit::{
    GatewayProcess, GatewaySpawn, HandshakeOptions, StateDir, WsClient, free_port, http_get,
};
use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;

/// Shared secret the gateways get through `OPENCLAW_GATEWAY_TOKEN` (the seed config has none,
/// and 2026.1.29 refuses to start without one).
pub const ENV_TOKEN: &str = "config-e2e-env-token-7c41";
/// Start-up, restart and reload waits: generous for a loaded 2-core machine; they return as soon
/// as the condition holds.
pub const WAIT: Duration = Duration::from_secs(20);
/// Per-request timeout.
pub const REQUEST: Duration = Duration::from_secs(15);

pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_openclaw"))
}

fn parse_fixture(name: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("fixture {name} is not JSON: {err}"))
}

/// The Fly guide's seed config, verbatim.
pub fn seed_config() -> Value {
    parse_fixture("seed.json", include_str!("../fixtures/config/seed.json"))
}

/// A valid config with every top-level section of the 2026.1.29 schema.
pub fn all_sections_config() -> Value {
    parse_fixture(
        "all-sections.json",
        include_str!("../fixtures/config/all-sections.json"),
    )
}

pub fn temp_dir(prefix: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("create temp dir")
}

/// Points `logging.file` into `state_dir`, so parallel gateways never share `/tmp/openclaw`.
pub fn with_log_file(mut config: Value, state_dir: &Path) -> Value {
    config["logging"]["file"] = Value::from(state_dir.join("gateway.log").display().to_string());
    config
}

/// Starts `openclaw gateway` on a free loopback port in a fresh state dir holding `config`
/// (plus a `logging.file` inside that dir) and waits until it is ready.
pub async fn start_gateway(config: Value, env: &[(&str, &str)]) -> GatewayProcess {
    let state = temp_dir("openclaw-config-e2e-");
    let config = with_log_file(config, state.path());
    let mut spawn = GatewaySpawn::new(bin())
        .args(["gateway"])
        .env("OPENCLAW_GATEWAY_TOKEN", ENV_TOKEN)
        .state_dir(StateDir::Temp(state))
        .config_json(config);
    for (name, value) in env {
        spawn = spawn.env(*name, *value);
    }
    let mut gateway = GatewayProcess::spawn(spawn).await.expect("spawn gateway");
    gateway.wait_healthy(WAIT).await.expect("gateway healthy");
    // Logged once the config watcher is in place: edits from here on are seen.
    gateway
        .wait_for_line("gateway ready", WAIT)
        .await
        .expect("gateway ready");
    gateway
}

pub async fn connect(url: &str, token: &str) -> WsClient {
    let options = HandshakeOptions {
        token: Some(token.to_string()),
        ..HandshakeOptions::default()
    };
    WsClient::connect_ok(url, &options)
        .await
        .unwrap_or_else(|err| panic!("connect to {url}: {err:#}"))
        .0
}

/// The connect error, for handshakes that must be refused.
pub async fn connect_refused(url: &str, token: &str) -> Value {
    let options = HandshakeOptions {
        token: Some(token.to_string()),
        ..HandshakeOptions::default()
    };
    let handshake = WsClient::handshake(url, &options)
        .await
        .unwrap_or_else(|err| panic!("handshake with {url}: {err:#}"));
    match handshake.result {
        Ok(hello) => panic!("connect with token {token:?} was accepted: {hello}"),
        Err(error) => error,
    }
}

/// Calls `method` and returns its payload; any error response fails the test.
pub async fn call(client: &mut WsClient, method: &str, params: Value) -> Value {
    match client.request(method, params, REQUEST).await {
        Ok(Ok(payload)) => payload,
        Ok(Err(error)) => panic!("{method} answered an error: {error}"),
        Err(err) => panic!("{method} failed on the transport: {err:#}"),
    }
}

/// Calls `method` and returns its error object; a success fails the test.
pub async fn call_error(client: &mut WsClient, method: &str, params: Value) -> Value {
    match client.request(method, params, REQUEST).await {
        Ok(Ok(payload)) => panic!("{method} unexpectedly succeeded: {payload}"),
        Ok(Err(error)) => error,
        Err(err) => panic!("{method} failed on the transport: {err:#}"),
    }
}

/// `(id, name)` of every agent in `agents.list`.
pub async fn agent_names(client: &mut WsClient) -> Vec<(String, Option<String>)> {
    let payload = call(client, "agents.list", serde_json::json!({})).await;
    payload["agents"]
        .as_array()
        .expect("agents.list payload has an agents array")
        .iter()
        .map(|agent| {
            (
                agent["id"].as_str().unwrap_or_default().to_string(),
                agent["name"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// Replaces the config file the way careful editors do (temp file + rename), so the watcher
/// never sees a half-written file.
pub fn write_config_file(path: &Path, config: &Value) {
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(config).expect("render")
    );
    write_text_atomically(path, &text);
}

/// Rewrites the config file in place (truncate + write), as `echo … > openclaw.json` does.
pub fn write_config_in_place(path: &Path, config: &Value) {
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(config).expect("render")
    );
    std::fs::write(path, text).expect("rewrite config in place");
}

pub fn write_text_atomically(path: &Path, text: &str) {
    let temp = path.with_file_name("openclaw.json.e2e-edit");
    std::fs::write(&temp, text).expect("write temp config");
    std::fs::rename(&temp, path).expect("rename temp config over openclaw.json");
}

pub fn read_config_file(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read config file");
    serde_json::from_str(&text).expect("config file is JSON")
}

/// The port in a `listening on ws://127.0.0.1:<port> (PID <pid>)` line, and the pid.
pub fn parse_listening_line(line: &str) -> (u16, u32) {
    let after = line
        .split("listening on ws://127.0.0.1:")
        .nth(1)
        .unwrap_or_else(|| panic!("not an IPv4 listening line: {line}"));
    let port = after
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line}"));
    let pid = after
        .split("(PID ")
        .nth(1)
        .and_then(|rest| rest.trim_end_matches(')').parse().ok())
        .unwrap_or_else(|| panic!("no PID in {line}"));
    (port, pid)
}

/// A gateway started without `--port` (the testkit always passes one, and `--port` beats
/// `gateway.port`), so a port change in the file is what moves it.
pub struct UnpinnedGateway {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    changed: Arc<Notify>,
    pub state_dir: PathBuf,
    _home: TempDir,
}

impl UnpinnedGateway {
    pub async fn start(config: Value) -> UnpinnedGateway {
        let home = temp_dir("openclaw-config-e2e-home-");
        let state_dir = home.path().join(".openclaw");
        std::fs::create_dir_all(&state_dir).expect("create state dir");
        write_config_file(
            &state_dir.join("openclaw.json"),
            &with_log_file(config, &state_dir),
        );
        let mut command = Command::new(bin());
        command
            .arg("gateway")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("OPENCLAW_STATE_DIR", &state_dir)
            .env("OPENCLAW_GATEWAY_TOKEN", ENV_TOKEN)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("start openclaw gateway");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let changed = Arc::new(Notify::new());
        let stdout = child.stdout.take().map(|s| Box::new(s) as Box<_>);
        let stderr = child.stderr.take().map(|s| Box::new(s) as Box<_>);
        for stream in [stdout, stderr].into_iter().flatten() {
            spawn_line_reader(stream, lines.clone(), changed.clone());
        }
        UnpinnedGateway {
            child,
            lines,
            changed,
            state_dir,
            _home: home,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("gateway still running")
    }

    pub fn config_path(&self) -> PathBuf {
        self.state_dir.join("openclaw.json")
    }

    pub fn line_count(&self) -> usize {
        self.lines.lock().map(|l| l.len()).unwrap_or(0)
    }

    /// First line at index `>= start` containing `needle`, with its index.
    pub async fn wait_for_line_since(&self, start: usize, needle: &str) -> (usize, String) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let notified = self.changed.notified();
            if let Some(found) = self
                .lines
                .lock()
                .expect("line buffer")
                .iter()
                .enumerate()
                .skip(start)
                .find(|(_, line)| line.contains(needle))
                .map(|(index, line)| (index, line.clone()))
            {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let output = self.lines.lock().expect("line buffer").join("\n");
                panic!("no line containing {needle:?} within {WAIT:?}; output:\n{output}");
            }
        }
    }
}

type LineSource = Box<dyn tokio::io::AsyncRead + Unpin + Send>;

fn spawn_line_reader(stream: LineSource, lines: Arc<Mutex<Vec<String>>>, changed: Arc<Notify>) {
    tokio::spawn(async move {
        let mut reader = BufReader::new(stream).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            if let Ok(mut all) = lines.lock() {
                all.push(line);
            }
            changed.notify_waiters();
        }
    });
}

/// Waits until `GET /health` on `port` answers 200.
pub async fn wait_port_healthy(port: u16) {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Ok(response) = http_get(addr, "/health", &[]).await
            && response.status == 200
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing healthy on port {port} within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A loopback port nobody listens on right now (and that differs from `avoid`).
pub fn another_free_port(avoid: u16) -> u16 {
    loop {
        let port = free_port().expect("free port");
        if port != avoid {
            return port;
        }
    }
}
