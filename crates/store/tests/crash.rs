//! Crash safety: a process killed (SIGKILL) in the middle of writing loses no acknowledged
//! write and leaves a consistent database.
//!
//! The test re-runs its own test binary as the writer process (selected by an environment
//! variable), reads its acknowledgements from stdout, kills it mid-stream and reopens the store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use openclaw_store::{NewEntry, Store};
use serde_json::json;

const CHILD_DIR_VAR: &str = "OPENCLAW_STORE_CRASH_CHILD_DIR";
const WRITERS: usize = 4;
const ACKS_BEFORE_KILL: usize = 400;

/// Child mode: append forever from several tasks, printing `acked <session> <count>` after each
/// append returned `Ok`.
async fn write_until_killed(dir: &str) {
    let store = std::sync::Arc::new(Store::open(std::path::Path::new(dir)).await.unwrap());
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let session = format!("crash-{writer}");
            for count in 1.. {
                let text = format!("entry {count} {}", "x".repeat(200));
                store
                    .append_transcript(
                        &session,
                        NewEntry::message(json!({"role": "user", "content": text}), count),
                    )
                    .await
                    .unwrap();
                let mut out = std::io::stdout().lock();
                writeln!(out, "acked {session} {count}").unwrap();
                out.flush().unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

#[tokio::test]
async fn sigkill_mid_write_loses_no_acknowledged_entry() {
    if let Ok(dir) = std::env::var(CHILD_DIR_VAR) {
        write_until_killed(&dir).await;
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "sigkill_mid_write_loses_no_acknowledged_entry",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD_DIR_VAR, state.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut acked: BTreeMap<String, i64> = BTreeMap::new();
    let mut total = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("acked ") {
            let (session, count) = rest.split_once(' ').unwrap();
            acked.insert(session.to_owned(), count.parse().unwrap());
            total += 1;
            if total >= ACKS_BEFORE_KILL {
                break;
            }
        }
        assert!(Instant::now() < deadline, "writer child too slow");
    }
    // SIGKILL: no destructors, no final checkpoint, writes possibly in flight.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        total >= ACKS_BEFORE_KILL,
        "child stopped early after {total} acks"
    );

    let store = Store::open(state.path()).await.unwrap();
    for (session, acknowledged) in &acked {
        let entries = store.transcript(session).await.unwrap();
        assert!(
            entries.len() as i64 >= *acknowledged,
            "{session}: {} entries stored, {acknowledged} acknowledged",
            entries.len()
        );
        // The tree is intact: each entry's parent is the one before it, seq has no gaps.
        for (index, pair) in entries.windows(2).enumerate() {
            assert_eq!(pair[1].parent_id.as_deref(), Some(pair[0].id.as_str()));
            assert_eq!(pair[1].seq, index as i64 + 2);
        }
    }
    store.close().await.unwrap();
    let conn = rusqlite::Connection::open(state.path().join("openclaw.sqlite")).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}
