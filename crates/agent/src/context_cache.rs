//! The model context of recently active sessions, kept between turns so a turn does not
//! re-read and re-parse its whole transcript. An entry is only used when it provably matches
//! the transcript: same `sessionId`, and the turn's user message was appended right after the
//! last entry the cache saw (`seq` contiguous). Anything else — a reset, an import, another
//! writer, `sessions.compact` (which calls [`ContextCache::forget`]) — falls back to the store.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::history::Context;

/// Sessions kept at most.
const CAPACITY: usize = 1024;
/// Contexts larger than this (characters) are not kept: re-reading is cheap next to the model
/// call they feed, and memory stays bounded at CAPACITY × this.
const MAX_CHARS: usize = 512 * 1024;

pub(crate) struct CachedContext {
    pub session_id: String,
    /// `seq` of the newest transcript entry reflected in `context`.
    pub last_seq: i64,
    pub context: Context,
}

#[derive(Default)]
pub(crate) struct ContextCache {
    entries: Mutex<HashMap<String, CachedContext>>,
}

impl ContextCache {
    /// Takes the entry out (a session runs one turn at a time; the turn puts it back).
    pub fn take(&self, key: &str) -> Option<CachedContext> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key)
    }

    pub fn put(&self, key: &str, cached: CachedContext) {
        if cached.context.chars > MAX_CHARS {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY
            && !entries.contains_key(key)
            && let Some(victim) = entries.keys().next().cloned()
        {
            entries.remove(&victim);
        }
        entries.insert(key.to_owned(), cached);
    }

    pub fn forget(&self, key: &str) {
        self.take(key);
    }
}
