//! `channels.status`, `channels.pairing.list/approve/dismiss` and `send`: the channel layer as
//! the Gateway protocol exposes it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use openclaw_channels::outbound::Target;
use openclaw_channels::pairing::{ApproveOutcome, DenyOutcome, PairingStore};
use openclaw_channels::status::AccountStatus;
use openclaw_protocol::{ErrorCode, ErrorShape};
use serde_json::{Value, json};

use super::Params;
use crate::state::Shared;

/// Channels this build can run, in display order, with their labels.
const CHANNELS: &[(&str, &str, &str)] = &[("discord", "Discord", "Discord Bot")];

/// Message sent to an approved sender when the approval asks to notify them.
const APPROVED_NOTICE: &str =
    "Your access to this assistant was approved. Send a message any time to start.";

fn now_ms() -> i64 {
    openclaw_store::now_ms()
}

fn account_row(status: &AccountStatus) -> Value {
    json!({
        "accountId": status.account_id,
        "enabled": status.enabled,
        "configured": status.token_source != "none",
        "tokenSource": status.token_source,
        "state": status.state.as_str(),
        "running": status.running,
        "connected": status.connected,
        "bot": status.bot_id.as_ref().map(|id| json!({"id": id, "username": status.bot_name})),
        "lastError": status.last_error,
        "lastConnectedAt": status.last_connected_at,
        "lastEventAt": status.last_event_at,
        "lastInboundAt": status.last_inbound_at,
        "lastOutboundAt": status.last_outbound_at,
        "restarts": status.restarts,
        "reconnectAttempts": status.reconnects,
    })
}

pub async fn status(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["probe", "timeoutMs"])?;
    let probe = params.optional_bool(&map, "probe")?.unwrap_or(false);
    let timeout = params
        .optional_int(&map, "timeoutMs", 0, u64::MAX)?
        .map_or(Duration::from_secs(8), Duration::from_millis)
        .min(Duration::from_secs(60));
    let statuses = shared.channels.statuses();
    let mut order = Vec::new();
    let mut labels = serde_json::Map::new();
    let mut detail_labels = serde_json::Map::new();
    let mut meta = Vec::new();
    let mut channels = serde_json::Map::new();
    let mut accounts = serde_json::Map::new();
    let mut defaults = serde_json::Map::new();
    for &(id, label, detail) in CHANNELS {
        let rows: Vec<&AccountStatus> = statuses.iter().filter(|s| s.channel == id).collect();
        if rows.is_empty() {
            continue;
        }
        order.push(json!(id));
        labels.insert(id.into(), json!(label));
        detail_labels.insert(id.into(), json!(detail));
        meta.push(json!({"id": id, "label": label, "detailLabel": detail}));
        let mut account_rows = Vec::new();
        for status in &rows {
            let mut row = account_row(status);
            if probe {
                row["probe"] = match shared.channels.probe(id, &status.account_id, timeout).await {
                    Ok(probe) => json!({"ok": true, "elapsedMs": probe.elapsed_ms,
                        "bot": {"id": probe.bot_id, "username": probe.bot_name}}),
                    Err(error) => json!({"ok": false, "error": error}),
                };
            }
            account_rows.push(row);
        }
        let default_id = shared
            .channels
            .default_account(id)
            .unwrap_or_else(|| "default".to_owned());
        let summary = rows
            .iter()
            .find(|s| s.account_id == default_id)
            .or(rows.first());
        if let Some(summary) = summary {
            channels.insert(
                id.into(),
                json!({
                    "configured": rows.iter().any(|s| s.token_source != "none"),
                    "running": rows.iter().any(|s| s.running),
                    "connected": rows.iter().any(|s| s.connected),
                    "state": summary.state.as_str(),
                    "lastError": summary.last_error,
                    "accounts": rows.len(),
                }),
            );
        }
        accounts.insert(id.into(), Value::Array(account_rows));
        defaults.insert(id.into(), json!(default_id));
    }
    Ok(json!({
        "ts": now_ms(),
        "channelOrder": order,
        "channelLabels": labels,
        "channelDetailLabels": detail_labels,
        "channelSystemImages": {},
        "channelMeta": meta,
        "channels": channels,
        "channelAccounts": accounts,
        "channelDefaultAccountId": defaults,
    }))
}

fn pairing_store(shared: &Shared) -> PairingStore {
    PairingStore::new(shared.paths.credentials_dir.clone())
}

fn known_channel(params: &Params, channel: &str) -> Result<(), ErrorShape> {
    if CHANNELS.iter().any(|(id, _, _)| *id == channel) {
        return Ok(());
    }
    Err(ErrorShape::new(
        ErrorCode::INVALID_REQUEST,
        format!(
            "invalid {} params: unknown channel {channel:?} (supported: {})",
            params.method(),
            CHANNELS.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
        ),
    ))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, openclaw_channels::pairing::PairingError> + Send + 'static,
) -> Result<T, ErrorShape> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(ErrorShape::new(ErrorCode::UNAVAILABLE, error.to_string())),
        Err(_) => Err(ErrorShape::new(
            ErrorCode::UNAVAILABLE,
            "the pairing store could not be read",
        )),
    }
}

pub async fn pairing_list(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["channel", "accountId"])?;
    let only = params.optional_str(&map, "channel")?.map(str::to_owned);
    if let Some(channel) = &only {
        known_channel(&params, channel)?;
    }
    let store = pairing_store(shared);
    let channels: Vec<String> = match only {
        Some(channel) => vec![channel],
        None => CHANNELS.iter().map(|c| c.0.to_owned()).collect(),
    };
    let requests = blocking(move || {
        let mut rows = Vec::new();
        for channel in channels {
            for request in store.list(&channel)? {
                rows.push(json!({
                    "channel": channel,
                    "accountId": "default",
                    "requestId": request.code,
                    "code": request.code,
                    "senderId": request.id,
                    "createdAt": request.created_at,
                    "lastSeenAt": request.last_seen_at,
                    "metadata": request.meta,
                }));
            }
        }
        Ok(rows)
    })
    .await?;
    Ok(json!({"requests": requests}))
}

pub async fn pairing_approve(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["channel", "requestId", "code", "accountId", "notify"])?;
    let channel = params.required_str(&map, "channel")?.to_owned();
    known_channel(&params, &channel)?;
    let code = match params.optional_str(&map, "requestId")? {
        Some(code) => code.to_owned(),
        None => params.required_str(&map, "code")?.to_owned(),
    };
    let notify = params.optional_bool(&map, "notify")?.unwrap_or(false);
    let store = pairing_store(shared);
    let (channel_for_store, code_for_store) = (channel.clone(), code.clone());
    let outcome = blocking(move || store.approve(&channel_for_store, &code_for_store)).await?;
    let ApproveOutcome::Approved { id, .. } = outcome else {
        return Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            format!(
                "no pending {channel} pairing request with code {code} (it may have expired after 1 hour, or was already approved)"
            ),
        ));
    };
    tracing::info!(target: "gateway", "approved {channel} sender {id}");
    let notification = if notify {
        match notify_sender(shared, &channel, &id).await {
            Ok(()) => "sent",
            Err(error) => {
                tracing::warn!(target: "gateway", "cannot notify the approved {channel} sender {id}: {error}");
                "failed"
            }
        }
    } else {
        "not-requested"
    };
    Ok(json!({
        "requestId": code,
        "senderId": id,
        "notification": notification,
        "commandOwnerBootstrap": "not-requested",
    }))
}

async fn notify_sender(shared: &Shared, channel: &str, sender: &str) -> Result<(), String> {
    let account = shared
        .channels
        .default_account(channel)
        .ok_or_else(|| format!("no {channel} account is configured"))?;
    let sink = shared
        .channels
        .sink(channel, &account)
        .ok_or_else(|| format!("the {channel} account {account} is not running"))?;
    sink.send_text(&Target::User(sender.to_owned()), APPROVED_NOTICE, None)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

pub async fn pairing_dismiss(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&["channel", "requestId", "code", "accountId"])?;
    let channel = params.required_str(&map, "channel")?.to_owned();
    known_channel(&params, &channel)?;
    let code = match params.optional_str(&map, "requestId")? {
        Some(code) => code.to_owned(),
        None => params.required_str(&map, "code")?.to_owned(),
    };
    let store = pairing_store(shared);
    let (channel_for_store, code_for_store) = (channel.clone(), code.clone());
    match blocking(move || store.deny(&channel_for_store, &code_for_store)).await? {
        DenyOutcome::Denied { id } => Ok(json!({"ok": true, "requestId": code, "senderId": id})),
        DenyOutcome::NotFound => Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            format!("no pending {channel} pairing request with code {code}"),
        )),
    }
}

/// `send` answers replayed within this time come from the cache (`send:<idempotencyKey>`).
const SEND_DEDUPE_TTL: Duration = Duration::from_secs(300);
const SEND_DEDUPE_CAP: usize = 1024;

fn sent_cache() -> &'static Mutex<HashMap<String, (Instant, Value)>> {
    static CACHE: OnceLock<Mutex<HashMap<String, (Instant, Value)>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// A `send` target: `user:<id>` (a DM), `channel:<id>`, or a bare id (a channel).
fn parse_target(to: &str) -> Result<Target, String> {
    let to = to.trim();
    let to = to.strip_prefix("discord:").unwrap_or(to);
    let (target, id) = if let Some(id) = to.strip_prefix("user:") {
        (Target::User(id.trim().to_owned()), id)
    } else if let Some(id) = to.strip_prefix("channel:") {
        (Target::Conversation(id.trim().to_owned()), id)
    } else if let Some(id) = to.strip_prefix("<@").and_then(|s| s.strip_suffix('>')) {
        let id = id.trim_start_matches('!');
        (Target::User(id.to_owned()), id)
    } else {
        (Target::Conversation(to.to_owned()), to)
    };
    if id.trim().is_empty() || !id.trim().bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "target {to:?} is not a Discord id; use user:<id> for a DM or channel:<id> for a channel"
        ));
    }
    Ok(target)
}

pub async fn send(shared: &Arc<Shared>, params: Params) -> Result<Value, ErrorShape> {
    let map = params.closed(&[
        "to",
        "message",
        "mediaUrl",
        "gifPlayback",
        "channel",
        "accountId",
        "sessionKey",
        "idempotencyKey",
    ])?;
    let to = params.required_str(&map, "to")?;
    let message = params.required_str(&map, "message")?;
    let key = params.required_str(&map, "idempotencyKey")?;
    if params.optional_str(&map, "mediaUrl")?.is_some() {
        return Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            "send: media attachments are not supported yet; send the text alone",
        ));
    }
    let cache_key = format!("send:{key}");
    {
        let mut cache = sent_cache().lock().unwrap_or_else(PoisonError::into_inner);
        cache.retain(|_, (at, _)| at.elapsed() < SEND_DEDUPE_TTL);
        if let Some((_, cached)) = cache.get(&cache_key) {
            return Ok(cached.clone());
        }
    }
    let configured: Vec<&str> = CHANNELS
        .iter()
        .map(|c| c.0)
        .filter(|id| shared.channels.default_account(id).is_some())
        .collect();
    let channel = match params.optional_str(&map, "channel")? {
        Some(channel) => {
            known_channel(&params, channel)?;
            channel.to_owned()
        }
        None => match configured.as_slice() {
            [only] => (*only).to_owned(),
            [] => {
                return Err(ErrorShape::new(
                    ErrorCode::INVALID_REQUEST,
                    "send: no channel is configured; configure channels.discord (or set DISCORD_BOT_TOKEN) first",
                ));
            }
            _ => {
                return Err(ErrorShape::new(
                    ErrorCode::INVALID_REQUEST,
                    "send: several channels are configured; pass channel",
                ));
            }
        },
    };
    let account = match params.optional_str(&map, "accountId")? {
        Some(account) => account.trim().to_lowercase(),
        None => shared.channels.default_account(&channel).ok_or_else(|| {
            ErrorShape::new(
                ErrorCode::INVALID_REQUEST,
                format!("send: no {channel} account is configured"),
            )
        })?,
    };
    let target = parse_target(to)
        .map_err(|reason| ErrorShape::new(ErrorCode::INVALID_REQUEST, format!("send: {reason}")))?;
    let sink = shared.channels.sink(&channel, &account).ok_or_else(|| {
        ErrorShape::new(
            ErrorCode::UNAVAILABLE,
            format!("send: the {channel} account {account:?} is not connected; check `openclaw channels status`"),
        )
    })?;
    let limits = sink.limits();
    let pieces = openclaw_channels::chunk::chunk_text(
        message,
        &openclaw_channels::chunk::ChunkOptions {
            limit_chars: limits.chars.max(1),
            max_lines: limits.lines,
            mode: openclaw_channels::chunk::ChunkMode::Length,
        },
    );
    let mut first: Option<openclaw_channels::outbound::SentMessage> = None;
    for piece in &pieces {
        let sent = sink
            .send_text(&target, piece, None)
            .await
            .map_err(|error| {
                ErrorShape::new(ErrorCode::UNAVAILABLE, format!("send failed: {error}"))
            })?;
        first.get_or_insert(sent);
    }
    let Some(sent) = first else {
        return Err(ErrorShape::new(
            ErrorCode::INVALID_REQUEST,
            "send: empty message",
        ));
    };
    let result = json!({
        "runId": key,
        "messageId": sent.id,
        "channel": channel,
        "channelId": sent.conversation_id,
        "conversationId": sent.conversation_id,
    });
    let mut cache = sent_cache().lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= SEND_DEDUPE_CAP {
        cache.clear();
    }
    cache.insert(cache_key, (Instant::now(), result.clone()));
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_a_user_or_a_channel() {
        assert_eq!(parse_target("user:42"), Ok(Target::User("42".into())));
        assert_eq!(
            parse_target("channel:7"),
            Ok(Target::Conversation("7".into()))
        );
        assert_eq!(
            parse_target("discord:channel:7"),
            Ok(Target::Conversation("7".into()))
        );
        assert_eq!(parse_target("<@!42>"), Ok(Target::User("42".into())));
        assert_eq!(parse_target("123"), Ok(Target::Conversation("123".into())));
        assert!(parse_target("general").is_err());
        assert!(parse_target("user:").is_err());
    }
}
