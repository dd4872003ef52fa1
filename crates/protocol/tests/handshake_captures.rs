//! Every captured first frame goes through `evaluate_connect`; the verdict must match
//! what the real gateway did (or, where marked, what this gateway deliberately does
//! instead).

// Helpers below are test code: an unexpected result must fail the test loudly.
#![allow(clippy::expect_used)]

mod common;

use common::{CAPTURE_TOKEN, capture_context, case, frame_text, handshake_cases};
use openclaw_protocol::{
    AuthMethod, AuthPolicy, HandshakeOutcome, ProtocolVersion, RejectKind, Rejection,
    evaluate_connect,
};
use serde_json::{Value, json};

fn token_policy() -> AuthPolicy {
    AuthPolicy::Token(CAPTURE_TOKEN.to_string())
}

fn first_frame_id(case: &Value) -> Option<String> {
    serde_json::from_str::<Value>(&frame_text(case))
        .ok()
        .and_then(|frame| frame.get("id").and_then(Value::as_str).map(str::to_string))
}

/// Compares one case; returns a description of every mismatch.
fn check_case(case: &Value) -> Vec<String> {
    let name = case["name"].as_str().unwrap_or("?");
    let expect = &case["expect"];
    let outcome = evaluate_connect(&frame_text(case), &capture_context(case, token_policy()));
    let mut problems = Vec::new();
    match (expect["outcome"].as_str(), outcome) {
        (Some("accept"), HandshakeOutcome::Accept(accepted)) => {
            let expected_version = expect["protocol"].as_u64();
            if Some(u64::from(accepted.version.as_u32())) != expected_version {
                problems.push(format!("{name}: protocol {:?}", accepted.version));
            }
            if accepted.role.as_str() != expect["role"] {
                problems.push(format!("{name}: role {}", accepted.role.as_str()));
            }
            if json!(accepted.scopes) != expect["scopes"] {
                problems.push(format!("{name}: scopes {:?}", accepted.scopes));
            }
            if accepted.client.id != expect["client_id"] {
                problems.push(format!("{name}: client {}", accepted.client.id));
            }
            if accepted.device.is_some() != expect["device"].as_bool().unwrap_or(false) {
                problems.push(format!("{name}: device {:?}", accepted.device));
            }
            if Some(accepted.request_id.clone()) != first_frame_id(case) {
                problems.push(format!("{name}: request id {}", accepted.request_id));
            }
            if accepted.auth_method != AuthMethod::Token {
                problems.push(format!("{name}: auth method {:?}", accepted.auth_method));
            }
        }
        (Some("reject"), HandshakeOutcome::Reject(rejection)) => {
            problems.extend(check_rejection(name, case, expect, &rejection));
        }
        (expected, actual) => {
            problems.push(format!("{name}: expected {expected:?}, got {actual:?}"))
        }
    }
    problems
}

fn check_rejection(name: &str, case: &Value, expect: &Value, rejection: &Rejection) -> Vec<String> {
    let mut problems = Vec::new();
    let expected_response = match &expect["error"] {
        Value::Null => None,
        error => Some(json!({
            "type": "res", "id": first_frame_id(case), "ok": false, "error": error,
        })),
    };
    let actual_response = rejection
        .response
        .as_deref()
        .map(|text| serde_json::from_str::<Value>(text).expect("response is JSON"));
    if actual_response != expected_response {
        problems.push(format!(
            "{name}: response\n   got {actual_response:?}\n  want {expected_response:?}"
        ));
    }
    if Some(u64::from(rejection.close_code)) != expect["close_code"].as_u64() {
        problems.push(format!("{name}: close code {}", rejection.close_code));
    }
    if rejection.close_reason != expect["close_reason"] {
        problems.push(format!("{name}: close reason {:?}", rejection.close_reason));
    }
    problems
}

#[test]
fn captured_handshakes_get_the_captured_verdicts() {
    let cases = handshake_cases();
    assert!(cases.len() >= 30, "fixture lost cases: {}", cases.len());
    let problems: Vec<String> = cases.iter().flat_map(check_case).collect();
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn reject(case_name: &str, auth: AuthPolicy, local: bool) -> Rejection {
    let case = case(case_name);
    let mut ctx = capture_context(&case, auth);
    ctx.is_local_client = local;
    match evaluate_connect(&frame_text(&case), &ctx) {
        HandshakeOutcome::Reject(rejection) => rejection,
        HandshakeOutcome::Accept(accepted) => panic!("{case_name} accepted: {accepted:?}"),
    }
}

#[test]
fn only_wrong_secrets_count_as_auth_failures() {
    assert_eq!(
        reject("v129-hs-01-wrong-token", token_policy(), true).kind,
        RejectKind::AuthFailed
    );
    assert_eq!(
        reject("v96-hs-01-wrong-token", token_policy(), true).kind,
        RejectKind::AuthFailed
    );
    assert_eq!(
        reject("v129-hs-03-no-token-with-device", token_policy(), true).kind,
        RejectKind::AuthMissing
    );
    assert_eq!(
        reject("v129-hs-02-no-token-no-device", token_policy(), true).kind,
        RejectKind::DeviceIdentityRequired
    );
    assert_eq!(
        reject("v129-hs-08-bad-signature", token_policy(), true).kind,
        RejectKind::DeviceAuthInvalid
    );
    assert_eq!(
        reject("v129-hs-05-non-json", token_policy(), true).kind,
        RejectKind::NotJson
    );
    assert_eq!(
        reject("v129-hs-12-bad-role", token_policy(), true).kind,
        RejectKind::InvalidRole
    );
}

#[test]
fn remote_v4_cli_gets_the_remote_token_hint() {
    let rejection = reject("v96-hs-01-wrong-token", token_policy(), false);
    assert_eq!(
        rejection.close_reason,
        "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)"
    );
}

#[test]
fn password_mode_accepts_the_control_ui_sending_both_fields() {
    let case = case("v96-controlui-browser-pageload");
    let ctx = capture_context(&case, AuthPolicy::Password(CAPTURE_TOKEN.to_string()));
    match evaluate_connect(&frame_text(&case), &ctx) {
        HandshakeOutcome::Accept(accepted) => {
            assert_eq!(accepted.auth_method, AuthMethod::Password);
            assert_eq!(accepted.version, ProtocolVersion::V4);
            assert!(accepted.device.is_some());
        }
        HandshakeOutcome::Reject(rejection) => panic!("rejected: {rejection:?}"),
    }
}

#[test]
fn password_mode_refuses_a_token_only_cli_with_the_password_hint() {
    let rejection = reject(
        "v129-hs-01-wrong-token",
        AuthPolicy::Password("pw".to_string()),
        true,
    );
    assert_eq!(
        rejection.close_reason,
        "unauthorized: gateway password missing (set gateway.remote.password to match \
         gateway.auth.password)"
    );
    assert_eq!(rejection.kind, RejectKind::AuthMissing);
    let wrong = reject(
        "v96-controlui-browser-pageload",
        AuthPolicy::Password("other".to_string()),
        true,
    );
    let response: Value =
        serde_json::from_str(wrong.response.as_deref().expect("answered")).expect("json");
    assert_eq!(
        response["error"],
        json!({"code": "INVALID_REQUEST",
               "message": "unauthorized: gateway password mismatch (enter the password in Control UI settings)",
               "details": {"code": "AUTH_PASSWORD_MISMATCH", "authReason": "password_mismatch",
                           "canRetryWithDeviceToken": false,
                           "recommendedNextStep": "update_auth_credentials"}})
    );
}

#[test]
fn no_secret_configured_accepts_device_less_clients() {
    let cli = case("v129-hs-02-no-token-no-device");
    let outcome = evaluate_connect(&frame_text(&cli), &capture_context(&cli, AuthPolicy::None));
    match outcome {
        HandshakeOutcome::Accept(accepted) => assert_eq!(accepted.auth_method, AuthMethod::None),
        HandshakeOutcome::Reject(rejection) => panic!("rejected: {rejection:?}"),
    }
    // The Control UI still needs a device identity.
    let ui = case("v129-hs-15-controlui-no-device");
    let outcome = evaluate_connect(&frame_text(&ui), &capture_context(&ui, AuthPolicy::None));
    assert!(
        matches!(outcome, HandshakeOutcome::Reject(r) if r.kind == RejectKind::ControlUiInsecureContext)
    );
}
