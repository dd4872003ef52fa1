//! Shared test helpers: captured fixtures and freshly generated device keys.
#![allow(dead_code)]
// each test binary uses a different subset
// Test support: a broken fixture should fail the test loudly, so panicking is right.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use ed25519_dalek::{Signer, SigningKey};
use openclaw_protocol::{
    AuthPolicy, DevicePayload, HandshakeContext, device_id_from_raw_public_key, device_payload_v1,
    device_payload_v2, device_payload_v3, encode_base64url,
};
use serde_json::{Value, json};

/// The throwaway token of the capture gateways; captured device signatures cover it.
pub const CAPTURE_TOKEN: &str = "oc-test-token-123";

/// Handshake cases extracted from the captures (see fixtures/extract_handshake_cases.py).
pub fn handshake_cases() -> Vec<Value> {
    let cases: Value = serde_json::from_str(include_str!("../fixtures/handshake_cases.json"))
        .expect("handshake_cases.json parses");
    cases.as_array().expect("array of cases").clone()
}

/// Post-handshake frames and their captured answers.
pub fn post_handshake_cases() -> Vec<Value> {
    let cases: Value = serde_json::from_str(include_str!("../fixtures/post_handshake_cases.json"))
        .expect("post_handshake_cases.json parses");
    cases.as_array().expect("array of cases").clone()
}

/// The captured case with this name.
pub fn case(name: &str) -> Value {
    handshake_cases()
        .into_iter()
        .find(|case| case["name"] == name)
        .unwrap_or_else(|| panic!("no fixture case named {name}"))
}

/// The case's first client frame with the real capture token restored.
pub fn frame_text(case: &Value) -> String {
    case["client_frame"]
        .as_str()
        .expect("client_frame is text")
        .replace("<token>", CAPTURE_TOKEN)
}

/// The connection facts at the moment the case's first frame arrived (all captures
/// went through a loopback proxy, so clients count as local).
pub fn capture_context(case: &Value, auth: AuthPolicy) -> HandshakeContext {
    HandshakeContext {
        challenge_nonce: case["challenge_nonce"].as_str().expect("nonce").to_string(),
        now_ms: case["now_ms"].as_u64().expect("now_ms"),
        auth,
        is_local_client: true,
    }
}

/// Payload format to sign a generated connect frame with.
#[derive(Clone, Copy, Debug)]
pub enum Sign {
    V1,
    V2,
    V3,
}

/// Builds and signs connect frames with a fresh Ed25519 key.
pub struct TestDevice {
    pub key: SigningKey,
}

impl TestDevice {
    pub fn generate() -> Self {
        Self {
            key: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    pub fn id(&self) -> String {
        device_id_from_raw_public_key(self.key.verifying_key().as_bytes())
    }

    pub fn public_key(&self) -> String {
        encode_base64url(self.key.verifying_key().as_bytes())
    }

    /// A `connect` request from a CLI offering `protocols`, signed with `sign`.
    pub fn connect_frame(
        &self,
        protocols: (u32, u32),
        sign: Sign,
        token: Option<&str>,
        nonce: &str,
        signed_at: u64,
    ) -> Value {
        let scopes = ["operator.admin", "operator.approvals", "operator.pairing"];
        let id = self.id();
        let fields = DevicePayload {
            device_id: &id,
            client_id: "cli",
            client_mode: "cli",
            role: "operator",
            scopes: &scopes,
            signed_at_ms: signed_at,
            token,
        };
        let payload = match sign {
            Sign::V1 => device_payload_v1(&fields),
            Sign::V2 => device_payload_v2(&fields, nonce),
            Sign::V3 => device_payload_v3(&fields, nonce, Some("Linux"), Some(" Linux ")),
        };
        let signature = encode_base64url(&self.key.sign(payload.as_bytes()).to_bytes());
        let mut device = json!({
            "id": id, "publicKey": self.public_key(), "signature": signature, "signedAt": signed_at,
        });
        if !matches!(sign, Sign::V1) {
            device["nonce"] = json!(nonce);
        }
        let mut params = json!({
            "minProtocol": protocols.0, "maxProtocol": protocols.1,
            "client": {"id": "cli", "version": "dev", "platform": "Linux", "deviceFamily": " Linux ",
                       "mode": "cli"},
            "caps": [], "role": "operator", "scopes": scopes, "device": device,
        });
        if let Some(token) = token {
            params["auth"] = json!({"token": token});
        }
        json!({"type": "req", "id": "c1", "method": "connect", "params": params})
    }
}
