//! One entry point over all wire APIs: pick the API, build the body, add auth, stream.

use crate::error::ProviderError;
use crate::http::{EventStream, HttpTransport};
use crate::types::CompletionRequest;
use crate::{anthropic, gemini, openai_chat, openai_responses};

/// The wire protocol a provider speaks (`models.providers.<id>.api`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderApi {
    OpenAiCompletions,
    OpenAiResponses,
    AnthropicMessages,
    GoogleGenerativeAi,
}

impl ProviderApi {
    /// Parses the config spelling.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "openai-completions" => Some(ProviderApi::OpenAiCompletions),
            "openai-responses" => Some(ProviderApi::OpenAiResponses),
            "anthropic-messages" => Some(ProviderApi::AnthropicMessages),
            "google-generative-ai" => Some(ProviderApi::GoogleGenerativeAi),
            _ => None,
        }
    }

    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderApi::OpenAiCompletions => "openai-completions",
            ProviderApi::OpenAiResponses => "openai-responses",
            ProviderApi::AnthropicMessages => "anthropic-messages",
            ProviderApi::GoogleGenerativeAi => "google-generative-ai",
        }
    }
}

/// A secret and how it must be presented.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A static API key (`x-api-key` for Anthropic, Bearer elsewhere).
    ApiKey(String),
    /// An OAuth access token or pasted setup token (always Bearer).
    Token(String),
}

impl Credential {
    /// The secret itself.
    pub fn secret(&self) -> &str {
        match self {
            Credential::ApiKey(secret) | Credential::Token(secret) => secret,
        }
    }
}

impl std::fmt::Debug for Credential {
    // Never print secrets, even in debug logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::ApiKey(_) => f.write_str("ApiKey(<redacted>)"),
            Credential::Token(_) => f.write_str("Token(<redacted>)"),
        }
    }
}

/// Differences between OpenAI-compatible Chat Completions servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChatCompat {
    /// OpenAI's own API wants `max_completion_tokens` (reasoning models reject `max_tokens`);
    /// most compatible servers only know `max_tokens`.
    pub max_completion_tokens: bool,
    /// Whether `reasoning_effort` may be sent; servers that do not know it may reject it.
    pub supports_reasoning_effort: bool,
}

/// Everything needed to call one provider endpoint.
#[derive(Debug, Clone)]
pub struct ProviderEndpoint {
    /// Provider id as used in model refs (`anthropic`, `openrouter`, a custom id).
    pub provider: String,
    pub api: ProviderApi,
    /// Base URL without a trailing slash (OpenAI-style includes `/v1`; Anthropic-style does not).
    pub base_url: String,
    /// Extra headers from `models.providers.<id>.headers`.
    pub headers: Vec<(String, String)>,
    /// Chat Completions dialect (ignored by other APIs).
    pub chat_compat: ChatCompat,
}

/// A wire client bound to one endpoint and credential.
#[derive(Debug, Clone)]
pub struct ProviderClient {
    transport: HttpTransport,
    endpoint: ProviderEndpoint,
    credential: Credential,
}

impl ProviderClient {
    pub fn new(
        transport: HttpTransport,
        endpoint: ProviderEndpoint,
        credential: Credential,
    ) -> Self {
        Self {
            transport,
            endpoint,
            credential,
        }
    }

    pub fn endpoint(&self) -> &ProviderEndpoint {
        &self.endpoint
    }

    /// Sends the request and returns the live event stream.
    pub async fn stream(&self, request: &CompletionRequest) -> Result<EventStream, ProviderError> {
        let base = self.endpoint.base_url.trim_end_matches('/');
        let secret = self.credential.secret().to_string();
        let mut headers: Vec<(String, String)> = Vec::new();
        let (url, body, parser): (String, _, Box<dyn crate::http::WireParser + Send>) =
            match self.endpoint.api {
                ProviderApi::OpenAiCompletions => {
                    headers.push(("authorization".into(), format!("Bearer {secret}")));
                    (
                        format!("{base}/chat/completions"),
                        openai_chat::build_body(request, self.endpoint.chat_compat),
                        Box::new(openai_chat::ChatParser::default()),
                    )
                }
                ProviderApi::OpenAiResponses => {
                    headers.push(("authorization".into(), format!("Bearer {secret}")));
                    (
                        format!("{base}/responses"),
                        openai_responses::build_body(request).to_string(),
                        Box::new(openai_responses::ResponsesParser::default()),
                    )
                }
                ProviderApi::AnthropicMessages => {
                    headers.push((
                        "anthropic-version".into(),
                        anthropic::ANTHROPIC_VERSION.into(),
                    ));
                    match &self.credential {
                        Credential::ApiKey(_) => headers.push(("x-api-key".into(), secret)),
                        Credential::Token(_) => {
                            headers.push(("authorization".into(), format!("Bearer {secret}")));
                            // Claude subscription tokens are only accepted with the OAuth beta.
                            headers.push(("anthropic-beta".into(), "oauth-2025-04-20".into()));
                        }
                    }
                    (
                        format!("{base}/v1/messages"),
                        anthropic::build_body(request).to_string(),
                        Box::new(anthropic::MessagesParser::default()),
                    )
                }
                ProviderApi::GoogleGenerativeAi => {
                    match &self.credential {
                        Credential::ApiKey(_) => headers.push(("x-goog-api-key".into(), secret)),
                        Credential::Token(_) => {
                            headers.push(("authorization".into(), format!("Bearer {secret}")))
                        }
                    }
                    (
                        format!("{base}{}", gemini::stream_path(&request.model)),
                        gemini::build_body(request).to_string(),
                        Box::new(gemini::GeminiParser::default()),
                    )
                }
            };
        // Configured headers come last so they can override defaults (e.g. a proxy's auth).
        for (name, value) in &self.endpoint.headers {
            headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
            headers.push((name.clone(), value.clone()));
        }
        self.transport
            .post_stream(&self.endpoint.provider, url, &headers, body, parser)
            .await
    }
}
