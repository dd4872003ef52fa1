//! `config.schema`: the draft-07 JSON Schema of [`Config`] and UI hints for the Control UI.

use std::sync::LazyLock;
use std::time::SystemTime;

use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::schema::Config;
use crate::timefmt::iso8601;
use crate::validate::COMPAT_VERSION;

static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<Config>()
        .to_value()
});

/// The cached schema (shared by the validator).
pub(crate) fn schema_value() -> &'static Value {
    &SCHEMA
}

/// Draft-07 JSON Schema for `openclaw.json`, generated from the typed config.
pub fn config_schema() -> Value {
    SCHEMA.clone()
}

/// `(path, label, group, order)` for the top-level sections, in display order.
const SECTION_HINTS: [(&str, &str, &str); 31] = [
    ("gateway", "Gateway", "Gateway"),
    ("agents", "Agents", "Agents"),
    ("auth", "Auth profiles", "Agents"),
    ("models", "Models", "Agents"),
    ("bindings", "Bindings", "Routing"),
    ("session", "Session", "Routing"),
    ("broadcast", "Broadcast", "Routing"),
    ("channels", "Channels", "Channels"),
    ("web", "WhatsApp Web", "Channels"),
    ("messages", "Messages", "Messages"),
    ("commands", "Commands", "Messages"),
    ("tools", "Tools", "Tools"),
    ("approvals", "Approvals", "Tools"),
    ("browser", "Browser", "Tools"),
    ("skills", "Skills", "Tools"),
    ("plugins", "Plugins", "Plugins"),
    ("hooks", "Hooks", "Automation"),
    ("cron", "Cron", "Automation"),
    ("audio", "Audio", "Media"),
    ("media", "Media", "Media"),
    ("talk", "Talk", "Media"),
    ("canvasHost", "Canvas host", "Nodes"),
    ("nodeHost", "Node host", "Nodes"),
    ("discovery", "Discovery", "Nodes"),
    ("logging", "Logging", "System"),
    ("diagnostics", "Diagnostics", "System"),
    ("update", "Updates", "System"),
    ("env", "Environment", "System"),
    ("ui", "UI", "System"),
    ("wizard", "Wizard", "System"),
    ("meta", "Meta", "System"),
];

/// Field-level hints: `(path, label, help)`.
const FIELD_HINTS: [(&str, &str, &str); 10] = [
    (
        "gateway.port",
        "Port",
        "WebSocket + HTTP port (default 18789).",
    ),
    (
        "gateway.mode",
        "Mode",
        "Must be \"local\" for `openclaw gateway` to start.",
    ),
    (
        "gateway.bind",
        "Bind",
        "loopback (default), lan, tailnet, auto or custom.",
    ),
    ("gateway.auth.mode", "Auth mode", "token or password."),
    (
        "gateway.reload.mode",
        "Reload mode",
        "hybrid (default), hot, restart or off.",
    ),
    (
        "gateway.controlUi.allowedOrigins",
        "Allowed origins",
        "Browser origins allowed to connect.",
    ),
    (
        "agents.defaults.model",
        "Default model",
        "\"provider/model\" or {primary, fallbacks}.",
    ),
    (
        "agents.defaults.maxConcurrent",
        "Max concurrent runs",
        "Across all sessions (default 4).",
    ),
    (
        "session.dmScope",
        "DM scope",
        "main (default) shares one session across all DMs.",
    ),
    (
        "logging.level",
        "Log level",
        "File log level (default info).",
    ),
];

/// Paths whose values are secrets (the Control UI masks them). `*` matches one key.
pub const SENSITIVE_PATHS: [&str; 16] = [
    "gateway.auth.token",
    "gateway.auth.password",
    "gateway.remote.token",
    "gateway.remote.password",
    "gateway.token",
    "hooks.token",
    "cron.webhookToken",
    "commands.ownerDisplaySecret",
    "models.providers.*.apiKey",
    "channels.discord.token",
    "channels.telegram.botToken",
    "channels.telegram.webhookSecret",
    "channels.slack.botToken",
    "channels.slack.appToken",
    "channels.slack.signingSecret",
    "skills.entries.*.apiKey",
];

/// UI hints keyed by config path: `{label, group?, order?, help?, sensitive?}`.
pub fn ui_hints() -> Value {
    let mut hints = Map::new();
    for (order, (path, label, group)) in SECTION_HINTS.iter().enumerate() {
        hints.insert(
            (*path).to_string(),
            json!({"label": label, "group": group, "order": order}),
        );
    }
    for (path, label, help) in FIELD_HINTS {
        hints.insert(path.to_string(), json!({"label": label, "help": help}));
    }
    for path in SENSITIVE_PATHS {
        let entry = hints
            .entry(path.to_string())
            .or_insert_with(|| json!({"label": last_segment_label(path)}));
        if let Some(obj) = entry.as_object_mut() {
            obj.insert("sensitive".into(), Value::Bool(true));
        }
    }
    Value::Object(hints)
}

fn last_segment_label(path: &str) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    let mut label = String::new();
    for (i, c) in last.chars().enumerate() {
        if i == 0 {
            label.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            label.push(' ');
            label.extend(c.to_lowercase());
        } else {
            label.push(c);
        }
    }
    label
}

/// The full `config.schema` payload: `{schema, uiHints, version, generatedAt}`.
pub fn config_schema_response() -> Value {
    json!({
        "schema": config_schema(),
        "uiHints": ui_hints(),
        "version": COMPAT_VERSION,
        "generatedAt": iso8601(SystemTime::now()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_draft07_and_strict() {
        let schema = config_schema();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["additionalProperties"], Value::Bool(false));
        let props = schema["properties"].as_object().unwrap();
        for key in crate::schema::TOP_LEVEL_KEYS {
            assert!(props.contains_key(key), "missing top-level key {key}");
        }
        let gateway = &schema["definitions"]["Gateway"];
        assert_eq!(gateway["additionalProperties"], Value::Bool(false));
        assert!(gateway["properties"]["customBindHost"].is_object());
    }

    #[test]
    fn hints_cover_every_section_and_mark_secrets() {
        let hints = ui_hints();
        for key in crate::schema::TOP_LEVEL_KEYS {
            assert!(hints[key]["label"].is_string(), "no hint for {key}");
            assert!(hints[key]["group"].is_string());
        }
        assert_eq!(hints["gateway.auth.token"]["sensitive"], Value::Bool(true));
        assert_eq!(hints["hooks.token"]["label"], "Token");
        assert_eq!(
            hints["channels.slack.signingSecret"]["label"],
            "Signing secret"
        );
        let response = config_schema_response();
        assert_eq!(response["version"], "2026.1.29");
        assert!(response["generatedAt"].as_str().unwrap().ends_with('Z'));
    }
}
