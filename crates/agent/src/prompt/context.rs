//! Project Context: the bootstrap files as injected into the prompt, with per-file and total
//! character budgets (spec §5.6 step 3).
//!
//! Sizes are counted in Unicode scalar values (`char`s). OpenClaw counts UTF-16 code units; the
//! two agree for text without astral characters (emoji), which is what these files mostly are.

use crate::workspace::BootstrapFile;

/// Share of the per-file budget kept from the start of an over-long file.
const HEAD_PERCENT: usize = 70;
/// Share of the per-file budget kept from its end (the rest pays for the marker).
const TAIL_PERCENT: usize = 20;
/// Below this many characters of remaining total budget, further files are left out entirely:
/// a few dozen characters of a file would only mislead.
pub const MIN_FILE_BUDGET_CHARS: usize = 64;

/// How one file ended up in the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectedFile {
    pub name: String,
    pub path: String,
    pub missing: bool,
    /// Characters of the file (trailing whitespace not counted), 0 when missing.
    pub raw_chars: usize,
    /// Characters placed in the prompt for this file (marker included).
    pub injected_chars: usize,
    pub truncated: bool,
    /// The text under the file's heading; `None` when the file was left out (empty, or the
    /// total budget ran out).
    pub text: Option<String>,
}

/// The result of cutting `content` to `max_chars`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    pub text: String,
    pub truncated: bool,
    /// Characters of the original kept from the start and from the end.
    pub head_chars: usize,
    pub tail_chars: usize,
    /// Characters of the (end-trimmed) original.
    pub total_chars: usize,
}

/// Cuts `content` (trailing whitespace dropped first) to `max_chars`: when longer, keeps 70 % of
/// the budget from the start and 20 % from the end, joined by a marker naming the file to read
/// for the full text and how much was kept.
pub fn truncate_file(name: &str, content: &str, max_chars: usize) -> Truncation {
    let content = content.trim_end();
    let total = content.chars().count();
    if total <= max_chars {
        return Truncation {
            text: content.to_string(),
            truncated: false,
            head_chars: total,
            tail_chars: 0,
            total_chars: total,
        };
    }
    let head_chars = max_chars * HEAD_PERCENT / 100;
    let tail_chars = max_chars * TAIL_PERCENT / 100;
    let head_end = byte_offset_of_char(content, head_chars);
    let tail_start = byte_offset_of_char(content, total - tail_chars);
    let text = format!(
        "{head}\n[... {name} is truncated here: this shows its first {head_chars} and last \
         {tail_chars} of {total} characters. Read {name} for the full content. ...]\n{tail}",
        head = &content[..head_end],
        tail = &content[tail_start..],
    );
    Truncation {
        text,
        truncated: true,
        head_chars,
        tail_chars,
        total_chars: total,
    }
}

fn byte_offset_of_char(s: &str, char_index: usize) -> usize {
    s.char_indices()
        .nth(char_index)
        .map_or(s.len(), |(offset, _)| offset)
}

/// The marker shown instead of a missing file's content.
pub fn missing_marker(path: &str) -> String {
    format!("[MISSING] Expected at: {path}")
}

/// Applies the per-file cap and the total budget to `files`, in order.
pub fn inject_files(
    files: &[BootstrapFile],
    max_chars: usize,
    total_max_chars: usize,
) -> Vec<InjectedFile> {
    let mut remaining = total_max_chars;
    files
        .iter()
        .map(|file| {
            let path = file.path.display().to_string();
            let mut injected = InjectedFile {
                name: file.name.clone(),
                missing: file.content.is_none(),
                raw_chars: file
                    .content
                    .as_deref()
                    .map_or(0, |c| c.trim_end().chars().count()),
                injected_chars: 0,
                truncated: false,
                text: None,
                path,
            };
            if remaining < MIN_FILE_BUDGET_CHARS {
                // Left out for lack of budget: report it as cut, so the model-facing sizes and
                // the report agree that the file was not (fully) seen.
                injected.truncated = !injected.missing && injected.raw_chars > 0;
                return injected;
            }
            let budget = max_chars.min(remaining);
            let text = match file.content.as_deref() {
                None => missing_marker(&injected.path),
                Some(content) => {
                    let cut = truncate_file(&file.name, content, budget);
                    injected.truncated = cut.truncated;
                    cut.text
                }
            };
            if text.is_empty() {
                // An empty file says nothing; a bare heading would only cost tokens.
                return injected;
            }
            injected.injected_chars = text.chars().count();
            remaining = remaining.saturating_sub(injected.injected_chars);
            injected.text = Some(text);
            injected
        })
        .collect()
}
