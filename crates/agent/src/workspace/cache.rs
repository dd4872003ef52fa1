//! A per-turn cache of the Project Context files.
//!
//! The turn loop needs the bootstrap files on every turn, but they change rarely. Re-reading
//! them (up to 150 000 characters) each time would dominate a short turn, so the cache keeps the
//! last result per workspace and only stats the candidate files: when every file's existence,
//! length, modification time (and, on Unix, inode and change time) are as before, the previous
//! `Arc` is handed out again — the same allocation, which also lets later caches compare cheaply.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use super::{BOOTSTRAP_FILE, BootstrapFile, MEMORY_FILES, SEEDED_FILES, load_bootstrap_files};

/// More workspaces than agents would be a config that changed many times; starting over then
/// bounds the memory without an LRU's bookkeeping on the hot path.
const MAX_WORKSPACES: usize = 64;

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Inode and change time catch a same-size rewrite within the mtime granularity and an
    /// atomic replace (write tmp, rename) that restores an old mtime.
    #[cfg(unix)]
    ino: u64,
    #[cfg(unix)]
    ctime: (i64, i64),
}

impl FileStamp {
    fn of(path: &Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Some(FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            ino: meta.ino(),
            #[cfg(unix)]
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }
}

/// Every file whose appearance, change or removal alters the Project Context.
fn candidates() -> impl Iterator<Item = &'static str> {
    SEEDED_FILES
        .into_iter()
        .chain([BOOTSTRAP_FILE])
        .chain(MEMORY_FILES)
}

type Stamps = [Option<FileStamp>; SEEDED_FILES.len() + 1 + MEMORY_FILES.len()];

fn stamps(dir: &Path) -> Stamps {
    let mut out: Stamps = Default::default();
    for (slot, name) in out.iter_mut().zip(candidates()) {
        *slot = FileStamp::of(&dir.join(name));
    }
    out
}

struct Entry {
    stamps: Stamps,
    files: Arc<[BootstrapFile]>,
}

/// Loaded Project Context files per workspace directory, reloaded only when a file changed.
///
/// Cloning is cheap and clones share the cache; it is `Send + Sync`. A call stats nine paths
/// (blocking, but only metadata) and reads files only after a change.
#[derive(Clone, Default)]
pub struct BootstrapCache {
    entries: Arc<Mutex<HashMap<PathBuf, Entry>>>,
}

impl std::fmt::Debug for BootstrapCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapCache")
            .field("workspaces", &self.lock().len())
            .finish()
    }
}

impl BootstrapCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The bootstrap files of `dir`, as [`load_bootstrap_files`] would return them.
    pub fn load(&self, dir: &Path) -> Arc<[BootstrapFile]> {
        // Stat without the lock so one slow filesystem does not stall other agents' turns.
        let current = stamps(dir);
        if let Some(entry) = self.lock().get(dir)
            && entry.stamps == current
        {
            return Arc::clone(&entry.files);
        }
        // Stamps were taken before reading: a change racing with the read leaves stamps older
        // than the content, so the next call reloads once more instead of keeping stale text.
        let files: Arc<[BootstrapFile]> = load_bootstrap_files(dir).into();
        let mut entries = self.lock();
        if entries.len() >= MAX_WORKSPACES && !entries.contains_key(dir) {
            entries.clear();
        }
        entries.insert(
            dir.to_path_buf(),
            Entry {
                stamps: current,
                files: Arc::clone(&files),
            },
        );
        files
    }

    /// Forgets `dir`, so the next [`BootstrapCache::load`] reads it again.
    pub fn invalidate(&self, dir: &Path) {
        self.lock().remove(dir);
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<PathBuf, Entry>> {
        // The map holds no invariant a panicking holder could have broken halfway.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
