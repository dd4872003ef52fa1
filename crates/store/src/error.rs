//! The store's one error type. Every message says what failed, where, and what to do next.

use std::path::PathBuf;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The state directory could not be created.
    #[error(
        "cannot create state directory {path}: {source}; check that its parent exists and is writable (or set OPENCLAW_STATE_DIR)"
    )]
    CreateStateDir {
        /// The directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The database file could not be opened or configured.
    #[error(
        "cannot open the session database {path}: {source}; check its permissions and free disk space"
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The database was written by a newer openclaw.
    #[error(
        "the session database {path} has schema version {found}, but this openclaw understands at most {supported}; upgrade openclaw or restore an older backup of the file"
    )]
    SchemaTooNew {
        /// The database file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// A SQL statement failed.
    #[error(
        "session database operation '{operation}' failed: {source}; if this persists, check disk space and run 'sqlite3 <state>/openclaw.sqlite \"PRAGMA integrity_check\"'"
    )]
    Sql {
        /// What the store was doing.
        operation: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// Committing a batch of writes failed; every write in the batch was rolled back.
    #[error(
        "committing writes to the session database failed: {message}; the change was not saved, retry it (check disk space if it keeps failing)"
    )]
    Commit {
        /// SQLite's message (the error is shared by every write of the batch, so it is text).
        message: String,
    },
    /// No session has this key.
    #[error("session '{key}' not found; list existing sessions with 'sessions.list'")]
    SessionNotFound {
        /// The key asked for.
        key: String,
    },
    /// A transcript entry named a parent that is not in its transcript.
    #[error(
        "transcript entry parent '{parent_id}' does not exist in session {session_id}; append to an existing entry id (or to the leaf)"
    )]
    UnknownParent {
        /// The transcript's session id.
        session_id: String,
        /// The missing parent id.
        parent_id: String,
    },
    /// JSON stored in (or imported into) the database could not be read.
    #[error("stored {what} is not valid JSON: {source}; the row may have been edited by hand")]
    CorruptJson {
        /// Which value.
        what: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// Reading a Node OpenClaw file for import failed.
    #[error(
        "cannot import the Node OpenClaw session store {path}: {reason}; fix or move the file and restart (the original files are never modified)"
    )]
    Import {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// The writer thread could not be started.
    #[error(
        "cannot start the session database writer thread: {source}; the system may be out of threads or memory"
    )]
    WriterThread {
        /// The OS error.
        source: std::io::Error,
    },
    /// The store was closed (or its writer thread stopped) before the operation ran.
    #[error(
        "the session store is closed; the gateway is shutting down or the writer thread stopped (see earlier errors)"
    )]
    Closed,
}

/// `map_err` helper naming the operation that failed.
pub(crate) fn sql(operation: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sql { operation, source }
}

/// `map_err` helper for JSON that lives in the database.
pub(crate) fn corrupt(what: impl Into<String>) -> impl FnOnce(serde_json::Error) -> StoreError {
    let what = what.into();
    move |source| StoreError::CorruptJson { what, source }
}
