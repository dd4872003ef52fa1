//! Model refs, provider resolution and credential lookup, ending in a real streamed call.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::Path;

use openclaw_config::{Config, Env};
use openclaw_providers::{
    AgentAuthContext, ChatCompat, Credential, CredentialSource, HttpLimits, HttpTransport,
    ModelCatalog, ModelRef, ProviderApi, ProviderError, ProviderEvent, client_for_model,
    resolve_agent_model, resolve_credential, resolve_model_endpoint, resolve_provider,
};
use openclaw_testkit::fake_llm::{FakeLlm, FakeReply};
use serde_json::{Value, json};

const NOW_MS: i64 = 1_800_000_000_000;

fn config(value: Value) -> Config {
    serde_json::from_value(value).unwrap()
}

fn model(provider: &str, model: &str) -> ModelRef {
    ModelRef {
        provider: provider.into(),
        model: model.into(),
    }
}

fn write_store(dir: &Path, store: Value) {
    std::fs::write(dir.join("auth-profiles.json"), store.to_string()).unwrap();
}

#[test]
fn model_refs_split_at_first_slash_and_normalise_provider() {
    let catalog = ModelCatalog::default();
    assert_eq!(
        catalog
            .parse("OpenRouter/meta-llama/llama-3.3-70b-instruct:free")
            .unwrap(),
        model("openrouter", "meta-llama/llama-3.3-70b-instruct:free")
    );
    assert_eq!(
        catalog.parse("z.ai/GLM-4.7").unwrap(),
        model("zai", "GLM-4.7")
    );
    assert_eq!(
        catalog.parse("claude-sonnet-4-5").unwrap(),
        model("anthropic", "claude-sonnet-4-5")
    );
    for bad in ["", "  ", "/model", "openai/"] {
        assert!(
            matches!(catalog.parse(bad), Err(ProviderError::InvalidModelRef(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn aliases_and_allowlist_come_from_agents_defaults_models() {
    let cfg = config(json!({"agents": {"defaults": {"models": {
        "anthropic/claude-sonnet-4-5": {"alias": "Sonnet"},
        "openai/gpt-5.2": {},
    }}}}));
    let catalog = ModelCatalog::from_config(&cfg);
    assert_eq!(
        catalog.parse("sonnet").unwrap(),
        model("anthropic", "claude-sonnet-4-5")
    );
    assert_eq!(
        catalog.parse_allowed("openai/gpt-5.2").unwrap(),
        model("openai", "gpt-5.2")
    );
    let error = catalog.parse_allowed("openai/gpt-4o").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("openai/gpt-4o is not in agents.defaults.models"),
        "{error}"
    );
    assert!(ModelCatalog::default().is_allowed(&model("any", "thing")));
}

#[test]
fn agent_model_overrides_defaults_which_override_builtin() {
    let cfg = config(json!({"agents": {
        "defaults": {"model": {"primary": "openai/gpt-5.2"}, "models": {"openai/gpt-5.2": {"alias": "gpt"}}},
        "list": [{"id": "main"}, {"id": "ops", "model": "gpt"}, {"id": "dev", "model": "groq/llama-3.3-70b"}],
    }}));
    assert_eq!(
        resolve_agent_model(&cfg, "main").unwrap(),
        model("openai", "gpt-5.2")
    );
    assert_eq!(
        resolve_agent_model(&cfg, "ops").unwrap(),
        model("openai", "gpt-5.2")
    );
    assert_eq!(
        resolve_agent_model(&cfg, "dev").unwrap(),
        model("groq", "llama-3.3-70b")
    );
    assert_eq!(
        resolve_agent_model(&Config::default(), "main").unwrap(),
        model("anthropic", "claude-opus-4-5")
    );
}

#[test]
fn presets_and_config_overrides() {
    let cfg = config(json!({"models": {"providers": {
        "anthropic": {"baseUrl": "http://127.0.0.1:9/", "headers": {"x-proxy": "1"}},
        "local": {"baseUrl": "http://127.0.0.1:8000/v1", "api": "openai-completions", "apiKey": "sk-local"},
        "weird": {"baseUrl": "http://x", "api": "bedrock-converse-stream"},
    }}}));
    let anthropic = resolve_provider(&cfg, "Anthropic").unwrap();
    assert_eq!(anthropic.endpoint.base_url, "http://127.0.0.1:9");
    assert_eq!(anthropic.endpoint.api, ProviderApi::AnthropicMessages);
    assert_eq!(
        anthropic.endpoint.headers,
        vec![("x-proxy".to_string(), "1".to_string())]
    );

    let groq = resolve_provider(&cfg, "groq").unwrap();
    assert_eq!(groq.endpoint.base_url, "https://api.groq.com/openai/v1");
    assert_eq!(groq.endpoint.api, ProviderApi::OpenAiCompletions);
    assert_eq!(groq.endpoint.chat_compat, ChatCompat::default());
    let openai = resolve_provider(&cfg, "openai").unwrap();
    assert!(openai.endpoint.chat_compat.max_completion_tokens);
    assert!(openai.endpoint.chat_compat.supports_reasoning_effort);

    let local = resolve_provider(&cfg, "local").unwrap();
    assert_eq!(local.config_api_key.as_deref(), Some("sk-local"));
    assert!(local.env_keys.is_empty());

    assert!(matches!(
        resolve_provider(&cfg, "weird"),
        Err(ProviderError::UnsupportedApi { .. })
    ));
    let unknown = resolve_provider(&cfg, "nope").unwrap_err();
    assert!(
        unknown.to_string().contains("models.providers.nope"),
        "{unknown}"
    );
}

#[test]
fn credential_order_profiles_then_env_then_config() {
    let dir = tempfile::tempdir().unwrap();
    let agent = AgentAuthContext {
        agent_id: "main",
        agent_dir: dir.path(),
    };
    let cfg = config(json!({"models": {"providers": {
        "openai": {"baseUrl": "https://api.openai.com/v1", "apiKey": "sk-config"},
    }}}));
    let openai = resolve_provider(&cfg, "openai").unwrap();

    let from_config = resolve_credential(
        &cfg,
        &Env::from_pairs([("X", "1")]),
        &agent,
        &openai,
        NOW_MS,
    )
    .unwrap();
    assert_eq!(from_config.source, CredentialSource::Config);
    assert_eq!(
        from_config.credential,
        Credential::ApiKey("sk-config".into())
    );

    let env = Env::from_pairs([("OPENAI_API_KEY", "sk-env")]);
    let from_env = resolve_credential(&cfg, &env, &agent, &openai, NOW_MS).unwrap();
    assert_eq!(from_env.source, CredentialSource::Env("OPENAI_API_KEY"));

    write_store(
        dir.path(),
        json!({"version": 1, "profiles": {
            "openai:default": {"type": "api_key", "provider": "openai", "key": "sk-profile"},
        }}),
    );
    let from_profile = resolve_credential(&cfg, &env, &agent, &openai, NOW_MS).unwrap();
    assert_eq!(
        from_profile.source,
        CredentialSource::Profile("openai:default".into())
    );
    assert_eq!(
        from_profile.credential,
        Credential::ApiKey("sk-profile".into())
    );
}

#[test]
fn anthropic_env_prefers_oauth_token() {
    let dir = tempfile::tempdir().unwrap();
    let agent = AgentAuthContext {
        agent_id: "main",
        agent_dir: dir.path(),
    };
    let cfg = Config::default();
    let anthropic = resolve_provider(&cfg, "anthropic").unwrap();
    let env = Env::from_pairs([
        ("ANTHROPIC_API_KEY", "sk-ant-key"),
        ("ANTHROPIC_OAUTH_TOKEN", "sk-ant-oat"),
    ]);
    let found = resolve_credential(&cfg, &env, &agent, &anthropic, NOW_MS).unwrap();
    assert_eq!(found.credential, Credential::Token("sk-ant-oat".into()));
    let env = Env::from_pairs([
        ("ANTHROPIC_API_KEY", "sk-ant-key"),
        ("ANTHROPIC_OAUTH_TOKEN", ""),
    ]);
    let found = resolve_credential(&cfg, &env, &agent, &anthropic, NOW_MS).unwrap();
    assert_eq!(found.credential, Credential::ApiKey("sk-ant-key".into()));
}

#[test]
fn unusable_profiles_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let agent = AgentAuthContext {
        agent_id: "main",
        agent_dir: dir.path(),
    };
    // Config declares the profile as a token, so a stored api_key under it is ignored.
    let cfg = config(json!({"auth": {"profiles": {
        "anthropic:default": {"provider": "anthropic", "mode": "token"},
    }}}));
    write_store(
        dir.path(),
        json!({"profiles": {
            "anthropic:default": {"type": "api_key", "provider": "anthropic", "key": "sk-ignored"},
            "anthropic:expired": {"type": "token", "provider": "anthropic", "token": "t", "expires": NOW_MS - 1},
            "anthropic:me@example.com": {"type": "oauth", "provider": "anthropic", "access": "acc", "refresh": "r", "expires": NOW_MS + 60_000},
            "anthropic:empty": {"type": "api_key", "provider": "anthropic", "key": "  "},
        }}),
    );
    let anthropic = resolve_provider(&cfg, "anthropic").unwrap();
    let env = Env::from_pairs([("ANTHROPIC_API_KEY", "sk-env")]);
    // Only config profiles are in the base order, and the one configured is a type mismatch.
    let found = resolve_credential(&cfg, &env, &agent, &anthropic, NOW_MS).unwrap();
    assert_eq!(found.source, CredentialSource::Env("ANTHROPIC_API_KEY"));

    // Without config profiles every stored profile is tried, oauth first.
    let found = resolve_credential(&Config::default(), &env, &agent, &anthropic, NOW_MS).unwrap();
    assert_eq!(
        found.source,
        CredentialSource::Profile("anthropic:me@example.com".into())
    );
    assert_eq!(found.credential, Credential::Token("acc".into()));
}

#[test]
fn missing_key_gives_openclaws_exact_error() {
    let dir = tempfile::tempdir().unwrap();
    let agent_dir = dir.path().join("agents/ops/agent");
    let agent = AgentAuthContext {
        agent_id: "ops",
        agent_dir: &agent_dir,
    };
    let cfg = Config::default();
    let anthropic = resolve_provider(&cfg, "anthropic").unwrap();
    let error = resolve_credential(
        &cfg,
        &Env::from_pairs([("X", "1")]),
        &agent,
        &anthropic,
        NOW_MS,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "No API key found for provider \"anthropic\". Auth store: {} (agentDir: {}). Configure auth for this agent (openclaw agents add ops) or copy auth-profiles.json from the main agentDir.",
            agent_dir.join("auth-profiles.json").display(),
            agent_dir.display()
        )
    );
}

#[test]
fn corrupt_store_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("auth-profiles.json"), "{not json").unwrap();
    let agent = AgentAuthContext {
        agent_id: "main",
        agent_dir: dir.path(),
    };
    let cfg = Config::default();
    let openai = resolve_provider(&cfg, "openai").unwrap();
    let error = resolve_credential(
        &cfg,
        &Env::from_pairs([("X", "1")]),
        &agent,
        &openai,
        NOW_MS,
    )
    .unwrap_err();
    assert!(error.to_string().contains("auth-profiles.json"), "{error}");
}

#[tokio::test]
async fn resolved_client_streams_against_overridden_base_url() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["hi"]));
    let dir = tempfile::tempdir().unwrap();
    write_store(
        dir.path(),
        json!({"profiles": {
            "openai:default": {"type": "api_key", "provider": "openai", "key": "sk-stored"},
        }}),
    );
    let cfg = config(json!({"models": {"providers": {
        "openai": {"baseUrl": fake.openai_base_url(), "api": "openai-completions"},
    }}}));
    let agent = AgentAuthContext {
        agent_id: "main",
        agent_dir: dir.path(),
    };
    let transport = HttpTransport::new(HttpLimits::default()).unwrap();
    let env = Env::from_pairs([("X", "1")]);
    let target = ModelCatalog::from_config(&cfg)
        .parse("openai/gpt-5.2")
        .unwrap();
    let resolved = client_for_model(&cfg, &env, &agent, &target, transport, NOW_MS).unwrap();
    let request = openclaw_providers::CompletionRequest {
        model: resolved.model.model.clone(),
        system: None,
        messages: vec![openclaw_providers::Message::user_text("hello").into()],
        tools: Vec::new().into(),
        max_tokens: 32,
        thinking: openclaw_providers::ThinkingLevel::Off,
    };
    let events = resolved
        .client
        .stream(&request)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(events[0], ProviderEvent::TextDelta("hi".into()));
    let sent = &fake.requests()[0];
    assert_eq!(sent.header("authorization"), Some("Bearer sk-stored"));
    assert_eq!(sent.body["model"], "gpt-5.2");
    // OpenAI's own API (by provider id) gets max_completion_tokens, not max_tokens.
    assert_eq!(sent.body["max_completion_tokens"], 32);
    assert!(sent.body.get("max_tokens").is_none());
}

#[test]
fn per_model_entries_override_api_headers_and_compat() {
    let cfg = config(json!({"models": {"providers": {"proxy": {
        "baseUrl": "http://127.0.0.1:8000/v1",
        "api": "openai-completions",
        "headers": {"x-team": "a", "x-keep": "1"},
        "models": [
            {"id": "claude-via-proxy", "name": "Claude", "api": "anthropic-messages", "headers": {"x-team": "b"}},
            {"id": "o-model", "name": "O", "compat": {"maxTokensField": "max_completion_tokens", "supportsReasoningEffort": true}},
            {"id": "odd", "name": "Odd", "api": "github-copilot"},
        ],
    }}}}));
    let claude = resolve_model_endpoint(&cfg, &model("proxy", "claude-via-proxy")).unwrap();
    assert_eq!(claude.endpoint.api, ProviderApi::AnthropicMessages);
    assert_eq!(
        claude.endpoint.headers,
        vec![
            ("x-keep".to_string(), "1".to_string()),
            ("x-team".to_string(), "b".to_string())
        ]
    );
    let o_model = resolve_model_endpoint(&cfg, &model("proxy", "o-model")).unwrap();
    assert_eq!(
        o_model.endpoint.chat_compat,
        ChatCompat {
            max_completion_tokens: true,
            supports_reasoning_effort: true
        }
    );
    let other = resolve_model_endpoint(&cfg, &model("proxy", "unlisted")).unwrap();
    assert_eq!(other.endpoint.api, ProviderApi::OpenAiCompletions);
    assert_eq!(other.endpoint.chat_compat, ChatCompat::default());
    assert!(matches!(
        resolve_model_endpoint(&cfg, &model("proxy", "odd")),
        Err(ProviderError::UnsupportedApi { .. })
    ));
}
