//! Compaction: when a session's context nears the model's window, older messages are replaced
//! by a model-written summary (a `compaction` transcript entry with `summary`,
//! `firstKeptEntryId` and `tokensBefore`, as OpenClaw writes it). Nothing is deleted: the
//! transcript keeps every entry; only the context sent to the model shrinks.

use openclaw_providers::{
    CompletionRequest, FailoverRunner, Message, ModelRef, ProviderError, ProviderEvent,
    ThinkingLevel,
};
use openclaw_store::{EntryKind, NewEntry, Parent, Store, StoreError, TranscriptEntry, now_ms};
use serde_json::{Map, Value, json};

use crate::history::{self, Context};

/// Entries loaded to pick the cut (as the turn loop).
const HISTORY_ENTRIES: usize = 4000;
/// Characters of one message shown to the summarizer.
const MESSAGE_EXCERPT_CHARS: usize = 2000;
/// Output budget of the summary call.
const SUMMARY_MAX_TOKENS: u32 = 2048;
const SUMMARY_SYSTEM: &str = "You compress conversations. Write a faithful, compact summary of \
the conversation below for the assistant that will continue it: the user's goals and \
preferences, decisions made, facts learned, files and commands involved, and open tasks. Use \
short bullet points. Do not address the user.";

#[derive(Debug, thiserror::Error)]
pub enum CompactionError {
    #[error("compacting the session failed: the summary model call failed: {0}")]
    Model(#[from] ProviderError),
    #[error("compacting the session failed: {0}")]
    Store(#[from] StoreError),
}

/// Whether the context (with the system prompt and the reserve for the answer) no longer fits
/// the window. A context of one exchange is never compacted: there is nothing older to fold.
pub(crate) fn needed(context: &Context, system_chars: usize, window: u64, reserve: u64) -> bool {
    let system_tokens = (system_chars / 4) as u64;
    context.messages.len() > 2
        && context
            .estimated_tokens()
            .saturating_add(system_tokens)
            .saturating_add(reserve)
            > window
}

/// Summarizes everything before a cut that keeps roughly the newest quarter of the window,
/// appends the compaction entry, and returns the rebuilt context.
pub(crate) async fn compact(
    store: &Store,
    runner: &FailoverRunner<'_>,
    candidates: &[ModelRef],
    session_id: &str,
    session_key: &str,
    context: &Context,
    window: u64,
) -> Result<Context, CompactionError> {
    let entries = store
        .transcript_history(session_id, HISTORY_ENTRIES)
        .await?;
    // The context (which includes this turn's message) names its entries; keep their order.
    let wanted: std::collections::HashSet<&str> =
        context.entry_ids.iter().map(String::as_str).collect();
    let in_context: Vec<&TranscriptEntry> = entries
        .iter()
        .filter(|entry| wanted.contains(entry.id.as_str()))
        .collect();
    // A quarter of the window, at ~4 characters per token.
    let keep_chars = usize::try_from(window).unwrap_or(usize::MAX);
    let Some(cut) = choose_cut(&in_context, keep_chars) else {
        return Ok(history::context_from_entries(&entries));
    };
    let summary = summarize(
        runner,
        candidates,
        context.summary.as_deref(),
        &in_context[..cut],
    )
    .await?;
    let mut fields = Map::new();
    fields.insert("summary".into(), Value::from(summary));
    fields.insert(
        "firstKeptEntryId".into(),
        Value::from(in_context[cut].id.clone()),
    );
    fields.insert("tokensBefore".into(), json!(context.estimated_tokens()));
    store
        .append_transcript(
            session_id,
            NewEntry {
                kind: EntryKind::Compaction,
                parent: Parent::Leaf,
                timestamp_ms: now_ms(),
                fields,
            },
        )
        .await?;
    store
        .update_session(session_key, |entry| {
            let count = entry
                .extra
                .get("compactionCount")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            entry
                .extra
                .insert("compactionCount".into(), json!(count + 1));
        })
        .await?;
    let entries = store
        .transcript_history(session_id, HISTORY_ENTRIES)
        .await?;
    Ok(history::context_from_entries(&entries))
}

fn role(entry: &TranscriptEntry) -> Option<&str> {
    entry.body.get("message")?.get("role")?.as_str()
}

fn entry_chars(entry: &TranscriptEntry) -> usize {
    entry
        .body
        .get("message")
        .map_or(0, |message| message.to_string().len())
}

/// The index of the first kept entry: the earliest user message such that it and what follows
/// stay under `budget` characters — but at least the newest user message — and never the very
/// first entry (then there is nothing to summarize). Cutting at a user message keeps tool calls
/// and their results together.
fn choose_cut(entries: &[&TranscriptEntry], budget: usize) -> Option<usize> {
    let mut kept = 0usize;
    let mut cut = None;
    for index in (1..entries.len()).rev() {
        kept += entry_chars(entries[index]);
        if role(entries[index]) == Some("user") {
            if kept > budget && cut.is_some() {
                break;
            }
            cut = Some(index);
        }
    }
    cut
}

async fn summarize(
    runner: &FailoverRunner<'_>,
    candidates: &[ModelRef],
    previous: Option<&str>,
    entries: &[&TranscriptEntry],
) -> Result<String, ProviderError> {
    let mut transcript = String::new();
    if let Some(previous) = previous {
        transcript.push_str("Summary of the part before this:\n");
        transcript.push_str(previous);
        transcript.push_str("\n\n");
    }
    for entry in entries {
        let Some(message) = entry.body.get("message") else {
            continue;
        };
        let label = match role(entry) {
            Some("user") => "User",
            Some("assistant") => "Assistant",
            Some("toolResult") => "Tool result",
            _ => continue,
        };
        let text = excerpt(message);
        if text.is_empty() {
            continue;
        }
        transcript.push_str(label);
        transcript.push_str(": ");
        transcript.push_str(&text);
        transcript.push('\n');
    }
    let request = CompletionRequest {
        model: String::new(),
        system: Some(SUMMARY_SYSTEM.into()),
        messages: vec![Message::user_text(transcript).into()],
        tools: Vec::new().into(),
        max_tokens: SUMMARY_MAX_TOKENS,
        thinking: ThinkingLevel::Off,
    };
    let mut opened = runner.open(&request, candidates, now_ms()).await?;
    let mut summary = String::new();
    while let Some(event) = opened.stream.next().await {
        if let ProviderEvent::TextDelta(delta) = event? {
            summary.push_str(&delta);
        }
    }
    Ok(summary.trim().to_owned())
}

/// The readable text of a transcript message, shortened.
fn excerpt(message: &Value) -> String {
    let mut text = String::new();
    match message.get("content") {
        Some(Value::String(content)) => text.push_str(content),
        Some(Value::Array(parts)) => {
            for part in parts {
                match part.get("type").and_then(Value::as_str) {
                    Some("text") => {
                        text.push_str(part.get("text").and_then(Value::as_str).unwrap_or(""));
                    }
                    Some("toolCall") => {
                        text.push_str(&format!(
                            "[called {} {}]",
                            part.get("name").and_then(Value::as_str).unwrap_or("tool"),
                            part.get("arguments")
                                .map(Value::to_string)
                                .unwrap_or_default()
                        ));
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    if text.chars().count() > MESSAGE_EXCERPT_CHARS {
        let mut short: String = text.chars().take(MESSAGE_EXCERPT_CHARS).collect();
        short.push_str(" […]");
        short
    } else {
        text
    }
}
