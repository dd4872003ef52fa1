//! OpenClaw's inbound preflight as one pure function (spec §5.1 steps 1–3 and 5–9, §5.8,
//! §7.1–7.3): given what a message is and the account's settings, decide whether it reaches the
//! agent, needs a pairing request, only goes into the pending group history, or is dropped.
//!
//! Routing (step 4) is separate ([`crate::routing`]); the caller resolves the route first when it
//! needs the agent's mention patterns, then calls [`evaluate`].

mod allowlist;
mod mention;

pub use allowlist::{
    ChannelMatch, ChannelMatchSource, ChannelRef, GuildMatch, SenderRef, UserAllowList,
    group_dm_allowed, resolve_channel, resolve_guild, slug, user_allowed,
};
pub use mention::{MentionPatterns, is_control_command, pattern_sources};

use std::fmt;

use crate::discord::settings::DiscordAccount;

/// `dmPolicy`: who may DM the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DmPolicy {
    /// Unknown senders get a pairing code; approved ones pass (OpenClaw's default).
    #[default]
    Pairing,
    /// Only `allowFrom` and approved senders; others are dropped silently.
    Allowlist,
    /// Everyone.
    Open,
    /// Nobody.
    Disabled,
}

impl DmPolicy {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pairing" => Some(Self::Pairing),
            "allowlist" => Some(Self::Allowlist),
            "open" => Some(Self::Open),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pairing => "pairing",
            Self::Allowlist => "allowlist",
            Self::Open => "open",
            Self::Disabled => "disabled",
        }
    }
}

/// `groupPolicy`: which guild channels the bot listens in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupPolicy {
    Open,
    Disabled,
    /// Only guilds (and, when a guild lists channels, those channels) in `guilds` (default).
    #[default]
    Allowlist,
}

impl GroupPolicy {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(Self::Open),
            "disabled" => Some(Self::Disabled),
            "allowlist" => Some(Self::Allowlist),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Disabled => "disabled",
            Self::Allowlist => "allowlist",
        }
    }
}

/// What the channel layer knows about one inbound message.
#[derive(Debug, Clone, Default)]
pub struct MessageFacts {
    /// A one-to-one DM.
    pub is_dm: bool,
    /// A group DM (several users, no guild).
    pub is_group_dm: bool,
    pub author_id: String,
    /// The username.
    pub author_name: Option<String>,
    /// `name#1234` (or the username when there is no discriminator).
    pub author_tag: Option<String>,
    pub author_is_bot: bool,
    /// Sent by this bot account itself.
    pub is_own_message: bool,
    pub guild_id: Option<String>,
    pub guild_name: Option<String>,
    pub channel_id: String,
    pub channel_name: Option<String>,
    /// Threads: the parent channel.
    pub parent_channel_id: Option<String>,
    pub parent_channel_name: Option<String>,
    /// Threads: the bot created this thread itself (with `autoThread`, no mention needed).
    pub thread_created_by_bot: bool,
    /// The text used for mention and command detection.
    pub text: String,
    /// Attachments or other content that is not text (an empty text with media still runs).
    pub has_media: bool,
    /// The bot user was @mentioned.
    pub mentions_bot: bool,
    /// Any user, role or @everyone was mentioned (explicit mention detection is reliable then).
    pub has_any_mention: bool,
    /// The message replies to one of the bot's messages (an implicit mention).
    pub is_reply_to_bot: bool,
    /// [`is_control_command`] of the text, computed by the caller.
    pub is_control_command: bool,
    /// Slash-command or context-menu interaction messages, which are handled elsewhere.
    pub is_interaction_command: bool,
}

/// The per-message context the decision needs besides the account settings.
#[derive(Debug, Clone, Copy)]
pub struct AccessContext<'a> {
    pub account: &'a DiscordAccount,
    /// Senders approved through pairing (`discord-allowFrom.json`).
    pub approved_senders: &'a [String],
    /// The routed agent's mention patterns.
    pub mention_patterns: &'a MentionPatterns,
    /// The bot's own user id is known (explicit mentions can be detected).
    pub bot_id_known: bool,
    /// `commands.useAccessGroups` (default true).
    pub use_access_groups: bool,
    /// `commands.text` (default true): `/…` text is parsed as commands.
    pub allow_text_commands: bool,
}

/// The kind of conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatKind {
    Direct,
    GroupDm,
    Guild,
}

/// A message that goes to the agent.
#[derive(Debug, Clone, PartialEq)]
pub struct Allowed {
    pub kind: ChatKind,
    /// Mentioned explicitly, by pattern, implicitly (reply to the bot) or by an authorized command.
    pub was_mentioned: bool,
    /// The bot was @mentioned explicitly or by a pattern.
    pub mentioned_directly: bool,
    pub require_mention: bool,
    /// Commands and directives in this message may run.
    pub command_authorized: bool,
    /// The guild entry's config key, if one matched.
    pub guild_key: Option<String>,
    pub guild_slug: Option<String>,
    /// The channel entry's config key, if one matched.
    pub channel_key: Option<String>,
    /// The channel entry's `systemPrompt` (becomes the group system prompt).
    pub system_prompt: Option<String>,
}

/// Why a message was dropped (for debug logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    OwnMessage,
    BotAuthor,
    GroupDmDisabled,
    DmDisabled,
    DmPolicyDisabled,
    DmNotAllowlisted,
    InteractionCommand,
    GuildNotListed,
    ChannelDisabled,
    GroupDmChannelNotAllowed,
    GroupPolicyDisabled,
    GuildNotAllowlisted,
    ChannelNotAllowed,
    UnauthorizedCommand,
    MemberNotAllowed,
    Empty,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OwnMessage => "own message",
            Self::BotAuthor => "bot message (allowBots=false)",
            Self::GroupDmDisabled => "group dm (dm.groupEnabled=false)",
            Self::DmDisabled => "dm (dm.enabled=false)",
            Self::DmPolicyDisabled => "dm policy disabled",
            Self::DmNotAllowlisted => "dm sender not in allowFrom (dmPolicy=allowlist)",
            Self::InteractionCommand => "slash command message",
            Self::GuildNotListed => "not in discord.guilds",
            Self::ChannelDisabled => "channel disabled",
            Self::GroupDmChannelNotAllowed => "group dm channel not in dm.groupChannels",
            Self::GroupPolicyDisabled => "groupPolicy disabled",
            Self::GuildNotAllowlisted => "groupPolicy allowlist: guild not in discord.guilds",
            Self::ChannelNotAllowed => "channel not in the guild's channels allowlist",
            Self::UnauthorizedCommand => "control command from an unauthorized sender",
            Self::MemberNotAllowed => "sender not in the users allowlist",
            Self::Empty => "empty message",
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The preflight's verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Run the agent.
    Allow(Allowed),
    /// A DM from a sender nobody approved under `dmPolicy: pairing`: upsert a pairing request
    /// and send the pairing reply only when a new request was created. The message is dropped.
    Pair,
    /// A guild message that needed a mention and had none: keep it in the channel's pending
    /// history (when `historyLimit > 0`) so the next mentioned message has context.
    PendingHistory,
    Drop(DropReason),
}

/// Decides what happens to `msg` (see the module docs).
pub fn evaluate(msg: &MessageFacts, ctx: &AccessContext<'_>) -> Decision {
    let account = ctx.account;
    let sender = SenderRef {
        id: &msg.author_id,
        name: msg.author_name.as_deref(),
        tag: msg.author_tag.as_deref(),
    };
    if msg.is_own_message {
        return Decision::Drop(DropReason::OwnMessage);
    }
    if msg.author_is_bot && !account.allow_bots {
        return Decision::Drop(DropReason::BotAuthor);
    }
    if msg.is_group_dm && !account.dm.group_enabled {
        return Decision::Drop(DropReason::GroupDmDisabled);
    }
    if msg.is_dm {
        return evaluate_dm(msg, ctx, &sender);
    }
    let is_guild = msg.guild_id.is_some() && !msg.is_group_dm;
    if is_guild && msg.is_interaction_command {
        return Decision::Drop(DropReason::InteractionCommand);
    }

    let guild = msg
        .guild_id
        .as_deref()
        .filter(|_| is_guild)
        .and_then(|id| resolve_guild(&account.guilds, id, msg.guild_name.as_deref()));
    if is_guild && !account.guilds.is_empty() && guild.is_none() {
        return Decision::Drop(DropReason::GuildNotListed);
    }
    let channel_ref = ChannelRef {
        id: &msg.channel_id,
        name: msg.channel_name.as_deref(),
        parent_id: msg.parent_channel_id.as_deref(),
        parent_name: msg.parent_channel_name.as_deref(),
    };
    let channels_configured = guild.as_ref().is_some_and(|g| !g.entry.channels.is_empty());
    let channel = guild
        .as_ref()
        .filter(|_| channels_configured)
        .and_then(|g| resolve_channel(g.entry, &channel_ref));
    // With a channel list configured, an unlisted channel counts as `allow: false`.
    let channel_allowed = !channels_configured || channel.as_ref().is_some_and(|c| c.allowed());
    if is_guild
        && channel
            .as_ref()
            .is_some_and(|c| c.entry.enabled == Some(false))
    {
        return Decision::Drop(DropReason::ChannelDisabled);
    }
    if msg.is_group_dm
        && !group_dm_allowed(
            &account.dm.group_channels,
            &msg.channel_id,
            msg.channel_name.as_deref(),
        )
    {
        return Decision::Drop(DropReason::GroupDmChannelNotAllowed);
    }
    if is_guild {
        match account.group_policy {
            GroupPolicy::Disabled => return Decision::Drop(DropReason::GroupPolicyDisabled),
            GroupPolicy::Open => {}
            GroupPolicy::Allowlist if guild.is_none() => {
                return Decision::Drop(DropReason::GuildNotAllowlisted);
            }
            GroupPolicy::Allowlist => {}
        }
        if !channel_allowed {
            return Decision::Drop(DropReason::ChannelNotAllowed);
        }
    }

    // Control commands need an authorized sender: the DM allowlist (the bot's owners) or the
    // channel/guild `users` list.
    let member_list: &[String] = channel
        .as_ref()
        .and_then(|c| c.entry.users.as_deref())
        .or_else(|| guild.as_ref().map(|g| g.entry.users.as_slice()))
        .unwrap_or(&[]);
    let member_restricted = !member_list.is_empty();
    let member_ok = user_allowed(member_list, &sender);
    let owner_list = UserAllowList::parse(&account.dm.allow_from);
    let owner_ok = owner_list.as_ref().is_some_and(|l| l.matches(&sender));
    let authorizers = [
        (owner_list.is_some(), owner_ok),
        (member_restricted, member_ok),
    ];
    let command_authorized = if ctx.use_access_groups {
        authorizers
            .iter()
            .any(|(configured, ok)| *configured && *ok)
    } else {
        // Access groups off: only configured lists count; none configured ⇒ everyone.
        !authorizers.iter().any(|(configured, _)| *configured)
            || authorizers
                .iter()
                .any(|(configured, ok)| *configured && *ok)
    };
    if ctx.allow_text_commands && msg.is_control_command && !command_authorized {
        return Decision::Drop(DropReason::UnauthorizedCommand);
    }

    let require_mention = is_guild && requires_mention(msg, guild.as_ref(), channel.as_ref());
    let mentioned_directly = msg.mentions_bot || ctx.mention_patterns.matches(&msg.text);
    let implicit = msg.is_reply_to_bot;
    let bypass = is_guild
        && require_mention
        && !mentioned_directly
        && !msg.has_any_mention
        && ctx.allow_text_commands
        && command_authorized
        && msg.is_control_command;
    let was_mentioned = mentioned_directly || implicit || bypass;
    // OpenClaw gates only when it knows the bot's id (otherwise an @mention cannot be seen and
    // every message would be held back).
    if require_mention && ctx.bot_id_known && !was_mentioned {
        return Decision::PendingHistory;
    }
    if is_guild && member_restricted && !member_ok {
        return Decision::Drop(DropReason::MemberNotAllowed);
    }
    if msg.text.trim().is_empty() && !msg.has_media {
        return Decision::Drop(DropReason::Empty);
    }
    Decision::Allow(Allowed {
        kind: if is_guild {
            ChatKind::Guild
        } else {
            ChatKind::GroupDm
        },
        was_mentioned,
        mentioned_directly,
        require_mention,
        command_authorized,
        guild_key: guild.as_ref().map(|g| g.key.to_owned()),
        guild_slug: guild
            .as_ref()
            .map(|g| g.slug.clone())
            .filter(|s| !s.is_empty()),
        channel_key: channel.as_ref().map(|c| c.key.to_owned()),
        system_prompt: channel.as_ref().and_then(|c| c.entry.system_prompt.clone()),
    })
}

fn evaluate_dm(msg: &MessageFacts, ctx: &AccessContext<'_>, sender: &SenderRef<'_>) -> Decision {
    let dm = &ctx.account.dm;
    if !dm.enabled {
        return Decision::Drop(DropReason::DmDisabled);
    }
    let configured = UserAllowList::parse(&dm.allow_from);
    let listed = configured.as_ref().is_some_and(|l| l.matches(sender))
        || UserAllowList::parse(ctx.approved_senders).is_some_and(|l| l.matches(sender));
    let command_authorized = configured.is_none() || listed;
    match dm.policy {
        DmPolicy::Disabled => return Decision::Drop(DropReason::DmPolicyDisabled),
        DmPolicy::Open => {}
        DmPolicy::Pairing if !listed => return Decision::Pair,
        DmPolicy::Allowlist if !listed => return Decision::Drop(DropReason::DmNotAllowlisted),
        DmPolicy::Pairing | DmPolicy::Allowlist => {}
    }
    if msg.text.trim().is_empty() && !msg.has_media {
        return Decision::Drop(DropReason::Empty);
    }
    Decision::Allow(Allowed {
        kind: ChatKind::Direct,
        was_mentioned: false,
        mentioned_directly: false,
        require_mention: false,
        command_authorized,
        guild_key: None,
        guild_slug: None,
        channel_key: None,
        system_prompt: None,
    })
}

/// channel → guild → true; false in threads the bot created itself under `autoThread`.
fn requires_mention(
    msg: &MessageFacts,
    guild: Option<&GuildMatch<'_>>,
    channel: Option<&ChannelMatch<'_>>,
) -> bool {
    let is_thread = msg.parent_channel_id.is_some();
    if is_thread
        && msg.thread_created_by_bot
        && channel.is_some_and(|c| c.entry.auto_thread == Some(true))
    {
        return false;
    }
    channel
        .and_then(|c| c.entry.require_mention)
        .or_else(|| guild.and_then(|g| g.entry.require_mention))
        .unwrap_or(true)
}

#[cfg(test)]
mod tests;
