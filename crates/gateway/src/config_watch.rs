//! Tells the reload loop when a watched config file may have new content.
//!
//! On Linux the directories are watched with inotify for the events an edit produces — a
//! write closed (`IN_CLOSE_WRITE`), a file renamed into place (`IN_MOVED_TO`, how editors and
//! our own atomic writes save), a file created — and nothing else. A generic watcher also
//! subscribes to every modification, and the state directory beside the config holds the
//! SQLite database: each committed write (thousands a second under load) would wake the
//! watcher for nothing. Elsewhere the `notify` crate's watcher is used.

use std::path::{Path, PathBuf};

use tokio::sync::mpsc;

/// Stops watching when dropped.
pub struct ConfigWatch {
    #[cfg(target_os = "linux")]
    task: tokio::task::JoinHandle<()>,
    #[cfg(not(target_os = "linux"))]
    _watcher: notify::RecommendedWatcher,
}

#[cfg(target_os = "linux")]
impl Drop for ConfigWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether `path` is one of the watched files (compared by directory and file name, so a
/// relative and an absolute spelling of the same file match).
pub fn is_watched(path: &Path, watched: &[PathBuf]) -> bool {
    watched.iter().any(|w| {
        w == path
            || (w.file_name().is_some()
                && w.file_name() == path.file_name()
                && w.parent() == path.parent())
    })
}

fn parent_dirs(watched: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = watched
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .map(|dir| {
            if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            }
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// Watches the directories of `watched`; every possible edit of one of those files sends a
/// wake-up on `wake` (dropped when one is already pending).
#[cfg(target_os = "linux")]
pub fn watch(watched: Vec<PathBuf>, wake: mpsc::Sender<()>) -> std::io::Result<ConfigWatch> {
    use futures_util::StreamExt;
    use inotify::{Inotify, WatchMask};

    let inotify = Inotify::init()?;
    let mut descriptors = Vec::new();
    for dir in parent_dirs(&watched) {
        match inotify.watches().add(
            &dir,
            WatchMask::CLOSE_WRITE | WatchMask::MOVED_TO | WatchMask::CREATE,
        ) {
            Ok(descriptor) => descriptors.push((descriptor, dir)),
            Err(err) => {
                tracing::warn!(target: "gateway/reload", "cannot watch {}: {err}", dir.display());
            }
        }
    }
    let mut events = inotify.into_event_stream(vec![0u8; 4096])?;
    let task = tokio::spawn(async move {
        while let Some(event) = events.next().await {
            let Ok(event) = event else {
                continue;
            };
            let Some(name) = event.name else {
                continue;
            };
            let Some((_, dir)) = descriptors.iter().find(|(wd, _)| *wd == event.wd) else {
                continue;
            };
            if is_watched(&dir.join(&name), &watched) || is_watched_relative(&name, dir, &watched) {
                // A full queue already holds a pending wake-up: dropping is fine.
                let _ = wake.try_send(());
            }
        }
    });
    Ok(ConfigWatch { task })
}

/// `./openclaw.json`-style watched paths against a directory recorded as `.`.
#[cfg(target_os = "linux")]
fn is_watched_relative(name: &std::ffi::OsStr, dir: &Path, watched: &[PathBuf]) -> bool {
    dir == Path::new(".")
        && watched.iter().any(|w| {
            w.file_name() == Some(name) && w.parent().is_none_or(|p| p.as_os_str().is_empty())
        })
}

#[cfg(not(target_os = "linux"))]
pub fn watch(watched: Vec<PathBuf>, wake: mpsc::Sender<()>) -> std::io::Result<ConfigWatch> {
    use notify::event::{AccessKind, AccessMode};
    use notify::{EventKind, RecursiveMode, Watcher};

    let filter = watched.clone();
    let handler = move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else {
            return;
        };
        // inotify-style backends also report opens and read-only closes; reacting to those
        // would make every read of the file schedule another reload.
        let changes = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) => false,
            _ => true,
        };
        if changes && event.paths.iter().any(|p| is_watched(p, &filter)) {
            let _ = wake.try_send(());
        }
    };
    let mut watcher = notify::recommended_watcher(handler).map_err(std::io::Error::other)?;
    for dir in parent_dirs(&watched) {
        if let Err(err) = watcher.watch(&dir, RecursiveMode::NonRecursive) {
            tracing::warn!(target: "gateway/reload", "cannot watch {}: {err}", dir.display());
        }
    }
    Ok(ConfigWatch { _watcher: watcher })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn edits_wake_the_watcher_and_other_files_in_the_directory_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("openclaw.json");
        std::fs::write(&config, "{}").unwrap();
        let (tx, mut rx) = mpsc::channel(16);
        let _watch = watch(vec![config.clone()], tx).unwrap();

        // A database beside the config, written continuously: no wake-ups.
        let db = dir.path().join("openclaw.sqlite-wal");
        let mut file = std::fs::File::create(&db).unwrap();
        for _ in 0..50 {
            std::io::Write::write_all(&mut file, b"frame").unwrap();
        }
        drop(file);
        let quiet = tokio::time::timeout(Duration::from_millis(300), rx.recv()).await;
        // Closing the database file once is the only event it produced (and it is not ours).
        assert!(quiet.is_err(), "unexpected wake-up: {quiet:?}");

        // An in-place write of the config.
        std::fs::write(&config, r#"{"a":1}"#).unwrap();
        let woke = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert!(matches!(woke, Ok(Some(()))));
        while rx.try_recv().is_ok() {}

        // An atomic replace (write a temp file, rename over the config).
        let temp = dir.path().join(".openclaw.json.tmp");
        std::fs::write(&temp, r#"{"a":2}"#).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        while rx.try_recv().is_ok() {}
        std::fs::rename(&temp, &config).unwrap();
        let woke = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await;
        assert!(matches!(woke, Ok(Some(()))));
    }
}
