//! The fake's small world (guilds, channels, users, messages) and the Discord v10 JSON
//! payloads built from it, shaped so that twilight-model 0.18 deserializes them.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds, the base of snowflakes.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// The message store keeps at most this many messages (the oldest are forgotten), so a
/// benchmark pushing messages for a long time does not grow without bound.
const MAX_KEPT_MESSAGES: usize = 10_000;

/// A guild of the fake world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildSpec {
    pub id: u64,
    pub name: String,
}

/// Channel types the fake knows (Discord's numeric `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// `0`: a guild text channel.
    Text,
    /// `1`: a direct message channel with one recipient.
    Dm,
    /// `11`: a public thread under a text channel.
    PublicThread,
}

impl ChannelKind {
    pub fn code(self) -> u8 {
        match self {
            ChannelKind::Text => 0,
            ChannelKind::Dm => 1,
            ChannelKind::PublicThread => 11,
        }
    }
}

/// A channel of the fake world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelSpec {
    pub id: u64,
    pub name: String,
    pub kind: ChannelKind,
    /// Set for text channels and threads (a thread's is filled from its parent when added).
    pub guild_id: Option<u64>,
    /// The parent text channel of a thread.
    pub parent_id: Option<u64>,
    /// The other user of a DM channel.
    pub recipient_id: Option<u64>,
}

impl ChannelSpec {
    pub fn text(id: u64, guild_id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_string(),
            kind: ChannelKind::Text,
            guild_id: Some(guild_id),
            parent_id: None,
            recipient_id: None,
        }
    }

    /// A public thread; its guild is taken from the parent when the thread is added.
    pub fn thread(id: u64, parent_id: u64, name: &str) -> Self {
        Self {
            id,
            name: name.to_string(),
            kind: ChannelKind::PublicThread,
            guild_id: None,
            parent_id: Some(parent_id),
            recipient_id: None,
        }
    }

    pub fn dm(id: u64, recipient_id: u64) -> Self {
        Self {
            id,
            name: String::new(),
            kind: ChannelKind::Dm,
            guild_id: None,
            parent_id: None,
            recipient_id: Some(recipient_id),
        }
    }
}

/// A user of the fake world (humans and the bot itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSpec {
    pub id: u64,
    pub username: String,
    pub global_name: Option<String>,
    pub bot: bool,
}

impl UserSpec {
    pub fn human(id: u64, username: &str) -> Self {
        Self {
            id,
            username: username.to_string(),
            global_name: Some(capitalized(username)),
            bot: false,
        }
    }
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect::<String>()
    })
}

/// Where an [`IncomingMessage`] is posted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Channel(u64),
    /// The author's DM channel with the bot (created in the world when missing).
    DmWithAuthor,
}

/// A file on an [`IncomingMessage`]: hosted by the fake (its URL points at the fake, which
/// serves the bytes like Discord's CDN) or somewhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AttachmentSpec {
    filename: String,
    content_type: Option<String>,
    hosted: Option<Vec<u8>>,
    url: Option<String>,
    size: u64,
}

/// A user's message the fake dispatches as `MESSAGE_CREATE`; build it, then pass it to
/// [`super::FakeDiscord::send_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingMessage {
    target: Target,
    author_id: u64,
    content: String,
    id: Option<u64>,
    mentions: Vec<u64>,
    mention_roles: Vec<u64>,
    mention_everyone: bool,
    author_roles: Vec<u64>,
    reply_to: Option<u64>,
    attachments: Vec<AttachmentSpec>,
}

impl IncomingMessage {
    /// A message by `author_id` in a guild text channel or thread of the world.
    pub fn in_channel(channel_id: u64, author_id: u64, content: &str) -> Self {
        Self {
            target: Target::Channel(channel_id),
            author_id,
            content: content.to_string(),
            id: None,
            mentions: Vec::new(),
            mention_roles: Vec::new(),
            mention_everyone: false,
            author_roles: Vec::new(),
            reply_to: None,
            attachments: Vec::new(),
        }
    }

    /// A direct message from `author_id` to the bot.
    pub fn dm(author_id: u64, content: &str) -> Self {
        Self {
            target: Target::DmWithAuthor,
            ..Self::in_channel(0, author_id, content)
        }
    }

    /// Adds a user to `mentions` (write the matching `<@id>` into the content yourself).
    pub fn mention(mut self, user_id: u64) -> Self {
        self.mentions.push(user_id);
        self
    }

    pub fn mention_role(mut self, role_id: u64) -> Self {
        self.mention_roles.push(role_id);
        self
    }

    pub fn mention_everyone(mut self) -> Self {
        self.mention_everyone = true;
        self
    }

    /// Roles of the author's guild member object.
    pub fn author_roles(mut self, roles: &[u64]) -> Self {
        self.author_roles = roles.to_vec();
        self
    }

    /// Makes this a reply (type 19) to a message the fake has seen (sent by the bot through
    /// REST or dispatched earlier); an unknown id gives `referenced_message: null`, as Discord
    /// does for a deleted message.
    pub fn reply_to(mut self, message_id: u64) -> Self {
        self.reply_to = Some(message_id);
        self
    }

    /// Attaches a file the fake serves itself at `{api_url}/attachments/{channel}/{id}/{name}`.
    pub fn attachment(mut self, filename: &str, content_type: Option<&str>, bytes: &[u8]) -> Self {
        self.attachments.push(AttachmentSpec {
            filename: filename.to_string(),
            content_type: content_type.map(str::to_string),
            size: bytes.len() as u64,
            hosted: Some(bytes.to_vec()),
            url: None,
        });
        self
    }

    /// Attaches a file served elsewhere (e.g. by a test's own server).
    pub fn attachment_at(
        mut self,
        filename: &str,
        content_type: Option<&str>,
        url: &str,
        size: u64,
    ) -> Self {
        self.attachments.push(AttachmentSpec {
            filename: filename.to_string(),
            content_type: content_type.map(str::to_string),
            size,
            hosted: None,
            url: Some(url.to_string()),
        });
        self
    }

    /// A fixed message id (to dispatch the same message twice); fresh by default.
    pub fn with_id(mut self, id: u64) -> Self {
        self.id = Some(id);
        self
    }
}

/// The fake's state of the world; every id is a snowflake rendered as a string in JSON.
#[derive(Debug)]
pub(crate) struct World {
    pub bot: UserSpec,
    pub application_id: u64,
    pub guilds: BTreeMap<u64, GuildSpec>,
    pub channels: BTreeMap<u64, ChannelSpec>,
    pub users: BTreeMap<u64, UserSpec>,
    messages: HashMap<u64, Value>,
    message_order: VecDeque<u64>,
    /// Bytes of hosted attachments by attachment id: (content type, bytes).
    files: HashMap<u64, (Option<String>, Vec<u8>)>,
    last_id: u64,
}

impl World {
    pub fn new(bot: UserSpec, application_id: u64) -> Self {
        let mut users = BTreeMap::new();
        users.insert(bot.id, bot.clone());
        Self {
            bot,
            application_id,
            guilds: BTreeMap::new(),
            channels: BTreeMap::new(),
            users,
            messages: HashMap::new(),
            message_order: VecDeque::new(),
            files: HashMap::new(),
            last_id: 0,
        }
    }

    /// A fresh snowflake for the current time, strictly above every id handed out before.
    pub fn next_id(&mut self) -> u64 {
        let now_ms = unix_ms().saturating_sub(DISCORD_EPOCH_MS);
        let id = (now_ms << 22).max(self.last_id + 1);
        self.last_id = id;
        id
    }

    /// Adds (or replaces) a channel; a thread inherits its parent's guild.
    pub fn add_channel(&mut self, mut channel: ChannelSpec) -> anyhow::Result<()> {
        if let Some(parent_id) = channel.parent_id {
            let Some(parent) = self.channels.get(&parent_id) else {
                anyhow::bail!(
                    "fake Discord: thread {} names parent channel {parent_id}, which is not in \
                     the world; add the parent channel first",
                    channel.id
                );
            };
            channel.guild_id = parent.guild_id;
        }
        if let Some(guild_id) = channel.guild_id
            && !self.guilds.contains_key(&guild_id)
        {
            anyhow::bail!(
                "fake Discord: channel {} belongs to guild {guild_id}, which is not in the \
                 world; add the guild first",
                channel.id
            );
        }
        self.channels.insert(channel.id, channel);
        Ok(())
    }

    /// The DM channel between the bot and `user_id`, created when missing.
    pub fn dm_channel_with(&mut self, user_id: u64) -> ChannelSpec {
        if let Some(found) = self
            .channels
            .values()
            .find(|c| c.kind == ChannelKind::Dm && c.recipient_id == Some(user_id))
        {
            return found.clone();
        }
        let channel = ChannelSpec::dm(self.next_id(), user_id);
        self.channels.insert(channel.id, channel.clone());
        channel
    }

    pub fn message(&self, id: u64) -> Option<&Value> {
        self.messages.get(&id)
    }

    pub fn message_mut(&mut self, id: u64) -> Option<&mut Value> {
        self.messages.get_mut(&id)
    }

    pub fn remove_message(&mut self, id: u64) -> Option<Value> {
        self.message_order.retain(|m| *m != id);
        self.messages.remove(&id)
    }

    fn store_message(&mut self, id: u64, message: Value) {
        if self.messages.insert(id, message).is_none() {
            self.message_order.push_back(id);
        }
        while self.message_order.len() > MAX_KEPT_MESSAGES {
            if let Some(old) = self.message_order.pop_front() {
                self.messages.remove(&old);
            }
        }
    }

    pub fn user_json(&self, user: &UserSpec) -> Value {
        json!({
            "id": user.id.to_string(),
            "username": user.username,
            "discriminator": "0",
            "global_name": user.global_name,
            "avatar": null,
            "bot": user.bot,
            "public_flags": 0,
            "banner": null,
            "accent_color": null,
            "avatar_decoration_data": null,
        })
    }

    /// `GET /users/@me` and READY's `user`.
    pub fn current_user_json(&self) -> Value {
        let mut user = self.user_json(&self.bot);
        if let Some(object) = user.as_object_mut() {
            object.insert("mfa_enabled".into(), json!(false));
            object.insert("verified".into(), json!(true));
            object.insert("flags".into(), json!(0));
        }
        user
    }

    pub fn channel_json(&self, channel: &ChannelSpec) -> Value {
        let mut value = json!({
            "id": channel.id.to_string(),
            "type": channel.kind.code(),
            "last_message_id": null,
            "flags": 0,
        });
        let Some(object) = value.as_object_mut() else {
            return value;
        };
        match channel.kind {
            ChannelKind::Dm => {
                let recipient = channel
                    .recipient_id
                    .and_then(|id| self.users.get(&id))
                    .map(|user| self.user_json(user));
                object.insert(
                    "recipients".into(),
                    json!(recipient.into_iter().collect::<Vec<_>>()),
                );
            }
            ChannelKind::Text | ChannelKind::PublicThread => {
                object.insert("name".into(), json!(channel.name));
                object.insert(
                    "guild_id".into(),
                    json!(channel.guild_id.map(|g| g.to_string())),
                );
                object.insert(
                    "parent_id".into(),
                    json!(channel.parent_id.map(|p| p.to_string())),
                );
                object.insert("nsfw".into(), json!(false));
                object.insert("rate_limit_per_user".into(), json!(0));
            }
        }
        match channel.kind {
            ChannelKind::Text => {
                object.insert("position".into(), json!(0));
                object.insert("topic".into(), Value::Null);
                object.insert("permission_overwrites".into(), json!([]));
            }
            ChannelKind::PublicThread => {
                object.insert("owner_id".into(), json!(self.bot.id.to_string()));
                object.insert("member_count".into(), json!(2));
                object.insert("message_count".into(), json!(0));
                object.insert(
                    "thread_metadata".into(),
                    json!({
                        "archived": false,
                        "auto_archive_duration": 1440,
                        "archive_timestamp": timestamp_now(),
                        "locked": false,
                    }),
                );
            }
            ChannelKind::Dm => {}
        }
        value
    }

    /// A guild object complete enough for twilight's `Guild` (GUILD_CREATE, `GET /guilds/{id}`);
    /// `with_channels` adds the guild's channels and threads as GUILD_CREATE carries them.
    pub fn guild_json(&self, guild: &GuildSpec, with_channels: bool) -> Value {
        let everyone = json!({
            "id": guild.id.to_string(),
            "name": "@everyone",
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
            "hoist": false,
            "icon": null,
            "unicode_emoji": null,
            "position": 0,
            "permissions": "1071698660929",
            "managed": false,
            "mentionable": false,
            "flags": 0,
        });
        let mut value = json!({
            "id": guild.id.to_string(),
            "name": guild.name,
            "icon": null,
            "owner_id": self.users.keys().find(|id| **id != self.bot.id).unwrap_or(&self.bot.id).to_string(),
            "afk_channel_id": null,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [everyone],
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": null,
            "system_channel_flags": 0,
            "rules_channel_id": null,
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "premium_progress_bar_enabled": false,
            "nsfw_level": 0,
            "stickers": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "large": false,
            "member_count": self.users.len(),
        });
        if with_channels && let Some(object) = value.as_object_mut() {
            let in_guild = |kind: ChannelKind| -> Vec<Value> {
                self.channels
                    .values()
                    .filter(|c| c.guild_id == Some(guild.id) && c.kind == kind)
                    .map(|c| self.channel_json(c))
                    .collect()
            };
            object.insert("channels".into(), json!(in_guild(ChannelKind::Text)));
            object.insert("threads".into(), json!(in_guild(ChannelKind::PublicThread)));
            object.insert("members".into(), json!([]));
            object.insert("voice_states".into(), json!([]));
            object.insert("presences".into(), json!([]));
            object.insert("joined_at".into(), json!(timestamp_now()));
            object.insert("unavailable".into(), json!(false));
        }
        value
    }

    fn member_json(roles: &[u64]) -> Value {
        json!({
            "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "deaf": false,
            "mute": false,
            "flags": 0,
            "nick": null,
            "avatar": null,
            "premium_since": null,
            "pending": false,
            "communication_disabled_until": null,
        })
    }

    /// A hosted attachment's content type and bytes.
    pub fn file(&self, attachment_id: u64) -> Option<&(Option<String>, Vec<u8>)> {
        self.files.get(&attachment_id)
    }

    fn attachments_json(
        &mut self,
        specs: &[AttachmentSpec],
        channel_id: u64,
        base_url: &str,
    ) -> Vec<Value> {
        let mut attachments = Vec::new();
        for spec in specs {
            let id = self.next_id();
            let url = match (&spec.hosted, &spec.url) {
                (Some(bytes), _) => {
                    self.files
                        .insert(id, (spec.content_type.clone(), bytes.clone()));
                    format!("{base_url}/attachments/{channel_id}/{id}/{}", spec.filename)
                }
                (None, Some(url)) => url.clone(),
                (None, None) => String::new(),
            };
            attachments.push(json!({
                "id": id.to_string(),
                "filename": spec.filename,
                "content_type": spec.content_type,
                "size": spec.size,
                "url": url,
                "proxy_url": url,
                "ephemeral": false,
            }));
        }
        attachments
    }

    /// Builds and stores the `MESSAGE_CREATE` payload of a user's message; hosted
    /// attachments get URLs under `base_url`.
    pub fn incoming_message(
        &mut self,
        incoming: &IncomingMessage,
        base_url: &str,
    ) -> anyhow::Result<Value> {
        let author = self
            .users
            .get(&incoming.author_id)
            .cloned()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "fake Discord: author {} is not in the world; add the user with add_user first",
                    incoming.author_id
                )
            })?;
        let channel = match incoming.target {
            Target::DmWithAuthor => self.dm_channel_with(author.id),
            Target::Channel(id) => self.channels.get(&id).cloned().ok_or_else(|| {
                anyhow::anyhow!(
                    "fake Discord: channel {id} is not in the world; add it with add_channel first"
                )
            })?,
        };
        let mut mentions = Vec::new();
        for user_id in &incoming.mentions {
            let user = self.users.get(user_id).ok_or_else(|| {
                anyhow::anyhow!(
                    "fake Discord: mentioned user {user_id} is not in the world; add it with \
                     add_user first"
                )
            })?;
            let mut mention = self.user_json(user);
            if channel.guild_id.is_some()
                && let Some(object) = mention.as_object_mut()
            {
                object.insert("member".into(), Self::member_json(&[]));
            }
            mentions.push(mention);
        }
        let id = match incoming.id {
            Some(id) => id,
            None => self.next_id(),
        };
        let attachments = self.attachments_json(&incoming.attachments, channel.id, base_url);
        let mut message = json!({
            "id": id.to_string(),
            "channel_id": channel.id.to_string(),
            "author": self.user_json(&author),
            "content": incoming.content,
            "timestamp": timestamp_now(),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": incoming.mention_everyone,
            "mentions": mentions,
            "mention_roles": incoming.mention_roles.iter().map(u64::to_string).collect::<Vec<_>>(),
            "attachments": attachments,
            "embeds": [],
            "pinned": false,
            "type": 0,
            "flags": 0,
            "components": [],
        });
        if let Some(object) = message.as_object_mut() {
            if let Some(guild_id) = channel.guild_id {
                object.insert("guild_id".into(), json!(guild_id.to_string()));
                object.insert("member".into(), Self::member_json(&incoming.author_roles));
            }
            if let Some(reply_to) = incoming.reply_to {
                object.insert("type".into(), json!(19));
                object.insert(
                    "message_reference".into(),
                    reference_json(reply_to, channel.id, channel.guild_id),
                );
                object.insert(
                    "referenced_message".into(),
                    self.message(reply_to).cloned().unwrap_or(Value::Null),
                );
            }
        }
        self.store_message(id, message.clone());
        Ok(message)
    }

    /// Builds and stores the message the bot created through `POST /channels/{id}/messages`.
    pub fn bot_message(&mut self, channel: &ChannelSpec, body: &Value) -> Value {
        let id = self.next_id();
        let mut message = json!({
            "id": id.to_string(),
            "channel_id": channel.id.to_string(),
            "author": self.user_json(&self.bot),
            "content": body.get("content").and_then(Value::as_str).unwrap_or_default(),
            "timestamp": timestamp_now(),
            "edited_timestamp": null,
            "tts": body.get("tts").and_then(Value::as_bool).unwrap_or(false),
            "mention_everyone": false,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds").cloned().unwrap_or_else(|| json!([])),
            "pinned": false,
            "type": 0,
            "flags": body.get("flags").cloned().unwrap_or_else(|| json!(0)),
            "components": [],
        });
        if let Some(object) = message.as_object_mut() {
            if let Some(guild_id) = channel.guild_id {
                object.insert("guild_id".into(), json!(guild_id.to_string()));
            }
            let referenced = body
                .pointer("/message_reference/message_id")
                .and_then(snowflake);
            if let Some(reply_to) = referenced {
                object.insert("type".into(), json!(19));
                object.insert(
                    "message_reference".into(),
                    reference_json(reply_to, channel.id, channel.guild_id),
                );
                object.insert(
                    "referenced_message".into(),
                    self.message(reply_to).cloned().unwrap_or(Value::Null),
                );
            }
        }
        self.store_message(id, message.clone());
        message
    }
}

fn reference_json(message_id: u64, channel_id: u64, guild_id: Option<u64>) -> Value {
    let mut reference = json!({
        "type": 0,
        "message_id": message_id.to_string(),
        "channel_id": channel_id.to_string(),
    });
    if let (Some(guild_id), Some(object)) = (guild_id, reference.as_object_mut()) {
        object.insert("guild_id".into(), json!(guild_id.to_string()));
    }
    reference
}

/// A snowflake given as a JSON string (Discord's form) or number.
pub(crate) fn snowflake(value: &Value) -> Option<u64> {
    match value {
        Value::String(text) => text.parse().ok(),
        Value::Number(number) => number.as_u64(),
        _ => None,
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The current time as Discord writes timestamps: `2026-01-02T03:04:05.678000+00:00`.
pub(crate) fn timestamp_now() -> String {
    format_timestamp(unix_ms())
}

fn format_timestamp(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let millis = unix_ms % 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}000+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm, for
/// non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_discord_shaped() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000000+00:00");
        // 2024-02-29T12:34:56.789Z, a leap day.
        assert_eq!(
            format_timestamp(1_709_210_096_789),
            "2024-02-29T12:34:56.789000+00:00"
        );
    }

    #[test]
    fn snowflakes_increase() {
        let mut world = World::new(UserSpec::human(1, "bot"), 1);
        let a = world.next_id();
        let b = world.next_id();
        assert!(b > a);
        assert!(a > (1 << 22));
    }
}
