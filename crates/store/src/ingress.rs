//! Durable channel ingress. A channel message is recorded here — deduplicated by
//! `(channel, account, message id)` — before anything acts on it, and marked as it moves on:
//!
//! `received` → `replying` (the agent's answer is being delivered) → `done` (answered, dropped
//! by policy, or given up).
//!
//! After a crash, messages still `received` are processed again (nothing was sent for them);
//! messages caught `replying` are not re-run, so a reply is never sent twice — at worst its tail
//! is missing, which the gateway logs. A redelivered message (a gateway RESUME replaying events,
//! a channel's retry) finds its row and is skipped.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{StoreError, sql};

/// Where a recorded message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngressState {
    /// Stored; nothing has been sent for it yet.
    Received,
    /// Its reply is being delivered.
    Replying,
    /// Finished (answered, dropped by policy, or abandoned).
    Done,
}

impl IngressState {
    fn as_str(self) -> &'static str {
        match self {
            IngressState::Received => "received",
            IngressState::Replying => "replying",
            IngressState::Done => "done",
        }
    }

    fn parse(value: &str) -> Self {
        match value {
            "received" => IngressState::Received,
            "replying" => IngressState::Replying,
            _ => IngressState::Done,
        }
    }
}

/// What [`Store::record_ingress`](crate::Store::record_ingress) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngressRecord {
    /// First time this message is seen: process it, then move `id` along.
    New { id: i64 },
    /// Seen before (a redelivery): do not process it again.
    Duplicate { id: i64, state: IngressState },
}

/// A stored message that was not finished (for recovery after a restart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingIngress {
    pub id: i64,
    pub channel: String,
    pub account_id: String,
    pub message_id: String,
    pub received_at: i64,
    pub state: IngressState,
    /// The channel's own serialisation of the message.
    pub payload: String,
}

pub(crate) fn record(
    conn: &Connection,
    channel: &str,
    account_id: &str,
    message_id: &str,
    payload: &str,
    now_ms: i64,
) -> Result<IngressRecord, StoreError> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO ingress (channel, account_id, message_id, received_at, state, updated_at, payload)
             VALUES (?1, ?2, ?3, ?4, 'received', ?4, ?5)
             ON CONFLICT (channel, account_id, message_id) DO NOTHING",
        )
        .and_then(|mut statement| {
            statement.execute(params![channel, account_id, message_id, now_ms, payload])
        })
        .map_err(sql("record an inbound message"))?;
    if inserted == 1 {
        return Ok(IngressRecord::New {
            id: conn.last_insert_rowid(),
        });
    }
    let (id, state): (i64, String) = conn
        .prepare_cached(
            "SELECT id, state FROM ingress WHERE channel = ?1 AND account_id = ?2 AND message_id = ?3",
        )
        .and_then(|mut statement| {
            statement.query_row(params![channel, account_id, message_id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
        })
        .map_err(sql("look up an inbound message"))?;
    Ok(IngressRecord::Duplicate {
        id,
        state: IngressState::parse(&state),
    })
}

pub(crate) fn set_state(
    conn: &Connection,
    id: i64,
    state: IngressState,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE ingress SET state = ?2, updated_at = ?3 WHERE id = ?1")
        .and_then(|mut statement| statement.execute(params![id, state.as_str(), now_ms]))
        .map_err(sql("update an inbound message"))?;
    Ok(())
}

pub(crate) fn pending(conn: &Connection, limit: usize) -> Result<Vec<PendingIngress>, StoreError> {
    let mut statement = conn
        .prepare_cached(
            "SELECT id, channel, account_id, message_id, received_at, state, payload FROM ingress
             WHERE state IN ('received', 'replying') ORDER BY id LIMIT ?1",
        )
        .map_err(sql("list unfinished inbound messages"))?;
    let rows = statement
        .query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
            Ok(PendingIngress {
                id: row.get(0)?,
                channel: row.get(1)?,
                account_id: row.get(2)?,
                message_id: row.get(3)?,
                received_at: row.get(4)?,
                state: IngressState::parse(&row.get::<_, String>(5)?),
                payload: row.get(6)?,
            })
        })
        .map_err(sql("list unfinished inbound messages"))?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(sql("read unfinished inbound messages"))
}

/// Forgets finished messages older than `before_ms` (their ids only matter for deduplicating
/// redeliveries, which come within minutes).
pub(crate) fn prune(conn: &Connection, before_ms: i64) -> Result<usize, StoreError> {
    conn.prepare_cached("DELETE FROM ingress WHERE state = 'done' AND updated_at < ?1")
        .and_then(|mut statement| statement.execute(params![before_ms]))
        .map_err(sql("prune finished inbound messages"))
}

pub(crate) fn state_of(conn: &Connection, id: i64) -> Result<Option<IngressState>, StoreError> {
    conn.prepare_cached("SELECT state FROM ingress WHERE id = ?1")
        .and_then(|mut statement| {
            statement
                .query_row(params![id], |row| row.get::<_, String>(0))
                .optional()
        })
        .map(|state| state.map(|s| IngressState::parse(&s)))
        .map_err(sql("read an inbound message"))
}
