//! Shared setup for the agent turn tests: a fake OpenAI-compatible model and a gateway whose
//! config points provider `fake` at it.

#![allow(dead_code)]

use std::time::Duration;

use openclaw_testkit::fake_llm::FakeLlm;
use serde_json::{Value, json};

use crate::ws_support::{Gateway, Session, connect_ok, merge_json, start_gateway, v3_cli};

pub const WAIT: Duration = Duration::from_secs(15);

/// The base config: provider `fake` (and `fake2`, same server) with models fake-1/fake-2.
pub fn model_config(fake: &FakeLlm) -> Value {
    let base_url = format!("http://{}/v1", fake.addr());
    json!({
        "agents": {"defaults": {"model": {"primary": "fake/fake-1"}}},
        "models": {"providers": {
            "fake": {"baseUrl": base_url, "apiKey": "sk-fake", "api": "openai-completions",
                     "models": [{"id": "fake-1", "name": "Fake One", "contextWindow": 128000}]},
            "fake2": {"baseUrl": base_url, "apiKey": "sk-fake2", "api": "openai-completions",
                      "models": [{"id": "fake-2", "name": "Fake Two", "contextWindow": 128000}]},
        }},
    })
}

pub async fn start(fake: &FakeLlm, extra: Value) -> Gateway {
    let mut config = model_config(fake);
    merge_json(&mut config, &extra);
    start_gateway(config).await.expect("gateway starts")
}

pub async fn client(gateway: &Gateway) -> Session {
    connect_ok(&gateway.url(), &v3_cli())
        .await
        .expect("connects")
        .0
}

/// Sends a request frame without waiting; returns its id.
pub async fn send(session: &mut Session, id: &str, method: &str, params: Value) {
    session
        .send_json(&json!({"type": "req", "id": id, "method": method, "params": params}))
        .await
        .expect("sends");
}

/// Waits for a response frame to `id`.
pub async fn response(session: &mut Session, id: &str) -> Value {
    session
        .response_to(id, WAIT)
        .await
        .expect("response arrives")
}

/// Waits for the terminal `chat` event (final/aborted/error) of `run_id`; other runs' events
/// stay unread for later calls.
pub async fn chat_end(session: &mut Session, run_id: &str) -> Value {
    let event = session
        .next_event_where(
            "chat",
            |payload| payload["runId"] == run_id && payload["state"] != "delta",
            WAIT,
        )
        .await
        .expect("terminal chat event");
    event["payload"].clone()
}

/// The texts of the `messages` of a recorded OpenAI request, as `role: text` lines.
pub fn conversation(body: &Value) -> Vec<String> {
    body["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .map(|m| {
                    let content = match &m["content"] {
                        Value::String(text) => text.clone(),
                        Value::Array(parts) => parts
                            .iter()
                            .filter_map(|p| p["text"].as_str())
                            .collect::<Vec<_>>()
                            .join(""),
                        _ => String::new(),
                    };
                    format!("{}: {}", m["role"].as_str().unwrap_or("?"), content)
                })
                .collect()
        })
        .unwrap_or_default()
}
