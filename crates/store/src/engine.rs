//! The concurrency core: one writer thread fed by a bounded channel, and a small pool of read
//! connections used from `spawn_blocking`.
//!
//! A write is a closure run on the writer's connection. The writer drains up to
//! [`MAX_BATCH`] queued closures into one transaction (each inside its own savepoint, so one
//! failing write does not undo its neighbours) and answers every caller only after the batch
//! committed: an `Ok` reply means the change is in the WAL. Batching is what lets many small
//! writes (transcript appends) share one fsync.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;

/// How many writes may wait for the writer before callers are held back (backpressure).
pub(crate) const WRITE_QUEUE_CAPACITY: usize = 1024;
/// The most writes committed together in one transaction.
const MAX_BATCH: usize = 256;
/// Idle read connections kept open; more are opened on demand and closed after use.
const MAX_IDLE_READERS: usize = 8;
/// Reads running at once (see [`Readers`]).
const MAX_ACTIVE_READERS: usize = 8;
/// How long SQLite waits for a lock held by another connection before reporting "busy".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Delivers a write's outcome once the batch's commit result is known.
type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A queued write: runs on the writer connection (or is told why it cannot run), reports whether
/// it failed, and returns how to deliver its result.
type WriteJob = Box<dyn FnOnce(Result<&Connection, String>) -> (bool, Finish) + Send>;

/// Opens a connection with the settings every connection of the store uses.
pub(crate) fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let open_error = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
    // Every statement the store runs fits, so none is ever re-parsed.
    conn.set_prepared_statement_cache_capacity(64);
    // WAL: readers never block the writer. synchronous=NORMAL is durable across process crashes
    // (the WAL is fsynced at checkpoints); only an OS crash/power loss can drop the last commits.
    let pragmas = if read_only {
        // The journal mode is a property of the file, set by the writer; a read-only connection
        // cannot change it.
        // Many readers may be open at once under load; each keeps its own page cache, so keep
        // theirs small (the OS page cache holds the file anyway).
        "PRAGMA foreign_keys = ON; PRAGMA cache_size = -256;"
    } else {
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
    };
    conn.execute_batch(pragmas).map_err(open_error)?;
    Ok(conn)
}

/// The writer thread and its queue.
pub(crate) struct Writer {
    jobs: mpsc::Sender<WriteJob>,
}

impl Writer {
    /// Starts the writer thread on `conn`, and beside it the checkpointer on its own
    /// connection to `path`.
    ///
    /// SQLite's automatic checkpoint runs inside the commit that crosses the threshold, so one
    /// unlucky batch of writers waits for the copy and its fsync (milliseconds). Passive
    /// checkpoints on another connection run concurrently with commits instead.
    pub(crate) fn spawn(
        conn: Connection,
        path: &Path,
    ) -> Result<(Self, JoinHandle<()>), StoreError> {
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0")
            .map_err(|source| StoreError::Open {
                path: path.to_owned(),
                source,
            })?;
        let checkpoint_conn = open_connection(path, false)?;
        let (stop_checkpoints, stopped) = std::sync::mpsc::channel::<()>();
        let truncate_due = Arc::new(AtomicBool::new(false));
        let flag = truncate_due.clone();
        let checkpointer = std::thread::Builder::new()
            .name("openclaw-store-checkpoint".to_owned())
            .spawn(move || run_checkpointer(&checkpoint_conn, &stopped, &flag))
            .map_err(|source| StoreError::WriterThread { source })?;
        let (jobs, queue) = mpsc::channel(WRITE_QUEUE_CAPACITY);
        let handle = std::thread::Builder::new()
            .name("openclaw-store-writer".to_owned())
            .spawn(move || {
                run_writer(&conn, queue, &truncate_due);
                // Fold the WAL back into the main file so a clean shutdown leaves one
                // self-contained file; the final TRUNCATE checkpoint needs the WAL to itself.
                drop(stop_checkpoints);
                let _ = checkpointer.join();
                if let Err(error) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
                    tracing::warn!(target: "store", %error, "WAL checkpoint at shutdown failed");
                }
            })
            .map_err(|source| StoreError::WriterThread { source })?;
        Ok((Self { jobs }, handle))
    }

    /// Runs `op` on the writer connection inside a transaction and returns its result once it is
    /// committed.
    pub(crate) async fn write<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: WriteJob = Box::new(move |conn| {
            let outcome = match conn {
                Ok(conn) => op(conn),
                Err(message) => Err(StoreError::Commit { message }),
            };
            let failed = outcome.is_err();
            let finish: Finish = Box::new(move |commit| {
                // The caller may have given up waiting (dropped future); nothing to tell then.
                let _ = reply.send(commit.and(outcome));
            });
            (failed, finish)
        });
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

/// How often the checkpointer folds the WAL back into the database file.
const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// WAL frames (pages) after which the writer truncates the log: ~16 MB of WAL.
const TRUNCATE_AFTER_FRAMES: i64 = 4096;

/// Passive checkpoints until the writer hangs up. A passive checkpoint never blocks writers or
/// readers, so it does the bulk of the copying; but under constant writes it never reaches the
/// log's end, and a log is only rewound after a complete checkpoint. So once the log is long,
/// the writer is asked to finish the job between two batches ([`TRUNCATE_AFTER_FRAMES`]),
/// where only the few frames written since the passive pass remain to copy.
fn run_checkpointer(
    conn: &Connection,
    stop: &std::sync::mpsc::Receiver<()>,
    truncate_due: &AtomicBool,
) {
    while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
        stop.recv_timeout(CHECKPOINT_INTERVAL)
    {
        let frames = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            row.get::<_, i64>(1)
        });
        match frames {
            Ok(frames) if frames > TRUNCATE_AFTER_FRAMES => {
                truncate_due.store(true, Ordering::Release);
            }
            Ok(_) => {}
            Err(error) => {
                tracing::debug!(target: "store", %error, "passive WAL checkpoint failed; retrying later");
            }
        }
    }
}

fn run_writer(conn: &Connection, mut queue: mpsc::Receiver<WriteJob>, truncate_due: &AtomicBool) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // `blocking_recv` returns None once every sender is dropped *and* the queue is empty, so
    // closing the store flushes everything that was accepted.
    while let Some(first) = queue.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(conn, &mut batch);
        if truncate_due.swap(false, Ordering::AcqRel) {
            // Holding the write lock, nothing new is appended while the rest is copied. A
            // reader still on an old snapshot makes it return "busy"; the next pass retries.
            let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                row.get::<_, i64>(0)
            });
        }
    }
}

fn commit_batch(conn: &Connection, batch: &mut Vec<WriteJob>) {
    if let Err(error) = exec_cached(conn, "BEGIN IMMEDIATE") {
        let message = format!("cannot begin a write transaction: {error}");
        tracing::error!(target: "store", %message);
        for job in batch.drain(..) {
            let (_, finish) = job(Err(message.clone()));
            finish(Ok(()));
        }
        return;
    }
    let mut finishes = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        finishes.push(run_in_savepoint(conn, job));
    }
    let commit = conn
        .prepare_cached("COMMIT")
        .and_then(|mut statement| statement.execute([]).map(|_| ()))
        .map_err(|error| error.to_string());
    if commit.is_err() {
        // A failed COMMIT can leave the transaction open; close it so the next batch starts clean.
        let _ = conn.execute_batch("ROLLBACK");
    }
    for finish in finishes {
        finish(
            commit
                .clone()
                .map_err(|message| StoreError::Commit { message }),
        );
    }
}

/// Runs a parameterless statement through the connection's statement cache: the writer runs
/// the same transaction-control statements thousands of times a second.
fn exec_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)
        .and_then(|mut statement| statement.execute([]).map(|_| ()))
}

fn run_in_savepoint(conn: &Connection, job: WriteJob) -> Finish {
    if let Err(error) = exec_cached(conn, "SAVEPOINT write_job") {
        let (_, finish) = job(Err(format!("cannot open a savepoint: {error}")));
        return finish;
    }
    // A panicking operation (a bug in a caller's closure) must not take the writer down with
    // it: its savepoint is rolled back and its caller sees the reply channel closed.
    let (failed, finish) =
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(Ok(conn)))) {
            Ok(ran) => ran,
            Err(_) => {
                tracing::error!(target: "store", "a write operation panicked; it was rolled back");
                (true, Box::new(|_| {}) as Finish)
            }
        };
    let closed = if failed {
        conn.execute_batch("ROLLBACK TO write_job; RELEASE write_job")
    } else {
        exec_cached(conn, "RELEASE write_job")
    };
    if let Err(error) = closed {
        tracing::error!(target: "store", %error, "cannot close a write savepoint");
    }
    finish
}

/// Read connections, opened lazily and reused.
///
/// At most [`MAX_ACTIVE_READERS`] reads run at once: each holds a blocking-pool thread and a
/// connection with its own page cache, so a burst of requests queues here instead of growing
/// the process by a thread and a cache per request.
#[derive(Clone)]
pub(crate) struct Readers {
    path: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Connection>>>,
    active: Arc<tokio::sync::Semaphore>,
}

impl Readers {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path: Arc::new(path),
            idle: Arc::new(Mutex::new(Vec::new())),
            active: Arc::new(tokio::sync::Semaphore::new(MAX_ACTIVE_READERS)),
        }
    }

    /// Runs `op` on a read connection on tokio's blocking pool.
    pub(crate) async fn read<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self
            .active
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Closed)?;
        let readers = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = readers.checkout()?;
            let outcome = op(&conn);
            readers.give_back(conn);
            outcome
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }

    fn checkout(&self) -> Result<Connection, StoreError> {
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match pooled {
            Some(conn) => Ok(conn),
            None => open_connection(&self.path, true),
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }

    /// Closes idle connections (at shutdown, so the final checkpoint can truncate the WAL).
    pub(crate) fn close_idle(&self) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
