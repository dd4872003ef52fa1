//! `sessions.compact`'s data operation: trim a transcript to its last `max_entries` entries.
//!
//! Like the Node gateway (which keeps the last `maxLines` lines, default 400, backs the old file
//! up and clears the session's token counters), trimmed entries are not destroyed: they move to
//! `transcript_archive`. Differences: the header is metadata here and always kept, so the limit
//! counts entries only; the first kept entry's `parentId` is left as written (it names an
//! archived entry, exactly as in a trimmed Node file), and branch-aware history stops there.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::{StoreError, sql};
use crate::sessions;

/// The Node gateway's default `maxLines`.
pub const DEFAULT_COMPACT_MAX_ENTRIES: usize = 400;

/// Token counters that describe the untrimmed context and are cleared by compaction.
const TOKEN_FIELDS: &[&str] = &["inputTokens", "outputTokens", "totalTokens"];

/// What `compact` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompactOutcome {
    /// Whether entries were trimmed.
    pub compacted: bool,
    /// Entries left in the transcript.
    pub kept: usize,
    /// Entries moved to the archive.
    pub archived: usize,
    /// Why nothing was done (`"no transcript"`), when that is the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

pub(crate) fn compact(
    conn: &Connection,
    key: &str,
    max_entries: usize,
    now_ms: i64,
) -> Result<CompactOutcome, StoreError> {
    let mut record = sessions::require(conn, key)?;
    let session_id = record.entry.session_id.clone();
    let count: i64 = conn
        .query_row(
            "SELECT count(*) FROM transcript_entries WHERE session_id = ?1",
            [&session_id],
            |row| row.get(0),
        )
        .map_err(sql("count transcript entries"))?;
    let count = count.max(0) as usize;
    if count == 0 {
        return Ok(CompactOutcome {
            compacted: false,
            kept: 0,
            archived: 0,
            reason: Some("no transcript"),
        });
    }
    let max_entries = max_entries.max(1);
    if count <= max_entries {
        return Ok(CompactOutcome {
            compacted: false,
            kept: count,
            archived: 0,
            reason: None,
        });
    }
    // Entries with seq <= cutoff go to the archive.
    let cutoff: i64 = conn
        .query_row(
            "SELECT seq FROM transcript_entries WHERE session_id = ?1
             ORDER BY seq DESC LIMIT 1 OFFSET ?2",
            params![session_id, max_entries as i64],
            |row| row.get(0),
        )
        .map_err(sql("find compaction cutoff"))?;
    let archived = conn
        .execute(
            "INSERT INTO transcript_archive
                 (session_id, seq, entry_id, parent_id, kind, body, archived_at)
             SELECT session_id, seq, entry_id, parent_id, kind, body, ?3
             FROM transcript_entries WHERE session_id = ?1 AND seq <= ?2
             ON CONFLICT (session_id, seq) DO NOTHING",
            params![session_id, cutoff, now_ms],
        )
        .map_err(sql("archive transcript entries"))?;
    conn.execute(
        "DELETE FROM transcript_entries WHERE session_id = ?1 AND seq <= ?2",
        params![session_id, cutoff],
    )
    .map_err(sql("trim transcript"))?;
    for field in TOKEN_FIELDS {
        record.entry.extra.remove(*field);
    }
    record.entry.updated_at = now_ms;
    sessions::upsert(conn, key, &record.agent_id, &record.entry)?;
    Ok(CompactOutcome {
        compacted: true,
        kept: max_entries,
        archived,
        reason: None,
    })
}
