//! A scriptable fake Discord (API v10, JSON encoding, no compression) on 127.0.0.1: the
//! gateway WebSocket at `/` and the REST API under `/api/v10`, on one port.
//!
//! Point the gateway at it with `OPENCLAW_DISCORD_GATEWAY_URL=`[`FakeDiscord::gateway_url`]
//! and `OPENCLAW_DISCORD_API_URL=`[`FakeDiscord::api_url`]; twilight takes the same values as
//! `ConfigBuilder::proxy_url(gateway_url)` and `ClientBuilder::proxy(proxy_host, true)`.
//!
//! The fake keeps a small world (guilds, channels, users; see [`model`]) with a default guild
//! [`GUILD_ID`], text channel [`CHANNEL_ID`] `#general` and human [`USER_ID`] `alice`. Tests
//! dispatch user messages with [`FakeDiscord::send_message`], pull the gateway's levers (drop
//! the socket, op 7, op 9, close codes, silence heartbeat ACKs, refuse resumes), script 429s,
//! and read what the bot did: IDENTIFYs and RESUMEs, messages sent, typing, reactions,
//! threads. Every `wait_*` helper gives up with an error describing the state instead of
//! hanging.
//!
//! Like Discord, by default the fake echoes the bot's own sends, edits and deletes on the
//! gateway (so a bot that does not ignore its own messages talks to itself) and applies the
//! IDENTIFY's intents (no MESSAGE_CONTENT → empty content on guild messages that do not
//! mention the bot); both can be turned off in [`FakeDiscordOptions`]. REST rejects content
//! over 2,000 characters with Discord's 400, so chunking mistakes surface.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use std::time::Duration;
//! use openclaw_testkit::fake_discord::{FakeDiscord, IncomingMessage, CHANNEL_ID, USER_ID};
//! let discord = FakeDiscord::start().await?;
//! // start the gateway with the two URLs and `discord.token()` as the bot token, then:
//! discord.wait_identified(1, Duration::from_secs(10)).await?;
//! let text = format!("{} hello", discord.bot_mention());
//! discord.send_message(&IncomingMessage::in_channel(CHANNEL_ID, USER_ID, &text).mention(discord.bot_id()))?;
//! let replies = discord.wait_for_messages(CHANNEL_ID, 1, Duration::from_secs(10)).await?;
//! assert!(!replies[0].content.is_empty());
//! # Ok(()) }
//! ```

mod gateway;
pub mod model;
mod rest;

pub use gateway::{ConnectionRecord, IdentifyRecord, ResumeRecord};
pub use model::{ChannelKind, ChannelSpec, GuildSpec, IncomingMessage, UserSpec};
pub use rest::{
    CreatedThread, EditedMessage, MAX_KEPT_CALLS, ReactionRecord, RestCall, RouteMatch, SentMessage,
};

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::routing::{any, get};
use serde_json::Value;

use gateway::{ConnCommand, GatewayState};
use model::World;
use rest::RestState;

/// The bot token the fake accepts unless [`FakeDiscordOptions::token`] says otherwise.
pub const DEFAULT_TOKEN: &str = "fake-discord-bot-token";
/// The bot's user id (and application id) in the default world.
pub const BOT_ID: u64 = 1_300_000_000_000_000_001;
/// The default guild, "OpenClaw Test".
pub const GUILD_ID: u64 = 1_300_000_000_000_000_100;
/// The default guild's `#general` text channel.
pub const CHANNEL_ID: u64 = 1_300_000_000_000_000_101;
/// The default human user, `alice`.
pub const USER_ID: u64 = 1_300_000_000_000_000_201;

/// How the fake starts.
#[derive(Debug, Clone)]
pub struct FakeDiscordOptions {
    /// The bot token; IDENTIFY may send it bare or as `Bot <token>`, REST must send
    /// `Authorization: Bot <token>`.
    pub token: String,
    /// Sent in HELLO; make it small (e.g. 200 ms) for zombie-connection tests.
    pub heartbeat_interval: Duration,
    pub bot_username: String,
    /// Adds [`GUILD_ID`], [`CHANNEL_ID`] and [`USER_ID`].
    pub default_world: bool,
    /// Sends GUILD_CREATE for every guild right after READY.
    pub send_guild_create: bool,
    /// Dispatches MESSAGE_CREATE / MESSAGE_UPDATE / MESSAGE_DELETE for the bot's own REST
    /// sends, edits and deletes, as Discord does (a bot must ignore its own messages).
    pub echo_bot_messages: bool,
    /// Applies the IDENTIFY's intents to message events: no GUILD_MESSAGES → no guild
    /// messages, no DIRECT_MESSAGES → no DMs, no MESSAGE_CONTENT → guild messages that
    /// neither mention the bot nor come from it arrive with empty content.
    pub enforce_intents: bool,
}

impl Default for FakeDiscordOptions {
    fn default() -> Self {
        Self {
            token: DEFAULT_TOKEN.to_string(),
            heartbeat_interval: Duration::from_millis(41_250),
            bot_username: "openclaw-bot".to_string(),
            default_world: true,
            send_guild_create: true,
            echo_bot_messages: true,
            enforce_intents: true,
        }
    }
}

pub(crate) struct Shared {
    options: FakeDiscordOptions,
    addr: SocketAddr,
    world: Mutex<World>,
    gateway: Mutex<GatewayState>,
    rest: Mutex<RestState>,
}

impl Shared {
    fn gateway_url(&self) -> String {
        format!("ws://{}", self.addr)
    }
}

/// Poisoning only means another test thread panicked; the data is still usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running fake Discord; the server stops when this is dropped.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.task.abort();
        // Aborting the server leaves upgraded sockets running; end them too.
        lock(&self.shared.gateway).broadcast(|| ConnCommand::Drop);
    }
}

impl FakeDiscord {
    /// Starts with [`FakeDiscordOptions::default`].
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(FakeDiscordOptions::default()).await
    }

    /// Binds a free loopback port and starts serving.
    pub async fn start_with(options: FakeDiscordOptions) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the fake Discord server to 127.0.0.1")?;
        let addr = listener.local_addr()?;
        let bot = UserSpec {
            id: BOT_ID,
            username: options.bot_username.clone(),
            global_name: None,
            bot: true,
        };
        let mut world = World::new(bot, BOT_ID);
        if options.default_world {
            world.guilds.insert(
                GUILD_ID,
                GuildSpec {
                    id: GUILD_ID,
                    name: "OpenClaw Test".into(),
                },
            );
            world.add_channel(ChannelSpec::text(CHANNEL_ID, GUILD_ID, "general"))?;
            world
                .users
                .insert(USER_ID, UserSpec::human(USER_ID, "alice"));
        }
        let mut gateway = GatewayState::new();
        gateway.enforce_intents = options.enforce_intents;
        let shared = Arc::new(Shared {
            options,
            addr,
            world: Mutex::new(world),
            gateway: Mutex::new(gateway),
            rest: Mutex::new(RestState::default()),
        });
        let app = Router::new()
            .route("/", get(gateway::ws_handler))
            .route("/api/v10/{*rest}", any(rest::rest_handler))
            .route(
                "/attachments/{channel}/{id}/{filename}",
                get(rest::attachment_handler),
            )
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            // The server only ends when the test drops the fake.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { shared, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `ws://127.0.0.1:<port>`: the gateway URL (also sent as `resume_gateway_url`).
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url()
    }

    /// `http://127.0.0.1:<port>`: the REST base; the API lives under `/api/v10`.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// `127.0.0.1:<port>`, for twilight-http's `ClientBuilder::proxy(host, true)`.
    pub fn proxy_host(&self) -> String {
        self.shared.addr.to_string()
    }

    pub fn token(&self) -> &str {
        &self.shared.options.token
    }

    pub fn bot_id(&self) -> u64 {
        BOT_ID
    }

    /// `<@bot id>`, the text a user types to mention the bot.
    pub fn bot_mention(&self) -> String {
        format!("<@{BOT_ID}>")
    }

    // ----- the world -----

    pub fn add_guild(&self, id: u64, name: &str) {
        let guild = GuildSpec {
            id,
            name: name.to_string(),
        };
        lock(&self.shared.world).guilds.insert(id, guild);
    }

    /// Adds a channel; its guild (or a thread's parent) must already exist.
    pub fn add_channel(&self, channel: ChannelSpec) -> anyhow::Result<()> {
        lock(&self.shared.world).add_channel(channel)
    }

    pub fn add_user(&self, user: UserSpec) {
        lock(&self.shared.world).users.insert(user.id, user);
    }

    pub fn channel(&self, id: u64) -> Option<ChannelSpec> {
        lock(&self.shared.world).channels.get(&id).cloned()
    }

    /// The id of the DM channel between the bot and `user_id` (created when missing).
    pub fn dm_channel_id(&self, user_id: u64) -> u64 {
        lock(&self.shared.world).dm_channel_with(user_id).id
    }

    /// A message the fake knows (dispatched, or created by the bot), as Discord's JSON.
    pub fn message(&self, id: u64) -> Option<Value> {
        lock(&self.shared.world).message(id).cloned()
    }

    // ----- gateway levers -----

    /// Dispatches MESSAGE_CREATE for a user's message and returns the message object.
    /// Before the first READY (or after the session was invalidated) it is delivered right
    /// after the next READY. While the session's client is disconnected it is kept for a
    /// RESUME of that session only; a client that IDENTIFYs afresh never sees it, as on
    /// Discord (so wait for [`Self::wait_identified`] after restarting the gateway).
    pub fn send_message(&self, message: &IncomingMessage) -> anyhow::Result<Value> {
        let payload = lock(&self.shared.world).incoming_message(message, &self.api_url())?;
        lock(&self.shared.gateway).dispatch("MESSAGE_CREATE", payload.clone());
        Ok(payload)
    }

    /// Dispatches any event; returns its sequence number, or `None` when it was queued for
    /// the next READY because no valid session exists, or dropped because the session's
    /// intents exclude it.
    pub fn dispatch(&self, event: &str, data: Value) -> Option<u64> {
        lock(&self.shared.gateway).dispatch(event, data)
    }

    /// Ends every live connection without a close frame; returns how many.
    pub fn drop_connections(&self) -> usize {
        lock(&self.shared.gateway).broadcast(|| ConnCommand::Drop)
    }

    /// Closes every live connection with a close frame; returns how many.
    pub fn close_connections(&self, code: u16, reason: &str) -> usize {
        lock(&self.shared.gateway).broadcast(|| ConnCommand::Close(code, reason.to_string()))
    }

    /// Sends op 7 RECONNECT to every live connection.
    pub fn send_reconnect(&self) -> usize {
        let frame = r#"{"op":7,"d":null,"s":null,"t":null}"#;
        lock(&self.shared.gateway).broadcast(|| ConnCommand::Text(frame.to_string()))
    }

    /// Sends op 9 INVALID_SESSION; with `resumable == false` the sessions also become
    /// unresumable, so the client must IDENTIFY again.
    pub fn send_invalid_session(&self, resumable: bool) -> usize {
        let frame = format!(r#"{{"op":9,"d":{resumable},"s":null,"t":null}}"#);
        let mut gateway = lock(&self.shared.gateway);
        if !resumable {
            gateway.invalidate_sessions();
        }
        gateway.broadcast(|| ConnCommand::Text(frame.clone()))
    }

    /// Sends op 1 (the server asking for an immediate heartbeat).
    pub fn request_heartbeat(&self) -> usize {
        let frame = r#"{"op":1,"d":null,"s":null,"t":null}"#;
        lock(&self.shared.gateway).broadcast(|| ConnCommand::Text(frame.to_string()))
    }

    /// Whether heartbeats get op 11 (on by default; off simulates a zombie connection, for
    /// this and later connections until turned back on).
    pub fn set_heartbeat_acks(&self, on: bool) {
        lock(&self.shared.gateway).ack_heartbeats = on;
    }

    /// Whether RESUME can succeed (on by default); off answers every RESUME with op 9 false.
    pub fn set_resume_allowed(&self, allowed: bool) {
        lock(&self.shared.gateway).resume_allowed = allowed;
    }

    /// Makes every existing session unresumable (the next RESUME gets op 9 false).
    pub fn invalidate_sessions(&self) {
        lock(&self.shared.gateway).invalidate_sessions();
    }

    // ----- what the gateway saw -----

    pub fn identifies(&self) -> Vec<IdentifyRecord> {
        lock(&self.shared.gateway).identifies.clone()
    }

    /// IDENTIFYs received, accepted or not.
    pub fn identify_count(&self) -> usize {
        lock(&self.shared.gateway).identifies.len()
    }

    pub fn resumes(&self) -> Vec<ResumeRecord> {
        lock(&self.shared.gateway).resumes.clone()
    }

    /// RESUMEs received, accepted or not.
    pub fn resume_count(&self) -> usize {
        lock(&self.shared.gateway).resumes.len()
    }

    pub fn heartbeat_count(&self) -> u64 {
        lock(&self.shared.gateway).heartbeats
    }

    /// Every WebSocket connection so far, in order.
    pub fn connections(&self) -> Vec<ConnectionRecord> {
        lock(&self.shared.gateway).connections.clone()
    }

    pub fn live_connections(&self) -> usize {
        lock(&self.shared.gateway).live_connections()
    }

    /// The id and last sequence number of the session dispatches go to, if it is valid.
    pub fn current_session(&self) -> Option<(String, u64)> {
        lock(&self.shared.gateway).current_session()
    }

    // ----- REST scripting and records -----

    /// The next `count` calls matching `route` answer 429 with this `retry_after`.
    pub fn rate_limit_next(&self, route: RouteMatch, count: usize, retry_after: Duration) {
        lock(&self.shared.rest).add_rate_limit(route, count, retry_after.as_secs_f64(), false);
    }

    /// The next `count` calls (any route) answer a global 429.
    pub fn rate_limit_global_next(&self, count: usize, retry_after: Duration) {
        lock(&self.shared.rest).add_rate_limit(
            RouteMatch::any(),
            count,
            retry_after.as_secs_f64(),
            true,
        );
    }

    /// Every REST call, in order (the last [`MAX_KEPT_CALLS`]).
    pub fn rest_calls(&self) -> Vec<RestCall> {
        lock(&self.shared.rest).calls.iter().cloned().collect()
    }

    /// Every message the bot created, in order.
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        lock(&self.shared.rest).sent.clone()
    }

    /// The messages the bot created in one channel, in order.
    pub fn sent_messages_in(&self, channel_id: u64) -> Vec<SentMessage> {
        lock(&self.shared.rest)
            .sent
            .iter()
            .filter(|m| m.channel_id == channel_id)
            .cloned()
            .collect()
    }

    pub fn edits(&self) -> Vec<EditedMessage> {
        lock(&self.shared.rest).edits.clone()
    }

    /// Deleted messages as `(channel_id, message_id)`.
    pub fn deletes(&self) -> Vec<(u64, u64)> {
        lock(&self.shared.rest).deletes.clone()
    }

    /// How many typing indicators the bot triggered in a channel.
    pub fn typing_count(&self, channel_id: u64) -> usize {
        lock(&self.shared.rest)
            .typing
            .iter()
            .filter(|c| **c == channel_id)
            .count()
    }

    pub fn reactions(&self) -> Vec<ReactionRecord> {
        lock(&self.shared.rest).reactions.clone()
    }

    /// Threads the bot started, in order.
    pub fn threads_created(&self) -> Vec<CreatedThread> {
        lock(&self.shared.rest).threads.clone()
    }

    /// How many times hosted attachments were downloaded.
    pub fn attachment_downloads(&self) -> usize {
        lock(&self.shared.rest).downloads
    }

    /// Users the bot opened a DM channel with (`POST /users/@me/channels`), in order.
    pub fn dm_opens(&self) -> Vec<u64> {
        lock(&self.shared.rest).dm_opens.clone()
    }

    // ----- waiting -----

    /// Polls `done` until it holds; after `timeout` fails with `what` and `state()`.
    pub async fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        mut done: impl FnMut(&Self) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if done(self) {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!(
                    "fake Discord: timed out after {timeout:?} waiting for {what}; state: {}",
                    self.state()
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A one-line summary for failure messages.
    pub fn state(&self) -> String {
        let (identifies, resumes, live, total, heartbeats) = {
            let gateway = lock(&self.shared.gateway);
            (
                gateway.identifies.len(),
                gateway.resumes.len(),
                gateway.live_connections(),
                gateway.connections.len(),
                gateway.heartbeats,
            )
        };
        let rest = lock(&self.shared.rest);
        format!(
            "{identifies} IDENTIFY, {resumes} RESUME, {live} live of {total} connections, \
             {heartbeats} heartbeats, {} REST calls, {} messages sent",
            rest.calls.len(),
            rest.sent.len()
        )
    }

    /// Waits until at least `count` IDENTIFYs were accepted (a READY was sent for each).
    pub async fn wait_identified(&self, count: usize, timeout: Duration) -> anyhow::Result<()> {
        self.wait_until(&format!("{count} accepted IDENTIFY"), timeout, |d| {
            d.identifies().iter().filter(|i| i.accepted).count() >= count
        })
        .await
    }

    /// Waits until at least `count` RESUMEs were accepted.
    pub async fn wait_resumed(&self, count: usize, timeout: Duration) -> anyhow::Result<()> {
        self.wait_until(&format!("{count} accepted RESUME"), timeout, |d| {
            d.resumes().iter().filter(|r| r.accepted).count() >= count
        })
        .await
    }

    /// Waits until at least `count` WebSocket connections were opened in total.
    pub async fn wait_connections(&self, count: usize, timeout: Duration) -> anyhow::Result<()> {
        self.wait_until(&format!("{count} connections"), timeout, |d| {
            d.connections().len() >= count
        })
        .await
    }

    /// Waits until the bot has created at least `count` messages in `channel_id`; returns
    /// all of them.
    pub async fn wait_for_messages(
        &self,
        channel_id: u64,
        count: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<SentMessage>> {
        self.wait_until(
            &format!("{count} messages sent to channel {channel_id}"),
            timeout,
            |d| d.sent_messages_in(channel_id).len() >= count,
        )
        .await?;
        Ok(self.sent_messages_in(channel_id))
    }
}
