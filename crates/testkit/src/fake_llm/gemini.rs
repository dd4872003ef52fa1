//! Gemini `streamGenerateContent?alt=sse` chunks (`data: {GenerateContentResponse}`, no
//! terminator: the final chunk carries `finishReason` and `usageMetadata`).

use serde_json::{Value, json};

use super::{FakeStep, FakeUsage};

fn chunk(parts: Value, finish_reason: Option<&str>, usage: Option<Value>) -> String {
    let mut candidate = json!({"content": {"role": "model", "parts": parts}, "index": 0});
    if let Some(reason) = finish_reason {
        candidate["finishReason"] = json!(reason);
    }
    let mut body = json!({"candidates": [candidate], "modelVersion": "fake-model"});
    if let Some(usage) = usage {
        body["usageMetadata"] = usage;
    }
    format!("data: {body}\r\n\r\n")
}

pub(super) fn sse_events(steps: &[FakeStep], usage: FakeUsage) -> Vec<String> {
    let mut events = Vec::new();
    for step in steps {
        match step {
            FakeStep::Text(text) => events.push(chunk(json!([{"text": text}]), None, None)),
            FakeStep::Thinking(text) => {
                events.push(chunk(json!([{"text": text, "thought": true}]), None, None))
            }
            FakeStep::RedactedThinking(_) => {}
            FakeStep::ToolCall {
                name, arguments, ..
            } => {
                // Gemini sends whole calls, never fragments, and (classically) no call id.
                let args: Value = serde_json::from_str(arguments).unwrap_or_else(|_| json!({}));
                events.push(chunk(
                    json!([{"functionCall": {"name": name, "args": args}}]),
                    None,
                    None,
                ));
            }
        }
    }
    let usage = json!({
        "promptTokenCount": usage.input + usage.cache_read,
        "candidatesTokenCount": usage.output,
        "cachedContentTokenCount": usage.cache_read,
        "totalTokenCount": usage.input + usage.cache_read + usage.output,
    });
    events.push(chunk(json!([{"text": ""}]), Some("STOP"), Some(usage)));
    events
}
