//! Provider id → endpoint: built-in presets, overridden or extended by `models.providers`.

use openclaw_config::Config;

use crate::client::{ChatCompat, ProviderApi, ProviderEndpoint};
use crate::error::ProviderError;
use crate::model_ref::{ModelRef, normalize_provider};

/// An environment variable that may hold a provider's secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvKey {
    pub name: &'static str,
    /// Bearer-style token (OAuth/setup token) rather than an API key.
    pub is_token: bool,
}

const fn key(name: &'static str) -> EnvKey {
    EnvKey {
        name,
        is_token: false,
    }
}

/// A built-in provider and where its credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderPreset {
    pub id: &'static str,
    pub api: ProviderApi,
    pub base_url: &'static str,
    /// Checked in order; the first non-empty wins.
    pub env_keys: &'static [EnvKey],
}

/// Built-in providers. OpenAI-compatible services all use Chat Completions.
pub const PRESETS: &[ProviderPreset] = &[
    ProviderPreset {
        id: "anthropic",
        api: ProviderApi::AnthropicMessages,
        base_url: "https://api.anthropic.com",
        // OpenClaw prefers the OAuth token when both are set.
        env_keys: &[
            EnvKey {
                name: "ANTHROPIC_OAUTH_TOKEN",
                is_token: true,
            },
            key("ANTHROPIC_API_KEY"),
        ],
    },
    ProviderPreset {
        id: "openai",
        api: ProviderApi::OpenAiCompletions,
        base_url: "https://api.openai.com/v1",
        env_keys: &[key("OPENAI_API_KEY")],
    },
    ProviderPreset {
        id: "google",
        api: ProviderApi::GoogleGenerativeAi,
        base_url: "https://generativelanguage.googleapis.com/v1beta",
        env_keys: &[key("GEMINI_API_KEY"), key("GOOGLE_API_KEY")],
    },
    ProviderPreset {
        id: "openrouter",
        api: ProviderApi::OpenAiCompletions,
        base_url: "https://openrouter.ai/api/v1",
        env_keys: &[key("OPENROUTER_API_KEY")],
    },
    ProviderPreset {
        id: "ollama",
        api: ProviderApi::OpenAiCompletions,
        base_url: "http://127.0.0.1:11434/v1",
        env_keys: &[key("OLLAMA_API_KEY")],
    },
    ProviderPreset {
        id: "groq",
        api: ProviderApi::OpenAiCompletions,
        base_url: "https://api.groq.com/openai/v1",
        env_keys: &[key("GROQ_API_KEY")],
    },
    ProviderPreset {
        id: "xai",
        api: ProviderApi::OpenAiCompletions,
        base_url: "https://api.x.ai/v1",
        env_keys: &[key("XAI_API_KEY")],
    },
    ProviderPreset {
        id: "mistral",
        api: ProviderApi::OpenAiCompletions,
        base_url: "https://api.mistral.ai/v1",
        env_keys: &[key("MISTRAL_API_KEY")],
    },
    ProviderPreset {
        id: "cerebras",
        api: ProviderApi::OpenAiCompletions,
        base_url: "https://api.cerebras.ai/v1",
        env_keys: &[key("CEREBRAS_API_KEY")],
    },
    ProviderPreset {
        id: "zai",
        api: ProviderApi::OpenAiCompletions,
        base_url: "https://api.z.ai/api/paas/v4",
        env_keys: &[key("ZAI_API_KEY"), key("Z_AI_API_KEY")],
    },
];

/// Looks up a built-in provider by (normalised) id.
pub fn preset(provider: &str) -> Option<&'static ProviderPreset> {
    let id = normalize_provider(provider);
    PRESETS.iter().find(|p| p.id == id)
}

/// The Chat Completions dialect: OpenAI itself (by id or host) gets `max_completion_tokens`
/// and `reasoning_effort`; OpenRouter and xAI accept `reasoning_effort`; others get neither.
fn chat_compat(provider: &str, base_url: &str) -> ChatCompat {
    let is_openai = provider == "openai" || base_url.contains("://api.openai.com");
    ChatCompat {
        max_completion_tokens: is_openai,
        supports_reasoning_effort: is_openai || matches!(provider, "openrouter" | "xai"),
    }
}

/// A provider ready to be called once a credential is found.
#[derive(Debug, Clone)]
pub struct ResolvedProvider {
    pub endpoint: ProviderEndpoint,
    /// Env vars to try for the secret (empty for purely custom providers).
    pub env_keys: &'static [EnvKey],
    /// `models.providers.<id>.apiKey`, the last resort.
    pub config_api_key: Option<String>,
}

/// Resolves a provider id: `models.providers.<id>` overrides the preset's base URL, API and
/// headers; an id with neither a preset nor a config entry is an error.
pub fn resolve_provider(
    config: &Config,
    provider: &str,
) -> Result<ResolvedProvider, ProviderError> {
    let id = normalize_provider(provider);
    let preset = preset(&id);
    let custom = config
        .models
        .as_ref()
        .and_then(|m| m.providers.as_ref())
        .and_then(|providers| {
            providers
                .iter()
                .find(|(key, _)| normalize_provider(key) == id)
                .map(|(_, value)| value)
        });
    let (preset, custom) = match (preset, custom) {
        (None, None) => return Err(ProviderError::UnknownProvider(id)),
        pair => pair,
    };
    let api = match custom.and_then(|c| c.api.as_deref()) {
        Some(api) => ProviderApi::parse(api).ok_or_else(|| ProviderError::UnsupportedApi {
            provider: id.clone(),
            api: api.to_string(),
        })?,
        // Custom providers without `api` are assumed OpenAI-compatible, the common case.
        None => preset.map_or(ProviderApi::OpenAiCompletions, |p| p.api),
    };
    let base_url = custom
        .map(|c| c.base_url.trim())
        .filter(|url| !url.is_empty())
        .or(preset.map(|p| p.base_url))
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    let headers = custom
        .and_then(|c| c.headers.as_ref())
        .map(|h| h.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    Ok(ResolvedProvider {
        endpoint: ProviderEndpoint {
            provider: id.clone(),
            api,
            base_url: base_url.clone(),
            headers,
            chat_compat: chat_compat(&id, &base_url),
        },
        env_keys: preset.map_or(&[], |p| p.env_keys),
        config_api_key: custom
            .and_then(|c| c.api_key.clone())
            .filter(|k| !k.trim().is_empty()),
    })
}

/// Resolves the endpoint for one model: the provider's, then the matching
/// `models.providers.<id>.models[]` entry's `api`, `headers` (added, overriding by name) and
/// `compat` (`maxTokensField`, `supportsReasoningEffort`).
pub fn resolve_model_endpoint(
    config: &Config,
    model: &ModelRef,
) -> Result<ResolvedProvider, ProviderError> {
    let mut resolved = resolve_provider(config, &model.provider)?;
    let entry = config
        .models
        .as_ref()
        .and_then(|m| m.providers.as_ref())
        .and_then(|providers| {
            providers
                .iter()
                .find(|(key, _)| normalize_provider(key) == resolved.endpoint.provider)
        })
        .and_then(|(_, provider)| provider.models.as_ref())
        .and_then(|models| {
            models
                .iter()
                .find(|m| m.get("id").and_then(|id| id.as_str()) == Some(model.model.as_str()))
        });
    let Some(entry) = entry else {
        return Ok(resolved);
    };
    if let Some(api) = entry.get("api").and_then(|v| v.as_str()) {
        resolved.endpoint.api =
            ProviderApi::parse(api).ok_or_else(|| ProviderError::UnsupportedApi {
                provider: resolved.endpoint.provider.clone(),
                api: api.to_string(),
            })?;
    }
    if let Some(headers) = entry.get("headers").and_then(|v| v.as_object()) {
        for (name, value) in headers {
            let Some(value) = value.as_str() else {
                continue;
            };
            resolved
                .endpoint
                .headers
                .retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
            resolved
                .endpoint
                .headers
                .push((name.clone(), value.to_string()));
        }
    }
    if let Some(compat) = entry.get("compat") {
        let chat = &mut resolved.endpoint.chat_compat;
        match compat.get("maxTokensField").and_then(|v| v.as_str()) {
            Some("max_completion_tokens") => chat.max_completion_tokens = true,
            Some("max_tokens") => chat.max_completion_tokens = false,
            _ => {}
        }
        if let Some(supported) = compat
            .get("supportsReasoningEffort")
            .and_then(|v| v.as_bool())
        {
            chat.supports_reasoning_effort = supported;
        }
    }
    Ok(resolved)
}
