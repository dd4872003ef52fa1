//! `logs.tail` semantics: cursors, resets, truncation, partial lines, missing files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use openclaw_logging::{
    DEFAULT_TAIL_LIMIT, DEFAULT_TAIL_MAX_BYTES, TailChunk, resolve_tail_file, tail,
};

/// Real records captured from an OpenClaw 2026.x gateway's log file.
const OPENCLAW_SAMPLE: &str = include_str!("fixtures/openclaw-2026-11-24.log");

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
}

fn append(path: &Path, text: &str) {
    OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
}

fn log_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("openclaw-2026-11-24.log");
    write(&path, text);
    (dir, path)
}

#[test]
fn missing_file_is_an_empty_result() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.log");
    let chunk = tail(&path, None, DEFAULT_TAIL_LIMIT, DEFAULT_TAIL_MAX_BYTES).unwrap();
    assert_eq!(
        chunk,
        TailChunk {
            file: path,
            cursor: 0,
            size: 0,
            lines: vec![],
            truncated: false,
            reset: false,
        }
    );
}

#[test]
fn first_read_returns_whole_small_file_and_cursor_at_end() {
    let (_dir, path) = log_file(OPENCLAW_SAMPLE);
    let chunk = tail(&path, None, DEFAULT_TAIL_LIMIT, DEFAULT_TAIL_MAX_BYTES).unwrap();
    let expected: Vec<&str> = OPENCLAW_SAMPLE.lines().collect();
    assert_eq!(chunk.lines, expected);
    assert_eq!(chunk.size, OPENCLAW_SAMPLE.len() as u64);
    assert_eq!(chunk.cursor, chunk.size);
    assert!(!chunk.truncated && !chunk.reset);
}

#[test]
fn cursor_returns_only_new_lines() {
    let (_dir, path) = log_file("a\nb\n");
    let first = tail(&path, None, 500, 250_000).unwrap();
    assert_eq!(first.lines, ["a", "b"]);
    let idle = tail(&path, Some(first.cursor), 500, 250_000).unwrap();
    assert!(idle.lines.is_empty());
    assert_eq!(idle.cursor, first.cursor);
    append(&path, "c\nd\n");
    let next = tail(&path, Some(first.cursor), 500, 250_000).unwrap();
    assert_eq!(next.lines, ["c", "d"]);
    assert_eq!(next.cursor, 8);
    assert!(!next.reset && !next.truncated);
}

#[test]
fn partial_last_line_is_held_back_until_complete() {
    let (_dir, path) = log_file("one\ntw");
    let first = tail(&path, None, 500, 250_000).unwrap();
    assert_eq!(first.lines, ["one"]);
    assert_eq!(first.cursor, 4, "cursor stops after the last complete line");
    assert_eq!(first.size, 6);
    append(&path, "o\nthree");
    let second = tail(&path, Some(first.cursor), 500, 250_000).unwrap();
    assert_eq!(second.lines, ["two"]);
    assert_eq!(second.cursor, 8);
}

#[test]
fn no_cursor_limits_to_the_last_max_bytes_and_drops_the_cut_line() {
    // Lines of 10 bytes each ("line-NNNN\n").
    let text: String = (0..100).map(|n| format!("line-{n:04}\n")).collect();
    let (_dir, path) = log_file(&text);
    let chunk = tail(&path, None, 500, 25).unwrap();
    // The 25-byte window starts mid-line: that fragment is dropped.
    assert_eq!(chunk.lines, ["line-0098", "line-0099"]);
    assert!(chunk.truncated);
    assert!(!chunk.reset);
    assert_eq!(chunk.cursor, 1000);

    let aligned = tail(&path, None, 500, 30).unwrap();
    assert_eq!(aligned.lines, ["line-0097", "line-0098", "line-0099"]);
}

#[test]
fn limit_keeps_the_newest_lines() {
    let text: String = (0..50).map(|n| format!("{n}\n")).collect();
    let (_dir, path) = log_file(&text);
    let chunk = tail(&path, None, 3, 250_000).unwrap();
    assert_eq!(chunk.lines, ["47", "48", "49"]);
    assert!(chunk.truncated, "older lines were dropped");
    assert_eq!(chunk.cursor, chunk.size);
}

#[test]
fn cursor_beyond_size_means_rotated_file_and_resets() {
    let (_dir, path) = log_file("old-1\nold-2\nold-3\n");
    let first = tail(&path, None, 500, 250_000).unwrap();
    write(&path, "new\n");
    let after = tail(&path, Some(first.cursor), 500, 250_000).unwrap();
    assert!(after.reset);
    assert!(!after.truncated);
    assert_eq!(after.lines, ["new"]);
    assert_eq!(after.cursor, 4);
}

#[test]
fn cursor_too_far_behind_resets_to_the_window() {
    let text: String = (0..100).map(|n| format!("line-{n:04}\n")).collect();
    let (_dir, path) = log_file(&text);
    let chunk = tail(&path, Some(0), 500, 20).unwrap();
    assert!(chunk.reset && chunk.truncated);
    assert_eq!(chunk.lines, ["line-0098", "line-0099"]);
}

#[test]
fn reads_at_most_max_bytes() {
    // A 3 MB file with a 100-byte window must come back quickly with only the tail.
    let line = format!("{}\n", "x".repeat(99));
    let text = line.repeat(30_000);
    let (_dir, path) = log_file(&text);
    let chunk = tail(&path, None, 5000, 100).unwrap();
    assert_eq!(chunk.lines.len(), 1);
    assert_eq!(chunk.lines[0].len(), 99);
    assert_eq!(chunk.size, 3_000_000);
}

#[test]
fn out_of_range_arguments_are_clamped() {
    let (_dir, path) = log_file("a\nb\nc\n");
    let chunk = tail(&path, None, 0, 0).unwrap();
    // limit 0 → 1; max_bytes 0 → 1 byte ("\n" of the last line): no complete line in view.
    assert!(chunk.lines.is_empty());
    assert!(chunk.truncated);
    let chunk = tail(&path, None, 0, usize::MAX).unwrap();
    assert_eq!(chunk.lines, ["c"]);
}

#[test]
fn serialises_like_the_logs_tail_payload() {
    let (_dir, path) = log_file("{\"0\":\"x\"}\n");
    let chunk = tail(&path, None, 500, 250_000).unwrap();
    let json = serde_json::to_value(&chunk).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["file", "cursor", "size", "lines", "truncated", "reset"]
    );
    assert_eq!(json["file"], path.to_string_lossy().as_ref());
    assert_eq!(json["lines"][0], "{\"0\":\"x\"}");
}

#[test]
fn resolve_falls_back_to_newest_daily_file() {
    let dir = tempfile::tempdir().unwrap();
    let today = dir.path().join("openclaw-2026-11-25.log");
    assert_eq!(resolve_tail_file(&today), today, "nothing to fall back to");
    let yesterday = dir.path().join("openclaw-2026-11-24.log");
    write(&yesterday, "x\n");
    write(&dir.path().join("unrelated.log"), "y\n");
    assert_eq!(resolve_tail_file(&today), yesterday);
    write(&today, "z\n");
    assert_eq!(resolve_tail_file(&today), today);
    let fixed = dir.path().join("custom.log");
    assert_eq!(
        resolve_tail_file(&fixed),
        fixed,
        "fixed paths never fall back"
    );
}
