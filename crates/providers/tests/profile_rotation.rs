//! Profile order with usage stats, and writing usage stats back without touching secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use openclaw_config::Config;
use openclaw_providers::credentials::profile_order;
use openclaw_providers::{
    AuthStore, CooldownPolicy, FailureKind, ProfileUsage, save_profile_usage,
};
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000_000;

fn store(value: Value) -> AuthStore {
    serde_json::from_value(value).unwrap()
}

fn config(value: Value) -> Config {
    serde_json::from_value(value).unwrap()
}

fn three_keys(usage: Value) -> AuthStore {
    store(json!({
        "profiles": {
            "openai:a": {"type": "api_key", "provider": "openai", "key": "ka"},
            "openai:b": {"type": "api_key", "provider": "openai", "key": "kb"},
            "openai:c": {"type": "api_key", "provider": "openai", "key": "kc"},
        },
        "usageStats": usage,
    }))
}

#[test]
fn round_robin_prefers_least_recently_used_and_defers_cooldowns() {
    let store = three_keys(json!({
        "openai:a": {"lastUsed": NOW - 10},
        "openai:b": {"lastUsed": NOW - 1000, "cooldownUntil": NOW + 60_000},
        "openai:c": {"lastUsed": NOW - 500},
    }));
    assert_eq!(
        profile_order(&Config::default(), &store, "openai", NOW),
        vec!["openai:c", "openai:a", "openai:b"]
    );
    // Once the cooldown has passed, b is the least recently used.
    assert_eq!(
        profile_order(&Config::default(), &store, "openai", NOW + 120_000),
        vec!["openai:b", "openai:c", "openai:a"]
    );
}

#[test]
fn explicit_order_is_kept_but_cooling_profiles_move_last() {
    let store = three_keys(json!({
        "openai:a": {"cooldownUntil": NOW + 300_000},
        "openai:b": {"disabledUntil": NOW + 60_000, "disabledReason": "billing"},
    }));
    let cfg = config(json!({"auth": {"order": {"openai": ["openai:a", "openai:b", "openai:c"]}}}));
    assert_eq!(
        profile_order(&cfg, &store, "openai", NOW),
        vec!["openai:c", "openai:b", "openai:a"]
    );
}

#[test]
fn recorded_failure_is_persisted_without_touching_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    let original = json!({
        "version": 1,
        "profiles": {
            "anthropic:me@example.com": {"type": "oauth", "provider": "anthropic",
                "access": "acc", "refresh": "ref", "expires": NOW + 1, "email": "me@example.com"},
        },
        "lastGood": {"anthropic": "anthropic:me@example.com"},
        "usageStats": {"anthropic:me@example.com": {"lastUsed": 5, "modelStats": {"x": {"n": 1}}}},
    });
    std::fs::write(&path, original.to_string()).unwrap();

    let loaded = AuthStore::load(&path).unwrap();
    let mut usage: ProfileUsage = loaded.usage_stats["anthropic:me@example.com"].clone();
    usage.record_failure(FailureKind::RateLimit, CooldownPolicy::default(), NOW);
    save_profile_usage(&path, "anthropic:me@example.com", &usage).unwrap();

    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["profiles"], original["profiles"]);
    assert_eq!(written["lastGood"], original["lastGood"]);
    let stats = &written["usageStats"]["anthropic:me@example.com"];
    assert_eq!(stats["cooldownUntil"], json!(NOW + 60_000));
    assert_eq!(stats["errorCount"], json!(1));
    assert_eq!(stats["failureCounts"], json!({"rate_limit": 1}));
    assert_eq!(stats["lastUsed"], json!(5));
    assert_eq!(stats["modelStats"], json!({"x": {"n": 1}}));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let reloaded = AuthStore::load(&path).unwrap();
    assert_eq!(
        profile_order(&Config::default(), &reloaded, "anthropic", NOW),
        vec!["anthropic:me@example.com"]
    );
}

#[test]
fn saving_into_a_missing_store_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth-profiles.json");
    let error = save_profile_usage(&path, "x:default", &ProfileUsage::default()).unwrap_err();
    assert!(error.to_string().contains("auth-profiles.json"), "{error}");
}
