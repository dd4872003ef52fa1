//! Finding the secret for a provider, in OpenClaw's order: the agent's `auth-profiles.json`,
//! then environment variables, then `models.providers.<id>.apiKey`.
//!
//! `auth-profiles.json` (`<agentDir>/auth-profiles.json`) holds
//! `{"version":1,"profiles":{"<id>":{"type":"api_key","provider":"p","key":"…"} |
//! {"type":"token","provider":"p","token":"…","expires":<ms>} |
//! {"type":"oauth","provider":"p","access":"…","refresh":"…","expires":<ms>}},"order":{…}}`.
//! Unknown fields (usage stats, lastGood) are ignored so newer files still load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use openclaw_config::{AuthProfileMode, Config, Env};
use serde::Deserialize;

use crate::client::Credential;
use crate::error::ProviderError;
use crate::model_ref::normalize_provider;
use crate::registry::ResolvedProvider;
use crate::usage_stats::ProfileUsage;

/// File name of the per-agent credential store.
pub const AUTH_PROFILES_FILE: &str = "auth-profiles.json";

/// One stored credential.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StoredCredential {
    ApiKey {
        provider: String,
        #[serde(default)]
        key: Option<String>,
    },
    Token {
        provider: String,
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        expires: Option<i64>,
    },
    Oauth {
        provider: String,
        #[serde(default)]
        access: Option<String>,
        #[serde(default)]
        expires: Option<i64>,
    },
}

impl std::fmt::Debug for StoredCredential {
    // Keep secrets out of logs and test failure output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCredential")
            .field("type", &self.mode())
            .field("provider", &self.provider())
            .finish_non_exhaustive()
    }
}

impl StoredCredential {
    pub fn provider(&self) -> &str {
        match self {
            StoredCredential::ApiKey { provider, .. }
            | StoredCredential::Token { provider, .. }
            | StoredCredential::Oauth { provider, .. } => provider,
        }
    }

    pub fn mode(&self) -> AuthProfileMode {
        match self {
            StoredCredential::ApiKey { .. } => AuthProfileMode::ApiKey,
            StoredCredential::Token { .. } => AuthProfileMode::Token,
            StoredCredential::Oauth { .. } => AuthProfileMode::Oauth,
        }
    }

    /// The usable secret: non-empty and not expired at `now_ms`.
    ///
    /// Expired OAuth access tokens are treated as unusable; refreshing them is not
    /// implemented yet.
    pub fn usable_credential(&self, now_ms: i64) -> Option<Credential> {
        let live = |expires: &Option<i64>| expires.is_none_or(|at| at > now_ms);
        match self {
            StoredCredential::ApiKey { key, .. } => {
                non_empty(key).map(|k| Credential::ApiKey(k.to_string()))
            }
            StoredCredential::Token { token, expires, .. } if live(expires) => {
                non_empty(token).map(|t| Credential::Token(t.to_string()))
            }
            StoredCredential::Oauth {
                access, expires, ..
            } if live(expires) => non_empty(access).map(|t| Credential::Token(t.to_string())),
            _ => None,
        }
    }
}

fn non_empty(secret: &Option<String>) -> Option<&str> {
    secret.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The parsed `auth-profiles.json` of one agent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthStore {
    #[serde(default)]
    pub profiles: BTreeMap<String, StoredCredential>,
    #[serde(default)]
    pub order: BTreeMap<String, Vec<String>>,
    #[serde(default, rename = "usageStats")]
    pub usage_stats: BTreeMap<String, ProfileUsage>,
}

impl AuthStore {
    /// Loads the store; a missing file is an empty store.
    pub fn load(path: &Path) -> Result<Self, ProviderError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => {
                return Err(ProviderError::AuthStore {
                    path: path.to_path_buf(),
                    detail: e.to_string(),
                });
            }
        };
        serde_json::from_str(&text).map_err(|e| ProviderError::AuthStore {
            path: path.to_path_buf(),
            detail: format!("not valid auth-profiles JSON: {e}"),
        })
    }
}

/// Where a credential was found (for logs and `models status`-style output; never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    Profile(String),
    Env(&'static str),
    Config,
}

/// A credential and its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedCredential {
    pub credential: Credential,
    pub source: CredentialSource,
}

/// Which agent is asking, and where its store lives.
#[derive(Debug, Clone)]
pub struct AgentAuthContext<'a> {
    pub agent_id: &'a str,
    /// `<state>/agents/<id>/agent` (or the configured `agentDir`).
    pub agent_dir: &'a Path,
}

impl AgentAuthContext<'_> {
    pub fn auth_store_path(&self) -> PathBuf {
        self.agent_dir.join(AUTH_PROFILES_FILE)
    }
}

/// Profile ids to try for a provider, in OpenClaw's order.
///
/// Candidates: the store's `order`, else config `auth.order` (both "explicit"), else config
/// `auth.profiles` of that provider, else every stored profile of that provider. An explicit
/// order is kept; otherwise profiles rotate round-robin: oauth before token before api_key,
/// then least recently used first. Either way, profiles in cooldown go last, soonest
/// expiry first.
pub fn profile_order(
    config: &Config,
    store: &AuthStore,
    provider: &str,
    now_ms: i64,
) -> Vec<String> {
    let auth = config.auth.as_ref();
    let explicit = store.order.get(provider).cloned().or_else(|| {
        auth.and_then(|a| a.order.as_ref())
            .and_then(|o| o.get(provider))
            .cloned()
    });
    let is_explicit = explicit.is_some();
    let candidates = explicit.unwrap_or_else(|| {
        let configured: Vec<String> = auth
            .and_then(|a| a.profiles.as_ref())
            .into_iter()
            .flatten()
            .filter(|(_, profile)| normalize_provider(&profile.provider) == provider)
            .map(|(id, _)| id.clone())
            .collect();
        if !configured.is_empty() {
            return configured;
        }
        store
            .profiles
            .iter()
            .filter(|(_, cred)| normalize_provider(cred.provider()) == provider)
            .map(|(id, _)| id.clone())
            .collect()
    });
    let unusable_until = |id: &str| {
        store
            .usage_stats
            .get(id)
            .and_then(|usage| usage.unusable_until(now_ms))
    };
    let (mut available, mut cooling): (Vec<String>, Vec<String>) = candidates
        .into_iter()
        .partition(|id| unusable_until(id).is_none());
    if !is_explicit {
        let rank = |id: &String| {
            let type_rank = match store.profiles.get(id).map(StoredCredential::mode) {
                Some(AuthProfileMode::Oauth) => 0,
                Some(AuthProfileMode::Token) => 1,
                Some(AuthProfileMode::ApiKey) | None => 2,
            };
            let last_used = store
                .usage_stats
                .get(id)
                .and_then(|u| u.last_used)
                .unwrap_or(0);
            (type_rank, last_used)
        };
        // A stable sort keeps the listed order among equals.
        available.sort_by_key(rank);
    }
    cooling.sort_by_key(|id| unusable_until(id).unwrap_or(i64::MAX));
    available.extend(cooling);
    available
}

/// Whether the config's declared mode accepts the stored type (config `oauth` also accepts a
/// stored `token`; a profile absent from config accepts anything).
fn mode_matches(config: &Config, profile_id: &str, stored: AuthProfileMode) -> bool {
    let declared = config
        .auth
        .as_ref()
        .and_then(|a| a.profiles.as_ref())
        .and_then(|p| p.get(profile_id))
        .map(|p| p.mode);
    match declared {
        None => true,
        Some(AuthProfileMode::Oauth) => {
            matches!(stored, AuthProfileMode::Oauth | AuthProfileMode::Token)
        }
        Some(mode) => mode == stored,
    }
}

/// Stored profiles usable for `provider`, in [`profile_order`]: the profile exists, belongs
/// to the provider, matches the configured mode, and holds a live, non-empty secret.
pub fn usable_profiles(
    config: &Config,
    store: &AuthStore,
    provider_id: &str,
    now_ms: i64,
) -> Vec<(String, Credential)> {
    profile_order(config, store, provider_id, now_ms)
        .into_iter()
        .filter_map(|profile_id| {
            let stored = store.profiles.get(&profile_id)?;
            if normalize_provider(stored.provider()) != provider_id
                || !mode_matches(config, &profile_id, stored.mode())
            {
                return None;
            }
            let credential = stored.usable_credential(now_ms)?;
            Some((profile_id, credential))
        })
        .collect()
}

/// The credential from environment variables, else `models.providers.<id>.apiKey`.
pub fn credential_outside_profiles(
    env: &Env,
    provider: &ResolvedProvider,
) -> Option<ResolvedCredential> {
    for env_key in provider.env_keys {
        if let Some(value) = env.get_non_empty(env_key.name).map(str::trim)
            && !value.is_empty()
        {
            let credential = if env_key.is_token {
                Credential::Token(value.to_string())
            } else {
                Credential::ApiKey(value.to_string())
            };
            return Some(ResolvedCredential {
                credential,
                source: CredentialSource::Env(env_key.name),
            });
        }
    }
    provider
        .config_api_key
        .as_ref()
        .map(|key| ResolvedCredential {
            credential: Credential::ApiKey(key.trim().to_string()),
            source: CredentialSource::Config,
        })
}

/// The "No API key found" error for this agent and provider.
pub fn no_api_key_error(agent: &AgentAuthContext<'_>, provider_id: &str) -> ProviderError {
    ProviderError::NoApiKey {
        provider: provider_id.to_string(),
        auth_store: agent.auth_store_path(),
        agent_dir: agent.agent_dir.to_path_buf(),
        agent_id: agent.agent_id.to_string(),
    }
}

/// Finds the credential for `provider`: auth profiles, then env, then config `apiKey`;
/// otherwise OpenClaw's exact "No API key found" error.
pub fn resolve_credential(
    config: &Config,
    env: &Env,
    agent: &AgentAuthContext<'_>,
    provider: &ResolvedProvider,
    now_ms: i64,
) -> Result<ResolvedCredential, ProviderError> {
    let provider_id = provider.endpoint.provider.as_str();
    let store = AuthStore::load(&agent.auth_store_path())?;
    if let Some((profile_id, credential)) = usable_profiles(config, &store, provider_id, now_ms)
        .into_iter()
        .next()
    {
        return Ok(ResolvedCredential {
            credential,
            source: CredentialSource::Profile(profile_id),
        });
    }
    credential_outside_profiles(env, provider).ok_or_else(|| no_api_key_error(agent, provider_id))
}
