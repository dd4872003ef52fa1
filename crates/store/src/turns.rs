//! The writes of an agent turn, each done as ONE operation on the writer thread: starting a
//! turn (session created, renewed or kept; transcript ensured; user message appended) and
//! committing a step (entries appended, usage recorded, session entry updated). Fewer round
//! trips to the writer and fewer statements than the single-purpose calls, with the same rows.

use rusqlite::Connection;
use serde_json::Value;

use crate::error::StoreError;
use crate::keys::{DEFAULT_AGENT_ID, agent_id_of_key};
use crate::session_entry::SessionEntry;
use crate::sessions;
use crate::transcript::{self, NewEntry, TranscriptEntry};
use crate::usage::{self, UsageRecord};

/// What [`crate::Store::begin_turn`] decided and wrote.
#[derive(Debug, Clone)]
pub struct TurnStart {
    /// The session entry the turn runs in (after a reset, the renewed one).
    pub entry: SessionEntry,
    /// The entry did not exist before.
    pub created: bool,
    /// A new `sessionId` was given (by `reset` returning true).
    pub renewed: bool,
    /// The appended user message.
    pub user_entry: TranscriptEntry,
}

/// Whether to renew an existing session (stale by policy, or `/new`).
pub type ResetDecision = Box<dyn FnOnce(&SessionEntry) -> bool + Send>;

/// A change to the session entry, applied on the writer thread.
pub type SessionUpdate = Box<dyn FnOnce(&mut SessionEntry) + Send>;

pub(crate) fn begin(
    conn: &Connection,
    key: &str,
    reset: ResetDecision,
    header_cwd: &str,
    user_message: NewEntry,
    now_ms: i64,
) -> Result<TurnStart, StoreError> {
    let (entry, created, renewed) = match sessions::get(conn, key)? {
        None => {
            let entry = SessionEntry::new(now_ms);
            sessions::upsert(conn, key, &agent_id_of_key(key, DEFAULT_AGENT_ID), &entry)?;
            (entry, true, false)
        }
        Some(record) if reset(&record.entry) => {
            let new_id = uuid::Uuid::new_v4().to_string();
            (sessions::reset(conn, key, new_id, now_ms)?, false, true)
        }
        Some(record) => (record.entry, false, false),
    };
    let header: Value = transcript::new_header(&entry.session_id, header_cwd, now_ms, None);
    transcript::ensure(conn, &entry.session_id, &header, now_ms)?;
    let user_entry = transcript::append(conn, &entry.session_id, user_message)?;
    Ok(TurnStart {
        entry,
        created,
        renewed,
        user_entry,
    })
}

pub(crate) fn commit_step(
    conn: &Connection,
    key: &str,
    session_id: &str,
    entries: Vec<NewEntry>,
    usage_record: Option<UsageRecord>,
    update: Option<SessionUpdate>,
) -> Result<Vec<TranscriptEntry>, StoreError> {
    let mut appended = Vec::with_capacity(entries.len());
    for entry in entries {
        appended.push(transcript::append(conn, session_id, entry)?);
    }
    if let Some(record) = usage_record {
        let agent_id = agent_id_of_key(&record.session_key, DEFAULT_AGENT_ID);
        usage::record(conn, &agent_id, &record)?;
    }
    if let Some(update) = update {
        let mut record = sessions::require(conn, key)?;
        update(&mut record.entry);
        sessions::upsert(conn, key, &record.agent_id, &record.entry)?;
    }
    Ok(appended)
}
