//! OpenAI Chat Completions chunk stream (`data: {chunk}` … `data: [DONE]`).

use serde_json::{Value, json};

use super::{FakeStep, FakeUsage, halves};

fn chunk(delta: Value, finish_reason: Value) -> String {
    let body = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    });
    format!("data: {body}\n\n")
}

pub(super) fn sse_events(steps: &[FakeStep], usage: FakeUsage) -> Vec<String> {
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    let mut tool_index = 0;
    for step in steps {
        match step {
            FakeStep::Text(text) => events.push(chunk(json!({"content": text}), Value::Null)),
            FakeStep::Thinking(text) => {
                events.push(chunk(json!({"reasoning_content": text}), Value::Null))
            }
            FakeStep::RedactedThinking(_) => {}
            FakeStep::ToolCall {
                id,
                name,
                arguments,
            } => {
                let (first, second) = halves(arguments);
                events.push(chunk(
                    json!({"tool_calls": [{"index": tool_index, "id": id, "type": "function",
                        "function": {"name": name, "arguments": first}}]}),
                    Value::Null,
                ));
                events.push(chunk(
                    json!({"tool_calls": [{"index": tool_index, "function": {"arguments": second}}]}),
                    Value::Null,
                ));
                tool_index += 1;
            }
        }
    }
    let finish = if tool_index > 0 { "tool_calls" } else { "stop" };
    events.push(chunk(json!({}), json!(finish)));
    let usage_chunk = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake-model",
        "choices": [],
        "usage": {
            "prompt_tokens": usage.input + usage.cache_read,
            "completion_tokens": usage.output,
            "total_tokens": usage.input + usage.cache_read + usage.output,
            "prompt_tokens_details": {"cached_tokens": usage.cache_read},
        },
    });
    events.push(format!("data: {usage_chunk}\n\n"));
    events.push("data: [DONE]\n\n".to_string());
    events
}
