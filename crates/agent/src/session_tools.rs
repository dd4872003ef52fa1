//! The session tools: `sessions_list`, `sessions_history`, `sessions_send`. They need the store
//! and the runtime (to start a turn in another session), so they live beside the turn loop
//! rather than with the local tools.

use std::sync::Arc;
use std::time::Duration;

use openclaw_providers::ToolSpec;
use openclaw_store::SessionQuery;
use serde_json::{Value, json};

use crate::event::RunStatus;
use crate::runtime::{
    AgentRuntime, Delivery, Inner, RunJob, Submission, TurnRequest, resolve_session,
};
use crate::tools::ToolOutput;

/// Default and maximum wait of `sessions_send` for the other session's reply.
const SEND_DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const SEND_MAX_TIMEOUT: Duration = Duration::from_secs(600);
/// Rows and messages returned at most.
const LIST_MAX: usize = 200;
const HISTORY_MAX: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionTool {
    List,
    History,
    Send,
}

impl SessionTool {
    pub const ALL: [SessionTool; 3] = [SessionTool::List, SessionTool::History, SessionTool::Send];

    pub fn name(self) -> &'static str {
        match self {
            SessionTool::List => "sessions_list",
            SessionTool::History => "sessions_history",
            SessionTool::Send => "sessions_send",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tool| tool.name() == name)
    }

    pub fn spec(self) -> ToolSpec {
        let (description, schema) = match self {
            SessionTool::List => (
                "List conversation sessions (key, channel, last activity, model), newest first.",
                json!({
                    "type": "object",
                    "properties": {
                        "limit": {"type": "integer", "minimum": 1, "maximum": LIST_MAX},
                        "activeMinutes": {"type": "integer", "minimum": 1,
                            "description": "Only sessions active within this many minutes."}
                    }
                }),
            ),
            SessionTool::History => (
                "Read the recent messages of another session.",
                json!({
                    "type": "object",
                    "properties": {
                        "sessionKey": {"type": "string"},
                        "limit": {"type": "integer", "minimum": 1, "maximum": HISTORY_MAX},
                        "includeTools": {"type": "boolean"}
                    },
                    "required": ["sessionKey"]
                }),
            ),
            SessionTool::Send => (
                "Send a message to another session and wait for its reply (timeoutSeconds 0 = do not wait).",
                json!({
                    "type": "object",
                    "properties": {
                        "sessionKey": {"type": "string"},
                        "message": {"type": "string"},
                        "timeoutSeconds": {"type": "integer", "minimum": 0, "maximum": 600}
                    },
                    "required": ["sessionKey", "message"]
                }),
            ),
        };
        ToolSpec {
            name: self.name().to_owned(),
            description: description.to_owned(),
            input_schema: schema,
        }
    }
}

pub(crate) async fn run(
    inner: &Arc<Inner>,
    tool: SessionTool,
    job: &RunJob,
    args: &Value,
) -> ToolOutput {
    let Some(store) = inner.store() else {
        return ToolOutput::error("the session store is closed (gateway shutting down)");
    };
    match tool {
        SessionTool::List => {
            let limit = args
                .get("limit")
                .and_then(Value::as_u64)
                .map_or(50, |limit| (limit as usize).clamp(1, LIST_MAX));
            let query = SessionQuery {
                limit: Some(limit),
                active_minutes: args.get("activeMinutes").and_then(Value::as_u64),
                ..SessionQuery::default()
            };
            match store.list_sessions(query).await {
                Ok(records) => {
                    let rows: Vec<Value> = records
                        .iter()
                        .map(|record| {
                            let entry = &record.entry;
                            json!({
                                "key": record.key,
                                "agentId": record.agent_id,
                                "sessionId": entry.session_id,
                                "updatedAt": entry.updated_at,
                                "label": entry.label,
                                "channel": entry.extra.get("lastChannel"),
                                "model": entry.extra.get("model"),
                            })
                        })
                        .collect();
                    ToolOutput::ok(json!({"count": rows.len(), "sessions": rows}).to_string())
                }
                Err(error) => ToolOutput::error(format!("listing sessions failed: {error}")),
            }
        }
        SessionTool::History => {
            let Some(key) = args.get("sessionKey").and_then(Value::as_str) else {
                return ToolOutput::error("sessionKey is required");
            };
            let config = inner.config.load();
            let (_, canonical, _) = resolve_session(&config, Some(key), None);
            let limit = args
                .get("limit")
                .and_then(Value::as_u64)
                .map_or(20, |limit| (limit as usize).clamp(1, HISTORY_MAX));
            let include_tools = args
                .get("includeTools")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let record = match store.session(&canonical).await {
                Ok(Some(record)) => record,
                Ok(None) => return ToolOutput::error(format!("no session {canonical}")),
                Err(error) => {
                    return ToolOutput::error(format!("reading {canonical} failed: {error}"));
                }
            };
            match store
                .transcript_history(&record.entry.session_id, limit.saturating_mul(4))
                .await
            {
                Ok(entries) => {
                    let mut messages: Vec<Value> = entries
                        .iter()
                        .filter_map(|entry| entry.body.get("message"))
                        .filter(|message| {
                            include_tools
                                || message.get("role").and_then(Value::as_str) != Some("toolResult")
                        })
                        .cloned()
                        .collect();
                    let excess = messages.len().saturating_sub(limit);
                    messages.drain(..excess);
                    ToolOutput::ok(
                        json!({"sessionKey": canonical, "messages": messages}).to_string(),
                    )
                }
                Err(error) => ToolOutput::error(format!("reading {canonical} failed: {error}")),
            }
        }
        SessionTool::Send => {
            let (Some(key), Some(message)) = (
                args.get("sessionKey").and_then(Value::as_str),
                args.get("message").and_then(Value::as_str),
            ) else {
                return ToolOutput::error("sessionKey and message are required");
            };
            let config = inner.config.load();
            let (_, canonical, _) = resolve_session(&config, Some(key), None);
            if canonical == job.session_key {
                return ToolOutput::error(
                    "sessions_send cannot target the current session (it would wait for itself)",
                );
            }
            let wait = args
                .get("timeoutSeconds")
                .and_then(Value::as_u64)
                .map_or(SEND_DEFAULT_TIMEOUT, Duration::from_secs)
                .min(SEND_MAX_TIMEOUT);
            let runtime = AgentRuntime::from_inner(inner.clone());
            let mut request = TurnRequest::new(uuid::Uuid::new_v4().to_string(), message);
            request.session_key = Some(canonical.clone());
            request.delivery = Delivery::Direct;
            let ticket = match runtime.submit(request, None).await {
                Submission::Accepted(ticket) | Submission::InFlight(ticket) => ticket,
                Submission::Finished(outcome) => {
                    return ToolOutput::ok(
                        json!({"status": "ok", "reply": outcome.text}).to_string(),
                    );
                }
                Submission::Stopped { .. } => return ToolOutput::ok(r#"{"status":"stopped"}"#),
            };
            if wait.is_zero() {
                return ToolOutput::ok(
                    json!({"status": "accepted", "runId": ticket.run_id, "sessionKey": canonical})
                        .to_string(),
                );
            }
            match tokio::time::timeout(wait, ticket.outcome()).await {
                Ok(Some(outcome)) => {
                    let body = match outcome.status {
                        RunStatus::Ok => {
                            json!({"status": "ok", "sessionKey": canonical, "reply": outcome.text})
                        }
                        status => {
                            json!({"status": status.as_str(), "sessionKey": canonical, "error": outcome.error})
                        }
                    };
                    ToolOutput {
                        content: body.to_string(),
                        is_error: outcome.status != RunStatus::Ok,
                    }
                }
                _ => ToolOutput::error(format!(
                    "no reply from {canonical} within {} s; the message was delivered and the run continues",
                    wait.as_secs()
                )),
            }
        }
    }
}
