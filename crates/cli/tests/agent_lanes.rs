//! Session lanes and queue modes through the real gateway: one run per session in order,
//! `agents.defaults.maxConcurrent` across sessions, `collect` / `followup` / `interrupt`,
//! compaction near the context window, profile rotation with cooldowns, and sessions that
//! survive a restart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;
mod ws_support;

use std::time::Duration;

use agent_support::{chat_end, client, conversation, response, send, start};
use openclaw_testkit::fake_llm::{FakeLlm, FakeReply};
use openclaw_testkit::{GatewayProcess, GatewaySpawn, Signal, StateDir};
use serde_json::{Value, json};

const SLOW: Duration = Duration::from_millis(400);

async fn agent_final(ws: &mut ws_support::Session, id: &str) -> Value {
    let _accepted = response(ws, id).await;
    response(ws, id).await
}

#[tokio::test]
async fn two_messages_to_one_session_run_one_after_the_other() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["first answer"]).delayed(SLOW));
    fake.push(FakeReply::text(&["second answer"]));
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;
    send(
        &mut ws,
        "a",
        "agent",
        json!({"message": "one", "sessionKey": "main", "idempotencyKey": "r1"}),
    )
    .await;
    send(
        &mut ws,
        "b",
        "agent",
        json!({"message": "two", "sessionKey": "main", "idempotencyKey": "r2"}),
    )
    .await;
    let first = agent_final(&mut ws, "a").await;
    let second = agent_final(&mut ws, "b").await;
    assert_eq!(
        first["payload"]["result"]["payloads"][0]["text"],
        "first answer"
    );
    assert_eq!(
        second["payload"]["result"]["payloads"][0]["text"],
        "second answer"
    );
    // The second model call saw the whole first exchange: the turns did not overlap.
    let lines = conversation(&fake.requests()[1].body);
    let tail: Vec<&str> = lines.iter().skip(1).map(String::as_str).collect();
    assert_eq!(tail, ["user: one", "assistant: first answer", "user: two"]);
}

#[tokio::test]
async fn eight_concurrent_first_requests_to_one_new_session_all_succeed_in_order() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default_reply(Some(
        FakeReply::text(&["ok"]).delayed(Duration::from_millis(20)),
    ));
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;
    for i in 0..8 {
        send(&mut ws, &format!("q{i}"), "agent", json!({"message": format!("m{i}"), "sessionKey": "agent:main:burst", "idempotencyKey": format!("burst-{i}")})).await;
    }
    for i in 0..8 {
        let done = agent_final(&mut ws, &format!("q{i}")).await;
        assert_eq!(done["ok"], true, "{done}");
        assert_eq!(done["payload"]["status"], "ok");
    }
    // Serialized: request k carries the k earlier exchanges.
    for (k, request) in fake.requests().iter().enumerate() {
        let users = conversation(&request.body)
            .iter()
            .filter(|l| l.starts_with("user: "))
            .count();
        assert_eq!(users, k + 1, "request {k}");
    }
}

#[tokio::test]
async fn max_concurrent_limits_runs_across_sessions() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default_reply(Some(
        FakeReply::text(&["ok"]).delayed(Duration::from_millis(300)),
    ));
    let gateway = start(&fake, json!({"agents": {"defaults": {"maxConcurrent": 1}}})).await;
    let mut ws = client(&gateway).await;
    send(
        &mut ws,
        "x",
        "agent",
        json!({"message": "a", "sessionKey": "agent:main:s1", "idempotencyKey": "c1"}),
    )
    .await;
    send(
        &mut ws,
        "y",
        "agent",
        json!({"message": "b", "sessionKey": "agent:main:s2", "idempotencyKey": "c2"}),
    )
    .await;
    agent_final(&mut ws, "x").await;
    agent_final(&mut ws, "y").await;
    let one = ws
        .request("agent.wait", json!({"runId": "c1"}))
        .await
        .unwrap()
        .unwrap();
    let two = ws
        .request("agent.wait", json!({"runId": "c2"}))
        .await
        .unwrap()
        .unwrap();
    let (first, second) = if one["startedAt"].as_i64() <= two["startedAt"].as_i64() {
        (one, two)
    } else {
        (two, one)
    };
    assert!(
        second["startedAt"].as_i64().unwrap() >= first["endedAt"].as_i64().unwrap(),
        "runs overlapped with maxConcurrent 1: {first} {second}"
    );
}

#[tokio::test]
async fn collect_mode_answers_queued_messages_in_one_followup_turn() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["busy answer"]).delayed(SLOW));
    fake.push(FakeReply::text(&["answer to both"]));
    let gateway = start(
        &fake,
        json!({"messages": {"queue": {"mode": "collect", "debounceMs": 50}}}),
    )
    .await;
    let mut ws = client(&gateway).await;
    for (key, text) in [("k1", "first"), ("k2", "second"), ("k3", "third")] {
        let ack = ws
            .request(
                "chat.send",
                json!({"sessionKey": "main", "message": text, "idempotencyKey": key}),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ack["status"], "started");
    }
    assert_eq!(
        chat_end(&mut ws, "k1").await["message"]["content"][0]["text"],
        "busy answer"
    );
    let merged = chat_end(&mut ws, "k2").await;
    assert_eq!(
        merged["message"]["content"][0]["text"], "answer to both",
        "{merged}"
    );
    let folded = chat_end(&mut ws, "k3").await;
    assert_eq!(folded["state"], "final");
    assert_eq!(fake.request_count(), 2);
    let lines = conversation(&fake.requests()[1].body);
    let prompt = lines.last().unwrap();
    assert!(
        prompt.starts_with("user: [Queued messages while agent was busy]"),
        "{prompt}"
    );
    assert!(
        prompt.contains("Queued #1\nsecond") && prompt.contains("Queued #2\nthird"),
        "{prompt}"
    );
}

#[tokio::test]
async fn queue_overflow_with_summarize_drops_the_oldest_and_tells_the_model() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["busy answer"]).delayed(SLOW));
    fake.set_default_reply(Some(FakeReply::text(&["caught up"])));
    let gateway = start(
        &fake,
        json!({"messages": {"queue": {"mode": "collect", "debounceMs": 50, "cap": 2, "drop": "summarize"}}}),
    )
    .await;
    let mut ws = client(&gateway).await;
    let messages = [
        ("s1", "running now"),
        ("s2", "dropped one"),
        ("s3", "dropped two"),
        ("s4", "kept three"),
        ("s5", "kept four"),
    ];
    for (key, text) in messages {
        ws.request(
            "chat.send",
            json!({"sessionKey": "main", "message": text, "idempotencyKey": key}),
        )
        .await
        .unwrap()
        .unwrap();
    }
    assert_eq!(chat_end(&mut ws, "s1").await["state"], "final");
    let deadline = tokio::time::Instant::now() + agent_support::WAIT;
    while fake.request_count() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no follow-up turn");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lines = conversation(&fake.requests()[1].body);
    let prompt = lines.last().unwrap();
    assert!(
        prompt.contains("[Queue overflow] Dropped 2 messages due to cap."),
        "{prompt}"
    );
    assert!(
        prompt.contains("- dropped one") && prompt.contains("- dropped two"),
        "the dropped messages are summarized: {prompt}"
    );
    assert!(
        prompt.contains("Queued #1\nkept three") && prompt.contains("Queued #2\nkept four"),
        "{prompt}"
    );
}

#[tokio::test]
async fn followup_mode_answers_each_queued_message_separately() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["one"]).delayed(SLOW));
    fake.set_default_reply(Some(FakeReply::text(&["next"])));
    let gateway = start(&fake, json!({"messages": {"queue": {"mode": "followup"}}})).await;
    let mut ws = client(&gateway).await;
    for key in ["f1", "f2", "f3"] {
        ws.request(
            "chat.send",
            json!({"sessionKey": "main", "message": key, "idempotencyKey": key}),
        )
        .await
        .unwrap()
        .unwrap();
    }
    for key in ["f1", "f2", "f3"] {
        assert_eq!(chat_end(&mut ws, key).await["state"], "final");
    }
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn interrupt_mode_aborts_the_running_turn_for_the_new_message() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["too slow"]).delayed(Duration::from_secs(10)));
    fake.push(FakeReply::text(&["fresh answer"]));
    let gateway = start(&fake, json!({"messages": {"queue": {"mode": "interrupt"}}})).await;
    let mut ws = client(&gateway).await;
    ws.request(
        "chat.send",
        json!({"sessionKey": "main", "message": "old", "idempotencyKey": "i1"}),
    )
    .await
    .unwrap()
    .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    ws.request(
        "chat.send",
        json!({"sessionKey": "main", "message": "new", "idempotencyKey": "i2"}),
    )
    .await
    .unwrap()
    .unwrap();
    let old = chat_end(&mut ws, "i1").await;
    assert_eq!(old["state"], "aborted");
    assert_eq!(old["stopReason"], "interrupt");
    let new = chat_end(&mut ws, "i2").await;
    assert_eq!(new["message"]["content"][0]["text"], "fresh answer");
}

#[tokio::test]
async fn a_full_context_is_compacted_with_a_model_written_summary() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default_reply(Some(FakeReply::text(&["SUMMARY: user talked a lot"])));
    let base_url = format!("http://{}/v1", fake.addr());
    let gateway = start(
        &fake,
        json!({
            "agents": {"defaults": {"compaction": {"reserveTokensFloor": 100}}},
            "models": {"providers": {"fake": {"baseUrl": base_url, "apiKey": "sk-fake", "api": "openai-completions",
                "models": [{"id": "fake-1", "name": "Small", "contextWindow": 6000}]}}},
        }),
    )
    .await;
    let mut ws = client(&gateway).await;
    // ~2500 tokens per message: the second turn no longer fits beside the system prompt.
    let long = "word ".repeat(2000);
    for i in 0..3 {
        let id = format!("c{i}");
        send(
            &mut ws,
            &id,
            "agent",
            json!({"message": format!("message {i} {long}"), "idempotencyKey": id}),
        )
        .await;
        let done = agent_final(&mut ws, &id).await;
        assert_eq!(done["ok"], true, "{done}");
    }
    let requests = fake.requests();
    let summary_call = requests
        .iter()
        .position(|r| conversation(&r.body)[0].contains("You compress conversations"))
        .expect("a summary call was made");
    let after = &requests[summary_call + 1];
    let system = &conversation(&after.body)[0];
    assert!(system.contains("SUMMARY: user talked a lot"), "{system}");
    // The compacted request is smaller than the whole history.
    let users = conversation(&after.body)
        .iter()
        .filter(|l| l.starts_with("user: "))
        .count();
    assert!(
        users < 2,
        "context was not shortened: {users} user messages"
    );
}

#[tokio::test]
async fn auth_profiles_rotate_and_the_failed_one_cools_down() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::error(
        401,
        "authentication_error",
        "invalid api key",
    ));
    fake.push(FakeReply::text(&["with the second key"]));
    let base_url = format!("http://{}/v1", fake.addr());
    let gateway = start(
        &fake,
        json!({
            "auth": {"order": {"fake": ["fake:first", "fake:second"]}},
            "models": {"providers": {"fake": {"baseUrl": base_url, "api": "openai-completions", "apiKey": null,
                "models": [{"id": "fake-1", "name": "Fake"}]}}},
        }),
    )
    .await;
    let agent_dir = gateway.state_dir().join("agents/main/agent");
    std::fs::create_dir_all(&agent_dir).unwrap();
    std::fs::write(
        agent_dir.join("auth-profiles.json"),
        json!({"version": 1, "profiles": {
            "fake:first": {"type": "api_key", "provider": "fake", "key": "sk-first"},
            "fake:second": {"type": "api_key", "provider": "fake", "key": "sk-second"},
        }})
        .to_string(),
    )
    .unwrap();
    let mut ws = client(&gateway).await;
    send(
        &mut ws,
        "p",
        "agent",
        json!({"message": "hi", "idempotencyKey": "rp"}),
    )
    .await;
    let done = agent_final(&mut ws, "p").await;
    assert_eq!(
        done["payload"]["result"]["payloads"][0]["text"], "with the second key",
        "{done}"
    );
    let keys: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(keys, ["Bearer sk-first", "Bearer sk-second"]);
    let store: Value = serde_json::from_str(
        &std::fs::read_to_string(agent_dir.join("auth-profiles.json")).unwrap(),
    )
    .unwrap();
    let first = &store["usageStats"]["fake:first"];
    assert_eq!(first["errorCount"], 1, "{store}");
    assert!(first["cooldownUntil"].as_i64().unwrap() > first["lastFailureAt"].as_i64().unwrap());
    assert!(
        store["usageStats"]["fake:second"]["lastUsed"]
            .as_i64()
            .is_some()
    );
}

#[tokio::test]
async fn sessions_survive_a_restart() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["remembered"]));
    fake.push(FakeReply::text(&["still here"]));
    let state = tempfile::tempdir().unwrap();
    let mut config = agent_support::model_config(&fake);
    ws_support::merge_json(
        &mut config,
        &json!({"gateway": {"mode": "local", "bind": "loopback", "auth": {"mode": "token", "token": ws_support::TOKEN}}}),
    );
    let launch = || {
        GatewaySpawn::new(ws_support::bin())
            .args(["gateway"])
            .state_dir(StateDir::Path(state.path().to_owned()))
            .config_json(config.clone())
    };
    let mut first = GatewayProcess::spawn(launch()).await.unwrap();
    first.wait_healthy(Duration::from_secs(20)).await.unwrap();
    let (mut ws, _) = ws_support::connect_ok(&first.url(), &ws_support::v3_cli())
        .await
        .unwrap();
    send(
        &mut ws,
        "r",
        "agent",
        json!({"message": "remember me", "idempotencyKey": "before"}),
    )
    .await;
    agent_final(&mut ws, "r").await;
    ws.close().await;
    first.signal(Signal::Term).unwrap();
    assert!(
        first
            .wait_exit(Duration::from_secs(10))
            .await
            .is_some_and(|s| s.success())
    );

    let mut second = GatewayProcess::spawn(launch()).await.unwrap();
    second.wait_healthy(Duration::from_secs(20)).await.unwrap();
    let (mut ws, _) = ws_support::connect_ok(&second.url(), &ws_support::v3_cli())
        .await
        .unwrap();
    let history = ws
        .request("chat.history", json!({"sessionKey": "main"}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        history["messages"].as_array().unwrap().len(),
        2,
        "{history}"
    );
    send(
        &mut ws,
        "s",
        "agent",
        json!({"message": "and now?", "idempotencyKey": "after"}),
    )
    .await;
    agent_final(&mut ws, "s").await;
    let lines = conversation(&fake.requests()[1].body);
    assert!(
        lines.contains(&"assistant: remembered".to_owned()),
        "{lines:?}"
    );
    second.signal(Signal::Term).unwrap();
    let _ = second.wait_exit(Duration::from_secs(10)).await;
}

#[tokio::test]
async fn steer_mode_injects_the_message_at_the_next_tool_boundary() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(
        FakeReply::Stream {
            steps: vec![openclaw_testkit::fake_llm::FakeStep::ToolCall {
                id: "call-1".into(),
                name: "write".into(),
                arguments: json!({"path": "a.txt", "content": "x"}).to_string(),
            }],
            usage: openclaw_testkit::fake_llm::FakeUsage::default(),
            ending: openclaw_testkit::fake_llm::FakeEnding::Complete,
        }
        .delayed(SLOW),
    );
    fake.push(FakeReply::text(&["done, and noted"]));
    let gateway = start(&fake, json!({"messages": {"queue": {"mode": "steer"}}})).await;
    let mut ws = client(&gateway).await;
    ws.request(
        "chat.send",
        json!({"sessionKey": "main", "message": "write a file", "idempotencyKey": "s1"}),
    )
    .await
    .unwrap()
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    ws.request(
        "chat.send",
        json!({"sessionKey": "main", "message": "also: be brief", "idempotencyKey": "s2"}),
    )
    .await
    .unwrap()
    .unwrap();
    let first = chat_end(&mut ws, "s1").await;
    assert_eq!(
        first["message"]["content"][0]["text"], "done, and noted",
        "{first}"
    );
    let steered = chat_end(&mut ws, "s2").await;
    assert_eq!(steered["state"], "final", "{steered}");
    // No third model call: the steering message rode along with the tool result.
    assert_eq!(fake.request_count(), 2);
    let lines = conversation(&fake.requests()[1].body);
    assert_eq!(lines.last().unwrap(), "user: also: be brief", "{lines:?}");
}

#[tokio::test]
async fn compacting_a_session_is_seen_by_its_next_turn() {
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default_reply(Some(FakeReply::text(&["ok"])));
    let gateway = start(&fake, json!({})).await;
    let mut ws = client(&gateway).await;
    for i in 0..3 {
        let id = format!("t{i}");
        send(
            &mut ws,
            &id,
            "agent",
            json!({"message": format!("turn {i}"), "idempotencyKey": id}),
        )
        .await;
        agent_final(&mut ws, &id).await;
    }
    let compacted = ws
        .request(
            "sessions.compact",
            json!({"key": "agent:main:main", "maxLines": 2}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(compacted["compacted"], true, "{compacted}");
    send(
        &mut ws,
        "after",
        "agent",
        json!({"message": "turn 3", "idempotencyKey": "after"}),
    )
    .await;
    agent_final(&mut ws, "after").await;
    let lines = conversation(&fake.requests()[3].body);
    assert!(
        !lines.iter().any(|l| l == "user: turn 0"),
        "archived messages were sent: {lines:?}"
    );
    assert_eq!(lines.last().unwrap(), "user: turn 3");
}
