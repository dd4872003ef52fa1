//! One Discord account's gateway connection: a twilight shard (heartbeats, zombie detection,
//! resume vs re-identify, op 7/9 are twilight's), watched by us for liveness and for close
//! codes that no retry can fix, feeding MESSAGE_CREATE into the durable ingress.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use twilight_gateway::{
    CloseFrame, ConfigBuilder, Event, EventTypeFlags, Intents, Shard, ShardId, StreamExt,
};
use twilight_model::channel::Message;
use twilight_model::id::Id;
use twilight_model::id::marker::ChannelMarker;

use super::convert::{self, ChannelInfo, Directory};
use super::endpoints::Endpoints;
use super::settings::DiscordAccount;
use crate::ingress::IngressQueue;
use crate::status::{ConnectionState, StatusHandle};
use crate::supervisor::SourceExit;

/// Consecutive failed connection attempts inside one shard before the supervisor takes over
/// (twilight's own backoff is 1, 2, 4, 8, 16 s without jitter).
const MAX_CONNECT_FAILURES: u32 = 5;

/// How often liveness is checked.
const WATCHDOG_EVERY: Duration = Duration::from_secs(10);

/// A shard that has not been logged in for this long is restarted.
const LOGIN_DEADLINE: Duration = Duration::from_secs(120);

/// Time allowed for a REST channel lookup before the message is handled without the name.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything one connection needs.
pub struct SourceContext {
    pub account: DiscordAccount,
    pub endpoints: Endpoints,
    pub http: Arc<twilight_http::Client>,
    pub ingress: IngressQueue,
    pub status: StatusHandle,
    pub cancel: CancellationToken,
}

fn intents(account: &DiscordAccount) -> Intents {
    let mut intents = Intents::GUILDS
        | Intents::GUILD_MESSAGES
        | Intents::DIRECT_MESSAGES
        | Intents::MESSAGE_CONTENT
        | Intents::GUILD_MESSAGE_REACTIONS
        | Intents::DIRECT_MESSAGE_REACTIONS;
    if account.intents.guild_members {
        intents |= Intents::GUILD_MEMBERS;
    }
    if account.intents.presence {
        intents |= Intents::GUILD_PRESENCES;
    }
    intents
}

fn wanted_events() -> EventTypeFlags {
    EventTypeFlags::READY
        | EventTypeFlags::RESUMED
        | EventTypeFlags::MESSAGE_CREATE
        | EventTypeFlags::GUILD_CREATE
        | EventTypeFlags::CHANNEL_CREATE
        | EventTypeFlags::CHANNEL_UPDATE
        | EventTypeFlags::CHANNEL_DELETE
        | EventTypeFlags::THREAD_CREATE
        | EventTypeFlags::THREAD_UPDATE
        | EventTypeFlags::GATEWAY_RECONNECT
        | EventTypeFlags::GATEWAY_INVALIDATE_SESSION
        | EventTypeFlags::GATEWAY_HEARTBEAT_ACK
}

/// What a close code means for us: `Some(reason)` when reconnecting cannot help.
fn fatal_close(code: u16) -> Option<String> {
    let reason = match code {
        4004 => {
            "Discord rejected the bot token (close 4004 \"Authentication failed\"); set a valid token in DISCORD_BOT_TOKEN or channels.discord.token"
        }
        4014 => {
            "Discord refused a privileged intent (close 4014 \"Disallowed intent(s)\"); enable \"Message Content Intent\" (and Server Members / Presence if configured) under Bot → Privileged Gateway Intents in the Discord developer portal"
        }
        4013 => "Discord rejected the requested intents (close 4013 \"Invalid intent(s)\")",
        4010 | 4011 => {
            "Discord requires sharding for this bot (close 4010/4011), which is not supported yet"
        }
        4012 => "Discord rejected the gateway API version (close 4012)",
        _ => return None,
    };
    Some(reason.to_owned())
}

/// Runs one connection until it is cancelled or fails.
pub async fn run(ctx: SourceContext) -> SourceExit {
    let Some(token) = ctx.account.token.as_ref() else {
        return SourceExit::Fatal("no Discord bot token configured".into());
    };
    let mut builder = ConfigBuilder::new(token.expose().to_owned(), intents(&ctx.account));
    if let Some(url) = &ctx.endpoints.gateway {
        builder = builder.proxy_url(url.clone());
    }
    let mut shard = Shard::with_config(ShardId::ONE, builder.build());
    let mut directory = Directory::default();
    let mut bot_id: Option<String> = None;
    let mut connect_failures: u32 = 0;
    let mut last_close: Option<u16> = None;
    let started = Instant::now();
    let mut ever_ready = false;
    let mut watchdog = tokio::time::interval(WATCHDOG_EVERY);
    watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let label = format!("discord:{}", ctx.account.id);
    loop {
        let item = tokio::select! {
            () = ctx.cancel.cancelled() => {
                shard.close(CloseFrame::NORMAL);
                return SourceExit::Cancelled;
            }
            _ = watchdog.tick() => {
                if let Some(exit) = check_liveness(&shard, started, ever_ready) {
                    return exit;
                }
                continue;
            }
            item = shard.next_event(wanted_events()) => item,
        };
        let event = match item {
            None => {
                let reason = last_close.and_then(fatal_close).unwrap_or_else(|| {
                    format!("the Discord gateway closed the session (close code {last_close:?})")
                });
                return if last_close.and_then(fatal_close).is_some() {
                    SourceExit::Fatal(reason)
                } else {
                    SourceExit::Failed(reason)
                };
            }
            Some(Err(error)) => {
                if matches!(
                    error.kind(),
                    twilight_gateway::error::ReceiveMessageErrorType::Reconnect
                ) {
                    connect_failures += 1;
                    let reason = format!("cannot connect to the Discord gateway: {error}");
                    ctx.status
                        .set_state(ConnectionState::Reconnecting, Some(reason.clone()));
                    if connect_failures >= MAX_CONNECT_FAILURES {
                        return SourceExit::Failed(reason);
                    }
                } else {
                    tracing::debug!(target: "discord", %error, "[{label}] skipped an unreadable gateway event");
                }
                continue;
            }
            Some(Ok(event)) => event,
        };
        ctx.status.update(|s| s.last_event_at = Some(now_ms()));
        match event {
            Event::Ready(ready) => {
                connect_failures = 0;
                ever_ready = true;
                let name = ready.user.name.clone();
                bot_id = Some(ready.user.id.to_string());
                ctx.status.update(|s| {
                    s.bot_id = Some(ready.user.id.to_string());
                    s.bot_name = Some(name.clone());
                    s.last_connected_at = Some(now_ms());
                    s.last_error = None;
                });
                ctx.status.set_state(ConnectionState::Connected, None);
                tracing::info!(target: "discord", "logged in to discord as {name}");
            }
            Event::Resumed => {
                connect_failures = 0;
                ctx.status.update(|s| {
                    s.last_connected_at = Some(now_ms());
                    s.reconnects += 1;
                });
                ctx.status.set_state(ConnectionState::Connected, None);
                tracing::info!(target: "discord", "[{label}] session resumed");
            }
            Event::GatewayClose(frame) => {
                last_close = frame.as_ref().map(|f| f.code);
                let code = last_close.map_or_else(|| "none".to_owned(), |c| c.to_string());
                if let Some(reason) = last_close.and_then(fatal_close) {
                    ctx.status.set_state(ConnectionState::GaveUp, Some(reason));
                } else {
                    ctx.status.set_state(
                        ConnectionState::Reconnecting,
                        Some(format!(
                            "gateway connection closed (code {code}); reconnecting"
                        )),
                    );
                }
                tracing::warn!(target: "discord", "[{label}] gateway connection closed (code {code})");
            }
            Event::GatewayReconnect | Event::GatewayInvalidateSession(_) => {
                ctx.status.update(|s| s.reconnects += 1);
                ctx.status.set_state(ConnectionState::Reconnecting, None);
            }
            Event::GuildCreate(guild) => directory.guild_created(&guild),
            Event::ChannelCreate(channel) => directory.channel_seen(&channel.0, None),
            Event::ChannelUpdate(channel) => directory.channel_seen(&channel.0, None),
            Event::ChannelDelete(channel) => directory.channel_deleted(channel.0.id),
            Event::ThreadCreate(thread) => directory.channel_seen(&thread.0, None),
            Event::ThreadUpdate(thread) => directory.channel_seen(&thread.0, None),
            Event::MessageCreate(message) => {
                let message: &Message = &message;
                if bot_id.as_deref() == Some(message.author.id.to_string().as_str()) {
                    continue;
                }
                let info = channel_info(&ctx.http, &mut directory, message.channel_id).await;
                let inbound = convert::inbound(
                    &ctx.account.id,
                    bot_id.as_deref(),
                    message,
                    info.as_ref(),
                    &directory,
                );
                ctx.status.update(|s| s.last_inbound_at = Some(now_ms()));
                if ctx.ingress.deliver(inbound).await.is_err() {
                    return SourceExit::Cancelled;
                }
            }
            _ => {}
        }
    }
}

/// The directory's entry for a channel, fetched over REST the first time it is needed.
async fn channel_info(
    http: &twilight_http::Client,
    directory: &mut Directory,
    id: Id<ChannelMarker>,
) -> Option<ChannelInfo> {
    if let Some(info) = directory.channel(id) {
        return Some(info.clone());
    }
    let fetched = tokio::time::timeout(LOOKUP_TIMEOUT, async {
        let response = http.channel(id).await.ok()?;
        response.model().await.ok()
    })
    .await
    .ok()
    .flatten()?;
    directory.channel_seen(&fetched, None);
    directory.channel(id).cloned()
}

fn check_liveness(shard: &Shard, started: Instant, ever_ready: bool) -> Option<SourceExit> {
    if !ever_ready && started.elapsed() > LOGIN_DEADLINE {
        return Some(SourceExit::Failed(format!(
            "not logged in to Discord after {}s",
            LOGIN_DEADLINE.as_secs()
        )));
    }
    // twilight reconnects a zombie connection itself (no heartbeat ACK within an interval);
    // this catches a shard that stopped making progress altogether.
    if shard.state().is_identified()
        && let Some(received) = shard.latency().received()
        && received.elapsed() > LOGIN_DEADLINE
    {
        return Some(SourceExit::Failed(format!(
            "no heartbeat acknowledgement from Discord for {}s",
            received.elapsed().as_secs()
        )));
    }
    None
}

fn now_ms() -> i64 {
    openclaw_store::now_ms()
}
