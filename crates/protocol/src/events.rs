//! Server events the protocol itself defines: `connect.challenge`, `tick`,
//! `shutdown`, and the protocol 3 event name list.

use serde_json::{Map, Value};

use crate::frames::EventFrame;
use crate::version::ProtocolVersion;

/// `features.events` advertised by 2026.1.29 gateways, in their order.
pub const V3_EVENTS: &[&str] = &[
    "connect.challenge",
    "agent",
    "chat",
    "presence",
    "tick",
    "talk.mode",
    "shutdown",
    "health",
    "heartbeat",
    "cron",
    "node.pair.requested",
    "node.pair.resolved",
    "node.invoke.request",
    "device.pair.requested",
    "device.pair.resolved",
    "voicewake.changed",
    "exec.approval.requested",
    "exec.approval.resolved",
];

/// Challenge capabilities we advertise to protocol 4 clients. 2026.9.6 advertises
/// `model-catalog-snapshot`, which promises `models.snapshot` events after connect;
/// we do not send those, so we promise nothing.
pub const V4_CHALLENGE_CAPABILITIES: &[&str] = &[];

/// The `connect.challenge` payload. The challenge goes out before the client says
/// which version it speaks, so `None` yields the union shape `{nonce, ts,
/// capabilities}`: protocol 3 clients only read `nonce` (extra keys inside a payload
/// are harmless), protocol 4 clients get the key they expect.
pub fn connect_challenge_payload(version: Option<ProtocolVersion>, nonce: &str, ts: u64) -> Value {
    let mut payload = Map::new();
    payload.insert("nonce".into(), Value::from(nonce));
    payload.insert("ts".into(), Value::from(ts));
    if version != Some(ProtocolVersion::V3) {
        let capabilities = V4_CHALLENGE_CAPABILITIES
            .iter()
            .map(|capability| Value::from(*capability))
            .collect();
        payload.insert("capabilities".into(), Value::Array(capabilities));
    }
    Value::Object(payload)
}

/// The serialized `connect.challenge` event to send right after the socket opens
/// (no `seq`, as captured).
pub fn challenge_event(nonce: &str, ts: u64) -> String {
    EventFrame::new(
        "connect.challenge",
        connect_challenge_payload(None, nonce, ts),
    )
    .to_json()
}

/// `tick {ts}`; the caller sets `seq`.
pub fn tick_event(ts: u64) -> EventFrame {
    let mut payload = Map::new();
    payload.insert("ts".into(), Value::from(ts));
    EventFrame::new("tick", Value::Object(payload))
}

/// `shutdown {reason, restartExpectedMs?}`, sent before closing every socket with
/// 1012 "service restart". An empty reason is replaced (the schema needs one).
pub fn shutdown_event(reason: &str, restart_expected_ms: Option<u64>) -> EventFrame {
    let mut payload = Map::new();
    let reason = if reason.is_empty() {
        "gateway stopping"
    } else {
        reason
    };
    payload.insert("reason".into(), Value::from(reason));
    if let Some(delay) = restart_expected_ms {
        payload.insert("restartExpectedMs".into(), Value::from(delay));
    }
    EventFrame::new("shutdown", Value::Object(payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_shapes() {
        assert_eq!(
            challenge_event("n-1", 7),
            r#"{"type":"event","event":"connect.challenge","payload":{"nonce":"n-1","ts":7,"capabilities":[]}}"#
        );
        assert_eq!(
            connect_challenge_payload(Some(ProtocolVersion::V3), "n", 1).to_string(),
            r#"{"nonce":"n","ts":1}"#
        );
    }

    #[test]
    fn tick_and_shutdown() {
        assert_eq!(
            tick_event(5).with_seq(9).to_json(),
            r#"{"type":"event","event":"tick","payload":{"ts":5},"seq":9}"#
        );
        assert_eq!(
            shutdown_event("gateway restarting", Some(1500)).to_json(),
            r#"{"type":"event","event":"shutdown","payload":{"reason":"gateway restarting","restartExpectedMs":1500}}"#
        );
    }
}
