//! The one shape every channel's messages take on their way in.

use serde::{Deserialize, Serialize};

/// What kind of conversation a message arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Conversation {
    /// A one-to-one DM with the bot.
    Direct,
    /// A group DM (several people and the bot, outside any server).
    GroupDirect,
    /// A server (guild) channel or a thread in one.
    Channel,
}

/// Who wrote the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sender {
    pub id: String,
    /// The account name (`alice`).
    pub username: String,
    /// The name shown to others, when it differs from the account name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// A bot account (not necessarily ours).
    #[serde(default)]
    pub is_bot: bool,
}

impl Sender {
    /// The best human-readable name.
    pub fn label(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.username)
    }
}

/// A named place (a server, a channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The message a reply refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepliedTo {
    pub message_id: String,
    pub author: Sender,
    pub text: String,
    /// Written by this bot account: replying to the bot counts as mentioning it.
    pub from_bot_itself: bool,
}

/// One inbound message, as every channel delivers it. It is stored verbatim (JSON) in the
/// durable ingress before anything acts on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inbound {
    /// Channel id (`discord`).
    pub channel: String,
    /// The channel account that received it (normalized, `default` for single-account setups).
    pub account_id: String,
    /// The channel's own id of the message (the deduplication key with channel and account).
    pub message_id: String,
    pub conversation: Conversation,
    /// Where replies go: the DM channel, the server channel, or the thread itself.
    pub conversation_id: String,
    /// Server (guild), for server channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<Place>,
    /// The channel (for threads: the thread) with its name when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// For a message in a thread: the thread's parent channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_parent: Option<Place>,
    pub sender: Sender,
    /// Written by this bot account itself (always dropped).
    #[serde(default)]
    pub from_self: bool,
    /// The text, mentions left as the channel writes them.
    pub text: String,
    /// The bot was mentioned explicitly (`@bot`).
    #[serde(default)]
    pub mentions_bot: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replied_to: Option<RepliedTo>,
    /// A system notice (join, pin, …) rather than something a person wrote.
    #[serde(default)]
    pub is_system: bool,
    /// Attachments the message carried (names only; media are not processed yet).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
    /// When it was sent, ms since the Unix epoch.
    pub timestamp_ms: i64,
}

impl Inbound {
    /// Whether replying to this message counts as a mention of the bot.
    pub fn replies_to_bot(&self) -> bool {
        self.replied_to.as_ref().is_some_and(|r| r.from_bot_itself)
    }
}
