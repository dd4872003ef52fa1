//! Staying up: reconnects (resume and re-identify), rate limits, and crash recovery of
//! inbound messages.

use std::time::Duration;

use openclaw_testkit::fake_discord::{
    CHANNEL_ID, FakeDiscord, GUILD_ID, IncomingMessage, RouteMatch, USER_ID,
};
use openclaw_testkit::fake_llm::{FakeLlm, FakeReply};

use crate::agent_support::{response, send};
use crate::discord_e2e_support::{WAIT, seed_discord, start, start_logged_in, start_with_token};

#[tokio::test]
async fn after_a_dropped_socket_the_session_resumes_and_messages_still_flow() {
    let discord = FakeDiscord::start().await.unwrap();
    let model = FakeLlm::start().await.unwrap();
    model.set_default_reply(Some(FakeReply::text(&["still here"])));
    let _gateway = start_logged_in(&discord, &model, seed_discord(GUILD_ID), None).await;

    discord.drop_connections();
    discord.wait_resumed(1, WAIT).await.unwrap();
    discord
        .send_message(&IncomingMessage::in_channel(CHANNEL_ID, USER_ID, "ping"))
        .unwrap();
    let sent = discord
        .wait_for_messages(CHANNEL_ID, 1, WAIT)
        .await
        .unwrap();
    assert_eq!(sent[0].content, "still here");
    assert_eq!(discord.identify_count(), 1, "a resume, not a new login");

    // An invalid, non-resumable session forces a fresh IDENTIFY.
    discord.send_invalid_session(false);
    discord.wait_identified(2, WAIT).await.unwrap();
    discord
        .send_message(&IncomingMessage::in_channel(CHANNEL_ID, USER_ID, "again"))
        .unwrap();
    discord
        .wait_for_messages(CHANNEL_ID, 2, WAIT)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_rate_limited_send_is_retried_after_retry_after() {
    let discord = FakeDiscord::start().await.unwrap();
    let model = FakeLlm::start().await.unwrap();
    model.set_default_reply(Some(FakeReply::text(&["eventually"])));
    let _gateway = start_logged_in(&discord, &model, seed_discord(GUILD_ID), None).await;
    discord.rate_limit_next(
        RouteMatch::new("POST", "/channels/*/messages"),
        2,
        Duration::from_millis(300),
    );
    discord
        .send_message(&IncomingMessage::in_channel(CHANNEL_ID, USER_ID, "hi"))
        .unwrap();
    let sent = discord
        .wait_for_messages(CHANNEL_ID, 1, WAIT)
        .await
        .unwrap();
    assert_eq!(sent[0].content, "eventually");
    let limited = discord
        .rest_calls()
        .iter()
        .filter(|c| c.method == "POST" && c.path.ends_with("/messages") && c.status == 429)
        .count();
    assert_eq!(limited, 2, "both 429s were seen and retried");
}

#[tokio::test]
async fn a_message_in_flight_when_the_gateway_is_killed_is_answered_exactly_once_after_restart() {
    let discord = FakeDiscord::start().await.unwrap();
    let model = FakeLlm::start().await.unwrap();
    // The first call hangs long enough to kill the gateway during it.
    model.push(FakeReply::text(&["too late"]).delayed(Duration::from_secs(30)));
    model.set_default_reply(Some(FakeReply::text(&["answered after restart"])));
    let state = tempfile::Builder::new()
        .prefix("openclaw-discord-crash-")
        .tempdir()
        .unwrap();
    let mut gateway = start_logged_in(
        &discord,
        &model,
        seed_discord(GUILD_ID),
        Some(state.path().to_path_buf()),
    )
    .await;
    discord
        .send_message(&IncomingMessage::in_channel(
            CHANNEL_ID,
            USER_ID,
            "important",
        ))
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while model.request_count() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the model was never called"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    gateway.kill_9().await.unwrap();
    drop(gateway);

    let before = discord.identify_count();
    let gateway = start(
        &discord,
        &model,
        seed_discord(GUILD_ID),
        Some(state.path().to_path_buf()),
    )
    .await;
    discord.wait_identified(before + 1, WAIT).await.unwrap();
    let sent = discord
        .wait_for_messages(CHANNEL_ID, 1, WAIT)
        .await
        .unwrap();
    assert_eq!(sent[0].content, "answered after restart");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        discord.sent_messages_in(CHANNEL_ID).len(),
        1,
        "answered exactly once; gateway output: {:?}",
        gateway.output()
    );
}

#[tokio::test]
async fn a_rejected_token_gives_up_at_once_and_says_why() {
    let discord = FakeDiscord::start().await.unwrap();
    let model = FakeLlm::start().await.unwrap();
    let gateway = start_with_token(
        &discord,
        &model,
        seed_discord(GUILD_ID),
        None,
        "not-the-token",
    )
    .await;
    gateway
        .wait_for_line("Discord rejected the bot token", WAIT)
        .await
        .expect("the fatal close is explained");
    let mut session = crate::ws_support::connect_ok(&gateway.url(), &crate::ws_support::v3_cli())
        .await
        .unwrap()
        .0;
    send(&mut session, "s", "channels.status", serde_json::json!({})).await;
    let status = response(&mut session, "s").await;
    let account = &status["payload"]["channelAccounts"]["discord"][0];
    assert_eq!(account["state"], "gave-up", "{status}");
    assert!(
        account["lastError"]
            .as_str()
            .unwrap()
            .contains("DISCORD_BOT_TOKEN"),
        "{status}"
    );
    // Retrying a rejected token is pointless: one identify, no reconnect storm.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(discord.identify_count(), 1);
    // Alive but not ready.
    let ready = reqwest_status(&format!("{}/readyz", gateway.http_url())).await;
    assert_eq!(ready, 503);
    let live = reqwest_status(&format!("{}/healthz", gateway.http_url())).await;
    assert_eq!(live, 200);
}

/// Status code of a GET (plain HTTP/1.1 over a TCP socket, no client library needed).
async fn reqwest_status(url: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream
        .write_all(
            format!("GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap()
}

#[tokio::test]
async fn a_graceful_stop_with_discord_running_closes_the_store_cleanly() {
    let discord = FakeDiscord::start().await.unwrap();
    let model = FakeLlm::start().await.unwrap();
    model.set_default_reply(Some(FakeReply::text(&["bye"])));
    let mut gateway = start_logged_in(&discord, &model, seed_discord(GUILD_ID), None).await;
    discord
        .send_message(&IncomingMessage::in_channel(CHANNEL_ID, USER_ID, "hello"))
        .unwrap();
    discord
        .wait_for_messages(CHANNEL_ID, 1, WAIT)
        .await
        .unwrap();
    gateway.signal(openclaw_testkit::Signal::Term).unwrap();
    let status = gateway.wait_exit(WAIT).await.expect("the gateway exits");
    assert!(status.success(), "{status:?}: {:?}", gateway.output());
    // Every store write was committed before the lock was released: nothing kept it open.
    assert!(
        !gateway
            .output()
            .iter()
            .any(|line| line.contains("still in use at shutdown")),
        "{:?}",
        gateway.output()
    );
}

#[tokio::test]
async fn the_env_token_alone_starts_discord_without_a_config_file() {
    let discord = FakeDiscord::start().await.unwrap();
    let state = tempfile::Builder::new()
        .prefix("openclaw-discord-noconfig-")
        .tempdir()
        .unwrap();
    let spawn = openclaw_testkit::process::GatewaySpawn::new(crate::ws_support::bin())
        .args(["gateway", "--allow-unconfigured"])
        .state_dir(openclaw_testkit::process::StateDir::Path(
            state.path().to_path_buf(),
        ))
        .env("OPENCLAW_GATEWAY_TOKEN", crate::ws_support::TOKEN)
        .env("DISCORD_BOT_TOKEN", discord.token())
        .env("OPENCLAW_DISCORD_API_URL", discord.api_url())
        .env("OPENCLAW_DISCORD_GATEWAY_URL", discord.gateway_url());
    let mut gateway = openclaw_testkit::process::GatewayProcess::spawn(spawn)
        .await
        .unwrap();
    gateway.wait_healthy(WAIT).await.unwrap();
    assert!(!state.path().join("openclaw.json").exists());
    discord.wait_identified(1, WAIT).await.unwrap();
    gateway
        .wait_for_line("logged in to discord as", WAIT)
        .await
        .unwrap();
}
