//! Transcripts: OpenClaw's JSONL session files as rows (spec §3).
//!
//! A transcript has a header (`{type:"session", id, cwd, timestamp, parentSession?}`) and
//! append-only entries. Each entry has an `id` and a `parentId`, forming a tree: normally each
//! entry's parent is the previous one (the *leaf*), but an entry may branch from any earlier
//! entry. The whole JSON line is stored as `body`, so entries round-trip exactly (including kinds
//! this build does not know); `id`, `parentId` and `type` are also columns for queries.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value};

use crate::error::{StoreError, corrupt, sql};
use crate::time::iso_timestamp;

/// The kind of a transcript entry (its `type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A user / assistant / toolResult message (`message` field).
    Message,
    /// Extension-injected message that enters the model context.
    CustomMessage,
    /// Extension state that never enters the context.
    Custom,
    /// A compaction: `summary`, `firstKeptEntryId`, `tokensBefore`.
    Compaction,
    /// Summary of an abandoned branch.
    BranchSummary,
    /// Any other `type` (model changes, labels, future kinds), kept verbatim.
    Other(String),
}

impl EntryKind {
    /// The `type` string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Message => "message",
            Self::CustomMessage => "custom_message",
            Self::Custom => "custom",
            Self::Compaction => "compaction",
            Self::BranchSummary => "branch_summary",
            Self::Other(kind) => kind,
        }
    }

    /// Parses a `type` string.
    pub fn parse(kind: &str) -> Self {
        match kind {
            "message" => Self::Message,
            "custom_message" => Self::CustomMessage,
            "custom" => Self::Custom,
            "compaction" => Self::Compaction,
            "branch_summary" => Self::BranchSummary,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Where a new entry hangs in the tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Parent {
    /// After the most recently appended entry (or as the root of an empty transcript).
    #[default]
    Leaf,
    /// After this entry (starts a branch when it is not the leaf).
    Entry(String),
}

/// An entry to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    /// Its kind.
    pub kind: EntryKind,
    /// Where it attaches.
    pub parent: Parent,
    /// When it happened, ms since the Unix epoch (written as an ISO-8601 `timestamp`).
    pub timestamp_ms: i64,
    /// The kind-specific fields (`message`, `customType`/`data`, `summary`/`firstKeptEntryId`/…).
    pub fields: Map<String, Value>,
}

impl NewEntry {
    /// A `message` entry after the leaf.
    pub fn message(message: Value, timestamp_ms: i64) -> Self {
        let mut fields = Map::new();
        fields.insert("message".to_owned(), message);
        Self {
            kind: EntryKind::Message,
            parent: Parent::Leaf,
            timestamp_ms,
            fields,
        }
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptEntry {
    /// Its position in append order (1-based, per transcript).
    pub seq: i64,
    /// The entry's `id`.
    pub id: String,
    /// The entry's `parentId` (`None` for a root).
    pub parent_id: Option<String>,
    /// Its kind.
    pub kind: EntryKind,
    /// The full JSON line (`type`, `id`, `parentId`, `timestamp` and the kind's fields).
    pub body: Value,
}

/// The transcript header line.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptHeader {
    /// The session id the transcript belongs to.
    pub session_id: String,
    /// The full header object (`{type:"session", id, cwd, timestamp, parentSession?, …}`).
    pub body: Value,
}

/// Builds the header for a new transcript.
pub fn new_header(
    session_id: &str,
    cwd: &str,
    created_ms: i64,
    parent_session: Option<&str>,
) -> Value {
    let mut header = Map::new();
    header.insert("type".to_owned(), Value::from("session"));
    header.insert("id".to_owned(), Value::from(session_id));
    header.insert("cwd".to_owned(), Value::from(cwd));
    header.insert(
        "timestamp".to_owned(),
        Value::from(iso_timestamp(created_ms)),
    );
    if let Some(parent) = parent_session {
        header.insert("parentSession".to_owned(), Value::from(parent));
    }
    Value::Object(header)
}

/// Creates the transcript row if missing; an existing header is left alone.
pub(crate) fn ensure(
    conn: &Connection,
    session_id: &str,
    header: &Value,
    created_ms: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO transcripts (session_id, header, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (session_id) DO NOTHING",
    )
    .and_then(|mut statement| {
        statement.execute(params![session_id, header.to_string(), created_ms])
    })
    .map_err(sql("create transcript"))?;
    Ok(())
}

pub(crate) fn header(
    conn: &Connection,
    session_id: &str,
) -> Result<Option<TranscriptHeader>, StoreError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT header FROM transcripts WHERE session_id = ?1",
            [session_id],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql("read transcript header"))?;
    json.map(|json| {
        let body = serde_json::from_str(&json)
            .map_err(corrupt(format!("transcript header of {session_id}")))?;
        Ok(TranscriptHeader {
            session_id: session_id.to_owned(),
            body,
        })
    })
    .transpose()
}

fn leaf(conn: &Connection, session_id: &str) -> Result<Option<(i64, String)>, StoreError> {
    conn.prepare_cached(
        "SELECT seq, entry_id FROM transcript_entries WHERE session_id = ?1
         ORDER BY seq DESC LIMIT 1",
    )
    .and_then(|mut statement| {
        statement
            .query_row([session_id], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()
    })
    .map_err(sql("find transcript leaf"))
}

fn entry_exists(conn: &Connection, session_id: &str, entry_id: &str) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM transcript_entries WHERE session_id = ?1 AND entry_id = ?2)",
    )
    .and_then(|mut statement| statement.query_row([session_id, entry_id], |row| row.get(0)))
    .map_err(sql("look up transcript entry"))
}

/// Short ids like OpenClaw's (8 hex digits), unique within the transcript. After a few
/// collisions (only plausible in enormous transcripts) a full UUID is used instead.
fn fresh_entry_id(conn: &Connection, session_id: &str) -> Result<String, StoreError> {
    const SHORT_ID_ATTEMPTS: usize = 8;
    for _ in 0..SHORT_ID_ATTEMPTS {
        let mut candidate = uuid::Uuid::new_v4().simple().to_string();
        candidate.truncate(8);
        if !entry_exists(conn, session_id, &candidate)? {
            return Ok(candidate);
        }
    }
    Ok(uuid::Uuid::new_v4().simple().to_string())
}

/// Appends `new` to the transcript of `session_id` (which must exist, see [`ensure`]).
pub(crate) fn append(
    conn: &Connection,
    session_id: &str,
    new: NewEntry,
) -> Result<TranscriptEntry, StoreError> {
    let last = leaf(conn, session_id)?;
    let parent_id = match new.parent {
        Parent::Leaf => last.as_ref().map(|(_, id)| id.clone()),
        Parent::Entry(parent_id) => {
            if !entry_exists(conn, session_id, &parent_id)? {
                return Err(StoreError::UnknownParent {
                    session_id: session_id.to_owned(),
                    parent_id,
                });
            }
            Some(parent_id)
        }
    };
    let id = fresh_entry_id(conn, session_id)?;
    let mut body = Map::new();
    body.insert("type".to_owned(), Value::from(new.kind.as_str()));
    body.insert("id".to_owned(), Value::from(id.as_str()));
    body.insert(
        "parentId".to_owned(),
        parent_id.clone().map_or(Value::Null, Value::from),
    );
    body.insert(
        "timestamp".to_owned(),
        Value::from(iso_timestamp(new.timestamp_ms)),
    );
    for (field, value) in new.fields {
        // The tree fields are ours to assign; a caller cannot forge them.
        if !matches!(field.as_str(), "type" | "id" | "parentId" | "timestamp") {
            body.insert(field, value);
        }
    }
    let seq = last.map_or(1, |(seq, _)| seq + 1);
    let entry = TranscriptEntry {
        seq,
        id,
        parent_id,
        kind: new.kind,
        body: Value::Object(body),
    };
    insert(conn, session_id, &entry)?;
    Ok(entry)
}

/// Inserts a fully formed entry (append and import).
pub(crate) fn insert(
    conn: &Connection,
    session_id: &str,
    entry: &TranscriptEntry,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO transcript_entries (session_id, seq, entry_id, parent_id, kind, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            session_id,
            entry.seq,
            entry.id,
            entry.parent_id,
            entry.kind.as_str(),
            entry.body.to_string(),
        ])
    })
    .map_err(sql("append transcript entry"))?;
    Ok(())
}

fn entry_from_row(
    row: &Row<'_>,
) -> rusqlite::Result<(i64, String, Option<String>, String, String)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn decode(
    session_id: &str,
    (seq, id, parent_id, kind, body): (i64, String, Option<String>, String, String),
) -> Result<TranscriptEntry, StoreError> {
    let body = serde_json::from_str(&body)
        .map_err(corrupt(format!("transcript entry {id} of {session_id}")))?;
    Ok(TranscriptEntry {
        seq,
        id,
        parent_id,
        kind: EntryKind::parse(&kind),
        body,
    })
}

/// The last `limit` entries on the current branch (the path from the leaf back towards the
/// root), oldest first: what a history view shows after branching.
pub(crate) fn latest_on_branch(
    conn: &Connection,
    session_id: &str,
    limit: usize,
) -> Result<Vec<TranscriptEntry>, StoreError> {
    let rows = conn
        .prepare_cached(
            "WITH RECURSIVE branch (seq, entry_id, parent_id, kind, body, depth) AS (
                 SELECT seq, entry_id, parent_id, kind, body, 1 FROM transcript_entries
                 WHERE session_id = ?1
                   AND seq = (SELECT max(seq) FROM transcript_entries WHERE session_id = ?1)
                 UNION ALL
                 SELECT e.seq, e.entry_id, e.parent_id, e.kind, e.body, b.depth + 1
                 FROM branch b JOIN transcript_entries e
                   ON e.session_id = ?1 AND e.entry_id = b.parent_id
                 WHERE b.depth < ?2
             )
             SELECT seq, entry_id, parent_id, kind, body FROM branch ORDER BY depth DESC",
        )
        .and_then(|mut statement| {
            statement
                .query_map(params![session_id, limit as i64], entry_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(sql("read transcript history"))?;
    rows.into_iter()
        .map(|row| decode(session_id, row))
        .collect()
}

/// Every entry in append order (export, tests, compaction).
pub(crate) fn all(conn: &Connection, session_id: &str) -> Result<Vec<TranscriptEntry>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT seq, entry_id, parent_id, kind, body FROM transcript_entries
             WHERE session_id = ?1 ORDER BY seq",
        )
        .and_then(|mut statement| {
            statement
                .query_map([session_id], entry_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(sql("read transcript"))?;
    rows.into_iter()
        .map(|row| decode(session_id, row))
        .collect()
}

/// Removes a transcript and its entries; `false` if there was none.
pub(crate) fn delete(conn: &Connection, session_id: &str) -> Result<bool, StoreError> {
    conn.execute(
        "DELETE FROM transcript_entries WHERE session_id = ?1",
        [session_id],
    )
    .map_err(sql("delete transcript entries"))?;
    let removed = conn
        .execute(
            "DELETE FROM transcripts WHERE session_id = ?1",
            [session_id],
        )
        .map_err(sql("delete transcript"))?;
    Ok(removed > 0)
}
