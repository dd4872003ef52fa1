//! Message flows: the seed's guild setup, DM pairing, mention gating, routing, chunking.

use std::time::Duration;

use openclaw_testkit::fake_discord::{
    BOT_ID, CHANNEL_ID, ChannelSpec, FakeDiscord, GUILD_ID, IncomingMessage, USER_ID, UserSpec,
};
use openclaw_testkit::fake_llm::{FakeLlm, FakeReply};
use serde_json::json;

use crate::agent_support::{response, send};
use crate::discord_e2e_support::{WAIT, assert_quiet, prompts, seed_discord, start_logged_in};
use crate::ws_support::merge_json;

const RANDOM_ID: u64 = 1_300_000_000_000_000_102;
const BOB_ID: u64 = 1_300_000_000_000_000_202;

#[tokio::test]
async fn the_seed_config_answers_in_general_without_a_mention_and_ignores_other_channels() {
    let discord = FakeDiscord::start().await.unwrap();
    discord
        .add_channel(ChannelSpec::text(RANDOM_ID, GUILD_ID, "random"))
        .unwrap();
    let model = FakeLlm::start().await.unwrap();
    model.push(FakeReply::text(&["Hello ", "from the fake model."]));
    let gateway = start_logged_in(&discord, &model, seed_discord(GUILD_ID), None).await;
    assert!(
        gateway
            .output()
            .iter()
            .any(|l| l.contains("[discord] logged in to discord as")),
        "{:?}",
        gateway.output()
    );

    discord
        .send_message(&IncomingMessage::in_channel(
            CHANNEL_ID,
            USER_ID,
            "what's up?",
        ))
        .unwrap();
    let sent = discord
        .wait_for_messages(CHANNEL_ID, 1, WAIT)
        .await
        .unwrap();
    assert_eq!(sent[0].content, "Hello from the fake model.");
    let asked = prompts(&model);
    assert!(asked[0].contains("what's up?"), "{asked:?}");
    assert!(
        asked[0].contains("#general"),
        "the envelope names the channel: {asked:?}"
    );

    // Not allowlisted: nothing happens, the model is not called.
    discord
        .send_message(&IncomingMessage::in_channel(RANDOM_ID, USER_ID, "anyone?"))
        .unwrap();
    assert_quiet(&discord, RANDOM_ID, 0).await;
    assert_eq!(model.request_count(), 1);

    // channels.status reports the connected account with the bot's name.
    let mut session = client_for(&gateway).await;
    send(
        &mut session,
        "s1",
        "channels.status",
        json!({"probe": true}),
    )
    .await;
    let status = response(&mut session, "s1").await;
    let account = &status["payload"]["channelAccounts"]["discord"][0];
    assert_eq!(account["state"], "connected", "{status}");
    assert_eq!(account["connected"], true);
    assert_eq!(account["tokenSource"], "env");
    assert_eq!(account["probe"]["ok"], true, "{status}");
    assert_eq!(status["payload"]["channelOrder"], json!(["discord"]));
}

async fn client_for(
    gateway: &openclaw_testkit::process::GatewayProcess,
) -> crate::ws_support::Session {
    crate::ws_support::connect_ok(&gateway.url(), &crate::ws_support::v3_cli())
        .await
        .expect("connects")
        .0
}

#[tokio::test]
async fn dm_pairing_sends_one_code_then_answers_once_approved() {
    let discord = FakeDiscord::start().await.unwrap();
    discord.add_user(UserSpec::human(BOB_ID, "bob"));
    let model = FakeLlm::start().await.unwrap();
    model.set_default_reply(Some(FakeReply::text(&["Hi Bob."])));
    let gateway = start_logged_in(&discord, &model, seed_discord(GUILD_ID), None).await;
    let dm = discord.dm_channel_id(BOB_ID);

    discord
        .send_message(&IncomingMessage::dm(BOB_ID, "hello?"))
        .unwrap();
    let sent = discord.wait_for_messages(dm, 1, WAIT).await.unwrap();
    let text = &sent[0].content;
    assert!(text.contains(&BOB_ID.to_string()), "{text}");
    assert!(text.contains("openclaw pairing approve discord "), "{text}");
    let code = text
        .lines()
        .find_map(|l| l.strip_prefix("Pairing code: "))
        .expect("code line")
        .trim()
        .to_owned();
    assert_eq!(code.len(), 8, "{code}");

    // A second message while pending gets nothing (one reply per new request), no model call.
    discord
        .send_message(&IncomingMessage::dm(BOB_ID, "hello??"))
        .unwrap();
    assert_quiet(&discord, dm, 1).await;
    assert_eq!(model.request_count(), 0);

    // The pairing file is OpenClaw's format.
    let pairing: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(gateway.state_dir().join("credentials/discord-pairing.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(pairing["requests"][0]["id"], BOB_ID.to_string());

    let mut session = client_for(&gateway).await;
    send(
        &mut session,
        "l",
        "channels.pairing.list",
        json!({"channel": "discord"}),
    )
    .await;
    let listed = response(&mut session, "l").await;
    assert_eq!(
        listed["payload"]["requests"][0]["code"],
        code.as_str(),
        "{listed}"
    );
    send(
        &mut session,
        "a",
        "channels.pairing.approve",
        json!({"channel": "discord", "requestId": code.to_lowercase(), "notify": true}),
    )
    .await;
    let approved = response(&mut session, "a").await;
    assert_eq!(
        approved["payload"]["senderId"],
        BOB_ID.to_string(),
        "{approved}"
    );
    assert_eq!(approved["payload"]["notification"], "sent", "{approved}");
    discord.wait_for_messages(dm, 2, WAIT).await.unwrap();

    discord
        .send_message(&IncomingMessage::dm(BOB_ID, "now?"))
        .unwrap();
    let sent = discord.wait_for_messages(dm, 3, WAIT).await.unwrap();
    assert_eq!(sent[2].content, "Hi Bob.");
    assert_eq!(model.request_count(), 1);
}

#[tokio::test]
async fn a_guild_requiring_mentions_answers_mentions_with_the_unmentioned_context() {
    let discord = FakeDiscord::start().await.unwrap();
    let model = FakeLlm::start().await.unwrap();
    model.set_default_reply(Some(FakeReply::text(&["Noted."])));
    let config = json!({
        "channels": {"discord": {"groupPolicy": "allowlist",
            "guilds": {GUILD_ID.to_string(): {}}}},
    });
    let _gateway = start_logged_in(&discord, &model, config, None).await;

    discord
        .send_message(&IncomingMessage::in_channel(
            CHANNEL_ID,
            USER_ID,
            "the build is red",
        ))
        .unwrap();
    assert_quiet(&discord, CHANNEL_ID, 0).await;
    assert_eq!(model.request_count(), 0);

    let text = format!("<@{BOT_ID}> can you look?");
    discord
        .send_message(&IncomingMessage::in_channel(CHANNEL_ID, USER_ID, &text).mention(BOT_ID))
        .unwrap();
    let sent = discord
        .wait_for_messages(CHANNEL_ID, 1, WAIT)
        .await
        .unwrap();
    assert_eq!(sent[0].content, "Noted.");
    let asked = prompts(&model);
    assert!(
        asked[0].contains("the build is red"),
        "pending history: {asked:?}"
    );
    assert!(asked[0].contains("can you look?"), "{asked:?}");
    // The default ack reaction marks a mentioned message in a mention-gated channel.
    let reactions = discord.reactions();
    assert!(!reactions.is_empty(), "ack reaction expected");
}

#[tokio::test]
async fn bindings_route_a_channel_to_its_agent_and_session() {
    let discord = FakeDiscord::start().await.unwrap();
    let model = FakeLlm::start().await.unwrap();
    model.set_default_reply(Some(FakeReply::text(&["ok"])));
    let mut config = seed_discord(GUILD_ID);
    merge_json(
        &mut config,
        &json!({
            "agents": {"list": [{"id": "main", "default": true}, {"id": "ops"}]},
            "bindings": [
                {"agentId": "ops", "match": {"channel": "discord",
                    "peer": {"kind": "channel", "id": CHANNEL_ID.to_string()}}},
                {"agentId": "main", "match": {"channel": "discord"}},
            ],
        }),
    );
    let gateway = start_logged_in(&discord, &model, config, None).await;
    discord
        .send_message(&IncomingMessage::in_channel(CHANNEL_ID, USER_ID, "status?"))
        .unwrap();
    discord
        .wait_for_messages(CHANNEL_ID, 1, WAIT)
        .await
        .unwrap();
    let mut session = client_for(&gateway).await;
    send(&mut session, "s", "sessions.list", json!({})).await;
    let listed = response(&mut session, "s").await;
    let keys: Vec<String> = listed["payload"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["key"].as_str().map(str::to_owned))
        .collect();
    assert!(
        keys.contains(&format!("agent:ops:discord:channel:{CHANNEL_ID}")),
        "{keys:?}"
    );
}

#[tokio::test]
async fn a_long_reply_is_chunked_within_discord_limits_keeping_code_fences_whole() {
    let discord = FakeDiscord::start().await.unwrap();
    let model = FakeLlm::start().await.unwrap();
    let mut long = String::new();
    for n in 0..60 {
        long.push_str(&format!("Paragraph {n}: {}\n\n", "words ".repeat(20)));
    }
    long.push_str("```rust\n");
    for n in 0..30 {
        long.push_str(&format!("let x{n} = {n};\n"));
    }
    long.push_str("```\n");
    model.push(FakeReply::text(&[&long]));
    let _gateway = start_logged_in(&discord, &model, seed_discord(GUILD_ID), None).await;
    discord
        .send_message(&IncomingMessage::in_channel(
            CHANNEL_ID,
            USER_ID,
            "write a lot",
        ))
        .unwrap();
    discord
        .wait_for_messages(CHANNEL_ID, 3, WAIT)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = discord.sent_messages_in(CHANNEL_ID);
    for message in &sent {
        assert!(
            message.content.chars().count() <= 2000,
            "{}",
            message.content.len()
        );
        assert!(message.content.lines().count() <= 17, "{}", message.content);
        assert_eq!(
            message.content.matches("```").count() % 2,
            0,
            "{}",
            message.content
        );
    }
    let joined: String = sent.iter().map(|m| m.content.as_str()).collect();
    assert!(joined.contains("Paragraph 59:"));
    assert!(joined.contains("let x29 = 29;"));
}

#[tokio::test]
async fn hot_reload_applies_the_new_allowlist_without_reconnecting() {
    let discord = FakeDiscord::start().await.unwrap();
    discord
        .add_channel(ChannelSpec::text(RANDOM_ID, GUILD_ID, "random"))
        .unwrap();
    let model = FakeLlm::start().await.unwrap();
    model.set_default_reply(Some(FakeReply::text(&["here"])));
    let gateway = start_logged_in(&discord, &model, seed_discord(GUILD_ID), None).await;
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(gateway.config_path()).unwrap()).unwrap();
    config["channels"]["discord"]["guilds"][GUILD_ID.to_string()]["channels"]["random"] =
        json!({"allow": true, "requireMention": false});
    std::fs::write(
        gateway.config_path(),
        serde_json::to_string_pretty(&config).unwrap(),
    )
    .unwrap();
    gateway
        .wait_for_line("config hot reload applied", WAIT)
        .await
        .expect("the allowlist edit is hot-reloaded");
    discord
        .send_message(&IncomingMessage::in_channel(
            RANDOM_ID,
            USER_ID,
            "and here?",
        ))
        .unwrap();
    discord.wait_for_messages(RANDOM_ID, 1, WAIT).await.unwrap();
    assert_eq!(
        discord.identify_count(),
        1,
        "policy edits keep the connection"
    );
}

#[tokio::test]
async fn threads_get_their_own_session_and_replies_to_the_bot_count_as_mentions() {
    const THREAD_ID: u64 = 1_300_000_000_000_000_150;
    let discord = FakeDiscord::start().await.unwrap();
    discord
        .add_channel(ChannelSpec::thread(THREAD_ID, CHANNEL_ID, "a thread"))
        .unwrap();
    let model = FakeLlm::start().await.unwrap();
    model.set_default_reply(Some(FakeReply::text(&["in thread"])));
    // The guild needs mentions; the thread inherits #general's entry.
    let config = json!({
        "channels": {"discord": {"groupPolicy": "allowlist",
            "guilds": {GUILD_ID.to_string(): {"channels": {"general": {"allow": true}}}}}},
    });
    let gateway = start_logged_in(&discord, &model, config, None).await;

    let text = format!("<@{BOT_ID}> start here");
    discord
        .send_message(&IncomingMessage::in_channel(THREAD_ID, USER_ID, &text).mention(BOT_ID))
        .unwrap();
    let sent = discord.wait_for_messages(THREAD_ID, 1, WAIT).await.unwrap();
    // A reply to the bot's message, without an @mention, is an implicit mention.
    discord
        .send_message(
            &IncomingMessage::in_channel(THREAD_ID, USER_ID, "and then?").reply_to(sent[0].id),
        )
        .unwrap();
    discord.wait_for_messages(THREAD_ID, 2, WAIT).await.unwrap();
    assert_eq!(model.request_count(), 2);

    let mut session = client_for(&gateway).await;
    send(&mut session, "s", "sessions.list", json!({})).await;
    let listed = response(&mut session, "s").await;
    let keys: Vec<String> = listed["payload"]["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["key"].as_str().map(str::to_owned))
        .collect();
    assert!(
        keys.contains(&format!("agent:main:discord:channel:{THREAD_ID}")),
        "{keys:?}"
    );
}

#[tokio::test]
async fn typing_is_shown_and_refreshed_while_the_agent_works() {
    let discord = FakeDiscord::start().await.unwrap();
    let model = FakeLlm::start().await.unwrap();
    model.push(FakeReply::text(&["done thinking"]).delayed(Duration::from_millis(2500)));
    let mut config = seed_discord(GUILD_ID);
    merge_json(
        &mut config,
        &json!({"session": {"typingIntervalSeconds": 1}}),
    );
    let _gateway = start_logged_in(&discord, &model, config, None).await;
    discord
        .send_message(&IncomingMessage::in_channel(
            CHANNEL_ID,
            USER_ID,
            "think hard",
        ))
        .unwrap();
    discord
        .wait_for_messages(CHANNEL_ID, 1, WAIT)
        .await
        .unwrap();
    let typed = discord.typing_count(CHANNEL_ID);
    assert!(typed >= 2, "typing sent {typed} times during a 2.5 s turn");
    // And it stops with the reply.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(discord.typing_count(CHANNEL_ID), typed);
}
