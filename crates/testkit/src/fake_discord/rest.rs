//! The REST API under `/api/v10`: bot-token check, scriptable 429s, the routes a bot uses
//! (messages, typing, reactions, DM channels, lookups) and a log of every call.

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::model::{ChannelKind, ChannelSpec, snowflake};
use super::{Shared, lock};

/// The call log keeps at most this many calls (the oldest are dropped).
pub const MAX_KEPT_CALLS: usize = 10_000;

/// One REST call the fake answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RestCall {
    pub method: String,
    /// The path after `/api/v10`, e.g. `/channels/1/messages`, percent-encoding kept.
    pub path: String,
    pub query: Option<String>,
    /// The JSON body (`payload_json` of a multipart body), `Null` when there was none.
    pub body: Value,
    pub status: u16,
    pub at: Instant,
}

/// A message the bot created with `POST /channels/{id}/messages`.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    /// The id the fake gave the new message.
    pub id: u64,
    pub channel_id: u64,
    pub content: String,
    pub message_reference: Option<Value>,
    pub allowed_mentions: Option<Value>,
    /// The whole request body.
    pub body: Value,
}

/// An edit of a message (`PATCH /channels/{id}/messages/{mid}`).
#[derive(Debug, Clone, PartialEq)]
pub struct EditedMessage {
    pub channel_id: u64,
    pub message_id: u64,
    pub content: Option<String>,
    pub body: Value,
}

/// A reaction added (`PUT`) or removed (`DELETE`) by the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionRecord {
    pub channel_id: u64,
    pub message_id: u64,
    /// URL-decoded: a unicode emoji, or `name:id` for a custom one.
    pub emoji: String,
    pub added: bool,
}

/// A thread the bot started (`POST /channels/{id}/threads` or
/// `POST /channels/{id}/messages/{mid}/threads`); it is added to the world as a public thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedThread {
    pub id: u64,
    pub parent_id: u64,
    pub name: String,
    /// The message the thread was started from, if any (the thread then has its id).
    pub from_message: Option<u64>,
}

/// Which calls a scripted 429 applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    /// `None` matches any method.
    pub method: Option<String>,
    /// A path after `/api/v10` where `*` matches one segment (`/channels/*/messages`);
    /// `None` matches any path.
    pub path: Option<String>,
}

impl RouteMatch {
    pub fn any() -> Self {
        Self {
            method: None,
            path: None,
        }
    }

    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: Some(method.to_ascii_uppercase()),
            path: Some(path.to_string()),
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self.method.as_deref().is_none_or(|m| m == method);
        let path_ok = self.path.as_deref().is_none_or(|pattern| {
            let want: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
            let got: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            want.len() == got.len() && want.iter().zip(&got).all(|(w, g)| *w == "*" || w == g)
        });
        method_ok && path_ok
    }
}

struct RateLimitRule {
    route: RouteMatch,
    remaining: usize,
    retry_after: f64,
    global: bool,
}

#[derive(Default)]
pub(crate) struct RestState {
    pub calls: VecDeque<RestCall>,
    rules: Vec<RateLimitRule>,
    pub sent: Vec<SentMessage>,
    pub edits: Vec<EditedMessage>,
    pub deletes: Vec<(u64, u64)>,
    pub typing: Vec<u64>,
    pub reactions: Vec<ReactionRecord>,
    pub dm_opens: Vec<u64>,
    pub threads: Vec<CreatedThread>,
    pub downloads: usize,
}

impl RestState {
    pub fn add_rate_limit(
        &mut self,
        route: RouteMatch,
        count: usize,
        retry_after: f64,
        global: bool,
    ) {
        self.rules.push(RateLimitRule {
            route,
            remaining: count,
            retry_after,
            global,
        });
    }

    /// Consumes one scripted 429 matching this call, if any is left.
    fn take_rate_limit(&mut self, method: &str, path: &str) -> Option<(f64, bool)> {
        let rule = self
            .rules
            .iter_mut()
            .find(|r| r.remaining > 0 && r.route.matches(method, path))?;
        rule.remaining -= 1;
        let hit = (rule.retry_after, rule.global);
        self.rules.retain(|r| r.remaining > 0);
        Some(hit)
    }
}

/// An answer before headers: status and JSON body (`None` for 204).
type Answer = (StatusCode, Option<Value>);

fn error(status: StatusCode, code: u64, message: &str) -> Answer {
    (status, Some(json!({"message": message, "code": code})))
}

fn not_found() -> Answer {
    error(StatusCode::NOT_FOUND, 0, "404: Not Found")
}

pub(crate) async fn rest_handler(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri
        .path()
        .strip_prefix("/api/v10")
        .unwrap_or(uri.path())
        .to_string();
    let method_name = method.as_str().to_string();
    let body = parse_body(&headers, &body);
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bot {}", shared.options.token));
    let (answer, limited) = if !authorized {
        (
            error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized"),
            None,
        )
    } else if let Some(hit) = lock(&shared.rest).take_rate_limit(&method_name, &path) {
        let body = json!({
            "message": "You are being rate limited.",
            "retry_after": hit.0,
            "global": hit.1,
        });
        ((StatusCode::TOO_MANY_REQUESTS, Some(body)), Some(hit))
    } else {
        (route(&shared, &method, &path, &body), None)
    };
    {
        let mut rest = lock(&shared.rest);
        if rest.calls.len() >= MAX_KEPT_CALLS {
            rest.calls.pop_front();
        }
        rest.calls.push_back(RestCall {
            method: method_name.clone(),
            path: path.clone(),
            query: uri.query().map(str::to_string),
            body,
            status: answer.0.as_u16(),
            at: Instant::now(),
        });
    }
    respond(answer, limited, &bucket_of(&method_name, &path))
}

/// A JSON body, or the `payload_json` part of a multipart one (twilight sends multipart
/// when a message carries attachments).
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Value {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
    {
        let boundary = boundary.trim_matches('"');
        let text = String::from_utf8_lossy(body);
        return text
            .split(&format!("--{boundary}"))
            .find(|part| part.contains("name=\"payload_json\""))
            .and_then(|part| part.split_once("\r\n\r\n"))
            .and_then(|(_, payload)| serde_json::from_str(payload.trim_end()).ok())
            .unwrap_or(Value::Null);
    }
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// Discord's bucket ids are opaque hashes; one per method and path is close enough here.
fn bucket_of(method: &str, path: &str) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (method, path).hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

fn respond(answer: Answer, limited: Option<(f64, bool)>, bucket: &str) -> Response {
    let (status, body) = answer;
    let mut response = Response::builder().status(status);
    match limited {
        Some((retry_after, true)) => {
            response = response
                .header("retry-after", retry_after.ceil().to_string())
                .header("x-ratelimit-global", "true")
                .header("x-ratelimit-scope", "global");
        }
        Some((retry_after, false)) => {
            response = response
                .header("retry-after", retry_after.ceil().to_string())
                .header("x-ratelimit-scope", "user")
                .header("x-ratelimit-bucket", bucket)
                .header("x-ratelimit-limit", "5")
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset-after", format!("{retry_after:.3}"));
        }
        None => {
            response = response
                .header("x-ratelimit-bucket", bucket)
                .header("x-ratelimit-limit", "5")
                .header("x-ratelimit-remaining", "4")
                .header("x-ratelimit-reset-after", "1.000");
        }
    }
    let built = match body {
        Some(body) => response
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => response.body(Body::empty()),
    };
    built.unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Decodes `%XX` escapes (emoji in reaction routes arrive percent-encoded).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn route(shared: &Shared, method: &Method, path: &str, body: &Value) -> Answer {
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let id = |index: usize| parts.get(index).and_then(|s| s.parse::<u64>().ok());
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["users", "@me"]) => (
            StatusCode::OK,
            Some(lock(&shared.world).current_user_json()),
        ),
        ("GET", ["gateway"]) => (StatusCode::OK, Some(json!({"url": shared.gateway_url()}))),
        ("GET", ["gateway", "bot"]) => (
            StatusCode::OK,
            Some(json!({
                "url": shared.gateway_url(),
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": 1,
                },
            })),
        ),
        ("GET", ["applications", "@me"]) => {
            let world = lock(&shared.world);
            let application = json!({
                "id": world.application_id.to_string(),
                "name": world.bot.username,
                "icon": null,
                "description": "",
                "bot_public": false,
                "bot_require_code_grant": false,
                "verify_key": "0".repeat(64),
                "flags": 0,
                "bot": world.user_json(&world.bot),
            });
            (StatusCode::OK, Some(application))
        }
        ("POST", ["users", "@me", "channels"]) => open_dm(shared, body),
        ("GET", ["channels", _]) => get_channel(shared, id(1)),
        ("GET", ["guilds", _]) => {
            let world = lock(&shared.world);
            match id(1).and_then(|g| world.guilds.get(&g)) {
                Some(guild) => (StatusCode::OK, Some(world.guild_json(guild, false))),
                None => error(StatusCode::NOT_FOUND, 10004, "Unknown Guild"),
            }
        }
        ("POST", ["channels", _, "messages"]) => create_message(shared, id(1), body),
        ("GET", ["channels", _, "messages", _]) => {
            let world = lock(&shared.world);
            match id(3).and_then(|m| world.message(m)) {
                Some(message) => (StatusCode::OK, Some(message.clone())),
                None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            }
        }
        ("PATCH", ["channels", _, "messages", _]) => edit_message(shared, id(1), id(3), body),
        ("DELETE", ["channels", _, "messages", _]) => {
            let (Some(channel_id), Some(message_id)) = (id(1), id(3)) else {
                return not_found();
            };
            let Some(removed) = lock(&shared.world).remove_message(message_id) else {
                return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
            };
            lock(&shared.rest).deletes.push((channel_id, message_id));
            let mut deleted =
                json!({"id": message_id.to_string(), "channel_id": channel_id.to_string()});
            if let (Some(guild_id), Some(object)) =
                (removed.get("guild_id"), deleted.as_object_mut())
            {
                object.insert("guild_id".into(), guild_id.clone());
            }
            echo(shared, "MESSAGE_DELETE", deleted);
            (StatusCode::NO_CONTENT, None)
        }
        ("POST", ["channels", _, "threads"]) => create_thread(shared, id(1), None, body),
        ("POST", ["channels", _, "messages", _, "threads"]) => match id(3) {
            Some(message_id) => create_thread(shared, id(1), Some(message_id), body),
            None => not_found(),
        },
        ("POST", ["channels", _, "typing"]) => {
            let Some(channel_id) = id(1).filter(|c| lock(&shared.world).channels.contains_key(c))
            else {
                return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
            };
            lock(&shared.rest).typing.push(channel_id);
            (StatusCode::NO_CONTENT, None)
        }
        (verb @ ("PUT" | "DELETE"), ["channels", _, "messages", _, "reactions", emoji, "@me"]) => {
            let (Some(channel_id), Some(message_id)) = (id(1), id(3)) else {
                return not_found();
            };
            if lock(&shared.world).message(message_id).is_none() {
                return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
            }
            lock(&shared.rest).reactions.push(ReactionRecord {
                channel_id,
                message_id,
                emoji: (*emoji).to_string(),
                added: verb == "PUT",
            });
            (StatusCode::NO_CONTENT, None)
        }
        ("GET", ["guilds", _, "members", _]) => {
            let world = lock(&shared.world);
            match id(3).and_then(|u| world.users.get(&u)) {
                Some(user) => (
                    StatusCode::OK,
                    Some(json!({
                        "user": world.user_json(user),
                        "roles": [],
                        "joined_at": "2024-01-01T00:00:00.000000+00:00",
                        "deaf": false,
                        "mute": false,
                        "flags": 0,
                        "nick": null,
                        "avatar": null,
                        "premium_since": null,
                        "pending": false,
                        "communication_disabled_until": null,
                    })),
                ),
                None => error(StatusCode::NOT_FOUND, 10007, "Unknown Member"),
            }
        }
        _ => not_found(),
    }
}

fn get_channel(shared: &Shared, channel_id: Option<u64>) -> Answer {
    let world = lock(&shared.world);
    match channel_id.and_then(|c| world.channels.get(&c)) {
        Some(channel) => (StatusCode::OK, Some(world.channel_json(channel))),
        None => error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
    }
}

fn open_dm(shared: &Shared, body: &Value) -> Answer {
    let Some(user_id) = body.get("recipient_id").and_then(snowflake) else {
        return invalid_form(
            "recipient_id",
            "BASE_TYPE_REQUIRED",
            "This field is required",
        );
    };
    let mut world = lock(&shared.world);
    if !world.users.contains_key(&user_id) {
        return error(
            StatusCode::BAD_REQUEST,
            50007,
            "Cannot send messages to this user",
        );
    }
    let channel = world.dm_channel_with(user_id);
    let json = world.channel_json(&channel);
    drop(world);
    lock(&shared.rest).dm_opens.push(user_id);
    (StatusCode::OK, Some(json))
}

fn invalid_form(field: &str, code: &str, message: &str) -> Answer {
    (
        StatusCode::BAD_REQUEST,
        Some(json!({
            "code": 50035,
            "message": "Invalid Form Body",
            "errors": {field: {"_errors": [{"code": code, "message": message}]}},
        })),
    )
}

/// Discord's own content checks, so that chunking bugs show up as the 400s they would cause.
fn check_content(body: &Value) -> Option<Answer> {
    let content = body.get("content").and_then(Value::as_str);
    if content.is_some_and(|c| c.chars().count() > 2000) {
        return Some(invalid_form(
            "content",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 2000 or fewer in length.",
        ));
    }
    None
}

fn create_message(shared: &Shared, channel_id: Option<u64>, body: &Value) -> Answer {
    if let Some(problem) = check_content(body) {
        return problem;
    }
    let content = body
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let has_embeds = body
        .get("embeds")
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty());
    if content.is_empty() && !has_embeds && body.get("attachments").is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            50006,
            "Cannot send an empty message",
        );
    }
    let mut world = lock(&shared.world);
    let Some(channel) = channel_id.and_then(|c| world.channels.get(&c)).cloned() else {
        return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    };
    if channel.kind == ChannelKind::Dm
        && channel
            .recipient_id
            .is_some_and(|r| !world.users.contains_key(&r))
    {
        return error(
            StatusCode::FORBIDDEN,
            50007,
            "Cannot send messages to this user",
        );
    }
    let message = world.bot_message(&channel, body);
    drop(world);
    echo(shared, "MESSAGE_CREATE", message.clone());
    let id = message.get("id").and_then(snowflake).unwrap_or(0);
    lock(&shared.rest).sent.push(SentMessage {
        id,
        channel_id: channel.id,
        content: content.to_string(),
        message_reference: body.get("message_reference").cloned(),
        allowed_mentions: body.get("allowed_mentions").cloned(),
        body: body.clone(),
    });
    (StatusCode::OK, Some(message))
}

fn edit_message(
    shared: &Shared,
    channel_id: Option<u64>,
    message_id: Option<u64>,
    body: &Value,
) -> Answer {
    if let Some(problem) = check_content(body) {
        return problem;
    }
    let (Some(channel_id), Some(message_id)) = (channel_id, message_id) else {
        return not_found();
    };
    let mut world = lock(&shared.world);
    let Some(message) = world.message_mut(message_id) else {
        return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    };
    let content = body.get("content").and_then(Value::as_str);
    if let Some(object) = message.as_object_mut() {
        if let Some(content) = content {
            object.insert("content".into(), json!(content));
        }
        object.insert(
            "edited_timestamp".into(),
            json!(super::model::timestamp_now()),
        );
    }
    let updated = message.clone();
    drop(world);
    echo(shared, "MESSAGE_UPDATE", updated.clone());
    lock(&shared.rest).edits.push(EditedMessage {
        channel_id,
        message_id,
        content: content.map(str::to_string),
        body: body.clone(),
    });
    (StatusCode::OK, Some(updated))
}

/// Serves a hosted attachment like Discord's CDN (no token needed).
pub(crate) async fn attachment_handler(
    State(shared): State<Arc<Shared>>,
    axum::extract::Path((_channel, id, _filename)): axum::extract::Path<(u64, u64, String)>,
) -> Response {
    let file = lock(&shared.world).file(id).cloned();
    let Some((content_type, bytes)) = file else {
        return respond(not_found(), None, "cdn");
    };
    lock(&shared.rest).downloads += 1;
    Response::builder()
        .status(StatusCode::OK)
        .header(
            "content-type",
            content_type.unwrap_or_else(|| "application/octet-stream".into()),
        )
        .body(Body::from(bytes))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// Dispatches an event caused by the bot's own REST call, when the fake echoes them.
fn echo(shared: &Shared, event: &str, data: Value) {
    if shared.options.echo_bot_messages {
        lock(&shared.gateway).dispatch(event, data);
    }
}

fn create_thread(
    shared: &Shared,
    parent_id: Option<u64>,
    from_message: Option<u64>,
    body: &Value,
) -> Answer {
    let Some(name) = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return invalid_form("name", "BASE_TYPE_REQUIRED", "This field is required");
    };
    let mut world = lock(&shared.world);
    let Some(parent) = parent_id
        .and_then(|p| world.channels.get(&p))
        .filter(|c| c.kind == ChannelKind::Text)
        .cloned()
    else {
        return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    };
    if let Some(message_id) = from_message
        && world.message(message_id).is_none()
    {
        return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    }
    // A thread started from a message shares the message's id, as on Discord.
    let id = match from_message {
        Some(message_id) => message_id,
        None => world.next_id(),
    };
    if world.channels.contains_key(&id) {
        return error(
            StatusCode::BAD_REQUEST,
            160004,
            "A thread has already been created for this message",
        );
    }
    if let Err(problem) = world.add_channel(ChannelSpec::thread(id, parent.id, name)) {
        return error(StatusCode::BAD_REQUEST, 0, &problem.to_string());
    }
    let json = world
        .channels
        .get(&id)
        .map(|c| world.channel_json(c))
        .unwrap_or(Value::Null);
    drop(world);
    lock(&shared.rest).threads.push(CreatedThread {
        id,
        parent_id: parent.id,
        name: name.to_string(),
        from_message,
    });
    let mut created = json.clone();
    if let Some(object) = created.as_object_mut() {
        object.insert("newly_created".into(), json!(true));
    }
    echo(shared, "THREAD_CREATE", created);
    (StatusCode::CREATED, Some(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_patterns() {
        let route = RouteMatch::new("post", "/channels/*/messages");
        assert!(route.matches("POST", "/channels/12/messages"));
        assert!(!route.matches("GET", "/channels/12/messages"));
        assert!(!route.matches("POST", "/channels/12/messages/3"));
        assert!(RouteMatch::any().matches("DELETE", "/x"));
    }

    #[test]
    fn decodes_emoji() {
        assert_eq!(percent_decode("%F0%9F%91%80"), "👀");
        assert_eq!(percent_decode("custom%3A123"), "custom:123");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
