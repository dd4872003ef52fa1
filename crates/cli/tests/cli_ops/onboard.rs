//! `openclaw onboard --non-interactive`.

use std::time::Duration;

use openclaw_testkit::{GatewayProcess, GatewaySpawn, StateDir, http_get};

use crate::support::{State, bin, closed_port, findings, mode};

#[tokio::test]
async fn writes_a_valid_config_that_a_gateway_runs_with() {
    let state = State::new();
    let out = state
        .run(&[
            "onboard",
            "--non-interactive",
            "--auth-choice",
            "apiKey",
            "--anthropic-api-key",
            "sk-ant-test-key",
            "--gateway-port",
            "18790",
            "--gateway-bind",
            "loopback",
            "--discord-token",
            "discord.bot.token",
            "--discord-guild",
            "123456789012345678",
            "--json",
        ])
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    let summary = out.json();
    assert_eq!(summary["next"], "openclaw gateway");
    assert_eq!(summary["keySource"]["profileId"], "anthropic:default");
    assert_eq!(summary["gateway"]["tokenGenerated"], true);

    let config = state.read_config();
    assert_eq!(config["gateway"]["mode"], "local");
    assert_eq!(config["gateway"]["port"], 18790);
    assert_eq!(config["gateway"]["bind"], "loopback");
    let token = config["gateway"]["auth"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(token.len() >= 32, "generated token too short: {token}");
    assert_eq!(
        config["agents"]["defaults"]["model"]["primary"],
        "anthropic/claude-opus-4-5"
    );
    assert_eq!(
        config["channels"]["discord"]["guilds"]["123456789012345678"]["requireMention"],
        true
    );
    assert_eq!(config["channels"]["discord"]["groupPolicy"], "allowlist");
    assert!(
        !serde_json::to_string(&config)
            .unwrap()
            .contains("sk-ant-test-key"),
        "keys stay out of the config"
    );

    // The key is an auth profile in OpenClaw's format, private.
    let store_path = state.path().join("agents/main/agent/auth-profiles.json");
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&store_path).unwrap()).unwrap();
    assert_eq!(
        store["profiles"]["anthropic:default"],
        serde_json::json!({"type": "api_key", "provider": "anthropic", "key": "sk-ant-test-key"})
    );
    assert_eq!(mode(&store_path), 0o600);
    let dotenv = state.path().join(".env");
    assert!(
        std::fs::read_to_string(&dotenv)
            .unwrap()
            .contains("DISCORD_BOT_TOKEN='discord.bot.token'")
    );
    assert_eq!(mode(&dotenv), 0o600);

    let validate = state.run(&["config", "validate"]).await;
    assert_eq!(validate.code, 0, "{}", validate.text());
    // The doctor sees the stored key and no errors.
    let doctor = state.run(&["doctor", "--json"]).await;
    let report = doctor.json();
    assert_eq!(report["summary"]["error"], 0, "{report:#}");
    assert!(
        findings(&report, "models.key_missing").is_empty(),
        "{report:#}"
    );

    // Keep the gateway's log inside the state dir (and exercise a later edit of the file).
    let log = state.path().join("gateway.log");
    let set = state
        .run(&["config", "set", "logging.file", log.to_str().unwrap()])
        .await;
    assert_eq!(set.code, 0, "{}", set.text());
    // Discord must not reach discord.com: point it at a closed loopback port (it retries in
    // the background; the gateway stays up).
    let dead = closed_port();
    let spawn = GatewaySpawn::new(bin())
        .args(["gateway"])
        .env(
            "OPENCLAW_DISCORD_API_URL",
            format!("http://127.0.0.1:{dead}"),
        )
        .env(
            "OPENCLAW_DISCORD_GATEWAY_URL",
            format!("ws://127.0.0.1:{dead}"),
        )
        .state_dir(StateDir::Path(state.path().to_path_buf()));
    let mut gateway = GatewayProcess::spawn(spawn).await.unwrap();
    gateway.wait_healthy(Duration::from_secs(30)).await.unwrap();
    let health = http_get(gateway.addr(), "/healthz", &[]).await.unwrap();
    assert_eq!(health.status, 200);

    // With the gateway up, the doctor reports who holds the lock instead of checking the port.
    let report = state.run(&["doctor", "--json"]).await.json();
    let running = findings(&report, "gateway.running");
    assert_eq!(running.len(), 1, "{report:#}");
    let pid = gateway.pid().unwrap().to_string();
    assert!(
        running[0]["title"].as_str().unwrap().contains(&pid),
        "{report:#}"
    );
}

#[tokio::test]
async fn refuses_to_overwrite_without_reset() {
    let state = State::new();
    let args = [
        "onboard",
        "--non-interactive",
        "--auth-choice",
        "skip",
        "--gateway-token",
        "first-token-0123456789abcdefghij",
    ];
    let first = state.run(&args).await;
    assert_eq!(first.code, 0, "{}", first.text());
    assert!(
        first.stdout.contains("Next: openclaw gateway"),
        "{}",
        first.text()
    );
    let before = std::fs::read_to_string(state.config_path()).unwrap();

    let second = state
        .run(&["onboard", "--non-interactive", "--auth-choice", "skip"])
        .await;
    assert_ne!(second.code, 0, "{}", second.text());
    assert!(second.stderr.contains("--reset"), "{}", second.text());
    assert_eq!(
        std::fs::read_to_string(state.config_path()).unwrap(),
        before
    );

    let reset = state
        .run(&[
            "onboard",
            "--non-interactive",
            "--auth-choice",
            "skip",
            "--reset",
        ])
        .await;
    assert_eq!(reset.code, 0, "{}", reset.text());
    assert_eq!(
        std::fs::read_to_string(state.path().join("openclaw.json.bak")).unwrap(),
        before,
        "the replaced config is kept"
    );
    assert_ne!(
        state.read_config()["gateway"]["auth"]["token"],
        "first-token-0123456789abcdefghij"
    );
}

#[tokio::test]
async fn a_key_in_the_environment_stays_there_and_a_missing_one_is_refused() {
    let state = State::new();
    let out = state
        .run_env(
            &[
                "onboard",
                "--non-interactive",
                "--auth-choice",
                "openai-api-key",
            ],
            &[("OPENAI_API_KEY", "sk-from-env")],
        )
        .await;
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out.stdout.contains("OPENAI_API_KEY"), "{}", out.text());
    assert!(
        !state
            .path()
            .join("agents/main/agent/auth-profiles.json")
            .exists()
    );
    assert_eq!(
        state.read_config()["agents"]["defaults"]["model"]["primary"],
        "openai/gpt-4o"
    );

    let other = State::new();
    let out = other
        .run(&[
            "onboard",
            "--non-interactive",
            "--auth-choice",
            "gemini-api-key",
        ])
        .await;
    assert_ne!(out.code, 0, "{}", out.text());
    assert!(out.stderr.contains("GEMINI_API_KEY"), "{}", out.text());
    assert!(!other.config_path().exists(), "nothing written on refusal");
}

#[tokio::test]
async fn interactive_mode_needs_a_terminal() {
    let state = State::new();
    let out = state.run(&["onboard"]).await;
    assert_ne!(out.code, 0, "{}", out.text());
    assert!(out.stderr.contains("--non-interactive"), "{}", out.text());
}
