//! The one event stream a turn produces.
//!
//! Every consumer — WS `agent`/`chat` events, HTTP streaming, channel delivery — reads these
//! values; none of them re-derives a turn's progress from the transcript or the provider stream.

use std::sync::Arc;

use openclaw_providers::Usage;
use serde_json::Value;

use crate::prompt::SystemPrompt;

/// Something that happened during a run.
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    /// The run left its queue and is about to call the model.
    Started { started_at: i64 },
    /// Assistant text arrived: `text` is everything said so far in this run, `delta` the new part.
    Text { text: String, delta: String },
    /// Reasoning text arrived (shown only where the session asks for reasoning).
    Thinking { delta: String },
    /// The model asked for a tool.
    ToolCall {
        id: String,
        name: String,
        arguments: Value,
    },
    /// A tool finished.
    ToolResult {
        id: String,
        name: String,
        content: String,
        is_error: bool,
    },
    /// The run is over; always the last event of a run.
    Ended(Arc<RunOutcome>),
}

/// An event with the run it belongs to. `seq` is per run, 1-based and contiguous.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEvent {
    pub run_id: Arc<str>,
    /// The key as the submitter wrote it (protocol 3 clients expect it echoed).
    pub session_key: Arc<str>,
    /// The canonical key (`agent:<id>:…`; what protocol 4 clients get).
    pub canonical_key: Arc<str>,
    pub agent_id: Arc<str>,
    pub seq: u64,
    pub ts: i64,
    pub event: AgentEvent,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Ok,
    Error,
    /// Stopped by `chat.abort`, `/stop`, an abort word or an interrupting message.
    Aborted(AbortReason),
    /// `timeoutSeconds` (or the request's timeout) elapsed.
    Timeout,
}

impl RunStatus {
    /// OpenClaw's status word (`ok`, `error`, `aborted`, `timeout`).
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Error => "error",
            RunStatus::Aborted(_) => "aborted",
            RunStatus::Timeout => "timeout",
        }
    }
}

/// Why a run was aborted (`stopReason` of the `chat` aborted event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortReason {
    /// `chat.abort` or an API call.
    Rpc,
    /// `/stop` or an abort word in chat.
    Stop,
    /// A newer message in `interrupt` queue mode.
    Interrupt,
    /// The gateway is shutting down.
    Shutdown,
}

impl AbortReason {
    pub fn as_str(self) -> &'static str {
        match self {
            AbortReason::Rpc => "rpc",
            AbortReason::Stop => "stop",
            AbortReason::Interrupt => "interrupt",
            AbortReason::Shutdown => "shutdown",
        }
    }
}

/// The result of a run, kept for `agent.wait` and idempotent retries.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub run_id: String,
    pub session_key: String,
    pub session_id: String,
    pub agent_id: String,
    pub status: RunStatus,
    /// The final assistant text (empty for silent replies and failures).
    pub text: String,
    /// The user-facing error, when `status` is `Error`.
    pub error: Option<String>,
    /// Provider and model that produced the answer.
    pub provider: Option<String>,
    pub model: Option<String>,
    /// Tokens over every model call of the run.
    pub usage: Usage,
    pub started_at: i64,
    pub ended_at: i64,
    /// The system prompt the run used (shared with the prompt cache, so keeping finished
    /// runs costs no copy of it); `None` when the run never got that far.
    pub system_prompt: Option<Arc<SystemPrompt>>,
    /// Set when this message was folded into another run (`collect` queue mode).
    pub merged_into: Option<String>,
}

impl RunOutcome {
    /// OpenClaw's `systemPromptReport` (`null` when there is none).
    pub fn system_prompt_report(&self) -> &Value {
        static NULL: Value = Value::Null;
        self.system_prompt
            .as_ref()
            .map_or(&NULL, |prompt| &prompt.report)
    }

    pub fn duration_ms(&self) -> i64 {
        (self.ended_at - self.started_at).max(0)
    }
}
