//! Model refs (`provider/model`), aliases, the `agents.defaults.models` allowlist and the
//! per-agent model choice.

use std::collections::BTreeMap;
use std::fmt;

use openclaw_config::Config;

use crate::error::ProviderError;

/// OpenClaw's model when nothing is configured.
pub const DEFAULT_MODEL: &str = "anthropic/claude-opus-4-5";

/// Provider used for a bare model id that is not an alias (OpenClaw's deprecated fallback).
pub const DEFAULT_PROVIDER: &str = "anthropic";

/// A resolved `provider/model` pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelRef {
    /// Lowercased, alias-normalised provider id.
    pub provider: String,
    /// Model id with its case preserved (it may itself contain `/`).
    pub model: String,
}

impl fmt::Display for ModelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

/// Lowercases a provider id and maps OpenClaw's spelling aliases.
pub fn normalize_provider(provider: &str) -> String {
    let lower = provider.trim().to_ascii_lowercase();
    match lower.as_str() {
        "z.ai" | "z-ai" => "zai".to_string(),
        "opencode-zen" => "opencode".to_string(),
        "qwen" => "qwen-portal".to_string(),
        _ => lower,
    }
}

/// Model aliases and the allowlist, both from `agents.defaults.models`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelCatalog {
    /// Lowercased alias → target ref.
    aliases: BTreeMap<String, ModelRef>,
    /// Allowed refs; empty means every model is allowed.
    allowed: Vec<ModelRef>,
}

impl ModelCatalog {
    /// Reads `agents.defaults.models` (`{"provider/model": {alias?}}`).
    pub fn from_config(config: &Config) -> Self {
        let mut catalog = ModelCatalog::default();
        let entries = config
            .agents
            .as_ref()
            .and_then(|a| a.defaults.as_ref())
            .and_then(|d| d.models.as_ref());
        for (key, entry) in entries.into_iter().flatten() {
            // Keys without a slash cannot name a model; OpenClaw ignores them too.
            let Some(target) = split_ref(key) else {
                continue;
            };
            if let Some(alias) = entry.alias.as_deref().map(str::trim)
                && !alias.is_empty()
            {
                catalog
                    .aliases
                    .insert(alias.to_ascii_lowercase(), target.clone());
            }
            catalog.allowed.push(target);
        }
        catalog
    }

    /// Parses a ref: `provider/model` (split at the first `/`), else an alias
    /// (case-insensitive), else a bare model id under [`DEFAULT_PROVIDER`].
    pub fn parse(&self, raw: &str) -> Result<ModelRef, ProviderError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(ProviderError::InvalidModelRef(raw.to_string()));
        }
        if trimmed.contains('/') {
            return split_ref(trimmed).ok_or_else(|| ProviderError::InvalidModelRef(raw.into()));
        }
        if let Some(target) = self.aliases.get(&trimmed.to_ascii_lowercase()) {
            return Ok(target.clone());
        }
        Ok(ModelRef {
            provider: DEFAULT_PROVIDER.to_string(),
            model: trimmed.to_string(),
        })
    }

    /// Whether the allowlist permits this model (an empty allowlist permits all).
    pub fn is_allowed(&self, model: &ModelRef) -> bool {
        self.allowed.is_empty() || self.allowed.contains(model)
    }

    /// Parses and checks the allowlist in one step.
    pub fn parse_allowed(&self, raw: &str) -> Result<ModelRef, ProviderError> {
        let model = self.parse(raw)?;
        if self.is_allowed(&model) {
            Ok(model)
        } else {
            Err(ProviderError::ModelNotAllowed(model.to_string()))
        }
    }
}

fn split_ref(raw: &str) -> Option<ModelRef> {
    let (provider, model) = raw.trim().split_once('/')?;
    let provider = normalize_provider(provider);
    let model = model.trim();
    if provider.is_empty() || model.is_empty() {
        return None;
    }
    Some(ModelRef {
        provider,
        model: model.to_string(),
    })
}

/// The raw primary model for an agent: `agents.list[].model` overrides
/// `agents.defaults.model`, else [`DEFAULT_MODEL`].
pub fn agent_primary_model<'a>(config: &'a Config, agent_id: &str) -> &'a str {
    config
        .agent(agent_id)
        .and_then(|agent| agent.model.as_ref())
        .and_then(|model| model.primary())
        .or_else(|| config.primary_model())
        .unwrap_or(DEFAULT_MODEL)
}

/// Resolves an agent's primary model through aliases (the allowlist is not applied to the
/// configured primary, matching OpenClaw, which appends it to the fallback list regardless).
pub fn resolve_agent_model(config: &Config, agent_id: &str) -> Result<ModelRef, ProviderError> {
    ModelCatalog::from_config(config).parse(agent_primary_model(config, agent_id))
}
