//! What a turn writes, shaped for the store's one-operation-per-step calls.

use openclaw_providers::{ContentPart, ModelRef, Usage};
use openclaw_store::{NewEntry, SessionEntry, Store, UsageRecord, now_ms};
use serde_json::json;

use super::Progress;
use crate::event::RunStatus;
use crate::history::{self, AssistantMeta};
use crate::runtime::RunJob;

/// The usage row of one model call.
pub(super) fn usage_record(
    job: &RunJob,
    session_id: &str,
    model: &ModelRef,
    usage: Usage,
) -> UsageRecord {
    UsageRecord {
        timestamp_ms: now_ms(),
        session_key: job.session_key.clone(),
        session_id: session_id.to_owned(),
        provider: model.provider.clone(),
        model: model.model.clone(),
        input: usage.input,
        output: usage.output,
        cache_read: usage.cache_read,
        cache_write: usage.cache_write,
        total_tokens: usage.input + usage.output + usage.cache_read + usage.cache_write,
        cost: None,
    }
}

/// The session entry's activity, model and token counters after a finished turn.
pub(super) fn finish_update(
    job: &RunJob,
    progress: &Progress,
    window: u64,
) -> Box<dyn FnOnce(&mut SessionEntry) + Send> {
    let provider = progress.provider.clone();
    let model = progress.model.clone();
    let usage = progress.usage;
    let channel = job.channel.clone();
    Box::new(move |entry: &mut SessionEntry| {
        entry.updated_at = now_ms();
        let extra = &mut entry.extra;
        extra.insert("inputTokens".into(), json!(usage.input));
        extra.insert("outputTokens".into(), json!(usage.output));
        extra.insert(
            "totalTokens".into(),
            json!(usage.input + usage.output + usage.cache_read + usage.cache_write),
        );
        extra.insert("contextTokens".into(), json!(window));
        extra.insert("systemSent".into(), json!(true));
        extra.insert("abortedLastRun".into(), json!(false));
        if let Some(provider) = provider {
            extra.insert("modelProvider".into(), json!(provider));
        }
        if let Some(model) = model {
            extra.insert("model".into(), json!(model));
        }
        if let Some(channel) = channel {
            extra.insert("lastChannel".into(), json!(channel));
        }
    })
}

/// Keeps the text that streamed before an abort or timeout.
pub(super) async fn persist_partial(store: &Store, progress: &Progress, status: RunStatus) {
    if progress.session_id.is_empty() {
        return;
    }
    let content: Vec<ContentPart> = progress
        .round_content
        .iter()
        .filter(|part| matches!(part, ContentPart::Text { .. }))
        .cloned()
        .collect();
    if content.is_empty() {
        return;
    }
    let message = history::assistant_message_json(
        &content,
        &AssistantMeta {
            api: &progress.api,
            provider: progress.provider.as_deref().unwrap_or(""),
            model: progress.model.as_deref().unwrap_or(""),
            usage: Usage::default(),
            stop_reason: None,
            error: (status == RunStatus::Timeout).then_some("timed out"),
            timestamp: now_ms(),
        },
    );
    if let Err(error) = store
        .append_transcript(&progress.session_id, NewEntry::message(message, now_ms()))
        .await
    {
        tracing::warn!(target: "agent", "could not keep the partial reply: {error}");
    }
}

/// A model call that failed mid-stream leaves an assistant message with `stopReason: error`
/// (skipped when rebuilding the context), so the transcript shows what happened.
pub(super) async fn persist_failed_round(store: &Store, progress: &Progress, error: &str) {
    let message = history::assistant_message_json(
        &progress.round_content,
        &AssistantMeta {
            api: &progress.api,
            provider: progress.provider.as_deref().unwrap_or(""),
            model: progress.model.as_deref().unwrap_or(""),
            usage: Usage::default(),
            stop_reason: None,
            error: Some(error),
            timestamp: now_ms(),
        },
    );
    if let Err(error) = store
        .append_transcript(&progress.session_id, NewEntry::message(message, now_ms()))
        .await
    {
        tracing::warn!(target: "agent", "could not record the failed model call: {error}");
    }
}
