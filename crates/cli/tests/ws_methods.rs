//! Core method results from the real gateway compared with what a real 2026.1.29 gateway answered
//! (`fixtures/protocol/method_results.json`): same keys, same value types, volatile values
//! ignored. Allowed differences are listed in the fixture with their reason, so a new
//! difference fails the test and a fixed one can be removed from the list.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ws_support;

use std::time::Duration;

use serde_json::{Value, json};
use ws_support::{
    Gateway, Session, TOKEN, WAIT, connect_ok, handshake, start_gateway, v3_cli, v3_violations,
};

const CAPTURED: &str = include_str!("fixtures/protocol/method_results.json");

fn captured() -> Value {
    serde_json::from_str(CAPTURED).unwrap()
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `path` (with concrete indexes) is covered by an allowed pattern (`*` = any index).
fn is_allowed(path: &str, allowed: &Value) -> bool {
    let Some(patterns) = allowed.as_object() else {
        return false;
    };
    patterns.keys().any(|pattern| {
        let want: Vec<&str> = pattern.split('/').collect();
        let got: Vec<&str> = path.split('/').collect();
        want.len() == got.len()
            && want
                .iter()
                .zip(&got)
                .all(|(w, g)| *w == "*" && g.parse::<usize>().is_ok() || w == g)
    })
}

/// Differences in keys and value types between a captured value and ours.
fn compare_shape(
    captured: &Value,
    ours: &Value,
    path: &str,
    allowed: &Value,
    out: &mut Vec<String>,
) {
    let here = if path.is_empty() { "/" } else { path };
    if is_allowed(path, allowed) {
        return;
    }
    if type_name(captured) != type_name(ours) {
        out.push(format!(
            "{here}: captured {} ({captured}), ours {} ({ours})",
            type_name(captured),
            type_name(ours)
        ));
        return;
    }
    match (captured, ours) {
        (Value::Object(theirs), Value::Object(mine)) => {
            for (key, value) in theirs {
                let child = format!("{path}/{key}");
                match mine.get(key) {
                    Some(our_value) => compare_shape(value, our_value, &child, allowed, out),
                    None if is_allowed(&child, allowed) => {}
                    None => out.push(format!("{child}: missing (captured {value})")),
                }
            }
            for key in mine.keys().filter(|k| !theirs.contains_key(*k)) {
                let child = format!("{path}/{key}");
                if !is_allowed(&child, allowed) {
                    out.push(format!("{child}: not in the capture"));
                }
            }
        }
        // Rows are compared against the first captured row; an empty capture says nothing.
        (Value::Array(theirs), Value::Array(mine)) => {
            if let Some(model) = theirs.first() {
                for (index, row) in mine.iter().enumerate() {
                    compare_shape(model, row, &format!("{path}/{index}"), allowed, out);
                }
            }
        }
        _ => {}
    }
}

fn assert_same_shape(method: &str, ours: &Value) {
    let fixture = captured();
    let mut problems = Vec::new();
    compare_shape(
        &fixture["results"][method],
        ours,
        "",
        &fixture["allowed_differences"][method],
        &mut problems,
    );
    assert!(
        problems.is_empty(),
        "{method} differs from the capture:\n{}\nours: {ours:#}",
        problems.join("\n")
    );
}

/// The address this host uses for outbound traffic, found independently of the gateway: the
/// source address of a connected (never used) UDP socket.
fn host_route_address() -> Option<String> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then(|| ip.to_string())
}

async fn call(session: &mut Session, method: &str, params: Value) -> Value {
    session
        .request(method, params)
        .await
        .unwrap()
        .unwrap_or_else(|error| panic!("{method} failed: {error}"))
}

fn assert_v3_clean(session: &Session) {
    let violations: Vec<String> = session.received.iter().flat_map(v3_violations).collect();
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test]
async fn health_status_presence_and_channels_match_the_captured_shapes() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let (mut session, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();

    let health = call(&mut session, "health", json!({})).await;
    assert_same_shape("health", &health);
    assert_eq!(health["ok"], true);
    assert_eq!(health["defaultAgentId"], "main");
    assert_eq!(health["agents"][0]["agentId"], "main");
    assert_eq!(health["agents"][0]["isDefault"], true);
    let sessions_path = gateway
        .state_dir()
        .join("agents/main/sessions/sessions.json");
    assert_eq!(
        health["sessions"]["path"],
        sessions_path.display().to_string()
    );
    // `probe` is the one accepted param; anything else is refused with ajv wording.
    call(&mut session, "health", json!({"probe": true})).await;
    let refused = session
        .request("health", json!({"bogusParam": 1}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        refused["message"],
        "invalid health params: at root: unexpected property 'bogusParam'"
    );

    let status = call(&mut session, "status", json!({})).await;
    assert_same_shape("status", &status);
    assert_eq!(
        status["sessions"]["paths"],
        json!([sessions_path.display().to_string()])
    );

    let mut presence = call(&mut session, "system-presence", json!({})).await;
    let rows = presence
        .as_array()
        .expect("system-presence is a bare array");
    assert_eq!(rows.len(), 1, "CLI clients are not tracked: {presence}");
    assert_eq!(rows[0]["mode"], "gateway");
    assert_eq!(rows[0]["reason"], "self");
    let text = rows[0]["text"].as_str().unwrap().to_owned();
    match host_route_address() {
        Some(ip) => {
            assert_eq!(rows[0]["ip"], ip, "{presence}");
            assert!(text.contains(&format!("({ip})")), "{text}");
        }
        // A host without any route has no address to show; the capture's host had one.
        None => {
            assert!(rows[0].get("ip").is_none(), "{presence}");
            presence[0]["ip"] = json!("0.0.0.0");
        }
    }
    assert!(text.starts_with("Gateway: "), "{text}");
    assert_same_shape("system-presence", &presence);

    let channels = call(&mut session, "channels.status", json!({})).await;
    assert_same_shape("channels.status", &channels);
    // The Control UI's params are accepted.
    call(
        &mut session,
        "channels.status",
        json!({"probe": false, "timeoutMs": 8000}),
    )
    .await;

    assert_v3_clean(&session);
    session.close().await;
}

#[tokio::test]
async fn status_reports_the_captured_model_defaults_for_the_captured_config() {
    // The model section the capture was made with (spec §3, "Model provider used for the captures").
    let gateway = start_gateway(json!({
        "agents": {"defaults": {"model": {"primary": "fake/fake-1"}, "models": {"fake/fake-1": {}}}},
        "models": {"mode": "merge", "providers": {"fake": {
            "baseUrl": "http://127.0.0.1:9/v1", "apiKey": "sk-placeholder", "api": "openai-completions",
            "models": [{"id": "fake-1", "name": "Fake One", "reasoning": false, "input": ["text"],
                        "cost": {"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0},
                        "contextWindow": 128000, "maxTokens": 4096}],
        }}},
    }))
    .await
    .unwrap();
    let (mut session, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let status = call(&mut session, "status", json!({})).await;
    assert_same_shape("status", &status);
    assert_eq!(
        status["sessions"]["defaults"],
        captured()["results"]["status"]["sessions"]["defaults"]
    );
    session.close().await;
}

#[tokio::test]
async fn agents_list_reports_configured_agents_and_names() {
    let gateway = start_gateway(json!({
        "agents": {"list": [
            {"id": "main", "default": true, "name": "Main Assistant"},
            {"id": "research"},
        ]},
    }))
    .await
    .unwrap();
    let (mut session, hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let agents = call(&mut session, "agents.list", json!({})).await;
    assert_same_shape("agents.list", &agents);
    assert_eq!(
        agents,
        json!({"defaultId": "main", "mainKey": "main", "scope": "per-sender",
               "agents": [{"id": "main", "name": "Main Assistant"}, {"id": "research"}]})
    );
    // health and hello-ok agree with the same config.
    let health = call(&mut session, "health", json!({})).await;
    let ids: Vec<&str> = health["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agentId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["main", "research"]);
    assert_eq!(
        hello["snapshot"]["sessionDefaults"]["defaultAgentId"],
        "main"
    );
    session.close().await;

    // A different default agent shows up everywhere.
    let gateway = start_gateway(json!({
        "agents": {"list": [{"id": "ops"}, {"id": "helper", "default": true, "name": "Helper"}]},
        "session": {"scope": "global"},
    }))
    .await
    .unwrap();
    let (mut session, hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let agents = call(&mut session, "agents.list", json!({})).await;
    assert_eq!(agents["defaultId"], "helper");
    assert_eq!(agents["scope"], "global");
    assert_eq!(
        hello["snapshot"]["sessionDefaults"]["mainSessionKey"],
        "agent:helper:main"
    );
    session.close().await;
}

/// Polls `logs.tail {cursor}` until a line containing `needle` shows up.
async fn tail_until(session: &mut Session, cursor: u64, needle: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let chunk = call(session, "logs.tail", json!({"cursor": cursor})).await;
        let found = chunk["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains(needle));
        if found {
            return chunk;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no log line with {needle:?} after cursor {cursor}: {chunk}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn provoke_auth_failure(gateway: &Gateway) {
    let options = openclaw_testkit::HandshakeOptions {
        token: Some("not-the-token".into()),
        ..v3_cli()
    };
    let (_session, _, response) = handshake(&gateway.url(), &options).await.unwrap();
    assert_eq!(response["ok"], false);
}

#[tokio::test]
async fn logs_tail_reads_the_configured_file_and_its_cursor_returns_only_new_lines() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let (mut session, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();

    let first = call(&mut session, "logs.tail", json!({})).await;
    assert_same_shape("logs.tail", &first);
    assert_eq!(first["file"], gateway.log_file.display().to_string());
    let first_lines: Vec<String> = first["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    assert!(
        !first_lines.is_empty(),
        "start-up wrote nothing to the log: {first}"
    );
    for line in &first_lines {
        let record: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("log line is not JSON ({e}): {line}"));
        assert!(
            record.get("_meta").is_some() || record.get("time").is_some(),
            "{line}"
        );
    }
    let cursor = first["cursor"].as_u64().unwrap();
    assert_eq!(cursor, first["size"].as_u64().unwrap());
    assert!(!first_lines.iter().any(|l| l.contains("unauthorized")));

    // Something new gets logged (a refused connect); the cursor returns it and nothing older.
    provoke_auth_failure(&gateway).await;
    let second = tail_until(&mut session, cursor, "unauthorized").await;
    let second_lines = second["lines"].as_array().unwrap();
    for line in second_lines {
        let line = line.as_str().unwrap();
        assert!(
            !first_lines.iter().any(|old| old == line),
            "old line repeated: {line}"
        );
    }
    assert!(second["cursor"].as_u64().unwrap() > cursor);
    assert_eq!(second["reset"], false);

    // limit/maxBytes bound the answer; out-of-range values are refused.
    let limited = call(
        &mut session,
        "logs.tail",
        json!({"limit": 1, "maxBytes": 250000}),
    )
    .await;
    assert_eq!(limited["lines"].as_array().unwrap().len(), 1);
    let refused = session
        .request("logs.tail", json!({"limit": 9000}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        refused["message"],
        "invalid logs.tail params: at /limit: must be <= 5000"
    );
    assert_v3_clean(&session);
    session.close().await;
}

#[tokio::test]
async fn read_scope_is_enough_for_every_read_method_here() {
    let gateway = start_gateway(json!({})).await.unwrap();
    for (min, max) in [(3, 3), (4, 4)] {
        let options = openclaw_testkit::HandshakeOptions {
            min_protocol: min,
            max_protocol: max,
            scopes: vec!["operator.read".into()],
            token: Some(TOKEN.into()),
            ..openclaw_testkit::HandshakeOptions::default()
        };
        let (mut session, _) = connect_ok(&gateway.url(), &options).await.unwrap();
        for method in [
            "health",
            "status",
            "system-presence",
            "agents.list",
            "channels.status",
            "logs.tail",
        ] {
            call(&mut session, method, json!({})).await;
        }
        // config.get is admin-only.
        let refused = session
            .request("config.get", json!({}))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(refused["message"], "missing scope: operator.admin");
        session.close().await;
    }
}
