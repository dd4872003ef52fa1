//! Reading the end of the log file for the WS method `logs.tail` (Control UI Logs tab,
//! `openclaw logs --follow`).
//!
//! Semantics follow OpenClaw's handler, with one deliberate difference:
//! - no cursor: the last `limit` lines within the last `max_bytes` of the file;
//!   `truncated` when the file holds more than that window;
//! - cursor: everything after it; if that is more than `max_bytes`, only the last
//!   `max_bytes` (`reset` + `truncated`: the client missed lines);
//! - cursor beyond the end (file rotated or truncated): `reset` and start over from the
//!   last `max_bytes`;
//! - a line cut by the window's start is dropped; lines beyond `limit` are dropped from
//!   the front (we also flag that as `truncated`; OpenClaw does not);
//! - missing file: no lines, size 0, cursor 0.
//! - **Difference:** OpenClaw returns a line still being written and moves the cursor to the
//!   end of the file, so the client never sees the rest of that line. We stop at the last
//!   newline and return the cursor there, so partial lines are never returned and the line
//!   arrives whole on the next poll.
//!
//! Memory is bounded: at most `max_bytes + 1` bytes are read per call.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::LogError;
use crate::file::is_daily_log_file_name;

pub const DEFAULT_TAIL_LIMIT: usize = 500;
pub const MAX_TAIL_LIMIT: usize = 5000;
pub const DEFAULT_TAIL_MAX_BYTES: usize = 250_000;
pub const MAX_TAIL_MAX_BYTES: usize = 1_000_000;

/// The `logs.tail` result payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TailChunk {
    #[serde(serialize_with = "serialize_path_lossy")]
    pub file: PathBuf,
    /// Byte offset to pass as `cursor` next time (end of the last complete line returned).
    pub cursor: u64,
    /// File size when read.
    pub size: u64,
    /// JSONL records, without line terminators.
    pub lines: Vec<String>,
    pub truncated: bool,
    pub reset: bool,
}

fn serialize_path_lossy<S: serde::Serializer>(
    path: &Path,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.to_string_lossy())
}

/// Reads the tail of `path`. `limit` is clamped to `1..=5000` and `max_bytes` to
/// `1..=1_000_000` (the WS layer validates the request; clamping keeps this function safe
/// for any caller).
pub fn tail(
    path: &Path,
    cursor: Option<u64>,
    limit: usize,
    max_bytes: usize,
) -> Result<TailChunk, LogError> {
    let limit = limit.clamp(1, MAX_TAIL_LIMIT);
    let max_bytes = max_bytes.clamp(1, MAX_TAIL_MAX_BYTES) as u64;
    let read_error = |source: io::Error| LogError::ReadLogFile {
        path: path.to_path_buf(),
        source,
    };
    let empty = |cursor: u64, size: u64, truncated: bool, reset: bool| TailChunk {
        file: path.to_path_buf(),
        cursor,
        size,
        lines: Vec::new(),
        truncated,
        reset,
    };

    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(empty(0, 0, false, false)),
        Err(err) => return Err(read_error(err)),
    };
    let size = file.metadata().map_err(read_error)?.len();

    let window_start = size.saturating_sub(max_bytes);
    let (start, truncated, reset) = match cursor {
        None => (window_start, window_start > 0, false),
        Some(cursor) if cursor > size => (window_start, window_start > 0, true),
        Some(cursor) if size - cursor > max_bytes => (window_start, true, true),
        Some(cursor) => (cursor, false, false),
    };
    if start >= size {
        return Ok(empty(size, size, truncated, reset));
    }

    // Read one byte before the window to learn whether it starts on a line boundary.
    let read_from = start.saturating_sub(1);
    file.seek(SeekFrom::Start(read_from)).map_err(read_error)?;
    let mut buffer = Vec::with_capacity((size - read_from) as usize);
    file.take(size - read_from)
        .read_to_end(&mut buffer)
        .map_err(read_error)?;
    let (starts_on_boundary, window) = if start > 0 {
        match buffer.split_first() {
            Some((previous, rest)) => (*previous == b'\n', rest),
            None => (true, &buffer[..]),
        }
    } else {
        (true, &buffer[..])
    };

    // Only complete lines: stop after the last newline.
    let Some(last_newline) = window.iter().rposition(|&byte| byte == b'\n') else {
        return Ok(empty(start, size, truncated, reset));
    };
    let complete = &window[..=last_newline];
    let next_cursor = start + complete.len() as u64;
    let complete = if starts_on_boundary {
        complete
    } else {
        match complete.iter().position(|&byte| byte == b'\n') {
            Some(first_newline) => &complete[first_newline + 1..],
            None => &[],
        }
    };

    let mut lines: Vec<String> = complete
        .split(|&byte| byte == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty())
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect();
    let mut truncated = truncated;
    if lines.len() > limit {
        lines.drain(..lines.len() - limit);
        truncated = true;
    }
    Ok(TailChunk {
        file: path.to_path_buf(),
        cursor: next_cursor,
        size,
        lines,
        truncated,
        reset,
    })
}

/// The file `logs.tail` should read for the configured log path: the path itself if it
/// exists; for a daily rolling path that does not exist yet (just after midnight, before
/// the first record of the day) the most recently modified daily file next to it.
pub fn resolve_tail_file(configured: &Path) -> PathBuf {
    if configured.exists() {
        return configured.to_path_buf();
    }
    let is_daily = configured
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(is_daily_log_file_name);
    let Some(dir) = configured.parent().filter(|_| is_daily) else {
        return configured.to_path_buf();
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return configured.to_path_buf();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_str()
                .is_some_and(is_daily_log_file_name)
        })
        .filter_map(|entry| {
            let metadata = entry.metadata().ok()?;
            let modified = metadata.modified().ok()?;
            metadata.is_file().then(|| (modified, entry.path()))
        })
        .max()
        .map(|(_, path)| path)
        .unwrap_or_else(|| configured.to_path_buf())
}
