//! Fallback candidate order and the all-failed summary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use openclaw_config::Config;
use openclaw_providers::{
    FailureKind, ModelRef, ProviderError, fallback_candidates, summarize_failures,
};
use serde_json::json;

fn config(value: serde_json::Value) -> Config {
    serde_json::from_value(value).unwrap()
}

fn refs(list: &[&str]) -> Vec<ModelRef> {
    list.iter()
        .map(|raw| {
            let (provider, model) = raw.split_once('/').unwrap();
            ModelRef {
                provider: provider.into(),
                model: model.into(),
            }
        })
        .collect()
}

#[test]
fn requested_then_allowed_fallbacks_then_primary() {
    let cfg = config(json!({"agents": {
        "defaults": {
            "model": {"primary": "anthropic/claude-opus-4-5", "fallbacks": ["openai/gpt-5.2", "groq/llama", "sonnet"]},
            "models": {
                "anthropic/claude-opus-4-5": {},
                "openai/gpt-5.2": {},
                "anthropic/claude-sonnet-4-5": {"alias": "sonnet"},
            },
        },
        "list": [{"id": "main"}, {"id": "ops", "model": {"primary": "openai/gpt-5.2", "fallbacks": []}}],
    }}));
    // groq/llama is not in the allowlist, so it is dropped; the primary comes last, deduped.
    let requested = refs(&["openai/gpt-5.2"]).remove(0);
    assert_eq!(
        fallback_candidates(&cfg, "main", Some(&requested)).unwrap(),
        refs(&[
            "openai/gpt-5.2",
            "anthropic/claude-sonnet-4-5",
            "anthropic/claude-opus-4-5"
        ])
    );
    assert_eq!(
        fallback_candidates(&cfg, "main", None).unwrap(),
        refs(&[
            "anthropic/claude-opus-4-5",
            "openai/gpt-5.2",
            "anthropic/claude-sonnet-4-5"
        ])
    );
    // An agent's explicit empty fallbacks disable the defaults' list.
    assert_eq!(
        fallback_candidates(&cfg, "ops", None).unwrap(),
        refs(&["openai/gpt-5.2"])
    );
}

#[test]
fn without_allowlist_every_fallback_is_kept() {
    let cfg = config(json!({"agents": {"defaults": {"model": {
        "primary": "openai/gpt-5.2", "fallbacks": ["groq/llama", "openai/gpt-5.2"],
    }}}}));
    assert_eq!(
        fallback_candidates(&cfg, "main", None).unwrap(),
        refs(&["openai/gpt-5.2", "groq/llama"])
    );
}

#[test]
fn failure_summary_matches_openclaw() {
    let rate_limited = ProviderError::StreamError {
        provider: "anthropic".into(),
        message: "overloaded_error: Overloaded".into(),
        kind: FailureKind::RateLimit,
    };
    let unknown = ProviderError::UnknownModel("openai/gpt-9".into());
    let single = summarize_failures(&[(
        refs(&["openai/gpt-9"]).remove(0),
        ProviderError::UnknownModel("openai/gpt-9".into()),
    )]);
    assert_eq!(single, "Unknown model: openai/gpt-9");
    let both = summarize_failures(&[
        (refs(&["anthropic/claude-opus-4-5"]).remove(0), rate_limited),
        (refs(&["openai/gpt-9"]).remove(0), unknown),
    ]);
    assert_eq!(
        both,
        "All models failed (2): anthropic/claude-opus-4-5: overloaded_error: Overloaded (rate_limit) | openai/gpt-9: Unknown model: openai/gpt-9 (unknown)"
    );
}
