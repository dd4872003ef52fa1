//! One-time import of a Node OpenClaw state directory.
//!
//! Node OpenClaw keeps, per agent, `agents/<agentId>/sessions/sessions.json` (session key →
//! entry) and one JSONL transcript per session id (`<sessionId>.jsonl`, or the entry's
//! `sessionFile`). On first open, if that layout exists, everything is copied into SQLite in a
//! single transaction together with a marker row, so the import happens exactly once and a crash
//! mid-import leaves nothing half-done. The original files are only read, never changed, so the
//! Node gateway can still be started on the same directory.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{StoreError, sql};
use crate::keys::normalize_agent_id;
use crate::session_entry::SessionEntry;
use crate::sessions;
use crate::transcript::{self, EntryKind, TranscriptEntry};

/// The `meta` row recording that the import ran.
const IMPORT_MARKER: &str = "node_import";

/// What the import found and copied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// When it ran, ms since the Unix epoch.
    pub imported_at: i64,
    /// Agents whose `sessions.json` was read.
    pub agents: Vec<String>,
    /// Session entries imported.
    pub sessions: usize,
    /// Entries skipped because they had no `sessionId` (they would be recreated on use anyway).
    pub skipped_sessions: usize,
    /// Transcript files imported.
    pub transcripts: usize,
    /// Transcript entries imported.
    pub entries: usize,
    /// Lines that were not JSON objects (typically a torn last line after a crash).
    pub skipped_lines: usize,
}

/// Imports `state_dir`'s Node layout unless it was imported before. Returns the report of an
/// import done now; `None` if there was nothing to import or it already happened.
pub(crate) fn import_once(
    conn: &mut Connection,
    state_dir: &Path,
    now_ms: i64,
) -> Result<Option<ImportReport>, StoreError> {
    let done: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [IMPORT_MARKER],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql("read import marker"))?;
    if done.is_some() {
        return Ok(None);
    }
    let stores = find_session_stores(state_dir);
    if stores.is_empty() {
        return Ok(None);
    }
    let tx = conn.transaction().map_err(sql("begin Node import"))?;
    let mut report = ImportReport {
        imported_at: now_ms,
        ..ImportReport::default()
    };
    for (agent_id, sessions_json) in stores {
        import_agent(&tx, &agent_id, &sessions_json, &mut report)?;
        report.agents.push(agent_id);
    }
    let marker = serde_json::to_string(&report).map_err(|error| StoreError::Import {
        path: state_dir.to_owned(),
        reason: format!("cannot record the import: {error}"),
    })?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)",
        [IMPORT_MARKER, marker.as_str()],
    )
    .map_err(sql("record Node import"))?;
    tx.commit().map_err(sql("commit Node import"))?;
    tracing::info!(
        target: "store",
        sessions = report.sessions,
        transcripts = report.transcripts,
        entries = report.entries,
        "imported Node OpenClaw sessions from {}",
        state_dir.display()
    );
    Ok(Some(report))
}

/// `(agentId, path of sessions.json)` for every agent directory that has one, sorted.
fn find_session_stores(state_dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(agents) = fs::read_dir(state_dir.join("agents")) else {
        return Vec::new();
    };
    let mut stores: Vec<(String, PathBuf)> = agents
        .filter_map(Result::ok)
        .filter_map(|dir| {
            let sessions_json = dir.path().join("sessions").join("sessions.json");
            let name = dir.file_name().to_string_lossy().into_owned();
            sessions_json
                .is_file()
                .then(|| (normalize_agent_id(&name), sessions_json))
        })
        .collect();
    stores.sort();
    stores
}

fn import_agent(
    conn: &Connection,
    agent_id: &str,
    sessions_json: &Path,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let import_error = |reason: String| StoreError::Import {
        path: sessions_json.to_owned(),
        reason,
    };
    let text = fs::read_to_string(sessions_json)
        .map_err(|error| import_error(format!("cannot read it: {error}")))?;
    let store: Map<String, Value> = serde_json::from_str(&text)
        .map_err(|error| import_error(format!("it is not a JSON object of sessions: {error}")))?;
    let sessions_dir = sessions_json.parent().unwrap_or(Path::new("."));
    for (key, raw_entry) in store {
        let key = key.trim().to_owned();
        let Ok(entry) = serde_json::from_value::<SessionEntry>(raw_entry) else {
            report.skipped_sessions += 1;
            tracing::warn!(target: "store", %key, "skipping a session entry without sessionId/updatedAt in {}", sessions_json.display());
            continue;
        };
        sessions::upsert(conn, &key, agent_id, &entry)?;
        report.sessions += 1;
        let file = transcript_file(sessions_dir, &entry);
        if file.is_file() && transcript::header(conn, &entry.session_id)?.is_none() {
            import_transcript(conn, &entry.session_id, &file, entry.updated_at, report)?;
        }
    }
    Ok(())
}

/// The entry's `sessionFile` when it names an existing file, else `<sessionId>.jsonl`.
fn transcript_file(sessions_dir: &Path, entry: &SessionEntry) -> PathBuf {
    let explicit = entry
        .extra
        .get("sessionFile")
        .and_then(Value::as_str)
        .map(|file| sessions_dir.join(file));
    match explicit {
        Some(file) if file.is_file() => file,
        _ => sessions_dir.join(format!("{}.jsonl", entry.session_id)),
    }
}

fn import_transcript(
    conn: &Connection,
    session_id: &str,
    file: &Path,
    updated_at: i64,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    let text = fs::read_to_string(file).map_err(|error| StoreError::Import {
        path: file.to_owned(),
        reason: format!("cannot read the transcript: {error}"),
    })?;
    let mut lines = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .filter_map(
            |line| match serde_json::from_str::<Map<String, Value>>(line) {
                Ok(object) => Some(object),
                Err(_) => {
                    report.skipped_lines += 1;
                    None
                }
            },
        )
        .collect::<Vec<_>>()
        .into_iter()
        .peekable();
    let header = match lines.next_if(|line| line.get("type") == Some(&Value::from("session"))) {
        Some(header) => Value::Object(header),
        None => transcript::new_header(session_id, "", updated_at, None),
    };
    transcript::ensure(conn, session_id, &header, updated_at)?;
    report.transcripts += 1;

    let mut previous_id: Option<String> = None;
    let mut seen_ids = HashSet::new();
    let mut seq = 0;
    for mut line in lines {
        let next_seq = seq + 1;
        // Old transcripts predate entry ids: give them ids and chain them in file order, as
        // OpenClaw's own migration does.
        let id = match line.get("id").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => {
                let id = format!("imp{next_seq:05}");
                line.insert("id".to_owned(), Value::from(id.as_str()));
                line.insert(
                    "parentId".to_owned(),
                    previous_id.clone().map_or(Value::Null, Value::from),
                );
                id
            }
        };
        // A repeated id (a hand-edited or concatenated file) would break the tree; keep the first.
        if !seen_ids.insert(id.clone()) {
            report.skipped_lines += 1;
            continue;
        }
        seq = next_seq;
        let parent_id = line
            .get("parentId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let kind = EntryKind::parse(
            line.get("type")
                .and_then(Value::as_str)
                .unwrap_or("unknown"),
        );
        let entry = TranscriptEntry {
            seq,
            id: id.clone(),
            parent_id,
            kind,
            body: Value::Object(line),
        };
        transcript::insert(conn, session_id, &entry)?;
        previous_id = Some(id);
        report.entries += 1;
    }
    Ok(())
}
