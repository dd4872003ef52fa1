//! A typed view of `channels.discord` (spec §4.11).
//!
//! Config keeps channel sections as raw JSON objects, so this module is where Discord's keys get
//! their types and defaults. Every account is the base section with `accounts.<id>` laid over it
//! (a shallow merge: an account's `dm` object replaces the base `dm` object whole, as OpenClaw
//! does). A value of the wrong type never panics and never silently falls back to a default: the
//! account is reported in [`DiscordSettings::invalid`] with the config path that is wrong, and the
//! gateway keeps that account stopped.

use std::collections::BTreeMap;
use std::fmt;

use openclaw_config::{Config, Env, Section};
use openclaw_store::keys::{DEFAULT_ACCOUNT_ID, normalize_account_id};
use serde_json::Value;

use crate::access::{DmPolicy, GroupPolicy};
use crate::chunk::ChunkMode;
use crate::reply::ReplyToMode;

/// The environment variable holding the bot token of the `default` account.
pub const DISCORD_TOKEN_ENV: &str = "DISCORD_BOT_TOKEN";
/// `historyLimit` when neither Discord nor `messages.groupChat` sets one.
pub const DEFAULT_HISTORY_LIMIT: usize = 20;
/// Discord rejects messages longer than 2000 characters.
pub const DEFAULT_TEXT_CHUNK_LIMIT: usize = 2000;
/// Taller messages are collapsed by Discord clients; OpenClaw splits at 17 lines.
pub const DEFAULT_MAX_LINES_PER_MESSAGE: usize = 17;

/// A secret string whose `Debug` output never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that needs it (the Discord client).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where an account's token came from (for status output; never the token itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `channels.discord.token` or `channels.discord.accounts.<id>.token`.
    Config,
    /// `DISCORD_BOT_TOKEN` (the `default` account only).
    Env,
    /// No token anywhere: the account cannot connect.
    None,
}

impl TokenSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Env => "env",
            Self::None => "none",
        }
    }
}

/// Direct-message settings (`dm.*`, or the 2026.9.6 top-level `dmPolicy`/`allowFrom`).
#[derive(Debug, Clone, PartialEq)]
pub struct DmSettings {
    /// `dm.enabled` (default true): false drops every DM.
    pub enabled: bool,
    /// `dmPolicy` / `dm.policy` (default pairing).
    pub policy: DmPolicy,
    /// `allowFrom` / `dm.allowFrom`: ids, mentions, names or `*`.
    pub allow_from: Vec<String>,
    /// `dm.groupEnabled` (default false): group DMs are dropped unless set.
    pub group_enabled: bool,
    /// `dm.groupChannels`: group DM channel ids or slugs allowed (empty ⇒ all).
    pub group_channels: Vec<String>,
}

impl Default for DmSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            policy: DmPolicy::Pairing,
            allow_from: Vec::new(),
            group_enabled: false,
            group_channels: Vec::new(),
        }
    }
}

/// `guilds.<id|slug|"*">`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuildSettings {
    pub slug: Option<String>,
    pub require_mention: Option<bool>,
    /// Sender allowlist for every channel of the guild (channel `users` overrides it).
    pub users: Vec<String>,
    /// `channels.<id|slug|name|"*">`; an empty map means every channel of the guild.
    pub channels: BTreeMap<String, ChannelSettings>,
}

/// `guilds.<guild>.channels.<channel>`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelSettings {
    /// `allow` (2026.1.29); `Some(false)` blocks the channel.
    pub allow: Option<bool>,
    /// `enabled` (2026.9.6's name for `allow`, also honoured by 2026.1.29 as a hard off switch).
    pub enabled: Option<bool>,
    pub require_mention: Option<bool>,
    /// `Some(vec![])` (written as `users: []`) lifts the guild's `users` list for this channel.
    pub users: Option<Vec<String>>,
    pub system_prompt: Option<String>,
    /// Threads the bot creates itself do not need a mention.
    pub auto_thread: Option<bool>,
}

/// `retry`: outbound request retries (only 429s are retried, honouring `retry_after`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrySettings {
    pub attempts: u32,
    pub min_delay_ms: u64,
    pub max_delay_ms: u64,
    pub jitter: f64,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            attempts: 3,
            min_delay_ms: 500,
            max_delay_ms: 30_000,
            jitter: 0.1,
        }
    }
}

/// `intents`: privileged gateway intents beyond message content.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntentSettings {
    pub presence: bool,
    pub guild_members: bool,
}

/// One Discord account, fully resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscordAccount {
    /// Normalized (lowercase) account id; `default` for a section without `accounts`.
    pub id: String,
    /// Whether this is the channel's default account.
    pub is_default: bool,
    pub name: Option<String>,
    /// `enabled` on the section and on the account (both default true).
    pub enabled: bool,
    pub token: Option<Secret>,
    pub token_source: TokenSource,
    pub allow_bots: bool,
    pub group_policy: GroupPolicy,
    pub dm: DmSettings,
    pub guilds: BTreeMap<String, GuildSettings>,
    pub history_limit: usize,
    pub text_chunk_limit: usize,
    pub max_lines_per_message: usize,
    pub chunk_mode: ChunkMode,
    pub reply_to_mode: ReplyToMode,
    pub retry: RetrySettings,
    pub intents: IntentSettings,
}

/// An account whose settings could not be read; it stays stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidAccount {
    pub id: String,
    pub error: SettingsError,
}

/// A value of the wrong type or outside its allowed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{path}: expected {expected}, got {found}; fix it in openclaw.json (the Discord account \"{account}\" stays stopped until then)"
)]
pub struct SettingsError {
    /// Full config path, e.g. `channels.discord.accounts.work.textChunkLimit`.
    pub path: String,
    pub expected: String,
    /// A short rendering of what was found (type, or the bad string).
    pub found: String,
    pub account: String,
}

/// Every Discord account in the config.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiscordSettings {
    /// Accounts that resolved, sorted by id (disabled ones included; check `enabled`).
    pub accounts: Vec<DiscordAccount>,
    /// Accounts with a bad value.
    pub invalid: Vec<InvalidAccount>,
    /// `default` if present, else the first id in sort order.
    pub default_account_id: String,
}

impl DiscordSettings {
    /// Resolves `channels.discord` of `config`. An absent section still yields the `default`
    /// account (token from `DISCORD_BOT_TOKEN`) with group policy `open`, which is what OpenClaw
    /// runs when the section is missing.
    pub fn from_config(config: &Config, env: &Env) -> Self {
        let channels = config.channels.as_ref();
        let section = channels.and_then(|c| c.discord.as_ref());
        let defaults = channels.and_then(|c| c.defaults.as_ref());
        let group_chat = config.messages.as_ref().and_then(|m| m.group_chat.as_ref());
        Self::resolve(section, defaults, group_chat, env)
    }

    /// The same from the raw pieces: the discord section, `channels.defaults` and
    /// `messages.groupChat`.
    pub fn resolve(
        section: Option<&Section>,
        channel_defaults: Option<&Section>,
        group_chat: Option<&Section>,
        env: &Env,
    ) -> Self {
        let empty = Section::new();
        let base = section.unwrap_or(&empty);
        let account_maps = base.get("accounts").and_then(Value::as_object);
        let mut ids: Vec<(String, Option<&str>)> = Vec::new();
        if let Some(map) = account_maps {
            for key in map.keys() {
                let id = normalize_account_id(Some(key));
                if !ids.iter().any(|(known, _)| *known == id) {
                    ids.push((id, Some(key.as_str())));
                }
            }
        }
        if ids.is_empty() {
            ids.push((DEFAULT_ACCOUNT_ID.to_owned(), None));
        }
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        let default_account_id = if ids.iter().any(|(id, _)| id == DEFAULT_ACCOUNT_ID) {
            DEFAULT_ACCOUNT_ID.to_owned()
        } else {
            ids.first()
                .map(|(id, _)| id.clone())
                .unwrap_or_else(|| DEFAULT_ACCOUNT_ID.to_owned())
        };
        let ctx = Context {
            section_present: section.is_some(),
            channel_defaults,
            group_chat,
            env,
        };
        let mut settings = DiscordSettings {
            default_account_id: default_account_id.clone(),
            ..Default::default()
        };
        for (id, key) in ids {
            let account = key.and_then(|k| account_maps.and_then(|m| m.get(k)));
            let merged = match account {
                None => Ok(Merged {
                    base,
                    account: None,
                }),
                Some(Value::Object(map)) => Ok(Merged {
                    base,
                    account: Some((key.unwrap_or_default(), map)),
                }),
                Some(other) => Err(SettingsError {
                    path: format!("channels.discord.accounts.{}", key.unwrap_or_default()),
                    expected: "an object".into(),
                    found: describe(other),
                    account: id.clone(),
                }),
            };
            let resolved = merged
                .and_then(|merged| resolve_account(&id, id == default_account_id, &merged, &ctx));
            match resolved {
                Ok(account) => settings.accounts.push(account),
                Err(error) => settings.invalid.push(InvalidAccount { id, error }),
            }
        }
        settings
    }

    /// The account with this id (normalized before comparing).
    pub fn account(&self, id: &str) -> Option<&DiscordAccount> {
        let id = normalize_account_id(Some(id));
        self.accounts.iter().find(|a| a.id == id)
    }

    /// Accounts that are enabled and have a token: the ones to connect.
    pub fn runnable(&self) -> impl Iterator<Item = &DiscordAccount> {
        self.accounts
            .iter()
            .filter(|a| a.enabled && a.token.is_some())
    }
}

struct Context<'a> {
    section_present: bool,
    channel_defaults: Option<&'a Section>,
    group_chat: Option<&'a Section>,
    env: &'a Env,
}

/// The base section with one account's object laid over it, remembering where a key came from
/// so errors name the path the user has to edit.
struct Merged<'a> {
    base: &'a Section,
    account: Option<(&'a str, &'a Section)>,
}

impl<'a> Merged<'a> {
    fn get(&self, key: &str) -> Option<(&'a Value, String)> {
        if let Some((account_key, map)) = self.account
            && let Some(value) = map.get(key)
        {
            return Some((
                value,
                format!("channels.discord.accounts.{account_key}.{key}"),
            ));
        }
        if key == "accounts" {
            return None;
        }
        self.base
            .get(key)
            .map(|value| (value, format!("channels.discord.{key}")))
    }
}

fn resolve_account(
    id: &str,
    is_default: bool,
    merged: &Merged<'_>,
    ctx: &Context<'_>,
) -> Result<DiscordAccount, SettingsError> {
    let r = Reader { account: id };
    let base_enabled = match merged.base.get("enabled") {
        Some(v) => r.bool(v, "channels.discord.enabled")?,
        None => true,
    };
    let account_enabled = match merged
        .account
        .and_then(|(k, m)| Some((k, m.get("enabled")?)))
    {
        Some((key, v)) => r.bool(v, &format!("channels.discord.accounts.{key}.enabled"))?,
        None => true,
    };
    let (token, token_source) = resolve_token(id, merged, ctx.env, &r)?;

    let group_policy = match merged.get("groupPolicy") {
        Some((v, path)) => r.parse(v, &path, "open|disabled|allowlist", GroupPolicy::parse)?,
        None => match ctx.channel_defaults.and_then(|d| d.get("groupPolicy")) {
            Some(v) => r.parse(
                v,
                "channels.defaults.groupPolicy",
                "open|disabled|allowlist",
                GroupPolicy::parse,
            )?,
            None if ctx.section_present => GroupPolicy::Allowlist,
            None => GroupPolicy::Open,
        },
    };

    let history_limit = match merged.get("historyLimit") {
        Some((v, path)) => r.count(v, &path)?,
        None => match ctx.group_chat.and_then(|g| g.get("historyLimit")) {
            Some(v) => r.count(v, "messages.groupChat.historyLimit")?,
            None => DEFAULT_HISTORY_LIMIT,
        },
    };

    Ok(DiscordAccount {
        id: id.to_owned(),
        is_default,
        name: opt(merged, "name", |v, p| r.string(v, p))?.and_then(non_blank),
        enabled: base_enabled && account_enabled,
        token,
        token_source,
        allow_bots: opt(merged, "allowBots", |v, p| r.bool(v, p))?.unwrap_or(false),
        group_policy,
        dm: resolve_dm(merged, &r)?,
        guilds: match merged.get("guilds") {
            Some((v, path)) => resolve_guilds(v, &path, &r)?,
            None => BTreeMap::new(),
        },
        history_limit,
        text_chunk_limit: opt(merged, "textChunkLimit", |v, p| r.positive(v, p))?
            .unwrap_or(DEFAULT_TEXT_CHUNK_LIMIT),
        max_lines_per_message: opt(merged, "maxLinesPerMessage", |v, p| r.positive(v, p))?
            .unwrap_or(DEFAULT_MAX_LINES_PER_MESSAGE),
        chunk_mode: opt(merged, "chunkMode", |v, p| {
            r.parse(v, p, "length|newline", ChunkMode::parse)
        })?
        .unwrap_or_default(),
        reply_to_mode: opt(merged, "replyToMode", |v, p| {
            r.parse(v, p, "off|first|all", ReplyToMode::parse)
        })?
        .unwrap_or_default(),
        retry: match merged.get("retry") {
            Some((v, path)) => resolve_retry(v, &path, &r)?,
            None => RetrySettings::default(),
        },
        intents: match merged.get("intents") {
            Some((v, path)) => {
                let map = r.object(v, &path)?;
                IntentSettings {
                    presence: field(map, &path, "presence", |v, p| r.bool(v, p))?.unwrap_or(false),
                    guild_members: field(map, &path, "guildMembers", |v, p| r.bool(v, p))?
                        .unwrap_or(false),
                }
            }
            None => IntentSettings::default(),
        },
    })
}

fn resolve_token(
    id: &str,
    merged: &Merged<'_>,
    env: &Env,
    r: &Reader<'_>,
) -> Result<(Option<Secret>, TokenSource), SettingsError> {
    // OpenClaw reads only the account's own token for named accounts: the base `token` and the
    // env variable belong to the `default` account, so two accounts never share a bot.
    let own = merged
        .account
        .and_then(|(key, map)| Some((key, map.get("token")?)));
    if let Some((key, value)) = own {
        let path = format!("channels.discord.accounts.{key}.token");
        if let Some(token) = normalize_token(&r.string(value, &path)?) {
            return Ok((Some(Secret(token)), TokenSource::Config));
        }
    }
    if id != DEFAULT_ACCOUNT_ID {
        return Ok((None, TokenSource::None));
    }
    if let Some(value) = merged.base.get("token")
        && let Some(token) = normalize_token(&r.string(value, "channels.discord.token")?)
    {
        return Ok((Some(Secret(token)), TokenSource::Config));
    }
    match env
        .get_non_empty(DISCORD_TOKEN_ENV)
        .and_then(normalize_token)
    {
        Some(token) => Ok((Some(Secret(token)), TokenSource::Env)),
        None => Ok((None, TokenSource::None)),
    }
}

/// Trims and drops a leading `Bot ` (any case), which users often paste from the portal.
pub fn normalize_token(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let without_prefix = match trimmed.get(..4) {
        Some(head) if head.eq_ignore_ascii_case("bot ") => trimmed[4..].trim_start(),
        _ => trimmed,
    };
    (!without_prefix.is_empty()).then(|| without_prefix.to_owned())
}

fn resolve_dm(merged: &Merged<'_>, r: &Reader<'_>) -> Result<DmSettings, SettingsError> {
    let mut dm = DmSettings::default();
    if let Some((value, path)) = merged.get("dm") {
        let map = r.object(value, &path)?;
        if let Some(enabled) = field(map, &path, "enabled", |v, p| r.bool(v, p))? {
            dm.enabled = enabled;
        }
        if let Some(policy) = field(map, &path, "policy", |v, p| {
            r.parse(v, p, "pairing|allowlist|open|disabled", DmPolicy::parse)
        })? {
            dm.policy = policy;
        }
        if let Some(list) = field(map, &path, "allowFrom", |v, p| r.id_list(v, p))? {
            dm.allow_from = list;
        }
        if let Some(enabled) = field(map, &path, "groupEnabled", |v, p| r.bool(v, p))? {
            dm.group_enabled = enabled;
        }
        if let Some(list) = field(map, &path, "groupChannels", |v, p| r.id_list(v, p))? {
            dm.group_channels = list;
        }
    }
    // The 2026.9.6 top-level spellings win over the nested 2026.1.29 ones.
    if let Some(policy) = opt(merged, "dmPolicy", |v, p| {
        r.parse(v, p, "pairing|allowlist|open|disabled", DmPolicy::parse)
    })? {
        dm.policy = policy;
    }
    if let Some(list) = opt(merged, "allowFrom", |v, p| r.id_list(v, p))? {
        dm.allow_from = list;
    }
    Ok(dm)
}

fn resolve_guilds(
    value: &Value,
    path: &str,
    r: &Reader<'_>,
) -> Result<BTreeMap<String, GuildSettings>, SettingsError> {
    let mut guilds = BTreeMap::new();
    for (key, entry) in r.object(value, path)? {
        let entry_path = format!("{path}.{key}");
        let map = r.object(entry, &entry_path)?;
        let mut guild = GuildSettings {
            slug: field(map, &entry_path, "slug", |v, p| r.string(v, p))?.and_then(non_blank),
            require_mention: field(map, &entry_path, "requireMention", |v, p| r.bool(v, p))?,
            users: field(map, &entry_path, "users", |v, p| r.id_list(v, p))?.unwrap_or_default(),
            channels: BTreeMap::new(),
        };
        if let Some(channels) = map.get("channels") {
            let channels_path = format!("{entry_path}.channels");
            for (channel_key, channel) in r.object(channels, &channels_path)? {
                let channel_path = format!("{channels_path}.{channel_key}");
                guild.channels.insert(
                    channel_key.trim().to_owned(),
                    resolve_channel(channel, &channel_path, r)?,
                );
            }
        }
        guilds.insert(key.trim().to_owned(), guild);
    }
    Ok(guilds)
}

fn resolve_channel(
    value: &Value,
    path: &str,
    r: &Reader<'_>,
) -> Result<ChannelSettings, SettingsError> {
    let map = r.object(value, path)?;
    Ok(ChannelSettings {
        allow: field(map, path, "allow", |v, p| r.bool(v, p))?,
        enabled: field(map, path, "enabled", |v, p| r.bool(v, p))?,
        require_mention: field(map, path, "requireMention", |v, p| r.bool(v, p))?,
        users: field(map, path, "users", |v, p| r.id_list(v, p))?,
        system_prompt: field(map, path, "systemPrompt", |v, p| r.string(v, p))?.and_then(non_blank),
        auto_thread: field(map, path, "autoThread", |v, p| r.bool(v, p))?,
    })
}

fn resolve_retry(
    value: &Value,
    path: &str,
    r: &Reader<'_>,
) -> Result<RetrySettings, SettingsError> {
    let map = r.object(value, path)?;
    let defaults = RetrySettings::default();
    let attempts = field(map, path, "attempts", |v, p| r.count(v, p))?
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .unwrap_or(defaults.attempts);
    let jitter = match map.get("jitter") {
        Some(v) => match v.as_f64() {
            Some(j) if (0.0..=1.0).contains(&j) => j,
            _ => {
                return Err(r.error(&format!("{path}.jitter"), "a number from 0 to 1", v));
            }
        },
        None => defaults.jitter,
    };
    Ok(RetrySettings {
        attempts,
        min_delay_ms: field(map, path, "minDelayMs", |v, p| r.count(v, p))?
            .map_or(defaults.min_delay_ms, |n| n as u64),
        max_delay_ms: field(map, path, "maxDelayMs", |v, p| r.count(v, p))?
            .map_or(defaults.max_delay_ms, |n| n as u64),
        jitter,
    })
}

fn opt<T>(
    merged: &Merged<'_>,
    key: &str,
    read: impl FnOnce(&Value, &str) -> Result<T, SettingsError>,
) -> Result<Option<T>, SettingsError> {
    match merged.get(key) {
        Some((value, path)) => read(value, &path).map(Some),
        None => Ok(None),
    }
}

fn field<T>(
    map: &Section,
    parent: &str,
    key: &str,
    read: impl FnOnce(&Value, &str) -> Result<T, SettingsError>,
) -> Result<Option<T>, SettingsError> {
    match map.get(key) {
        Some(value) => read(value, &format!("{parent}.{key}")).map(Some),
        None => Ok(None),
    }
}

fn non_blank(s: String) -> Option<String> {
    let trimmed = s.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// A short rendering of a JSON value for error messages (never the whole value: it may be big).
fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() <= 40 => format!("\"{s}\""),
        Value::String(_) => "a long string".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Typed reads that turn a mismatch into a [`SettingsError`] naming the path.
struct Reader<'a> {
    account: &'a str,
}

impl Reader<'_> {
    fn error(&self, path: &str, expected: &str, found: &Value) -> SettingsError {
        SettingsError {
            path: path.to_owned(),
            expected: expected.to_owned(),
            found: describe(found),
            account: self.account.to_owned(),
        }
    }

    fn bool(&self, value: &Value, path: &str) -> Result<bool, SettingsError> {
        value
            .as_bool()
            .ok_or_else(|| self.error(path, "true or false", value))
    }

    fn string(&self, value: &Value, path: &str) -> Result<String, SettingsError> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| self.error(path, "a string", value))
    }

    fn object<'v>(&self, value: &'v Value, path: &str) -> Result<&'v Section, SettingsError> {
        value
            .as_object()
            .ok_or_else(|| self.error(path, "an object", value))
    }

    /// A whole number ≥ 0 (`20` and `20.0` both accepted: JSON5 writers differ).
    fn count(&self, value: &Value, path: &str) -> Result<usize, SettingsError> {
        let n = value
            .as_u64()
            .or_else(|| {
                value
                    .as_f64()
                    .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f <= u32::MAX as f64)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| self.error(path, "a whole number ≥ 0", value))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn positive(&self, value: &Value, path: &str) -> Result<usize, SettingsError> {
        match self.count(value, path) {
            Ok(0) | Err(_) => Err(self.error(path, "a whole number ≥ 1", value)),
            Ok(n) => Ok(n),
        }
    }

    fn parse<T>(
        &self,
        value: &Value,
        path: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, SettingsError> {
        value
            .as_str()
            .and_then(|s| parse(s.trim()))
            .ok_or_else(|| self.error(path, expected, value))
    }

    /// A list of ids or names; numbers are accepted (ids are often pasted unquoted) and kept as
    /// their decimal text.
    fn id_list(&self, value: &Value, path: &str) -> Result<Vec<String>, SettingsError> {
        let items = value
            .as_array()
            .ok_or_else(|| self.error(path, "a list of ids or names", value))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.trim().to_owned()),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(self.error(&format!("{path}[{i}]"), "an id or a name", other)),
            })
            .filter(|entry| !matches!(entry, Ok(s) if s.is_empty()))
            .collect()
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
