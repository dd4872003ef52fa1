//! Typed errors and OpenClaw's failure classification.
//!
//! Every error carries a [`FailureKind`] so the caller (failover, the user-facing reply) can
//! decide whether to rotate credentials or models without parsing messages again.

use std::path::PathBuf;
use std::time::Duration;

/// Why a provider call failed, in OpenClaw's failover vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    Auth,
    RateLimit,
    Billing,
    Timeout,
    /// The request was malformed as far as the provider is concerned (e.g. tool ids).
    Format,
    /// The prompt did not fit the model's context window; compaction, not failover, helps.
    ContextOverflow,
    /// Anything else (5xx without hints, unknown 4xx); reported to the user as-is.
    Other,
}

impl FailureKind {
    /// Whether OpenClaw would rotate to another profile/model on this failure.
    pub fn is_failover(self) -> bool {
        matches!(
            self,
            FailureKind::Auth
                | FailureKind::RateLimit
                | FailureKind::Billing
                | FailureKind::Timeout
                | FailureKind::Format
        )
    }

    /// What the user can do about this kind of failure.
    pub fn advice(self) -> &'static str {
        match self {
            FailureKind::Auth => {
                "check the provider credentials (auth-profiles.json, env, or models.providers.<id>.apiKey)"
            }
            FailureKind::RateLimit => "wait and retry, or configure a fallback model",
            FailureKind::Billing => "check the provider account's billing and credits",
            FailureKind::Timeout => {
                "retry; if it persists, check the network or the provider's status"
            }
            FailureKind::Format => "the request was rejected as malformed; report this as a bug",
            FailureKind::ContextOverflow => "start a new session or compact the conversation",
            FailureKind::Other => "retry later; if it persists, check the provider's status",
        }
    }

    /// Stable lowercase name, as OpenClaw prints it in `(reason)`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Auth => "auth",
            FailureKind::RateLimit => "rate_limit",
            FailureKind::Billing => "billing",
            FailureKind::Timeout => "timeout",
            FailureKind::Format => "format",
            FailureKind::ContextOverflow => "context_overflow",
            FailureKind::Other => "unknown",
        }
    }
}

/// Errors from resolving, calling or streaming a provider.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error(
        "{provider} returned HTTP {status} from {url}: {message}{}; {}",
        retry_hint(*retry_after),
        kind.advice()
    )]
    Http {
        provider: String,
        url: String,
        status: u16,
        message: String,
        kind: FailureKind,
        retry_after: Option<Duration>,
    },
    #[error(
        "request to {provider} at {url} failed: {detail}; {}",
        if *timed_out { "the request deadline passed, retry or raise the timeout" } else { "check the base URL and network" }
    )]
    Transport {
        provider: String,
        url: String,
        detail: String,
        timed_out: bool,
    },
    #[error(
        "{provider} response from {url} exceeded the {limit}-byte {what} limit; the stream was aborted"
    )]
    TooLarge {
        provider: String,
        url: String,
        what: &'static str,
        limit: usize,
    },
    #[error(
        "{provider} stream from {url} ended before the response was complete; retry the request"
    )]
    StreamCut { provider: String, url: String },
    #[error("{provider} sent an unreadable stream event from {url}: {detail}")]
    MalformedStream {
        provider: String,
        url: String,
        detail: String,
    },
    #[error("{provider} reported an error mid-stream: {message}; {}", kind.advice())]
    StreamError {
        provider: String,
        message: String,
        kind: FailureKind,
    },
    #[error(
        "No API key found for provider \"{provider}\". Auth store: {} (agentDir: {}). Configure auth for this agent (openclaw agents add {agent_id}) or copy auth-profiles.json from the main agentDir.",
        auth_store.display(),
        agent_dir.display()
    )]
    NoApiKey {
        provider: String,
        auth_store: PathBuf,
        agent_dir: PathBuf,
        agent_id: String,
    },
    #[error("cannot read auth store {}: {detail}; fix or remove the file", path.display())]
    AuthStore { path: PathBuf, detail: String },
    #[error(
        "Provider {provider} is in cooldown (all profiles unavailable); wait for the cooldown or add another profile"
    )]
    ProviderCooldown { provider: String },
    #[error("{summary}")]
    AllModelsFailed {
        summary: String,
        last_kind: FailureKind,
    },
    #[error("Unknown model: {0}")]
    UnknownModel(String),
    #[error(
        "provider \"{provider}\" uses api \"{api}\", which this build does not support yet; use openai-completions or anthropic-messages"
    )]
    UnsupportedApi { provider: String, api: String },
    #[error(
        "unknown provider \"{0}\": add it under models.providers.{0} with baseUrl and api, or use a built-in provider"
    )]
    UnknownProvider(String),
    #[error(
        "model {0} is not in agents.defaults.models (the allowlist); add it there or pick an allowed model"
    )]
    ModelNotAllowed(String),
    #[error("invalid model ref \"{0}\": expected provider/model or a configured alias")]
    InvalidModelRef(String),
    #[error("cannot build the HTTP client: {0}")]
    ClientSetup(String),
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(delay) => format!(" (retry after {}s)", delay.as_secs()),
        None => String::new(),
    }
}

impl ProviderError {
    /// The failover class of this error.
    pub fn kind(&self) -> FailureKind {
        match self {
            ProviderError::Http { kind, .. } | ProviderError::StreamError { kind, .. } => *kind,
            ProviderError::Transport { .. } | ProviderError::StreamCut { .. } => {
                // Connection resets and aborted streams count as timeouts in OpenClaw (ECONNRESET).
                FailureKind::Timeout
            }
            ProviderError::NoApiKey { .. } => FailureKind::Auth,
            ProviderError::ProviderCooldown { .. } => FailureKind::RateLimit,
            ProviderError::AllModelsFailed { last_kind, .. } => *last_kind,
            ProviderError::MalformedStream { .. } => FailureKind::Format,
            _ => FailureKind::Other,
        }
    }

    /// A one-line description without advice, for lists such as "All models failed".
    pub fn brief(&self) -> String {
        match self {
            ProviderError::Http {
                status, message, ..
            } => format!("HTTP {status}: {message}"),
            ProviderError::StreamError { message, .. } => message.clone(),
            other => other.to_string(),
        }
    }

    /// How long the provider asked us to wait before retrying, when it said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Classifies a failure from its HTTP status (if any) and message, following OpenClaw's order:
/// status codes first, then message patterns.
pub fn classify_failure(status: Option<u16>, message: &str) -> FailureKind {
    let lower = message.to_ascii_lowercase();
    // Context overflow is checked first: providers send it as 400 with wording that would
    // otherwise look like a format error, and it must never trigger failover.
    if is_context_overflow(&lower) {
        return FailureKind::ContextOverflow;
    }
    match status {
        Some(402) => return FailureKind::Billing,
        Some(429) => return FailureKind::RateLimit,
        Some(401 | 403) => return FailureKind::Auth,
        Some(408) => return FailureKind::Timeout,
        _ => {}
    }
    classify_message(&lower)
}

fn is_context_overflow(lower: &str) -> bool {
    const PATTERNS: &[&str] = &[
        "context_length_exceeded",
        "maximum context length",
        "context length",
        "context window",
        "prompt is too long",
        "request_too_large",
        "too many tokens",
    ];
    PATTERNS.iter().any(|p| lower.contains(p))
}

fn has_word(lower: &str, word: &str) -> bool {
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|token| token == word)
}

fn classify_message(lower: &str) -> FailureKind {
    let contains_any = |patterns: &[&str]| patterns.iter().any(|p| lower.contains(p));
    if contains_any(&[
        "rate limit",
        "rate_limit",
        "too many requests",
        "exceeded your current quota",
        "resource has been exhausted",
        "quota exceeded",
        "resource_exhausted",
        "usage limit",
        "overloaded",
    ]) || has_word(lower, "429")
    {
        return FailureKind::RateLimit;
    }
    if contains_any(&[
        "string should match pattern",
        "tool_use.id",
        "tool_use_id",
        "invalid request format",
    ]) {
        return FailureKind::Format;
    }
    if has_word(lower, "402")
        || contains_any(&[
            "payment required",
            "insufficient credits",
            "credit balance",
            "plans & billing",
        ])
        || (lower.contains("billing") && contains_any(&["upgrade", "credits", "payment", "plan"]))
    {
        return FailureKind::Billing;
    }
    if contains_any(&["timeout", "timed out", "deadline exceeded"]) {
        return FailureKind::Timeout;
    }
    if contains_any(&[
        "invalid api key",
        "incorrect api key",
        "invalid token",
        "authentication",
        "re-authenticate",
        "oauth token refresh failed",
        "unauthorized",
        "forbidden",
        "access denied",
        "expired",
        "no credentials found",
        "no api key found",
    ]) || has_word(lower, "401")
        || has_word(lower, "403")
    {
        return FailureKind::Auth;
    }
    FailureKind::Other
}

/// Parses `Retry-After` (delta-seconds or HTTP-date) or OpenAI's `retry-after-ms`.
pub fn parse_retry_after(
    retry_after: Option<&str>,
    retry_after_ms: Option<&str>,
    now: std::time::SystemTime,
) -> Option<Duration> {
    if let Some(ms) = retry_after_ms.and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_millis(ms as u64));
    }
    let value = retry_after?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_win_over_message() {
        assert_eq!(classify_failure(Some(429), "boom"), FailureKind::RateLimit);
        assert_eq!(classify_failure(Some(402), "boom"), FailureKind::Billing);
        assert_eq!(classify_failure(Some(401), "boom"), FailureKind::Auth);
        assert_eq!(classify_failure(Some(403), "boom"), FailureKind::Auth);
        assert_eq!(classify_failure(Some(408), "boom"), FailureKind::Timeout);
        assert_eq!(classify_failure(Some(500), "boom"), FailureKind::Other);
    }

    #[test]
    fn message_patterns() {
        let cases = [
            ("overloaded_error: Overloaded", FailureKind::RateLimit),
            ("You exceeded your current quota", FailureKind::RateLimit),
            (
                "messages.1.content.0.tool_use.id: String should match pattern",
                FailureKind::Format,
            ),
            ("Your credit balance is too low", FailureKind::Billing),
            ("billing: please upgrade your plan", FailureKind::Billing),
            ("request timed out", FailureKind::Timeout),
            ("invalid x-api-key: authentication_error", FailureKind::Auth),
            ("token has expired", FailureKind::Auth),
            ("internal server error", FailureKind::Other),
            ("error code 4290 happened", FailureKind::Other),
        ];
        for (message, kind) in cases {
            assert_eq!(classify_failure(Some(400), message), kind, "{message}");
        }
    }

    #[test]
    fn context_overflow_is_not_failover() {
        let kind = classify_failure(
            Some(400),
            "prompt is too long: 210000 tokens > 200000 maximum",
        );
        assert_eq!(kind, FailureKind::ContextOverflow);
        assert!(!kind.is_failover());
        assert!(FailureKind::RateLimit.is_failover());
    }

    #[test]
    fn retry_after_forms() {
        let now = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(
            parse_retry_after(Some("7"), None, now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(Some("7"), Some("1500"), now),
            Some(Duration::from_millis(1500))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(Some(&date), None, now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after(Some("soon"), None, now), None);
        assert_eq!(parse_retry_after(None, None, now), None);
    }

    #[test]
    fn no_api_key_message_is_exact() {
        let err = ProviderError::NoApiKey {
            provider: "anthropic".into(),
            auth_store: PathBuf::from("/s/agents/ops/agent/auth-profiles.json"),
            agent_dir: PathBuf::from("/s/agents/ops/agent"),
            agent_id: "ops".into(),
        };
        assert_eq!(
            err.to_string(),
            "No API key found for provider \"anthropic\". Auth store: /s/agents/ops/agent/auth-profiles.json (agentDir: /s/agents/ops/agent). Configure auth for this agent (openclaw agents add ops) or copy auth-profiles.json from the main agentDir."
        );
        assert_eq!(err.kind(), FailureKind::Auth);
    }
}
