//! The gateway WebSocket: HELLO, heartbeats and ACKs, IDENTIFY → READY, RESUME with replay,
//! sessions with per-session sequence numbers, and the test's levers (op 7, op 9, drops,
//! close codes, silenced ACKs).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{Shared, lock};

/// Dispatches kept per session for replay on RESUME; older ones are forgotten.
const MAX_REPLAY: usize = 10_000;

/// An IDENTIFY the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentifyRecord {
    /// As sent (twilight sends `Bot <token>`).
    pub token: String,
    pub intents: u64,
    pub properties: Value,
    pub shard: Option<Value>,
    /// Whether the token was accepted (a rejected one is closed with 4004).
    pub accepted: bool,
    /// The whole `d` payload.
    pub payload: Value,
}

/// A RESUME the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeRecord {
    pub session_id: String,
    pub seq: Option<u64>,
    /// `false` when answered with op 9 (unknown or invalidated session, resumes disabled).
    pub accepted: bool,
    /// How many missed dispatches were replayed before RESUMED.
    pub replayed: usize,
}

/// What the fake tells one live connection to do.
#[derive(Debug)]
pub(crate) enum ConnCommand {
    Text(String),
    /// Sends a close frame with this code and reason, then ends the connection.
    Close(u16, String),
    /// Ends the TCP connection without a close frame.
    Drop,
}

struct Session {
    seq: u64,
    /// The intents of the IDENTIFY that opened the session.
    intents: u64,
    log: VecDeque<(u64, String)>,
    conn: Option<u64>,
    valid: bool,
}

struct Conn {
    tx: mpsc::UnboundedSender<ConnCommand>,
    session: Option<String>,
}

/// One WebSocket connection as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    /// The query string the client connected with (twilight: `v=10&encoding=json`).
    pub query: Option<String>,
    pub opened_at: Instant,
    /// The close code the client sent, if it closed with a frame.
    pub client_close: Option<u16>,
    /// Whether the connection has ended.
    pub closed: bool,
}

pub(crate) struct GatewayState {
    sessions: HashMap<String, Session>,
    current: Option<String>,
    pending: Vec<(String, Value)>,
    conns: HashMap<u64, Conn>,
    pub connections: Vec<ConnectionRecord>,
    pub identifies: Vec<IdentifyRecord>,
    pub resumes: Vec<ResumeRecord>,
    pub heartbeats: u64,
    pub ack_heartbeats: bool,
    pub resume_allowed: bool,
    pub enforce_intents: bool,
}

impl GatewayState {
    pub fn new() -> Self {
        Self {
            sessions: HashMap::new(),
            current: None,
            pending: Vec::new(),
            conns: HashMap::new(),
            connections: Vec::new(),
            identifies: Vec::new(),
            resumes: Vec::new(),
            heartbeats: 0,
            ack_heartbeats: true,
            resume_allowed: true,
            enforce_intents: true,
        }
    }

    /// Sends a dispatch to the current session (logged for replay, sent if a connection is
    /// attached) and returns its sequence number. Without a valid session it waits in a
    /// queue flushed after the next READY; an event the session's intents exclude is not
    /// sent at all. Both return `None`.
    pub fn dispatch(&mut self, event: &str, mut data: Value) -> Option<u64> {
        let Some(session) = self
            .current
            .as_ref()
            .and_then(|id| self.sessions.get_mut(id))
            .filter(|s| s.valid)
        else {
            self.pending.push((event.to_string(), data));
            return None;
        };
        if self.enforce_intents && !apply_intents(event, &mut data, session.intents) {
            return None;
        }
        session.seq += 1;
        let seq = session.seq;
        let frame = json!({"op": 0, "t": event, "s": seq, "d": data}).to_string();
        if let Some(conn) = session.conn.and_then(|c| self.conns.get(&c)) {
            let _ = conn.tx.send(ConnCommand::Text(frame.clone()));
        }
        session.log.push_back((seq, frame));
        if session.log.len() > MAX_REPLAY {
            session.log.pop_front();
        }
        Some(seq)
    }

    /// Sends a command to every live connection; returns how many there were.
    pub fn broadcast(&self, command: impl Fn() -> ConnCommand) -> usize {
        for conn in self.conns.values() {
            let _ = conn.tx.send(command());
        }
        self.conns.len()
    }

    /// Marks every session invalid: a RESUME is then answered with op 9 `false`.
    pub fn invalidate_sessions(&mut self) {
        for session in self.sessions.values_mut() {
            session.valid = false;
        }
    }

    pub fn live_connections(&self) -> usize {
        self.conns.len()
    }

    pub fn current_session(&self) -> Option<(String, u64)> {
        let id = self.current.as_ref()?;
        let session = self.sessions.get(id).filter(|s| s.valid)?;
        Some((id.clone(), session.seq))
    }

    fn start_session(&mut self, conn_id: u64, intents: u64) -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.sessions.insert(
            id.clone(),
            Session {
                seq: 0,
                intents,
                log: VecDeque::new(),
                conn: Some(conn_id),
                valid: true,
            },
        );
        self.current = Some(id.clone());
        if let Some(conn) = self.conns.get_mut(&conn_id) {
            conn.session = Some(id.clone());
        }
        id
    }

    fn flush_pending(&mut self) {
        for (event, data) in std::mem::take(&mut self.pending) {
            self.dispatch(&event, data);
        }
    }

    /// Handles a RESUME: replays what the session missed after `seq`, then RESUMED.
    fn resume(&mut self, conn_id: u64, session_id: &str, seq: Option<u64>) -> Option<usize> {
        let resumable = self.resume_allowed
            && self
                .sessions
                .get(session_id)
                .is_some_and(|session| session.valid);
        if !resumable {
            return None;
        }
        let conn = self.conns.get_mut(&conn_id)?;
        conn.session = Some(session_id.to_string());
        let tx = conn.tx.clone();
        let session = self.sessions.get_mut(session_id)?;
        session.conn = Some(conn_id);
        let missed: Vec<&String> = session
            .log
            .iter()
            .filter(|(s, _)| seq.is_none_or(|seq| *s > seq))
            .map(|(_, frame)| frame)
            .collect();
        for frame in &missed {
            let _ = tx.send(ConnCommand::Text((*frame).clone()));
        }
        let replayed = missed.len();
        // Resuming an older session makes it the one later dispatches go to.
        self.current = Some(session_id.to_string());
        self.dispatch("RESUMED", Value::Null);
        Some(replayed)
    }
}

pub(crate) async fn ws_handler(
    ws: WebSocketUpgrade,
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
) -> Response {
    ws.on_upgrade(move |socket| serve(socket, shared, query))
}

/// How a client frame was handled.
enum Step {
    Continue,
    Reply(String),
    Close(u16, &'static str),
}

async fn serve(mut socket: WebSocket, shared: Arc<Shared>, query: Option<String>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = {
        let mut gateway = lock(&shared.gateway);
        let conn_id = gateway.connections.len() as u64;
        gateway.connections.push(ConnectionRecord {
            query,
            opened_at: Instant::now(),
            client_close: None,
            closed: false,
        });
        gateway.conns.insert(conn_id, Conn { tx, session: None });
        conn_id
    };
    let hello = json!({
        "op": 10,
        "d": {"heartbeat_interval": shared.options.heartbeat_interval.as_millis()},
        "s": null,
        "t": null,
    });
    if socket.send(Message::text(hello.to_string())).await.is_ok() {
        run(&mut socket, &mut rx, &shared, conn_id).await;
    }
    let mut gateway = lock(&shared.gateway);
    if let Some(conn) = gateway.conns.remove(&conn_id)
        && let Some(session_id) = conn.session
        && let Some(session) = gateway.sessions.get_mut(&session_id)
        && session.conn == Some(conn_id)
    {
        session.conn = None;
    }
    if let Some(record) = gateway.connections.get_mut(conn_id as usize) {
        record.closed = true;
    }
}

async fn run(
    socket: &mut WebSocket,
    rx: &mut mpsc::UnboundedReceiver<ConnCommand>,
    shared: &Shared,
    conn_id: u64,
) {
    loop {
        tokio::select! {
            command = rx.recv() => match command {
                Some(ConnCommand::Text(text)) => {
                    if socket.send(Message::text(text)).await.is_err() {
                        return;
                    }
                }
                Some(ConnCommand::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = socket.send(Message::Close(Some(frame))).await;
                    return;
                }
                Some(ConnCommand::Drop) | None => return,
            },
            message = socket.recv() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text.as_str().to_string(),
                    Some(Ok(Message::Close(frame))) => {
                        let mut gateway = lock(&shared.gateway);
                        if let Some(record) = gateway.connections.get_mut(conn_id as usize) {
                            record.client_close = frame.map(|f| f.code);
                        }
                        // Keep reading so the close handshake completes; the next read ends it.
                        continue;
                    }
                    Some(Ok(Message::Binary(_))) => {
                        // Discord's JSON encoding never uses binary frames from the client.
                        close(socket, 4002, "Error while decoding payload.").await;
                        return;
                    }
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return,
                };
                match handle_frame(&text, shared, conn_id) {
                    Step::Continue => {}
                    Step::Reply(reply) => {
                        if socket.send(Message::text(reply)).await.is_err() {
                            return;
                        }
                    }
                    Step::Close(code, reason) => {
                        close(socket, code, reason).await;
                        return;
                    }
                }
            }
        }
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

fn handle_frame(text: &str, shared: &Shared, conn_id: u64) -> Step {
    let Ok(payload) = serde_json::from_str::<Value>(text) else {
        return Step::Close(4002, "Error while decoding payload.");
    };
    let data = payload.get("d").cloned().unwrap_or(Value::Null);
    match payload.get("op").and_then(Value::as_u64) {
        Some(1) => {
            let mut gateway = lock(&shared.gateway);
            gateway.heartbeats += 1;
            if gateway.ack_heartbeats {
                Step::Reply(json!({"op": 11, "d": null, "s": null, "t": null}).to_string())
            } else {
                Step::Continue
            }
        }
        Some(2) => identify(&data, shared, conn_id),
        Some(6) => resume(&data, shared, conn_id),
        // Presence, voice state, request members, soundboard: accepted and ignored.
        Some(3 | 4 | 8 | 31) => {
            if lock(&shared.gateway)
                .conns
                .get(&conn_id)
                .is_some_and(|c| c.session.is_some())
            {
                Step::Continue
            } else {
                Step::Close(4003, "Not authenticated.")
            }
        }
        _ => Step::Close(4001, "Unknown opcode."),
    }
}

fn token_ok(shared: &Shared, token: &str) -> bool {
    let expected = &shared.options.token;
    token == expected || token.strip_prefix("Bot ") == Some(expected.as_str())
}

fn identify(data: &Value, shared: &Shared, conn_id: u64) -> Step {
    let token = data
        .get("token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let accepted = token_ok(shared, token);
    let record = IdentifyRecord {
        token: token.to_string(),
        intents: data.get("intents").and_then(Value::as_u64).unwrap_or(0),
        properties: data.get("properties").cloned().unwrap_or(Value::Null),
        shard: data.get("shard").cloned(),
        accepted,
        payload: data.clone(),
    };
    if !accepted {
        lock(&shared.gateway).identifies.push(record);
        return Step::Close(4004, "Authentication failed.");
    }
    let shard = data.get("shard").cloned().unwrap_or_else(|| json!([0, 1]));
    // The world lock is taken and released before the gateway lock, never both at once.
    let (user, guilds, application_id) = {
        let world = lock(&shared.world);
        let guilds: Vec<Value> = if shared.options.send_guild_create {
            world
                .guilds
                .values()
                .map(|g| world.guild_json(g, true))
                .collect()
        } else {
            Vec::new()
        };
        let stubs: Vec<Value> = world
            .guilds
            .keys()
            .map(|id| json!({"id": id.to_string(), "unavailable": true}))
            .collect();
        (
            world.current_user_json(),
            (stubs, guilds),
            world.application_id,
        )
    };
    let mut gateway = lock(&shared.gateway);
    if gateway
        .conns
        .get(&conn_id)
        .is_some_and(|c| c.session.is_some())
    {
        return Step::Close(4005, "Already authenticated.");
    }
    let record_intents = record.intents;
    gateway.identifies.push(record);
    let session_id = gateway.start_session(conn_id, record_intents);
    let ready = json!({
        "v": 10,
        "user": user,
        "guilds": guilds.0,
        "session_id": session_id,
        "resume_gateway_url": shared.gateway_url(),
        "shard": shard,
        "application": {"id": application_id.to_string(), "flags": 0},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
    });
    gateway.dispatch("READY", ready);
    for guild in guilds.1 {
        gateway.dispatch("GUILD_CREATE", guild);
    }
    gateway.flush_pending();
    Step::Continue
}

fn resume(data: &Value, shared: &Shared, conn_id: u64) -> Step {
    let token = data
        .get("token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !token_ok(shared, token) {
        return Step::Close(4004, "Authentication failed.");
    }
    let session_id = data
        .get("session_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let seq = data.get("seq").and_then(Value::as_u64);
    let mut gateway = lock(&shared.gateway);
    let outcome = gateway.resume(conn_id, &session_id, seq);
    gateway.resumes.push(ResumeRecord {
        session_id,
        seq,
        accepted: outcome.is_some(),
        replayed: outcome.unwrap_or(0),
    });
    match outcome {
        Some(_) => Step::Continue,
        None => Step::Reply(json!({"op": 9, "d": false, "s": null, "t": null}).to_string()),
    }
}

const GUILD_MESSAGES: u64 = 1 << 9;
const DIRECT_MESSAGES: u64 = 1 << 12;
const MESSAGE_CONTENT: u64 = 1 << 15;

/// Applies Discord's intent rules to a message event: guild messages need GUILD_MESSAGES,
/// DMs need DIRECT_MESSAGES, and without the privileged MESSAGE_CONTENT a guild message
/// arrives with its content, embeds and attachments emptied unless it mentions the bot or
/// the bot wrote it. Returns whether the event is sent at all.
fn apply_intents(event: &str, data: &mut Value, intents: u64) -> bool {
    if !matches!(
        event,
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE"
    ) {
        return true;
    }
    let in_guild = data.get("guild_id").is_some_and(|g| !g.is_null());
    let needed = if in_guild {
        GUILD_MESSAGES
    } else {
        DIRECT_MESSAGES
    };
    if intents & needed == 0 {
        return false;
    }
    let bot = super::BOT_ID.to_string();
    let by_bot = data.pointer("/author/id").and_then(Value::as_str) == Some(bot.as_str());
    let mentions_bot = data
        .get("mentions")
        .and_then(Value::as_array)
        .is_some_and(|m| {
            m.iter()
                .any(|u| u.get("id").and_then(Value::as_str) == Some(&bot))
        });
    if in_guild
        && intents & MESSAGE_CONTENT == 0
        && !by_bot
        && !mentions_bot
        && let Some(object) = data.as_object_mut()
    {
        for (field, empty) in [
            ("content", json!("")),
            ("embeds", json!([])),
            ("attachments", json!([])),
            ("components", json!([])),
        ] {
            if object.contains_key(field) {
                object.insert(field.into(), empty);
            }
        }
    }
    true
}
