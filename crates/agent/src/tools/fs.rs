//! `read`, `write` and `edit`: file tools confined to the agent workspace (see [`super::paths`]).
//!
//! Argument names follow OpenClaw (pi-coding-agent's tools): `read {path, offset?, limit?}`,
//! `write {path, content}`, `edit {path, oldText, newText}`; Claude-style aliases (`file_path`,
//! `old_string`, `new_string`) are accepted like OpenClaw's wrappers do. `read` returns at most
//! 2000 lines or 50 KiB per call and says how to continue.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use openclaw_providers::ToolSpec;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{ToolContext, ToolOutput, args, paths};

/// Lines returned by one `read` when no `limit` is given.
pub const READ_MAX_LINES: usize = 2000;
/// Bytes of text returned by one `read`.
pub const READ_MAX_BYTES: usize = 50 * 1024;
/// Files larger than this are not loaded whole by `edit`.
pub const EDIT_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// `read` stops counting a file's lines past this many bytes.
const READ_COUNT_SCAN_BYTES: u64 = 64 * 1024 * 1024;
/// Bytes sniffed for a NUL to tell binary files apart.
const BINARY_SNIFF_BYTES: usize = 8192;

const PATH_ALIASES: [&str; 3] = ["path", "file_path", "filePath"];
const OLD_ALIASES: [&str; 3] = ["oldText", "old_string", "oldString"];
const NEW_ALIASES: [&str; 3] = ["newText", "new_string", "newString"];

pub fn read_spec() -> ToolSpec {
    ToolSpec {
        name: "read".into(),
        description: format!(
            "Read a text file from the agent workspace. Output is limited to {READ_MAX_LINES} \
             lines or {} KB per call; use offset/limit to page through large files.",
            READ_MAX_BYTES / 1024
        ),
        input_schema: json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Path of the file, relative to the workspace (absolute paths must be inside it)"},
                "offset": {"type": "number", "description": "Line number to start reading from (1-indexed)"},
                "limit": {"type": "number", "description": "Maximum number of lines to read"}
            },
            "required": ["path"]
        }),
    }
}

pub fn write_spec() -> ToolSpec {
    ToolSpec {
        name: "write".into(),
        description: "Write a file in the agent workspace, replacing it if it exists. Missing \
                      parent directories are created."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Path of the file, relative to the workspace (absolute paths must be inside it)"},
                "content": {"type": "string", "description": "Full content to write"}
            },
            "required": ["path", "content"]
        }),
    }
}

pub fn edit_spec() -> ToolSpec {
    ToolSpec {
        name: "edit".into(),
        description: "Edit a file in the agent workspace by replacing one exact piece of text. \
                      oldText must match exactly (including whitespace) and occur exactly once."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "Path of the file, relative to the workspace (absolute paths must be inside it)"},
                "oldText": {"type": "string", "description": "Exact text to find (must be unique in the file)"},
                "newText": {"type": "string", "description": "Text to put in its place"}
            },
            "required": ["path", "oldText", "newText"]
        }),
    }
}

fn finish(result: Result<String, String>) -> ToolOutput {
    match result {
        Ok(text) => ToolOutput::ok(text),
        Err(message) => ToolOutput::error(message),
    }
}

async fn resolve(tool: &str, ctx: &ToolContext, raw: &str) -> Result<PathBuf, String> {
    paths::resolve(&ctx.workspace, raw)
        .await
        .map_err(|e| format!("{tool}: {e}"))
}

fn io_message(tool: &str, shown: &str, err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => {
            format!(
                "{tool}: {shown} does not exist in the workspace; check the path (relative to the workspace)"
            )
        }
        std::io::ErrorKind::PermissionDenied => {
            format!("{tool}: {shown}: permission denied by the operating system")
        }
        _ => format!("{tool}: {shown}: {err}"),
    }
}

pub async fn read(ctx: &ToolContext, args: &Value) -> ToolOutput {
    finish(read_inner(ctx, args).await)
}

async fn read_inner(ctx: &ToolContext, raw_args: &Value) -> Result<String, String> {
    let map = args::object("read", raw_args)?;
    let shown = args::string("read", map, &PATH_ALIASES)?;
    // Offsets below 1 mean "from the start", as in OpenClaw.
    let offset = args::opt_number("read", map, "offset")?.map_or(1, |n| n.max(1.0).floor() as u64);
    let limit = args::opt_positive("read", map, "limit")?;
    let path = resolve("read", ctx, shown).await?;
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| io_message("read", shown, &e))?;
    if meta.is_dir() {
        return Err(format!(
            "read: {shown} is a directory, not a file; pass the path of a file inside it"
        ));
    }
    if !meta.is_file() {
        return Err(format!(
            "read: {shown} is not a regular file (a device, socket or pipe); read only opens files"
        ));
    }
    let request = ReadRequest {
        path,
        shown: shown.to_owned(),
        offset,
        limit,
        size: meta.len(),
        cancel: ctx.cancel.clone(),
    };
    tokio::task::spawn_blocking(move || read_blocking(&request))
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "read: {shown}: the read was interrupted; try again"
            ))
        })
}

struct ReadRequest {
    path: PathBuf,
    shown: String,
    offset: u64,
    limit: Option<u64>,
    size: u64,
    cancel: CancellationToken,
}

/// Why collection stopped before the end of the file.
enum Stop {
    End,
    UserLimit,
    LineCap,
    ByteCap,
}

fn read_blocking(req: &ReadRequest) -> Result<String, String> {
    let shown = req.shown.as_str();
    let file = std::fs::File::open(&req.path).map_err(|e| io_message("read", shown, &e))?;
    let mut reader = BufReader::new(file);
    let head = reader
        .fill_buf()
        .map_err(|e| io_message("read", shown, &e))?;
    if let Some(kind) = binary_kind(&head[..head.len().min(BINARY_SNIFF_BYTES)]) {
        return Err(format!(
            "read: {shown} is {kind} ({} bytes), not text; read only returns text files",
            req.size
        ));
    }
    if req.size == 0 {
        return Ok("(empty file)".into());
    }

    let wanted = req
        .limit
        .map_or(READ_MAX_LINES as u64, |l| l.min(READ_MAX_LINES as u64));
    let mut out = String::new();
    let mut line_no: u64 = 0;
    let mut shown_lines: u64 = 0;
    let mut stop = Stop::End;
    let mut long_line_note = None;
    let mut scanned: u64 = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_message("read", shown, &e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        scanned += n as u64;
        if line_no.is_multiple_of(4096) && req.cancel.is_cancelled() {
            return Err(format!("read: {shown}: cancelled"));
        }
        if !matches!(stop, Stop::End) {
            // Still counting lines for the "of N" notice, up to a bound.
            if scanned > READ_COUNT_SCAN_BYTES {
                return Ok(out + &notice(req, shown_lines, None, &stop));
            }
            continue;
        }
        if line_no < req.offset {
            continue;
        }
        if shown_lines >= wanted {
            stop = if req.limit.is_some_and(|l| l <= READ_MAX_LINES as u64) {
                Stop::UserLimit
            } else {
                Stop::LineCap
            };
            continue;
        }
        let line = String::from_utf8_lossy(strip_newline(&buf));
        let needed = line.len() + usize::from(shown_lines > 0);
        if out.len() + needed > READ_MAX_BYTES {
            if shown_lines == 0 {
                // A single line over the cap: show its start so the model still gets something.
                let cut = floor_char_boundary(&line, READ_MAX_BYTES);
                out.push_str(&line[..cut]);
                shown_lines = 1;
                long_line_note = Some(format!(
                    "\n\n[Line {line_no} is {} bytes; only its first {cut} bytes are shown.]",
                    line.len()
                ));
                stop = Stop::LineCap;
                continue;
            }
            stop = Stop::ByteCap;
            continue;
        }
        if shown_lines > 0 {
            out.push('\n');
        }
        out.push_str(&line);
        shown_lines += 1;
    }
    let total = line_no;
    if req.offset > total {
        return Err(format!(
            "read: offset {} is beyond the end of {shown} ({total} lines); use an offset between 1 and {total}",
            req.offset
        ));
    }
    if let Some(note) = long_line_note {
        let more = total > req.offset;
        return Ok(if more {
            out + &note + &format!(" Use offset={} to continue.", req.offset + 1)
        } else {
            out + &note
        });
    }
    Ok(out + &notice(req, shown_lines, Some(total), &stop))
}

fn notice(req: &ReadRequest, shown_lines: u64, total: Option<u64>, stop: &Stop) -> String {
    let first = req.offset;
    let last = first + shown_lines.saturating_sub(1);
    let next = last + 1;
    match (stop, total) {
        (Stop::End, _) => String::new(),
        (Stop::UserLimit, Some(total)) => format!(
            "\n\n[{} more lines in file. Use offset={next} to continue.]",
            total.saturating_sub(last)
        ),
        (Stop::LineCap, Some(total)) => {
            format!("\n\n[Showing lines {first}-{last} of {total}. Use offset={next} to continue.]")
        }
        (Stop::ByteCap, Some(total)) => format!(
            "\n\n[Showing lines {first}-{last} of {total} ({} KB limit). Use offset={next} to continue.]",
            READ_MAX_BYTES / 1024
        ),
        (_, None) => format!(
            "\n\n[Showing lines {first}-{last}; the file continues. Use offset={next} to continue.]"
        ),
    }
}

fn strip_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn floor_char_boundary(s: &str, max: usize) -> usize {
    let mut cut = max.min(s.len());
    while cut > 0 && !s.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

/// A description when `head` looks like a binary file.
fn binary_kind(head: &[u8]) -> Option<&'static str> {
    let image = [
        (&b"\x89PNG"[..], "a PNG image"),
        (&b"\xff\xd8\xff"[..], "a JPEG image"),
        (&b"GIF8"[..], "a GIF image"),
        (&b"%PDF"[..], "a PDF document"),
    ];
    if let Some((_, kind)) = image.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(kind);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some("a WebP image");
    }
    head.contains(&0).then_some("a binary file")
}

pub async fn write(ctx: &ToolContext, args: &Value) -> ToolOutput {
    finish(write_inner(ctx, args).await)
}

async fn write_inner(ctx: &ToolContext, raw_args: &Value) -> Result<String, String> {
    let map = args::object("write", raw_args)?;
    let shown = args::string("write", map, &PATH_ALIASES)?;
    let content = args::string("write", map, &["content"])?;
    let path = resolve("write", ctx, shown).await?;
    if let Ok(meta) = tokio::fs::metadata(&path).await {
        if meta.is_dir() {
            return Err(format!(
                "write: {shown} is a directory; pass a file path (e.g. {shown}/name.txt)"
            ));
        }
        if !meta.is_file() {
            return Err(format!(
                "write: {shown} is not a regular file (a device, socket or pipe); write only replaces files"
            ));
        }
    }
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await.map_err(|e| {
            format!(
                "write: cannot create the parent directory of {shown}: {e}; a file may exist where a directory is needed"
            )
        })?;
    }
    tokio::fs::write(&path, content)
        .await
        .map_err(|e| io_message("write", shown, &e))?;
    Ok(format!(
        "Successfully wrote {} bytes to {shown}",
        content.len()
    ))
}

pub async fn edit(ctx: &ToolContext, args: &Value) -> ToolOutput {
    finish(edit_inner(ctx, args).await)
}

async fn edit_inner(ctx: &ToolContext, raw_args: &Value) -> Result<String, String> {
    let map = args::object("edit", raw_args)?;
    let shown = args::string("edit", map, &PATH_ALIASES)?;
    let old_text = args::string("edit", map, &OLD_ALIASES)?;
    let new_text = args::string("edit", map, &NEW_ALIASES)?;
    if old_text.is_empty() {
        return Err(
            "edit: oldText is empty; pass the exact text to replace (use write to create a file)"
                .into(),
        );
    }
    if old_text == new_text {
        return Err("edit: oldText and newText are identical; nothing would change".into());
    }
    let path = resolve("edit", ctx, shown).await?;
    let meta = tokio::fs::metadata(&path)
        .await
        .map_err(|e| io_message("edit", shown, &e))?;
    if !meta.is_file() {
        return Err(format!(
            "edit: {shown} is not a regular file (a directory, device, socket or pipe)"
        ));
    }
    if meta.len() > EDIT_MAX_FILE_BYTES {
        return Err(format!(
            "edit: {shown} is {} bytes, over the {} MiB edit limit; change it with exec (e.g. sed) instead",
            meta.len(),
            EDIT_MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| io_message("edit", shown, &e))?;
    let content = String::from_utf8(bytes)
        .map_err(|_| format!("edit: {shown} is not UTF-8 text; edit only changes text files"))?;
    let updated = replace_unique(&content, old_text, new_text, shown)?;
    tokio::fs::write(&path, &updated.content)
        .await
        .map_err(|e| io_message("edit", shown, &e))?;
    Ok(format!(
        "Successfully replaced text in {shown} (at line {}).",
        updated.line
    ))
}

#[derive(Debug)]
struct Replaced {
    content: String,
    line: usize,
}

/// Replaces the single occurrence of `old` (falling back to CRLF line endings when the file uses
/// them and `old` was sent with LF).
fn replace_unique(content: &str, old: &str, new: &str, shown: &str) -> Result<Replaced, String> {
    let mut needle = old.to_owned();
    let mut replacement = new.to_owned();
    let mut hits = occurrences(content, &needle);
    if hits.is_empty() && content.contains("\r\n") && old.contains('\n') && !old.contains("\r\n") {
        needle = old.replace('\n', "\r\n");
        replacement = new.replace("\r\n", "\n").replace('\n', "\r\n");
        hits = occurrences(content, &needle);
    }
    match hits.as_slice() {
        [] => Err(format!(
            "edit: could not find oldText in {shown}. It must match the file exactly, including \
             whitespace, indentation and line breaks; read the file again and copy the text exactly"
        )),
        [at] => {
            let mut out = String::with_capacity(content.len() + replacement.len());
            out.push_str(&content[..*at]);
            out.push_str(&replacement);
            out.push_str(&content[at + needle.len()..]);
            let line = content[..*at].matches('\n').count() + 1;
            Ok(Replaced { content: out, line })
        }
        many => Err(format!(
            "edit: oldText occurs {} times in {shown}; it must be unique. Include more \
             surrounding lines in oldText so it matches only the place to change",
            many.len()
        )),
    }
}

/// Start offsets of every occurrence of `needle`, overlapping ones included.
fn occurrences(haystack: &str, needle: &str) -> Vec<usize> {
    let mut hits = Vec::new();
    let mut from = 0;
    while let Some(found) = haystack[from..].find(needle) {
        let at = from + found;
        hits.push(at);
        // Step one character so overlapping matches also count against uniqueness.
        let step = haystack[at..].chars().next().map_or(1, char::len_utf8);
        from = at + step;
        if from > haystack.len() {
            break;
        }
    }
    hits
}

/// Whether `path` exists and is a directory (for callers resolving a working directory).
pub(crate) async fn is_dir(path: &Path) -> bool {
    tokio::fs::metadata(path).await.is_ok_and(|m| m.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_replacement() {
        let done = replace_unique("a\nfoo\nb\n", "foo", "bar", "f").unwrap();
        assert_eq!(done.content, "a\nbar\nb\n");
        assert_eq!(done.line, 2);
        let err = replace_unique("foo foo", "foo", "x", "f.txt").unwrap_err();
        assert!(err.contains("2 times") && err.contains("f.txt"), "{err}");
        let err = replace_unique("abc", "zzz", "x", "f.txt").unwrap_err();
        assert!(err.contains("could not find"), "{err}");
        // Overlapping occurrences are not unique.
        assert!(replace_unique("aaa", "aa", "b", "f").is_err());
    }

    #[test]
    fn crlf_fallback() {
        let done = replace_unique("one\r\ntwo\r\nthree\r\n", "one\ntwo", "1\n2", "f").unwrap();
        assert_eq!(done.content, "1\r\n2\r\nthree\r\n");
    }

    #[test]
    fn binary_detection() {
        assert_eq!(binary_kind(b"\x89PNG\r\n"), Some("a PNG image"));
        assert_eq!(binary_kind(b"abc\0def"), Some("a binary file"));
        assert_eq!(binary_kind("héllo".as_bytes()), None);
    }

    #[test]
    fn char_boundary() {
        assert_eq!(floor_char_boundary("héllo", 2), 1);
        assert_eq!(floor_char_boundary("abc", 10), 3);
    }
}
