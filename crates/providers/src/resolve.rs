//! Ties the pieces together: model ref → provider endpoint → credential → client.

use openclaw_config::{Config, Env};

use crate::client::ProviderClient;
use crate::credentials::{AgentAuthContext, CredentialSource, resolve_credential};
use crate::error::ProviderError;
use crate::http::HttpTransport;
use crate::model_ref::ModelRef;
use crate::registry::resolve_model_endpoint;

/// A client ready to stream for one model.
#[derive(Debug, Clone)]
pub struct ResolvedModel {
    pub model: ModelRef,
    pub client: ProviderClient,
    /// Where the credential came from (never the secret).
    pub credential_source: CredentialSource,
}

/// Resolves the provider endpoint and credential for `model` and builds its client.
pub fn client_for_model(
    config: &Config,
    env: &Env,
    agent: &AgentAuthContext<'_>,
    model: &ModelRef,
    transport: HttpTransport,
    now_ms: i64,
) -> Result<ResolvedModel, ProviderError> {
    let provider = resolve_model_endpoint(config, model)?;
    let credential = resolve_credential(config, env, agent, &provider, now_ms)?;
    Ok(ResolvedModel {
        model: model.clone(),
        client: ProviderClient::new(transport, provider.endpoint, credential.credential),
        credential_source: credential.source,
    })
}
