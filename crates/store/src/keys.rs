//! Session keys (spec §5.3, OpenClaw's `routing/session-key`): pure functions, all lowercased.
//!
//! A session key names a conversation bucket. Direct messages collapse into the agent's main
//! session unless `session.dmScope` asks for finer isolation; groups, channels and threads always
//! get their own key. `identityLinks` lets one person reached over several channels share a DM
//! session (only for the non-`main` scopes, where the peer id is part of the key).

use std::collections::BTreeMap;

/// The agent id used when none is configured (`agents.list` is empty or has no default).
pub const DEFAULT_AGENT_ID: &str = "main";
/// The main session's key suffix; OpenClaw ignores `session.mainKey` and always uses this.
pub const MAIN_KEY: &str = "main";
/// The account id used when a channel has a single, unnamed account.
pub const DEFAULT_ACCOUNT_ID: &str = "default";

/// `session.dmScope`: how direct messages are bucketed into sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DmScope {
    /// Every DM of the agent shares `agent:<id>:main` (OpenClaw's default).
    #[default]
    Main,
    /// One session per peer across channels: `agent:<id>:dm:<peer>`.
    PerPeer,
    /// One session per channel and peer: `agent:<id>:<channel>:dm:<peer>`.
    PerChannelPeer,
    /// One session per account, channel and peer: `agent:<id>:<channel>:<account>:dm:<peer>`.
    PerAccountChannelPeer,
}

impl DmScope {
    /// Parses the config spelling (`main`, `per-peer`, …); `None` for anything else so the caller
    /// can report the bad value where it knows the config location.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "main" => Some(Self::Main),
            "per-peer" => Some(Self::PerPeer),
            "per-channel-peer" => Some(Self::PerChannelPeer),
            "per-account-channel-peer" => Some(Self::PerAccountChannelPeer),
            _ => None,
        }
    }
}

/// What kind of conversation a non-DM key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversationKind {
    /// A group chat (Telegram group, WhatsApp group, Signal group, …).
    Group,
    /// A channel (Discord guild channel, Slack channel, …); Discord threads are channels too.
    Channel,
}

impl ConversationKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Group => "group",
            Self::Channel => "channel",
        }
    }
}

/// `session.identityLinks`: canonical name → the ids it covers (`"telegram:123"` or a bare peer id).
pub type IdentityLinks = BTreeMap<String, Vec<String>>;

/// Normalizes an agent id the way OpenClaw does: lowercase; ids that are not
/// `[a-z0-9][a-z0-9_-]{0,63}` have runs of other characters collapsed to `-`, leading/trailing
/// dashes trimmed and are cut to 64 characters; empty ⇒ [`DEFAULT_AGENT_ID`].
pub fn normalize_agent_id(agent_id: &str) -> String {
    let trimmed = agent_id.trim();
    if trimmed.is_empty() {
        return DEFAULT_AGENT_ID.to_owned();
    }
    let mut collapsed = String::with_capacity(trimmed.len());
    let mut in_invalid_run = false;
    for ch in trimmed.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' {
            collapsed.push(ch);
            in_invalid_run = false;
        } else if !in_invalid_run {
            collapsed.push('-');
            in_invalid_run = true;
        }
    }
    let cut: String = collapsed.trim_matches('-').chars().take(64).collect();
    if cut.is_empty() {
        DEFAULT_AGENT_ID.to_owned()
    } else {
        cut
    }
}

/// Normalizes an account id: trimmed and lowercased; empty ⇒ [`DEFAULT_ACCOUNT_ID`].
pub fn normalize_account_id(account_id: Option<&str>) -> String {
    let trimmed = account_id.unwrap_or("").trim().to_lowercase();
    if trimmed.is_empty() {
        DEFAULT_ACCOUNT_ID.to_owned()
    } else {
        trimmed
    }
}

fn normalize_channel(channel: &str) -> String {
    let lowered = channel.trim().to_lowercase();
    if lowered.is_empty() {
        "unknown".to_owned()
    } else {
        lowered
    }
}

/// `agent:<agentId>:main`.
pub fn main_session_key(agent_id: &str) -> String {
    format!("agent:{}:{MAIN_KEY}", normalize_agent_id(agent_id))
}

/// Who sent a direct message, and over what.
#[derive(Debug, Clone, Copy)]
pub struct DirectPeer<'a> {
    /// Channel id (`telegram`, `discord`, …).
    pub channel: &'a str,
    /// The channel account that received the message; `None` ⇒ `default`.
    pub account_id: Option<&'a str>,
    /// The sender's id on that channel.
    pub peer_id: &'a str,
}

/// The session key of a direct message under `scope`. An empty peer id falls back to the main
/// session, as OpenClaw does.
pub fn direct_session_key(
    agent_id: &str,
    peer: DirectPeer<'_>,
    scope: DmScope,
    identity_links: &IdentityLinks,
) -> String {
    let agent = normalize_agent_id(agent_id);
    let raw_peer = peer.peer_id.trim();
    if scope == DmScope::Main || raw_peer.is_empty() {
        return main_session_key(&agent);
    }
    let peer_id = linked_identity(identity_links, peer.channel, raw_peer)
        .unwrap_or(raw_peer)
        .to_lowercase();
    let channel = normalize_channel(peer.channel);
    match scope {
        DmScope::Main => main_session_key(&agent),
        DmScope::PerPeer => format!("agent:{agent}:dm:{peer_id}"),
        DmScope::PerChannelPeer => format!("agent:{agent}:{channel}:dm:{peer_id}"),
        DmScope::PerAccountChannelPeer => {
            let account = normalize_account_id(peer.account_id);
            format!("agent:{agent}:{channel}:{account}:dm:{peer_id}")
        }
    }
}

/// The canonical name `peer_id` is linked to: a listed id matches the bare peer id or
/// `<channel>:<peer>`, case-insensitively. The first canonical name (in key order) wins.
fn linked_identity<'a>(links: &'a IdentityLinks, channel: &str, peer_id: &str) -> Option<&'a str> {
    let bare = peer_id.trim().to_lowercase();
    let scoped = format!("{}:{bare}", channel.trim().to_lowercase());
    links.iter().find_map(|(canonical, ids)| {
        let canonical = canonical.trim();
        let listed = ids.iter().any(|id| {
            let id = id.trim().to_lowercase();
            !id.is_empty() && (id == bare || id == scoped)
        });
        (listed && !canonical.is_empty()).then_some(canonical)
    })
}

/// `agent:<a>:<channel>:<group|channel>:<id>`; an empty id becomes `unknown`.
pub fn conversation_session_key(
    agent_id: &str,
    channel: &str,
    kind: ConversationKind,
    conversation_id: &str,
) -> String {
    let id = conversation_id.trim().to_lowercase();
    let id = if id.is_empty() {
        "unknown".to_owned()
    } else {
        id
    };
    format!(
        "agent:{}:{}:{}:{id}",
        normalize_agent_id(agent_id),
        normalize_channel(channel),
        kind.as_str()
    )
}

/// Telegram forum topics: `<base>:topic:<threadId>`.
pub fn topic_session_key(base_key: &str, thread_id: &str) -> String {
    format!("{base_key}:topic:{}", thread_id.trim().to_lowercase())
}

/// Slack threads: `<base>:thread:<ts>`. (Discord threads are channels with their own id; use
/// [`conversation_session_key`] with the thread's channel id and keep the parent key aside.)
pub fn thread_session_key(base_key: &str, thread_id: &str) -> String {
    format!("{base_key}:thread:{}", thread_id.trim().to_lowercase())
}

/// Discord native slash commands: `agent:<a>:discord:slash:<userId>`.
pub fn discord_slash_session_key(agent_id: &str, user_id: &str) -> String {
    format!(
        "agent:{}:discord:slash:{}",
        normalize_agent_id(agent_id),
        user_id.trim().to_lowercase()
    )
}

/// Cron jobs: `cron:<jobId>`.
pub fn cron_session_key(job_id: &str) -> String {
    format!("cron:{}", job_id.trim().to_lowercase())
}

/// A parsed `agent:<agentId>:<rest>` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSessionKey {
    /// The agent id (as written, lowercased).
    pub agent_id: String,
    /// Everything after the agent id (`main`, `telegram:group:-100123`, …).
    pub rest: String,
}

/// Splits `agent:<agentId>:<rest>`; `None` for keys of other shapes (`cron:…`, `global`, …).
pub fn parse_agent_session_key(key: &str) -> Option<AgentSessionKey> {
    let lowered = key.trim().to_lowercase();
    let parts: Vec<&str> = lowered.split(':').filter(|part| !part.is_empty()).collect();
    match parts.as_slice() {
        ["agent", agent_id, rest @ ..] if !rest.is_empty() => Some(AgentSessionKey {
            agent_id: (*agent_id).to_owned(),
            rest: rest.join(":"),
        }),
        _ => None,
    }
}

/// The agent a key belongs to: the id in `agent:<id>:…`, otherwise `default_agent_id`.
pub fn agent_id_of_key(key: &str, default_agent_id: &str) -> String {
    parse_agent_session_key(key)
        .map(|parsed| normalize_agent_id(&parsed.agent_id))
        .unwrap_or_else(|| normalize_agent_id(default_agent_id))
}

/// Turns what a client sent (`main`, `telegram:group:1`, `agent:ops:main`) into the stored key:
/// `main` (or empty) is the default agent's main session; bare keys are scoped to
/// `default_agent_id`; `agent:` keys are lowercased.
pub fn canonical_session_key(requested: &str, default_agent_id: &str) -> String {
    let raw = requested.trim();
    if raw.is_empty() || raw.eq_ignore_ascii_case(MAIN_KEY) {
        return main_session_key(default_agent_id);
    }
    if let Some(parsed) = parse_agent_session_key(raw) {
        return format!("agent:{}:{}", parsed.agent_id, parsed.rest);
    }
    let lowered = raw.to_lowercase();
    if lowered.starts_with("agent:") || lowered.starts_with("cron:") || lowered == "global" {
        return lowered;
    }
    format!("agent:{}:{lowered}", normalize_agent_id(default_agent_id))
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
