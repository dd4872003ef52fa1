//! `sessions.*` through the real binary: a Node OpenClaw state dir (`fixtures/sessions`, written
//! in OpenClaw's `sessions.json` + `<sessionId>.jsonl` layout) is imported on first start,
//! served by `sessions.list`/`preview`, changed by `patch`/`reset`/`delete`, and the changes
//! survive a restart of the process; `health`/`status` count the same sessions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ws_support;

use std::path::Path;
use std::time::Duration;

use openclaw_testkit::{GatewayProcess, GatewaySpawn, Signal, StateDir};
use serde_json::{Value, json};
use ws_support::{Session, TOKEN, bin, connect_ok, v3_cli, v4_cli};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sessions");
const MAIN_ID: &str = "1c4bd3f4-0000-4000-8000-000000000001";
const GROUP_KEY: &str = "agent:main:telegram:group:42";
const GROUP_ID: &str = "1c4bd3f4-0000-4000-8000-000000000002";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

async fn start(state: &Path) -> GatewayProcess {
    let config = json!({
        "gateway": {"mode": "local", "bind": "loopback", "auth": {"mode": "token", "token": TOKEN}},
        "agents": {"defaults": {"model": {"primary": "fake/fake-1"}}},
        "commands": {"restart": true},
        "models": {"providers": {"fake": {
            "baseUrl": "http://127.0.0.1:9/v1",
            "api": "openai-completions",
            "models": [{"id": "fake-1", "name": "Fake", "contextWindow": 128000}],
        }}},
    });
    let spawn = GatewaySpawn::new(bin())
        .args(["gateway"])
        .state_dir(StateDir::Path(state.to_owned()))
        .config_json(config);
    let mut process = GatewayProcess::spawn(spawn).await.unwrap();
    if let Err(err) = process.wait_healthy(Duration::from_secs(20)).await {
        panic!(
            "gateway did not start: {err}\n{}",
            process.output().join("\n")
        );
    }
    process
}

async fn stop(mut process: GatewayProcess) {
    process.signal(Signal::Term).unwrap();
    let status = process.wait_exit(Duration::from_secs(10)).await;
    assert!(
        status.is_some_and(|s| s.success()),
        "{status:?}\n{}",
        process.output().join("\n")
    );
}

async fn ok(session: &mut Session, method: &str, params: Value) -> Value {
    match session.request(method, params.clone()).await.unwrap() {
        Ok(payload) => payload,
        Err(error) => panic!("{method} {params} failed: {error}"),
    }
}

async fn err(session: &mut Session, method: &str, params: Value) -> Value {
    match session.request(method, params.clone()).await.unwrap() {
        Ok(payload) => panic!("{method} {params} succeeded: {payload}"),
        Err(error) => error,
    }
}

fn keys(list: &Value) -> Vec<&str> {
    list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["key"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn node_sessions_are_imported_served_changed_and_kept_across_restarts() {
    let state = tempfile::tempdir().unwrap();
    copy_dir(Path::new(FIXTURE), state.path());
    let gateway = start(state.path()).await;
    let import_line = gateway
        .wait_for_line("imported Node OpenClaw sessions", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        import_line.contains("sessions=3 transcripts=2 entries=4"),
        "{import_line}"
    );
    let (mut admin, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();

    // sessions.list: the imported rows, newest first, `global` hidden unless asked for.
    let list = ok(&mut admin, "sessions.list", json!({})).await;
    assert_eq!(keys(&list), ["agent:main:main", GROUP_KEY]);
    assert_eq!(list["count"], 2);
    assert_eq!(list["path"], "(multiple)");
    assert_eq!(
        list["defaults"],
        json!({"modelProvider": "fake", "model": "fake-1", "contextTokens": 128000})
    );
    // The row is the captured 2026.1.29 shape: entry fields, no bulky skill snapshot.
    assert_eq!(
        list["sessions"][0],
        json!({
            "key": "agent:main:main", "kind": "direct", "label": "My main",
            "displayName": "webchat:g-agent-main-main", "channel": "webchat", "chatType": "direct",
            "origin": {"provider": "webchat", "surface": "webchat", "chatType": "direct"},
            "updatedAt": 1795534337926_i64, "sessionId": MAIN_ID, "systemSent": true,
            "abortedLastRun": false, "inputTokens": 12, "outputTokens": 6, "totalTokens": 12,
            "modelProvider": "fake", "model": "fake-1", "contextTokens": 128000,
            "deliveryContext": {"channel": "webchat", "to": "heartbeat"},
            "lastChannel": "webchat", "lastTo": "heartbeat",
        })
    );
    assert_eq!(list["sessions"][1]["kind"], "group");
    let all = ok(&mut admin, "sessions.list", json!({"includeGlobal": true})).await;
    assert_eq!(keys(&all), ["agent:main:main", GROUP_KEY, "global"]);
    assert_eq!(all["sessions"][2]["kind"], "global");
    let limited = ok(&mut admin, "sessions.list", json!({"limit": 1})).await;
    assert_eq!(keys(&limited), ["agent:main:main"]);
    let by_label = ok(&mut admin, "sessions.list", json!({"label": "Team"})).await;
    assert_eq!(keys(&by_label), [GROUP_KEY]);
    let other_agent = ok(&mut admin, "sessions.list", json!({"agentId": "ops"})).await;
    assert_eq!(other_agent["count"], 0);

    // sessions.preview: the imported transcript, answered under the key the client sent.
    let preview = ok(
        &mut admin,
        "sessions.preview",
        json!({"keys": ["main", "agent:main:nope"], "maxChars": 20}),
    )
    .await;
    assert_eq!(
        preview["previews"],
        json!([
            {"key": "main", "status": "ok", "items": [
                {"role": "user", "text": "Hi there, agent"},
                {"role": "assistant", "text": "Hello from the fake…"},
                {"role": "user", "text": "Please summarize ou…"},
            ]},
            {"key": "agent:main:nope", "status": "missing", "items": []},
        ])
    );
    let resolved = ok(&mut admin, "sessions.resolve", json!({"key": "main"})).await;
    assert_eq!(resolved, json!({"ok": true, "key": "agent:main:main"}));

    // health/status count what the store holds.
    let health = ok(&mut admin, "health", json!({})).await;
    assert_eq!(health["sessions"]["count"], 3);
    assert_eq!(health["agents"][0]["sessions"]["count"], 3);
    let recent = &health["sessions"]["recent"];
    assert_eq!(recent[0]["key"], "agent:main:main");
    assert_eq!(recent[0]["updatedAt"], 1795534337926_i64);
    assert!(recent[0]["age"].as_i64().unwrap() >= 0, "{recent}");
    let status = ok(&mut admin, "status", json!({})).await;
    assert_eq!(status["sessions"]["count"], 3);
    assert_eq!(status["sessions"]["byAgent"][0]["count"], 3);
    assert_eq!(status["sessions"]["recent"][1]["key"], GROUP_KEY);

    // Changes.
    let patched = ok(
        &mut admin,
        "sessions.patch",
        json!({"key": "main", "label": "Renamed", "thinkingLevel": "low"}),
    )
    .await;
    assert_eq!(patched["ok"], true);
    assert_eq!(patched["key"], "agent:main:main");
    assert_eq!(patched["entry"]["label"], "Renamed");
    assert_eq!(patched["entry"]["thinkingLevel"], "low");
    assert_eq!(patched["entry"]["sessionId"], MAIN_ID);
    let reset = ok(&mut admin, "sessions.reset", json!({"key": GROUP_KEY})).await;
    let new_group_id = reset["entry"]["sessionId"].as_str().unwrap().to_owned();
    assert_ne!(new_group_id, GROUP_ID);
    assert_eq!(reset["entry"]["label"], "Team");
    assert!(reset["entry"].get("inputTokens").is_none(), "{reset}");
    let deleted = ok(&mut admin, "sessions.delete", json!({"key": "global"})).await;
    assert_eq!(
        deleted,
        json!({"ok": true, "key": "global", "deleted": true, "archived": []})
    );
    let refused = err(&mut admin, "sessions.delete", json!({"key": "main"})).await;
    assert_eq!(
        refused["message"],
        "Cannot delete the main session (agent:main:main)."
    );
    let compacted = ok(
        &mut admin,
        "sessions.compact",
        json!({"key": "main", "maxLines": 1}),
    )
    .await;
    assert_eq!(
        compacted,
        json!({"ok": true, "key": "agent:main:main", "compacted": true, "kept": 1, "archived": 2})
    );
    let health = ok(&mut admin, "health", json!({})).await;
    assert_eq!(health["sessions"]["count"], 2);
    admin.close().await;

    // An in-process restart (SIGUSR1) keeps the same open store.
    let since = gateway.line_count();
    gateway.signal(Signal::Usr1).unwrap();
    gateway
        .wait_for_line_since(since, "gateway ready", Duration::from_secs(10))
        .await
        .unwrap();
    let (mut admin, hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    assert_eq!(hello["snapshot"]["health"]["sessions"]["count"], 2);
    let list = ok(&mut admin, "sessions.list", json!({})).await;
    assert_eq!(list["sessions"][0]["label"], "Renamed");
    admin.close().await;
    stop(gateway).await;

    // A new process on the same state dir: no second import, every change still there.
    let gateway = start(state.path()).await;
    let (mut admin, hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    assert!(
        !gateway
            .output()
            .iter()
            .any(|line| line.contains("imported Node OpenClaw sessions")),
        "imported twice"
    );
    assert_eq!(hello["snapshot"]["health"]["sessions"]["count"], 2);
    let list = ok(&mut admin, "sessions.list", json!({"includeGlobal": true})).await;
    // Compaction touched the main session last, so it is the newest.
    assert_eq!(keys(&list), ["agent:main:main", GROUP_KEY]);
    assert_eq!(list["sessions"][0]["label"], "Renamed");
    assert_eq!(list["sessions"][0]["thinkingLevel"], "low");
    assert_eq!(list["sessions"][1]["sessionId"], new_group_id.as_str());
    let preview = ok(&mut admin, "sessions.preview", json!({"keys": ["main"]})).await;
    assert_eq!(
        preview["previews"][0]["items"],
        json!([{"role": "user", "text": "Please summarize our conversation so far in one long sentence that goes on and on and on, past the preview limit."}])
    );
    let status = ok(&mut admin, "status", json!({})).await;
    assert_eq!(status["sessions"]["count"], 2);
    admin.close().await;
    stop(gateway).await;

    // The Node files are only read.
    let original =
        std::fs::read_to_string(Path::new(FIXTURE).join("agents/main/sessions/sessions.json"))
            .unwrap();
    let after =
        std::fs::read_to_string(state.path().join("agents/main/sessions/sessions.json")).unwrap();
    assert_eq!(original, after);
}

#[tokio::test]
async fn params_are_checked_and_read_only_clients_cannot_change_sessions() {
    let state = tempfile::tempdir().unwrap();
    let gateway = start(state.path()).await;
    let (mut admin, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    // An empty state dir: nothing to import, nothing listed.
    let list = ok(&mut admin, "sessions.list", json!({})).await;
    assert_eq!(list["count"], 0);
    assert!(
        !gateway
            .output()
            .iter()
            .any(|line| line.contains("imported Node OpenClaw sessions"))
    );
    for (method, params, message) in [
        (
            "sessions.list",
            json!({"bogus": 1}),
            "invalid sessions.list params: at root: unexpected property 'bogus'",
        ),
        (
            "sessions.list",
            json!({"limit": 0}),
            "invalid sessions.list params: at /limit: must be >= 1",
        ),
        (
            "sessions.list",
            json!({"includeGlobal": "yes"}),
            "invalid sessions.list params: at /includeGlobal: must be boolean",
        ),
        (
            "sessions.preview",
            json!({}),
            "invalid sessions.preview params: must have required property 'keys'",
        ),
        (
            "sessions.preview",
            json!({"keys": ["main"], "maxChars": 5}),
            "invalid sessions.preview params: at /maxChars: must be >= 20",
        ),
        (
            "sessions.patch",
            json!({"key": ""}),
            "invalid sessions.patch params: at /key: must NOT have fewer than 1 characters",
        ),
        (
            "sessions.patch",
            json!({"key": "main", "label": 7}),
            "invalid sessions.patch params: at /label: must be string",
        ),
        (
            "sessions.delete",
            json!({"key": "x", "deleteTranscript": 1}),
            "invalid sessions.delete params: at /deleteTranscript: must be boolean",
        ),
        (
            "sessions.reset",
            json!({}),
            "invalid sessions.reset params: must have required property 'key'",
        ),
        (
            "sessions.compact",
            json!({"key": "main", "maxLines": 0}),
            "invalid sessions.compact params: at /maxLines: must be >= 1",
        ),
        (
            "sessions.resolve",
            json!({"key": "agent:main:nope"}),
            "No session found: agent:main:nope",
        ),
    ] {
        let error = err(&mut admin, method, params.clone()).await;
        assert_eq!(
            error,
            json!({"code": "INVALID_REQUEST", "message": message}),
            "{method} {params}"
        );
    }
    // A first patch creates the session (a label before the first message).
    let patched = ok(
        &mut admin,
        "sessions.patch",
        json!({"key": "main", "label": "Fresh"}),
    )
    .await;
    assert_eq!(patched["entry"]["label"], "Fresh");
    let session_id = patched["entry"]["sessionId"].as_str().unwrap();
    let main = json!({"ok": true, "key": "agent:main:main"});
    for params in [json!({"label": "Fresh"}), json!({"sessionId": session_id})] {
        assert_eq!(ok(&mut admin, "sessions.resolve", params).await, main);
    }
    for (params, message) in [
        (json!({}), "Either key, sessionId, or label is required"),
        (
            json!({"key": "main", "label": "Fresh"}),
            "Provide either key, sessionId, or label (not multiple)",
        ),
        (
            json!({"label": "nope"}),
            "No session found with label: nope",
        ),
        (json!({"sessionId": "nope"}), "No session found: nope"),
    ] {
        let error = err(&mut admin, "sessions.resolve", params).await;
        assert_eq!(error["message"], message);
    }
    // Labels are unique: another session cannot take "Fresh"; the holder may keep it.
    let taken = err(
        &mut admin,
        "sessions.patch",
        json!({"key": "agent:main:other", "label": " Fresh "}),
    )
    .await;
    assert_eq!(taken["message"], "label already in use: Fresh");
    ok(
        &mut admin,
        "sessions.patch",
        json!({"key": "main", "label": "Fresh"}),
    )
    .await;
    let nothing = ok(&mut admin, "sessions.compact", json!({"key": "ghost"})).await;
    assert_eq!(
        nothing,
        json!({"ok": true, "key": "agent:main:ghost", "compacted": false, "reason": "no sessionId"})
    );

    // operator.read on protocol 4: may list and preview, not change.
    let (mut reader, _) = connect_ok(&gateway.url(), &v4_cli(&["operator.read"]))
        .await
        .unwrap();
    let list = ok(&mut reader, "sessions.list", json!({})).await;
    assert_eq!(keys(&list), ["agent:main:main"]);
    ok(&mut reader, "sessions.preview", json!({"keys": ["main"]})).await;
    for method in [
        "sessions.patch",
        "sessions.reset",
        "sessions.delete",
        "sessions.compact",
    ] {
        let error = err(&mut reader, method, json!({"key": "main", "label": "x"})).await;
        assert_eq!(error["code"], "FORBIDDEN", "{method}: {error}");
        assert_eq!(
            error["message"], "missing scope: operator.admin",
            "{method}"
        );
    }
    let list = ok(&mut admin, "sessions.list", json!({})).await;
    assert_eq!(list["sessions"][0]["label"], "Fresh");
    reader.close().await;
    admin.close().await;
    stop(gateway).await;
}

#[tokio::test]
async fn a_store_that_cannot_open_refuses_start_up_with_the_path() {
    let state = tempfile::tempdir().unwrap();
    // A directory where the database file should be: SQLite cannot open it.
    let database = state.path().join("openclaw.sqlite");
    std::fs::create_dir(&database).unwrap();
    let spawn = GatewaySpawn::new(bin())
        .args(["gateway"])
        .state_dir(StateDir::Path(state.path().to_owned()))
        .config_json(
            json!({"gateway": {"mode": "local", "auth": {"mode": "token", "token": TOKEN}}}),
        );
    let mut process = GatewayProcess::spawn(spawn).await.unwrap();
    let status = process.wait_exit(Duration::from_secs(20)).await;
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(1),
        "{:?}",
        process.output()
    );
    let output = process.output().join("\n");
    assert!(
        output.contains(&format!(
            "Gateway failed to start: cannot open the session database {}",
            database.display()
        )),
        "{output}"
    );
    assert!(
        output.contains("move the file aside, then retry"),
        "{output}"
    );
}
