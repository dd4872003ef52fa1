//! `bindings` → agent → session key (spec §4.4, §5.3).
//!
//! Bindings are filtered by channel (case-insensitive) and account (`accountId` omitted ⇒ only
//! the `default` account, `"*"` ⇒ any, else equal after normalization), then tried tier by tier,
//! first match in list order within a tier:
//!
//! 1. `binding.peer` — `match.peer` equals the conversation (kind and id);
//! 2. `binding.peer.parent` — for threads, `match.peer` equals the parent channel, so a binding
//!    on a channel also covers its threads;
//! 3. `binding.guild` — `match.guildId`;
//! 4. `binding.team` — `match.teamId`;
//! 5. `binding.account` — a specific (or omitted ⇒ `default`) account, no other constraint;
//! 6. `binding.channel` — `accountId: "*"`, no other constraint;
//! 7. `default` — the default agent.
//!
//! A binding with several constraints must satisfy all of them and counts in the tier of its most
//! specific one. A bound agent missing from a non-empty `agents.list` falls back to the default
//! agent. Session keys come from `openclaw_store::keys`.

use openclaw_config::{Binding, Config, PeerKind};
use openclaw_store::keys::{
    self, ConversationKind, DEFAULT_ACCOUNT_ID, DirectPeer, DmScope, IdentityLinks,
    normalize_account_id, normalize_agent_id,
};

/// The conversation a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer<'a> {
    pub kind: PeerKind,
    /// The sender's id for DMs; the group or channel id otherwise.
    pub id: &'a str,
}

/// Where a message came from, as routing sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RouteInput<'a> {
    /// Channel id (`discord`, `telegram`, …).
    pub channel: &'a str,
    /// The receiving account; `None` ⇒ `default`.
    pub account_id: Option<&'a str>,
    pub peer: Option<Peer<'a>>,
    /// Discord guild.
    pub guild_id: Option<&'a str>,
    /// Slack / Teams team.
    pub team_id: Option<&'a str>,
    /// Threads: the channel the thread lives in.
    pub parent_peer: Option<Peer<'a>>,
}

/// Which rule picked the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Peer,
    ParentPeer,
    Guild,
    Team,
    Account,
    Channel,
    Default,
}

impl MatchedBy {
    /// OpenClaw's tier names (`binding.peer`, …, `default`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Peer => "binding.peer",
            Self::ParentPeer => "binding.peer.parent",
            Self::Guild => "binding.guild",
            Self::Team => "binding.team",
            Self::Account => "binding.account",
            Self::Channel => "binding.channel",
            Self::Default => "default",
        }
    }
}

/// The agent and session a message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub agent_id: String,
    /// Normalized channel id.
    pub channel: String,
    /// Normalized account id.
    pub account_id: String,
    pub session_key: String,
    /// `agent:<id>:main`: where DMs land under `dmScope: main`, and whose last route heartbeats
    /// and cron deliveries use.
    pub main_session_key: String,
    pub matched_by: MatchedBy,
    /// Threads: the parent channel's session key.
    pub parent_session_key: Option<String>,
}

/// Resolves the route for `input` under `config`.
pub fn resolve_route(config: &Config, input: &RouteInput<'_>) -> Route {
    let channel = input.channel.trim().to_lowercase();
    let account_id = normalize_account_id(input.account_id);
    let guild_id = clean(input.guild_id);
    let team_id = clean(input.team_id);
    let peer = input.peer.filter(|p| !p.id.trim().is_empty());
    let parent = input.parent_peer.filter(|p| !p.id.trim().is_empty());

    let candidates: Vec<&Binding> = config
        .bindings
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .filter(|b| b.match_rule.channel.trim().to_lowercase() == channel)
        .filter(|b| account_matches(b.match_rule.account_id.as_deref(), &account_id))
        .collect();
    let scope_ok = |b: &Binding| {
        let m = &b.match_rule;
        clean(m.guild_id.as_deref()).is_none_or(|g| Some(g) == guild_id)
            && clean(m.team_id.as_deref()).is_none_or(|t| Some(t) == team_id)
    };
    let peer_is = |b: &Binding, wanted: Option<Peer<'_>>| {
        let (Some(bound), Some(wanted)) = (b.match_rule.peer.as_ref(), wanted) else {
            return false;
        };
        bound.kind == wanted.kind && bound.id.trim() == wanted.id.trim()
    };
    let unscoped = |b: &Binding| {
        let m = &b.match_rule;
        m.peer.is_none()
            && clean(m.guild_id.as_deref()).is_none()
            && clean(m.team_id.as_deref()).is_none()
    };
    let tiers: [(MatchedBy, &TierTest<'_>); 6] = [
        (MatchedBy::Peer, &|b| peer_is(b, peer)),
        (MatchedBy::ParentPeer, &|b| peer_is(b, parent)),
        (MatchedBy::Guild, &|b| {
            b.match_rule.peer.is_none()
                && guild_id.is_some()
                && clean(b.match_rule.guild_id.as_deref()).is_some()
        }),
        (MatchedBy::Team, &|b| {
            b.match_rule.peer.is_none()
                && clean(b.match_rule.guild_id.as_deref()).is_none()
                && team_id.is_some()
                && clean(b.match_rule.team_id.as_deref()).is_some()
        }),
        (MatchedBy::Account, &|b| unscoped(b) && !is_any_account(b)),
        (MatchedBy::Channel, &|b| unscoped(b) && is_any_account(b)),
    ];
    let (bound_agent, matched_by) = tiers
        .iter()
        .find_map(|(tier, applies)| {
            candidates
                .iter()
                .find(|b| applies(b) && scope_ok(b))
                .map(|b| (Some(b.agent_id.as_str()), *tier))
        })
        .unwrap_or((None, MatchedBy::Default));
    let agent_id = pick_agent(config, bound_agent);

    let dm_scope = config
        .session
        .as_ref()
        .and_then(|s| s.dm_scope)
        .and_then(|s| DmScope::parse(s.as_str()))
        .unwrap_or_default();
    let empty_links = IdentityLinks::new();
    let links = config
        .session
        .as_ref()
        .and_then(|s| s.identity_links.as_ref())
        .unwrap_or(&empty_links);
    let key_for = |peer: Option<Peer<'_>>| match peer {
        None => keys::main_session_key(&agent_id),
        Some(Peer {
            kind: PeerKind::Dm,
            id,
        }) => keys::direct_session_key(
            &agent_id,
            DirectPeer {
                channel: &channel,
                account_id: Some(&account_id),
                peer_id: id,
            },
            dm_scope,
            links,
        ),
        Some(Peer {
            kind: PeerKind::Group,
            id,
        }) => keys::conversation_session_key(&agent_id, &channel, ConversationKind::Group, id),
        Some(Peer {
            kind: PeerKind::Channel,
            id,
        }) => keys::conversation_session_key(&agent_id, &channel, ConversationKind::Channel, id),
    };
    Route {
        session_key: key_for(peer),
        main_session_key: keys::main_session_key(&agent_id),
        parent_session_key: parent.map(|p| key_for(Some(p))),
        agent_id,
        channel,
        account_id,
        matched_by,
    }
}

/// Whether a binding belongs to a tier (scope constraints are checked separately).
type TierTest<'a> = dyn Fn(&Binding) -> bool + 'a;

fn clean(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn is_any_account(binding: &Binding) -> bool {
    binding.match_rule.account_id.as_deref().map(str::trim) == Some("*")
}

fn account_matches(pattern: Option<&str>, account_id: &str) -> bool {
    match pattern.map(str::trim) {
        None | Some("") => account_id == DEFAULT_ACCOUNT_ID,
        Some("*") => true,
        Some(p) => normalize_account_id(Some(p)) == account_id,
    }
}

/// The bound agent if it exists (any id when `agents.list` is empty), else the default agent.
fn pick_agent(config: &Config, bound: Option<&str>) -> String {
    let Some(bound) = bound.map(str::trim).filter(|b| !b.is_empty()) else {
        return config.default_agent_id();
    };
    if config.agent_list().is_empty() {
        return normalize_agent_id(bound);
    }
    match config.agent(bound) {
        Some(entry) => normalize_agent_id(&entry.id),
        None => config.default_agent_id(),
    }
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
