//! One agent turn: session → model → tools → … → reply, with every step persisted.
//!
//! Order of a turn: settle the workspace, start the turn in the store (session created, kept
//! or renewed, user message appended — one write), pick the model candidates, build (or reuse)
//! the system prompt, take the session's context from the cache or the transcript, then loop:
//! open a stream through [`FailoverRunner`] (profile rotation and model fallback happen there),
//! turn provider events into [`AgentEvent`]s, commit the assistant message with its usage (one
//! write; the last one also updates the session entry), run requested tools and commit their
//! results, take steering messages, and call the model again until it stops asking for tools.
//! The loop runs under the run timeout and the run's cancellation token; whatever text arrived
//! before an abort or timeout is kept in the transcript.

mod persist;
mod prepare;

use std::sync::{Arc, PoisonError};

use openclaw_config::Config;
use openclaw_providers::{
    AgentAuthContext, CompletionRequest, ContentPart, FailoverRunner, FailureKind, Message,
    ProfilePin, ProviderError, ProviderEvent, Role, StopReason, Usage, fallback_candidates,
};
use openclaw_store::{NewEntry, Store, TranscriptEntry, now_ms};
use serde_json::Value;

use crate::compaction;
use crate::context_cache::CachedContext;
use crate::event::{AbortReason, AgentEvent, RunOutcome, RunStatus};
use crate::history::{self, AssistantMeta, Context};
use crate::lanes::SessionLane;
use crate::prompt::PromptInputs;
use crate::runs::EventSink;
use crate::runtime::{Inner, RunJob};
use crate::session_tools::{self, SessionTool};
use crate::settings;
use crate::tools::{LocalTool, ToolContext, ToolOutput, ToolPolicy, ToolSettings};
use crate::workspace::resolve_workspace;
use prepare::store_error;

/// Transcript entries loaded to rebuild the context (entries before the last compaction are
/// not needed; this bounds a pathological session without one).
const HISTORY_ENTRIES: usize = 4000;
/// Model calls per turn before the loop is stopped (a model stuck calling tools).
const MAX_MODEL_CALLS: usize = 64;

/// How a turn ended early.
enum TurnError {
    /// A user-facing failure.
    Failed(String),
}

/// What the turn has produced so far; survives an abort or timeout of the turn future.
#[derive(Default)]
struct Progress {
    session_id: String,
    /// All assistant text of the run, rounds separated by a blank line.
    text: String,
    /// Text of the model call in progress (not yet persisted).
    round_content: Vec<ContentPart>,
    provider: Option<String>,
    model: Option<String>,
    api: String,
    usage: Usage,
    system_prompt: Option<Arc<crate::prompt::SystemPrompt>>,
    /// Run ids of steering messages this run took in.
    steered: Vec<String>,
    /// The context after a successful turn, for the next one.
    context: Option<CachedContext>,
}

enum Ended {
    Failed(String),
    Timeout,
    Aborted,
}

/// Runs `job` to its end. Never fails: every problem becomes the outcome's status and error.
pub(crate) async fn run(
    inner: &Arc<Inner>,
    job: &RunJob,
    sink: &EventSink,
    lane: &SessionLane,
) -> (RunOutcome, Vec<String>) {
    let started_at = now_ms();
    let config = inner.config.load_full();
    let timeout = settings::run_timeout(&config, job.timeout);
    let mut progress = Progress::default();
    let store = inner.store();
    let result = match &store {
        None => Err(Ended::Failed(
            "the gateway is shutting down; try again once it is back".into(),
        )),
        Some(store) => {
            let turn = run_turn(inner, &config, store, job, sink, lane, &mut progress);
            tokio::select! {
                result = tokio::time::timeout(timeout, turn) => match result {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(TurnError::Failed(message))) => Err(Ended::Failed(message)),
                    Err(_) => Err(Ended::Timeout),
                },
                () = job.cancel.cancelled() => Err(Ended::Aborted),
            }
        }
    };
    let status = match &result {
        Ok(()) => RunStatus::Ok,
        Err(Ended::Failed(_)) => RunStatus::Error,
        Err(Ended::Timeout) => RunStatus::Timeout,
        Err(Ended::Aborted) => RunStatus::Aborted(
            job.abort_reason
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .unwrap_or(AbortReason::Rpc),
        ),
    };
    if let (Some(store), Err(Ended::Timeout | Ended::Aborted)) = (&store, &result) {
        persist::persist_partial(store, &progress, status).await;
    }
    // Only a turn that ended cleanly leaves a context that matches the transcript.
    if let (Ok(()), Some(cached)) = (&result, progress.context.take()) {
        inner.contexts.put(&job.session_key, cached);
    }
    let outcome = RunOutcome {
        run_id: job.run_id.clone(),
        session_key: job.display_key.clone(),
        session_id: progress.session_id,
        agent_id: job.agent_id.clone(),
        status,
        text: if status == RunStatus::Ok {
            progress.text
        } else {
            String::new()
        },
        error: match result {
            Err(Ended::Failed(message)) => Some(message),
            Err(Ended::Timeout) => Some(format!(
                "the agent run timed out after {} s (agents.defaults.timeoutSeconds)",
                timeout.as_secs()
            )),
            _ => None,
        },
        provider: progress.provider,
        model: progress.model,
        usage: progress.usage,
        started_at,
        ended_at: now_ms(),
        system_prompt: progress.system_prompt,
        merged_into: None,
    };
    (outcome, progress.steered)
}

/// The session's context including the just-appended user message: the cached one when it
/// provably matches the transcript, else rebuilt from the store.
async fn load_context(
    inner: &Inner,
    store: &Store,
    job: &RunJob,
    session_id: &str,
    user_entry: &TranscriptEntry,
    message: &str,
    fresh: bool,
) -> Result<(Context, i64), TurnError> {
    let cached = inner.contexts.take(&job.session_key);
    // A transcript this turn just started holds only its own user message.
    if fresh && user_entry.seq == 1 {
        let mut context = Context {
            chars: message.len(),
            ..Context::default()
        };
        history::push_merged(&mut context.messages, Message::user_text(message));
        context.entry_ids.push(user_entry.id.clone());
        return Ok((context, user_entry.seq));
    }
    if let Some(cached) = cached
        && cached.session_id == session_id
        && cached.last_seq + 1 == user_entry.seq
    {
        let mut context = cached.context;
        context.chars += message.len();
        history::push_merged(&mut context.messages, Message::user_text(message));
        context.entry_ids.push(user_entry.id.clone());
        return Ok((context, user_entry.seq));
    }
    let entries = store
        .transcript_history(session_id, HISTORY_ENTRIES)
        .await
        .map_err(store_error)?;
    let last_seq = entries.last().map_or(user_entry.seq, |entry| entry.seq);
    Ok((history::context_from_entries(&entries), last_seq))
}

/// Notes committed entries in the context's bookkeeping.
fn note_committed(context: &mut Context, last_seq: &mut i64, committed: &[TranscriptEntry]) {
    for entry in committed {
        context.entry_ids.push(entry.id.clone());
        *last_seq = (*last_seq).max(entry.seq);
    }
}

async fn run_turn(
    inner: &Arc<Inner>,
    config: &Arc<Config>,
    store: &Arc<Store>,
    job: &RunJob,
    sink: &EventSink,
    lane: &SessionLane,
    progress: &mut Progress,
) -> Result<(), TurnError> {
    let agent_id = job.agent_id.as_str();
    let workspace = resolve_workspace(config, &inner.state_dir, agent_id);
    let bootstrap = inner
        .workspaces
        .bootstrap(config, &workspace)
        .await
        .map_err(|error| TurnError::Failed(error.to_string()))?;
    let (start, message) = prepare::begin(config, store, job, &workspace).await?;
    let entry = start.entry;
    progress.session_id = entry.session_id.clone();

    let requested = prepare::requested_model(config, &entry);
    let candidates = fallback_candidates(config, agent_id, requested.as_ref())
        .map_err(|error| TurnError::Failed(error.to_string()))?;
    let Some(first) = candidates.first() else {
        return Err(TurnError::Failed(
            "no model is configured for this agent".into(),
        ));
    };
    let thinking = settings::thinking_level(
        config,
        agent_id,
        job.thinking.as_deref(),
        entry.thinking_level.as_deref(),
    );
    let policy = ToolPolicy::resolve(config, agent_id, &first.provider, &first.model);
    let tool_settings = ToolSettings::from_config(config, agent_id);
    let tools = prepare::offered_tools(&policy, &tool_settings);
    let model_label = format!("{}/{}", first.provider, first.model);
    let agent_entry = config.agent(agent_id);
    let agent_name = agent_entry
        .and_then(|agent| agent.identity.as_ref().and_then(|i| i.name.as_deref()))
        .or_else(|| agent_entry.and_then(|agent| agent.name.as_deref()));
    let user_timezone = config
        .agents
        .as_ref()
        .and_then(|a| a.defaults.as_ref())
        .and_then(|d| d.user_timezone.as_deref());
    let system = inner.workspaces.prompt(
        &PromptInputs {
            agent_id,
            agent_name,
            workspace: &workspace,
            model: &model_label,
            thinking,
            tools: &tools,
            bootstrap: &bootstrap,
            bootstrap_max_chars: prepare::bootstrap_max_chars(config, agent_id),
            user_timezone,
            extra_system_prompt: job.extra_system_prompt.as_deref(),
        },
        &tools,
        &bootstrap,
    );
    progress.system_prompt = Some(system.clone());

    let (mut context, mut last_seq) = load_context(
        inner,
        store,
        job,
        &entry.session_id,
        &start.user_entry,
        &message,
        start.created || start.renewed,
    )
    .await?;
    sink.emit(AgentEvent::Started {
        started_at: now_ms(),
    })
    .await;

    let window = settings::context_window(config, agent_id, first);
    let agent_dir = prepare::agent_dir(inner, config, agent_id);
    let runner = FailoverRunner {
        config,
        env: &inner.env,
        agent: AgentAuthContext {
            agent_id,
            agent_dir: &agent_dir,
        },
        transport: inner
            .transport
            .get()
            .map_err(|error| TurnError::Failed(error.to_string()))?,
        pin: match &entry.auth_profile_override {
            Some(profile) => ProfilePin::Session(profile.clone()),
            None => ProfilePin::None,
        },
    };
    let reserve = settings::reserve_tokens(config);
    if compaction::needed(&context, system.text.len(), window, reserve) {
        context = compaction::compact(
            store,
            &runner,
            &candidates,
            &entry.session_id,
            &job.session_key,
            &context,
            window,
        )
        .await
        .map_err(|error| TurnError::Failed(error.to_string()))?;
        last_seq = i64::MIN;
    }
    let mut system_text = prepare::with_summary(&system.text, context.summary.as_deref());
    let tool_ctx = ToolContext {
        workspace: workspace.clone(),
        agent_id: agent_id.to_owned(),
        session_key: job.session_key.clone(),
        settings: tool_settings,
        cancel: job.cancel.clone(),
    };
    let max_tokens = settings::max_output_tokens(config, first);
    let mut compacted_for_overflow = false;
    let mut calls = 0;
    loop {
        calls += 1;
        if calls > MAX_MODEL_CALLS {
            return Err(TurnError::Failed(format!(
                "the model kept calling tools for {MAX_MODEL_CALLS} rounds; stopped. Ask again more specifically or use /new"
            )));
        }
        let request = CompletionRequest {
            model: String::new(),
            system: Some(system_text.clone()),
            messages: context.messages.clone(),
            tools: tools.clone(),
            max_tokens,
            thinking,
        };
        let mut opened = match runner.open(&request, &candidates, now_ms()).await {
            Ok(opened) => opened,
            Err(error)
                if error.kind() == FailureKind::ContextOverflow && !compacted_for_overflow =>
            {
                compacted_for_overflow = true;
                context = compaction::compact(
                    store,
                    &runner,
                    &candidates,
                    &entry.session_id,
                    &job.session_key,
                    &context,
                    window,
                )
                .await
                .map_err(|error| TurnError::Failed(error.to_string()))?;
                last_seq = i64::MIN;
                system_text = prepare::with_summary(&system.text, context.summary.as_deref());
                continue;
            }
            Err(error) => return Err(TurnError::Failed(user_error(&error))),
        };
        progress.provider = Some(opened.model.provider.clone());
        progress.model = Some(opened.model.model.clone());
        progress.api = openclaw_providers::resolve_model_endpoint(config, &opened.model)
            .map(|resolved| resolved.endpoint.api.as_str().to_owned())
            .unwrap_or_default();
        progress.round_content.clear();
        let mut stop_reason = None;
        let mut usage = Usage::default();
        let mut separator_pending = !progress.text.is_empty();
        while let Some(event) = opened.stream.next().await {
            let event = match event {
                Ok(event) => event,
                Err(error) => {
                    if let Some(profile) = &opened.profile_id {
                        runner.record_failure(
                            &opened.model.provider,
                            profile,
                            error.kind(),
                            now_ms(),
                        );
                    }
                    persist::persist_failed_round(store, progress, &user_error(&error)).await;
                    return Err(TurnError::Failed(user_error(&error)));
                }
            };
            match event {
                ProviderEvent::TextDelta(delta) => {
                    if delta.is_empty() {
                        continue;
                    }
                    if separator_pending {
                        progress.text.push_str("\n\n");
                        separator_pending = false;
                    }
                    progress.text.push_str(&delta);
                    push_text(&mut progress.round_content, &delta);
                    sink.emit(AgentEvent::Text {
                        text: progress.text.clone(),
                        delta,
                    })
                    .await;
                }
                ProviderEvent::ThinkingDelta(delta) => {
                    push_thinking(&mut progress.round_content, &delta);
                    sink.emit(AgentEvent::Thinking { delta }).await;
                }
                ProviderEvent::ThinkingSignature(signature) => {
                    if let Some(ContentPart::Thinking {
                        signature: slot, ..
                    }) = progress
                        .round_content
                        .iter_mut()
                        .rev()
                        .find(|part| matches!(part, ContentPart::Thinking { .. }))
                    {
                        *slot = Some(signature);
                    }
                }
                ProviderEvent::RedactedThinking(data) => {
                    progress
                        .round_content
                        .push(ContentPart::RedactedThinking { data });
                }
                ProviderEvent::ToolCall {
                    id,
                    name,
                    arguments,
                } => progress.round_content.push(ContentPart::ToolCall {
                    id,
                    name,
                    arguments,
                }),
                ProviderEvent::Usage(reported) => usage = reported,
                ProviderEvent::Done {
                    stop_reason: reason,
                } => stop_reason = Some(reason),
            }
        }
        if let Err(error) = runner.record_success(&opened, now_ms()) {
            tracing::warn!(target: "agent", "could not update auth profile usage: {error}");
        }
        add_usage(&mut progress.usage, usage);
        let round_content = std::mem::take(&mut progress.round_content);
        let assistant = history::assistant_message_json(
            &round_content,
            &AssistantMeta {
                api: &progress.api,
                provider: &opened.model.provider,
                model: &opened.model.model,
                usage,
                stop_reason: stop_reason.as_ref().or(Some(&StopReason::EndTurn)),
                error: None,
                timestamp: now_ms(),
            },
        );
        let calls_requested: Vec<(String, String, Value)> = round_content
            .iter()
            .filter_map(|part| match part {
                ContentPart::ToolCall {
                    id,
                    name,
                    arguments,
                } => Some((id.clone(), name.clone(), arguments.clone())),
                _ => None,
            })
            .collect();
        let last_round = calls_requested.is_empty();
        let usage_row = persist::usage_record(job, &entry.session_id, &opened.model, usage);
        let update = last_round.then(|| persist::finish_update(job, progress, window));
        let committed = store
            .commit_turn_step(
                &job.session_key,
                &entry.session_id,
                vec![NewEntry::message(assistant, now_ms())],
                Some(usage_row),
                update,
            )
            .await
            .map_err(store_error)?;
        note_committed(&mut context, &mut last_seq, &committed);
        if usage.input + usage.output > 0 {
            context.last_total_tokens = Some(usage.input + usage.output);
        }
        if !round_content.is_empty() {
            let message = Message {
                role: Role::Assistant,
                content: round_content,
            };
            context.chars += history::message_chars(&message);
            history::push_merged(&mut context.messages, message);
        }
        if last_round {
            break;
        }
        let mut results = Vec::new();
        let mut entries = Vec::new();
        for (id, name, arguments) in calls_requested {
            sink.emit(AgentEvent::ToolCall {
                id: id.clone(),
                name: name.clone(),
                arguments: arguments.clone(),
            })
            .await;
            let output = run_tool(inner, &policy, &tool_ctx, job, &name, &arguments).await;
            sink.emit(AgentEvent::ToolResult {
                id: id.clone(),
                name: name.clone(),
                content: output.content.clone(),
                is_error: output.is_error,
            })
            .await;
            let result =
                history::tool_result_json(&id, &name, &output.content, output.is_error, now_ms());
            entries.push(NewEntry::message(result, now_ms()));
            results.push(ContentPart::ToolResult {
                tool_call_id: id,
                content: output.content,
                is_error: output.is_error,
            });
        }
        let steering = std::mem::take(&mut lane.state().steer);
        for item in &steering {
            results.push(ContentPart::Text {
                text: item.message.clone(),
            });
            entries.push(NewEntry::message(
                history::user_message_json(&item.message, now_ms()),
                now_ms(),
            ));
            progress.steered.push(item.run_id.clone());
        }
        let committed = store
            .commit_turn_step(&job.session_key, &entry.session_id, entries, None, None)
            .await
            .map_err(store_error)?;
        note_committed(&mut context, &mut last_seq, &committed);
        let message = Message {
            role: Role::User,
            content: results,
        };
        context.chars += history::message_chars(&message);
        history::push_merged(&mut context.messages, message);
    }
    if last_seq != i64::MIN {
        progress.context = Some(CachedContext {
            session_id: entry.session_id.clone(),
            last_seq,
            context,
        });
    }
    Ok(())
}

async fn run_tool(
    inner: &Arc<Inner>,
    policy: &ToolPolicy,
    tool_ctx: &ToolContext,
    job: &RunJob,
    name: &str,
    arguments: &Value,
) -> ToolOutput {
    if !policy.allows(name) {
        return ToolOutput::error(format!(
            "Tool not allowed by policy: {name} (see tools.allow / tools.deny)"
        ));
    }
    if let Some(tool) = LocalTool::from_name(name)
        && tool.enabled(&tool_ctx.settings)
    {
        return tool.run(tool_ctx, arguments).await;
    }
    if let Some(tool) = SessionTool::from_name(name) {
        return session_tools::run(inner, tool, job, arguments).await;
    }
    ToolOutput::error(format!("Tool not available: {name}"))
}

fn push_text(content: &mut Vec<ContentPart>, delta: &str) {
    if let Some(ContentPart::Text { text }) = content.last_mut() {
        text.push_str(delta);
    } else {
        content.push(ContentPart::Text {
            text: delta.to_owned(),
        });
    }
}

fn push_thinking(content: &mut Vec<ContentPart>, delta: &str) {
    if let Some(ContentPart::Thinking {
        text,
        signature: None,
    }) = content.last_mut()
    {
        text.push_str(delta);
    } else {
        content.push(ContentPart::Thinking {
            text: delta.to_owned(),
            signature: None,
        });
    }
}

fn add_usage(total: &mut Usage, more: Usage) {
    total.input += more.input;
    total.output += more.output;
    total.cache_read += more.cache_read;
    total.cache_write += more.cache_write;
}

/// The provider error as the user sees it (OpenClaw's friendlier texts for known cases).
fn user_error(error: &ProviderError) -> String {
    match error.kind() {
        FailureKind::ContextOverflow => {
            "Context overflow — prompt too large for this model. Try a shorter message or a larger-context model.".to_owned()
        }
        _ => error.to_string(),
    }
}
