//! The config `env` block and `${VAR}` substitution (spec §4.0 steps 4–5).

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::env::Env;
use crate::path::{PathSeg, format_path};
use crate::spans::SpanNode;

/// Applies the config `env` block to `env` without overriding anything already set, and returns
/// the names it set. Entries are `env.vars.<KEY>` then top-level `env.<KEY>` string values (the
/// latter win when both name the same key); `shellEnv` is a setting, not a variable.
pub fn apply_env_block(config: &Value, env: &mut Env) -> Vec<String> {
    let Some(block) = config.get("env").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut entries: Map<String, Value> = Map::new();
    if let Some(vars) = block.get("vars").and_then(Value::as_object) {
        for (k, v) in vars {
            entries.insert(k.clone(), v.clone());
        }
    }
    for (k, v) in block {
        if k != "vars" && k != "shellEnv" {
            entries.insert(k.clone(), v.clone());
        }
    }
    let mut applied = Vec::new();
    for (name, value) in entries {
        let Some(text) = value.as_str() else { continue };
        if text.trim().is_empty() {
            continue;
        }
        if env.set_if_absent(name.clone(), text) {
            applied.push(name);
        }
    }
    applied
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('A'..='Z' | '_'))
        && chars.all(|c| matches!(c, 'A'..='Z' | '0'..='9' | '_'))
}

/// Substitutes `${VAR}` in one string. Only `[A-Z_][A-Z0-9_]*` names are references; `$${VAR}`
/// yields the literal `${VAR}`; any other `$` text is left alone. Returns the names that were
/// missing or empty (the string is then returned with those references left in place).
pub fn substitute_str(input: &str, env: &Env) -> (String, Vec<String>) {
    if !input.contains('$') {
        return (input.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(input.len());
    let mut missing = Vec::new();
    let mut rest = input;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        let tail = &rest[dollar..];
        if let Some(escaped) = tail.strip_prefix("$${")
            && let Some(end) = escaped.find('}')
            && is_env_name(&escaped[..end])
        {
            out.push_str("${");
            out.push_str(&escaped[..=end]);
            rest = &escaped[end + 1..];
            continue;
        }
        if let Some(reference) = tail.strip_prefix("${")
            && let Some(end) = reference.find('}')
            && is_env_name(&reference[..end])
        {
            let name = &reference[..end];
            match env.get(name).filter(|v| !v.is_empty()) {
                Some(value) => out.push_str(value),
                None => {
                    if !missing.iter().any(|m| m == name) {
                        missing.push(name.to_string());
                    }
                    out.push_str(&tail[..end + 3]);
                }
            }
            rest = &reference[end + 1..];
            continue;
        }
        out.push('$');
        rest = &tail[1..];
    }
    out.push_str(rest);
    (out, missing)
}

/// Substitutes every string value in `value` in place; returns one issue per missing variable and
/// path, worded like OpenClaw: `Missing env var "X" referenced at config path: a.b[0]`.
pub(crate) fn substitute_tree(value: &mut Value, env: &Env, spans: &SpanNode) -> Vec<Diagnostic> {
    let mut issues = Vec::new();
    let mut path = Vec::new();
    walk(value, env, spans, &mut path, &mut issues);
    issues
}

fn walk(
    value: &mut Value,
    env: &Env,
    spans: &SpanNode,
    path: &mut Vec<PathSeg>,
    issues: &mut Vec<Diagnostic>,
) {
    match value {
        Value::String(s) => {
            let (replaced, missing) = substitute_str(s, env);
            let shown = format_path(path);
            for name in missing {
                issues.push(
                    Diagnostic::new(
                        shown.clone(),
                        format!("Missing env var \"{name}\" referenced at config path: {shown}"),
                    )
                    .with_location(Some(spans.value_location(path)))
                    .with_suggestion(None),
                );
            }
            *s = replaced;
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(PathSeg::Index(i));
                walk(item, env, spans, path, issues);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                path.push(PathSeg::Key(k.clone()));
                walk(v, env, spans, path, issues);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn substitutes_escapes_and_leaves_other_dollars_alone() {
        let env = Env::from_pairs([("TOKEN", "abc"), ("EMPTY", ""), ("_X1", "y")]);
        let cases = [
            ("${TOKEN}", "abc", vec![]),
            ("Bearer ${TOKEN}!", "Bearer abc!", vec![]),
            ("$${TOKEN}", "${TOKEN}", vec![]),
            ("$$${TOKEN}", "$${TOKEN}", vec![]),
            ("${lower}", "${lower}", vec![]),
            ("$TOKEN and $ and ${", "$TOKEN and $ and ${", vec![]),
            ("${_X1}${_X1}", "yy", vec![]),
            (
                "${MISSING}-${EMPTY}",
                "${MISSING}-${EMPTY}",
                vec!["MISSING", "EMPTY"],
            ),
            ("$${lower}", "$${lower}", vec![]),
            ("price: $5 ${TOKEN", "price: $5 ${TOKEN", vec![]),
        ];
        for (input, expected, missing) in cases {
            let (out, miss) = substitute_str(input, &env);
            assert_eq!(out, expected, "{input}");
            assert_eq!(miss, missing, "{input}");
        }
    }

    #[test]
    fn env_block_applies_without_overriding() {
        let config = json!({"env": {
            "shellEnv": {"enabled": true},
            "vars": {"A": "from-vars", "B": "from-vars"},
            "B": "top-level",
            "C": "",
            "D": 5,
            "PRESET": "config"
        }});
        let mut env = Env::from_pairs([("PRESET", "process")]);
        let mut applied = apply_env_block(&config, &mut env);
        applied.sort();
        assert_eq!(applied, vec!["A", "B"]);
        assert_eq!(env.get("A"), Some("from-vars"));
        assert_eq!(env.get("B"), Some("top-level"));
        assert_eq!(env.get("PRESET"), Some("process"));
        assert_eq!(env.get("C"), None);
        assert_eq!(env.get("D"), None);
    }
}
