//! The `ErrorShape` carried by failed responses, and the error codes OpenClaw uses.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An OpenClaw error code (`ErrorShape.code`). The set is open on the wire; these are
/// the codes the real gateways send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(&'static str);

impl ErrorCode {
    /// A channel account is not linked (e.g. WhatsApp web login missing).
    pub const NOT_LINKED: ErrorCode = ErrorCode("NOT_LINKED");
    /// The device must be paired/identified first.
    pub const NOT_PAIRED: ErrorCode = ErrorCode("NOT_PAIRED");
    /// An agent run did not finish in time.
    pub const AGENT_TIMEOUT: ErrorCode = ErrorCode("AGENT_TIMEOUT");
    /// The request is malformed, unauthorized (v3) or unknown.
    pub const INVALID_REQUEST: ErrorCode = ErrorCode("INVALID_REQUEST");
    /// A dependency is temporarily unavailable.
    pub const UNAVAILABLE: ErrorCode = ErrorCode("UNAVAILABLE");
    /// Missing scope (protocol 4 only; v3 says `INVALID_REQUEST`).
    pub const FORBIDDEN: ErrorCode = ErrorCode("FORBIDDEN");

    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// `{code, message, details?, retryable?, retryAfterMs?}`: exactly the schema keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ErrorShape {
    /// Machine-readable code, see [`ErrorCode`].
    pub code: String,
    /// Human-readable message; clients print it verbatim.
    pub message: String,
    /// Structured extras (protocol 4 puts `details.code` almost everywhere).
    /// Boxed to keep `Result<_, ErrorShape>` small on the happy path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Box<Value>>,
    /// Whether retrying the same request may succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retryable: Option<bool>,
    /// How long to wait before retrying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl ErrorShape {
    /// An error with a code and message and nothing else.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: code.as_str().to_string(),
            message: message.into(),
            details: None,
            retryable: None,
            retry_after_ms: None,
        }
    }

    /// `INVALID_REQUEST` with `message`: the most common failure.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::INVALID_REQUEST, message)
    }

    /// `INVALID_REQUEST "unknown method: <method>"`, the answer for methods the
    /// server does not implement (sent only after authorization passed).
    pub fn unknown_method(method: &str) -> Self {
        Self::invalid_request(format!("unknown method: {method}"))
    }

    /// Attaches `details`.
    #[must_use]
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// Marks the error retryable (or not), optionally after a delay.
    #[must_use]
    pub fn with_retry(mut self, retryable: bool, retry_after_ms: Option<u64>) -> Self {
        self.retryable = Some(retryable);
        self.retry_after_ms = retry_after_ms;
        self
    }

    /// The error as a JSON object with keys in schema order.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("code".into(), Value::String(self.code.clone()));
        map.insert("message".into(), Value::String(self.message.clone()));
        if let Some(details) = &self.details {
            map.insert("details".into(), (**details).clone());
        }
        if let Some(retryable) = self.retryable {
            map.insert("retryable".into(), Value::Bool(retryable));
        }
        if let Some(after) = self.retry_after_ms {
            map.insert("retryAfterMs".into(), Value::from(after));
        }
        Value::Object(map)
    }
}
