use super::*;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// 2026-11-24T12:00:00Z.
const NOON_UTC: i64 = 1_795_521_600_000;

fn utc() -> TimeZone {
    TimeZone::UTC
}

fn daily(at_hour: u8, idle_minutes: Option<u64>) -> ResetPolicy {
    ResetPolicy {
        mode: ResetMode::Daily,
        at_hour,
        idle_minutes,
    }
}

#[test]
fn noon_constant_is_what_the_tests_assume() {
    assert_eq!(crate::iso_timestamp(NOON_UTC), "2026-11-24T12:00:00.000Z");
}

#[test]
fn default_policy_is_daily_at_four_without_idle() {
    let policy = resolve_policy(&ResetSettings::default(), ResetType::Direct, None);
    assert_eq!(policy, daily(4, None));
}

#[test]
fn daily_reset_instant_is_the_latest_past_occurrence() {
    let today_four = NOON_UTC - 8 * HOUR;
    assert_eq!(daily_reset_at(NOON_UTC, 4, &utc()), Some(today_four));
    // At 02:00 the last 04:00 was yesterday's.
    let two_am = NOON_UTC - 10 * HOUR;
    assert_eq!(
        daily_reset_at(two_am, 4, &utc()),
        Some(today_four - 24 * HOUR)
    );
    // Exactly at the reset hour, today's reset counts.
    assert_eq!(daily_reset_at(today_four, 4, &utc()), Some(today_four));
}

#[test]
fn daily_reset_uses_the_host_time_zone() {
    // UTC+2: local 04:00 is 02:00Z.
    let plus_two = TimeZone::fixed(jiff::tz::offset(2));
    assert_eq!(
        daily_reset_at(NOON_UTC, 4, &plus_two),
        Some(NOON_UTC - 10 * HOUR)
    );
}

#[test]
fn daily_mode_is_stale_after_crossing_the_reset_hour() {
    let policy = daily(4, None);
    let before_reset = NOON_UTC - 9 * HOUR; // 03:00Z
    let after_reset = NOON_UTC - 7 * HOUR; // 05:00Z
    assert!(!evaluate_freshness(before_reset, NOON_UTC, &policy, &utc()).fresh);
    let fresh = evaluate_freshness(after_reset, NOON_UTC, &policy, &utc());
    assert!(fresh.fresh);
    assert_eq!(fresh.daily_reset_at, Some(NOON_UTC - 8 * HOUR));
    assert_eq!(fresh.idle_expires_at, None);
}

#[test]
fn daily_plus_idle_goes_stale_on_whichever_comes_first() {
    let policy = daily(4, Some(30));
    let updated = NOON_UTC - 31 * MINUTE;
    let verdict = evaluate_freshness(updated, NOON_UTC, &policy, &utc());
    assert!(
        !verdict.fresh,
        "idle window passed before the next daily reset"
    );
    assert_eq!(verdict.idle_expires_at, Some(updated + 30 * MINUTE));
    assert!(evaluate_freshness(NOON_UTC - 29 * MINUTE, NOON_UTC, &policy, &utc()).fresh);
}

#[test]
fn idle_mode_defaults_to_sixty_minutes() {
    let settings = ResetSettings {
        reset: Some(ResetConfig {
            mode: Some(ResetMode::Idle),
            ..ResetConfig::default()
        }),
        ..ResetSettings::default()
    };
    let policy = resolve_policy(&settings, ResetType::Direct, None);
    assert_eq!(policy.mode, ResetMode::Idle);
    assert_eq!(policy.idle_minutes, Some(DEFAULT_IDLE_MINUTES));
    // Idle mode ignores the daily hour: a day-old session updated 10 minutes ago is fresh.
    let verdict = evaluate_freshness(NOON_UTC - 10 * MINUTE, NOON_UTC, &policy, &utc());
    assert!(verdict.fresh);
    assert_eq!(verdict.daily_reset_at, None);
    assert!(!evaluate_freshness(NOON_UTC - 61 * MINUTE, NOON_UTC, &policy, &utc()).fresh);
}

#[test]
fn legacy_idle_minutes_alone_means_idle_only() {
    let settings = ResetSettings {
        legacy_idle_minutes: Some(15.7),
        ..ResetSettings::default()
    };
    let policy = resolve_policy(&settings, ResetType::Group, None);
    assert_eq!(
        policy,
        ResetPolicy {
            mode: ResetMode::Idle,
            at_hour: 4,
            idle_minutes: Some(15)
        }
    );
    // With an explicit reset block, legacy idle only adds an idle window to daily.
    let with_reset = ResetSettings {
        reset: Some(ResetConfig {
            at_hour: Some(6.0),
            ..ResetConfig::default()
        }),
        legacy_idle_minutes: Some(15.0),
        ..ResetSettings::default()
    };
    assert_eq!(
        resolve_policy(&with_reset, ResetType::Direct, None),
        daily(6, Some(15))
    );
}

#[test]
fn by_type_overrides_reset_and_by_channel_overrides_both() {
    let settings = ResetSettings {
        reset: Some(ResetConfig {
            mode: Some(ResetMode::Daily),
            at_hour: Some(3.0),
            idle_minutes: None,
        }),
        reset_by_type: Some(ResetByType {
            group: Some(ResetConfig {
                mode: Some(ResetMode::Idle),
                idle_minutes: Some(120.0),
                ..ResetConfig::default()
            }),
            ..ResetByType::default()
        }),
        reset_by_channel: BTreeMap::from([(
            "discord".to_owned(),
            ResetConfig {
                at_hour: Some(30.0),
                ..ResetConfig::default()
            },
        )]),
        legacy_idle_minutes: None,
    };
    assert_eq!(
        resolve_policy(&settings, ResetType::Direct, Some("telegram")),
        daily(3, None)
    );
    assert_eq!(
        resolve_policy(&settings, ResetType::Group, Some("telegram")),
        ResetPolicy {
            mode: ResetMode::Idle,
            at_hour: 3,
            idle_minutes: Some(120)
        }
    );
    // Channel override: type buckets no longer apply; hour clamped to 23.
    assert_eq!(
        resolve_policy(&settings, ResetType::Group, Some("Discord")),
        daily(23, None)
    );
}

#[test]
fn reset_type_comes_from_the_key_or_the_caller() {
    assert_eq!(
        ResetType::of_key("agent:main:main", false, false),
        ResetType::Direct
    );
    assert_eq!(
        ResetType::of_key("agent:main:discord:channel:1", false, false),
        ResetType::Group
    );
    assert_eq!(
        ResetType::of_key("agent:main:telegram:group:-1:topic:7", false, false),
        ResetType::Thread
    );
    assert_eq!(
        ResetType::of_key("agent:main:slack:channel:c1:thread:1.2", false, false),
        ResetType::Thread
    );
    assert_eq!(
        ResetType::of_key("agent:main:discord:channel:9", false, true),
        ResetType::Thread
    );
    assert_eq!(
        ResetType::of_key("agent:main:main", true, false),
        ResetType::Group
    );
}

#[test]
fn reset_triggers_match_whole_words_and_keep_the_remainder() {
    let defaults = DEFAULT_RESET_TRIGGERS;
    assert_eq!(
        match_reset_trigger("/new", defaults),
        Some(ResetTrigger {
            trigger: "/new".into(),
            remainder: String::new()
        })
    );
    assert_eq!(
        match_reset_trigger("  /RESET  anthropic/claude  ", defaults),
        Some(ResetTrigger {
            trigger: "/reset".into(),
            remainder: "anthropic/claude".into()
        })
    );
    assert_eq!(match_reset_trigger("/newsletter please", defaults), None);
    assert_eq!(match_reset_trigger("hello /new", defaults), None);
    assert_eq!(match_reset_trigger("", defaults), None);
    assert_eq!(
        match_reset_trigger("!fresh start", &["!fresh".to_owned()]),
        Some(ResetTrigger {
            trigger: "!fresh".into(),
            remainder: "start".into()
        })
    );
    // Multi-byte text right after a short trigger length must not panic.
    assert_eq!(match_reset_trigger("/néw", defaults), None);
}
