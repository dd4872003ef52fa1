//! Device identity: the signed payload formats, key/id encodings, and verification
//! with OpenClaw's check order and messages.
//!
//! A device is an Ed25519 key pair; its id is the lowercase hex SHA-256 of the raw
//! 32-byte public key, so a client cannot claim another device's id. The client signs
//! a `|`-joined string binding the device, the client, the role, the requested scopes,
//! its clock, the token it sends and (v2/v3) the connection's challenge nonce.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::connect_params::DeviceIdentity;
use crate::error::ErrorShape;
use crate::version::ProtocolVersion;

/// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw key follows it.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The fields every payload version signs.
#[derive(Debug, Clone, Copy)]
pub struct DevicePayload<'a> {
    /// `device.id`.
    pub device_id: &'a str,
    /// `client.id`.
    pub client_id: &'a str,
    /// `client.mode`.
    pub client_mode: &'a str,
    /// The role as sent (`"operator"` when the client omitted it).
    pub role: &'a str,
    /// The scopes exactly as requested, in order (not the effective ones).
    pub scopes: &'a [&'a str],
    /// `device.signedAt`.
    pub signed_at_ms: u64,
    /// `auth.token` as sent; absent signs as an empty field.
    pub token: Option<&'a str>,
}

impl DevicePayload<'_> {
    fn common_fields(&self, tag: &str) -> String {
        [
            tag,
            self.device_id,
            self.client_id,
            self.client_mode,
            self.role,
            &self.scopes.join(","),
            &self.signed_at_ms.to_string(),
            self.token.unwrap_or(""),
        ]
        .join("|")
    }
}

/// Legacy payload without nonce: `v1|id|client|mode|role|scopes|signedAt|token`.
pub fn device_payload_v1(payload: &DevicePayload<'_>) -> String {
    payload.common_fields("v1")
}

/// What 2026.1.29 clients sign: the v1 fields with tag `v2`, plus `|nonce`.
pub fn device_payload_v2(payload: &DevicePayload<'_>, nonce: &str) -> String {
    format!("{}|{nonce}", payload.common_fields("v2"))
}

/// 2026.9.6's preferred payload: v2 fields with tag `v3`, plus `|platform|deviceFamily`,
/// both trimmed and ASCII-lowercased (`""` when absent).
pub fn device_payload_v3(
    payload: &DevicePayload<'_>,
    nonce: &str,
    platform: Option<&str>,
    device_family: Option<&str>,
) -> String {
    let normalize = |value: Option<&str>| value.unwrap_or("").trim().to_ascii_lowercase();
    format!(
        "{}|{nonce}|{}|{}",
        payload.common_fields("v3"),
        normalize(platform),
        normalize(device_family)
    )
}

/// Decodes base64url, tolerating padding and the standard alphabet as well.
pub fn decode_base64url_lenient(text: &str) -> Option<Vec<u8>> {
    let normalized: String = text
        .trim()
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    STANDARD_NO_PAD.decode(normalized).ok()
}

/// Encodes bytes as unpadded base64url, the encoding of keys and signatures.
pub fn encode_base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes `device.publicKey` (base64url raw key, or PEM SPKI) to key bytes. An SPKI
/// for Ed25519 yields the raw 32 bytes; any other SPKI is returned whole (its id will
/// then simply not match).
pub fn public_key_bytes(public_key: &str) -> Option<Vec<u8>> {
    if public_key.contains("-----BEGIN") {
        let body: String = public_key
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
            .collect();
        let der = decode_base64url_lenient(&body)?;
        return Some(match der.strip_prefix(&ED25519_SPKI_PREFIX) {
            Some(raw) if raw.len() == 32 => raw.to_vec(),
            _ => der,
        });
    }
    decode_base64url_lenient(public_key)
}

/// Lowercase hex SHA-256 of raw key bytes.
pub fn device_id_from_raw_public_key(raw: &[u8]) -> String {
    hex::encode(Sha256::digest(raw))
}

/// The device id a `device.publicKey` string stands for, if it decodes.
pub fn device_id_from_public_key(public_key: &str) -> Option<String> {
    public_key_bytes(public_key).map(|raw| device_id_from_raw_public_key(&raw))
}

/// Which payload format a verified signature used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevicePayloadVersion {
    /// Legacy, no nonce (local clients on protocol 3 only).
    V1,
    /// Nonce-bound (2026.1.29 clients).
    V2,
    /// Nonce- and platform-bound (2026.9.6).
    V3,
}

/// A device whose signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedDevice {
    /// The verified device id.
    pub device_id: String,
    /// The raw public key as unpadded base64url (normalized from PEM if needed).
    pub public_key: String,
    /// The client's signing time.
    pub signed_at_ms: u64,
    /// The payload format that verified.
    pub payload_version: DevicePayloadVersion,
}

/// Why a device identity was refused. `Display` is OpenClaw's exact message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeviceAuthError {
    /// `device.id` is not the SHA-256 of `device.publicKey` (or the key is unreadable).
    #[error("device identity mismatch")]
    IdMismatch,
    /// `signedAt` is too far from our clock.
    #[error("device signature expired")]
    SignatureExpired,
    /// A nonce is required (remote client, or protocol 4) but absent.
    #[error("device nonce required")]
    NonceRequired,
    /// The nonce is not this connection's challenge nonce.
    #[error("device nonce mismatch")]
    NonceMismatch,
    /// No accepted payload format verifies.
    #[error("device signature invalid")]
    SignatureInvalid,
    /// The public key cannot be normalized.
    #[error("device public key invalid")]
    PublicKeyInvalid,
}

impl DeviceAuthError {
    /// Protocol 4 `details.code`.
    pub const fn detail_code(self) -> &'static str {
        match self {
            Self::IdMismatch => "DEVICE_AUTH_DEVICE_ID_MISMATCH",
            Self::SignatureExpired => "DEVICE_AUTH_SIGNATURE_EXPIRED",
            Self::NonceRequired => "DEVICE_AUTH_NONCE_REQUIRED",
            Self::NonceMismatch => "DEVICE_AUTH_NONCE_MISMATCH",
            Self::SignatureInvalid => "DEVICE_AUTH_SIGNATURE_INVALID",
            Self::PublicKeyInvalid => "DEVICE_AUTH_PUBLIC_KEY_INVALID",
        }
    }

    /// Protocol 4 `details.reason`.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::IdMismatch => "device-id-mismatch",
            Self::SignatureExpired => "device-signature-stale",
            Self::NonceRequired => "device-nonce-missing",
            Self::NonceMismatch => "device-nonce-mismatch",
            Self::SignatureInvalid => "device-signature",
            Self::PublicKeyInvalid => "device-public-key",
        }
    }

    /// `INVALID_REQUEST` with the message; protocol 4 adds `{code, reason}` details.
    pub fn to_error_shape(self, version: ProtocolVersion) -> ErrorShape {
        let shape = ErrorShape::invalid_request(self.to_string());
        match version {
            ProtocolVersion::V3 => shape,
            ProtocolVersion::V4 => shape.with_details(json!({
                "code": self.detail_code(),
                "reason": self.reason(),
            })),
        }
    }
}

/// Everything a device signature is checked against.
#[derive(Debug, Clone, Copy)]
pub struct DeviceCheck<'a> {
    /// The negotiated version (decides clock skew and whether a nonce is mandatory).
    pub version: ProtocolVersion,
    /// `params.device`.
    pub device: &'a DeviceIdentity,
    /// `client.id`.
    pub client_id: &'a str,
    /// `client.mode`.
    pub client_mode: &'a str,
    /// `client.platform` (bound by v3 payloads).
    pub platform: &'a str,
    /// `client.deviceFamily` (bound by v3 payloads).
    pub device_family: Option<&'a str>,
    /// The role as sent.
    pub role: &'a str,
    /// Requested scopes exactly as sent.
    pub requested_scopes: &'a [&'a str],
    /// `auth.token` as sent.
    pub token: Option<&'a str>,
    /// This connection's `connect.challenge` nonce.
    pub challenge_nonce: &'a str,
    /// Our clock, ms since the epoch.
    pub now_ms: u64,
    /// Loopback client without untrusted proxy headers (may use legacy v1 on v3).
    pub is_local_client: bool,
}

/// Verifies a device identity in OpenClaw's order: id, clock skew, nonce presence,
/// nonce value, signature (v3 or v2 with a nonce; v1 without, local v3 only), key.
pub fn verify_device(check: &DeviceCheck<'_>) -> Result<VerifiedDevice, DeviceAuthError> {
    let device = check.device;
    let key_bytes = public_key_bytes(&device.public_key).ok_or(DeviceAuthError::IdMismatch)?;
    if device_id_from_raw_public_key(&key_bytes) != device.id {
        return Err(DeviceAuthError::IdMismatch);
    }
    if check.now_ms.abs_diff(device.signed_at) > check.version.device_signature_skew_ms() {
        return Err(DeviceAuthError::SignatureExpired);
    }
    let nonce = device.nonce.as_deref().map(str::trim).unwrap_or("");
    let nonce_required = !check.is_local_client || check.version == ProtocolVersion::V4;
    if nonce_required && nonce.is_empty() {
        return Err(DeviceAuthError::NonceRequired);
    }
    if !nonce.is_empty() && nonce != check.challenge_nonce {
        return Err(DeviceAuthError::NonceMismatch);
    }
    let verifying_key = <[u8; 32]>::try_from(key_bytes.as_slice())
        .ok()
        .and_then(|raw| VerifyingKey::from_bytes(&raw).ok())
        .ok_or(DeviceAuthError::SignatureInvalid)?;
    let signature = decode_base64url_lenient(&device.signature)
        .and_then(|raw| Signature::from_slice(&raw).ok())
        .ok_or(DeviceAuthError::SignatureInvalid)?;
    let fields = DevicePayload {
        device_id: &device.id,
        client_id: check.client_id,
        client_mode: check.client_mode,
        role: check.role,
        scopes: check.requested_scopes,
        signed_at_ms: device.signed_at,
        token: check.token,
    };
    let verifies = |payload: String| {
        verifying_key
            .verify_strict(payload.as_bytes(), &signature)
            .is_ok()
    };
    let payload_version = if nonce.is_empty() {
        verifies(device_payload_v1(&fields)).then_some(DevicePayloadVersion::V1)
    } else if verifies(device_payload_v3(
        &fields,
        nonce,
        Some(check.platform),
        check.device_family,
    )) {
        Some(DevicePayloadVersion::V3)
    } else {
        verifies(device_payload_v2(&fields, nonce)).then_some(DevicePayloadVersion::V2)
    }
    .ok_or(DeviceAuthError::SignatureInvalid)?;
    Ok(VerifiedDevice {
        device_id: device.id.clone(),
        public_key: encode_base64url(verifying_key.as_bytes()),
        signed_at_ms: device.signed_at,
        payload_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_base64_accepts_all_spellings() {
        let bytes = [0xfb_u8, 0xff, 0xbf, 0x01];
        for spelled in ["-_-_AQ", "+/+/AQ", "-_-_AQ==", "+/+/AQ=="] {
            assert_eq!(
                decode_base64url_lenient(spelled).as_deref(),
                Some(&bytes[..])
            );
        }
        assert_eq!(decode_base64url_lenient("not base64!"), None);
    }

    #[test]
    fn payload_formats() {
        let scopes = ["operator.admin", "operator.pairing"];
        let fields = DevicePayload {
            device_id: "abc",
            client_id: "cli",
            client_mode: "cli",
            role: "operator",
            scopes: &scopes,
            signed_at_ms: 42,
            token: None,
        };
        assert_eq!(
            device_payload_v1(&fields),
            "v1|abc|cli|cli|operator|operator.admin,operator.pairing|42|"
        );
        assert_eq!(
            device_payload_v2(&fields, "n"),
            "v2|abc|cli|cli|operator|operator.admin,operator.pairing|42||n"
        );
        assert_eq!(
            device_payload_v3(&fields, "n", Some(" Linux x86_64 "), None),
            "v3|abc|cli|cli|operator|operator.admin,operator.pairing|42||n|linux x86_64|"
        );
    }
}
