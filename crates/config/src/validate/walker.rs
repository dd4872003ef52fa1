//! Validates a JSON value against the JSON Schema generated from [`crate::Config`].
//!
//! Why walk the schema instead of just deserializing: serde stops at the first error and reports
//! no path for most of them, while users need *every* problem, each with its path, file position
//! and a did-you-mean hint. The schema comes from the same types serde uses, so the two cannot
//! drift apart. Only the keyword subset schemars emits is interpreted: `$ref`, `anyOf`/`oneOf`,
//! `allOf`, `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`,
//! `minItems`/`maxItems`, `minLength`/`maxLength`, `minimum`/`maximum`.

use serde_json::{Map, Value};

use crate::diagnostic::suggest;
use crate::path::PathSeg;

/// A problem found by the walker, before positions are attached.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawIssue {
    pub path: Vec<PathSeg>,
    pub message: String,
    pub suggestion: Option<String>,
    /// Point at the key rather than the value (unknown keys).
    pub at_key: bool,
}

/// Customizes the message for an unknown key (`channels.<id>`, legacy top-level keys).
pub(crate) type UnknownKeyMessage = fn(parent: &[PathSeg], key: &str) -> Option<(String, bool)>;

pub(crate) struct SchemaWalker<'a> {
    root: &'a Value,
    unknown_key_message: UnknownKeyMessage,
}

impl<'a> SchemaWalker<'a> {
    pub fn new(root: &'a Value, unknown_key_message: UnknownKeyMessage) -> Self {
        Self {
            root,
            unknown_key_message,
        }
    }

    pub fn validate(&self, value: &Value) -> Vec<RawIssue> {
        let mut out = Vec::new();
        let mut path = Vec::new();
        self.check(self.root, value, &mut path, &mut out);
        out
    }

    /// Follows `$ref: "#/definitions/X"` (possibly chained).
    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                return schema;
            };
            let Some(pointer) = reference.strip_prefix('#') else {
                return schema;
            };
            match self.root.pointer(pointer) {
                Some(target) => schema = target,
                None => return schema,
            }
        }
        schema
    }

    fn check(
        &self,
        schema: &'a Value,
        value: &Value,
        path: &mut Vec<PathSeg>,
        out: &mut Vec<RawIssue>,
    ) {
        let schema = self.resolve(schema);
        let s = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                out.push(issue(path, "no value is allowed here".into()));
                return;
            }
            Value::Object(s) => s,
            _ => return,
        };
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = s.get(key) {
                self.check_alternatives(branches, value, path, out);
            }
        }
        if let Some(Value::Array(parts)) = s.get("allOf") {
            for part in parts {
                self.check(part, value, path, out);
            }
        }
        if let Some(types) = s.get("type")
            && !type_matches(types, value)
        {
            out.push(issue(
                path,
                format!(
                    "expected {}, got {}",
                    describe_types(types),
                    json_type(value)
                ),
            ));
            return;
        }
        if let Some(Value::Array(options)) = s.get("enum")
            && !options.contains(value)
        {
            out.push(enum_issue(path, options, value));
            return;
        }
        if let Some(constant) = s.get("const")
            && constant != value
        {
            out.push(enum_issue(path, std::slice::from_ref(constant), value));
            return;
        }
        match value {
            Value::Object(map) => self.check_object(s, map, path, out),
            Value::Array(items) => self.check_array(s, items, path, out),
            Value::String(text) => check_length(s, text, path, out),
            Value::Number(_) => check_range(s, value, path, out),
            _ => {}
        }
    }

    fn check_object(
        &self,
        s: &'a Map<String, Value>,
        map: &Map<String, Value>,
        path: &mut Vec<PathSeg>,
        out: &mut Vec<RawIssue>,
    ) {
        let properties = s.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(required)) = s.get("required") {
            for key in required.iter().filter_map(Value::as_str) {
                if !map.contains_key(key) {
                    path.push(PathSeg::key(key));
                    out.push(issue(path, "required key missing".into()));
                    path.pop();
                }
            }
        }
        let additional = s.get("additionalProperties");
        for (key, child) in map {
            if let Some(prop) = properties.and_then(|p| p.get(key)) {
                path.push(PathSeg::key(key.as_str()));
                self.check(prop, child, path, out);
                path.pop();
                continue;
            }
            match additional {
                Some(Value::Bool(false)) => {
                    let known =
                        properties.map(|p| p.keys().map(String::as_str).collect::<Vec<_>>());
                    let custom = (self.unknown_key_message)(path, key);
                    path.push(PathSeg::key(key.as_str()));
                    let (message, offer_suggestion) =
                        custom.unwrap_or_else(|| ("unknown key".to_string(), true));
                    let suggestion = if offer_suggestion {
                        known.and_then(|k| suggest(key, k))
                    } else {
                        None
                    };
                    out.push(RawIssue {
                        path: path.clone(),
                        message,
                        suggestion,
                        at_key: true,
                    });
                    path.pop();
                }
                Some(extra @ Value::Object(_)) => {
                    path.push(PathSeg::key(key.as_str()));
                    self.check(extra, child, path, out);
                    path.pop();
                }
                _ => {}
            }
        }
    }

    fn check_array(
        &self,
        s: &'a Map<String, Value>,
        items: &[Value],
        path: &mut Vec<PathSeg>,
        out: &mut Vec<RawIssue>,
    ) {
        if let Some(min) = s.get("minItems").and_then(Value::as_u64)
            && (items.len() as u64) < min
        {
            out.push(issue(path, format!("must have at least {min} item(s)")));
        }
        if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
            && (items.len() as u64) > max
        {
            out.push(issue(path, format!("must have at most {max} item(s)")));
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                path.push(PathSeg::Index(i));
                self.check(item_schema, item, path, out);
                path.pop();
            }
        }
    }

    /// `anyOf`/`oneOf`: fine if any branch accepts the value. Otherwise report the branch that
    /// best matches the value's JSON type (so `{"primary": 5}` gets "expected string" inside the
    /// object branch rather than "expected string or object").
    fn check_alternatives(
        &self,
        branches: &'a [Value],
        value: &Value,
        path: &mut Vec<PathSeg>,
        out: &mut Vec<RawIssue>,
    ) {
        let mut best: Option<Vec<RawIssue>> = None;
        let mut accepted_types: Vec<String> = Vec::new();
        for branch in branches {
            let mut scratch = Vec::new();
            self.check(branch, value, path, &mut scratch);
            if scratch.is_empty() {
                return;
            }
            let branch_types = self.shallow_types(branch);
            let type_fits =
                branch_types.is_empty() || branch_types.iter().any(|t| type_name_matches(t, value));
            accepted_types.extend(branch_types);
            if type_fits && best.as_ref().is_none_or(|b| scratch.len() < b.len()) {
                best = Some(scratch);
            }
        }
        match best {
            Some(issues) => out.extend(issues),
            None => {
                accepted_types.sort();
                accepted_types.dedup();
                let wanted = describe_types(&Value::Array(
                    accepted_types.into_iter().map(Value::String).collect(),
                ));
                out.push(issue(
                    path,
                    format!("expected {wanted}, got {}", json_type(value)),
                ));
            }
        }
    }

    /// JSON types a schema can accept at its top level (empty = unconstrained).
    fn shallow_types(&self, schema: &'a Value) -> Vec<String> {
        let schema = self.resolve(schema);
        if let Some(t) = schema.get("type") {
            return match t {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect(),
                _ => Vec::new(),
            };
        }
        let from_values = |values: &[Value]| -> Vec<String> {
            values.iter().map(|v| json_type(v).to_string()).collect()
        };
        if let Some(Value::Array(options)) = schema.get("enum") {
            return from_values(options);
        }
        if let Some(c) = schema.get("const") {
            return from_values(std::slice::from_ref(c));
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                return branches
                    .iter()
                    .flat_map(|b| self.shallow_types(b))
                    .collect();
            }
        }
        Vec::new()
    }
}

fn issue(path: &[PathSeg], message: String) -> RawIssue {
    RawIssue {
        path: path.to_vec(),
        message,
        suggestion: None,
        at_key: false,
    }
}

fn enum_issue(path: &[PathSeg], options: &[Value], value: &Value) -> RawIssue {
    let listed: Vec<String> = options.iter().map(Value::to_string).collect();
    let shown = match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) | Value::Null => value.to_string(),
        other => json_type(other).to_string(),
    };
    let suggestion = value
        .as_str()
        .and_then(|v| suggest(v, options.iter().filter_map(Value::as_str)));
    RawIssue {
        path: path.to_vec(),
        message: format!(
            "invalid value {shown} (expected one of: {})",
            listed.join(", ")
        ),
        suggestion,
        at_key: false,
    }
}

fn check_length(s: &Map<String, Value>, text: &str, path: &[PathSeg], out: &mut Vec<RawIssue>) {
    let len = text.chars().count() as u64;
    if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
        && len > max
    {
        out.push(issue(
            path,
            format!("must be at most {max} characters (got {len})"),
        ));
    }
    if let Some(min) = s.get("minLength").and_then(Value::as_u64)
        && len < min
    {
        out.push(issue(
            path,
            format!("must be at least {min} characters (got {len})"),
        ));
    }
}

fn check_range(s: &Map<String, Value>, value: &Value, path: &[PathSeg], out: &mut Vec<RawIssue>) {
    let Some(n) = value.as_f64() else { return };
    if let Some(min) = s.get("minimum").and_then(Value::as_f64)
        && n < min
    {
        out.push(issue(path, format!("must be >= {}", trim_float(min))));
    }
    if let Some(max) = s.get("maximum").and_then(Value::as_f64)
        && n > max
    {
        out.push(issue(path, format!("must be <= {}", trim_float(max))));
    }
}

fn trim_float(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// JSON type name of a value, as JSON Schema spells it.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if is_integral(n) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Integral numbers, including whole floats such as `3000.0` (JSON5 has a single number type).
fn is_integral(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

fn type_name_matches(name: &str, value: &Value) -> bool {
    match (name, value) {
        ("null", Value::Null)
        | ("boolean", Value::Bool(_))
        | ("number", Value::Number(_))
        | ("string", Value::String(_))
        | ("array", Value::Array(_))
        | ("object", Value::Object(_)) => true,
        ("integer", Value::Number(n)) => is_integral(n),
        _ => false,
    }
}

fn type_matches(types: &Value, value: &Value) -> bool {
    match types {
        Value::String(t) => type_name_matches(t, value),
        Value::Array(list) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|t| type_name_matches(t, value)),
        _ => true,
    }
}

fn describe_types(types: &Value) -> String {
    let mut names: Vec<&str> = match types {
        Value::String(t) => vec![t.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    // "null" only appears because fields are optional; omitting the key is the way to unset.
    if names.len() > 1 {
        names.retain(|n| *n != "null");
    }
    match names.as_slice() {
        [] => "a value".to_string(),
        [one] => article(one),
        [init @ .., last] => format!(
            "{} or {}",
            init.iter()
                .map(|n| article(n))
                .collect::<Vec<_>>()
                .join(", "),
            article(last)
        ),
    }
}

fn article(type_name: &str) -> String {
    match type_name {
        "integer" | "array" | "object" => format!("an {type_name}"),
        "null" => "null".to_string(),
        other => format!("a {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn walker_for(schema: &Value) -> SchemaWalker<'_> {
        SchemaWalker::new(schema, |_, _| None)
    }

    fn messages(schema: &Value, value: Value) -> Vec<(String, String, Option<String>)> {
        walker_for(schema)
            .validate(&value)
            .into_iter()
            .map(|i| (crate::path::format_path(&i.path), i.message, i.suggestion))
            .collect()
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let schema = json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "mode": {"type": "string", "enum": ["local", "remote"]},
                "tags": {"type": "array", "items": {"type": "string", "maxLength": 3}},
                "extra": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        });
        let got = messages(
            &schema,
            json!({"port": 70000, "mode": "locl", "tags": ["ok", "toolong", 5], "prot": 1, "extra": {"a": "x", "b": 2}}),
        );
        let expected = vec![
            ("id".into(), "required key missing".into(), None),
            ("port".into(), "must be <= 65535".into(), None),
            (
                "mode".into(),
                "invalid value \"locl\" (expected one of: \"local\", \"remote\")".into(),
                Some("local".into()),
            ),
            (
                "tags[1]".into(),
                "must be at most 3 characters (got 7)".into(),
                None,
            ),
            (
                "tags[2]".into(),
                "expected a string, got integer".into(),
                None,
            ),
            ("prot".into(), "unknown key".into(), Some("port".into())),
            (
                "extra.b".into(),
                "expected a string, got integer".into(),
                None,
            ),
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn alternatives_report_the_branch_matching_the_value_type() {
        let schema = json!({
            "definitions": {"Chain": {"type": "object", "additionalProperties": false,
                "properties": {"primary": {"type": "string"}}}},
            "anyOf": [{"type": "string"}, {"$ref": "#/definitions/Chain"}]
        });
        assert!(messages(&schema, json!("a/b")).is_empty());
        assert!(messages(&schema, json!({"primary": "a/b"})).is_empty());
        assert_eq!(
            messages(&schema, json!({"primary": 5})),
            vec![(
                "primary".into(),
                "expected a string, got integer".into(),
                None
            )]
        );
        assert_eq!(
            messages(&schema, json!(true)),
            vec![(
                "".into(),
                "expected an object or a string, got boolean".into(),
                None
            )]
        );
    }

    #[test]
    fn whole_floats_count_as_integers() {
        let schema = json!({"type": "integer"});
        assert!(messages(&schema, json!(3000.0)).is_empty());
        assert_eq!(
            messages(&schema, json!(1.5)),
            vec![("".into(), "expected an integer, got number".into(), None)]
        );
    }
}
