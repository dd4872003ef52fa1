//! `sessions.preview` data: the last few messages of a session as `{role, text}`.

use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;

use crate::error::StoreError;
use crate::sessions;
use crate::transcript::{self, EntryKind, TranscriptEntry};

/// How many entries to scan per wanted message: custom/compaction entries are skipped, so read
/// ahead a little instead of walking the whole branch.
const SCAN_FACTOR: usize = 4;

/// Whether a preview could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PreviewStatus {
    /// Items are present.
    Ok,
    /// The session exists but has no messages yet.
    Empty,
    /// No session has this key.
    Missing,
}

/// One previewed message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewItem {
    /// `user`, `assistant`, `toolResult`, …
    pub role: String,
    /// The message's text parts joined with newlines.
    pub text: String,
}

/// The preview of one session key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionPreview {
    /// The key asked for.
    pub key: String,
    /// Whether items could be produced.
    pub status: PreviewStatus,
    /// Oldest first.
    pub items: Vec<PreviewItem>,
}

pub(crate) fn preview_session(
    conn: &Connection,
    key: &str,
    limit: usize,
) -> Result<SessionPreview, StoreError> {
    let Some(record) = sessions::get(conn, key)? else {
        return Ok(SessionPreview {
            key: key.to_owned(),
            status: PreviewStatus::Missing,
            items: Vec::new(),
        });
    };
    let entries = transcript::latest_on_branch(
        conn,
        &record.entry.session_id,
        limit.saturating_mul(SCAN_FACTOR),
    )?;
    let mut items: Vec<PreviewItem> = entries.iter().filter_map(preview_item).collect();
    let excess = items.len().saturating_sub(limit);
    items.drain(..excess);
    Ok(SessionPreview {
        key: key.to_owned(),
        status: if items.is_empty() {
            PreviewStatus::Empty
        } else {
            PreviewStatus::Ok
        },
        items,
    })
}

/// `{role, text}` of a message entry with some text; `None` for other entries.
pub fn preview_item(entry: &TranscriptEntry) -> Option<PreviewItem> {
    if entry.kind != EntryKind::Message {
        return None;
    }
    let message = entry.body.get("message")?;
    let role = message.get("role")?.as_str()?.to_owned();
    let text = message_text(message.get("content")?);
    (!text.is_empty()).then_some(PreviewItem { role, text })
}

/// Content is either a string or an array of parts; only `text` parts count.
fn message_text(content: &Value) -> String {
    match content {
        Value::String(text) => text.trim().to_owned(),
        Value::Array(parts) => parts
            .iter()
            .filter(|part| part.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}
