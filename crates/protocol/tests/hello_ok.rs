//! hello-ok shapes per version, pinned with snapshots, plus a schema-key audit for
//! protocol 3 (whose clients drop frames with unknown keys).

// Helpers below are test code: an unexpected result must fail the test loudly.
#![allow(clippy::expect_used)]

mod common;

use common::{CAPTURE_TOKEN, capture_context, case, frame_text};
use openclaw_protocol::{
    AcceptedConnection, AuthPolicy, HandshakeOutcome, HelloInputs, Policy, PresenceEntry,
    ProtocolVersion, ResponseFrame, Snapshot, StateVersion, V3_EVENTS, evaluate_connect, hello_ok,
};
use serde_json::{Value, json};

const METHODS: &[&str] = &["health", "status", "config.get", "chat.send"];

fn accepted(case_name: &str) -> AcceptedConnection {
    let case = case(case_name);
    let ctx = capture_context(&case, AuthPolicy::Token(CAPTURE_TOKEN.to_string()));
    match evaluate_connect(&frame_text(&case), &ctx) {
        HandshakeOutcome::Accept(accepted) => *accepted,
        HandshakeOutcome::Reject(rejection) => panic!("{case_name} rejected: {rejection:?}"),
    }
}

fn snapshot() -> Snapshot {
    let gateway = PresenceEntry {
        host: Some("vm".into()),
        ip: Some("192.0.2.2".into()),
        version: Some("0.1.0".into()),
        platform: Some("linux 6.18".into()),
        mode: Some("gateway".into()),
        reason: Some("self".into()),
        text: Some("Gateway: vm (192.0.2.2) · app 0.1.0 · mode gateway · reason self".into()),
        ts: 1_795_531_394_093,
        ..PresenceEntry::default()
    };
    // A caller-built entry with a key protocol 3 does not know and a null.
    let ui = json!({"host": "webchat-ui", "mode": "webchat", "clientId": "openclaw-control-ui",
                    "roles": ["operator"], "deviceId": null, "ts": 1_795_531_394_100_u64});
    Snapshot {
        presence: vec![gateway.to_value(), ui],
        health: json!({"ok": true, "ts": 1_795_531_361_560_u64, "channels": {}}),
        state_version: StateVersion {
            presence: 1,
            health: 2,
        },
        uptime_ms: 54_055,
        config_path: Some("<stateDir>/openclaw.json".into()),
        state_dir: Some("<stateDir>".into()),
        session_defaults: Some(json!({"defaultAgentId": "main", "mainKey": "main",
            "mainSessionKey": "agent:main:main", "scope": "per-sender", "modelConfigured": true})),
    }
}

fn build(version: ProtocolVersion, accepted: &AcceptedConnection) -> Value {
    let inputs = HelloInputs {
        server_version: "0.1.0".into(),
        host: Some("vm".into()),
        conn_id: "48bf87a1-684e-4919-86c3-93fb7dbe39e9".into(),
        methods: METHODS,
        events: V3_EVENTS,
        snapshot: snapshot(),
        policy: Policy::for_version(version),
        accepted,
    };
    hello_ok(version, &inputs)
}

fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .map(|map| map.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn assert_keys_within(value: &Value, allowed: &[&str], at: &str) {
    for key in keys(value) {
        assert!(allowed.contains(&key), "unexpected key {key:?} at {at}");
    }
}

#[test]
fn v3_hello_ok_has_only_schema_keys() {
    let accepted = accepted("v129-health");
    assert_eq!(accepted.version, ProtocolVersion::V3);
    let hello = build(ProtocolVersion::V3, &accepted);
    assert_eq!(
        keys(&hello),
        [
            "type", "protocol", "server", "features", "snapshot", "policy"
        ],
        "no auth block: we never issue device tokens"
    );
    assert_keys_within(
        &hello["server"],
        &["version", "commit", "host", "connId"],
        "server",
    );
    assert_eq!(keys(&hello["features"]), ["methods", "events"]);
    let snapshot = &hello["snapshot"];
    assert_keys_within(
        snapshot,
        &[
            "presence",
            "health",
            "stateVersion",
            "uptimeMs",
            "configPath",
            "stateDir",
            "sessionDefaults",
        ],
        "snapshot",
    );
    for entry in snapshot["presence"].as_array().expect("presence") {
        assert_keys_within(
            entry,
            openclaw_protocol::hello::PRESENCE_ENTRY_KEYS,
            "presence",
        );
        assert!(
            entry
                .as_object()
                .expect("object")
                .values()
                .all(|v| !v.is_null())
        );
    }
    assert_keys_within(
        &snapshot["sessionDefaults"],
        openclaw_protocol::hello::SESSION_DEFAULTS_KEYS,
        "sessionDefaults",
    );
    assert_eq!(
        keys(&hello["policy"]),
        ["maxPayload", "maxBufferedBytes", "tickIntervalMs"]
    );
    // The response frame around it is closed too.
    let frame = ResponseFrame::ok(accepted.request_id.clone(), hello.clone()).to_value();
    assert_eq!(keys(&frame), ["type", "id", "ok", "payload"]);
    insta::assert_json_snapshot!("hello_ok_v3_cli", hello);
}

#[test]
fn v4_hello_ok_for_an_admin_ui() {
    let accepted = accepted("v96-controlui-browser-pageload");
    assert_eq!(accepted.version, ProtocolVersion::V4);
    let hello = build(ProtocolVersion::V4, &accepted);
    assert_eq!(
        keys(&hello),
        [
            "type", "protocol", "server", "features", "snapshot", "auth", "policy"
        ]
    );
    assert_eq!(
        hello["snapshot"]["suspension"],
        json!({"phase": "accepting"})
    );
    assert_eq!(hello["snapshot"]["authMode"], "token");
    assert!(hello["auth"].get("deviceToken").is_none());
    insta::assert_json_snapshot!("hello_ok_v4_control_ui_admin", hello);
}

#[test]
fn v4_hello_ok_hides_paths_from_non_admins() {
    let accepted = accepted("v96-health");
    assert_eq!(accepted.scopes, ["operator.read"]);
    let hello = build(ProtocolVersion::V4, &accepted);
    for hidden in ["configPath", "stateDir", "authMode"] {
        assert!(hello["snapshot"].get(hidden).is_none(), "{hidden} leaked");
    }
    assert_eq!(
        hello["auth"],
        json!({"method": "token", "role": "operator", "scopes": ["operator.read"]})
    );
    insta::assert_json_snapshot!("hello_ok_v4_cli_read_only", hello);
}

#[test]
fn policies_per_version() {
    let v3 = Policy::for_version(ProtocolVersion::V3);
    assert_eq!(
        (v3.max_payload, v3.max_buffered_bytes, v3.tick_interval_ms),
        (524_288, 1_572_864, 30_000)
    );
    assert_eq!(v3.attachments, None);
    let v4 = Policy::for_version(ProtocolVersion::V4);
    assert_eq!(
        (v4.max_payload, v4.max_buffered_bytes),
        (26_214_400, 52_428_800)
    );
    assert_eq!(v4.attachments, Some((19_464_192, 6_291_456)));
}
