//! Ed25519 device identities and the signed connect payloads (protocol spec §1.6).
//!
//! `device.id` is the lowercase hex SHA-256 of the raw 32-byte public key, the public key
//! travels as base64url without padding, and the signature is over a `|`-joined string whose
//! layout depends on the version:
//!
//! - v1: `v1|deviceId|clientId|clientMode|role|scopes|signedAtMs|token` (legacy, no nonce)
//! - v2: `v2|deviceId|clientId|clientMode|role|scopes|signedAtMs|token|nonce`
//! - v3: the v2 fields (prefixed `v3`) plus `|platform|deviceFamily`, both trimmed and
//!   ASCII-lowercased
//!
//! `scopes` are the requested scopes joined by `,` in the order sent; `token` is the
//! `auth.token` actually sent, or empty.

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// Which signed-payload layout to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignatureVersion {
    V1,
    /// What every captured 2026.1.29 client sends.
    #[default]
    V2,
    /// 2026.9.6's preferred layout.
    V3,
}

/// The connect fields a device signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthFields<'a> {
    pub client_id: &'a str,
    pub client_mode: &'a str,
    pub role: &'a str,
    pub scopes: &'a [String],
    pub signed_at_ms: u64,
    /// `auth.token` as sent, `""` when none.
    pub token: &'a str,
    /// The `connect.challenge` nonce (unused by v1).
    pub nonce: &'a str,
    /// `client.platform` (v3 only).
    pub platform: &'a str,
    /// `client.deviceFamily` (v3 only), `""` when absent.
    pub device_family: &'a str,
}

/// The exact string a client signs.
pub fn signature_payload(
    version: SignatureVersion,
    device_id: &str,
    fields: &DeviceAuthFields<'_>,
) -> String {
    let scopes = fields.scopes.join(",");
    let common = format!(
        "{device_id}|{}|{}|{}|{scopes}|{}|{}",
        fields.client_id, fields.client_mode, fields.role, fields.signed_at_ms, fields.token
    );
    match version {
        SignatureVersion::V1 => format!("v1|{common}"),
        SignatureVersion::V2 => format!("v2|{common}|{}", fields.nonce),
        SignatureVersion::V3 => format!(
            "v3|{common}|{}|{}|{}",
            fields.nonce,
            normalize_v3_field(fields.platform),
            normalize_v3_field(fields.device_family)
        ),
    }
}

fn normalize_v3_field(value: &str) -> String {
    value.trim().to_ascii_lowercase()
}

/// An Ed25519 device identity, like the one the real CLI keeps in `identity/device.json`.
#[derive(Debug, Clone)]
pub struct DeviceKey {
    signing: SigningKey,
}

impl DeviceKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        DeviceKey {
            signing: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// A deterministic key, for reproducible tests.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        DeviceKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }

    pub fn public_key_raw(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// `device.publicKey`: base64url, no padding.
    pub fn public_key_b64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.public_key_raw())
    }

    /// `device.id`: lowercase hex SHA-256 of the raw public key.
    pub fn device_id(&self) -> String {
        device_id_for(&self.public_key_raw())
    }

    /// Signs an arbitrary payload; base64url without padding.
    pub fn sign_payload(&self, payload: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.signing.sign(payload.as_bytes()).to_bytes())
    }

    pub fn sign(&self, version: SignatureVersion, fields: &DeviceAuthFields<'_>) -> String {
        self.sign_payload(&signature_payload(version, &self.device_id(), fields))
    }

    pub fn sign_v1(&self, fields: &DeviceAuthFields<'_>) -> String {
        self.sign(SignatureVersion::V1, fields)
    }

    pub fn sign_v2(&self, fields: &DeviceAuthFields<'_>) -> String {
        self.sign(SignatureVersion::V2, fields)
    }

    pub fn sign_v3(&self, fields: &DeviceAuthFields<'_>) -> String {
        self.sign(SignatureVersion::V3, fields)
    }
}

/// `device.id` for a raw 32-byte public key.
pub fn device_id_for(public_key: &[u8]) -> String {
    hex::encode(Sha256::digest(public_key))
}

/// Decodes base64url (padded or not) or standard base64, as the server accepts all three.
fn decode_base64_any(text: &str) -> anyhow::Result<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|_| STANDARD.decode(text))
        .with_context(|| format!("{text:?} is neither base64url nor base64"))
}

/// Verifies a device signature the way a server does: `public_key` and `signature` as
/// sent in `device.publicKey` / `device.signature`.
pub fn verify_device_signature(
    public_key: &str,
    payload: &str,
    signature: &str,
) -> anyhow::Result<()> {
    let key_bytes: [u8; 32] =
        decode_base64_any(public_key)?
            .try_into()
            .map_err(|bytes: Vec<u8>| {
                anyhow::anyhow!("public key is {} bytes, expected 32", bytes.len())
            })?;
    let key =
        VerifyingKey::from_bytes(&key_bytes).context("public key is not a valid Ed25519 point")?;
    let sig_bytes: [u8; 64] =
        decode_base64_any(signature)?
            .try_into()
            .map_err(|bytes: Vec<u8>| {
                anyhow::anyhow!("signature is {} bytes, expected 64", bytes.len())
            })?;
    let signature = Signature::from_bytes(&sig_bytes);
    if key.verify(payload.as_bytes(), &signature).is_err() {
        bail!("signature does not verify over payload {payload:?}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes() -> Vec<String> {
        ["operator.admin", "operator.approvals", "operator.pairing"]
            .map(String::from)
            .to_vec()
    }

    fn fields(scopes: &[String]) -> DeviceAuthFields<'_> {
        DeviceAuthFields {
            client_id: "cli",
            client_mode: "cli",
            role: "operator",
            scopes,
            signed_at_ms: 1_795_534_394_563,
            token: "tok",
            nonce: "n-1",
            platform: "  Linux ",
            device_family: "Linux",
        }
    }

    #[test]
    fn payload_layouts_match_the_spec() {
        let scopes = scopes();
        let f = fields(&scopes);
        let s = "operator.admin,operator.approvals,operator.pairing";
        assert_eq!(
            signature_payload(SignatureVersion::V1, "dev", &f),
            format!("v1|dev|cli|cli|operator|{s}|1795534394563|tok")
        );
        assert_eq!(
            signature_payload(SignatureVersion::V2, "dev", &f),
            format!("v2|dev|cli|cli|operator|{s}|1795534394563|tok|n-1")
        );
        assert_eq!(
            signature_payload(SignatureVersion::V3, "dev", &f),
            format!("v3|dev|cli|cli|operator|{s}|1795534394563|tok|n-1|linux|linux")
        );
    }

    #[test]
    fn ids_and_signatures_round_trip() {
        let key = DeviceKey::from_seed([7; 32]);
        assert_eq!(key.device_id(), device_id_for(&key.public_key_raw()));
        assert_eq!(key.device_id().len(), 64);
        assert_eq!(key.public_key_b64url().len(), 43);
        let scopes = scopes();
        let f = fields(&scopes);
        let sig = key.sign_v3(&f);
        let payload = signature_payload(SignatureVersion::V3, &key.device_id(), &f);
        verify_device_signature(&key.public_key_b64url(), &payload, &sig).unwrap();
        let v2_payload = signature_payload(SignatureVersion::V2, &key.device_id(), &f);
        assert!(verify_device_signature(&key.public_key_b64url(), &v2_payload, &sig).is_err());
        let other = DeviceKey::generate();
        assert!(verify_device_signature(&other.public_key_b64url(), &payload, &sig).is_err());
        assert_ne!(other.device_id(), key.device_id());
    }
}
