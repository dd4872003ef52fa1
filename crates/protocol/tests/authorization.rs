//! The method authorization table, method by method, for both protocol versions.

// Helpers below are test code: an unexpected verdict must fail the test loudly.
#![allow(clippy::expect_used)]

mod common;

use common::post_handshake_cases;
use openclaw_protocol::scopes::{
    ADMIN, APPROVALS, NODE_METHODS, PAIRING, QUESTIONS, READ, READ_METHODS, WRITE, WRITE_METHODS,
};
use openclaw_protocol::{
    ProtocolVersion, Role, authorize_method, effective_scopes, parse_client_frame,
};
use serde_json::{Value, json};

/// The 2026.1.29 methods that need `operator.admin` (everything unlisted does too).
const ADMIN_METHODS: &[&str] = &[
    "config.get",
    "config.set",
    "config.apply",
    "config.patch",
    "config.schema",
    "exec.approvals.get",
    "exec.approvals.set",
    "exec.approvals.node.get",
    "exec.approvals.node.set",
    "wizard.start",
    "wizard.next",
    "wizard.cancel",
    "wizard.status",
    "update.run",
    "cron.add",
    "cron.update",
    "cron.remove",
    "cron.run",
    "sessions.patch",
    "sessions.reset",
    "sessions.delete",
    "sessions.compact",
    "channels.logout",
    "skills.install",
    "skills.update",
    "set-heartbeats",
    "system-event",
    "sessions.resolve",
    "chat.inject",
    "web.login.start",
    "web.login.wait",
    "poll",
    "no.such.method",
];

/// §2's pairing list, spelled out (not taken from the crate's own table).
const PAIRING_LIST: &[&str] = &[
    "node.pair.request",
    "node.pair.list",
    "node.pair.approve",
    "node.pair.reject",
    "node.pair.verify",
    "device.pair.list",
    "device.pair.approve",
    "device.pair.reject",
    "device.token.rotate",
    "device.token.revoke",
    "node.rename",
];
const APPROVAL_LIST: &[&str] = &["exec.approval.request", "exec.approval.resolve"];
const READ_LIST: &[&str] = &[
    "health",
    "logs.tail",
    "channels.status",
    "status",
    "usage.status",
    "usage.cost",
    "tts.status",
    "tts.providers",
    "models.list",
    "agents.list",
    "agent.identity.get",
    "skills.status",
    "voicewake.get",
    "sessions.list",
    "sessions.preview",
    "cron.list",
    "cron.status",
    "cron.runs",
    "system-presence",
    "last-heartbeat",
    "node.list",
    "node.describe",
    "chat.history",
];
const WRITE_LIST: &[&str] = &[
    "send",
    "agent",
    "agent.wait",
    "wake",
    "talk.mode",
    "tts.enable",
    "tts.disable",
    "tts.convert",
    "tts.setProvider",
    "voicewake.set",
    "node.invoke",
    "chat.send",
    "chat.abort",
    "browser.request",
];

fn held(scopes: &[&str]) -> Vec<String> {
    scopes.iter().map(|scope| scope.to_string()).collect()
}

fn allowed(version: ProtocolVersion, scopes: &[&str], method: &str) -> bool {
    authorize_method(version, Role::Operator, &held(scopes), method).is_ok()
}

fn missing(version: ProtocolVersion, scopes: &[&str], method: &str) -> Value {
    authorize_method(version, Role::Operator, &held(scopes), method)
        .expect_err("should be refused")
        .to_value()
}

#[test]
fn the_tables_match_the_spec_lists() {
    assert_eq!(READ_METHODS, READ_LIST);
    assert_eq!(WRITE_METHODS, WRITE_LIST);
    assert_eq!(
        NODE_METHODS,
        ["node.invoke.result", "node.event", "skills.bins"]
    );
}

#[test]
fn every_method_needs_exactly_its_scope_on_v3() {
    let v3 = ProtocolVersion::V3;
    for &method in READ_LIST {
        assert!(allowed(v3, &[READ], method), "{method}");
        assert!(
            allowed(v3, &[WRITE], method),
            "{method}: write implies read"
        );
        assert!(
            !allowed(v3, &[PAIRING, APPROVALS, QUESTIONS], method),
            "{method}"
        );
        assert_eq!(
            missing(v3, &[], method),
            json!({"code": "INVALID_REQUEST", "message": "missing scope: operator.read"})
        );
    }
    for &method in WRITE_LIST {
        assert!(allowed(v3, &[WRITE], method), "{method}");
        assert_eq!(
            missing(v3, &[READ], method),
            json!({"code": "INVALID_REQUEST", "message": "missing scope: operator.write"})
        );
    }
    for &method in PAIRING_LIST {
        assert!(allowed(v3, &[PAIRING], method), "{method}");
        assert_eq!(
            missing(v3, &[READ, WRITE], method)["message"],
            "missing scope: operator.pairing"
        );
    }
    for &method in APPROVAL_LIST {
        assert!(allowed(v3, &[APPROVALS], method), "{method}");
        assert_eq!(
            missing(v3, &[WRITE], method)["message"],
            "missing scope: operator.approvals"
        );
    }
    for &method in ADMIN_METHODS {
        assert_eq!(
            missing(v3, &[READ, WRITE, PAIRING, APPROVALS], method)["message"],
            "missing scope: operator.admin",
            "{method}"
        );
    }
}

#[test]
fn admin_may_call_everything_except_node_methods() {
    for version in [ProtocolVersion::V3, ProtocolVersion::V4] {
        let everything = READ_LIST
            .iter()
            .chain(WRITE_LIST)
            .chain(PAIRING_LIST)
            .chain(APPROVAL_LIST)
            .chain(ADMIN_METHODS);
        for &method in everything {
            assert!(allowed(version, &[ADMIN], method), "{method}");
        }
        for &method in NODE_METHODS {
            let err = authorize_method(version, Role::Operator, &held(&[ADMIN]), method)
                .expect_err("operators may not call node methods");
            assert_eq!(err.message, "unauthorized role: operator");
        }
    }
}

#[test]
fn nodes_may_call_only_node_methods() {
    for &method in NODE_METHODS {
        assert!(authorize_method(ProtocolVersion::V3, Role::Node, &[], method).is_ok());
    }
    for method in ["health", "chat.send", "config.get"] {
        let err = authorize_method(ProtocolVersion::V3, Role::Node, &held(&[ADMIN]), method)
            .expect_err("refused");
        assert_eq!(
            err.to_value(),
            json!({"code": "INVALID_REQUEST", "message": "unauthorized role: node"})
        );
    }
}

#[test]
fn v4_refusals_are_forbidden_with_details() {
    let v4 = ProtocolVersion::V4;
    assert_eq!(
        missing(v4, &[READ], "chat.send"),
        json!({"code": "FORBIDDEN", "message": "missing scope: operator.write",
               "details": {"code": "MISSING_SCOPE", "missingScope": "operator.write",
                           "requiredScopes": ["operator.write"]}})
    );
    // 2026.9.6 lets a connection without scopes call health, nothing else.
    assert!(allowed(v4, &[], "health"));
    assert!(!allowed(ProtocolVersion::V3, &[], "health"));
    assert_eq!(
        missing(v4, &[], "status")["details"]["missingScope"],
        "operator.read"
    );
}

/// Replays the captured post-handshake requests: a captured `missing scope` must be
/// reproduced exactly; any other captured answer means authorization let it through.
#[test]
fn captured_authorization_answers() {
    let mut checked = 0;
    for case in post_handshake_cases() {
        let text = case["client_frame"].as_str().expect("frame text");
        let Ok(openclaw_protocol::ClientFrame::Request { method, .. }) = parse_client_frame(text)
        else {
            continue; // malformed frames are covered by the frames tests
        };
        let version = match case["protocol"].as_u64() {
            Some(4) => ProtocolVersion::V4,
            _ => ProtocolVersion::V3,
        };
        let requested: Vec<String> =
            serde_json::from_value(case["requested_scopes"].clone()).expect("scopes");
        let scopes = effective_scopes(version, Role::Operator, Some(&requested));
        let verdict = authorize_method(version, Role::Operator, &scopes, &method);
        let error = &case["response"]["error"];
        let refused_for_scope = error["message"]
            .as_str()
            .is_some_and(|message| message.starts_with("missing scope"));
        if refused_for_scope {
            assert_eq!(
                verdict.map_err(|e| e.to_value()),
                Err(error.clone()),
                "{text}"
            );
        } else {
            assert!(
                verdict.is_ok(),
                "{text} should pass authorization: {verdict:?}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 12);
}
