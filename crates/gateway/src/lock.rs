//! Single-instance guard: an OS advisory lock (`flock`) on `<state>/gateway.lock`.
//!
//! The kernel drops the lock when the owning process dies, however it dies (SIGKILL, OOM, container
//! restart), so there is no stale-lock state to detect: a lock file left on disk by a dead process
//! is simply re-locked. PID reuse cannot fool it either, because nothing compares PIDs — the PID
//! written into the file is only there to name the owner in the error message.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// File name of the lock inside the state directory.
pub const LOCK_FILE_NAME: &str = "gateway.lock";

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another live process holds the lock.
    #[error("gateway already running (pid {pid}); lock file {path}")]
    AlreadyRunning { pid: String, path: PathBuf },
    /// The lock file could not be created or locked.
    #[error("cannot lock {path}: {source}; check that the state directory is writable")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl LockError {
    /// The short form OpenClaw prints (`gateway already running (pid N)`).
    pub fn short(&self) -> String {
        match self {
            LockError::AlreadyRunning { pid, .. } => format!("gateway already running (pid {pid})"),
            other => other.to_string(),
        }
    }
}

/// Holds the lock for as long as it lives; dropping it (or process exit) releases it.
#[derive(Debug)]
pub struct GatewayLock {
    file: File,
    path: PathBuf,
}

impl GatewayLock {
    /// Takes the lock in `state_dir` without waiting, writing our PID into the file.
    pub fn acquire(state_dir: &Path) -> Result<Self, LockError> {
        let path = state_dir.join(LOCK_FILE_NAME);
        let io_err = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = open_lock_file(&path).map_err(io_err)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut owner = String::new();
                // Best effort: the owner may be between truncate and write.
                let _ = file.read_to_string(&mut owner);
                let pid = owner
                    .lines()
                    .next()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .unwrap_or("unknown")
                    .to_string();
                return Err(LockError::AlreadyRunning { pid, path });
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
        file.set_len(0).map_err(io_err)?;
        file.seek(SeekFrom::Start(0)).map_err(io_err)?;
        writeln!(file, "{}", std::process::id()).map_err(io_err)?;
        file.flush().map_err(io_err)?;
        Ok(Self { file, path })
    }

    /// Path of the lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records the port we listen on (line 2), so local CLI commands find the running gateway
    /// even when it was started with `--port` (OpenClaw's CLI would guess 18789).
    pub fn record_port(&mut self, port: u16) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        write!(self.file, "{}\n{port}\n", std::process::id())?;
        self.file.flush()
    }
}

/// A gateway currently holding the lock of a state directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningGateway {
    pub pid: Option<u32>,
    pub port: Option<u16>,
}

/// Whether a gateway holds the lock in `state_dir`, and what it recorded. Never blocks and
/// never leaves the lock taken.
pub fn probe_running(state_dir: &Path) -> Option<RunningGateway> {
    let path = state_dir.join(LOCK_FILE_NAME);
    let mut file = OpenOptions::new().read(true).open(&path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            let mut lines = text.lines().map(str::trim);
            let pid = lines.next().and_then(|l| l.parse().ok());
            let port = lines.next().and_then(|l| l.parse().ok());
            Some(RunningGateway { pid, port })
        }
        Err(TryLockError::Error(_)) => None,
    }
}

impl Drop for GatewayLock {
    fn drop(&mut self) {
        // Leave the file in place (deleting races a concurrent starter); just unlock.
        let _ = self.file.unlock();
    }
}

fn open_lock_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_acquire_names_the_owner_and_release_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = GatewayLock::acquire(dir.path()).unwrap();
        let err = GatewayLock::acquire(dir.path()).unwrap_err();
        assert_eq!(
            err.short(),
            format!("gateway already running (pid {})", std::process::id())
        );
        drop(first);
        GatewayLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn probe_reports_pid_and_port_only_while_held() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(probe_running(dir.path()), None);
        let mut lock = GatewayLock::acquire(dir.path()).unwrap();
        lock.record_port(3000).unwrap();
        assert_eq!(
            probe_running(dir.path()),
            Some(RunningGateway {
                pid: Some(std::process::id()),
                port: Some(3000)
            })
        );
        drop(lock);
        assert_eq!(probe_running(dir.path()), None);
    }

    #[test]
    fn leftover_file_with_any_pid_is_not_stale() {
        let dir = tempfile::tempdir().unwrap();
        // A dead owner's file, even naming our own PID (the container-restart case).
        std::fs::write(
            dir.path().join(LOCK_FILE_NAME),
            format!("{}\n", std::process::id()),
        )
        .unwrap();
        let lock = GatewayLock::acquire(dir.path()).unwrap();
        assert!(lock.path().ends_with(LOCK_FILE_NAME));
    }
}
