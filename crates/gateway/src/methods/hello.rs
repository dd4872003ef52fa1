//! The `hello-ok` answer to `connect`, shaped per negotiated version by `openclaw_protocol`.

use std::sync::Arc;

use openclaw_protocol as proto;
use serde_json::json;

use super::{ConnInfo, EVENTS, METHODS};
use crate::state::{Shared, Snapshot};

pub fn build_hello(shared: &Arc<Shared>, snapshot: &Snapshot, conn: &ConnInfo) -> String {
    let version = conn.version();
    let config = snapshot.config();
    let default_agent = config.default_agent_id();
    let (presence_version, health_version) = shared.state_version();
    let state_snapshot = proto::Snapshot {
        presence: shared.presence.list(),
        health: super::health::health_payload(shared, snapshot),
        state_version: proto::StateVersion {
            presence: presence_version,
            health: health_version,
        },
        uptime_ms: shared.uptime_ms(),
        config_path: Some(snapshot.loaded.path.display().to_string()),
        state_dir: Some(shared.paths.state_dir.display().to_string()),
        session_defaults: Some(json!({
            "defaultAgentId": default_agent,
            "mainKey": "main",
            "mainSessionKey": format!("agent:{default_agent}:main"),
            "scope": config.session_scope().as_str(),
        })),
    };
    let inputs = proto::HelloInputs {
        server_version: shared.version.to_string(),
        host: Some(shared.host_name.clone()),
        conn_id: conn.conn_id.clone(),
        methods: METHODS,
        events: EVENTS,
        snapshot: state_snapshot,
        policy: proto::Policy::for_version(version),
        accepted: &conn.accepted,
    };
    proto::ResponseFrame::ok(
        conn.accepted.request_id.clone(),
        proto::hello_ok(version, &inputs),
    )
    .to_json()
}
