//! Discord's allowlist matching: slugs, user lists, guild and channel entries (spec §4.11
//! "Discord matching").

use std::collections::BTreeSet;

use crate::discord::settings::{ChannelSettings, GuildSettings};

/// OpenClaw's slug: lowercase, a leading `#` dropped, every run of non-`[a-z0-9]` turned into
/// one `-`, dashes trimmed at both ends. `"#General Chat!"` → `"general-chat"`.
pub fn slug(value: &str) -> String {
    let lowered = value.trim().to_lowercase();
    let body = lowered.strip_prefix('#').unwrap_or(&lowered);
    let mut out = String::with_capacity(body.len());
    let mut pending_dash = false;
    for ch in body.chars() {
        if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(ch);
        } else {
            pending_dash = true;
        }
    }
    out
}

/// Who sent a message, as far as allowlists care.
#[derive(Debug, Clone, Copy, Default)]
pub struct SenderRef<'a> {
    pub id: &'a str,
    /// The username.
    pub name: Option<&'a str>,
    /// `name#1234`, or the username for accounts without a discriminator.
    pub tag: Option<&'a str>,
}

/// A parsed user allowlist. Entries may be ids, `<@id>`/`<@!id>` mentions, `discord:<id>` or
/// `user:<id>`, names or tags (compared as slugs), or `*`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserAllowList {
    pub allow_all: bool,
    pub ids: BTreeSet<String>,
    pub names: BTreeSet<String>,
}

impl UserAllowList {
    /// `None` for an empty list (meaning "no restriction configured", not "nobody").
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Option<Self> {
        if entries.is_empty() {
            return None;
        }
        let mut list = Self::default();
        for entry in entries {
            let text = entry.as_ref().trim();
            if text.is_empty() {
                continue;
            }
            if text == "*" {
                list.allow_all = true;
                continue;
            }
            let unwrapped = text
                .strip_prefix("<@!")
                .or_else(|| text.strip_prefix("<@"))
                .map(|rest| rest.strip_suffix('>').unwrap_or(rest))
                .unwrap_or(text);
            let unwrapped = unwrapped.strip_suffix('>').unwrap_or(unwrapped);
            if !unwrapped.is_empty() && unwrapped.bytes().all(|b| b.is_ascii_digit()) {
                list.ids.insert(unwrapped.to_owned());
                continue;
            }
            if let Some(id) = ["discord:", "user:"]
                .iter()
                .find_map(|prefix| strip_prefix_ignore_case(text, prefix))
            {
                let id = id.trim();
                if !id.is_empty() {
                    list.ids.insert(id.to_owned());
                }
                continue;
            }
            let name = slug(text);
            if !name.is_empty() {
                list.names.insert(name);
            }
        }
        Some(list)
    }

    pub fn matches(&self, sender: &SenderRef<'_>) -> bool {
        if self.allow_all {
            return true;
        }
        let id = sender.id.trim();
        if !id.is_empty() && self.ids.contains(id) {
            return true;
        }
        [sender.name, sender.tag].into_iter().flatten().any(|n| {
            let s = slug(n);
            !s.is_empty() && self.names.contains(&s)
        })
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Whether `sender` passes `entries`; an empty list lets everyone through.
pub fn user_allowed<S: AsRef<str>>(entries: &[S], sender: &SenderRef<'_>) -> bool {
    UserAllowList::parse(entries).is_none_or(|list| list.matches(sender))
}

/// The guild entry that applies: by id, then by the slug of the guild's name, then `"*"`.
#[derive(Debug, Clone, PartialEq)]
pub struct GuildMatch<'a> {
    /// The config key that matched (`"*"` for the wildcard).
    pub key: &'a str,
    pub entry: &'a GuildSettings,
    /// The entry's `slug`, else the slug of the guild name.
    pub slug: String,
}

pub fn resolve_guild<'a>(
    guilds: &'a std::collections::BTreeMap<String, GuildSettings>,
    guild_id: &str,
    guild_name: Option<&str>,
) -> Option<GuildMatch<'a>> {
    let name_slug = guild_name.map(slug).unwrap_or_default();
    let with_slug = |(key, entry): (&'a String, &'a GuildSettings)| {
        let slug = if name_slug.is_empty() {
            entry.slug.clone().unwrap_or_default()
        } else {
            name_slug.clone()
        };
        GuildMatch {
            key: key.as_str(),
            entry,
            slug,
        }
    };
    let guild_id = guild_id.trim();
    if !guild_id.is_empty()
        && let Some(found) = guilds.get_key_value(guild_id)
    {
        let mut matched = with_slug(found);
        // A guild matched by id keeps its configured slug when it has one.
        if let Some(configured) = &found.1.slug {
            matched.slug = configured.clone();
        }
        return Some(matched);
    }
    if !name_slug.is_empty()
        && let Some(found) = guilds.get_key_value(name_slug.as_str())
    {
        return Some(with_slug(found));
    }
    guilds.get_key_value("*").map(with_slug)
}

/// How a channel entry was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelMatchSource {
    /// The channel's own id, slug or name.
    Direct,
    /// A thread inheriting its parent channel's entry.
    Parent,
    /// The `"*"` entry.
    Wildcard,
}

/// The channel entry that applies to a guild message.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelMatch<'a> {
    pub key: &'a str,
    pub entry: &'a ChannelSettings,
    pub source: ChannelMatchSource,
}

impl ChannelMatch<'_> {
    /// `allow !== false` (an explicit `allow: false` blocks the channel).
    pub fn allowed(&self) -> bool {
        self.entry.allow != Some(false)
    }
}

/// Names a guild channel (or a thread and its parent) for entry lookup.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChannelRef<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    /// For threads: the parent channel's id and name.
    pub parent_id: Option<&'a str>,
    pub parent_name: Option<&'a str>,
}

/// Looks a channel up in the guild's `channels` map: id → slug → name, then (threads) the
/// parent's id → slug → name, then `"*"`. Threads match by their own id only, so a thread named
/// like a listed channel does not borrow that channel's entry. `None` ⇔ no entry applies.
pub fn resolve_channel<'a>(
    guild: &'a GuildSettings,
    channel: &ChannelRef<'_>,
) -> Option<ChannelMatch<'a>> {
    let channels = &guild.channels;
    let is_thread = channel.parent_id.is_some() || channel.parent_name.is_some();
    let own_slug = channel.name.map(slug);
    let mut own_keys: Vec<&str> = vec![channel.id];
    if !is_thread {
        own_keys.extend(own_slug.as_deref());
        own_keys.extend(channel.name);
    }
    if let Some((key, entry)) = first_entry(channels, &own_keys) {
        return Some(ChannelMatch {
            key,
            entry,
            source: ChannelMatchSource::Direct,
        });
    }
    if is_thread {
        let parent_slug = channel.parent_name.map(slug);
        let mut parent_keys: Vec<&str> = Vec::new();
        parent_keys.extend(channel.parent_id);
        parent_keys.extend(parent_slug.as_deref());
        parent_keys.extend(channel.parent_name);
        if let Some((key, entry)) = first_entry(channels, &parent_keys) {
            return Some(ChannelMatch {
                key,
                entry,
                source: ChannelMatchSource::Parent,
            });
        }
    }
    channels
        .get_key_value("*")
        .map(|(key, entry)| ChannelMatch {
            key: key.as_str(),
            entry,
            source: ChannelMatchSource::Wildcard,
        })
}

fn first_entry<'a>(
    channels: &'a std::collections::BTreeMap<String, ChannelSettings>,
    keys: &[&str],
) -> Option<(&'a str, &'a ChannelSettings)> {
    keys.iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .find_map(|k| channels.get_key_value(k))
        .map(|(k, v)| (k.as_str(), v))
}

/// `dm.groupChannels`: empty ⇒ every group DM; else the channel's id, name or slug must be listed
/// (entries compared as slugs), or `"*"`.
pub fn group_dm_allowed(allowed: &[String], channel_id: &str, channel_name: Option<&str>) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let listed: BTreeSet<String> = allowed
        .iter()
        .map(|entry| {
            if entry.trim() == "*" {
                "*".to_owned()
            } else {
                slug(entry)
            }
        })
        .collect();
    if listed.contains("*") {
        return true;
    }
    [Some(slug(channel_id)), channel_name.map(slug)]
        .into_iter()
        .flatten()
        .any(|candidate| !candidate.is_empty() && listed.contains(&candidate))
}
