//! The one shape every channel's outbound side takes.

use std::time::Duration;

use futures_util::future::BoxFuture;

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A conversation the channel already knows (a DM channel, a server channel, a thread).
    Conversation(String),
    /// A user, by id: the sink opens (or reuses) a DM with them.
    User(String),
}

/// A message the channel accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub id: String,
    /// The conversation it landed in (for `Target::User`, the DM channel).
    pub conversation_id: String,
}

/// Why an outbound call failed (after the sink's own retries).
#[derive(Debug, Clone, thiserror::Error)]
pub enum SendError {
    #[error("rate limited by {channel}; retry after {retry_after:?}")]
    RateLimited {
        channel: &'static str,
        retry_after: Duration,
    },
    #[error("{channel} refused the request (HTTP {status}): {message}")]
    Rejected {
        channel: &'static str,
        status: u16,
        message: String,
    },
    #[error("cannot reach {channel}: {message}")]
    Transport {
        channel: &'static str,
        message: String,
    },
    #[error("invalid {channel} target {target:?}: {reason}")]
    InvalidTarget {
        channel: &'static str,
        target: String,
        reason: String,
    },
    #[error("the {channel} account {account:?} is not running")]
    NotRunning {
        channel: &'static str,
        account: String,
    },
}

/// A file to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundFile {
    pub filename: String,
    pub bytes: Vec<u8>,
    /// Text sent with the file (already within the channel's limits).
    pub caption: Option<String>,
}

/// How a channel wants long text split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimits {
    /// Characters per message.
    pub chars: usize,
    /// Lines per message, when the channel caps them.
    pub lines: Option<usize>,
}

/// A channel account's outbound side. Implementations retry rate limits themselves (honouring
/// the channel's retry-after) and report what still fails.
pub trait OutboundSink: Send + Sync {
    /// Sends one message (already chunked to [`OutboundSink::limits`]), optionally as a reply.
    fn send_text<'a>(
        &'a self,
        to: &'a Target,
        text: &'a str,
        reply_to: Option<&'a str>,
    ) -> BoxFuture<'a, Result<SentMessage, SendError>>;

    /// Replaces the text of a message the bot sent earlier.
    fn edit_text<'a>(
        &'a self,
        conversation_id: &'a str,
        message_id: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>>;

    /// Sends a file (with an optional caption), optionally as a reply.
    fn send_file<'a>(
        &'a self,
        to: &'a Target,
        file: &'a OutboundFile,
        reply_to: Option<&'a str>,
    ) -> BoxFuture<'a, Result<SentMessage, SendError>>;

    /// Shows "typing…" in a conversation for a few seconds.
    fn typing<'a>(&'a self, conversation_id: &'a str) -> BoxFuture<'a, Result<(), SendError>>;

    /// Adds the bot's reaction to a message.
    fn react<'a>(
        &'a self,
        conversation_id: &'a str,
        message_id: &'a str,
        emoji: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>>;

    /// Removes the bot's own reaction.
    fn unreact<'a>(
        &'a self,
        conversation_id: &'a str,
        message_id: &'a str,
        emoji: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>>;

    /// How long one message may be.
    fn limits(&self) -> TextLimits;
}
