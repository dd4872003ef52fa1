//! Secret redaction for `config.get`, status output and logs (spec §7.7).
//!
//! Rule (applied to object keys, case-insensitively, ignoring `_` and `-`):
//! a key is secret-bearing when it is exactly `key`, `authorization`, `cookie` or
//! `proxyauthorization`, or ends with `token`, `password`, `passwd`, `secret`, `apikey`,
//! `accesskey`, `secretkey` or `privatekey` — except keys ending in `publickey`. That covers
//! `token`, `botToken`, `appToken`, `ngrokAuthToken`, `password`, `signingSecret`,
//! `webhookSecret`, `apiKey`, `openaiApiKey`, `x-api-key` … while leaving `maxTokens`,
//! `tokenFile`, `keyPath` and `publicKey` alone. Every value under `headers` whose name matches,
//! and every variable in the `env` block (`env.<KEY>`, `env.vars.<KEY>`), is also secret.
//! A secret-bearing key redacts all strings and numbers beneath it. A value that is exactly one
//! `${VAR}` reference is not a secret (it is a pointer to one) and stays visible.

use serde_json::{Map, Value};

use crate::env::Env;

/// Placeholder for redacted values (OpenClaw's spelling).
pub const REDACTED: &str = "__OPENCLAW_REDACTED__";

/// Secrets shorter than this are not scrubbed from raw text: replacing one- or two-character
/// strings everywhere would corrupt the file without protecting anything meaningful.
pub const MIN_RAW_SECRET_CHARS: usize = 3;

fn normalized(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a key names a secret (see the module docs for the rule).
pub fn is_sensitive_key(key: &str) -> bool {
    let k = normalized(key);
    if k.ends_with("publickey") {
        return false;
    }
    matches!(
        k.as_str(),
        "key" | "authorization" | "proxyauthorization" | "cookie"
    ) || [
        "token",
        "password",
        "passwd",
        "secret",
        "apikey",
        "accesskey",
        "secretkey",
        "privatekey",
    ]
    .iter()
    .any(|suffix| k.ends_with(suffix))
}

/// Whether a string is exactly one `${VAR}` reference.
fn is_env_reference(s: &str) -> bool {
    s.strip_prefix("${")
        .and_then(|rest| rest.strip_suffix('}'))
        .is_some_and(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
}

#[derive(Clone, Copy, PartialEq)]
enum Context {
    Normal,
    /// Inside a secret-bearing key: every scalar is secret.
    Secret,
    /// Directly inside `headers`: sensitive header names are secret.
    Headers,
    /// Directly inside the `env` block or `env.vars`.
    EnvBlock,
}

/// A copy of `value` with secret-bearing values replaced by [`REDACTED`].
pub fn redact(value: &Value) -> Value {
    redact_in(value, Context::Normal, true)
}

fn redact_in(value: &Value, ctx: Context, at_root: bool) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, child) in map {
                let child_ctx = child_context(ctx, key, at_root);
                out.insert(key.clone(), redact_in(child, child_ctx, false));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| {
                    redact_in(
                        i,
                        if ctx == Context::Secret {
                            ctx
                        } else {
                            Context::Normal
                        },
                        false,
                    )
                })
                .collect(),
        ),
        Value::String(s) if ctx == Context::Secret && !is_env_reference(s) => {
            Value::String(REDACTED.into())
        }
        Value::Number(_) if ctx == Context::Secret => Value::String(REDACTED.into()),
        other => other.clone(),
    }
}

fn child_context(parent: Context, key: &str, parent_is_root: bool) -> Context {
    match parent {
        Context::Secret => Context::Secret,
        Context::EnvBlock => match key {
            "shellEnv" => Context::Normal,
            "vars" => Context::EnvBlock,
            _ => Context::Secret,
        },
        Context::Headers => {
            if is_sensitive_key(key) {
                Context::Secret
            } else {
                Context::Normal
            }
        }
        Context::Normal => {
            if parent_is_root && key == "env" {
                Context::EnvBlock
            } else if is_sensitive_key(key) {
                Context::Secret
            } else if key == "headers" {
                Context::Headers
            } else {
                Context::Normal
            }
        }
    }
}

/// Every secret string in `value` (same rule as [`redact`]), deduplicated, longest first — what a
/// logger should scrub. Pass the *resolved* config so `${VAR}` values are the real secrets.
pub fn secret_values(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    collect(value, Context::Normal, true, &mut out);
    finish(out)
}

fn collect(value: &Value, ctx: Context, at_root: bool, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                collect(child, child_context(ctx, key, at_root), false, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                let item_ctx = if ctx == Context::Secret {
                    ctx
                } else {
                    Context::Normal
                };
                collect(item, item_ctx, false, out);
            }
        }
        Value::String(s) if ctx == Context::Secret && !is_env_reference(s) => {
            let t = s.trim();
            if !t.is_empty() {
                out.push(t.to_string());
            }
        }
        Value::Number(n) if ctx == Context::Secret => out.push(n.to_string()),
        _ => {}
    }
}

fn finish(mut out: Vec<String>) -> Vec<String> {
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out
}

/// Values of environment variables whose names look secret (`*_TOKEN`, `*_API_KEY`,
/// `*_PASSWORD`, `*_SECRET`, …), longest first — for scrubbing logs of env-provided secrets.
pub fn env_secret_values(env: &Env) -> Vec<String> {
    let out = env
        .iter()
        .filter(|(name, value)| is_sensitive_key(name) && !value.trim().is_empty())
        .map(|(_, value)| value.trim().to_string())
        .collect();
    finish(out)
}

/// Replaces every literal occurrence of the given secrets in `raw` (the config file text) with
/// [`REDACTED`] — both as written and in JSON-escaped form. Longer secrets are replaced first so a
/// secret containing another is fully hidden. Secrets shorter than [`MIN_RAW_SECRET_CHARS`] are
/// skipped.
pub fn redact_raw(raw: &str, secrets: &[String]) -> String {
    let mut candidates: Vec<String> = Vec::new();
    for secret in secrets {
        if secret.chars().count() < MIN_RAW_SECRET_CHARS {
            continue;
        }
        candidates.push(secret.clone());
        let escaped = serde_json::to_string(secret).unwrap_or_default();
        let escaped = escaped
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(&escaped);
        if escaped != secret {
            candidates.push(escaped.to_string());
        }
    }
    let candidates = finish(candidates);
    let mut text = raw.to_string();
    for secret in &candidates {
        text = text.replace(secret.as_str(), REDACTED);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_rule() {
        for key in [
            "token",
            "botToken",
            "appToken",
            "password",
            "signingSecret",
            "webhookSecret",
            "apiKey",
            "key",
            "ngrokAuthToken",
            "x-api-key",
            "Authorization",
            "OPENAI_API_KEY",
            "DISCORD_BOT_TOKEN",
            "privateKey",
            "client_secret",
        ] {
            assert!(is_sensitive_key(key), "{key} should be sensitive");
        }
        for key in [
            "maxTokens",
            "tokenFile",
            "keyPath",
            "publicKey",
            "contextTokens",
            "mode",
            "authHeader",
            "keys",
            "monkey",
        ] {
            assert!(!is_sensitive_key(key), "{key} should not be sensitive");
        }
    }

    #[test]
    fn redacts_secrets_but_keeps_structure_and_references() {
        let config = json!({
            "gateway": {"port": 1, "auth": {"mode": "token", "token": "gw-secret-1"},
                        "remote": {"password": 12345}},
            "channels": {"discord": {"token": "${DISCORD_BOT_TOKEN}", "maxLinesPerMessage": 17},
                         "slack": {"botToken": "xoxb-1", "appToken": "Bearer ${X}"}},
            "models": {"providers": {"p": {"baseUrl": "https://x", "apiKey": "sk-1",
                "headers": {"Authorization": "Bearer zzz", "X-Trace": "keep"}}}},
            "env": {"shellEnv": {"enabled": true}, "vars": {"OPENAI_KEY": "sk-2"}, "FOO": "bar"},
            "tools": {"web": {"search": {"apiKey": ["a", "b"]}}},
            "list": [{"token": "t1"}]
        });
        let r = redact(&config);
        assert_eq!(r["gateway"]["port"], 1);
        assert_eq!(r["gateway"]["auth"]["mode"], "token");
        assert_eq!(r["gateway"]["auth"]["token"], REDACTED);
        assert_eq!(r["gateway"]["remote"]["password"], REDACTED);
        assert_eq!(r["channels"]["discord"]["token"], "${DISCORD_BOT_TOKEN}");
        assert_eq!(r["channels"]["discord"]["maxLinesPerMessage"], 17);
        assert_eq!(r["channels"]["slack"]["botToken"], REDACTED);
        assert_eq!(r["channels"]["slack"]["appToken"], REDACTED);
        assert_eq!(r["models"]["providers"]["p"]["apiKey"], REDACTED);
        assert_eq!(r["models"]["providers"]["p"]["baseUrl"], "https://x");
        assert_eq!(
            r["models"]["providers"]["p"]["headers"]["Authorization"],
            REDACTED
        );
        assert_eq!(r["models"]["providers"]["p"]["headers"]["X-Trace"], "keep");
        assert_eq!(r["env"]["shellEnv"]["enabled"], true);
        assert_eq!(r["env"]["vars"]["OPENAI_KEY"], REDACTED);
        assert_eq!(r["env"]["FOO"], REDACTED);
        assert_eq!(
            r["tools"]["web"]["search"]["apiKey"],
            json!([REDACTED, REDACTED])
        );
        assert_eq!(r["list"][0]["token"], REDACTED);

        let secrets = secret_values(&config);
        for s in [
            "gw-secret-1",
            "12345",
            "xoxb-1",
            "Bearer ${X}",
            "sk-1",
            "Bearer zzz",
            "sk-2",
            "bar",
            "t1",
        ] {
            assert!(secrets.contains(&s.to_string()), "missing {s}: {secrets:?}");
        }
        assert!(!secrets.iter().any(|s| s.contains("DISCORD_BOT_TOKEN")));
        assert!(!secrets.contains(&"keep".to_string()));
    }

    #[test]
    fn raw_text_redaction_hides_literal_and_escaped_secrets() {
        let raw = "{\n  // token below\n  gateway: { auth: { token: 'abc\"def' } },\n  x: \"abc\\\"def\",\n  short: 'ab',\n}\n";
        let out = redact_raw(raw, &["abc\"def".to_string(), "ab".to_string()]);
        assert!(!out.contains("abc\"def"), "{out}");
        assert!(!out.contains("abc\\\"def"), "{out}");
        assert!(out.contains("// token below"));
        assert!(out.contains("short: 'ab'"));
        assert_eq!(out.matches(REDACTED).count(), 2);
    }

    #[test]
    fn env_secrets() {
        let env = Env::from_pairs([
            ("OPENCLAW_GATEWAY_TOKEN", "tok"),
            ("ANTHROPIC_API_KEY", "sk-ant"),
            ("HOME", "/root"),
            ("EMPTY_TOKEN", " "),
        ]);
        assert_eq!(env_secret_values(&env), vec!["sk-ant", "tok"]);
    }
}
