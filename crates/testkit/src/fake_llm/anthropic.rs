//! Anthropic Messages event stream (`event: <type>` + `data: {json}`).

use serde_json::{Value, json};

use super::{FakeStep, FakeUsage, halves};

fn event(payload: Value) -> String {
    let kind = payload
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    format!("event: {kind}\ndata: {payload}\n\n")
}

pub(super) fn sse_events(steps: &[FakeStep], usage: FakeUsage) -> Vec<String> {
    let mut events = vec![event(json!({
        "type": "message_start",
        "message": {
            "id": "msg_fake", "type": "message", "role": "assistant", "model": "fake-model",
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {
                "input_tokens": usage.input,
                "cache_creation_input_tokens": usage.cache_write,
                "cache_read_input_tokens": usage.cache_read,
                "output_tokens": 1,
            },
        },
    }))];
    events.push(event(json!({"type": "ping"})));
    let mut used_tool = false;
    for (index, step) in steps.iter().enumerate() {
        match step {
            FakeStep::Text(text) => {
                events.push(event(json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "text", "text": ""}})));
                events.push(event(json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "text_delta", "text": text}})));
            }
            FakeStep::Thinking(text) => {
                events.push(event(json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "thinking", "thinking": ""}})));
                events.push(event(json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "thinking_delta", "thinking": text}})));
                events.push(event(json!({"type": "content_block_delta", "index": index,
                    "delta": {"type": "signature_delta", "signature": "fake-signature"}})));
            }
            FakeStep::RedactedThinking(data) => {
                events.push(event(json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "redacted_thinking", "data": data}})));
            }
            FakeStep::ToolCall {
                id,
                name,
                arguments,
            } => {
                used_tool = true;
                let (first, second) = halves(arguments);
                events.push(event(json!({"type": "content_block_start", "index": index,
                    "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}})));
                for part in [first, second] {
                    events.push(event(json!({"type": "content_block_delta", "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": part}})));
                }
            }
        }
        events.push(event(json!({"type": "content_block_stop", "index": index})));
    }
    let stop_reason = if used_tool { "tool_use" } else { "end_turn" };
    events.push(event(json!({
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": null},
        "usage": {"output_tokens": usage.output},
    })));
    events.push(event(json!({"type": "message_stop"})));
    events
}
