//! Session rows: SQL for upsert/get/list/patch/reset/delete. Runs on whatever connection the
//! engine hands in (the writer for changes, a reader for queries).

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::{StoreError, corrupt, sql};
use crate::session_entry::{FIELDS_CLEARED_BY_RESET, SessionEntry, SessionPatch};
use crate::transcript;

/// A session as listed: its key, owning agent and entry.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    /// The session key (`agent:main:main`, …).
    pub key: String,
    /// The agent the session belongs to.
    pub agent_id: String,
    /// OpenClaw's session entry.
    pub entry: SessionEntry,
}

/// Filters of `sessions.list` that are data questions (the gateway adds defaults and rows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionQuery {
    /// Only this agent's sessions.
    pub agent_id: Option<String>,
    /// Only sessions updated in the last N minutes.
    pub active_minutes: Option<u64>,
    /// Only sessions with exactly this label.
    pub label: Option<String>,
    /// Only sessions spawned by this session key.
    pub spawned_by: Option<String>,
    /// At most this many rows (most recently updated first).
    pub limit: Option<usize>,
}

/// What `delete` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteOutcome {
    /// Whether a session row existed and was removed.
    pub deleted: bool,
    /// Whether its transcript was removed too.
    pub transcript_deleted: bool,
}

fn entry_json(entry: &SessionEntry) -> Result<String, StoreError> {
    serde_json::to_string(entry).map_err(corrupt("session entry"))
}

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<(String, String, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn decode((key, agent_id, json): (String, String, String)) -> Result<SessionRecord, StoreError> {
    let entry =
        serde_json::from_str(&json).map_err(corrupt(format!("session entry for '{key}'")))?;
    Ok(SessionRecord {
        key,
        agent_id,
        entry,
    })
}

pub(crate) fn upsert(
    conn: &Connection,
    key: &str,
    agent_id: &str,
    entry: &SessionEntry,
) -> Result<(), StoreError> {
    let json = entry_json(entry)?;
    conn.prepare_cached(
        "INSERT INTO sessions (key, agent_id, session_id, updated_at, label, spawned_by, entry)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (key) DO UPDATE SET agent_id = excluded.agent_id,
             session_id = excluded.session_id, updated_at = excluded.updated_at,
             label = excluded.label, spawned_by = excluded.spawned_by, entry = excluded.entry",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            key,
            agent_id,
            entry.session_id,
            entry.updated_at,
            entry.label,
            entry.spawned_by,
            json,
        ])
    })
    .map_err(sql("save session"))?;
    Ok(())
}

pub(crate) fn get(conn: &Connection, key: &str) -> Result<Option<SessionRecord>, StoreError> {
    conn.prepare_cached("SELECT key, agent_id, entry FROM sessions WHERE key = ?1")
        .and_then(|mut statement| statement.query_row([key], record_from_row).optional())
        .map_err(sql("read session"))?
        .map(decode)
        .transpose()
}

pub(crate) fn require(conn: &Connection, key: &str) -> Result<SessionRecord, StoreError> {
    get(conn, key)?.ok_or_else(|| StoreError::SessionNotFound {
        key: key.to_owned(),
    })
}

pub(crate) fn list(
    conn: &Connection,
    query: &SessionQuery,
    now_ms: i64,
) -> Result<Vec<SessionRecord>, StoreError> {
    let active_since = query
        .active_minutes
        .map(|minutes| now_ms.saturating_sub((minutes as i64).saturating_mul(60_000)));
    // SQLite treats a negative LIMIT as "no limit".
    let limit = query.limit.map_or(-1, |limit| limit as i64);
    let rows = conn
        .prepare_cached(
            "SELECT key, agent_id, entry FROM sessions
             WHERE (?1 IS NULL OR agent_id = ?1)
               AND (?2 IS NULL OR updated_at >= ?2)
               AND (?3 IS NULL OR label = ?3)
               AND (?4 IS NULL OR spawned_by = ?4)
             ORDER BY updated_at DESC, key
             LIMIT ?5",
        )
        .and_then(|mut statement| {
            statement
                .query_map(
                    params![
                        query.agent_id,
                        active_since,
                        query.label,
                        query.spawned_by,
                        limit
                    ],
                    record_from_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(sql("list sessions"))?;
    rows.into_iter().map(decode).collect()
}

pub(crate) fn patch(
    conn: &Connection,
    key: &str,
    patch: &SessionPatch,
    now_ms: i64,
) -> Result<SessionEntry, StoreError> {
    let mut record = require(conn, key)?;
    patch.apply_to(&mut record.entry);
    record.entry.updated_at = now_ms;
    upsert(conn, key, &record.agent_id, &record.entry)?;
    Ok(record.entry)
}

pub(crate) fn reset(
    conn: &Connection,
    key: &str,
    new_session_id: String,
    now_ms: i64,
) -> Result<SessionEntry, StoreError> {
    let mut record = require(conn, key)?;
    record.entry.session_id = new_session_id;
    record.entry.updated_at = now_ms;
    for field in FIELDS_CLEARED_BY_RESET {
        record.entry.extra.remove(*field);
    }
    upsert(conn, key, &record.agent_id, &record.entry)?;
    Ok(record.entry)
}

pub(crate) fn delete(
    conn: &Connection,
    key: &str,
    delete_transcript: bool,
) -> Result<DeleteOutcome, StoreError> {
    let Some(record) = get(conn, key)? else {
        return Ok(DeleteOutcome {
            deleted: false,
            transcript_deleted: false,
        });
    };
    conn.execute("DELETE FROM sessions WHERE key = ?1", [key])
        .map_err(sql("delete session"))?;
    let transcript_deleted = delete_transcript
        && !session_id_in_use(conn, &record.entry.session_id)?
        && transcript::delete(conn, &record.entry.session_id)?;
    Ok(DeleteOutcome {
        deleted: true,
        transcript_deleted,
    })
}

/// Another key may point at the same transcript (aliases); never delete a transcript still in use.
fn session_id_in_use(conn: &Connection, session_id: &str) -> Result<bool, StoreError> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sessions WHERE session_id = ?1)",
        [session_id],
        |row| row.get(0),
    )
    .map_err(sql("check transcript use"))
}
