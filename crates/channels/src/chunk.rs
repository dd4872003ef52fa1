//! Splitting outbound text into messages a channel accepts (spec §5.7).
//!
//! Lengths are counted in UTF-16 code units, the unit JavaScript's `length` uses (so chunk
//! boundaries match OpenClaw's) and never fewer than Discord's count of characters: a chunk that
//! fits here fits Discord's 2000-character limit whichever way Discord counts an emoji.
//!
//! A chunk ends at the best break inside the window that fits: a blank line, else a line break,
//! else the end of a sentence, else a space, else (still outside code) a line break inside a code
//! fence, else a hard cut. A preferred break is taken only when it keeps at least half the window,
//! so one short opening paragraph does not become a message of its own while a later line break
//! is available; when no break reaches half-way the latest one is used. Breaking inside a
//! ```` ``` ```` fence closes it at the end of the chunk and reopens it (same info string) at the
//! start of the next one, so every chunk renders as the code it contains. Whitespace at a break
//! outside code is dropped (indentation of the next line is kept).
//!
//! Fence balancing needs room for the fence lines themselves: with a limit smaller than the open
//! line plus the close line plus one character, a fence is cut like plain text.

/// `chunkMode`: `length` fills each message; `newline` starts a new message at every blank line
/// (outside code), then splits long paragraphs by length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChunkMode {
    #[default]
    Length,
    Newline,
}

impl ChunkMode {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "length" => Some(Self::Length),
            "newline" => Some(Self::Newline),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Length => "length",
            Self::Newline => "newline",
        }
    }
}

/// Limits for one channel (Discord: 2000 units, 17 lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkOptions {
    /// Maximum length of a chunk in UTF-16 code units (values below 2 count as 2).
    pub limit_chars: usize,
    /// Maximum lines per chunk (values below 3 count as 3, room for a reopened fence).
    pub max_lines: Option<usize>,
    pub mode: ChunkMode,
}

/// One chunk and whether fence lines were added to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub text: String,
    /// The first line reopens a fence the previous chunk closed.
    pub reopened_fence: bool,
    /// The last line closes a fence that continues in the next chunk.
    pub closed_fence: bool,
}

/// Length as Discord-safe characters (UTF-16 code units).
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Splits `text` into messages (see the module docs). Empty or whitespace-only text gives none.
pub fn chunk_text(text: &str, options: &ChunkOptions) -> Vec<String> {
    chunk_text_detailed(text, options)
        .into_iter()
        .map(|chunk| chunk.text)
        .collect()
}

/// [`chunk_text`] with the fence bookkeeping of every chunk.
pub fn chunk_text_detailed(text: &str, options: &ChunkOptions) -> Vec<Chunk> {
    let normalized = text.replace("\r\n", "\n");
    let limits = Limits {
        chars: options.limit_chars.max(2),
        lines: options.max_lines.map(|m| m.max(3)),
    };
    match options.mode {
        ChunkMode::Length => Splitter::new(&normalized, limits).run(),
        ChunkMode::Newline => paragraphs(&normalized)
            .into_iter()
            .flat_map(|part| Splitter::new(part, limits).run())
            .collect(),
    }
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    chars: usize,
    lines: Option<usize>,
}

/// A fenced code block: byte offsets into the text.
#[derive(Debug, Clone)]
struct Fence {
    open_start: usize,
    /// End of the opening line (its `\n` not included).
    open_end: usize,
    /// Start of the closing line (`text.len()` when the fence is never closed).
    close_start: usize,
    close_end: usize,
    open_line: String,
    close_line: String,
}

fn parse_fences(text: &str) -> Vec<Fence> {
    let mut fences = Vec::new();
    let mut open: Option<(usize, usize, String, char, usize, String)> = None;
    let mut line_start = 0;
    for line in text.split('\n') {
        let line_end = line_start + line.len();
        let indent = line.bytes().take_while(|b| *b == b' ').count();
        let body = &line[indent.min(line.len())..];
        let marker = body.chars().next().filter(|c| *c == '`' || *c == '~');
        if indent <= 3
            && let Some(ch) = marker
        {
            let run = body.chars().take_while(|c| *c == ch).count();
            let after = &body[run..];
            match &open {
                None if run >= 3 && !(ch == '`' && after.contains('`')) => {
                    let close_line =
                        format!("{}{}", " ".repeat(indent), ch.to_string().repeat(run));
                    open = Some((line_start, line_end, line.to_owned(), ch, run, close_line));
                }
                Some((_, _, _, open_ch, open_run, _))
                    if *open_ch == ch && run >= *open_run && after.trim().is_empty() =>
                {
                    if let Some((open_start, open_end, open_line, _, _, close_line)) = open.take() {
                        fences.push(Fence {
                            open_start,
                            open_end,
                            close_start: line_start,
                            close_end: line_end,
                            open_line,
                            close_line,
                        });
                    }
                }
                _ => {}
            }
        }
        line_start = line_end + 1;
    }
    if let Some((open_start, open_end, open_line, _, _, close_line)) = open {
        fences.push(Fence {
            open_start,
            open_end,
            close_start: text.len(),
            close_end: text.len(),
            open_line,
            close_line,
        });
    }
    fences
}

/// Blank-line separated parts outside fences (newline mode), each trimmed, empty ones dropped.
fn paragraphs(text: &str) -> Vec<&str> {
    let fences = parse_fences(text);
    let mut parts = Vec::new();
    let mut part_start = 0;
    let mut search = 0;
    while let Some(offset) = text[search..].find('\n') {
        let nl = search + offset;
        search = nl + 1;
        let before = fences.partition_point(|f| f.open_start < nl);
        let inside = before
            .checked_sub(1)
            .is_some_and(|i| nl < fences[i].close_end);
        if inside {
            continue;
        }
        let after = &text[nl + 1..];
        let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
        if after[gap..].starts_with('\n') {
            parts.push(&text[part_start..nl]);
            let rest = &text[nl..];
            let skipped = rest.len() - rest.trim_start().len();
            // Keep the indentation of the first line after the gap.
            let run = &text[nl..nl + skipped];
            let last_nl = run.rfind('\n').map_or(0, |i| i + 1);
            part_start = nl + last_nl;
            search = part_start.max(search);
        }
    }
    parts.push(&text[part_start..]);
    parts
        .into_iter()
        .map(|p| p.trim_end().trim_start_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// Break kinds, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Paragraph,
    Newline,
    Sentence,
    Space,
    FenceNewline,
}

const TIERS: [Tier; 5] = [
    Tier::Paragraph,
    Tier::Newline,
    Tier::Sentence,
    Tier::Space,
    Tier::FenceNewline,
];

struct Splitter<'a> {
    text: &'a str,
    fences: Vec<Fence>,
    limits: Limits,
}

impl<'a> Splitter<'a> {
    fn new(text: &'a str, limits: Limits) -> Self {
        Self {
            text,
            fences: parse_fences(text),
            limits,
        }
    }

    /// The last fence opening before `p` (fences are sorted and never overlap).
    fn fence_before(&self, p: usize) -> Option<usize> {
        self.fences
            .partition_point(|f| f.open_start < p)
            .checked_sub(1)
    }

    /// The fence a chunk ending at `p` would leave open.
    fn open_fence_at(&self, p: usize) -> Option<usize> {
        self.fence_before(p).filter(|&i| {
            let f = &self.fences[i];
            f.open_end <= p && p <= f.close_start
        })
    }

    /// `p` cuts through a fence's opening or closing line.
    fn in_marker(&self, p: usize) -> bool {
        self.fence_before(p).is_some_and(|i| {
            let f = &self.fences[i];
            (f.open_start < p && p < f.open_end) || (f.close_start < p && p < f.close_end)
        })
    }

    fn run(&self) -> Vec<Chunk> {
        let text = self.text;
        let mut chunks = Vec::new();
        let mut start = 0;
        let mut carry: Option<usize> = None;
        while start < text.len() {
            let prefix = carry
                .map(|i| format!("{}\n", self.fences[i].open_line))
                .unwrap_or_default();
            let prefix_units = utf16_len(&prefix);
            let prefix_lines = usize::from(carry.is_some());
            let lines_left = self.limits.lines.map(|m| m.saturating_sub(prefix_lines));
            if carry.is_some() && (prefix_units + 2 > self.limits.chars || lines_left == Some(1)) {
                // No room to reopen the fence: continue as plain text.
                carry = None;
                continue;
            }
            let budget = Budget {
                units: self.limits.chars - prefix_units,
                // Newlines allowed in the content (lines - 1).
                newlines: lines_left.map(|l| l.saturating_sub(1)),
            };
            let rest = text[start..].trim_end();
            // Every UTF-16 unit takes at least one and at most three bytes: skip the count for a
            // rest that is obviously too long.
            let may_fit = rest.len() <= budget.units.saturating_mul(3);
            if may_fit
                && utf16_len(rest) <= budget.units
                && budget.newlines.is_none_or(|n| count_nl(rest) <= n)
            {
                if !rest.trim().is_empty() {
                    chunks.push(Chunk {
                        text: format!("{prefix}{rest}"),
                        reopened_fence: carry.is_some(),
                        closed_fence: false,
                    });
                }
                break;
            }
            let cut = self.pick_break(start, budget);
            let content = &text[start..cut.at];
            match cut.fence {
                Some(fence_index) => {
                    let fence = &self.fences[fence_index];
                    let sep = if content.ends_with('\n') { "" } else { "\n" };
                    chunks.push(Chunk {
                        text: format!("{prefix}{content}{sep}{}", fence.close_line),
                        reopened_fence: carry.is_some(),
                        closed_fence: true,
                    });
                    carry = Some(fence_index);
                    start = if text[cut.at..].starts_with('\n') {
                        cut.at + 1
                    } else {
                        cut.at
                    };
                }
                None => {
                    let content = content.trim_end();
                    if !content.trim().is_empty() {
                        chunks.push(Chunk {
                            text: format!("{prefix}{content}"),
                            reopened_fence: carry.is_some(),
                            closed_fence: false,
                        });
                    }
                    carry = None;
                    start = if cut.soft {
                        skip_break_whitespace(text, cut.at)
                    } else {
                        cut.at
                    };
                }
            }
        }
        chunks
    }

    fn pick_break(&self, start: usize, budget: Budget) -> Cut {
        let text = self.text;
        let mut best: [Option<(usize, usize)>; 5] = [None; 5];
        let mut units = 0usize;
        let mut newlines = 0usize;
        let mut prev: Option<char> = None;
        let mut window_end = text.len();
        for (offset, ch) in text[start..].char_indices() {
            let p = start + offset;
            if p > start {
                if let Some(tier) = self.classify(p, ch, prev)
                    && self.fits_at(p, tier, units, newlines, budget)
                {
                    best[tier as usize] = Some((p, units));
                }
                if tier_paragraph(text, p, ch) && self.open_fence_at(p).is_none() {
                    best[Tier::Paragraph as usize] = Some((p, units));
                }
            }
            let next_units = units + ch.len_utf16();
            let next_newlines = newlines + usize::from(ch == '\n');
            if next_units > budget.units || budget.newlines.is_some_and(|n| next_newlines > n) {
                window_end = p;
                break;
            }
            units = next_units;
            newlines = next_newlines;
            prev = Some(ch);
        }
        let half = units / 2;
        let preferred = TIERS.iter().find_map(|tier| {
            best[*tier as usize]
                .filter(|(_, u)| *u >= half)
                .map(|(p, _)| (p, *tier))
        });
        let fallback = || {
            TIERS
                .iter()
                .filter_map(|tier| best[*tier as usize].map(|(p, _)| (p, *tier)))
                .max_by_key(|(p, _)| *p)
        };
        if let Some((at, tier)) = preferred.or_else(fallback) {
            return Cut {
                at,
                soft: true,
                fence: (tier == Tier::FenceNewline)
                    .then(|| self.open_fence_at(at))
                    .flatten(),
            };
        }
        self.hard_cut(start, window_end.max(next_boundary(text, start)), budget)
    }

    /// A break kind at `p` (the character at `p` is `ch`, the one before it `prev`), ignoring
    /// paragraphs (checked separately) and fit.
    fn classify(&self, p: usize, ch: char, prev: Option<char>) -> Option<Tier> {
        match self.open_fence_at(p) {
            Some(i) => {
                let fence = &self.fences[i];
                // Not right after the opening line or right before the closing line: both
                // would leave an empty code block behind.
                (ch == '\n' && p != fence.open_end && p + 1 != fence.close_start)
                    .then_some(Tier::FenceNewline)
            }
            None if ch == '\n' => Some(Tier::Newline),
            None if (ch == ' ' || ch == '\t') && !self.in_marker(p) => {
                if prev.is_some_and(|c| matches!(c, '.' | '!' | '?')) {
                    Some(Tier::Sentence)
                } else {
                    Some(Tier::Space)
                }
            }
            None => None,
        }
    }

    /// Whether a chunk ending at `p` fits; the window already bounds the content, so only a
    /// break inside a fence (which adds a closing line) needs checking.
    fn fits_at(&self, p: usize, tier: Tier, units: usize, newlines: usize, budget: Budget) -> bool {
        if tier != Tier::FenceNewline {
            return true;
        }
        let Some(i) = self.open_fence_at(p) else {
            return true;
        };
        let close = &self.fences[i].close_line;
        let ends_with_nl = self.text[..p].ends_with('\n');
        let added_nl = usize::from(!ends_with_nl);
        units + added_nl + utf16_len(close) <= budget.units
            && budget.newlines.is_none_or(|n| newlines + added_nl <= n)
    }

    fn hard_cut(&self, start: usize, window_end: usize, budget: Budget) -> Cut {
        let text = self.text;
        let mut at = window_end;
        if self.in_marker(at)
            && let Some(fence) = self.fences.iter().find(|f| {
                (f.open_start < at && at < f.open_end) || (f.close_start < at && at < f.close_end)
            })
        {
            let line_start = if at < fence.open_end {
                fence.open_start
            } else {
                fence.close_start
            };
            if line_start > start {
                at = line_start;
            }
        }
        if let Some(i) = self.open_fence_at(at) {
            let close_units = utf16_len(&self.fences[i].close_line) + 1;
            let mut candidate = at;
            let mut units = utf16_len(&text[start..at]);
            let mut newlines = count_nl(&text[start..at]);
            while candidate > start {
                let fits_units = units + close_units <= budget.units;
                let fits_lines = budget.newlines.is_none_or(|n| newlines < n);
                if fits_units && fits_lines && self.open_fence_at(candidate) == Some(i) {
                    return Cut {
                        at: candidate,
                        soft: false,
                        fence: Some(i),
                    };
                }
                if let Some(c) = text[..candidate].chars().next_back() {
                    units -= c.len_utf16();
                    newlines -= usize::from(c == '\n');
                }
                candidate = prev_boundary(text, candidate);
            }
        }
        Cut {
            at,
            soft: false,
            fence: None,
        }
    }
}

fn tier_paragraph(text: &str, p: usize, ch: char) -> bool {
    if ch != '\n' {
        return false;
    }
    let after = &text[p + 1..];
    after.trim_start_matches([' ', '\t']).starts_with('\n')
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    units: usize,
    newlines: Option<usize>,
}

#[derive(Debug, Clone, Copy)]
struct Cut {
    at: usize,
    /// A chosen break (its whitespace is dropped) rather than a hard cut.
    soft: bool,
    /// The fence left open at the cut.
    fence: Option<usize>,
}

fn count_nl(text: &str) -> usize {
    text.bytes().filter(|b| *b == b'\n').count()
}

fn next_boundary(text: &str, p: usize) -> usize {
    text[p..]
        .chars()
        .next()
        .map_or(text.len(), |c| p + c.len_utf8())
}

fn prev_boundary(text: &str, p: usize) -> usize {
    text[..p]
        .chars()
        .next_back()
        .map_or(0, |c| p - c.len_utf8())
}

/// After a soft break: skip the whitespace run, but keep the indentation of the line that
/// follows its last newline.
fn skip_break_whitespace(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    let run_len = rest.len() - rest.trim_start().len();
    let run = &rest[..run_len];
    if run_len == rest.len() {
        return text.len();
    }
    match run.rfind('\n') {
        Some(i) => at + i + 1,
        None => at + run_len,
    }
}

#[cfg(test)]
#[path = "chunk_tests.rs"]
mod tests;
