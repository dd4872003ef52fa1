//! Agent turns through the real gateway over WS, against a fake OpenAI-compatible model:
//! `chat.send` streaming and persistence, the two-stage `agent` answer, idempotency, tools,
//! failover, abort, lanes and queue modes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;
mod ws_support;

use std::time::Duration;

use agent_support::{WAIT, chat_end, client, conversation, response, send, start};
use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage};
use serde_json::json;

fn tool_call(id: &str, name: &str, arguments: serde_json::Value) -> FakeReply {
    FakeReply::Stream {
        steps: vec![FakeStep::ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.to_string(),
        }],
        usage: FakeUsage::default(),
        ending: FakeEnding::Complete,
    }
}

#[tokio::test]
async fn chat_send_streams_events_and_persists_the_turn() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["Hello", " from the fake model."]));
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;

    let ack = ws
        .request("chat.send", json!({"sessionKey": "main", "message": "Hi there", "idempotencyKey": "run-1", "deliver": false}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ack, json!({"runId": "run-1", "status": "started"}));
    let end = chat_end(&mut ws, "run-1").await;
    assert_eq!(end["state"], "final", "{end}");
    assert_eq!(end["sessionKey"], "main");
    assert_eq!(
        end["message"]["content"][0]["text"],
        "Hello from the fake model."
    );

    // agent events: lifecycle start … assistant … lifecycle end, seq contiguous from 1.
    let agent_events: Vec<serde_json::Value> = ws
        .received
        .iter()
        .filter(|f| f["event"] == "agent" && f["payload"]["runId"] == "run-1")
        .map(|f| f["payload"].clone())
        .collect();
    let seqs: Vec<u64> = agent_events
        .iter()
        .map(|p| p["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "{agent_events:?}"
    );
    assert_eq!(agent_events.first().unwrap()["data"]["phase"], "start");
    assert_eq!(agent_events.last().unwrap()["data"]["phase"], "end");
    assert!(
        agent_events
            .iter()
            .any(|p| p["stream"] == "assistant" && p["data"]["delta"] == " from the fake model.")
    );

    let history = ws
        .request("chat.history", json!({"sessionKey": "main"}))
        .await
        .unwrap()
        .unwrap();
    let messages = history["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2, "{history}");
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["content"][0]["text"], "Hi there");
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["provider"], "fake");
    assert_eq!(messages[1]["model"], "fake-1");
    assert_eq!(messages[1]["usage"]["input"], 10);

    // The same idempotency key after completion replays, without a second model call.
    let again = ws
        .request(
            "chat.send",
            json!({"sessionKey": "main", "message": "Hi there", "idempotencyKey": "run-1"}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, json!({"runId": "run-1", "status": "ok"}));
    assert_eq!(fake.request_count(), 1);

    // The model got a system prompt and the user's message.
    let request = &fake.requests()[0];
    assert_eq!(request.body["model"], "fake-1");
    assert_eq!(request.header("authorization"), Some("Bearer sk-fake"));
    let lines = conversation(&request.body);
    assert!(lines[0].starts_with("system: "), "{lines:?}");
    assert_eq!(lines.last().unwrap(), "user: Hi there");
}

#[tokio::test]
async fn chat_send_rejects_bad_params() {
    let fake = FakeLlm::start().await.unwrap();
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;
    let empty = ws
        .request(
            "chat.send",
            json!({"sessionKey": "main", "message": "  ", "idempotencyKey": "k"}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(empty["message"], "message or attachment required");
    let missing = ws
        .request("chat.send", json!({"sessionKey": "main", "message": "hi"}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        missing["message"],
        "invalid chat.send params: must have required property 'idempotencyKey'"
    );
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn agent_method_answers_twice_with_the_same_id() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["Hello from the fake model."]));
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;
    send(&mut ws, "a1", "agent", json!({"message": "Hi", "agentId": "main", "sessionKey": "agent:main:main", "deliver": false, "timeout": 600, "idempotencyKey": "run-a"})).await;
    let first = response(&mut ws, "a1").await;
    assert_eq!(first["ok"], true, "{first}");
    assert_eq!(first["payload"]["runId"], "run-a");
    assert_eq!(first["payload"]["status"], "accepted");
    let second = response(&mut ws, "a1").await;
    assert_eq!(second["ok"], true, "{second}");
    let payload = &second["payload"];
    assert_eq!(payload["status"], "ok");
    assert_eq!(payload["summary"], "completed");
    assert_eq!(
        payload["result"]["payloads"][0]["text"],
        "Hello from the fake model."
    );
    assert_eq!(payload["result"]["meta"]["agentMeta"]["provider"], "fake");
    assert_eq!(payload["result"]["meta"]["agentMeta"]["usage"]["total"], 15);

    let waited = ws
        .request("agent.wait", json!({"runId": "run-a", "timeoutMs": 1000}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(waited["status"], "ok");
    assert!(waited["endedAt"].as_i64().unwrap() >= waited["startedAt"].as_i64().unwrap());
}

#[tokio::test]
async fn tools_run_in_a_loop_and_cannot_escape_the_workspace() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(tool_call(
        "call-1",
        "read",
        json!({"path": "../openclaw.json"}),
    ));
    fake.push(tool_call(
        "call-2",
        "write",
        json!({"path": "notes/todo.md", "content": "buy milk"}),
    ));
    fake.push(FakeReply::text(&["Saved your note."]));
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;
    send(
        &mut ws,
        "t1",
        "agent",
        json!({"message": "note: buy milk", "idempotencyKey": "run-t"}),
    )
    .await;
    let _accepted = response(&mut ws, "t1").await;
    let done = response(&mut ws, "t1").await;
    assert_eq!(
        done["payload"]["result"]["payloads"][0]["text"], "Saved your note.",
        "{done}"
    );

    let written = gateway.state_dir().join("workspace/notes/todo.md");
    assert_eq!(std::fs::read_to_string(&written).unwrap(), "buy milk");

    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    // The escape attempt came back to the model as an error result, not file contents.
    let second = requests[1].body["messages"].as_array().unwrap();
    let refusal = second
        .iter()
        .find(|m| m["role"] == "tool")
        .expect("tool result sent");
    let text = refusal["content"].to_string();
    assert!(!text.contains("sk-fake"), "config leaked: {text}");
    assert!(
        text.contains("outside") || text.contains("escape") || text.contains("workspace"),
        "{text}"
    );
    // Tools were offered with OpenClaw's names.
    let offered: Vec<&str> = requests[0].body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["function"]["name"].as_str())
        .collect();
    for name in [
        "exec",
        "read",
        "write",
        "edit",
        "web_fetch",
        "sessions_list",
        "sessions_history",
        "sessions_send",
    ] {
        assert!(offered.contains(&name), "{name} missing from {offered:?}");
    }
}

#[tokio::test]
async fn failover_moves_to_the_allowed_fallback_model() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::error(
        429,
        "rate_limit_error",
        "Too many requests",
    ));
    fake.push(FakeReply::text(&["from the fallback"]));
    let gateway = start(
        &fake,
        json!({"agents": {"defaults": {
            "model": {"primary": "fake/fake-1", "fallbacks": ["fake/not-allowed", "fake2/fake-2"]},
            "models": {"fake/fake-1": {}, "fake2/fake-2": {}},
        }}}),
    )
    .await;
    let mut ws = client(&gateway).await;
    send(
        &mut ws,
        "f1",
        "agent",
        json!({"message": "hi", "idempotencyKey": "run-f"}),
    )
    .await;
    let _accepted = response(&mut ws, "f1").await;
    let done = response(&mut ws, "f1").await;
    let meta = &done["payload"]["result"]["meta"]["agentMeta"];
    assert_eq!(meta["provider"], "fake2", "{done}");
    assert_eq!(meta["model"], "fake-2");
    let models: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.body["model"].as_str().unwrap().to_owned())
        .collect();
    // The fallback outside the allowlist was never tried.
    assert_eq!(models, ["fake-1", "fake-2"]);
    assert_eq!(
        fake.requests()[1].header("authorization"),
        Some("Bearer sk-fake2")
    );
}

#[tokio::test]
async fn a_model_failure_ends_the_run_with_a_clear_error() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::error(500, "server_error", "upstream exploded"));
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;
    ws.request(
        "chat.send",
        json!({"sessionKey": "main", "message": "hi", "idempotencyKey": "run-e"}),
    )
    .await
    .unwrap()
    .unwrap();
    let end = chat_end(&mut ws, "run-e").await;
    assert_eq!(end["state"], "error", "{end}");
    assert!(
        end["errorMessage"]
            .as_str()
            .unwrap()
            .contains("upstream exploded"),
        "{end}"
    );
}

#[tokio::test]
async fn chat_abort_stops_a_running_turn_and_keeps_the_partial_reply() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![
            FakeStep::Text("partial ".into()),
            FakeStep::Text("answer".into()),
        ],
        usage: FakeUsage::default(),
        ending: FakeEnding::StallAfter(3),
    });
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;
    ws.request(
        "chat.send",
        json!({"sessionKey": "main", "message": "long task", "idempotencyKey": "run-x"}),
    )
    .await
    .unwrap()
    .unwrap();
    // Wait until text streams, then abort.
    loop {
        let event = ws.next_event("agent", WAIT).await.unwrap();
        if event["payload"]["stream"] == "assistant" {
            break;
        }
    }
    let wrong = ws
        .request(
            "chat.abort",
            json!({"sessionKey": "agent:main:other", "runId": "run-x"}),
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(wrong["message"], "runId does not match sessionKey");
    let aborted = ws
        .request(
            "chat.abort",
            json!({"sessionKey": "main", "runId": "run-x"}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        aborted,
        json!({"ok": true, "aborted": true, "runIds": ["run-x"]})
    );
    let end = chat_end(&mut ws, "run-x").await;
    assert_eq!(end["state"], "aborted");
    assert_eq!(end["stopReason"], "rpc");
    let history = ws
        .request("chat.history", json!({"sessionKey": "main"}))
        .await
        .unwrap()
        .unwrap();
    let last = history["messages"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["role"], "assistant");
    assert!(
        last["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("partial"),
        "{last}"
    );
    // Nothing left to abort.
    let none = ws
        .request("chat.abort", json!({"sessionKey": "main"}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(none, json!({"ok": true, "aborted": false, "runIds": []}));
}

#[tokio::test]
async fn stop_message_aborts_instead_of_starting_a_turn() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["slow"]).delayed(Duration::from_secs(5)));
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;
    ws.request(
        "chat.send",
        json!({"sessionKey": "main", "message": "work", "idempotencyKey": "run-s"}),
    )
    .await
    .unwrap()
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = ws
        .request(
            "chat.send",
            json!({"sessionKey": "main", "message": "/stop", "idempotencyKey": "stop-1"}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stopped,
        json!({"ok": true, "aborted": true, "runIds": ["run-s"]})
    );
    let end = chat_end(&mut ws, "run-s").await;
    assert_eq!(end["stopReason"], "stop");
}

#[tokio::test]
async fn protocol_4_clients_get_the_2026_9_shapes_of_chat_and_agent_events() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["Hello", " there"]));
    let gateway = start(&fake, json!({})).await;
    let (mut v4, _) = ws_support::connect_ok(
        &gateway.url(),
        &ws_support::v4_cli(&["operator.read", "operator.write"]),
    )
    .await
    .unwrap();
    let mut v3 = client(&gateway).await;
    v4.request(
        "chat.send",
        json!({"sessionKey": "main", "message": "hi", "idempotencyKey": "v4-run"}),
    )
    .await
    .unwrap()
    .unwrap();
    let end = chat_end(&mut v4, "v4-run").await;
    assert_eq!(end["sessionKey"], "agent:main:main", "{end}");
    assert_eq!(end["agentId"], "main");
    assert_eq!(end["stopReason"], "stop");
    let delta = v4
        .received
        .iter()
        .find(|f| f["event"] == "chat" && f["payload"]["state"] == "delta")
        .expect("a delta")
        .clone();
    assert!(delta["payload"]["deltaText"].is_string(), "{delta}");
    let agent = v4
        .received
        .iter()
        .find(|f| f["event"] == "agent")
        .expect("an agent event")
        .clone();
    assert_eq!(agent["payload"]["agentId"], "main");
    assert_eq!(agent["payload"]["isHeartbeat"], false);
    // The protocol 3 client sees the same run in its own shape.
    let old = chat_end(&mut v3, "v4-run").await;
    assert_eq!(old["sessionKey"], "main");
    assert!(old.get("agentId").is_none(), "{old}");
}

#[tokio::test]
async fn protocol_4_method_results_carry_the_2026_9_fields() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["Hello"]));
    let gateway = start(&fake, json!({})).await;
    let (mut v4, _) = ws_support::connect_ok(
        &gateway.url(),
        &ws_support::v4_cli(&["operator.read", "operator.write"]),
    )
    .await
    .unwrap();
    let agents = v4.request("agents.list", json!({})).await.unwrap().unwrap();
    assert_eq!(agents["ownership"], "sole");
    let main = &agents["agents"][0];
    assert_eq!(main["model"]["primary"], "fake/fake-1", "{agents}");
    assert!(main["workspace"].as_str().unwrap().ends_with("/workspace"));
    assert_eq!(main["thinkingDefault"], "off");

    let models = v4.request("models.list", json!({})).await.unwrap().unwrap();
    let fake1 = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "fake-1")
        .unwrap()
        .clone();
    assert_eq!(fake1["available"], true, "{models}");
    assert_eq!(fake1["tags"], json!(["default", "configured"]));

    v4.request(
        "chat.send",
        json!({"sessionKey": "main", "message": "hi", "idempotencyKey": "h4"}),
    )
    .await
    .unwrap()
    .unwrap();
    chat_end(&mut v4, "h4").await;
    let history = v4
        .request("chat.history", json!({"sessionKey": "main"}))
        .await
        .unwrap()
        .unwrap();
    let first = &history["messages"][0];
    assert!(first["__openclaw"]["id"].is_string(), "{history}");

    // Protocol 3 clients keep the closed shapes.
    let mut v3 = client(&gateway).await;
    let agents = v3.request("agents.list", json!({})).await.unwrap().unwrap();
    assert!(agents.get("ownership").is_none());
    let history = v3
        .request("chat.history", json!({"sessionKey": "main"}))
        .await
        .unwrap()
        .unwrap();
    assert!(history["messages"][0].get("__openclaw").is_none());
}
