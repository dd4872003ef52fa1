//! `openclaw agent`, `openclaw sessions` and `openclaw models list|status` through the real
//! binary: a real gateway whose model is the testkit's fake OpenAI-compatible server, the CLI
//! finding it like a user would (same HOME and state dir, token from the config), and the
//! same verbs with no gateway running.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ws_support;

#[path = "cli_agent/support.rs"]
mod support;

use std::time::Duration;

use openclaw_testkit::fake_llm::FakeReply;
use serde_json::{Value, json};
use support::{Offline, Rig, assert_exit, assert_no_secret, fake_config, stdout_json};

/// The text of the last user message the fake received.
fn last_user_text(request: &Value) -> String {
    let messages = request["messages"].as_array().unwrap();
    let user = messages.iter().rev().find(|m| m["role"] == "user").unwrap();
    match &user["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        other => panic!("unexpected user content {other}"),
    }
}

#[tokio::test]
async fn agent_prints_the_reply_then_json_and_sessions_lists_the_turn() {
    let rig = Rig::start(json!({})).await;

    rig.fake
        .push(FakeReply::text(&["Hello", " from the", " fake."]));
    let out = rig.cli(&["agent", "-m", "hi there"]).await;
    assert_exit(&out, 0);
    assert_eq!(
        out.stdout, "Hello from the fake.\n",
        "stderr:\n{}",
        out.stderr
    );
    let requests = rig.fake.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        last_user_text(&requests[0].body).contains("hi there"),
        "{}",
        requests[0].body
    );

    // --json: the gateway's final answer, pretty printed.
    rig.fake.push(FakeReply::text(&["Second ", "answer."]));
    let out = rig.cli(&["agent", "--message", "again", "--json"]).await;
    assert_exit(&out, 0);
    let answer = stdout_json(&out);
    assert!(
        out.stdout.contains("\n  \"runId\""),
        "not pretty: {}",
        out.stdout
    );
    assert_eq!(answer["status"], "ok");
    assert_eq!(answer["summary"], "completed");
    let run_id = answer["runId"].as_str().unwrap();
    assert_eq!(
        run_id.len(),
        36,
        "runId is the CLI's UUID idempotency key: {run_id}"
    );
    assert_eq!(answer["result"]["payloads"][0]["text"], "Second answer.");
    let meta = &answer["result"]["meta"]["agentMeta"];
    assert_eq!(meta["provider"], "fake");
    assert_eq!(meta["model"], "fake-1");
    let session_id = meta["sessionId"].as_str().unwrap().to_owned();

    // A second turn in the same (main) session.
    assert_eq!(rig.fake.requests().len(), 2);
    assert!(last_user_text(&rig.fake.requests()[1].body).contains("again"));

    // sessions --json is the gateway's sessions.list result.
    let out = rig.cli(&["sessions", "--json"]).await;
    assert_exit(&out, 0);
    let list = stdout_json(&out);
    let rows = list["sessions"].as_array().unwrap();
    let main = rows
        .iter()
        .find(|r| r["key"] == "agent:main:main")
        .unwrap_or_else(|| panic!("no main session in {list}"));
    assert_eq!(main["sessionId"], session_id.as_str());
    assert_eq!(list["count"], rows.len());
    assert!(list["defaults"].is_object(), "{list}");

    // The table: kind, key, age, model, tokens.
    let out = rig.cli(&["sessions"]).await;
    assert_exit(&out, 0);
    let header = out
        .stdout
        .lines()
        .find(|l| l.starts_with("Kind"))
        .unwrap_or_else(|| panic!("no table header:\n{}", out.stdout));
    for column in ["Key", "Channel", "Age", "Model", "Tokens (ctx %)"] {
        assert!(header.contains(column), "{header}");
    }
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("agent:main:main"))
        .unwrap_or_else(|| panic!("no main row:\n{}", out.stdout));
    assert!(line.starts_with("direct"), "{line}");
    assert!(
        line.contains("just now") || line.contains("m ago"),
        "{line}"
    );
    assert!(line.contains("fake-1"), "{line}");
    assert!(line.contains("/128k ("), "{line}");
    assert!(out.stdout.contains("Sessions listed: 1"), "{}", out.stdout);

    // --active / --agent scope the query; an unknown agent has no sessions.
    let out = rig
        .cli(&["sessions", "--json", "--active", "60", "--agent", "ops"])
        .await;
    assert_exit(&out, 0);
    assert_eq!(stdout_json(&out)["count"], 0);
    let out = rig.cli(&["sessions", "--active", "soon"]).await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("--active must be a positive number"),
        "{}",
        out.stderr
    );
    let out = rig.cli(&["sessions", "--limit", "0"]).await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("--limit must be a positive integer"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn agent_session_id_and_flags_reach_the_gateway() {
    let rig = Rig::start(json!({})).await;
    rig.fake.push(FakeReply::text(&["pinned"]));
    let out = rig
        .cli(&[
            "agent",
            "-m",
            "x",
            "--session-id",
            "Job-42",
            "--thinking",
            "low",
            "--timeout",
            "120",
        ])
        .await;
    assert_exit(&out, 0);
    assert_eq!(out.stdout, "pinned\n");
    let out = rig.cli(&["sessions", "--json", "--all-agents"]).await;
    let list = stdout_json(&out);
    let keys: Vec<&str> = list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["agent:main:explicit:job-42"], "{list}");

    // Invalid input is refused before anything is sent.
    let out = rig
        .cli(&["agent", "-m", "x", "--thinking", "galaxy-brain"])
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("Invalid --thinking level"),
        "{}",
        out.stderr
    );
    let out = rig.cli(&["agent", "-m", "   "]).await;
    assert_exit(&out, 1);
    assert!(out.stderr.contains("--message"), "{}", out.stderr);
    assert_eq!(rig.fake.requests().len(), 1);
}

#[tokio::test]
async fn a_turn_slower_than_the_connect_timeout_is_still_awaited() {
    let rig = Rig::start(json!({})).await;
    // The connect timeout is 10 s; the final answer may take as long as the agent timeout.
    rig.fake
        .push(FakeReply::text(&["worth ", "the wait"]).delayed(Duration::from_secs(11)));
    let out = rig.cli(&["agent", "-m", "slow please"]).await;
    assert_exit(&out, 0);
    assert_eq!(out.stdout, "worth the wait\n", "stderr:\n{}", out.stderr);
}

#[tokio::test]
async fn a_failing_model_exits_non_zero_with_the_error_on_stderr() {
    let rig = Rig::start(json!({})).await;
    rig.fake.set_default_reply(Some(FakeReply::error(
        401,
        "invalid_request_error",
        "Incorrect API key provided",
    )));
    let out = rig.cli(&["agent", "-m", "hi"]).await;
    assert_exit(&out, 1);
    assert_eq!(out.stdout, "", "stderr:\n{}", out.stderr);
    // Without a terminal the wait is announced with one plain line before the error.
    assert!(
        out.stderr
            .lines()
            .any(|line| line.starts_with("Agent failed: ")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.starts_with("waiting for the agent's reply"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("Incorrect API key") || out.stderr.contains("401"),
        "{}",
        out.stderr
    );
    assert_no_secret(&out);

    let out = rig.cli(&["agent", "-m", "hi", "--json"]).await;
    assert_exit(&out, 1);
    let error = stdout_json(&out);
    assert_eq!(error["ok"], false);
    assert!(error["error"]["message"].as_str().is_some(), "{error}");
    assert!(out.stderr.contains("Agent failed"), "{}", out.stderr);
    assert!(rig.fake.request_count() >= 2);
}

#[tokio::test]
async fn models_list_marks_the_default_and_status_names_key_sources_without_secrets() {
    let rig = Rig::start(json!({
        "agents": {"defaults": {
            "model": {"primary": "fake/fake-1", "fallbacks": ["openai/gpt-4o"]},
            "models": {"fake/fake-1": {"alias": "quick"}, "openai/gpt-4o": {}},
        }},
    }))
    .await;

    let out = rig.cli(&["models", "list", "--json"]).await;
    assert_exit(&out, 0);
    let list = stdout_json(&out);
    let models = list["models"].as_array().unwrap();
    assert_eq!(list["count"], models.len());
    let fake = models.iter().find(|m| m["key"] == "fake/fake-1").unwrap();
    assert_eq!(fake["name"], "Fake One");
    assert_eq!(fake["contextWindow"], 128000);
    assert_eq!(fake["local"], true);
    assert_eq!(fake["available"], true);
    assert_eq!(
        fake["tags"],
        json!(["default", "configured", "alias:quick"])
    );
    let openai = models.iter().find(|m| m["key"] == "openai/gpt-4o").unwrap();
    assert_eq!(openai["tags"], json!(["fallback#1", "configured"]));

    let out = rig.cli(&["models", "list"]).await;
    assert_exit(&out, 0);
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("fake/fake-1"))
        .unwrap();
    assert!(row.contains("default"), "{row}");
    assert_eq!(out.stderr, "", "the gateway answered, so no offline note");

    // status: where each provider's key comes from, never the key.
    let env_key = "sk-openai-SECRET-99";
    let out = rig
        .cli_env(&["models", "status"], &[("OPENAI_API_KEY", env_key)])
        .await;
    assert_exit(&out, 0);
    assert!(
        out.stdout.contains("Default       : fake/fake-1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Fallbacks (1) : openai/gpt-4o"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("quick -> fake/fake-1"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("config models.providers.fake.apiKey"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("env OPENAI_API_KEY"), "{}", out.stdout);
    assert_no_secret(&out);
    assert!(!out.stdout.contains(env_key) && !out.stdout.contains("SECRET"));

    let out = rig
        .cli_env(
            &["models", "status", "--json", "--check"],
            &[("OPENAI_API_KEY", env_key)],
        )
        .await;
    assert_exit(&out, 0);
    assert!(!out.stdout.contains("SECRET"), "{}", out.stdout);
    let status = stdout_json(&out);
    assert_eq!(status["resolvedDefault"], "fake/fake-1");
    let providers = status["auth"]["providers"].as_array().unwrap();
    let source = |name: &str| {
        providers
            .iter()
            .find(|p| p["provider"] == name)
            .unwrap_or_else(|| panic!("no {name} in {status}"))["source"]
            .clone()
    };
    assert_eq!(
        source("fake"),
        json!({"kind": "config", "path": "models.providers.fake.apiKey"})
    );
    assert_eq!(
        source("openai"),
        json!({"kind": "env", "envVar": "OPENAI_API_KEY"})
    );

    // Without the env key the fallback's provider is missing: --check exits 1.
    let out = rig
        .cli_env(&["models", "status", "--check"], &[("OPENAI_API_KEY", "")])
        .await;
    assert_exit(&out, 1);
    assert!(
        out.stdout.contains("MISSING: set OPENAI_API_KEY"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("Missing auth for providers in use: openai"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn an_auth_profile_wins_and_stays_secret() {
    let offline = Offline::new(&fake_config("http://127.0.0.1:9/v1"));
    let agent_dir = offline.state_dir().join("agents/main/agent");
    std::fs::create_dir_all(&agent_dir).unwrap();
    let profile_key = "sk-profile-SECRET-abcdef";
    std::fs::write(
        agent_dir.join("auth-profiles.json"),
        json!({"version": 1, "profiles": {
            "fake:work": {"type": "api_key", "provider": "fake", "key": profile_key},
        }})
        .to_string(),
    )
    .unwrap();
    let out = offline.cli(&["models", "status"], &[]).await;
    assert_exit(&out, 0);
    assert!(
        out.stdout.contains("auth profile fake:work (api_key)"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains(profile_key) && !out.stdout.contains("SECRET"));
    let out = offline.cli(&["models", "status", "--json"], &[]).await;
    let status = stdout_json(&out);
    assert_eq!(
        status["auth"]["providers"][0]["source"],
        json!({"kind": "profile", "profileId": "fake:work", "type": "api_key"})
    );
    assert!(!out.stdout.contains("SECRET"), "{}", out.stdout);
}

#[tokio::test]
async fn without_a_gateway_the_verbs_say_so_and_models_list_reads_the_config() {
    let offline = Offline::new(&fake_config("http://127.0.0.1:9/v1"));

    let out = offline.cli(&["agent", "-m", "hi"], &[]).await;
    assert_exit(&out, 1);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("gateway not reachable at ws://127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("openclaw gateway"), "{}", out.stderr);

    let out = offline.cli(&["sessions"], &[]).await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("No gateway running at ws://127.0.0.1:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("start it with `openclaw gateway`"),
        "{}",
        out.stderr
    );
    // Nothing was created behind the user's back.
    assert!(!offline.state_dir().join("openclaw.sqlite").exists());

    let out = offline.cli(&["models", "list", "--json"], &[]).await;
    assert_exit(&out, 0);
    assert!(out.stderr.contains("listing models from"), "{}", out.stderr);
    let list = stdout_json(&out);
    assert_eq!(list["models"][0]["key"], "fake/fake-1");
    assert_eq!(list["models"][0]["tags"], json!(["default", "configured"]));
    assert_no_secret(&out);

    // An explicit --url means that gateway: no silent fallback.
    let port = openclaw_testkit::free_port().unwrap();
    let url = format!("ws://127.0.0.1:{port}");
    let out = offline.cli(&["models", "list", "--url", &url], &[]).await;
    assert_exit(&out, 1);
    assert!(
        out.stderr.contains("Listing models failed"),
        "{}",
        out.stderr
    );
}
