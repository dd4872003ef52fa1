//! Strict validation of a resolved config: schema walk (unknown keys, types, enums, ranges) plus
//! cross-field checks, every finding located in the file where it was written.

mod checks;
mod walker;

use serde_json::Value;

pub use self::checks::COMPAT_VERSION;
use self::walker::{RawIssue, SchemaWalker};
use crate::diagnostic::{Diagnostic, suggest};
use crate::path::{PathSeg, format_path};
use crate::schema::{Config, KNOWN_CHANNEL_IDS};
use crate::schema_doc::schema_value;
use crate::spans::SpanNode;

/// Result of validating one resolved config.
pub(crate) struct Validation {
    pub issues: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Present iff there are no issues.
    pub config: Option<Config>,
}

/// Validates `resolved`; `spans` locates findings (pass a leaf span when there is no file).
pub(crate) fn validate_resolved(resolved: &Value, spans: &SpanNode) -> Validation {
    let schema = schema_value();
    let walker = SchemaWalker::new(schema, unknown_key_message);
    let mut raw_issues = walker.validate(resolved);
    let findings = checks::run(resolved);
    raw_issues.extend(findings.issues);
    let mut issues: Vec<Diagnostic> = raw_issues.into_iter().map(|i| locate(i, spans)).collect();
    let warnings = findings
        .warnings
        .into_iter()
        .map(|i| locate(i, spans))
        .collect();
    let config = if issues.is_empty() {
        match serde_json::from_value::<Config>(integral_floats_as_ints(resolved.clone())) {
            Ok(config) => Some(config),
            Err(err) => {
                // The schema and the types come from the same definitions, so this only fires
                // on a bug; still report it rather than pretend the config is valid.
                issues.push(
                    Diagnostic::new("", format!("config could not be read: {err}"))
                        .with_location(Some(spans.value_location(&[]))),
                );
                None
            }
        }
    } else {
        None
    };
    Validation {
        issues,
        warnings,
        config,
    }
}

fn locate(issue: RawIssue, spans: &SpanNode) -> Diagnostic {
    let location = if issue.at_key {
        spans.key_location(&issue.path)
    } else {
        spans.value_location(&issue.path)
    };
    Diagnostic::new(format_path(&issue.path), issue.message)
        .with_location(Some(location))
        .with_suggestion(issue.suggestion)
}

/// Top-level keys OpenClaw migrates (`openclaw doctor --fix`) and what replaced them.
const LEGACY_TOP_LEVEL: [(&str, &str); 9] = [
    ("agent", "agents.defaults"),
    ("routing", "bindings, session and messages.groupChat"),
    ("identity", "agents.list[].identity"),
    ("whatsapp", "channels.whatsapp"),
    ("telegram", "channels.telegram"),
    ("discord", "channels.discord"),
    ("slack", "channels.slack"),
    ("signal", "channels.signal"),
    ("imessage", "channels.imessage"),
];

/// Custom wording for unknown keys where a generic "unknown key" would mislead.
fn unknown_key_message(parent: &[PathSeg], key: &str) -> Option<(String, bool)> {
    match parent {
        [] => LEGACY_TOP_LEVEL
            .iter()
            .find(|(legacy, _)| *legacy == key)
            .map(|(_, replacement)| {
                (
                    format!(
                        "legacy key; it moved to {replacement} (move its settings there by hand)"
                    ),
                    false,
                )
            }),
        [PathSeg::Key(section)] if section == "channels" => {
            let hint = suggest(key, KNOWN_CHANNEL_IDS)
                .map(|s| format!(" (did you mean \"{s}\"?)"))
                .unwrap_or_default();
            Some((
                format!(
                    "unknown channel id: {key}{hint}; known ids: {}",
                    KNOWN_CHANNEL_IDS.join(", ")
                ),
                false,
            ))
        }
        _ => None,
    }
}

/// JSON5 has one number type, so `3000.0` is a valid port; serde's integer types want `3000`.
fn integral_floats_as_ints(value: Value) -> Value {
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f >= 0.0 && f <= u64::MAX as f64 => {
                Value::from(f as u64)
            }
            Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < 0.0 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => {
            Value::Array(items.into_iter().map(integral_floats_as_ints).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, integral_floats_as_ints(v)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spans::Spot;
    use serde_json::json;
    use std::path::Path;

    fn leaf() -> SpanNode {
        SpanNode::leaf(Spot {
            file: Path::new("mem").into(),
            line: 1,
            column: 1,
        })
    }

    fn messages(v: Value) -> Vec<String> {
        validate_resolved(&v, &leaf())
            .issues
            .iter()
            .map(|d| format!("{}: {}", d.path, d.message_with_hint()))
            .collect()
    }

    #[test]
    fn typos_at_several_depths_get_suggestions() {
        let got = messages(json!({
            "gatway": {},
            "gateway": {"bnd": "lan", "auth": {"rateLimt": {}}, "reload": {"mode": "hott"}},
            "agents": {"list": [{"id": "main", "identiy": {}}]},
            "channels": {"discrod": {}}
        }));
        assert_eq!(
            got,
            vec![
                "gatway: unknown key (did you mean \"gateway\"?)",
                "gateway.bnd: unknown key (did you mean \"bind\"?)",
                "gateway.auth.rateLimt: unknown key (did you mean \"rateLimit\"?)",
                "gateway.reload.mode: invalid value \"hott\" (expected one of: \"hybrid\", \"hot\", \"restart\", \"off\") (did you mean \"hot\"?)",
                "agents.list[0].identiy: unknown key (did you mean \"identity\"?)",
                "channels.discrod: unknown channel id: discrod (did you mean \"discord\"?); known ids: whatsapp, telegram, discord, slack, signal, imessage, msteams, mattermost, googlechat, matrix, line, nostr, zalo, bluebubbles, nextcloud-talk, tlon, twitch, feishu",
            ]
        );
    }

    #[test]
    fn legacy_and_required_and_types() {
        let got = messages(json!({
            "routing": {},
            "gateway": {"port": "18789"},
            "auth": {"profiles": {"x": {"mode": "token"}}},
            "bindings": [{"agentId": "main", "match": {}}],
            "ui": {"assistant": {"name": "x".repeat(51)}}
        }));
        assert_eq!(
            got,
            vec![
                "routing: legacy key; it moved to bindings, session and messages.groupChat (move its settings there by hand)",
                "gateway.port: expected an integer, got string",
                "auth.profiles.x.provider: required key missing",
                "bindings[0].match.channel: required key missing",
                "ui.assistant.name: must be at most 50 characters (got 51)",
            ]
        );
    }

    #[test]
    fn whole_floats_deserialize_into_integer_fields() {
        let v = validate_resolved(&json!({"gateway": {"port": 3000.0}}), &leaf());
        assert!(v.issues.is_empty(), "{:?}", v.issues);
        assert_eq!(v.config.unwrap().gateway_port(), 3000);
        let v = validate_resolved(&json!({"gateway": {"port": 0}}), &leaf());
        assert_eq!(v.issues[0].message, "must be >= 1");
    }
}
