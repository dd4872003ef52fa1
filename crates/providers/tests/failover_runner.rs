//! Profile rotation and model fallback against the fake servers.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;

use openclaw_config::{Config, Env};
use openclaw_providers::{
    AgentAuthContext, AuthStore, CompletionRequest, FailoverRunner, FailureKind, HttpLimits,
    HttpTransport, Message, ModelRef, ProfilePin, ProviderError, ProviderEvent, ThinkingLevel,
};
use openclaw_testkit::fake_llm::{FakeLlm, FakeReply};
use serde_json::{Value, json};

const NOW: i64 = 1_800_000_000_000;

fn model(provider: &str, id: &str) -> ModelRef {
    ModelRef {
        provider: provider.into(),
        model: id.into(),
    }
}

fn request() -> CompletionRequest {
    CompletionRequest {
        model: String::new(),
        system: None,
        messages: vec![Message::user_text("hi").into()],
        tools: Vec::new().into(),
        max_tokens: 64,
        thinking: ThinkingLevel::Off,
    }
}

fn config_for(fake: &FakeLlm) -> Config {
    serde_json::from_value(json!({"models": {"providers": {
        "openai": {"baseUrl": fake.openai_base_url()},
        "anthropic": {"baseUrl": fake.anthropic_base_url()},
    }}}))
    .unwrap()
}

fn write_store(dir: &Path, store: Value) {
    std::fs::write(dir.join("auth-profiles.json"), store.to_string()).unwrap();
}

fn two_openai_keys() -> Value {
    json!({"version": 1, "profiles": {
        "openai:a": {"type": "api_key", "provider": "openai", "key": "key-a"},
        "openai:b": {"type": "api_key", "provider": "openai", "key": "key-b"},
    }})
}

fn runner<'a>(config: &'a Config, env: &'a Env, dir: &'a Path) -> FailoverRunner<'a> {
    FailoverRunner {
        config,
        env,
        agent: AgentAuthContext {
            agent_id: "main",
            agent_dir: dir,
        },
        transport: HttpTransport::new(HttpLimits::default()).unwrap(),
        pin: ProfilePin::None,
    }
}

#[tokio::test]
async fn rate_limited_profile_rotates_and_cools_down() {
    let fake = FakeLlm::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_store(dir.path(), two_openai_keys());
    let cfg = config_for(&fake);
    let env = Env::from_pairs([("X", "1")]);
    let runner = runner(&cfg, &env, dir.path());

    fake.push(FakeReply::error(
        429,
        "rate_limit_exceeded",
        "Rate limit reached",
    ));
    fake.push(FakeReply::text(&["from b"]));
    let opened = runner
        .open(&request(), &[model("openai", "gpt-5.2")], NOW)
        .await
        .unwrap();
    assert_eq!(opened.profile_id.as_deref(), Some("openai:b"));
    let auths: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_string())
        .collect();
    assert_eq!(auths, ["Bearer key-a", "Bearer key-b"]);
    let events = opened.stream.collect().await.unwrap();
    assert_eq!(events[0], ProviderEvent::TextDelta("from b".into()));

    let store = AuthStore::load(&dir.path().join("auth-profiles.json")).unwrap();
    assert_eq!(
        store.usage_stats["openai:a"].cooldown_until,
        Some(NOW + 60_000)
    );

    // While a cools down, b is used directly.
    fake.push(FakeReply::text(&["again"]));
    let opened = runner
        .open(&request(), &[model("openai", "gpt-5.2")], NOW + 1_000)
        .await
        .unwrap();
    assert_eq!(opened.profile_id.as_deref(), Some("openai:b"));
    runner.record_success(&opened, NOW + 2_000).unwrap();
    let store = AuthStore::load(&dir.path().join("auth-profiles.json")).unwrap();
    assert_eq!(store.usage_stats["openai:b"].last_used, Some(NOW + 2_000));
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn cooling_provider_is_skipped_without_a_call() {
    let fake = FakeLlm::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = two_openai_keys();
    store["usageStats"] = json!({
        "openai:a": {"cooldownUntil": NOW + 60_000},
        "openai:b": {"disabledUntil": NOW + 60_000, "disabledReason": "billing"},
    });
    write_store(dir.path(), store);
    let cfg = config_for(&fake);
    let env = Env::from_pairs([("ANTHROPIC_API_KEY", "sk-ant")]);
    let runner = runner(&cfg, &env, dir.path());

    fake.push(FakeReply::text(&["claude"]));
    let candidates = [
        model("openai", "gpt-5.2"),
        model("anthropic", "claude-opus-4-5"),
    ];
    let opened = runner.open(&request(), &candidates, NOW).await.unwrap();
    assert_eq!(opened.model, model("anthropic", "claude-opus-4-5"));
    assert_eq!(opened.profile_id, None);
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/messages");
    assert_eq!(requests[0].body["model"], "claude-opus-4-5");
}

#[tokio::test]
async fn every_model_failing_is_summarised() {
    let fake = FakeLlm::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_for(&fake);
    let env = Env::from_pairs([("OPENAI_API_KEY", "sk-o"), ("ANTHROPIC_API_KEY", "sk-a")]);
    let runner = runner(&cfg, &env, dir.path());
    fake.push(FakeReply::error(
        429,
        "rate_limit_exceeded",
        "Rate limit reached",
    ));
    fake.push(FakeReply::error(
        401,
        "authentication_error",
        "invalid x-api-key",
    ));
    let candidates = [
        model("openai", "gpt-5.2"),
        model("anthropic", "claude-opus-4-5"),
    ];
    let error = runner.open(&request(), &candidates, NOW).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "All models failed (2): openai/gpt-5.2: HTTP 429: rate_limit_exceeded: Rate limit reached (rate_limit) | anthropic/claude-opus-4-5: HTTP 401: authentication_error: invalid x-api-key (auth)"
    );
    assert_eq!(error.kind(), FailureKind::Auth);
}

#[tokio::test]
async fn non_failover_error_stops_at_once() {
    let fake = FakeLlm::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_store(dir.path(), two_openai_keys());
    let cfg = config_for(&fake);
    let env = Env::from_pairs([("ANTHROPIC_API_KEY", "sk-a")]);
    let runner = runner(&cfg, &env, dir.path());
    fake.push(FakeReply::error(
        400,
        "invalid_request_error",
        "maximum context length is 128000 tokens",
    ));
    let candidates = [
        model("openai", "gpt-5.2"),
        model("anthropic", "claude-opus-4-5"),
    ];
    let error = runner.open(&request(), &candidates, NOW).await.unwrap_err();
    assert_eq!(error.kind(), FailureKind::ContextOverflow);
    assert_eq!(fake.requests().len(), 1);
    // Context overflow says nothing about the key, so no cooldown is recorded.
    let store = AuthStore::load(&dir.path().join("auth-profiles.json")).unwrap();
    assert!(store.usage_stats.is_empty());
}

#[tokio::test]
async fn single_candidate_without_key_keeps_the_exact_error() {
    let fake = FakeLlm::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_for(&fake);
    let env = Env::from_pairs([("X", "1")]);
    let runner = runner(&cfg, &env, dir.path());
    let error = runner
        .open(&request(), &[model("openai", "gpt-5.2")], NOW)
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::NoApiKey { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .starts_with("No API key found for provider \"openai\"."),
        "{error}"
    );
}

#[tokio::test]
async fn session_pin_goes_first_and_user_pin_never_rotates() {
    let fake = FakeLlm::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_store(dir.path(), two_openai_keys());
    let cfg = config_for(&fake);
    let env = Env::from_pairs([("ANTHROPIC_API_KEY", "sk-a")]);
    let mut runner = runner(&cfg, &env, dir.path());

    runner.pin = ProfilePin::Session("openai:b".into());
    fake.push(FakeReply::text(&["b"]));
    let opened = runner
        .open(&request(), &[model("openai", "gpt-5.2")], NOW)
        .await
        .unwrap();
    assert_eq!(opened.profile_id.as_deref(), Some("openai:b"));

    // A user-pinned profile that fails hands over to the next model, not to openai:a.
    runner.pin = ProfilePin::User("openai:b".into());
    fake.push(FakeReply::error(
        429,
        "rate_limit_exceeded",
        "Rate limit reached",
    ));
    fake.push(FakeReply::text(&["claude"]));
    let candidates = [
        model("openai", "gpt-5.2"),
        model("anthropic", "claude-opus-4-5"),
    ];
    let opened = runner.open(&request(), &candidates, NOW).await.unwrap();
    assert_eq!(opened.model, model("anthropic", "claude-opus-4-5"));
    let auths: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| {
            r.header("authorization")
                .or(r.header("x-api-key"))
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(auths, ["Bearer key-b", "Bearer key-b", "sk-a"]);
}
