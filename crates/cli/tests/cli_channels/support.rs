//! Helpers for `cli_channels.rs`: a real gateway logged in to a fake Discord, the `openclaw`
//! binary run against it like a user on the same machine would, and a HOME with no gateway.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use openclaw_testkit::fake_discord::FakeDiscord;
use openclaw_testkit::{CliOutput, GatewayProcess, GatewaySpawn, StateDir, run_cli_with_timeout};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::ws_support::{TOKEN, bin, merge_json};

pub const WAIT: Duration = Duration::from_secs(20);
/// How long one CLI run may take.
const CLI_WAIT: Duration = Duration::from_secs(60);

/// A gateway wired to `discord` (bot token and URLs from the env, as in production), file
/// logging into its state dir, waited on until the bot is logged in.
pub struct Rig {
    pub discord: FakeDiscord,
    pub gateway: GatewayProcess,
}

impl Rig {
    pub async fn start(extra: Value) -> Rig {
        let discord = FakeDiscord::start().await.unwrap();
        let state = tempfile::Builder::new()
            .prefix("openclaw-cli-channels-")
            .tempdir()
            .unwrap();
        let mut config = json!({
            "gateway": {"mode": "local", "bind": "loopback",
                        "auth": {"mode": "token", "token": TOKEN}},
            "logging": {"file": state.path().join("gateway.log").display().to_string()},
            "channels": {"discord": {"dmPolicy": "pairing"}},
        });
        merge_json(&mut config, &extra);
        let spawn = GatewaySpawn::new(bin())
            .args(["gateway"])
            .state_dir(StateDir::Temp(state))
            .config_json(config)
            .env("DISCORD_BOT_TOKEN", discord.token())
            .env("OPENCLAW_DISCORD_API_URL", discord.api_url())
            .env("OPENCLAW_DISCORD_GATEWAY_URL", discord.gateway_url());
        let mut gateway = GatewayProcess::spawn(spawn).await.expect("gateway spawns");
        gateway.wait_healthy(WAIT).await.expect("gateway healthy");
        discord
            .wait_identified(1, WAIT)
            .await
            .expect("the gateway identifies to the fake Discord");
        gateway
            .wait_for_line("logged in to discord as", WAIT)
            .await
            .expect("login line");
        Rig { discord, gateway }
    }

    pub fn state_dir(&self) -> &Path {
        self.gateway.state_dir()
    }

    /// Runs the CLI with the gateway's HOME, state dir and port (it finds the token in the
    /// shared config). The Discord env is not passed: the CLI must not need it.
    pub async fn cli(&self, args: &[&str]) -> CliOutput {
        run(args, &self.gateway.cli_env()).await
    }
}

async fn run(args: &[&str], env: &[(String, String)]) -> CliOutput {
    let mut all = env.to_vec();
    // No browser may ever be started by a test.
    all.push(("DISPLAY".into(), String::new()));
    all.push(("WAYLAND_DISPLAY".into(), String::new()));
    run_cli_with_timeout(&bin(), args, &all, CLI_WAIT)
        .await
        .unwrap()
}

/// A HOME with `<home>/.openclaw/openclaw.json` = `config` and no gateway running.
pub struct Offline {
    pub home: TempDir,
}

impl Offline {
    pub fn new(config: &Value) -> Offline {
        let home = tempfile::Builder::new()
            .prefix("openclaw-cli-channels-offline-")
            .tempdir()
            .unwrap();
        let state = home.path().join(".openclaw");
        std::fs::create_dir_all(&state).unwrap();
        std::fs::write(
            state.join("openclaw.json"),
            serde_json::to_string_pretty(config).unwrap(),
        )
        .unwrap();
        Offline { home }
    }

    pub fn state_dir(&self) -> PathBuf {
        self.home.path().join(".openclaw")
    }

    /// Runs the CLI against a loopback port nobody listens on.
    pub async fn cli(&self, args: &[&str]) -> CliOutput {
        let port = openclaw_testkit::free_port().unwrap().to_string();
        let env = vec![
            ("HOME".to_owned(), self.home.path().display().to_string()),
            (
                "OPENCLAW_STATE_DIR".to_owned(),
                self.state_dir().display().to_string(),
            ),
            ("OPENCLAW_GATEWAY_PORT".to_owned(), port),
        ];
        run(args, &env).await
    }
}

/// An ISO-8601 UTC timestamp `ago_ms` before now, as OpenClaw writes them
/// (`2026-01-29T08:15:00.123Z`).
pub fn iso_ago(ago_ms: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let ms = i64::try_from(now).unwrap() - ago_ms;
    let (days, day_ms) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1000 % 60,
        day_ms % 1000
    )
}

/// Writes `<state>/credentials/<channel>-pairing.json` in OpenClaw's format with
/// `(sender id, code, age in ms)` requests.
pub fn write_pairing_file(state_dir: &Path, channel: &str, requests: &[(&str, &str, i64)]) {
    let dir = state_dir.join("credentials");
    std::fs::create_dir_all(&dir).unwrap();
    let rows: Vec<Value> = requests
        .iter()
        .map(|(id, code, age)| {
            json!({"id": id, "code": code, "createdAt": iso_ago(*age),
                   "lastSeenAt": iso_ago(*age), "meta": {"tag": format!("user-{id}")}})
        })
        .collect();
    std::fs::write(
        dir.join(format!("{channel}-pairing.json")),
        serde_json::to_string_pretty(&json!({"version": 1, "requests": rows})).unwrap(),
    )
    .unwrap();
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The approved senders in `<state>/credentials/<channel>-allowFrom.json`.
pub fn allow_from(state_dir: &Path, channel: &str) -> Vec<String> {
    let path = state_dir
        .join("credentials")
        .join(format!("{channel}-allowFrom.json"));
    read_json(&path)["allowFrom"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

pub fn stdout_json(output: &CliOutput) -> Value {
    serde_json::from_str(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            output.stdout, output.stderr
        )
    })
}

pub fn assert_exit(output: &CliOutput, code: i32) {
    assert_eq!(
        output.code(),
        Some(code),
        "exit code\nstdout:\n{}\nstderr:\n{}",
        output.stdout,
        output.stderr
    );
}

/// `openclaw logs --follow …` running in the background with its stdout read line by line;
/// killed when dropped.
pub struct Follower {
    child: tokio::process::Child,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl Follower {
    pub fn spawn(rig: &Rig, args: &[&str]) -> Follower {
        let mut command = tokio::process::Command::new(bin());
        command
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        for (name, _) in std::env::vars() {
            if name.starts_with("OPENCLAW_") {
                command.env_remove(name);
            }
        }
        command.envs(rig.gateway.cli_env());
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
        Follower { child, lines }
    }

    /// The next stdout line, failing the test after [`WAIT`].
    pub async fn next_line(&mut self) -> String {
        tokio::time::timeout(WAIT, self.lines.next_line())
            .await
            .expect("a line from `openclaw logs --follow` in time")
            .unwrap()
            .expect("`openclaw logs --follow` is still running")
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
