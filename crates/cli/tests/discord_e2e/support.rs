//! Starting a gateway wired to a fake Discord and a fake model.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use openclaw_testkit::fake_discord::FakeDiscord;
use openclaw_testkit::fake_llm::FakeLlm;
use openclaw_testkit::process::{GatewayProcess, GatewaySpawn, StateDir};
use serde_json::{Value, json};

use crate::agent_support::model_config;
use crate::ws_support::{TOKEN, bin, merge_json};

pub const WAIT: Duration = Duration::from_secs(20);

/// The seed's Discord section (guild allowlist, #general without mention) for `guild`.
pub fn seed_discord(guild: u64) -> Value {
    json!({
        "channels": {"discord": {
            "groupPolicy": "allowlist",
            "guilds": {guild.to_string(): {
                "channels": {"general": {"allow": true, "requireMention": false}}
            }}
        }},
        "bindings": [{"agentId": "main", "match": {"channel": "discord"}}],
    })
}

/// Starts the gateway with the model config, `extra` merged in, and the Discord env pointing
/// at `discord`. `state` keeps the state dir across restarts when given.
pub async fn start(
    discord: &FakeDiscord,
    model: &FakeLlm,
    extra: Value,
    state: Option<PathBuf>,
) -> GatewayProcess {
    start_with_token(discord, model, extra, state, discord.token()).await
}

/// [`start`] with the bot token the gateway is given (the fake expects `discord.token()`).
pub async fn start_with_token(
    discord: &FakeDiscord,
    model: &FakeLlm,
    extra: Value,
    state: Option<PathBuf>,
    token: &str,
) -> GatewayProcess {
    let mut config = model_config(model);
    merge_json(
        &mut config,
        &json!({"gateway": {"mode": "local", "bind": "loopback",
                 "auth": {"mode": "token", "token": TOKEN}}}),
    );
    merge_json(&mut config, &extra);
    let state_dir = match state {
        Some(path) => StateDir::Path(path),
        None => StateDir::Temp(
            tempfile::Builder::new()
                .prefix("openclaw-discord-e2e-")
                .tempdir()
                .unwrap(),
        ),
    };
    let spawn = GatewaySpawn::new(bin())
        .args(["gateway"])
        .state_dir(state_dir)
        .config_json(config)
        .env("DISCORD_BOT_TOKEN", token)
        .env("OPENCLAW_DISCORD_API_URL", discord.api_url())
        .env("OPENCLAW_DISCORD_GATEWAY_URL", discord.gateway_url());
    let mut process = GatewayProcess::spawn(spawn).await.expect("gateway spawns");
    process
        .wait_healthy(Duration::from_secs(20))
        .await
        .expect("gateway healthy");
    process
}

/// Starts and waits until the bot is logged in to the fake.
pub async fn start_logged_in(
    discord: &FakeDiscord,
    model: &FakeLlm,
    extra: Value,
    state: Option<PathBuf>,
) -> GatewayProcess {
    let before = discord.identify_count();
    let process = start(discord, model, extra, state).await;
    discord
        .wait_identified(before + 1, WAIT)
        .await
        .expect("the gateway identifies to the fake Discord");
    process
        .wait_for_line("logged in to discord as", WAIT)
        .await
        .expect("login line");
    process
}

/// The texts the fake model was asked to answer (last user message of each request).
pub fn prompts(model: &FakeLlm) -> Vec<String> {
    model
        .requests()
        .iter()
        .filter_map(|request| {
            request.body["messages"]
                .as_array()
                .and_then(|messages| messages.iter().rev().find(|m| m["role"] == "user"))
                .and_then(|m| m["content"].as_str().map(str::to_owned))
        })
        .collect()
}

/// Waits briefly and asserts nothing more was sent to `channel` than `count` messages.
pub async fn assert_quiet(discord: &FakeDiscord, channel: u64, count: usize) {
    tokio::time::sleep(Duration::from_millis(700)).await;
    let sent = discord.sent_messages_in(channel);
    assert_eq!(
        sent.len(),
        count,
        "unexpected messages in {channel}: {:?}",
        sent.iter().map(|m| &m.content).collect::<Vec<_>>()
    );
}
