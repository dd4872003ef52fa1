//! The model context of recently active sessions, kept between turns so a turn does not
//! re-read and re-parse its whole transcript. An entry is only used when it provably matches
//! the transcript: same `sessionId`, and the turn's user message was appended right after the
//! last entry the cache saw (`seq` contiguous). Anything else — a reset, an import, another
//! writer, `sessions.compact` (which calls [`ContextCache::forget`]) — falls back to the store.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::history::Context;

/// Sessions kept at most.
const CAPACITY: usize = 256;
/// Contexts larger than this (characters) are not kept: re-reading is cheap next to the model
/// call they feed, and memory stays bounded at CAPACITY × this.
const MAX_CHARS: usize = 512 * 1024;

pub(crate) struct CachedContext {
    pub session_id: String,
    /// `seq` of the newest transcript entry reflected in `context`.
    pub last_seq: i64,
    pub context: Context,
}

/// Least recently stored entries are evicted first: a session that keeps talking keeps its
/// context, sessions that went quiet make room.
#[derive(Default)]
pub(crate) struct ContextCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, (u64, CachedContext)>,
    tick: u64,
}

impl ContextCache {
    /// Takes the entry out (a session runs one turn at a time; the turn puts it back).
    pub fn take(&self, key: &str) -> Option<CachedContext> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .remove(key)
            .map(|(_, cached)| cached)
    }

    pub fn put(&self, key: &str, cached: CachedContext) {
        if cached.context.chars > MAX_CHARS {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.tick += 1;
        let tick = entries.tick;
        if entries.map.len() >= CAPACITY
            && !entries.map.contains_key(key)
            && let Some(victim) = entries
                .map
                .iter()
                .min_by_key(|(_, (stored, _))| *stored)
                .map(|(victim, _)| victim.clone())
        {
            entries.map.remove(&victim);
        }
        entries.map.insert(key.to_owned(), (tick, cached));
    }

    pub fn forget(&self, key: &str) {
        self.take(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(session_id: &str) -> CachedContext {
        CachedContext {
            session_id: session_id.into(),
            last_seq: 1,
            context: Context::default(),
        }
    }

    #[test]
    fn evicts_the_least_recently_stored_session() {
        let cache = ContextCache::default();
        for i in 0..CAPACITY {
            cache.put(&format!("k{i}"), cached("s"));
        }
        // k0 is used again (taken and put back): it is now the most recent.
        let again = cache.take("k0").unwrap();
        cache.put("k0", again);
        cache.put("new", cached("s"));
        assert!(
            cache.take("k1").is_none(),
            "the oldest untouched entry goes"
        );
        assert!(cache.take("k0").is_some());
        assert!(cache.take("new").is_some());
    }
}
