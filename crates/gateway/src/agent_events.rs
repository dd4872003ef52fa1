//! Fans agent runs out to WS clients: every [`RunEvent`] becomes an `agent` event, and the chat
//! view of the run becomes `chat` events (deltas at most every 150 ms per run, then exactly one
//! terminal `final` / `aborted` / `error`, after the `agent` lifecycle end, as OpenClaw orders
//! them).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openclaw_agent::{AgentEvent, RunEvent, RunOutcome, RunStatus};
use openclaw_protocol::agent_events::{
    ChatState, agent_event_payload, agent_event_payload_v4, chat_event_payload,
    chat_event_payload_v4,
};
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::state::Shared;

/// Minimum spacing of `chat` delta events of one run (OpenClaw throttles to ≥150 ms).
const CHAT_DELTA_INTERVAL: Duration = Duration::from_millis(150);
/// Runs tracked for throttling at most; a run that never ended (cannot happen) is forgotten.
const MAX_TRACKED_RUNS: usize = 10_000;

/// Starts the forwarder; it ends when the runtime's broadcast closes or the handle is aborted.
pub fn spawn(shared: Arc<Shared>) -> tokio::task::JoinHandle<()> {
    let mut events = shared.agents.subscribe();
    tokio::spawn(async move {
        let mut last_delta: HashMap<Arc<str>, (Instant, usize)> = HashMap::new();
        loop {
            match events.recv().await {
                Ok(event) => forward(&shared, &mut last_delta, &event),
                Err(RecvError::Lagged(skipped)) => {
                    tracing::warn!(target: "gateway", "agent event fan-out fell behind; {skipped} events were not sent to clients");
                }
                Err(RecvError::Closed) => break,
            }
        }
    })
}

fn forward(
    shared: &Shared,
    last_delta: &mut HashMap<Arc<str>, (Instant, usize)>,
    event: &RunEvent,
) {
    if let AgentEvent::Ended(_) = event.event {
        last_delta.remove(&event.run_id);
    }
    // Nobody connected: skip building JSON (the benchmark path).
    if shared.bus.receiver_count() == 0 {
        return;
    }
    let send_agent = |stream: &str, data: serde_json::Value| {
        let droppable = stream != "lifecycle";
        let v4 = agent_event_payload_v4(
            &event.run_id,
            &event.canonical_key,
            &event.agent_id,
            event.seq,
            event.ts,
            stream,
            data.clone(),
        );
        let v3 = agent_event_payload(
            &event.run_id,
            &event.session_key,
            event.seq,
            event.ts,
            stream,
            data,
        );
        shared.broadcast_versioned("agent", &v3, &v4, droppable);
    };
    let send_chat = |state: ChatState<'_>, delta_text: Option<&str>| {
        let droppable = matches!(state, ChatState::Delta { .. });
        let v3 = chat_event_payload(
            &event.run_id,
            &event.session_key,
            event.seq,
            event.ts,
            state.clone(),
        );
        let v4 = chat_event_payload_v4(
            &event.run_id,
            &event.canonical_key,
            &event.agent_id,
            event.seq,
            event.ts,
            state,
            delta_text,
        );
        shared.broadcast_versioned("chat", &v3, &v4, droppable);
    };
    match &event.event {
        AgentEvent::Started { started_at } => {
            send_agent(
                "lifecycle",
                json!({"phase": "start", "startedAt": started_at}),
            );
        }
        AgentEvent::Text { text, delta } => {
            send_agent("assistant", json!({"text": text, "delta": delta}));
            let now = Instant::now();
            let (due, sent_up_to) = match last_delta.get(&event.run_id) {
                None => (true, 0),
                Some((at, sent)) => (now.duration_since(*at) >= CHAT_DELTA_INTERVAL, *sent),
            };
            if due {
                if last_delta.len() >= MAX_TRACKED_RUNS {
                    last_delta.clear();
                }
                last_delta.insert(event.run_id.clone(), (now, text.len()));
                // What arrived since the last chat delta (protocol 4 `deltaText`).
                let new_text = text.get(sent_up_to..).unwrap_or(text);
                send_chat(ChatState::Delta { text }, Some(new_text));
            }
        }
        AgentEvent::Thinking { .. } => {}
        AgentEvent::ToolCall {
            id,
            name,
            arguments,
        } => {
            send_agent(
                "tool",
                json!({"phase": "start", "toolCallId": id, "name": name, "args": arguments}),
            );
        }
        AgentEvent::ToolResult {
            id,
            name,
            content,
            is_error,
        } => {
            send_agent(
                "tool",
                json!({"phase": "result", "toolCallId": id, "name": name, "result": content, "isError": is_error}),
            );
        }
        AgentEvent::Ended(outcome) => {
            let lifecycle = match outcome.status {
                RunStatus::Error => {
                    json!({"phase": "error", "error": outcome.error, "endedAt": outcome.ended_at})
                }
                _ => json!({"phase": "end", "endedAt": outcome.ended_at}),
            };
            send_agent("lifecycle", lifecycle);
            send_chat(chat_terminal(outcome), None);
        }
    }
}

fn chat_terminal(outcome: &RunOutcome) -> ChatState<'_> {
    match outcome.status {
        RunStatus::Ok => ChatState::Final {
            text: if outcome.merged_into.is_some() {
                ""
            } else {
                &outcome.text
            },
            usage: None,
        },
        RunStatus::Aborted(reason) => ChatState::Aborted {
            stop_reason: reason.as_str(),
        },
        RunStatus::Timeout => ChatState::Aborted {
            stop_reason: "timeout",
        },
        RunStatus::Error => ChatState::Error {
            message: outcome.error.as_deref().unwrap_or("the agent run failed"),
        },
    }
}
