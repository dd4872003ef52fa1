//! The fake Discord driven by twilight 0.18 itself (the library the Discord channel uses):
//! the gateway's READY, dispatches, heartbeats, resume and re-identify paths, and the REST
//! routes, including how twilight reacts to 429s.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code may panic

use std::time::{Duration, Instant};

use openclaw_testkit::fake_discord::{
    BOT_ID, CHANNEL_ID, ChannelSpec, FakeDiscord, FakeDiscordOptions, GUILD_ID, IncomingMessage,
    RouteMatch, USER_ID, UserSpec,
};
use tokio::sync::mpsc;
use twilight_gateway::{
    ConfigBuilder, Event, EventTypeFlags, Intents, Shard, ShardId, StreamExt as _,
    queue::InMemoryQueue,
};
use twilight_http::request::channel::reaction::RequestReactionType;
use twilight_model::channel::ChannelType;
use twilight_model::channel::message::MessageType;
use twilight_model::gateway::payload::incoming::GuildCreate;
use twilight_model::id::Id;

const WAIT: Duration = Duration::from_secs(10);

fn install_crypto() {
    // Installing twice (one per test in the same process) is an error we can ignore.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// What the shard pump forwards: events, and receive errors as text.
#[derive(Debug)]
enum Item {
    Event(Box<Event>),
    Error(String),
}

/// Runs a twilight shard against the fake on its own task (so heartbeats keep flowing while
/// the test waits on the fake) and forwards what it yields. The identify queue is disabled:
/// twilight's default spaces IDENTIFYs 5 s apart, which would only slow the tests down.
fn spawn_shard(discord: &FakeDiscord) -> mpsc::UnboundedReceiver<Item> {
    let intents = Intents::GUILD_MESSAGES | Intents::DIRECT_MESSAGES | Intents::MESSAGE_CONTENT;
    spawn_shard_with(discord, intents)
}

/// The first event `pick` accepts, skipping the others; panics after [`WAIT`].
async fn expect_event<T>(
    rx: &mut mpsc::UnboundedReceiver<Item>,
    what: &str,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut seen = Vec::new();
    loop {
        let item = tokio::time::timeout_at(deadline, rx.recv()).await;
        match item {
            Ok(Some(Item::Event(event))) => {
                if let Some(found) = pick(&event) {
                    return found;
                }
                seen.push(format!("{:?}", event.kind()));
            }
            Ok(Some(Item::Error(error))) => seen.push(format!("error {error}")),
            Ok(None) => panic!("shard ended while waiting for {what}; saw {seen:?}"),
            Err(_) => panic!("timed out waiting for {what}; saw {seen:?}"),
        }
    }
}

fn http(discord: &FakeDiscord) -> twilight_http::Client {
    install_crypto();
    twilight_http::Client::builder()
        .token(discord.token().to_string())
        .proxy(discord.proxy_host(), true)
        .build()
}

#[tokio::test]
async fn ready_identify_and_guild_create() {
    let discord = FakeDiscord::start().await.unwrap();
    let mut rx = spawn_shard(&discord);
    let ready = expect_event(&mut rx, "READY", |e| match e {
        Event::Ready(ready) => Some(ready.clone()),
        _ => None,
    })
    .await;
    assert_eq!(ready.user.id.get(), BOT_ID);
    assert_eq!(ready.user.name, "openclaw-bot");
    assert!(ready.user.bot);
    assert_eq!(ready.version, 10);
    assert_eq!(ready.guilds.len(), 1);
    assert_eq!(ready.guilds[0].id.get(), GUILD_ID);
    assert_eq!(ready.resume_gateway_url, discord.gateway_url());
    assert_eq!(ready.application.id.get(), BOT_ID);
    let (session, seq) = discord.current_session().unwrap();
    assert_eq!(ready.session_id, session);
    assert!(seq >= 1);

    let guild = expect_event(&mut rx, "GUILD_CREATE", |e| match e {
        Event::GuildCreate(create) => Some(create.clone()),
        _ => None,
    })
    .await;
    let GuildCreate::Available(guild) = *guild else {
        panic!("guild unavailable: {guild:?}");
    };
    assert_eq!(guild.name, "OpenClaw Test");
    assert_eq!(guild.channels.len(), 1);
    assert_eq!(guild.channels[0].name.as_deref(), Some("general"));

    let identify = &discord.identifies()[0];
    assert!(identify.accepted);
    // twilight prefixes the token itself.
    assert_eq!(identify.token, format!("Bot {}", discord.token()));
    let intents = Intents::GUILD_MESSAGES | Intents::DIRECT_MESSAGES | Intents::MESSAGE_CONTENT;
    assert_eq!(identify.intents, intents.bits());
    assert_eq!(identify.properties["browser"], "twilight.rs");
    let connection = &discord.connections()[0];
    assert_eq!(connection.query.as_deref(), Some("v=10&encoding=json"));
}

#[tokio::test]
async fn message_create_dm_guild_mention_reply_and_thread() {
    let discord = FakeDiscord::start().await.unwrap();
    let thread_id = 1_300_000_000_000_000_150;
    discord
        .add_channel(ChannelSpec::thread(thread_id, CHANNEL_ID, "a thread"))
        .unwrap();
    let bob = 1_300_000_000_000_000_202;
    discord.add_user(UserSpec::human(bob, "bob"));
    let mut rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();

    let dm = discord
        .send_message(&IncomingMessage::dm(USER_ID, "hi bot"))
        .unwrap();
    let message = expect_event(&mut rx, "the DM", |e| match e {
        Event::MessageCreate(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(message.content, "hi bot");
    assert_eq!(message.guild_id, None);
    assert_eq!(message.author.id.get(), USER_ID);
    assert_eq!(message.author.name, "alice");
    assert_eq!(message.author.global_name.as_deref(), Some("Alice"));
    assert!(!message.author.bot);
    assert_eq!(message.channel_id.get(), discord.dm_channel_id(USER_ID));
    assert_eq!(dm["id"], message.id.to_string());
    assert!(message.member.is_none());

    let text = format!("{} what's up", discord.bot_mention());
    discord
        .send_message(
            &IncomingMessage::in_channel(CHANNEL_ID, bob, &text)
                .mention(BOT_ID)
                .author_roles(&[77]),
        )
        .unwrap();
    let message = expect_event(&mut rx, "the guild message", |e| match e {
        Event::MessageCreate(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(message.guild_id.map(Id::get), Some(GUILD_ID));
    assert_eq!(message.channel_id.get(), CHANNEL_ID);
    assert_eq!(message.mentions.len(), 1);
    assert_eq!(message.mentions[0].id.get(), BOT_ID);
    assert!(message.mentions[0].bot);
    let member = message.member.as_ref().unwrap();
    assert_eq!(member.roles[0].get(), 77);
    assert_eq!(message.kind, MessageType::Regular);

    // A reply to a message the bot sent through REST carries it as referenced_message.
    let client = http(&discord);
    let sent = client
        .create_message(Id::new(CHANNEL_ID))
        .content("I am the bot")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    // Discord echoes the bot's own message on the gateway; a bot must skip it.
    let echo = expect_event(&mut rx, "the echo of the bot's message", |e| match e {
        Event::MessageCreate(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(echo.id, sent.id);
    assert!(echo.author.bot);
    assert_eq!(echo.guild_id.map(Id::get), Some(GUILD_ID));
    discord
        .send_message(
            &IncomingMessage::in_channel(CHANNEL_ID, bob, "replying").reply_to(sent.id.get()),
        )
        .unwrap();
    let reply = expect_event(&mut rx, "the reply", |e| match e {
        Event::MessageCreate(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reply.kind, MessageType::Reply);
    let referenced = reply.referenced_message.as_ref().unwrap();
    assert_eq!(referenced.id, sent.id);
    assert_eq!(referenced.author.id.get(), BOT_ID);
    assert_eq!(reply.reference.as_ref().unwrap().message_id, Some(sent.id));

    discord
        .send_message(&IncomingMessage::in_channel(
            thread_id,
            USER_ID,
            "in thread",
        ))
        .unwrap();
    let in_thread = expect_event(&mut rx, "the thread message", |e| match e {
        Event::MessageCreate(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(in_thread.channel_id.get(), thread_id);
    assert_eq!(in_thread.guild_id.map(Id::get), Some(GUILD_ID));
    let channel = client
        .channel(Id::new(thread_id))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(channel.kind, ChannelType::PublicThread);
    assert_eq!(channel.parent_id.map(Id::get), Some(CHANNEL_ID));
    assert_eq!(channel.guild_id.map(Id::get), Some(GUILD_ID));

    // Unknown authors are refused with a message saying what to do.
    let error = discord
        .send_message(&IncomingMessage::dm(42, "who?"))
        .unwrap_err();
    assert!(error.to_string().contains("add_user"), "{error}");
}

#[tokio::test]
async fn resume_after_socket_drop_replays_missed_dispatches() {
    let discord = FakeDiscord::start().await.unwrap();
    let mut rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    let (session, _) = discord.current_session().unwrap();
    assert_eq!(discord.drop_connections(), 1);
    let missed = discord
        .send_message(&IncomingMessage::dm(USER_ID, "sent while away"))
        .unwrap();
    discord.wait_resumed(1, WAIT).await.unwrap();
    let message = expect_event(&mut rx, "the missed message", |e| match e {
        Event::MessageCreate(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    assert_eq!(message.id.to_string(), missed["id"].as_str().unwrap());
    expect_event(&mut rx, "RESUMED", |e| {
        matches!(e, Event::Resumed).then_some(())
    })
    .await;
    let resume = &discord.resumes()[0];
    assert_eq!(resume.session_id, session);
    assert!(resume.accepted);
    assert_eq!(resume.replayed, 1);
    assert_eq!(discord.identify_count(), 1);
    assert_eq!(discord.connections().len(), 2);
    // Nothing is sent twice after the resume.
    discord
        .send_message(&IncomingMessage::dm(USER_ID, "after"))
        .unwrap();
    let next = expect_event(&mut rx, "the next message", |e| match e {
        Event::MessageCreate(m) => Some(m.content.clone()),
        _ => None,
    })
    .await;
    assert_eq!(next, "after");
}

#[tokio::test]
async fn op7_reconnect_makes_twilight_resume() {
    let discord = FakeDiscord::start().await.unwrap();
    let mut rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    assert_eq!(discord.send_reconnect(), 1);
    expect_event(&mut rx, "op 7", |e| {
        matches!(e, Event::GatewayReconnect).then_some(())
    })
    .await;
    discord.wait_resumed(1, WAIT).await.unwrap();
    // twilight closes with 4000 so that the session stays resumable.
    discord
        .wait_until("the client's close frame", WAIT, |d| {
            d.connections()[0].client_close == Some(4000)
        })
        .await
        .unwrap();
    assert_eq!(discord.identify_count(), 1);
}

#[tokio::test]
async fn op9_false_makes_twilight_identify_again() {
    let discord = FakeDiscord::start().await.unwrap();
    let mut rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    let (first, _) = discord.current_session().unwrap();
    assert_eq!(discord.send_invalid_session(false), 1);
    expect_event(&mut rx, "op 9", |e| match e {
        Event::GatewayInvalidateSession(resumable) => Some(*resumable),
        _ => None,
    })
    .await;
    discord.wait_identified(2, WAIT).await.unwrap();
    let (second, _) = discord.current_session().unwrap();
    assert_ne!(first, second);
    assert_eq!(discord.resume_count(), 0);
    discord
        .wait_until("the client's close frame", WAIT, |d| {
            d.connections()[0].client_close == Some(1000)
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn op9_true_makes_twilight_resume() {
    let discord = FakeDiscord::start().await.unwrap();
    let _rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    discord.send_invalid_session(true);
    discord.wait_resumed(1, WAIT).await.unwrap();
    assert_eq!(discord.identify_count(), 1);
}

#[tokio::test]
async fn refused_resume_leads_to_a_new_identify() {
    let discord = FakeDiscord::start().await.unwrap();
    let _rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    discord.set_resume_allowed(false);
    discord.drop_connections();
    discord.wait_identified(2, WAIT).await.unwrap();
    let resumes = discord.resumes();
    assert_eq!(resumes.len(), 1);
    assert!(!resumes[0].accepted);
}

#[tokio::test]
async fn reconnectable_close_code_resumes_and_fatal_one_stops() {
    let discord = FakeDiscord::start().await.unwrap();
    let mut rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    let close_code = |e: &Event| match e {
        Event::GatewayClose(Some(frame)) => Some(frame.code),
        _ => None,
    };
    discord.close_connections(4000, "Unknown error.");
    assert_eq!(
        expect_event(&mut rx, "the 4000 close", close_code).await,
        4000
    );
    discord.wait_resumed(1, WAIT).await.unwrap();
    discord.close_connections(4014, "Disallowed intent(s).");
    assert_eq!(
        expect_event(&mut rx, "the 4014 close", close_code).await,
        4014
    );
    // The shard gives up: its stream ends and nothing reconnects.
    let ended = tokio::time::timeout(WAIT, async { while rx.recv().await.is_some() {} }).await;
    assert!(ended.is_ok());
    assert_eq!(discord.connections().len(), 2);
}

#[tokio::test]
async fn silenced_heartbeat_acks_make_twilight_reconnect() {
    let discord = FakeDiscord::start_with(FakeDiscordOptions {
        heartbeat_interval: Duration::from_millis(200),
        send_guild_create: false,
        ..FakeDiscordOptions::default()
    })
    .await
    .unwrap();
    let _rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    discord
        .wait_until("four heartbeats", WAIT, |d| d.heartbeat_count() >= 4)
        .await
        .unwrap();
    // ACKed heartbeats keep the first connection alive.
    assert_eq!(discord.connections().len(), 1);
    assert_eq!(discord.resume_count(), 0);
    discord.set_heartbeat_acks(false);
    discord.wait_resumed(1, WAIT).await.unwrap();
    discord.set_heartbeat_acks(true);
    assert_eq!(discord.identify_count(), 1);
    assert!(discord.connections().len() >= 2);
}

#[tokio::test]
async fn server_heartbeat_request_is_answered() {
    let discord = FakeDiscord::start().await.unwrap();
    let _rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    let before = discord.heartbeat_count();
    assert_eq!(discord.request_heartbeat(), 1);
    discord
        .wait_until("a requested heartbeat", WAIT, |d| {
            d.heartbeat_count() > before
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn wait_helpers_fail_with_the_state_instead_of_hanging() {
    let discord = FakeDiscord::start().await.unwrap();
    let error = discord
        .wait_identified(1, Duration::from_millis(50))
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("1 accepted IDENTIFY"), "{text}");
    assert!(text.contains("0 IDENTIFY"), "{text}");
    assert!(
        discord
            .wait_for_messages(CHANNEL_ID, 1, Duration::from_millis(50))
            .await
            .is_err()
    );
}

/// [`spawn_shard`] identifying with these intents.
fn spawn_shard_with(discord: &FakeDiscord, intents: Intents) -> mpsc::UnboundedReceiver<Item> {
    install_crypto();
    let config = ConfigBuilder::new(discord.token().to_string(), intents)
        .proxy_url(discord.gateway_url())
        .queue(InMemoryQueue::new(0, 0, Duration::ZERO, 0))
        .build();
    let mut shard = Shard::with_config(ShardId::ONE, config);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(item) = shard.next_event(EventTypeFlags::all()).await {
            let item = match item {
                Ok(event) => Item::Event(Box::new(event)),
                Err(error) => Item::Error(format!("{error:?}")),
            };
            if tx.send(item).is_err() {
                return;
            }
        }
    });
    rx
}

#[tokio::test]
async fn intents_decide_what_arrives_and_whether_content_is_visible() {
    let discord = FakeDiscord::start().await.unwrap();
    // No DIRECT_MESSAGES, no MESSAGE_CONTENT.
    let mut rx = spawn_shard_with(&discord, Intents::GUILD_MESSAGES);
    discord.wait_identified(1, WAIT).await.unwrap();
    discord
        .send_message(&IncomingMessage::dm(USER_ID, "a DM nobody sees"))
        .unwrap();
    discord
        .send_message(&IncomingMessage::in_channel(
            CHANNEL_ID,
            USER_ID,
            "hidden text",
        ))
        .unwrap();
    let mention = format!("{} visible text", discord.bot_mention());
    discord
        .send_message(&IncomingMessage::in_channel(CHANNEL_ID, USER_ID, &mention).mention(BOT_ID))
        .unwrap();
    let mut contents = Vec::new();
    while contents.len() < 2 {
        let content = expect_event(&mut rx, "guild messages", |e| match e {
            Event::MessageCreate(m) => Some(m.content.clone()),
            _ => None,
        })
        .await;
        contents.push(content);
    }
    // The DM never came (it would have been first); unmentioned content is emptied.
    assert_eq!(contents, vec![String::new(), mention]);
}

#[tokio::test]
async fn threads_edits_deletes_and_their_gateway_echoes() {
    let discord = FakeDiscord::start().await.unwrap();
    let mut rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    let client = http(&discord);
    let incoming = discord
        .send_message(&IncomingMessage::in_channel(
            CHANNEL_ID,
            USER_ID,
            "start a thread",
        ))
        .unwrap();
    let incoming_id: u64 = incoming["id"].as_str().unwrap().parse().unwrap();
    let thread = client
        .create_thread_from_message(Id::new(CHANNEL_ID), Id::new(incoming_id), "chat")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(thread.id.get(), incoming_id);
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!(thread.parent_id.map(Id::get), Some(CHANNEL_ID));
    let created = expect_event(&mut rx, "THREAD_CREATE", |e| match e {
        Event::ThreadCreate(t) => Some(t.id.get()),
        _ => None,
    })
    .await;
    assert_eq!(created, incoming_id);
    let standalone = client
        .create_thread(Id::new(CHANNEL_ID), "standalone", ChannelType::PublicThread)
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(discord.threads_created().len(), 2);
    assert_eq!(discord.threads_created()[1].id, standalone.id.get());
    assert_eq!(
        discord.channel(standalone.id.get()).unwrap().guild_id,
        Some(GUILD_ID)
    );

    let sent = client
        .create_message(thread.id)
        .content("in the thread")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    client
        .update_message(thread.id, sent.id)
        .content(Some("edited in the thread"))
        .await
        .unwrap();
    let updated = expect_event(&mut rx, "MESSAGE_UPDATE", |e| match e {
        Event::MessageUpdate(m) => Some(m.content.clone()),
        _ => None,
    })
    .await;
    assert_eq!(updated, "edited in the thread");
    client.delete_message(thread.id, sent.id).await.unwrap();
    let deleted = expect_event(&mut rx, "MESSAGE_DELETE", |e| match e {
        Event::MessageDelete(m) => Some((m.id, m.channel_id, m.guild_id)),
        _ => None,
    })
    .await;
    assert_eq!(deleted, (sent.id, thread.id, Some(Id::new(GUILD_ID))));
}

#[tokio::test]
async fn hosted_attachments_are_served() {
    let discord = FakeDiscord::start().await.unwrap();
    let mut rx = spawn_shard(&discord);
    discord.wait_identified(1, WAIT).await.unwrap();
    discord
        .send_message(&IncomingMessage::dm(USER_ID, "see file").attachment(
            "notes.txt",
            Some("text/plain"),
            b"hello file",
        ))
        .unwrap();
    let message = expect_event(&mut rx, "the message with a file", |e| match e {
        Event::MessageCreate(m) => Some(m.clone()),
        _ => None,
    })
    .await;
    let attachment = &message.attachments[0];
    assert_eq!(attachment.filename, "notes.txt");
    assert_eq!(attachment.size, 10);
    assert_eq!(attachment.content_type.as_deref(), Some("text/plain"));
    let path = attachment.url.strip_prefix(&discord.api_url()).unwrap();
    let response = openclaw_testkit::http_get(discord.addr(), path, &[])
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello file");
    assert_eq!(discord.attachment_downloads(), 1);
}

#[path = "fake_discord/raw.rs"]
mod raw;
#[path = "fake_discord/rest.rs"]
mod rest;
