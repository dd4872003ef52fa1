//! Device identity verification: captured signatures offline, and every accept/refuse
//! path with freshly generated Ed25519 keys.

// Helpers below are test code: an unexpected outcome must fail the test loudly.
#![allow(clippy::expect_used)]

mod common;

use base64::Engine as _;
use common::{CAPTURE_TOKEN, Sign, TestDevice, capture_context, case, frame_text};
use openclaw_protocol::{
    AuthPolicy, DeviceAuthError, DevicePayloadVersion, HandshakeContext, HandshakeOutcome,
    ProtocolVersion, RejectKind, device_id_from_public_key, evaluate_connect,
};
use serde_json::{Value, json};

const NONCE: &str = "5b9bbb6c-21cb-4486-84a3-3b7881706520";
const NOW: u64 = 1_795_531_383_612;
const TOKEN: &str = "test-shared-token";

fn ctx(local: bool) -> HandshakeContext {
    HandshakeContext {
        challenge_nonce: NONCE.to_string(),
        now_ms: NOW,
        auth: AuthPolicy::Token(TOKEN.to_string()),
        is_local_client: local,
    }
}

fn accepted_payload(frame: &Value, local: bool) -> DevicePayloadVersion {
    match evaluate_connect(&frame.to_string(), &ctx(local)) {
        HandshakeOutcome::Accept(accepted) => {
            accepted.device.expect("device verified").payload_version
        }
        HandshakeOutcome::Reject(rejection) => panic!("rejected: {rejection:?}"),
    }
}

/// The error message (and v4 details) a frame is refused with.
fn refusal(frame: &Value, local: bool) -> (String, Option<Value>, RejectKind) {
    match evaluate_connect(&frame.to_string(), &ctx(local)) {
        HandshakeOutcome::Reject(rejection) => {
            let error = rejection.error.expect("answered with an error");
            (error.message, error.details.map(|d| *d), rejection.kind)
        }
        HandshakeOutcome::Accept(accepted) => panic!("accepted: {accepted:?}"),
    }
}

#[test]
fn captured_signatures_verify_offline_in_their_formats() {
    let expected = [
        ("v129-health", DevicePayloadVersion::V2),
        ("v129-hs-09-v1-no-nonce", DevicePayloadVersion::V1),
        ("v129-controlui-browser", DevicePayloadVersion::V2),
        ("v96-hs-09-v2-signature", DevicePayloadVersion::V2),
        ("v96-hs-09b-v3-signature", DevicePayloadVersion::V3),
        ("v96-chat", DevicePayloadVersion::V3),
        ("fake-cli129-no-challenge", DevicePayloadVersion::V1),
    ];
    for (name, version) in expected {
        let case = case(name);
        let ctx = capture_context(&case, AuthPolicy::Token(CAPTURE_TOKEN.to_string()));
        match evaluate_connect(&frame_text(&case), &ctx) {
            HandshakeOutcome::Accept(accepted) => {
                let device = accepted.device.expect("device");
                assert_eq!(device.payload_version, version, "{name}");
                let frame: Value = serde_json::from_str(&frame_text(&case)).expect("json");
                assert_eq!(device.device_id, frame["params"]["device"]["id"], "{name}");
            }
            HandshakeOutcome::Reject(rejection) => panic!("{name} rejected: {rejection:?}"),
        }
    }
}

#[test]
fn generated_keys_verify_in_every_format() {
    let device = TestDevice::generate();
    for protocols in [(3, 3), (4, 4)] {
        let v2 = device.connect_frame(protocols, Sign::V2, Some(TOKEN), NONCE, NOW - 5_000);
        assert_eq!(accepted_payload(&v2, false), DevicePayloadVersion::V2);
        let v3 = device.connect_frame(protocols, Sign::V3, Some(TOKEN), NONCE, NOW + 5_000);
        assert_eq!(accepted_payload(&v3, false), DevicePayloadVersion::V3);
    }
    let v1 = device.connect_frame((3, 3), Sign::V1, Some(TOKEN), NONCE, NOW);
    assert_eq!(accepted_payload(&v1, true), DevicePayloadVersion::V1);
}

#[test]
fn legacy_v1_needs_a_local_protocol_3_client() {
    let device = TestDevice::generate();
    let v1 = device.connect_frame((3, 3), Sign::V1, Some(TOKEN), NONCE, NOW);
    assert_eq!(
        refusal(&v1, false),
        (
            "device nonce required".to_string(),
            None,
            RejectKind::DeviceAuthInvalid
        )
    );
    // Protocol 4 makes the nonce part of the schema.
    let v1_on_v4 = device.connect_frame((4, 4), Sign::V1, Some(TOKEN), NONCE, NOW);
    assert_eq!(
        refusal(&v1_on_v4, true).0,
        "invalid connect params: at /device: must have required property 'nonce'"
    );
}

#[test]
fn blank_nonce_on_protocol_4_is_a_missing_nonce() {
    let device = TestDevice::generate();
    let mut frame = device.connect_frame((4, 4), Sign::V2, Some(TOKEN), NONCE, NOW);
    frame["params"]["device"]["nonce"] = json!("   ");
    let (message, details, _) = refusal(&frame, true);
    assert_eq!(message, "device nonce required");
    assert_eq!(
        details,
        Some(json!({"code": "DEVICE_AUTH_NONCE_REQUIRED", "reason": "device-nonce-missing"}))
    );
}

#[test]
fn refusals_follow_openclaw_check_order() {
    let device = TestDevice::generate();
    let other = TestDevice::generate();

    // Id mismatch wins over everything else (here: also stale and wrong nonce).
    let mut frame = device.connect_frame((3, 3), Sign::V2, Some(TOKEN), "stale", 0);
    frame["params"]["device"]["id"] = json!(other.id());
    assert_eq!(refusal(&frame, true).0, "device identity mismatch");

    // Clock skew: 10 minutes on protocol 3, 2 minutes on protocol 4.
    let eleven_minutes_ago = NOW - 11 * 60 * 1000;
    let stale = device.connect_frame((3, 3), Sign::V2, Some(TOKEN), NONCE, eleven_minutes_ago);
    assert_eq!(refusal(&stale, true).0, "device signature expired");
    let nine_minutes_ago = NOW - 9 * 60 * 1000;
    let fine_v3 = device.connect_frame((3, 3), Sign::V2, Some(TOKEN), NONCE, nine_minutes_ago);
    assert_eq!(accepted_payload(&fine_v3, true), DevicePayloadVersion::V2);
    let stale_v4 = device.connect_frame((4, 4), Sign::V2, Some(TOKEN), NONCE, NOW + 3 * 60 * 1000);
    let (message, details, _) = refusal(&stale_v4, true);
    assert_eq!(message, "device signature expired");
    assert_eq!(
        details,
        Some(json!({"code": "DEVICE_AUTH_SIGNATURE_EXPIRED", "reason": "device-signature-stale"}))
    );

    // A signature over another connection's nonce.
    let replay = device.connect_frame((3, 3), Sign::V2, Some(TOKEN), "other-nonce", NOW);
    assert_eq!(refusal(&replay, true).0, "device nonce mismatch");

    // Tampering with a signed field.
    let mut tampered = device.connect_frame((4, 4), Sign::V3, Some(TOKEN), NONCE, NOW);
    tampered["params"]["scopes"] = json!(["operator.admin"]);
    let (message, details, kind) = refusal(&tampered, true);
    assert_eq!(message, "device signature invalid");
    assert_eq!(
        details,
        Some(json!({"code": "DEVICE_AUTH_SIGNATURE_INVALID", "reason": "device-signature"}))
    );
    assert_eq!(kind, RejectKind::DeviceAuthInvalid);
}

#[test]
fn signature_covers_the_token_actually_sent() {
    let device = TestDevice::generate();
    let mut frame = device.connect_frame((3, 3), Sign::V2, Some(TOKEN), NONCE, NOW);
    frame["params"]["auth"]["token"] = json!("a-different-token");
    assert_eq!(refusal(&frame, true).0, "device signature invalid");
    // A valid device with a wrong shared token is an auth failure, checked last.
    let signed_wrong = device.connect_frame((3, 3), Sign::V2, Some("wrong"), NONCE, NOW);
    let (message, _, kind) = refusal(&signed_wrong, true);
    assert!(
        message.starts_with("unauthorized: gateway token mismatch"),
        "{message}"
    );
    assert_eq!(kind, RejectKind::AuthFailed);
}

#[test]
fn pem_keys_and_padded_signatures_are_accepted() {
    let device = TestDevice::generate();
    let mut frame = device.connect_frame((4, 4), Sign::V2, Some(TOKEN), NONCE, NOW);
    // SPKI DER = fixed Ed25519 prefix + raw key, as Node's `export({type:"spki"})`.
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(device.key.verifying_key().as_bytes());
    let body = base64::engine::general_purpose::STANDARD.encode(&der);
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n");
    assert_eq!(device_id_from_public_key(&pem), Some(device.id()));
    frame["params"]["device"]["publicKey"] = json!(pem);
    let signature = frame["params"]["device"]["signature"]
        .as_str()
        .expect("sig");
    let standard = format!("{}==", signature.replace('-', "+").replace('_', "/"));
    frame["params"]["device"]["signature"] = json!(standard);
    match evaluate_connect(&frame.to_string(), &ctx(false)) {
        HandshakeOutcome::Accept(accepted) => {
            let verified = accepted.device.expect("device");
            // The key is reported normalized to raw base64url.
            assert_eq!(verified.public_key, device.public_key());
        }
        HandshakeOutcome::Reject(rejection) => panic!("rejected: {rejection:?}"),
    }
}

#[test]
fn device_errors_render_per_version() {
    let shape = DeviceAuthError::NonceMismatch.to_error_shape(ProtocolVersion::V3);
    assert_eq!(shape.details, None);
    let shape = DeviceAuthError::PublicKeyInvalid.to_error_shape(ProtocolVersion::V4);
    assert_eq!(shape.message, "device public key invalid");
    assert_eq!(
        shape.details.as_deref(),
        Some(&json!({"code": "DEVICE_AUTH_PUBLIC_KEY_INVALID", "reason": "device-public-key"}))
    );
}
