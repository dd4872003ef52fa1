//! Checks received frames against the shipped protocol 3 JSON Schema (trimmed copy in
//! `fixtures/protocol/v3-frame-schema.json`).
//!
//! Only the keywords those definitions use are implemented (`type`, `const`, `required`,
//! `properties`, `additionalProperties`, `patternProperties` with a match-all pattern, `items`,
//! `anyOf`, `minLength`, `minimum`, `maximum`). Anything else in the fixture is reported as an
//! unsupported keyword instead of being silently ignored, so the checker cannot pass by accident.

use std::sync::LazyLock;

use serde_json::Value;

const SCHEMA_TEXT: &str = include_str!("../fixtures/protocol/v3-frame-schema.json");

static DEFINITIONS: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str::<Value>(SCHEMA_TEXT)
        .map(|doc| doc["definitions"].clone())
        .unwrap_or(Value::Null)
});

const KNOWN_KEYWORDS: &[&str] = &[
    "type",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "patternProperties",
    "items",
    "anyOf",
    "minLength",
    "minimum",
    "maximum",
];

/// Problems found when validating `value` against definition `name`; empty = valid.
pub fn check(name: &str, value: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    match DEFINITIONS.get(name) {
        Some(schema) => validate(schema, value, "", &mut problems),
        None => problems.push(format!("no definition {name:?} in the schema fixture")),
    }
    problems
}

/// Everything a 2026.1.29 client would reject in one received frame: the frame envelope,
/// the hello-ok payload, the `tick` payload and presence entries.
pub fn v3_violations(frame: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    match frame["type"].as_str() {
        Some("res") => {
            problems.extend(check("ResponseFrame", frame));
            if frame["payload"]["type"] == "hello-ok" {
                problems.extend(check("HelloOk", &frame["payload"]));
            }
        }
        Some("event") => {
            problems.extend(check("EventFrame", frame));
            let payload = &frame["payload"];
            match frame["event"].as_str() {
                Some("tick") => problems.extend(check("TickEvent", payload)),
                // Not checked against ShutdownEvent: the real gateway itself sends
                // `restartExpectedMs: null` when stopping, and clients only validate the
                // frame envelope, so the schema's integer-only rule is not what they enforce.
                Some("presence") => {
                    for entry in payload["presence"].as_array().into_iter().flatten() {
                        problems.extend(check("PresenceEntry", entry));
                    }
                }
                _ => {}
            }
        }
        _ => problems.push("frame type is neither res nor event".to_string()),
    }
    problems
        .into_iter()
        .map(|p| format!("{p} (in {})", abbreviate(frame)))
        .collect()
}

fn abbreviate(frame: &Value) -> String {
    let text = frame.to_string();
    match text.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn type_matches(expected: &str, value: &Value) -> bool {
    match expected {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        _ => false,
    }
}

fn validate(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(rules) = schema.as_object() else {
        return;
    };
    let here = if at.is_empty() { "root" } else { at };
    for keyword in rules.keys() {
        if !KNOWN_KEYWORDS.contains(&keyword.as_str()) {
            problems.push(format!("{here}: unsupported schema keyword {keyword:?}"));
        }
    }
    if let Some(expected) = rules.get("type").and_then(Value::as_str)
        && !type_matches(expected, value)
    {
        problems.push(format!("{here}: must be {expected}, got {value}"));
        return;
    }
    if let Some(constant) = rules.get("const")
        && constant != value
    {
        problems.push(format!("{here}: must be {constant}, got {value}"));
    }
    if let Some(alternatives) = rules.get("anyOf").and_then(Value::as_array) {
        let any = alternatives.iter().any(|alt| {
            let mut scratch = Vec::new();
            validate(alt, value, at, &mut scratch);
            scratch.is_empty()
        });
        if !any {
            problems.push(format!("{here}: matches no anyOf alternative: {value}"));
        }
    }
    if let Some(text) = value.as_str()
        && let Some(min) = rules.get("minLength").and_then(Value::as_u64)
        && (text.chars().count() as u64) < min
    {
        problems.push(format!("{here}: shorter than {min}"));
    }
    if let Some(number) = value.as_f64() {
        if let Some(min) = rules.get("minimum").and_then(Value::as_f64)
            && number < min
        {
            problems.push(format!("{here}: below minimum {min}"));
        }
        if let Some(max) = rules.get("maximum").and_then(Value::as_f64)
            && number > max
        {
            problems.push(format!("{here}: above maximum {max}"));
        }
    }
    if let Some(items) = value.as_array()
        && let Some(item_schema) = rules.get("items")
    {
        for (index, item) in items.iter().enumerate() {
            validate(item_schema, item, &format!("{at}/{index}"), problems);
        }
    }
    if let Some(map) = value.as_object() {
        validate_object(rules, map, at, problems);
    }
}

fn validate_object(
    rules: &serde_json::Map<String, Value>,
    map: &serde_json::Map<String, Value>,
    at: &str,
    problems: &mut Vec<String>,
) {
    let here = if at.is_empty() { "root" } else { at };
    for required in rules
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !map.contains_key(required) {
            problems.push(format!("{here}: missing required property {required:?}"));
        }
    }
    let properties = rules.get("properties").and_then(Value::as_object);
    // The fixture only uses the match-all pattern `^(.*)$`, so any key matches it.
    let pattern_schema = rules
        .get("patternProperties")
        .and_then(Value::as_object)
        .and_then(|patterns| patterns.values().next());
    for (key, entry) in map {
        let path = format!("{at}/{key}");
        if let Some(schema) = properties.and_then(|p| p.get(key)) {
            validate(schema, entry, &path, problems);
        } else if let Some(schema) = pattern_schema {
            validate(schema, entry, &path, problems);
        } else {
            match rules.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    problems.push(format!("{here}: unexpected property {key:?}"));
                }
                Some(schema @ Value::Object(_)) => validate(schema, entry, &path, problems),
                _ => {}
            }
        }
    }
}
