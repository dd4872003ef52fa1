//! Turning a model's final text into what a channel sends (spec §5.7): silent replies, stray
//! heartbeat acknowledgements, reply-threading tags, `replyToMode`, `messages.responsePrefix` and
//! the chat wording of agent errors.

use std::sync::LazyLock;

use regex::Regex;

/// A reply that is (or starts with) this token sends nothing.
pub const SILENT_TOKEN: &str = "NO_REPLY";
/// The heartbeat acknowledgement, stripped from ordinary replies.
pub const HEARTBEAT_TOKEN: &str = "HEARTBEAT_OK";
/// Error details longer than this are cut before they reach a chat.
pub const MAX_ERROR_CHARS: usize = 600;

/// `replyToMode`: which outgoing messages quote the message they answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyToMode {
    /// Reply tags are ignored (Discord's default).
    #[default]
    Off,
    /// Only the first chunk replies.
    First,
    /// Every chunk replies.
    All,
}

impl ReplyToMode {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "off" => Some(Self::Off),
            "first" => Some(Self::First),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::First => "first",
            Self::All => "all",
        }
    }
}

/// What a reply tag asked to reply to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyTarget {
    /// `[[reply_to_current]]`: the message being answered.
    Current,
    /// `[[reply_to:<id>]]`.
    Message(String),
}

/// A reply ready for chunking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapedReply {
    pub text: String,
    pub reply_to: Option<ReplyTarget>,
}

/// Applies the reply rules to a model's final text; `None` means send nothing.
///
/// Order: reply tags are taken out first (a tag in front of `NO_REPLY` must not hide it), then
/// heartbeat tokens at the edges, then the silent token.
pub fn shape_reply(text: &str) -> Option<ShapedReply> {
    let (without_tags, reply_to) = extract_reply_tags(text);
    let stripped = strip_heartbeat(&without_tags)?;
    if is_silent(&stripped) {
        return None;
    }
    Some(ShapedReply {
        text: stripped,
        reply_to,
    })
}

/// `NO_REPLY` alone, or as the first word (followed by the end or a non-word character).
pub fn is_silent(text: &str) -> bool {
    let trimmed = text.trim_start();
    let Some(after) = trimmed.strip_prefix(SILENT_TOKEN) else {
        return false;
    };
    after
        .chars()
        .next()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

/// Whether a partial (streamed) reply may still turn out to be `NO_REPLY`: it is `NO_REPLY`
/// already, or an upper-case start of it (`NO`, `NO_RE`). Typing indicators and drafts wait while
/// this holds, so a silent reply shows nothing at all.
pub fn is_silent_prefix(partial: &str) -> bool {
    let trimmed = partial.trim();
    if is_silent(trimmed) {
        return true;
    }
    trimmed.len() >= 2 && SILENT_TOKEN.starts_with(trimmed)
}

/// Removes `HEARTBEAT_OK` at the start and end (also when wrapped in `**`, `` ` `` or `_`, and
/// with up to four punctuation characters after it at the end). `None` when nothing else is
/// left. Text in between, line breaks included, is kept as it is.
pub fn strip_heartbeat(text: &str) -> Option<String> {
    let mut current = text.trim();
    if current.is_empty() {
        return None;
    }
    if !current.contains(HEARTBEAT_TOKEN) {
        return Some(current.to_owned());
    }
    loop {
        let before = current;
        let unwrapped = current.trim_start_matches(['*', '`', '_', '~']);
        if let Some(rest) = unwrapped.strip_prefix(HEARTBEAT_TOKEN) {
            current = rest.trim_start_matches(['*', '`', '_', '~']).trim_start();
        }
        if let Some(idx) = current.rfind(HEARTBEAT_TOKEN) {
            let tail = &current[idx + HEARTBEAT_TOKEN.len()..];
            let head = current[..idx].trim_end_matches(['*', '`', '_', '~']);
            let tail_ok = tail.chars().count() <= 4 && tail.chars().all(|c| !c.is_alphanumeric());
            let word_boundary = head
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            if tail_ok && word_boundary {
                current = head.trim_end();
            }
        }
        if current == before {
            break;
        }
    }
    (!current.is_empty()).then(|| current.to_owned())
}

static REPLY_TAG: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(?i)\[\[\s*(?:reply_to_current|reply_to\s*:\s*([^\]\n]+?))\s*\]\]").ok()
});

/// Takes `[[reply_to_current]]` / `[[reply_to:<id>]]` out of `text` (case-insensitive, spaces
/// allowed inside the brackets). An explicit id wins over `reply_to_current`. A tag alone on its
/// line takes the line with it; otherwise the space after it goes too.
pub fn extract_reply_tags(text: &str) -> (String, Option<ReplyTarget>) {
    let Some(re) = REPLY_TAG.as_ref() else {
        return (text.to_owned(), None);
    };
    let mut target: Option<ReplyTarget> = None;
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for caps in re.captures_iter(text) {
        let Some(whole) = caps.get(0) else { continue };
        match caps.get(1).map(|m| m.as_str().trim()) {
            Some(id) if !id.is_empty() => target = Some(ReplyTarget::Message(id.to_owned())),
            Some(_) => {}
            None => {
                if target.is_none() {
                    target = Some(ReplyTarget::Current);
                }
            }
        }
        out.push_str(&text[last..whole.start()]);
        let mut end = whole.end();
        let rest = &text[end..];
        let line_start = out.rfind('\n').map_or(0, |i| i + 1);
        let alone_before = out[line_start..].trim().is_empty();
        let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        end += spaces;
        if alone_before && text[end..].starts_with('\n') {
            // The tag had its own line: drop the line (its indentation and newline).
            out.truncate(line_start);
            end += 1;
        }
        last = end;
    }
    out.push_str(&text[last..]);
    (out.trim().to_owned(), target)
}

/// The reply target of each of `chunks` chunks under `mode`.
pub fn reply_targets(
    mode: ReplyToMode,
    target: Option<&ReplyTarget>,
    chunks: usize,
) -> Vec<Option<ReplyTarget>> {
    (0..chunks)
        .map(|i| match (mode, target) {
            (ReplyToMode::Off, _) | (_, None) => None,
            (ReplyToMode::First, Some(t)) => (i == 0).then(|| t.clone()),
            (ReplyToMode::All, Some(t)) => Some(t.clone()),
        })
        .collect()
}

/// Values for `messages.responsePrefix` templates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrefixContext {
    /// `provider/model` as configured (`anthropic/claude-opus-4-5`).
    pub model_full: Option<String>,
    pub provider: Option<String>,
    pub thinking_level: Option<String>,
    /// The agent's `identity.name`.
    pub identity_name: Option<String>,
}

static TEMPLATE_VAR: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\{([a-zA-Z][a-zA-Z0-9.]*)\}").ok());

/// Resolves `messages.responsePrefix`: unset or blank ⇒ none; `auto` ⇒ `[<identity name>]`
/// (none without a name); otherwise `{model}`, `{modelFull}`, `{provider}`,
/// `{thinkingLevel}`/`{think}` and `{identity.name}` are filled in (names case-insensitive);
/// unknown names and values that are not known stay as written.
pub fn resolve_response_prefix(template: Option<&str>, ctx: &PrefixContext) -> Option<String> {
    let template = template.map(str::trim).filter(|t| !t.is_empty())?;
    if template.eq_ignore_ascii_case("auto") {
        let name = ctx
            .identity_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())?;
        return Some(format!("[{name}]"));
    }
    let Some(re) = TEMPLATE_VAR.as_ref() else {
        return Some(template.to_owned());
    };
    let short_model = ctx.model_full.as_deref().map(short_model_name);
    let resolved = re.replace_all(template, |caps: &regex::Captures<'_>| {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let name = caps
            .get(1)
            .map_or(String::new(), |m| m.as_str().to_lowercase());
        let value = match name.as_str() {
            "model" => short_model.clone(),
            "modelfull" => ctx.model_full.clone(),
            "provider" => ctx.provider.clone(),
            "thinkinglevel" | "think" => ctx.thinking_level.clone(),
            "identity.name" | "identityname" => ctx.identity_name.clone(),
            _ => None,
        };
        value.unwrap_or_else(|| whole.to_owned())
    });
    Some(resolved.into_owned())
}

/// `anthropic/claude-opus-4-5-20251101` → `claude-opus-4-5`: no provider, no date or `-latest`
/// suffix.
pub fn short_model_name(model_full: &str) -> String {
    let model = model_full.rsplit('/').next().unwrap_or(model_full);
    let without_date = match model.rsplit_once('-') {
        Some((head, tail)) if tail.len() == 8 && tail.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => model,
    };
    without_date
        .strip_suffix("-latest")
        .unwrap_or(without_date)
        .to_owned()
}

/// Puts `prefix` in front of one outgoing piece, unless the piece already starts with it.
pub fn apply_prefix(text: &str, prefix: Option<&str>) -> String {
    match prefix.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) if !text.trim_start().starts_with(p) => format!("{p} {text}"),
        _ => text.to_owned(),
    }
}

/// Agent failures as they are shown in a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatError {
    /// Any failure before a reply, with its message.
    Failed(String),
    ContextOverflow,
    /// The provider rejected the order of roles in the history.
    RoleOrdering,
    Overloaded,
    /// The provider rejected the stored history; the session was reset.
    HistoryCorrupted,
}

/// The chat text for `error` (spec §5.7); the detail of [`ChatError::Failed`] is cut at
/// [`MAX_ERROR_CHARS`].
pub fn error_text(error: &ChatError) -> String {
    match error {
        ChatError::Failed(message) => {
            let detail = truncate_chars(message.trim().trim_end_matches('.'), MAX_ERROR_CHARS);
            format!("⚠️ Agent failed before reply: {detail}.\nLogs: openclaw logs --follow")
        }
        ChatError::ContextOverflow => "⚠️ Context overflow — prompt too large for this model. \
             Try a shorter message or a larger-context model."
            .to_owned(),
        ChatError::RoleOrdering => "⚠️ Message ordering conflict - please try again. \
             If this persists, use /new to start a fresh session."
            .to_owned(),
        ChatError::Overloaded => {
            "The AI service is temporarily overloaded. Please try again in a moment.".to_owned()
        }
        ChatError::HistoryCorrupted => {
            "⚠️ Session history was corrupted. I've reset the conversation - please try again!"
                .to_owned()
        }
    }
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
