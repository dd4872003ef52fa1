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

/// Protocol 4 `agent` event: the v3 fields with the canonical session key, plus `agentId` and
/// `isHeartbeat` (2026.9.6's shape).
pub fn agent_event_payload_v4(
    run_id: &str,
    canonical_key: &str,
    agent_id: &str,
    seq: u64,
    ts: i64,
    stream: &str,
    data: Value,
) -> Value {
    json!({
        "runId": run_id,
        "stream": stream,
        "data": data,
        "sessionKey": canonical_key,
        "agentId": agent_id,
        "seq": seq,
        "ts": ts,
        "isHeartbeat": false,
    })
}

/// Protocol 4 `chat` event: canonical session key, `agentId`, `deltaText` on deltas and
/// `stopReason: "stop"` on finals (2026.9.6's shape).
pub fn chat_event_payload_v4(
    run_id: &str,
    canonical_key: &str,
    agent_id: &str,
    seq: u64,
    timestamp: i64,
    state: ChatState<'_>,
    delta_text: Option<&str>,
) -> Value {
    let is_final = matches!(state, ChatState::Final { .. });
    let mut payload = chat_event_payload(run_id, canonical_key, seq, timestamp, state);
    if let Value::Object(map) = &mut payload {
        map.insert("agentId".into(), agent_id.into());
        if let Some(delta) = delta_text {
            map.insert("deltaText".into(), delta.into());
        }
        if is_final {
            map.insert("stopReason".into(), "stop".into());
        }
    }
    payload
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
    fn v4_chat_events_carry_agent_id_delta_text_and_stop_reason() {
        let delta = chat_event_payload_v4(
            "r",
            "agent:main:main",
            "main",
            6,
            1,
            ChatState::Delta { text: "Hello" },
            Some("Hello"),
        );
        assert_eq!(delta["agentId"], "main");
        assert_eq!(delta["deltaText"], "Hello");
        assert_eq!(delta["sessionKey"], "agent:main:main");
        let done = chat_event_payload_v4(
            "r",
            "agent:main:main",
            "main",
            7,
            1,
            ChatState::Final {
                text: "Hi",
                usage: None,
            },
            None,
        );
        assert_eq!(done["stopReason"], "stop");
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
