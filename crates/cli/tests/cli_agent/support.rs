//! Helpers for `cli_agent.rs`: a real gateway whose only model is a fake OpenAI-compatible
//! server on 127.0.0.1, and the `openclaw` binary run against it (or against nothing).

use std::time::Duration;

use openclaw_testkit::fake_llm::FakeLlm;
use openclaw_testkit::{CliOutput, run_cli_with_timeout};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::ws_support::{Gateway, bin, merge_json, start_gateway};

/// The fake provider's key, written into the config; no output may ever contain it.
pub const FAKE_KEY: &str = "sk-fake-SECRET-4d1f0c7e";
/// How long one CLI run may take (agent turns against the fake finish in well under a second).
pub const CLI_WAIT: Duration = Duration::from_secs(60);

/// The config for a gateway (or an offline CLI) whose default model is `fake/fake-1` served by
/// `fake_base_url`.
pub fn fake_config(fake_base_url: &str) -> Value {
    json!({
        "agents": {"defaults": {"model": {"primary": "fake/fake-1"}}},
        "models": {"providers": {"fake": {
            "baseUrl": fake_base_url,
            "api": "openai-completions",
            "apiKey": FAKE_KEY,
            "models": [{"id": "fake-1", "name": "Fake One", "contextWindow": 128000}],
        }}},
    })
}

/// A running fake model and a gateway configured to use it (plus `extra` config).
pub struct Rig {
    pub fake: FakeLlm,
    pub gateway: Gateway,
}

impl Rig {
    pub async fn start(extra: Value) -> Rig {
        let fake = FakeLlm::start().await.unwrap();
        let mut config = fake_config(&fake.openai_base_url());
        merge_json(&mut config, &extra);
        let gateway = start_gateway(config).await.unwrap();
        Rig { fake, gateway }
    }

    /// Runs the CLI with the gateway's HOME, state dir and port: it finds the token in the
    /// shared config, like a user on the same machine.
    pub async fn cli(&self, args: &[&str]) -> CliOutput {
        self.cli_env(args, &[]).await
    }

    pub async fn cli_env(&self, args: &[&str], env: &[(&str, &str)]) -> CliOutput {
        let mut all = self.gateway.process.cli_env();
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        run_cli_with_timeout(&bin(), args, &all, CLI_WAIT)
            .await
            .unwrap()
    }
}

/// A HOME with `<home>/.openclaw/openclaw.json` = `config` and no gateway running.
pub struct Offline {
    pub home: TempDir,
}

impl Offline {
    pub fn new(config: &Value) -> Offline {
        let home = tempfile::Builder::new()
            .prefix("openclaw-cli-agent-")
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

    pub fn state_dir(&self) -> std::path::PathBuf {
        self.home.path().join(".openclaw")
    }

    /// Runs the CLI against a loopback port nobody listens on.
    pub async fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> CliOutput {
        let port = openclaw_testkit::free_port().unwrap().to_string();
        let mut all = vec![
            ("HOME".to_owned(), self.home.path().display().to_string()),
            (
                "OPENCLAW_STATE_DIR".to_owned(),
                self.state_dir().display().to_string(),
            ),
            ("OPENCLAW_GATEWAY_PORT".to_owned(), port),
        ];
        all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        run_cli_with_timeout(&bin(), args, &all, CLI_WAIT)
            .await
            .unwrap()
    }
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

/// Neither stream contains the provider secret (nor a long prefix of it).
pub fn assert_no_secret(output: &CliOutput) {
    for stream in [&output.stdout, &output.stderr] {
        assert!(
            !stream.contains(&FAKE_KEY[..12]),
            "the secret leaked:\n{stream}"
        );
    }
}
