//! A log event as the sinks see it: level, subsystem, message and structured fields,
//! extracted once from a `tracing` event and then redacted once for all sinks.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};

use crate::options::LogLevel;
use crate::redact::Redactor;

/// One event, independent of `tracing`, so formatting is testable without a subscriber.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    pub level: LogLevel,
    /// OpenClaw subsystem (`gateway`, `gateway/ws`, `discord`, …) = the tracing target.
    pub subsystem: String,
    pub message: String,
    /// Structured fields in the order they were written.
    pub fields: Map<String, Value>,
}

impl LogEvent {
    pub fn new(level: LogLevel, subsystem: impl Into<String>, message: impl Into<String>) -> Self {
        LogEvent {
            level,
            subsystem: subsystem.into(),
            message: message.into(),
            fields: Map::new(),
        }
    }

    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// Extracts message and fields from a `tracing` event.
    pub(crate) fn from_tracing(event: &tracing::Event<'_>) -> Self {
        let metadata = event.metadata();
        let mut visitor = FieldCollector::default();
        event.record(&mut visitor);
        // Records bridged from the `log` crate carry their real target in a field.
        let target = match (metadata.target(), visitor.log_target.take()) {
            ("log", Some(real)) => real,
            (target, _) => target.to_owned(),
        };
        LogEvent {
            level: LogLevel::from_tracing(metadata.level()),
            subsystem: subsystem_for_target(&target).to_owned(),
            message: visitor.message.unwrap_or_default(),
            fields: visitor.fields,
        }
    }

    /// Masks secrets in the message and in every string field.
    pub fn redact(&mut self, redactor: &Redactor) {
        if let std::borrow::Cow::Owned(clean) = redactor.redact(&self.message) {
            self.message = clean;
        }
        for (name, value) in self.fields.iter_mut() {
            if let Value::String(text) = value
                && let std::borrow::Cow::Owned(clean) = redactor.redact_field(name, text)
            {
                *text = clean;
            }
        }
    }
}

/// Maps a tracing target to the subsystem shown in `[…]`.
///
/// Our code names subsystems explicitly (`target: "gateway/ws"`); events without an explicit
/// target carry a Rust module path (`hyper::proto::h1`), shown by crate name (`hyper`).
pub fn subsystem_for_target(target: &str) -> &str {
    match target.split_once("::") {
        Some((crate_name, _)) => crate_name,
        None => target,
    }
}

/// Whether a target is a module path of a crate outside this project. Such events are
/// capped at `info` unless a sink is at `trace`, so `--verbose` shows our debug output rather
/// than the HTTP stack's.
pub(crate) fn is_foreign_module(target: &str) -> bool {
    target
        .split_once("::")
        .is_some_and(|(crate_name, _)| !crate_name.starts_with("openclaw"))
}

/// Renders fields as ` key=value` pairs for the text console styles.
pub(crate) fn render_fields(fields: &Map<String, Value>) -> String {
    let mut out = String::new();
    for (name, value) in fields {
        out.push(' ');
        out.push_str(name);
        out.push('=');
        match value {
            Value::String(text) if needs_quotes(text) => {
                out.push_str(&Value::String(text.clone()).to_string());
            }
            Value::String(text) => out.push_str(text),
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '=' || c.is_control())
}

#[derive(Default)]
struct FieldCollector {
    message: Option<String>,
    log_target: Option<String>,
    fields: Map<String, Value>,
}

impl FieldCollector {
    fn insert(&mut self, field: &Field, value: Value) {
        let name = field.name();
        if name == "message" {
            self.message = Some(match value {
                Value::String(text) => text,
                other => other.to_string(),
            });
        } else if name == "log.target" {
            if let Value::String(text) = value {
                self.log_target = Some(text);
            }
        } else if name.starts_with("log.") {
            // module_path/file/line of bridged `log` records: noise in an operator's log.
        } else {
            self.fields.insert(name.to_owned(), value);
        }
    }
}

impl Visit for FieldCollector {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert(field, Value::String(format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, Value::String(value.to_owned()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        let json = serde_json::Number::from_f64(value)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(value.to_string()));
        self.insert(field, json);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, Value::Bool(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // Display with the cause chain reads better in a log line than Debug output.
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.insert(field, Value::String(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_map_to_subsystems() {
        assert_eq!(subsystem_for_target("gateway/ws"), "gateway/ws");
        assert_eq!(subsystem_for_target("hyper::proto::h1"), "hyper");
        assert!(is_foreign_module("hyper::proto::h1"));
        assert!(!is_foreign_module("openclaw_gateway::server"));
        assert!(!is_foreign_module("discord"));
    }

    #[test]
    fn fields_render_as_key_value_with_quoting_when_needed() {
        let event = LogEvent::new(LogLevel::Info, "gateway", "m")
            .with_field("conn", "abc")
            .with_field("reason", "two words")
            .with_field("code", 1008)
            .with_field("ok", true)
            .with_field("empty", "");
        assert_eq!(
            render_fields(&event.fields),
            r#" conn=abc reason="two words" code=1008 ok=true empty="""#
        );
    }
}
