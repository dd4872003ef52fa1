//! Session freshness and reset policies (spec §5.4, `session.reset*` in §4.5): pure functions.
//!
//! On every inbound message the caller asks [`evaluate_freshness`] whether the session's current
//! transcript is still fresh; a stale session gets a new `sessionId` ([`crate::Store::reset_session`]).
//! The policy comes from `session.resetByChannel[channel]`, else `session.resetByType[type]` over
//! `session.reset`; the default is a daily reset at 04:00 host-local time. A legacy
//! `session.idleMinutes` alone means idle-only. When both a daily time and an idle window apply,
//! whichever comes first makes the session stale.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

/// The default hour of the daily reset.
pub const DEFAULT_RESET_AT_HOUR: u8 = 4;
/// The idle window used by `mode: "idle"` when no `idleMinutes` is configured.
pub const DEFAULT_IDLE_MINUTES: u64 = 60;

/// `session.reset.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetMode {
    /// Stale once the daily reset time passed since the last update.
    Daily,
    /// Stale after `idleMinutes` without activity.
    Idle,
}

impl ResetMode {
    /// Parses the config spelling; `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "daily" => Some(Self::Daily),
            "idle" => Some(Self::Idle),
            _ => None,
        }
    }
}

/// One `reset` block (`session.reset`, `session.resetByType.<type>`, `session.resetByChannel.<ch>`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ResetConfig {
    /// `mode`.
    pub mode: Option<ResetMode>,
    /// `atHour` (clamped to 0–23).
    pub at_hour: Option<f64>,
    /// `idleMinutes` (floored, at least 1).
    pub idle_minutes: Option<f64>,
}

/// `session.resetByType`: 2026.1.29 spells the DM type `dm`; later versions `direct`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ResetByType {
    /// `dm` / `direct`.
    pub direct: Option<ResetConfig>,
    /// `group`.
    pub group: Option<ResetConfig>,
    /// `thread`.
    pub thread: Option<ResetConfig>,
}

/// The reset-related part of the `session` config.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResetSettings {
    /// `session.reset`.
    pub reset: Option<ResetConfig>,
    /// `session.resetByType`.
    pub reset_by_type: Option<ResetByType>,
    /// `session.resetByChannel`, keyed by lowercase channel id.
    pub reset_by_channel: BTreeMap<String, ResetConfig>,
    /// Legacy `session.idleMinutes`.
    pub legacy_idle_minutes: Option<f64>,
}

/// Which `resetByType` bucket a session falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetType {
    /// Direct messages.
    Direct,
    /// Groups and channels.
    Group,
    /// Threads and topics.
    Thread,
}

impl ResetType {
    /// Classifies a session key: `:thread:`/`:topic:` ⇒ thread, `:group:`/`:channel:` ⇒ group,
    /// otherwise direct. `is_thread` / `is_group` let the caller say what the key cannot.
    pub fn of_key(session_key: &str, is_group: bool, is_thread: bool) -> Self {
        let key = session_key.to_lowercase();
        if is_thread || key.contains(":thread:") || key.contains(":topic:") {
            Self::Thread
        } else if is_group || key.contains(":group:") || key.contains(":channel:") {
            Self::Group
        } else {
            Self::Direct
        }
    }
}

/// The effective policy for one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResetPolicy {
    /// Daily or idle.
    pub mode: ResetMode,
    /// Hour of the daily reset, host-local, 0–23.
    pub at_hour: u8,
    /// Idle window; with `Daily`, an extra condition (whichever first).
    pub idle_minutes: Option<u64>,
}

fn clamp_hour(value: Option<f64>) -> u8 {
    match value {
        Some(hour) if hour.is_finite() => hour.floor().clamp(0.0, 23.0) as u8,
        _ => DEFAULT_RESET_AT_HOUR,
    }
}

fn normalize_idle(value: Option<f64>) -> Option<u64> {
    value
        .filter(|minutes| minutes.is_finite())
        .map(|minutes| minutes.floor().max(1.0) as u64)
}

/// Resolves the policy for a session of `reset_type` on `channel`.
pub fn resolve_policy(
    settings: &ResetSettings,
    reset_type: ResetType,
    channel: Option<&str>,
) -> ResetPolicy {
    let channel_override = channel
        .map(|channel| channel.trim().to_lowercase())
        .and_then(|channel| settings.reset_by_channel.get(&channel));
    let base = channel_override.or(settings.reset.as_ref());
    // A channel override replaces the type buckets and the legacy setting entirely.
    let by_type = channel_override
        .is_none()
        .then_some(settings.reset_by_type.as_ref())
        .flatten()
        .and_then(|by_type| match reset_type {
            ResetType::Direct => by_type.direct.as_ref(),
            ResetType::Group => by_type.group.as_ref(),
            ResetType::Thread => by_type.thread.as_ref(),
        });
    let legacy_idle = channel_override
        .is_none()
        .then_some(settings.legacy_idle_minutes)
        .flatten();
    let has_explicit_reset = base.is_some() || settings.reset_by_type.is_some();
    let mode = by_type
        .and_then(|config| config.mode)
        .or_else(|| base.and_then(|config| config.mode))
        .unwrap_or(if !has_explicit_reset && legacy_idle.is_some() {
            ResetMode::Idle
        } else {
            ResetMode::Daily
        });
    let at_hour = clamp_hour(
        by_type
            .and_then(|config| config.at_hour)
            .or_else(|| base.and_then(|config| config.at_hour)),
    );
    let configured_idle = normalize_idle(
        by_type
            .and_then(|config| config.idle_minutes)
            .or_else(|| base.and_then(|config| config.idle_minutes))
            .or(legacy_idle),
    );
    let idle_minutes = match (configured_idle, mode) {
        (Some(minutes), _) => Some(minutes),
        (None, ResetMode::Idle) => Some(DEFAULT_IDLE_MINUTES),
        (None, ResetMode::Daily) => None,
    };
    ResetPolicy {
        mode,
        at_hour,
        idle_minutes,
    }
}

/// Whether a session is still fresh, and the instants that decided it (ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// `false` ⇒ start a new session id.
    pub fresh: bool,
    /// The most recent daily reset instant at or before `now` (daily mode).
    pub daily_reset_at: Option<i64>,
    /// When the idle window of the last update ends (when an idle window applies).
    pub idle_expires_at: Option<i64>,
}

/// The most recent `at_hour:00` in `time_zone` at or before `now_ms`.
pub fn daily_reset_at(now_ms: i64, at_hour: u8, time_zone: &TimeZone) -> Option<i64> {
    let now = Timestamp::from_millisecond(now_ms)
        .ok()?
        .to_zoned_datetime(time_zone.clone());
    let reset_time = Time::new(at_hour.min(23) as i8, 0, 0, 0).ok()?;
    // A reset hour skipped by a DST jump resolves forward, like JavaScript's `setHours`.
    let today = now
        .date()
        .to_datetime(reset_time)
        .to_zoned_datetime(time_zone.clone())
        .ok()?;
    let reset = if now.timestamp() < today.timestamp() {
        now.date()
            .yesterday()
            .ok()?
            .to_datetime(reset_time)
            .to_zoned_datetime(time_zone.clone())
            .ok()?
    } else {
        today
    };
    Some(reset.timestamp().as_millisecond())
}

/// Evaluates a session last updated at `updated_at_ms` against `policy` at `now_ms`, with the
/// daily reset hour read in `time_zone` (the host's, `TimeZone::system()`, in production).
pub fn evaluate_freshness(
    updated_at_ms: i64,
    now_ms: i64,
    policy: &ResetPolicy,
    time_zone: &TimeZone,
) -> Freshness {
    let daily_reset_at = (policy.mode == ResetMode::Daily)
        .then(|| daily_reset_at(now_ms, policy.at_hour, time_zone))
        .flatten();
    let idle_expires_at = policy
        .idle_minutes
        .map(|minutes| updated_at_ms.saturating_add((minutes as i64).saturating_mul(60_000)));
    let stale_daily = daily_reset_at.is_some_and(|reset_at| updated_at_ms < reset_at);
    let stale_idle = idle_expires_at.is_some_and(|expires_at| now_ms > expires_at);
    Freshness {
        fresh: !(stale_daily || stale_idle),
        daily_reset_at,
        idle_expires_at,
    }
}

/// A message that starts with a reset trigger (`/new`, `/reset` by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetTrigger {
    /// The trigger that matched, as configured.
    pub trigger: String,
    /// The rest of the message after the trigger, trimmed (`/new opus` ⇒ `opus`); empty when the
    /// trigger stood alone.
    pub remainder: String,
}

/// `session.resetTriggers` default.
pub const DEFAULT_RESET_TRIGGERS: &[&str] = &["/new", "/reset"];

/// Matches `body` against `triggers` (case-insensitive; the trigger must be the whole message or
/// be followed by whitespace, so `/newsletter` is not `/new`).
pub fn match_reset_trigger<S: AsRef<str>>(body: &str, triggers: &[S]) -> Option<ResetTrigger> {
    let trimmed = body.trim();
    triggers.iter().find_map(|trigger| {
        let trigger = trigger.as_ref().trim();
        if trigger.is_empty() || trimmed.len() < trigger.len() {
            return None;
        }
        let (head, rest) = trimmed.split_at_checked(trigger.len())?;
        let standalone = rest.is_empty() || rest.starts_with(char::is_whitespace);
        (head.eq_ignore_ascii_case(trigger) && standalone).then(|| ResetTrigger {
            trigger: trigger.to_owned(),
            remainder: rest.trim().to_owned(),
        })
    })
}

#[cfg(test)]
#[path = "reset_tests.rs"]
mod tests;
