//! `hello-ok`, the success payload of `connect`, shaped per negotiated version.
//!
//! Protocol 3 gets exactly the keys of the shipped 2026.1.29 schema (closed objects
//! all the way down, so caller-provided presence entries and session defaults are
//! trimmed to their schema keys). Protocol 4 gets the 2026.9.6 layout: a snapshot
//! with `suspension`, an always-present `auth` block, attachment limits. We never
//! put a device token in `auth` (see the crate docs).

use serde_json::{Map, Value};

use crate::frames::StateVersion;
use crate::handshake::AcceptedConnection;
use crate::scopes::ADMIN;
use crate::version::{
    ProtocolVersion, TICK_INTERVAL_MS, V4_ATTACHMENT_MAX_BYTES, V4_ATTACHMENT_MAX_IMAGE_BYTES,
};

/// Keys of a protocol 3 `PresenceEntry`, in schema order.
pub const PRESENCE_ENTRY_KEYS: &[&str] = &[
    "host",
    "ip",
    "version",
    "platform",
    "deviceFamily",
    "modelIdentifier",
    "mode",
    "lastInputSeconds",
    "reason",
    "tags",
    "text",
    "ts",
    "deviceId",
    "roles",
    "scopes",
    "instanceId",
];

/// Keys of protocol 3 `snapshot.sessionDefaults`.
pub const SESSION_DEFAULTS_KEYS: &[&str] =
    &["defaultAgentId", "mainKey", "mainSessionKey", "scope"];

/// Gateway state sent with hello-ok.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Presence entries (objects; see [`PRESENCE_ENTRY_KEYS`]).
    pub presence: Vec<Value>,
    /// The same object the `health` method returns.
    pub health: Value,
    /// Current state counters.
    pub state_version: StateVersion,
    /// Gateway uptime.
    pub uptime_ms: u64,
    /// Config file path (protocol 4 shows it to admins only).
    pub config_path: Option<String>,
    /// State directory (protocol 4 shows it to admins only).
    pub state_dir: Option<String>,
    /// `{defaultAgentId, mainKey, mainSessionKey, scope?}`; the Control UI rewrites
    /// its session key from `mainSessionKey`.
    pub session_defaults: Option<Value>,
}

/// Limits advertised in `policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Largest inbound frame.
    pub max_payload: u64,
    /// Largest send buffer before the client is dropped.
    pub max_buffered_bytes: u64,
    /// `tick` period.
    pub tick_interval_ms: u64,
    /// Protocol 4 `attachments` limits: `(maxBytes, maxImageBytes)`.
    pub attachments: Option<(u64, u64)>,
}

impl Policy {
    /// The values the real gateway of that version advertises.
    pub const fn for_version(version: ProtocolVersion) -> Self {
        Self {
            max_payload: version.max_payload_bytes() as u64,
            max_buffered_bytes: version.max_buffered_bytes() as u64,
            tick_interval_ms: TICK_INTERVAL_MS,
            attachments: match version {
                ProtocolVersion::V3 => None,
                ProtocolVersion::V4 => {
                    Some((V4_ATTACHMENT_MAX_BYTES, V4_ATTACHMENT_MAX_IMAGE_BYTES))
                }
            },
        }
    }
}

/// What the server contributes to hello-ok.
#[derive(Debug, Clone)]
pub struct HelloInputs<'a> {
    /// `server.version`.
    pub server_version: String,
    /// `server.host` (protocol 3 only).
    pub host: Option<String>,
    /// `server.connId`.
    pub conn_id: String,
    /// `features.methods`.
    pub methods: &'a [&'a str],
    /// `features.events`.
    pub events: &'a [&'a str],
    /// `snapshot`.
    pub snapshot: Snapshot,
    /// `policy`.
    pub policy: Policy,
    /// The connection being greeted.
    pub accepted: &'a AcceptedConnection,
}

/// Builds the hello-ok payload for `version`.
pub fn hello_ok(version: ProtocolVersion, inputs: &HelloInputs<'_>) -> Value {
    let mut hello = Map::new();
    hello.insert("type".into(), Value::from("hello-ok"));
    hello.insert("protocol".into(), Value::from(version.as_u32()));
    let mut server = Map::new();
    server.insert(
        "version".into(),
        Value::from(inputs.server_version.as_str()),
    );
    if version == ProtocolVersion::V3
        && let Some(host) = inputs.host.as_deref().filter(|h| !h.is_empty())
    {
        server.insert("host".into(), Value::from(host));
    }
    server.insert("connId".into(), Value::from(inputs.conn_id.as_str()));
    hello.insert("server".into(), Value::Object(server));
    let mut features = Map::new();
    features.insert("methods".into(), string_array(inputs.methods));
    features.insert("events".into(), string_array(inputs.events));
    hello.insert("features".into(), Value::Object(features));
    let snapshot = match version {
        ProtocolVersion::V3 => snapshot_v3(&inputs.snapshot),
        ProtocolVersion::V4 => snapshot_v4(&inputs.snapshot, inputs.accepted),
    };
    hello.insert("snapshot".into(), snapshot);
    if version == ProtocolVersion::V4 {
        hello.insert("auth".into(), auth_v4(inputs.accepted));
    }
    hello.insert("policy".into(), policy_value(version, &inputs.policy));
    Value::Object(hello)
}

fn string_array(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|item| Value::from(*item)).collect())
}

fn snapshot_v3(snapshot: &Snapshot) -> Value {
    let mut map = Map::new();
    let presence = snapshot
        .presence
        .iter()
        .map(|entry| keep_keys(entry, PRESENCE_ENTRY_KEYS))
        .collect();
    map.insert("presence".into(), Value::Array(presence));
    map.insert("health".into(), snapshot.health.clone());
    map.insert("stateVersion".into(), snapshot.state_version.to_value());
    map.insert("uptimeMs".into(), Value::from(snapshot.uptime_ms));
    insert_non_empty(&mut map, "configPath", snapshot.config_path.as_deref());
    insert_non_empty(&mut map, "stateDir", snapshot.state_dir.as_deref());
    if let Some(defaults) = &snapshot.session_defaults {
        map.insert(
            "sessionDefaults".into(),
            keep_keys(defaults, SESSION_DEFAULTS_KEYS),
        );
    }
    Value::Object(map)
}

fn snapshot_v4(snapshot: &Snapshot, accepted: &AcceptedConnection) -> Value {
    let mut map = Map::new();
    let mut suspension = Map::new();
    suspension.insert("phase".into(), Value::from("accepting"));
    map.insert("suspension".into(), Value::Object(suspension));
    // Protocol 4 tolerates extra keys, but no presence field is nullable.
    let presence = snapshot.presence.iter().map(drop_nulls).collect();
    map.insert("presence".into(), Value::Array(presence));
    map.insert("health".into(), snapshot.health.clone());
    map.insert("stateVersion".into(), snapshot.state_version.to_value());
    map.insert("uptimeMs".into(), Value::from(snapshot.uptime_ms));
    if let Some(defaults) = &snapshot.session_defaults {
        map.insert("sessionDefaults".into(), drop_nulls(defaults));
    }
    // Captured: 2026.9.6 reveals paths and auth mode to admin connections only.
    if accepted.scopes.iter().any(|scope| scope == ADMIN) {
        insert_non_empty(&mut map, "configPath", snapshot.config_path.as_deref());
        insert_non_empty(&mut map, "stateDir", snapshot.state_dir.as_deref());
        map.insert(
            "authMode".into(),
            Value::from(accepted.auth_method.as_str()),
        );
    }
    Value::Object(map)
}

fn auth_v4(accepted: &AcceptedConnection) -> Value {
    let mut auth = Map::new();
    auth.insert("method".into(), Value::from(accepted.auth_method.as_str()));
    auth.insert("role".into(), Value::from(accepted.role.as_str()));
    let scopes = accepted
        .scopes
        .iter()
        .map(|s| Value::from(s.as_str()))
        .collect();
    auth.insert("scopes".into(), Value::Array(scopes));
    Value::Object(auth)
}

fn policy_value(version: ProtocolVersion, policy: &Policy) -> Value {
    let mut map = Map::new();
    map.insert("maxPayload".into(), Value::from(policy.max_payload));
    map.insert(
        "maxBufferedBytes".into(),
        Value::from(policy.max_buffered_bytes),
    );
    map.insert(
        "tickIntervalMs".into(),
        Value::from(policy.tick_interval_ms),
    );
    if version == ProtocolVersion::V4
        && let Some((max_bytes, max_image_bytes)) = policy.attachments
    {
        let mut attachments = Map::new();
        attachments.insert("maxBytes".into(), Value::from(max_bytes));
        attachments.insert("maxImageBytes".into(), Value::from(max_image_bytes));
        map.insert("attachments".into(), Value::Object(attachments));
    }
    Value::Object(map)
}

/// Keeps only `allowed` keys of an object, dropping nulls (the schema has no
/// nullable fields); non-objects pass through untouched.
fn keep_keys(value: &Value, allowed: &[&str]) -> Value {
    filter_entries(value, |key, entry| {
        allowed.contains(&key) && !entry.is_null()
    })
}

/// Drops null-valued keys of an object; non-objects pass through untouched.
fn drop_nulls(value: &Value) -> Value {
    filter_entries(value, |_, entry| !entry.is_null())
}

fn filter_entries(value: &Value, keep: impl Fn(&str, &Value) -> bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, entry)| keep(key, entry))
                .map(|(key, entry)| (key.clone(), entry.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn insert_non_empty(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    // The schema says minLength 1: an empty path would make the frame invalid.
    if let Some(text) = value.filter(|text| !text.is_empty()) {
        map.insert(key.into(), Value::from(text));
    }
}

/// Builder for one presence entry with the protocol 3 keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PresenceEntry {
    /// Host name.
    pub host: Option<String>,
    /// Client IP.
    pub ip: Option<String>,
    /// App version.
    pub version: Option<String>,
    /// Platform string.
    pub platform: Option<String>,
    /// Device family.
    pub device_family: Option<String>,
    /// Hardware model.
    pub model_identifier: Option<String>,
    /// Client mode (`"gateway"` for the self entry).
    pub mode: Option<String>,
    /// Seconds since last input.
    pub last_input_seconds: Option<u64>,
    /// Why the entry exists (`"self"`, `"connect"`).
    pub reason: Option<String>,
    /// Free-form tags.
    pub tags: Option<Vec<String>>,
    /// Human-readable summary.
    pub text: Option<String>,
    /// When the entry was last updated.
    pub ts: u64,
    /// Device id.
    pub device_id: Option<String>,
    /// Roles held.
    pub roles: Option<Vec<String>>,
    /// Scopes held.
    pub scopes: Option<Vec<String>>,
    /// Client instance id.
    pub instance_id: Option<String>,
}

impl PresenceEntry {
    /// As a JSON object in schema key order, omitting absent fields.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        put_text(&mut map, "host", &self.host);
        put_text(&mut map, "ip", &self.ip);
        put_text(&mut map, "version", &self.version);
        put_text(&mut map, "platform", &self.platform);
        put_text(&mut map, "deviceFamily", &self.device_family);
        put_text(&mut map, "modelIdentifier", &self.model_identifier);
        put_text(&mut map, "mode", &self.mode);
        if let Some(seconds) = self.last_input_seconds {
            map.insert("lastInputSeconds".into(), Value::from(seconds));
        }
        put_text(&mut map, "reason", &self.reason);
        put_list(&mut map, "tags", &self.tags);
        put_text(&mut map, "text", &self.text);
        map.insert("ts".into(), Value::from(self.ts));
        put_text(&mut map, "deviceId", &self.device_id);
        put_list(&mut map, "roles", &self.roles);
        put_list(&mut map, "scopes", &self.scopes);
        put_text(&mut map, "instanceId", &self.instance_id);
        Value::Object(map)
    }
}

fn put_text(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(value) = value {
        map.insert(key.into(), Value::from(value.as_str()));
    }
}

fn put_list(map: &mut Map<String, Value>, key: &str, values: &Option<Vec<String>>) {
    if let Some(values) = values {
        let items = values
            .iter()
            .map(|value| Value::from(value.as_str()))
            .collect();
        map.insert(key.into(), Value::Array(items));
    }
}
