//! LLM provider clients for openclaw.
//!
//! Design:
//! - [`types`] holds a provider-neutral [`CompletionRequest`] and the single streamed
//!   [`ProviderEvent`] vocabulary; callers never see wire formats.
//! - Each wire API is a body builder plus an SSE parser ([`openai_chat`],
//!   [`openai_responses`], [`anthropic`], [`gemini`]),
//!   hand-written over one reqwest client ([`http::HttpTransport`]) because typed SDKs break on
//!   "compatible" servers. The transport bounds body size, line length and request time, and
//!   turns non-2xx replies into [`ProviderError::Http`] with a [`FailureKind`] and `Retry-After`.
//! - [`ProviderClient`] binds an endpoint (API, base URL, headers) to a [`Credential`].
//! - [`model_ref`] parses `provider/model` refs and aliases; [`registry`] resolves a provider id
//!   to an endpoint from built-in presets overridden by `models.providers`; [`credentials`]
//!   finds the key (auth-profiles.json, env, config) or produces OpenClaw's exact error.
//! - [`failover`] holds the pure policy (candidate order, cooldown and billing backoff,
//!   the "All models failed" summary); [`usage_stats`] records per-profile cooldowns in
//!   `auth-profiles.json`, which [`credentials`] honours when ordering profiles;
//!   [`runner::FailoverRunner`] opens a stream with profile rotation and model fallback.
//! - [`record::Recorder`] (`OPENCLAW_PROVIDER_RECORD=<file>`) appends each call's request and
//!   raw response to a JSONL file, secrets removed, for replay through the testkit's fake LLM.
//!
//! This crate knows nothing about the gateway and never touches SQLite.

pub mod anthropic;
pub mod client;
pub mod credentials;
pub mod error;
pub mod failover;
pub mod gemini;
pub mod http;
pub mod model_ref;
pub mod openai_chat;
pub mod openai_responses;
pub mod record;
pub mod registry;
pub mod resolve;
pub mod runner;
pub mod sse;
pub mod types;
pub mod usage_stats;

pub use client::{ChatCompat, Credential, ProviderApi, ProviderClient, ProviderEndpoint};
pub use credentials::{
    AUTH_PROFILES_FILE, AgentAuthContext, AuthStore, CredentialSource, ResolvedCredential,
    StoredCredential, resolve_credential,
};
pub use error::{FailureKind, ProviderError, classify_failure, parse_retry_after};
pub use failover::{
    billing_disable_duration, fallback_candidates, profile_cooldown, summarize_failures,
};
pub use http::{EventStream, HttpLimits, HttpTransport, install_crypto_provider};
pub use model_ref::{
    DEFAULT_MODEL, ModelCatalog, ModelRef, agent_primary_model, normalize_provider,
    resolve_agent_model,
};
pub use record::{RECORD_ENV, RecordError, Recorder};
pub use registry::{
    EnvKey, PRESETS, ProviderPreset, ResolvedProvider, preset, resolve_model_endpoint,
    resolve_provider,
};
pub use resolve::{ResolvedModel, client_for_model};
pub use runner::{FailoverRunner, OpenedStream, ProfilePin};
pub use types::{
    CompletionRequest, ContentPart, Message, ProviderEvent, Role, StopReason, ThinkingLevel,
    ToolSpec, Usage,
};
pub use usage_stats::{CooldownPolicy, ProfileUsage, save_profile_usage};
