//! `openclaw-store`: the gateway's persistence — sessions, transcripts and OpenClaw's session
//! keys — in one SQLite file, `<state>/openclaw.sqlite`.
//!
//! # Design
//!
//! **Only this crate touches SQLite.** Everything else sees typed values ([`SessionEntry`],
//! [`TranscriptEntry`]) and an async API on [`Store`].
//!
//! **One writer, many readers.** SQLite allows one writer at a time, so the store has exactly
//! one: a dedicated OS thread owning the read-write connection, fed by a bounded channel (a full
//! queue makes callers wait: backpressure, not memory growth). Each write is a closure; the
//! thread commits up to a few hundred queued writes per transaction, each in its own savepoint,
//! and replies (tokio oneshot) only after the commit. Reads run on a small pool of read-only
//! connections on tokio's blocking pool; WAL mode means they never wait for the writer.
//! [`Store::close`] drains the queue, checkpoints the WAL and joins the thread.
//!
//! **Compatibility with Node OpenClaw.** Session entries keep OpenClaw's camelCase field names
//! and every field this build does not model ([`SessionEntry::extra`]); transcript entries are
//! stored as the exact JSON line OpenClaw would write (`type`, `id`, `parentId`, `timestamp`, …).
//! On first open, a Node state directory's `agents/<id>/sessions/` (sessions.json + JSONL) is
//! imported once, in one transaction with a marker row; the originals are left untouched.
//!
//! **Schema.** Versioned migrations in [`schema`] (`PRAGMA user_version`); a database from a
//! newer build is refused rather than misread.
//!
//! **Pure rules** live beside the storage: session keys ([`keys`], OpenClaw's key shapes, spec
//! §5.3) and reset policies ([`reset`]: daily/idle freshness, `/new` and `/reset` triggers, spec
//! §5.4). The caller decides; the store then executes ([`Store::reset_session`]).
//!
//! **Usage** is a ledger of model calls (tokens, cost) summed per host-local day for
//! `usage.cost`.
//! `sessions.compact` trims a transcript to its newest entries, archiving the rest.

mod compact;
mod engine;
mod error;
mod import;
mod ingress;
pub mod keys;
mod preview;
pub mod reset;
pub mod schema;
mod session_entry;
mod sessions;
mod store;
mod time;
pub mod transcript;
mod turns;
mod usage;

pub use compact::{CompactOutcome, DEFAULT_COMPACT_MAX_ENTRIES};
pub use error::StoreError;
pub use import::ImportReport;
pub use ingress::{IngressRecord, IngressState, PendingIngress};
pub use preview::{PreviewItem, PreviewStatus, SessionPreview, preview_item};
pub use session_entry::{FieldPatch, SessionEntry, SessionPatch};
pub use sessions::{DeleteOutcome, SessionQuery, SessionRecord};
pub use store::{DATABASE_FILE, Store};
pub use time::{iso_timestamp, now_ms};
pub use transcript::{EntryKind, NewEntry, Parent, TranscriptEntry, TranscriptHeader};
pub use turns::{ResetDecision, SessionUpdate, TurnStart};
pub use usage::{DailyUsage, UsageRecord, UsageSummary, UsageTotals};
