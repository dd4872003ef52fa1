//! [`Store`]: the async API over the writer thread and the read pool.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use serde_json::Value;

use crate::compact::CompactOutcome;
use crate::engine::{Readers, Writer, open_connection};
use crate::error::StoreError;
use crate::import::{ImportReport, import_once};
use crate::ingress::{IngressRecord, IngressState, PendingIngress};
use crate::keys::{DEFAULT_AGENT_ID, agent_id_of_key, normalize_agent_id};
use crate::preview::{SessionPreview, preview_session};
use crate::schema::migrate;
use crate::session_entry::{SessionEntry, SessionPatch};
use crate::sessions::{self, DeleteOutcome, SessionQuery, SessionRecord};
use crate::time::now_ms;
use crate::transcript::{self, NewEntry, TranscriptEntry, TranscriptHeader};
use crate::usage::{UsageRecord, UsageSummary};

/// The database file's name inside the state directory.
pub const DATABASE_FILE: &str = "openclaw.sqlite";

/// The session store. Share it behind an `Arc`; every method is safe to call concurrently.
///
/// Call [`Store::close`] at shutdown to wait until every accepted write is committed. Dropping
/// the store without closing still lets the writer thread finish its queue, but nobody waits
/// for it.
pub struct Store {
    path: PathBuf,
    writer: Option<Writer>,
    writer_thread: Option<JoinHandle<()>>,
    readers: Readers,
    import: Option<ImportReport>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("open", &self.writer.is_some())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) `<state_dir>/openclaw.sqlite`, applies migrations, imports a
    /// Node OpenClaw session layout found in `state_dir` (once), and starts the writer thread.
    pub async fn open(state_dir: &Path) -> Result<Self, StoreError> {
        let state_dir = state_dir.to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(&state_dir))
            .await
            .map_err(|_| StoreError::Closed)?
    }

    /// [`Store::open`] for callers outside an async context (must still run inside a tokio
    /// runtime before the first async call).
    pub fn open_blocking(state_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(state_dir).map_err(|source| StoreError::CreateStateDir {
            path: state_dir.to_owned(),
            source,
        })?;
        let path = state_dir.join(DATABASE_FILE);
        let mut conn = open_connection(&path, false)?;
        migrate(&mut conn, &path)?;
        let import = import_once(&mut conn, state_dir, now_ms())?;
        let (writer, writer_thread) = Writer::spawn(conn, &path)?;
        Ok(Self {
            readers: Readers::new(path.clone()),
            path,
            writer: Some(writer),
            writer_thread: Some(writer_thread),
            import,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the Node import copied, if it ran during this open.
    pub fn import_report(&self) -> Option<&ImportReport> {
        self.import.as_ref()
    }

    async fn write<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.write(op).await,
            None => Err(StoreError::Closed),
        }
    }

    /// Inserts or replaces the entry for `key`. The owning agent comes from the key
    /// (`agent:<id>:…`; other keys belong to the default agent).
    pub async fn upsert_session(&self, key: &str, entry: SessionEntry) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.write(move |conn| {
            let agent_id = agent_id_of_key(&key, DEFAULT_AGENT_ID);
            sessions::upsert(conn, &key, &agent_id, &entry)
        })
        .await
    }

    /// The session stored under `key`.
    pub async fn session(&self, key: &str) -> Result<Option<SessionRecord>, StoreError> {
        let key = key.to_owned();
        self.readers
            .read(move |conn| sessions::get(conn, &key))
            .await
    }

    /// Sessions matching `query`, most recently updated first. The agent filter is normalized
    /// like agent ids in keys (`Ops` finds `ops`).
    pub async fn list_sessions(
        &self,
        mut query: SessionQuery,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        query.agent_id = query.agent_id.as_deref().map(normalize_agent_id);
        self.readers
            .read(move |conn| sessions::list(conn, &query, now_ms()))
            .await
    }

    /// Applies `patch` to the session `key` and returns the new entry.
    pub async fn patch_session(
        &self,
        key: &str,
        patch: SessionPatch,
    ) -> Result<SessionEntry, StoreError> {
        let key = key.to_owned();
        self.write(move |conn| sessions::patch(conn, &key, &patch, now_ms()))
            .await
    }

    /// Starts a fresh conversation under `key`: a new `sessionId` (so a new transcript), same
    /// label, toggles and overrides; token counters and compaction state cleared. The old
    /// transcript is kept.
    pub async fn reset_session(&self, key: &str) -> Result<SessionEntry, StoreError> {
        let key = key.to_owned();
        let new_session_id = uuid::Uuid::new_v4().to_string();
        self.write(move |conn| sessions::reset(conn, &key, new_session_id, now_ms()))
            .await
    }

    /// Removes the session `key`; with `delete_transcript`, also its transcript unless another key
    /// still uses it.
    pub async fn delete_session(
        &self,
        key: &str,
        delete_transcript: bool,
    ) -> Result<DeleteOutcome, StoreError> {
        let key = key.to_owned();
        self.write(move |conn| sessions::delete(conn, &key, delete_transcript))
            .await
    }

    /// Read-modify-write of one entry on the writer (no lost updates between concurrent
    /// callers). `change` must not block; it runs on the writer thread.
    pub async fn update_session<F>(&self, key: &str, change: F) -> Result<SessionEntry, StoreError>
    where
        F: FnOnce(&mut SessionEntry) + Send + 'static,
    {
        let key = key.to_owned();
        self.write(move |conn| {
            let mut record = sessions::require(conn, &key)?;
            change(&mut record.entry);
            sessions::upsert(conn, &key, &record.agent_id, &record.entry)?;
            Ok(record.entry)
        })
        .await
    }

    /// The entry under `key`, created (with a fresh `sessionId`, updated now) if missing.
    /// Returns the entry and whether it was created.
    pub async fn get_or_create_session(
        &self,
        key: &str,
    ) -> Result<(SessionEntry, bool), StoreError> {
        let key = key.to_owned();
        self.write(move |conn| {
            if let Some(record) = sessions::get(conn, &key)? {
                return Ok((record.entry, false));
            }
            let entry = SessionEntry::new(now_ms());
            sessions::upsert(conn, &key, &agent_id_of_key(&key, DEFAULT_AGENT_ID), &entry)?;
            Ok((entry, true))
        })
        .await
    }

    /// `sessions.compact`: keeps the last `max_entries` entries of the session's transcript
    /// (moving older ones to the archive) and clears its token counters.
    pub async fn compact_session(
        &self,
        key: &str,
        max_entries: usize,
    ) -> Result<CompactOutcome, StoreError> {
        let key = key.to_owned();
        self.write(move |conn| crate::compact::compact(conn, &key, max_entries, now_ms()))
            .await
    }

    /// Starts an agent turn in one write: the session under `key` is created if missing, or
    /// renewed (new `sessionId`) when `reset` says so; its transcript is ensured (header `cwd`
    /// = `header_cwd`) and `user_message` appended.
    pub async fn begin_turn(
        &self,
        key: &str,
        reset: crate::turns::ResetDecision,
        header_cwd: &str,
        user_message: NewEntry,
    ) -> Result<crate::turns::TurnStart, StoreError> {
        let key = key.to_owned();
        let cwd = header_cwd.to_owned();
        self.write(move |conn| crate::turns::begin(conn, &key, reset, &cwd, user_message, now_ms()))
            .await
    }

    /// Commits one step of a turn in one write: `entries` appended to the transcript of
    /// `session_id` in order, the usage row recorded, the session entry under `key` updated.
    pub async fn commit_turn_step(
        &self,
        key: &str,
        session_id: &str,
        entries: Vec<NewEntry>,
        usage: Option<UsageRecord>,
        update: Option<crate::turns::SessionUpdate>,
    ) -> Result<Vec<TranscriptEntry>, StoreError> {
        let key = key.to_owned();
        let session_id = session_id.to_owned();
        self.write(move |conn| {
            crate::turns::commit_step(conn, &key, &session_id, entries, usage, update)
        })
        .await
    }

    /// Adds one model call to the usage ledger.
    pub async fn record_usage(&self, usage: UsageRecord) -> Result<(), StoreError> {
        self.write(move |conn| {
            let agent_id = agent_id_of_key(&usage.session_key, DEFAULT_AGENT_ID);
            crate::usage::record(conn, &agent_id, &usage)
        })
        .await
    }

    /// Records an inbound channel message before it is processed (see [`crate::IngressRecord`]):
    /// a message id seen before is reported as a duplicate instead.
    pub async fn record_ingress(
        &self,
        channel: &str,
        account_id: &str,
        message_id: &str,
        payload: String,
    ) -> Result<IngressRecord, StoreError> {
        let (channel, account_id, message_id) = (
            channel.to_owned(),
            account_id.to_owned(),
            message_id.to_owned(),
        );
        self.write(move |conn| {
            crate::ingress::record(conn, &channel, &account_id, &message_id, &payload, now_ms())
        })
        .await
    }

    /// Moves a recorded inbound message to `state`.
    pub async fn set_ingress_state(&self, id: i64, state: IngressState) -> Result<(), StoreError> {
        self.write(move |conn| crate::ingress::set_state(conn, id, state, now_ms()))
            .await
    }

    /// The state of a recorded inbound message (`None` once pruned).
    pub async fn ingress_state(&self, id: i64) -> Result<Option<IngressState>, StoreError> {
        self.readers
            .read(move |conn| crate::ingress::state_of(conn, id))
            .await
    }

    /// Unfinished inbound messages, oldest first (at most `limit`), for recovery at start-up.
    pub async fn pending_ingress(&self, limit: usize) -> Result<Vec<PendingIngress>, StoreError> {
        self.readers
            .read(move |conn| crate::ingress::pending(conn, limit))
            .await
    }

    /// Forgets finished inbound messages last touched before `before_ms`.
    pub async fn prune_ingress(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.write(move |conn| crate::ingress::prune(conn, before_ms))
            .await
    }

    /// Usage since `since_ms`, per day in `time_zone` (the host's for `usage.cost`).
    pub async fn usage_summary(
        &self,
        since_ms: i64,
        time_zone: jiff::tz::TimeZone,
    ) -> Result<UsageSummary, StoreError> {
        self.readers
            .read(move |conn| crate::usage::summarize(conn, since_ms, &time_zone))
            .await
    }

    /// Creates the transcript of `session_id` with this header (`{type:"session", id, cwd,
    /// timestamp, parentSession?}`, see [`transcript::new_header`]); no-op if it exists.
    pub async fn create_transcript(
        &self,
        session_id: &str,
        header: Value,
    ) -> Result<(), StoreError> {
        let session_id = session_id.to_owned();
        self.write(move |conn| transcript::ensure(conn, &session_id, &header, now_ms()))
            .await
    }

    /// Appends one entry to the transcript of `session_id` (created with an empty `cwd` if it
    /// does not exist yet) and returns it with its assigned `id` and `parentId`. When this
    /// returns `Ok`, the entry is committed.
    pub async fn append_transcript(
        &self,
        session_id: &str,
        entry: NewEntry,
    ) -> Result<TranscriptEntry, StoreError> {
        let session_id = session_id.to_owned();
        self.write(move |conn| {
            let header = transcript::new_header(&session_id, "", entry.timestamp_ms, None);
            transcript::ensure(conn, &session_id, &header, entry.timestamp_ms)?;
            transcript::append(conn, &session_id, entry)
        })
        .await
    }

    /// The transcript header of `session_id`.
    pub async fn transcript_header(
        &self,
        session_id: &str,
    ) -> Result<Option<TranscriptHeader>, StoreError> {
        let session_id = session_id.to_owned();
        self.readers
            .read(move |conn| transcript::header(conn, &session_id))
            .await
    }

    /// The last `limit` entries of the current branch, oldest first (for `chat.history`).
    pub async fn transcript_history(
        &self,
        session_id: &str,
        limit: usize,
    ) -> Result<Vec<TranscriptEntry>, StoreError> {
        let session_id = session_id.to_owned();
        self.readers
            .read(move |conn| transcript::latest_on_branch(conn, &session_id, limit))
            .await
    }

    /// Every entry of the transcript in append order (all branches).
    pub async fn transcript(&self, session_id: &str) -> Result<Vec<TranscriptEntry>, StoreError> {
        let session_id = session_id.to_owned();
        self.readers
            .read(move |conn| transcript::all(conn, &session_id))
            .await
    }

    /// `sessions.preview`: for each key, the last `limit` messages as `{role, text}`.
    pub async fn preview_sessions(
        &self,
        keys: Vec<String>,
        limit: usize,
    ) -> Result<Vec<SessionPreview>, StoreError> {
        self.readers
            .read(move |conn| {
                keys.iter()
                    .map(|key| preview_session(conn, key, limit))
                    .collect()
            })
            .await
    }

    /// Stops accepting writes, waits for every accepted write to commit, checkpoints the WAL and
    /// joins the writer thread.
    pub async fn close(mut self) -> Result<(), StoreError> {
        self.readers.close_idle();
        // Dropping the only sender lets the writer drain its queue and exit.
        drop(self.writer.take());
        if let Some(thread) = self.writer_thread.take() {
            tokio::task::spawn_blocking(move || thread.join())
                .await
                .map_err(|_| StoreError::Closed)?
                .map_err(|_| StoreError::Commit {
                    message: "the writer thread panicked; the last writes may be lost".to_owned(),
                })?;
        }
        Ok(())
    }
}
