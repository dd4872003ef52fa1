//! One agent turn: session → model → tools → … → reply, with every step persisted.
//!
//! Order of a turn: resolve the session (freshness, `/new`), pick the model candidates, prepare
//! the workspace and system prompt, append the user message, then loop: open a stream through
//! [`FailoverRunner`] (profile rotation and model fallback happen there), turn provider events
//! into [`AgentEvent`]s, append the assistant message, run requested tools and append their
//! results, take steering messages, and call the model again until it stops asking for tools.
//! The whole loop runs under the run timeout and the run's cancellation token; whatever text
//! arrived before an abort or timeout is kept in the transcript.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError};

use openclaw_config::Config;
use openclaw_providers::{
    AgentAuthContext, CompletionRequest, ContentPart, FailoverRunner, FailureKind, Message,
    ModelCatalog, ModelRef, ProfilePin, ProviderError, ProviderEvent, StopReason, ToolSpec, Usage,
    fallback_candidates,
};
use openclaw_store::reset::{ResetType, evaluate_freshness, match_reset_trigger, resolve_policy};
use openclaw_store::{NewEntry, SessionEntry, Store, UsageRecord, now_ms};
use serde_json::{Value, json};

use crate::compaction;
use crate::event::{AbortReason, AgentEvent, RunOutcome, RunStatus};
use crate::history::{self, AssistantMeta};
use crate::lanes::SessionLane;
use crate::prompt::PromptInputs;
use crate::runs::EventSink;
use crate::runtime::{Inner, RunJob};
use crate::session_tools::{self, SessionTool};
use crate::settings;
use crate::tools::{LocalTool, ToolContext, ToolPolicy, ToolSettings};
use crate::workspace::resolve_workspace;

/// Transcript entries loaded to rebuild the context (entries before the last compaction are
/// not needed; this bounds a pathological session without one).
const HISTORY_ENTRIES: usize = 4000;
/// Model calls per turn before the loop is stopped (a model stuck calling tools).
const MAX_MODEL_CALLS: usize = 64;
/// What the model is asked after a bare `/new` or `/reset`.
const NEW_SESSION_PROMPT: &str = "A new session just started (the user sent /new or /reset). \
Greet the user in one or two short sentences and ask what they would like to do.";

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
    report: Value,
    /// Run ids of steering messages this run took in.
    steered: Vec<String>,
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
        persist_partial(store, &progress, status).await;
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
        system_prompt_report: progress.report,
        merged_into: None,
    };
    (outcome, progress.steered)
}

enum Ended {
    Failed(String),
    Timeout,
    Aborted,
}

/// Keeps the text that streamed before an abort or timeout.
async fn persist_partial(store: &Store, progress: &Progress, status: RunStatus) {
    if progress.session_id.is_empty() || progress.round_content.is_empty() {
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

fn store_error(error: openclaw_store::StoreError) -> TurnError {
    TurnError::Failed(format!("session store: {error}"))
}

/// The session entry for this turn: created, kept, or renewed by the reset policy or a
/// `/new`/`/reset` trigger. Returns the entry and the message to send to the model.
async fn prepare_session(
    config: &Config,
    store: &Store,
    job: &RunJob,
) -> Result<(SessionEntry, String), TurnError> {
    let (mut entry, created) = store
        .get_or_create_session(&job.session_key)
        .await
        .map_err(store_error)?;
    let mut message = job.message.clone();
    let triggers = settings::reset_triggers(config);
    if let Some(trigger) = match_reset_trigger(&message, &triggers) {
        if !created {
            entry = store
                .reset_session(&job.session_key)
                .await
                .map_err(store_error)?;
        }
        message = if trigger.remainder.is_empty() {
            NEW_SESSION_PROMPT.to_owned()
        } else {
            trigger.remainder
        };
        return Ok((entry, message));
    }
    if !created {
        let reset_settings = settings::reset_settings(config);
        let policy = resolve_policy(
            &reset_settings,
            ResetType::of_key(&job.session_key, false, false),
            job.channel.as_deref(),
        );
        let zone = jiff::tz::TimeZone::system();
        if !evaluate_freshness(entry.updated_at, now_ms(), &policy, &zone).fresh {
            entry = store
                .reset_session(&job.session_key)
                .await
                .map_err(store_error)?;
        }
    }
    Ok((entry, message))
}

/// The requested model: the session's `/model` override, else the agent's primary.
fn requested_model(config: &Config, entry: &SessionEntry) -> Option<ModelRef> {
    let model = entry.model_override.as_deref()?;
    match entry.provider_override.as_deref() {
        Some(provider) => Some(ModelRef {
            provider: provider.to_owned(),
            model: model.to_owned(),
        }),
        None => ModelCatalog::from_config(config).parse(model).ok(),
    }
}

fn agent_dir(inner: &Inner, config: &Config, agent_id: &str) -> PathBuf {
    config
        .agent(agent_id)
        .and_then(|agent| agent.agent_dir.as_deref())
        .map(|dir| openclaw_config::expand_tilde(dir, &inner.env.home_dir().unwrap_or_default()))
        .unwrap_or_else(|| inner.state_dir.join("agents").join(agent_id).join("agent"))
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
    let (entry, message) = prepare_session(config, store, job).await?;
    progress.session_id = entry.session_id.clone();

    let requested = requested_model(config, &entry);
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

    let workspace = resolve_workspace(config, &inner.state_dir, agent_id);
    let bootstrap = inner
        .workspaces
        .bootstrap(config, &workspace)
        .await
        .map_err(|error| TurnError::Failed(error.to_string()))?;
    let policy = ToolPolicy::resolve(config, agent_id, &first.provider, &first.model);
    let tool_settings = ToolSettings::from_config(config, agent_id);
    let tools = offered_tools(&policy, &tool_settings);
    let model_label = format!("{}/{}", first.provider, first.model);
    let agent_name = config
        .agent(agent_id)
        .and_then(|agent| agent.identity.as_ref().and_then(|i| i.name.as_deref()))
        .or_else(|| {
            config
                .agent(agent_id)
                .and_then(|agent| agent.name.as_deref())
        });
    let user_timezone = config
        .agents
        .as_ref()
        .and_then(|a| a.defaults.as_ref())
        .and_then(|d| d.user_timezone.as_deref());
    let system = inner.workspaces.prompt(&PromptInputs {
        agent_id,
        agent_name,
        workspace: &workspace,
        model: &model_label,
        thinking,
        tools: &tools,
        bootstrap: &bootstrap,
        bootstrap_max_chars: bootstrap_max_chars(config, agent_id),
        user_timezone,
        extra_system_prompt: job.extra_system_prompt.as_deref(),
    });
    progress.report = system.report.clone();

    let entries = store
        .transcript_history(&entry.session_id, HISTORY_ENTRIES)
        .await
        .map_err(store_error)?;
    if entries.is_empty() {
        let header = openclaw_store::transcript::new_header(
            &entry.session_id,
            &workspace.to_string_lossy(),
            now_ms(),
            None,
        );
        store
            .create_transcript(&entry.session_id, header)
            .await
            .map_err(store_error)?;
    }
    let mut context = history::context_from_entries(&entries);
    store
        .append_transcript(
            &entry.session_id,
            NewEntry::message(history::user_message_json(&message, now_ms()), now_ms()),
        )
        .await
        .map_err(store_error)?;
    context.chars += message.len();
    context.messages.push(Message::user_text(message.clone()));
    sink.emit(AgentEvent::Started {
        started_at: now_ms(),
    })
    .await;

    let window = settings::context_window(config, agent_id, first);
    let agent_dir = agent_dir(inner, config, agent_id);
    let runner = FailoverRunner {
        config,
        env: &inner.env,
        agent: AgentAuthContext {
            agent_id,
            agent_dir: &agent_dir,
        },
        transport: inner.transport.clone(),
        pin: match &entry.auth_profile_override {
            Some(profile) => ProfilePin::Session(profile.clone()),
            None => ProfilePin::None,
        },
    };
    if compaction::needed(
        &context,
        system.text.len(),
        window,
        settings::reserve_tokens(config),
    ) {
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
    }
    let tool_ctx = ToolContext {
        workspace: workspace.clone(),
        agent_id: agent_id.to_owned(),
        session_key: job.session_key.clone(),
        settings: tool_settings,
        cancel: job.cancel.clone(),
    };
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
            system: Some(with_summary(&system.text, context.summary.as_deref())),
            messages: context.messages.clone(),
            tools: tools.clone(),
            max_tokens: settings::max_output_tokens(config, first),
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
                continue;
            }
            Err(error) => return Err(TurnError::Failed(user_error(&error))),
        };
        progress.provider = Some(opened.model.provider.clone());
        progress.model = Some(opened.model.model.clone());
        progress.api = settings::api_name(config, &opened.model.provider);
        progress.round_content.clear();
        let mut stop_reason = None;
        let mut usage = Usage::default();
        let separator = if progress.text.is_empty() { "" } else { "\n\n" };
        let mut separator_pending = !separator.is_empty();
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
                    persist_failed_round(store, progress, &user_error(&error)).await;
                    return Err(TurnError::Failed(user_error(&error)));
                }
            };
            match event {
                ProviderEvent::TextDelta(delta) => {
                    if delta.is_empty() {
                        continue;
                    }
                    if separator_pending {
                        progress.text.push_str(separator);
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
        store
            .append_transcript(&entry.session_id, NewEntry::message(assistant, now_ms()))
            .await
            .map_err(store_error)?;
        record_usage(store, job, &entry.session_id, &opened.model, usage).await;

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
        if !round_content.is_empty() {
            context.messages.push(Message {
                role: openclaw_providers::Role::Assistant,
                content: round_content,
            });
        }
        if calls_requested.is_empty() {
            break;
        }
        let mut results = Vec::new();
        for (id, name, arguments) in calls_requested {
            sink.emit(AgentEvent::ToolCall {
                id: id.clone(),
                name: name.clone(),
                arguments: arguments.clone(),
            })
            .await;
            let output = if policy.allows(&name) {
                if let Some(tool) = LocalTool::from_name(&name)
                    && tool.enabled(&tool_ctx.settings)
                {
                    tool.run(&tool_ctx, &arguments).await
                } else if let Some(tool) = SessionTool::from_name(&name) {
                    session_tools::run(inner, tool, job, &arguments).await
                } else {
                    crate::tools::ToolOutput::error(format!("Tool not available: {name}"))
                }
            } else {
                crate::tools::ToolOutput::error(format!(
                    "Tool not allowed by policy: {name} (see tools.allow / tools.deny)"
                ))
            };
            sink.emit(AgentEvent::ToolResult {
                id: id.clone(),
                name: name.clone(),
                content: output.content.clone(),
                is_error: output.is_error,
            })
            .await;
            let result =
                history::tool_result_json(&id, &name, &output.content, output.is_error, now_ms());
            store
                .append_transcript(&entry.session_id, NewEntry::message(result, now_ms()))
                .await
                .map_err(store_error)?;
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
            store
                .append_transcript(
                    &entry.session_id,
                    NewEntry::message(
                        history::user_message_json(&item.message, now_ms()),
                        now_ms(),
                    ),
                )
                .await
                .map_err(store_error)?;
            progress.steered.push(item.run_id.clone());
        }
        context.messages.push(Message {
            role: openclaw_providers::Role::User,
            content: results,
        });
    }
    finish_session(store, job, progress, window).await;
    Ok(())
}

/// The tools offered this turn, in a stable order.
fn offered_tools(policy: &ToolPolicy, settings: &ToolSettings) -> Vec<ToolSpec> {
    LocalTool::ALL
        .into_iter()
        .filter(|tool| tool.enabled(settings) && policy.allows(tool.name()))
        .map(LocalTool::spec)
        .chain(
            SessionTool::ALL
                .into_iter()
                .filter(|tool| policy.allows(tool.name()))
                .map(SessionTool::spec),
        )
        .collect()
}

fn bootstrap_max_chars(config: &Config, agent_id: &str) -> usize {
    config
        .agent(agent_id)
        .and_then(|agent| agent.bootstrap_max_chars)
        .or_else(|| {
            config
                .agents
                .as_ref()
                .and_then(|a| a.defaults.as_ref())
                .and_then(|d| d.bootstrap_max_chars)
        })
        .map_or(20_000, |chars| chars as usize)
}

fn with_summary(system: &str, summary: Option<&str>) -> String {
    match summary {
        Some(summary) => format!(
            "{system}\n\n## Conversation summary\nEarlier parts of this conversation were compacted. Summary:\n{summary}"
        ),
        None => system.to_owned(),
    }
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

/// A model call that failed mid-stream leaves an assistant message with `stopReason: error`
/// (skipped when rebuilding the context), so the transcript shows what happened.
async fn persist_failed_round(store: &Store, progress: &Progress, error: &str) {
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

async fn record_usage(
    store: &Store,
    job: &RunJob,
    session_id: &str,
    model: &ModelRef,
    usage: Usage,
) {
    let record = UsageRecord {
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
    };
    if let Err(error) = store.record_usage(record).await {
        tracing::warn!(target: "agent", "could not record usage: {error}");
    }
}

/// Updates the session entry's activity, model and token counters.
async fn finish_session(store: &Store, job: &RunJob, progress: &Progress, window: u64) {
    let provider = progress.provider.clone();
    let model = progress.model.clone();
    let usage = progress.usage;
    let channel = job.channel.clone();
    let result = store
        .update_session(&job.session_key, move |entry| {
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
        .await;
    if let Err(error) = result {
        tracing::warn!(target: "agent", "could not update session {}: {error}", job.session_key);
    }
}
