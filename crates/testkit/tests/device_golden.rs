//! Our signed-payload layout verifies a signature made by the real 2026.1.29 CLI.
//!
//! The fixture is a captured `connect.challenge` + `connect` pair where the CLI sent a
//! device but no token, so the signed string contains no secret and can be rebuilt here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openclaw_testkit::{
    DeviceAuthFields, SignatureVersion, device_id_for, signature_payload, verify_device_signature,
};
use serde_json::Value;

const CAPTURE: &str = include_str!("fixtures/v129-connect-device-no-token.jsonl");

#[test]
fn real_cli_v2_signature_verifies_with_our_payload() {
    let frames: Vec<Value> = CAPTURE
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let nonce = frames[0]["payload"]["nonce"].as_str().unwrap();
    let params = &frames[1]["params"];
    let device = &params["device"];
    let public_key = device["publicKey"].as_str().unwrap();

    let raw = URL_SAFE_NO_PAD.decode(public_key).unwrap();
    assert_eq!(
        device["id"],
        device_id_for(&raw),
        "device id = sha256(raw public key)"
    );

    let scopes: Vec<String> = params["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let fields = DeviceAuthFields {
        client_id: "cli",
        client_mode: "cli",
        role: "operator",
        scopes: &scopes,
        signed_at_ms: device["signedAt"].as_u64().unwrap(),
        token: "",
        nonce,
        platform: "linux",
        device_family: "",
    };
    let payload = signature_payload(
        SignatureVersion::V2,
        device["id"].as_str().unwrap(),
        &fields,
    );
    let signature = device["signature"].as_str().unwrap();
    verify_device_signature(public_key, &payload, signature).unwrap();

    // Any other layout must not verify.
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let other = signature_payload(version, device["id"].as_str().unwrap(), &fields);
        assert!(verify_device_signature(public_key, &other, signature).is_err());
    }
}
