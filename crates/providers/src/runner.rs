//! Opening a stream with OpenClaw's two-stage failover: rotate through a provider's auth
//! profiles, then fall back to the next candidate model.
//!
//! Only failures before the first event are handled here; once a stream is open the caller
//! owns it and reports the outcome with [`FailoverRunner::record_success`] or
//! [`FailoverRunner::record_failure`], which update `usageStats` in `auth-profiles.json`.

use openclaw_config::{Config, Env};

use crate::client::ProviderClient;
use crate::credentials::{
    AgentAuthContext, AuthStore, credential_outside_profiles, no_api_key_error, usable_profiles,
};
use crate::error::{FailureKind, ProviderError};
use crate::failover::summarize_failures;
use crate::http::{EventStream, HttpTransport};
use crate::model_ref::ModelRef;
use crate::registry::resolve_model_endpoint;
use crate::types::CompletionRequest;
use crate::usage_stats::{CooldownPolicy, ProfileUsage, save_profile_usage};

/// A stream that opened, with what it took to open it.
#[derive(Debug)]
pub struct OpenedStream {
    pub model: ModelRef,
    /// The auth profile used; `None` when the key came from env or config.
    pub profile_id: Option<String>,
    pub stream: EventStream,
}

/// A session's preference for one auth profile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProfilePin {
    #[default]
    None,
    /// Sticky choice from earlier turns: tried first, rotated away from on failure.
    Session(String),
    /// Chosen by the user (`/model …@<profileId>`): the only profile used for its provider;
    /// a failure moves to the next model instead of another profile.
    User(String),
}

/// Everything needed to pick models and credentials for one agent.
#[derive(Debug, Clone)]
pub struct FailoverRunner<'a> {
    pub config: &'a Config,
    pub env: &'a Env,
    pub agent: AgentAuthContext<'a>,
    pub transport: HttpTransport,
    pub pin: ProfilePin,
}

impl FailoverRunner<'_> {
    /// Tries `candidates` in order (see [`crate::fallback_candidates`]) and returns the first
    /// stream that opens. A failure that is not failover-class (context overflow, 5xx without
    /// hints, unknown provider) is returned at once; when every candidate fails, a single
    /// attempt's error is returned as-is, several as "All models failed (N): …".
    pub async fn open(
        &self,
        request: &CompletionRequest,
        candidates: &[ModelRef],
        now_ms: i64,
    ) -> Result<OpenedStream, ProviderError> {
        let mut attempts = Vec::new();
        for model in candidates {
            match self.open_model(request, model, now_ms).await {
                Ok(opened) => return Ok(opened),
                Err(error) if error.kind().is_failover() => attempts.push((model.clone(), error)),
                Err(error) => return Err(error),
            }
        }
        if attempts.len() == 1
            && let Some((_, only)) = attempts.pop()
        {
            return Err(only);
        }
        let last_kind = attempts
            .last()
            .map_or(FailureKind::Other, |(_, error)| error.kind());
        Err(ProviderError::AllModelsFailed {
            summary: summarize_failures(&attempts),
            last_kind,
        })
    }

    async fn open_model(
        &self,
        request: &CompletionRequest,
        model: &ModelRef,
        now_ms: i64,
    ) -> Result<OpenedStream, ProviderError> {
        let provider = resolve_model_endpoint(self.config, model)?;
        let provider_id = provider.endpoint.provider.clone();
        let mut request = request.clone();
        request.model = model.model.clone();
        let store = AuthStore::load(&self.agent.auth_store_path())?;
        let mut profiles = usable_profiles(self.config, &store, &provider_id, now_ms);
        match &self.pin {
            ProfilePin::None => {}
            ProfilePin::Session(pinned) => {
                if let Some(position) = profiles.iter().position(|(id, _)| id == pinned) {
                    let entry = profiles.remove(position);
                    profiles.insert(0, entry);
                }
            }
            ProfilePin::User(pinned) => {
                if profiles.iter().any(|(id, _)| id == pinned) {
                    profiles.retain(|(id, _)| id == pinned);
                }
            }
        }
        if profiles.is_empty() {
            let credential = credential_outside_profiles(self.env, &provider)
                .ok_or_else(|| no_api_key_error(&self.agent, &provider_id))?;
            let client = ProviderClient::new(
                self.transport.clone(),
                provider.endpoint,
                credential.credential,
            );
            let stream = client.stream(&request).await?;
            return Ok(OpenedStream {
                model: model.clone(),
                profile_id: None,
                stream,
            });
        }
        let mut last_error = None;
        for (profile_id, credential) in profiles {
            let cooling = store
                .usage_stats
                .get(&profile_id)
                .and_then(|usage| usage.unusable_until(now_ms))
                .is_some();
            if cooling {
                continue;
            }
            let client = ProviderClient::new(
                self.transport.clone(),
                provider.endpoint.clone(),
                credential,
            );
            match client.stream(&request).await {
                Ok(stream) => {
                    return Ok(OpenedStream {
                        model: model.clone(),
                        profile_id: Some(profile_id),
                        stream,
                    });
                }
                Err(error) if error.kind().is_failover() => {
                    // OpenClaw does not hold a timeout while submitting the prompt against the
                    // profile: the network, not the key, is the likely cause.
                    if error.kind() != FailureKind::Timeout {
                        self.record_failure(&provider_id, &profile_id, error.kind(), now_ms);
                    }
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        Err(last_error.unwrap_or(ProviderError::ProviderCooldown {
            provider: provider_id,
        }))
    }

    /// Marks a profile as failed (cooldown or billing disable). Errors writing the store are
    /// ignored on purpose: bookkeeping must never turn a provider failure into a store failure.
    pub fn record_failure(&self, provider: &str, profile_id: &str, kind: FailureKind, now_ms: i64) {
        let policy = CooldownPolicy::from_config(self.config, provider);
        let _ignored = self.update_usage(profile_id, |usage| {
            usage.record_failure(kind, policy, now_ms);
        });
    }

    /// Marks the profile behind a finished stream as healthy and just used.
    pub fn record_success(&self, opened: &OpenedStream, now_ms: i64) -> Result<(), ProviderError> {
        match &opened.profile_id {
            Some(profile_id) => self.update_usage(profile_id, |usage| usage.record_success(now_ms)),
            None => Ok(()),
        }
    }

    fn update_usage(
        &self,
        profile_id: &str,
        change: impl FnOnce(&mut ProfileUsage),
    ) -> Result<(), ProviderError> {
        let path = self.agent.auth_store_path();
        // Re-read so updates made since the stream opened are not lost.
        let store = AuthStore::load(&path)?;
        let mut usage = store
            .usage_stats
            .get(profile_id)
            .cloned()
            .unwrap_or_default();
        change(&mut usage);
        save_profile_usage(&path, profile_id, &usage)
    }
}
