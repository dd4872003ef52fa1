//! Method dispatch: parse the frame, authorize (before lookup, as OpenClaw does), validate
//! params, run the handler. Handlers are plain async functions returning a payload or an
//! `ErrorShape`.

pub mod agent;
pub mod channels;
pub mod chat;
pub mod config_methods;
pub mod health;
pub mod hello;
pub mod info;
mod params;
pub mod sessions;
mod v4_shapes;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use openclaw_protocol as proto;
use proto::{AcceptedConnection, ErrorCode, ErrorShape, ProtocolVersion, ResponseFrame};
use serde_json::{Value, json};

use crate::state::Shared;
use crate::ws::ClientAddr;

pub use params::Params;

/// Methods this build really implements; `features.methods` advertises exactly these.
/// `sessions.resolve` also answers but, as in OpenClaw, is not advertised.
pub const METHODS: &[&str] = &[
    "health",
    "status",
    "logs.tail",
    "channels.status",
    "channels.pairing.list",
    "channels.pairing.approve",
    "channels.pairing.dismiss",
    "send",
    "config.get",
    "config.set",
    "config.apply",
    "config.patch",
    "config.schema",
    "agents.list",
    "sessions.list",
    "sessions.preview",
    "sessions.patch",
    "sessions.reset",
    "sessions.delete",
    "sessions.compact",
    "system-presence",
    "models.list",
    "agent",
    "agent.identity.get",
    "agent.wait",
    "chat.history",
    "chat.abort",
    "chat.send",
];

/// Events this build emits.
pub const EVENTS: &[&str] = &[
    "connect.challenge",
    "agent",
    "chat",
    "presence",
    "tick",
    "shutdown",
    "health",
];

/// What the handshake established about a connection.
pub struct ConnInfo {
    pub conn_id: String,
    pub accepted: AcceptedConnection,
    pub client: ClientAddr,
}

impl ConnInfo {
    pub fn new(conn_id: String, accepted: AcceptedConnection, client: ClientAddr) -> Self {
        Self {
            conn_id,
            accepted,
            client,
        }
    }

    pub fn version(&self) -> ProtocolVersion {
        self.accepted.version
    }

    /// UI and node clients show up in `system-presence`; CLI connections do not (OpenClaw).
    pub fn presence_key(&self) -> Option<(String, Value)> {
        let client = &self.accepted.client;
        if client.mode == "cli" || client.mode == "probe" {
            return None;
        }
        let key = self
            .accepted
            .device
            .as_ref()
            .map(|d| d.device_id.clone())
            .or_else(|| client.instance_id.clone())
            .unwrap_or_else(|| self.conn_id.clone());
        let entry = json!({
            "host": client.display_name.clone().unwrap_or_else(|| client.id.clone()),
            "ip": self.client.ip.to_string(),
            "version": client.version,
            "platform": client.platform,
            "deviceFamily": client.device_family,
            "mode": client.mode,
            "reason": "connect",
            "text": format!("{} · {} · mode {}", client.id, client.platform, client.mode),
            "ts": crate::state::now_ms(),
            "deviceId": self.accepted.device.as_ref().map(|d| d.device_id.clone()),
            "roles": [self.accepted.role.as_str()],
            "scopes": self.accepted.scopes,
            "instanceId": client.instance_id,
        });
        Some((key, strip_nulls(entry)))
    }

    /// Broadcast scope guards (OpenClaw v3): pairing/approval events need those scopes.
    pub fn may_receive(&self, event: &str) -> bool {
        let has = |scope: &str| {
            self.accepted
                .scopes
                .iter()
                .any(|s| s == scope || s == proto::scopes::ADMIN)
        };
        if event.starts_with("exec.approval.") {
            return has(proto::scopes::APPROVALS);
        }
        if event.starts_with("device.pair.") || event.starts_with("node.pair.") {
            return has(proto::scopes::PAIRING);
        }
        true
    }
}

fn strip_nulls(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.retain(|_, v| !v.is_null());
    }
    value
}

/// A method's answer: now, or (for long-running methods) an optional first response now and
/// the final one later, under the same request id. The connection keeps serving other
/// requests while the later part runs.
pub enum Reply {
    Now(Value),
    Later {
        first: Option<Value>,
        rest: BoxFuture<'static, Result<Value, ErrorShape>>,
    },
}

/// What the connection sends for one request frame.
pub struct Handled {
    pub now: Option<ResponseFrame>,
    pub later: Option<BoxFuture<'static, ResponseFrame>>,
}

impl Handled {
    fn now(frame: ResponseFrame) -> Self {
        Self {
            now: Some(frame),
            later: None,
        }
    }
}

/// Handles one post-handshake text frame and produces its response(s).
pub async fn handle_frame(shared: &Arc<Shared>, conn: &ConnInfo, text: &str) -> Handled {
    let (id, method, params) = match proto::parse_client_frame(text) {
        Ok(proto::ClientFrame::Request { id, method, params }) => (id, method, params),
        Err(err) => {
            return Handled::now(ResponseFrame::err(
                err.echo_id(),
                ErrorShape::new(ErrorCode::INVALID_REQUEST, err.to_string()),
            ));
        }
    };
    if let Err(err) = proto::authorize_method(
        conn.version(),
        conn.accepted.role,
        &conn.accepted.scopes,
        &method,
    ) {
        return Handled::now(ResponseFrame::err(id, err));
    }
    match dispatch(shared, conn, &method, Params::new(&method, params)).await {
        Ok(Reply::Now(payload)) => Handled::now(ResponseFrame::ok(id, payload)),
        Ok(Reply::Later { first, rest }) => {
            let later_id = id.clone();
            Handled {
                now: first.map(|payload| ResponseFrame::ok(id, payload)),
                later: Some(Box::pin(async move {
                    match rest.await {
                        Ok(payload) => ResponseFrame::ok(later_id, payload),
                        Err(err) => ResponseFrame::err(later_id, err),
                    }
                })),
            }
        }
        Err(err) => Handled::now(ResponseFrame::err(id, err)),
    }
}

async fn dispatch(
    shared: &Arc<Shared>,
    conn: &ConnInfo,
    method: &str,
    params: Params,
) -> Result<Reply, ErrorShape> {
    match method {
        "agent" => agent::agent(shared, params).await,
        "agent.wait" => agent::wait(shared, params),
        other => dispatch_now(shared, conn, other, params)
            .await
            .map(Reply::Now),
    }
}

async fn dispatch_now(
    shared: &Arc<Shared>,
    conn: &ConnInfo,
    method: &str,
    params: Params,
) -> Result<Value, ErrorShape> {
    match method {
        "agent.identity.get" => agent::identity(shared, params),
        "models.list" => agent::models_list(shared, params, conn.version()),
        "chat.send" => chat::send(shared, params).await,
        "chat.history" => chat::history(shared, params, conn.version()).await,
        "chat.abort" => chat::abort(shared, params).await,
        "health" => health::health(shared, params).await,
        "status" => health::status(shared, params).await,
        "logs.tail" => info::logs_tail(shared, params).await,
        "channels.status" => channels::status(shared, params).await,
        "channels.pairing.list" => channels::pairing_list(shared, params).await,
        "channels.pairing.approve" => channels::pairing_approve(shared, params).await,
        "channels.pairing.dismiss" => channels::pairing_dismiss(shared, params).await,
        "send" => channels::send(shared, params).await,
        "system-presence" => info::system_presence(shared, params),
        "agents.list" => info::agents_list(shared, params).map(|result| match conn.version() {
            ProtocolVersion::V4 => {
                v4_shapes::agents_list(shared, shared.snapshot.load().config(), result)
            }
            ProtocolVersion::V3 => result,
        }),
        "sessions.list" => sessions::list(shared, params).await,
        "sessions.preview" => sessions::preview(shared, params).await,
        "sessions.patch" => sessions::patch(shared, params).await,
        "sessions.reset" => sessions::reset(shared, params).await,
        "sessions.delete" => sessions::delete(shared, params).await,
        "sessions.compact" => sessions::compact(shared, params).await,
        "sessions.resolve" => sessions::resolve(shared, params).await,
        "config.get" => config_methods::get(shared, conn, params),
        "config.schema" => config_methods::schema(params),
        "config.set" => config_methods::set(shared, params).await,
        "config.patch" => config_methods::patch_or_apply(shared, params, "config.patch").await,
        "config.apply" => config_methods::patch_or_apply(shared, params, "config.apply").await,
        "connect" => Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            "invalid request: connect was already completed on this connection",
        )),
        other => Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            format!("unknown method: {other}"),
        )),
    }
}
