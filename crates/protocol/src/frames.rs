//! Wire frames: parsing client requests and building server responses and events.
//!
//! Outbound frames are built as JSON objects key by key, so they carry exactly the
//! schema keys: a protocol 3 client silently drops any frame with an unknown
//! top-level key (its frame schemas are closed objects).

use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::error::ErrorShape;
use crate::validation::{ObjectSchema, Schema, format_issues, validate};

/// The id echoed when a malformed frame has no usable `id`.
pub const INVALID_FRAME_ID: &str = "invalid";

/// A frame a client may send.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrame {
    /// `{type:"req", id, method, params?}` (protocol 4 may add `traceparent`, which is
    /// accepted and not used).
    Request {
        /// Opaque request id, echoed in the response.
        id: String,
        /// Method name.
        method: String,
        /// Method params; absent when the client sent none.
        params: Option<Value>,
    },
}

/// Why a client frame was rejected. `Display` is the exact message to put in the
/// `INVALID_REQUEST` error; [`FrameError::echo_id`] is the id to answer with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The text is not JSON at all.
    #[error(
        "invalid request frame: not valid JSON ({reason}); send exactly one JSON object per \
         text frame"
    )]
    NotJson {
        /// The JSON parser's complaint, with line and column.
        reason: String,
    },
    /// The JSON does not match the request frame schema.
    #[error("invalid request frame: {problems}")]
    Invalid {
        /// `frame.id` when it is a non-empty string, else `"invalid"`.
        echo_id: String,
        /// ajv-style problem list, e.g. `must have required property 'method'`.
        problems: String,
    },
}

impl FrameError {
    /// The id to put in the error response.
    pub fn echo_id(&self) -> &str {
        match self {
            Self::NotJson { .. } => INVALID_FRAME_ID,
            Self::Invalid { echo_id, .. } => echo_id,
        }
    }

    /// The `INVALID_REQUEST` error describing this problem.
    pub fn to_error_shape(&self) -> ErrorShape {
        ErrorShape::invalid_request(self.to_string())
    }

    /// The complete error response frame.
    pub fn to_response(&self) -> ResponseFrame {
        ResponseFrame::err(self.echo_id(), self.to_error_shape())
    }
}

static REQUEST_FRAME_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    ObjectSchema::closed()
        .required("type", Schema::Const("req"))
        .required("id", Schema::non_empty_string())
        .required("method", Schema::non_empty_string())
        .optional("params", Schema::Any)
        .optional("traceparent", Schema::bounded_string(0, 128))
        .into_schema()
});

/// Parses one text frame as a request, validating it like OpenClaw does.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, FrameError> {
    let value: Value = serde_json::from_str(text).map_err(|err| FrameError::NotJson {
        reason: err.to_string(),
    })?;
    parse_client_value(value)
}

/// Like [`parse_client_frame`] for an already parsed JSON value.
pub fn parse_client_value(value: Value) -> Result<ClientFrame, FrameError> {
    let issues = validate(&REQUEST_FRAME_SCHEMA, &value);
    if !issues.is_empty() {
        return Err(FrameError::Invalid {
            echo_id: echo_id_of(&value),
            problems: format_issues(&issues),
        });
    }
    let Value::Object(mut map) = value else {
        // Unreachable after validation; answer as a shape error rather than panic.
        return Err(FrameError::Invalid {
            echo_id: INVALID_FRAME_ID.to_string(),
            problems: "must be object".to_string(),
        });
    };
    let mut take_string = |key: &str| match map.remove(key) {
        Some(Value::String(text)) => text,
        _ => String::new(),
    };
    let id = take_string("id");
    let method = take_string("method");
    let params = map.remove("params");
    Ok(ClientFrame::Request { id, method, params })
}

/// The id to answer with for any text, valid or not: the frame's `id` when it is a
/// non-empty string, else `"invalid"`. Useful when rejecting before parsing properly
/// (e.g. rate limiting).
pub fn request_id_hint(text: &str) -> String {
    serde_json::from_str::<Value>(text)
        .map(|value| echo_id_of(&value))
        .unwrap_or_else(|_| INVALID_FRAME_ID.to_string())
}

fn echo_id_of(value: &Value) -> String {
    match value.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => INVALID_FRAME_ID.to_string(),
    }
}

/// `{type:"res", id, ok, payload?, error?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseFrame {
    /// The request id being answered.
    pub id: String,
    /// Success flag.
    pub ok: bool,
    /// Result (always present on success).
    pub payload: Option<Value>,
    /// Error (present on failure).
    pub error: Option<ErrorShape>,
}

impl ResponseFrame {
    /// A success. A `null` payload becomes `{}`: the 2026.9.6 CLI crashes formatting a
    /// response without a usable payload, so a success always carries an object.
    pub fn ok(id: impl Into<String>, payload: Value) -> Self {
        let payload = if payload.is_null() {
            Value::Object(Map::new())
        } else {
            payload
        };
        Self {
            id: id.into(),
            ok: true,
            payload: Some(payload),
            error: None,
        }
    }

    /// A failure.
    pub fn err(id: impl Into<String>, error: ErrorShape) -> Self {
        Self {
            id: id.into(),
            ok: false,
            payload: None,
            error: Some(error),
        }
    }

    /// The frame as a JSON object with exactly the schema keys.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), Value::from("res"));
        map.insert("id".into(), Value::from(self.id.as_str()));
        map.insert("ok".into(), Value::Bool(self.ok));
        if let Some(payload) = &self.payload {
            map.insert("payload".into(), payload.clone());
        }
        if let Some(error) = &self.error {
            map.insert("error".into(), error.to_value());
        }
        Value::Object(map)
    }

    /// The frame as compact JSON text, ready to send.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }
}

/// A broadcast event frame, serialized once: each connection only adds its own `seq`.
/// Renders exactly what [`EventFrame::to_json`] renders for the same event, payload, seq and
/// state version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedEventFrame {
    /// `{"type":"event","event":<name>,"payload":<payload>`
    head: String,
    /// `,"stateVersion":{…}}` or `}`
    tail: String,
}

impl SharedEventFrame {
    pub fn new(event: &str, payload: &Value, state_version: Option<StateVersion>) -> Self {
        let head = format!(
            r#"{{"type":"event","event":{},"payload":{}"#,
            Value::from(event),
            payload
        );
        let tail = match state_version {
            Some(version) => format!(r#","stateVersion":{}}}"#, version.to_value()),
            None => "}".to_owned(),
        };
        Self { head, tail }
    }

    /// The frame with this connection's `seq`.
    pub fn render(&self, seq: u64) -> String {
        let mut text = String::with_capacity(self.head.len() + self.tail.len() + 28);
        text.push_str(&self.head);
        text.push_str(r#","seq":"#);
        text.push_str(&seq.to_string());
        text.push_str(&self.tail);
        text
    }
}

#[cfg(test)]
mod shared_frame_tests {
    use super::*;

    #[test]
    fn renders_like_an_event_frame() {
        let payload = serde_json::json!({"runId": "r", "text": "a \"quoted\" ☃", "n": [1, 2]});
        let plain = EventFrame::new("chat", payload.clone()).with_seq(7);
        assert_eq!(
            SharedEventFrame::new("chat", &payload, None).render(7),
            plain.to_json()
        );
        let versioned = EventFrame::new("health", payload.clone())
            .with_seq(9)
            .with_state_version(3, 4);
        let shared = SharedEventFrame::new(
            "health",
            &payload,
            Some(StateVersion {
                presence: 3,
                health: 4,
            }),
        );
        assert_eq!(shared.render(9), versioned.to_json());
    }
}

/// `{presence, health}` counters riding on `presence` and `health` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StateVersion {
    /// Bumped on every presence change.
    pub presence: u64,
    /// Bumped on every health refresh.
    pub health: u64,
}

impl StateVersion {
    /// As `{"presence":..,"health":..}`.
    pub fn to_value(self) -> Value {
        let mut map = Map::new();
        map.insert("presence".into(), Value::from(self.presence));
        map.insert("health".into(), Value::from(self.health));
        Value::Object(map)
    }
}

/// `{type:"event", event, payload, seq?, stateVersion?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFrame {
    /// Event name.
    pub event: String,
    /// Event payload.
    pub payload: Value,
    /// Broadcast sequence number; absent on `connect.challenge`.
    pub seq: Option<u64>,
    /// State counters, on `presence`/`health` events.
    pub state_version: Option<StateVersion>,
}

impl EventFrame {
    /// An event without `seq` or `stateVersion`.
    pub fn new(event: impl Into<String>, payload: Value) -> Self {
        Self {
            event: event.into(),
            payload,
            seq: None,
            state_version: None,
        }
    }

    /// Sets `seq`.
    #[must_use]
    pub fn with_seq(mut self, seq: u64) -> Self {
        self.seq = Some(seq);
        self
    }

    /// Sets `stateVersion`.
    #[must_use]
    pub fn with_state_version(mut self, presence: u64, health: u64) -> Self {
        self.state_version = Some(StateVersion { presence, health });
        self
    }

    /// The frame as a JSON object with exactly the schema keys.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), Value::from("event"));
        map.insert("event".into(), Value::from(self.event.as_str()));
        map.insert("payload".into(), self.payload.clone());
        if let Some(seq) = self.seq {
            map.insert("seq".into(), Value::from(seq));
        }
        if let Some(state_version) = self.state_version {
            map.insert("stateVersion".into(), state_version.to_value());
        }
        Value::Object(map)
    }

    /// The frame as compact JSON text, ready to send.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }
}
