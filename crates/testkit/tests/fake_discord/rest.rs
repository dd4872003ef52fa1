//! REST routes answered in shapes twilight-http deserializes, token checks, and how
//! twilight reacts to scripted 429s.

use super::*;

#[tokio::test]
async fn rest_routes_answer_twilight_models() {
    let discord = FakeDiscord::start().await.unwrap();
    let client = http(&discord);

    let me = client.current_user().await.unwrap().model().await.unwrap();
    assert_eq!(me.id.get(), BOT_ID);
    let gateway = client
        .gateway()
        .authed()
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(gateway.url, discord.gateway_url());
    assert_eq!(gateway.shards, 1);
    let guild = client
        .guild(Id::new(GUILD_ID))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(guild.name, "OpenClaw Test");
    let general = client
        .channel(Id::new(CHANNEL_ID))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(general.kind, ChannelType::GuildText);
    assert_eq!(general.name.as_deref(), Some("general"));

    // Opening a DM gives a private channel; sending there is recorded per channel.
    let dm = client
        .create_private_channel(Id::new(USER_ID))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(dm.kind, ChannelType::Private);
    assert_eq!(dm.id.get(), discord.dm_channel_id(USER_ID));
    assert_eq!(discord.dm_opens(), vec![USER_ID]);
    let incoming = discord
        .send_message(&IncomingMessage::dm(USER_ID, "pair me"))
        .unwrap();
    let incoming_id = Id::new(incoming["id"].as_str().unwrap().parse().unwrap());
    let sent = client
        .create_message(dm.id)
        .content("your code is ABC123")
        .reply(incoming_id)
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(sent.author.id.get(), BOT_ID);
    assert_eq!(sent.content, "your code is ABC123");
    let recorded = discord
        .wait_for_messages(dm.id.get(), 1, WAIT)
        .await
        .unwrap();
    assert_eq!(recorded[0].id, sent.id.get());
    assert_eq!(
        recorded[0].message_reference.as_ref().unwrap()["message_id"],
        incoming["id"]
    );

    client
        .create_typing_trigger(Id::new(CHANNEL_ID))
        .await
        .unwrap();
    client
        .create_typing_trigger(Id::new(CHANNEL_ID))
        .await
        .unwrap();
    assert_eq!(discord.typing_count(CHANNEL_ID), 2);

    let eyes = RequestReactionType::Unicode { name: "👀" };
    client
        .create_reaction(dm.id, incoming_id, &eyes)
        .await
        .unwrap();
    client
        .delete_current_user_reaction(dm.id, incoming_id, &eyes)
        .await
        .unwrap();
    let reactions = discord.reactions();
    assert_eq!(reactions.len(), 2);
    assert_eq!(reactions[0].emoji, "👀");
    assert!(reactions[0].added && !reactions[1].added);
    assert_eq!(reactions[0].message_id, incoming_id.get());

    let edited = client
        .update_message(dm.id, sent.id)
        .content(Some("edited"))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(edited.content, "edited");
    assert!(edited.edited_timestamp.is_some());
    assert_eq!(discord.edits()[0].content.as_deref(), Some("edited"));
    client.delete_message(dm.id, sent.id).await.unwrap();
    assert_eq!(discord.deletes(), vec![(dm.id.get(), sent.id.get())]);

    // Discord's own errors: unknown channel.
    let error = client
        .create_message(Id::new(999))
        .content("x")
        .await
        .unwrap_err();
    assert!(format!("{error:?}").contains("10003"), "{error:?}");

    let calls = discord.rest_calls();
    assert!(
        calls
            .iter()
            .any(|c| c.method == "GET" && c.path == "/users/@me")
    );
    assert!(calls.iter().all(|c| c.path.starts_with('/')));
}

#[tokio::test]
async fn wrong_tokens_are_refused() {
    let discord = FakeDiscord::start_with(FakeDiscordOptions {
        token: "the-real-token".into(),
        ..FakeDiscordOptions::default()
    })
    .await
    .unwrap();
    install_crypto();
    let client = twilight_http::Client::builder()
        .token("not-it".into())
        .proxy(discord.proxy_host(), true)
        .build();
    let error = client.current_user().await.unwrap_err();
    assert!(format!("{error:?}").contains("401"), "{error:?}");
    assert_eq!(discord.rest_calls()[0].status, 401);

    let config = ConfigBuilder::new("not-it".into(), Intents::GUILD_MESSAGES)
        .proxy_url(discord.gateway_url())
        .build();
    let mut shard = Shard::with_config(ShardId::ONE, config);
    let mut close_code = None;
    let ended = tokio::time::timeout(WAIT, async {
        while let Some(item) = shard.next_event(EventTypeFlags::all()).await {
            if let Ok(Event::GatewayClose(Some(frame))) = item {
                close_code = Some(frame.code);
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the shard did not stop after 4004");
    assert_eq!(close_code, Some(4004));
    assert!(!discord.identifies()[0].accepted);
    assert_eq!(discord.current_session(), None);
}

#[tokio::test]
async fn route_429_is_retried_by_twilight_after_reset_after() {
    let discord = FakeDiscord::start().await.unwrap();
    let client = http(&discord);
    discord.rate_limit_next(
        RouteMatch::new("POST", "/channels/*/messages"),
        2,
        Duration::from_millis(300),
    );
    let started = Instant::now();
    let sent = client
        .create_message(Id::new(CHANNEL_ID))
        .content("after the limit")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(sent.content, "after the limit");
    let statuses: Vec<u16> = discord.rest_calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, vec![429, 429, 200]);
    assert_eq!(discord.sent_messages().len(), 1);
    // twilight waited for X-RateLimit-Reset-After before each retry.
    assert!(elapsed >= Duration::from_millis(550), "{elapsed:?}");
}

#[tokio::test]
async fn global_429_is_retried_by_twilight_without_waiting() {
    let discord = FakeDiscord::start().await.unwrap();
    let client = http(&discord);
    discord.rate_limit_global_next(2, Duration::from_secs(2));
    let started = Instant::now();
    client
        .create_message(Id::new(CHANNEL_ID))
        .content("global")
        .await
        .unwrap();
    let statuses: Vec<u16> = discord.rest_calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, vec![429, 429, 200]);
    // twilight 0.18 ignores `retry_after` on a global 429 and retries at once: a channel
    // that must honour global limits has to do it itself.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}
