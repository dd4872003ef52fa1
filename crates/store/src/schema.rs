//! Versioned migrations. `PRAGMA user_version` holds the number of migrations applied; each
//! migration runs once, in its own transaction, in order. Never edit a shipped migration: append
//! a new one.

use std::path::Path;

use rusqlite::Connection;

use crate::error::{StoreError, sql};

/// The migrations, oldest first. Index + 1 is the schema version after applying it.
const MIGRATIONS: &[&str] = &[
    // 1: sessions, transcripts, and a key/value table for one-off markers (the Node import).
    r#"
    CREATE TABLE sessions (
        key         TEXT PRIMARY KEY NOT NULL,
        agent_id    TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        updated_at  INTEGER NOT NULL,
        label       TEXT,
        spawned_by  TEXT,
        entry       TEXT NOT NULL
    ) STRICT;
    CREATE INDEX sessions_by_agent_updated ON sessions (agent_id, updated_at DESC);
    CREATE INDEX sessions_by_updated ON sessions (updated_at DESC);
    CREATE INDEX sessions_by_session_id ON sessions (session_id);

    CREATE TABLE transcripts (
        session_id  TEXT PRIMARY KEY NOT NULL,
        header      TEXT NOT NULL,
        created_at  INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE transcript_entries (
        session_id  TEXT NOT NULL REFERENCES transcripts (session_id) ON DELETE CASCADE,
        seq         INTEGER NOT NULL,
        entry_id    TEXT NOT NULL,
        parent_id   TEXT,
        kind        TEXT NOT NULL,
        body        TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
    ) STRICT;
    CREATE UNIQUE INDEX transcript_entries_by_id ON transcript_entries (session_id, entry_id);

    CREATE TABLE meta (
        key    TEXT PRIMARY KEY NOT NULL,
        value  TEXT NOT NULL
    ) STRICT;
    "#,
    // 2: the usage ledger (one row per model call).
    r#"
    CREATE TABLE usage (
        ts            INTEGER NOT NULL,
        agent_id      TEXT NOT NULL,
        session_key   TEXT NOT NULL,
        session_id    TEXT NOT NULL,
        provider      TEXT NOT NULL,
        model         TEXT NOT NULL,
        input         INTEGER NOT NULL,
        output        INTEGER NOT NULL,
        cache_read    INTEGER NOT NULL,
        cache_write   INTEGER NOT NULL,
        total_tokens  INTEGER NOT NULL,
        cost          REAL
    ) STRICT;
    CREATE INDEX usage_by_time ON usage (ts);
    "#,
    // 3: entries trimmed by `sessions.compact` are moved here instead of being destroyed (the
    // Node gateway renames the old file to a backup for the same reason).
    r#"
    CREATE TABLE transcript_archive (
        session_id   TEXT NOT NULL,
        seq          INTEGER NOT NULL,
        entry_id     TEXT NOT NULL,
        parent_id    TEXT,
        kind         TEXT NOT NULL,
        body         TEXT NOT NULL,
        archived_at  INTEGER NOT NULL,
        PRIMARY KEY (session_id, seq)
    ) STRICT;
    "#,
    // 4: durable channel ingress: every inbound channel message is stored (deduplicated by its
    // channel message id) before it is processed, so a crash neither loses nor repeats it.
    r#"
    CREATE TABLE ingress (
        id           INTEGER PRIMARY KEY,
        channel      TEXT NOT NULL,
        account_id   TEXT NOT NULL,
        message_id   TEXT NOT NULL,
        received_at  INTEGER NOT NULL,
        state        TEXT NOT NULL,
        updated_at   INTEGER NOT NULL,
        payload      TEXT NOT NULL,
        UNIQUE (channel, account_id, message_id)
    ) STRICT;
    CREATE INDEX ingress_open ON ingress (state, id) WHERE state IN ('received', 'replying');
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database at `path` (already open on `conn`) to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(sql("read schema version"))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let tx = conn.transaction().map_err(sql("begin migration"))?;
        tx.execute_batch(migration)
            .map_err(sql("apply migration"))?;
        // PRAGMA takes no bound parameters; the value is our own integer.
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))
            .map_err(sql("record schema version"))?;
        tx.commit().map_err(sql("commit migration"))?;
        tracing::debug!(target: "store", version, "applied migration");
    }
    Ok(())
}
