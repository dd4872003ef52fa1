//! Record/replay of a turn's provider traffic through the real gateway: a gateway started with
//! `OPENCLAW_PROVIDER_RECORD=<file>` writes every model call (without its key); a fresh fake model
//! loaded with that file answers a second gateway exactly as the first model did.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;
mod ws_support;

use std::time::Duration;

use agent_support::{model_config, response, send};
use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage};
use openclaw_testkit::{GatewayProcess, GatewaySpawn, Signal, StateDir};
use serde_json::{Value, json};

async fn run_turn(fake: &FakeLlm, record_to: Option<&std::path::Path>) -> Value {
    let mut config = model_config(fake);
    ws_support::merge_json(
        &mut config,
        &json!({"gateway": {"mode": "local", "bind": "loopback", "auth": {"mode": "token", "token": ws_support::TOKEN}}}),
    );
    let mut spawn = GatewaySpawn::new(ws_support::bin())
        .args(["gateway"])
        .state_dir(StateDir::Temp(tempfile::tempdir().unwrap()))
        .config_json(config);
    if let Some(path) = record_to {
        spawn = spawn.env("OPENCLAW_PROVIDER_RECORD", path.display().to_string());
    }
    let mut gateway = GatewayProcess::spawn(spawn).await.unwrap();
    gateway.wait_healthy(Duration::from_secs(20)).await.unwrap();
    let (mut ws, _) = ws_support::connect_ok(&gateway.url(), &ws_support::v3_cli())
        .await
        .unwrap();
    send(
        &mut ws,
        "r",
        "agent",
        json!({"message": "list the workspace", "idempotencyKey": "rec"}),
    )
    .await;
    let _accepted = response(&mut ws, "r").await;
    let done = response(&mut ws, "r").await;
    ws.close().await;
    gateway.signal(Signal::Term).unwrap();
    let _ = gateway.wait_exit(Duration::from_secs(10)).await;
    done
}

#[tokio::test]
async fn a_recorded_turn_replays_identically() {
    let live = FakeLlm::start().await.unwrap();
    live.push(FakeReply::Stream {
        steps: vec![FakeStep::ToolCall {
            id: "call-1".into(),
            name: "write".into(),
            arguments: json!({"path": "a.txt", "content": "x"}).to_string(),
        }],
        usage: FakeUsage::default(),
        ending: FakeEnding::Complete,
    });
    live.push(FakeReply::text(&["Wrote ", "a.txt."]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("turn.jsonl");
    let recorded = run_turn(&live, Some(&file)).await;
    assert_eq!(
        recorded["payload"]["result"]["payloads"][0]["text"], "Wrote a.txt.",
        "{recorded}"
    );

    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 2, "one line per model call:\n{text}");
    assert!(!text.contains("sk-fake"), "the API key was recorded");

    let replay = FakeLlm::start().await.unwrap();
    assert_eq!(replay.load_recording(&file).unwrap(), 2);
    let replayed = run_turn(&replay, None).await;
    assert_eq!(
        replayed["payload"]["result"]["payloads"],
        recorded["payload"]["result"]["payloads"]
    );
    // The replayed gateway asked the same things.
    let live_bodies: Vec<Value> = live
        .requests()
        .iter()
        .map(|r| r.body["messages"].clone())
        .collect();
    let replay_bodies: Vec<Value> = replay
        .requests()
        .iter()
        .map(|r| r.body["messages"].clone())
        .collect();
    assert_eq!(live_bodies.len(), replay_bodies.len());
    for (live, replayed) in live_bodies.iter().zip(&replay_bodies) {
        // System prompts differ only by the temp workspace path; compare the conversation.
        assert_eq!(
            live.as_array().unwrap()[1..],
            replayed.as_array().unwrap()[1..]
        );
    }
}
