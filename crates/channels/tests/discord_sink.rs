//! The Discord sink against the in-repo fake Discord: every outbound operation reaches it
//! in Discord's wire format, DMs are opened on demand, 429s are retried.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use openclaw_channels::discord::endpoints::Endpoints;
use openclaw_channels::discord::settings::{DiscordSettings, Secret};
use openclaw_channels::discord::sink::{DiscordSink, http_client};
use openclaw_channels::outbound::{OutboundFile, OutboundSink, Target};
use openclaw_channels::status::{AccountStatus, StatusHandle};
use openclaw_config::Env;
use openclaw_testkit::fake_discord::{CHANNEL_ID, FakeDiscord, RouteMatch, USER_ID};

fn sink(discord: &FakeDiscord) -> (DiscordSink, StatusHandle) {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let env = Env::from_pairs([("DISCORD_BOT_TOKEN", discord.token())]);
    let settings = DiscordSettings::resolve(None, None, None, &env);
    let mut account = settings.accounts[0].clone();
    account.token = Some(Secret::new(discord.token()));
    let endpoints = Endpoints {
        api: Some((discord.proxy_host(), true)),
        gateway: None,
    };
    let http = Arc::new(http_client(&account, &endpoints));
    let status = StatusHandle::new(AccountStatus::new("discord", "default", true, "env"));
    (DiscordSink::new(http, &account, status.clone()), status)
}

#[tokio::test]
async fn messages_replies_edits_files_typing_and_reactions_reach_discord() {
    let discord = FakeDiscord::start().await.unwrap();
    let (sink, status) = sink(&discord);
    let channel = Target::Conversation(CHANNEL_ID.to_string());

    let first = sink.send_text(&channel, "hello", None).await.unwrap();
    assert_eq!(first.conversation_id, CHANNEL_ID.to_string());
    let reply = sink
        .send_text(&channel, "a reply", Some(&first.id))
        .await
        .unwrap();
    sink.edit_text(&CHANNEL_ID.to_string(), &reply.id, "an edited reply")
        .await
        .unwrap();
    let file = OutboundFile {
        filename: "notes.txt".into(),
        bytes: b"file body".to_vec(),
        caption: Some("see attached".into()),
    };
    sink.send_file(&channel, &file, None).await.unwrap();
    sink.typing(&CHANNEL_ID.to_string()).await.unwrap();
    sink.react(&CHANNEL_ID.to_string(), &first.id, "👀")
        .await
        .unwrap();
    sink.unreact(&CHANNEL_ID.to_string(), &first.id, "👀")
        .await
        .unwrap();

    let sent = discord.sent_messages_in(CHANNEL_ID);
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].content, "hello");
    assert_eq!(
        sent[1].message_reference.as_ref().unwrap()["message_id"],
        first.id.as_str()
    );
    assert_eq!(sent[2].content, "see attached");
    assert_eq!(
        sent[2].body["attachments"][0]["filename"], "notes.txt",
        "{}",
        sent[2].body
    );
    let edits = discord.edits();
    assert_eq!(edits[0].content.as_deref(), Some("an edited reply"));
    assert_eq!(discord.typing_count(CHANNEL_ID), 1);
    let reactions = discord.reactions();
    assert_eq!(reactions.len(), 2);
    assert!(reactions[0].added && !reactions[1].added);
    assert_eq!(reactions[0].emoji, "👀");
    assert!(status.snapshot().last_outbound_at.is_some());

    // The token proves itself.
    let (id, _name) = sink.current_user().await.unwrap();
    assert_eq!(id, discord.bot_id().to_string());
}

#[tokio::test]
async fn a_user_target_opens_a_dm_once_and_reuses_it() {
    let discord = FakeDiscord::start().await.unwrap();
    let (sink, _) = sink(&discord);
    let user = Target::User(USER_ID.to_string());
    let a = sink.send_text(&user, "one", None).await.unwrap();
    let b = sink.send_text(&user, "two", None).await.unwrap();
    assert_eq!(a.conversation_id, b.conversation_id);
    assert_eq!(
        a.conversation_id,
        discord.dm_channel_id(USER_ID).to_string()
    );
    assert_eq!(discord.dm_opens().len(), 1);

    let bad = sink
        .send_text(&Target::Conversation("general".into()), "x", None)
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("snowflake"), "{bad}");
}

#[tokio::test]
async fn rate_limited_sends_are_retried_until_they_pass() {
    let discord = FakeDiscord::start().await.unwrap();
    let (sink, _) = sink(&discord);
    discord.rate_limit_next(
        RouteMatch::new("POST", "/channels/*/messages"),
        2,
        Duration::from_millis(200),
    );
    let started = std::time::Instant::now();
    sink.send_text(&Target::Conversation(CHANNEL_ID.to_string()), "late", None)
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(discord.sent_messages_in(CHANNEL_ID).len(), 1);
}
