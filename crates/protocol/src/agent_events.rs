//! Payloads of the `agent` and `chat` events a run streams to operator clients (protocol 3
//! shapes, as captured from 2026.1.29; protocol 4 clients accept them too).
//!
//! `agent` events carry every step of a run (`seq` per run, 1-based, contiguous); `chat` events
//! are the chat view of the same run: cumulative text snapshots (`delta`, throttled by the
//! caller) and one terminal `final` / `aborted` / `error`.

use serde_json::{Map, Value, json};

/// `{runId, stream, data, sessionKey, seq, ts}`.
pub fn agent_event_payload(
    run_id: &str,
    session_key: &str,
    seq: u64,
    ts: i64,
    stream: &str,
    data: Value,
) -> Value {
    json!({
        "runId": run_id,
        "stream": stream,
        "data": data,
        "sessionKey": session_key,
        "seq": seq,
        "ts": ts,
    })
}

/// Terminal or delta state of a `chat` event.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatState<'a> {
    /// Everything said so far (a cumulative snapshot).
    Delta {
        text: &'a str,
    },
    /// The reply; an empty text omits `message`, as OpenClaw does.
    Final {
        text: &'a str,
        usage: Option<Value>,
    },
    /// `stopReason`: `rpc` (chat.abort), `stop` (/stop), `timeout`, …
    Aborted {
        stop_reason: &'a str,
    },
    Error {
        message: &'a str,
    },
}

/// `{runId, sessionKey, seq, state, message?, errorMessage?, usage?, stopReason?}`.
pub fn chat_event_payload(
    run_id: &str,
    session_key: &str,
    seq: u64,
    timestamp: i64,
    state: ChatState<'_>,
) -> Value {
    let mut payload = Map::new();
    payload.insert("runId".into(), run_id.into());
    payload.insert("sessionKey".into(), session_key.into());
    payload.insert("seq".into(), seq.into());
    let assistant = |text: &str| json!({"role": "assistant", "content": [{"type": "text", "text": text}], "timestamp": timestamp});
    match state {
        ChatState::Delta { text } => {
            payload.insert("state".into(), "delta".into());
            payload.insert("message".into(), assistant(text));
        }
        ChatState::Final { text, usage } => {
            payload.insert("state".into(), "final".into());
            if !text.is_empty() {
                payload.insert("message".into(), assistant(text));
            }
            if let Some(usage) = usage {
                payload.insert("usage".into(), usage);
            }
        }
        ChatState::Aborted { stop_reason } => {
            payload.insert("state".into(), "aborted".into());
            payload.insert("stopReason".into(), stop_reason.into());
        }
        ChatState::Error { message } => {
            payload.insert("state".into(), "error".into());
            payload.insert("errorMessage".into(), message.into());
        }
    }
    Value::Object(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_without_text_omits_the_message() {
        let payload = chat_event_payload(
            "r",
            "main",
            3,
            1,
            ChatState::Final {
                text: "",
                usage: None,
            },
        );
        assert_eq!(
            payload,
            json!({"runId": "r", "sessionKey": "main", "seq": 3, "state": "final"})
        );
    }

    #[test]
    fn delta_carries_a_cumulative_assistant_message() {
        let payload = chat_event_payload("r", "main", 2, 7, ChatState::Delta { text: "Hello" });
        assert_eq!(
            payload["message"],
            json!({"role": "assistant", "content": [{"type": "text", "text": "Hello"}], "timestamp": 7})
        );
        assert_eq!(payload["state"], "delta");
    }
}
