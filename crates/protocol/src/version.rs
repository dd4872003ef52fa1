//! Protocol versions, their negotiation, and the per-version limits.

use std::time::Duration;

use serde_json::{Value, json};

use crate::error::ErrorShape;

/// Inbound frame cap on protocol 3 connections (OpenClaw 2026.1.29 `MAX_PAYLOAD_BYTES`).
pub const V3_MAX_PAYLOAD_BYTES: usize = 512 * 1024;
/// Send-buffer cap on protocol 3 connections.
pub const V3_MAX_BUFFERED_BYTES: usize = 1536 * 1024;
/// Inbound frame cap on protocol 4 connections.
pub const V4_MAX_PAYLOAD_BYTES: usize = 25 * 1024 * 1024;
/// Send-buffer cap on protocol 4 connections.
pub const V4_MAX_BUFFERED_BYTES: usize = 50 * 1024 * 1024;
/// The largest frame any negotiated version may send (for transport-level limits).
pub const MAX_FRAME_BYTES_ANY_VERSION: usize = V4_MAX_PAYLOAD_BYTES;
/// Protocol 4 attachment cap advertised in `policy.attachments.maxBytes`.
pub const V4_ATTACHMENT_MAX_BYTES: u64 = 19_464_192;
/// Protocol 4 image attachment cap advertised in `policy.attachments.maxImageBytes`.
pub const V4_ATTACHMENT_MAX_IMAGE_BYTES: u64 = 6_291_456;
/// Cap on frames received before the handshake completed (protocol 4 value, applied
/// to everybody: real connect frames are ~1-2 KiB).
pub const PRE_AUTH_MAX_FRAME_BYTES: usize = 64 * 1024;
/// How long a connection may take to send a valid `connect` before it is closed.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// [`HANDSHAKE_TIMEOUT`] in milliseconds.
pub const HANDSHAKE_TIMEOUT_MS: u64 = 10_000;
/// `tick` event period, advertised as `policy.tickIntervalMs`. Clients close with
/// 4000 "tick timeout" after two missed ticks, so this is load-bearing.
pub const TICK_INTERVAL_MS: u64 = 30_000;

/// WebSocket close code for a protocol mismatch.
pub const CLOSE_PROTOCOL_MISMATCH: u16 = 1002;
/// WebSocket close code for every other handshake/auth failure ("policy violation").
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;
/// WebSocket close code for a normal close (used for unparseable first frames).
pub const CLOSE_NORMAL: u16 = 1000;
/// WebSocket close code for an oversized message.
pub const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;

/// A negotiated protocol version. We serve both, picking the newest the client offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProtocolVersion {
    /// Protocol 3: OpenClaw 2026.1.29 clients. Frames are closed objects.
    V3,
    /// Protocol 4: OpenClaw 2026.9.6 clients.
    V4,
}

impl ProtocolVersion {
    /// The number sent on the wire.
    pub const fn as_u32(self) -> u32 {
        match self {
            Self::V3 => 3,
            Self::V4 => 4,
        }
    }

    /// Inbound frame cap for this version.
    pub const fn max_payload_bytes(self) -> usize {
        match self {
            Self::V3 => V3_MAX_PAYLOAD_BYTES,
            Self::V4 => V4_MAX_PAYLOAD_BYTES,
        }
    }

    /// Send-buffer cap for this version.
    pub const fn max_buffered_bytes(self) -> usize {
        match self {
            Self::V3 => V3_MAX_BUFFERED_BYTES,
            Self::V4 => V4_MAX_BUFFERED_BYTES,
        }
    }

    /// Allowed distance between a device signature's `signedAt` and our clock.
    pub const fn device_signature_skew_ms(self) -> u64 {
        match self {
            Self::V3 => 10 * 60 * 1000,
            Self::V4 => 2 * 60 * 1000,
        }
    }
}

/// The client's offered range contains neither 3 nor 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "protocol mismatch: client offered protocols {client_min}..={client_max}, \
     this gateway speaks 3 and 4; upgrade or downgrade the client"
)]
pub struct ProtocolMismatch {
    /// `params.minProtocol` as sent.
    pub client_min: u64,
    /// `params.maxProtocol` as sent.
    pub client_max: u64,
}

impl ProtocolMismatch {
    /// The error a real gateway would send: v3-shaped (`{expectedProtocol:3}`) when the
    /// client's range lies below 4, since such a client was written against a v3
    /// gateway; v4-shaped otherwise.
    pub fn to_error_shape(&self) -> ErrorShape {
        let details = if self.client_max < 4 {
            json!({"expectedProtocol": 3})
        } else {
            json!({
                "code": "PROTOCOL_MISMATCH",
                "clientMinProtocol": Value::from(self.client_min),
                "clientMaxProtocol": Value::from(self.client_max),
                "expectedProtocol": 4,
                "minimumProbeProtocol": 3,
            })
        };
        ErrorShape::invalid_request("protocol mismatch").with_details(details)
    }
}

/// Picks 4 if `min <= 4 <= max`, else 3 if `min <= 3 <= max`. Unlike either real
/// gateway (3-only / 4-only) we serve both, so neither role nor client mode matters.
pub fn negotiate(client_min: u64, client_max: u64) -> Result<ProtocolVersion, ProtocolMismatch> {
    let offers = |version: u64| client_min <= version && version <= client_max;
    if offers(4) {
        Ok(ProtocolVersion::V4)
    } else if offers(3) {
        Ok(ProtocolVersion::V3)
    } else {
        Err(ProtocolMismatch {
            client_min,
            client_max,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_four_then_three() {
        assert_eq!(negotiate(3, 4), Ok(ProtocolVersion::V4));
        assert_eq!(negotiate(4, 4), Ok(ProtocolVersion::V4));
        assert_eq!(negotiate(1, 9), Ok(ProtocolVersion::V4));
        assert_eq!(negotiate(3, 3), Ok(ProtocolVersion::V3));
        assert_eq!(negotiate(2, 3), Ok(ProtocolVersion::V3));
    }

    #[test]
    fn mismatch_details_follow_the_client_generation() {
        let old = negotiate(1, 2).unwrap_err().to_error_shape();
        assert_eq!(
            old.details.as_deref(),
            Some(&json!({"expectedProtocol": 3}))
        );
        let new = negotiate(5, 6).unwrap_err().to_error_shape();
        assert_eq!(
            new.details.as_deref(),
            Some(&json!({"code": "PROTOCOL_MISMATCH", "clientMinProtocol": 5,
                "clientMaxProtocol": 6, "expectedProtocol": 4, "minimumProbeProtocol": 3}))
        );
        assert_eq!(new.message, "protocol mismatch");
        // An inverted range offers nothing.
        assert!(negotiate(4, 3).is_err());
    }
}
