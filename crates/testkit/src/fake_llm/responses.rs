//! OpenAI Responses event stream (`event: response.*` + `data: {"type": …}`), ending with
//! `response.completed`.

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
        "type": "response.created",
        "response": {"id": "resp_fake", "object": "response", "status": "in_progress", "output": []},
    }))];
    for (index, step) in steps.iter().enumerate() {
        match step {
            FakeStep::Text(text) => events.push(event(json!({
                "type": "response.output_text.delta",
                "item_id": "msg_fake", "output_index": index, "content_index": 0, "delta": text,
            }))),
            FakeStep::Thinking(text) => events.push(event(json!({
                "type": "response.reasoning_summary_text.delta",
                "item_id": "rs_fake", "output_index": index, "summary_index": 0, "delta": text,
            }))),
            FakeStep::RedactedThinking(_) => {}
            FakeStep::ToolCall {
                id,
                name,
                arguments,
            } => {
                let item_id = format!("fc_{index}");
                events.push(event(json!({
                    "type": "response.output_item.added", "output_index": index,
                    "item": {"type": "function_call", "id": item_id, "call_id": id, "name": name,
                        "arguments": "", "status": "in_progress"},
                })));
                let (first, second) = halves(arguments);
                for part in [first, second] {
                    events.push(event(json!({
                        "type": "response.function_call_arguments.delta",
                        "item_id": item_id, "output_index": index, "delta": part,
                    })));
                }
                events.push(event(json!({
                    "type": "response.output_item.done", "output_index": index,
                    "item": {"type": "function_call", "id": item_id, "call_id": id, "name": name,
                        "arguments": arguments, "status": "completed"},
                })));
            }
        }
    }
    events.push(event(json!({
        "type": "response.completed",
        "response": {
            "id": "resp_fake", "object": "response", "status": "completed",
            "usage": {
                "input_tokens": usage.input + usage.cache_read,
                "input_tokens_details": {"cached_tokens": usage.cache_read},
                "output_tokens": usage.output,
                "total_tokens": usage.input + usage.cache_read + usage.output,
            },
        },
    })));
    events
}
