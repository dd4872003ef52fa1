//! Frame-level contract of the real gateway: the challenge comes first, hello-ok is shaped per
//! negotiated version (protocol 3 frames stay inside the shipped closed schema), the advertised
//! method list is exactly what answers, size limits and the handshake timeout close the socket,
//! and malformed frames after the handshake are answered without closing it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ws_support;

use std::time::{Duration, Instant};

use openclaw_testkit::HandshakeOptions;
use serde_json::{Value, json};
use ws_support::{
    Incoming, Session, WAIT, connect_ok, keys_of, start_gateway, v3_cli, v3_violations, v4_cli,
};

const OPENCLAW_V3_FEATURES: &str = include_str!("fixtures/protocol/openclaw_v3_features.json");

fn assert_v3_clean(session: &Session) {
    let violations: Vec<String> = session.received.iter().flat_map(v3_violations).collect();
    assert!(
        violations.is_empty(),
        "frames a 2026.1.29 client would drop:\n{}",
        violations.join("\n")
    );
}

/// Every `ok:true` response carries a payload (the 2026.9.6 CLI crashes without one).
fn assert_ok_responses_have_payload(session: &Session) {
    for frame in &session.received {
        if frame["type"] == "res" && frame["ok"] == true {
            assert!(
                frame.get("payload").is_some(),
                "ok response without payload: {frame}"
            );
        }
    }
}

#[tokio::test]
async fn challenge_comes_first_and_hello_ok_is_shaped_per_version() {
    let gateway = start_gateway(json!({})).await.unwrap();

    // The very first frame is the challenge, without seq, with a fresh nonce per connection.
    let mut first = Session::open(&gateway.url()).await.unwrap();
    let mut second = Session::open(&gateway.url()).await.unwrap();
    let frame = first.next_json(WAIT).await.unwrap();
    assert_eq!(frame["type"], "event");
    assert_eq!(frame["event"], "connect.challenge");
    assert!(
        frame.get("seq").is_none(),
        "challenge carries a seq: {frame}"
    );
    let nonce = frame["payload"]["nonce"].as_str().unwrap();
    assert_eq!(nonce.len(), 36, "nonce is not a UUID: {nonce}");
    assert!(frame["payload"]["ts"].is_u64(), "{frame}");
    let other = second.challenge().await.unwrap();
    assert_ne!(other["nonce"], frame["payload"]["nonce"]);
    first.close().await;
    second.close().await;

    // Protocol 3: exactly the schema's keys, the 2026.1.29 limits, no auth block (no device
    // token is ever issued), the gateway's own presence row, and session defaults.
    let (mut v3, hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    assert_eq!(
        keys_of(&hello),
        [
            "features", "policy", "protocol", "server", "snapshot", "type"
        ]
    );
    assert_eq!(hello["protocol"], 3);
    assert_eq!(
        hello["policy"],
        json!({"maxPayload": 524288, "maxBufferedBytes": 1572864, "tickIntervalMs": 30000})
    );
    assert!(
        hello["server"]["connId"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let snapshot = &hello["snapshot"];
    let presence = snapshot["presence"].as_array().unwrap();
    assert!(
        presence
            .iter()
            .any(|p| p["mode"] == "gateway" && p["reason"] == "self"),
        "no self presence row: {presence:?}"
    );
    assert_eq!(snapshot["health"]["ok"], true);
    assert_eq!(
        snapshot["sessionDefaults"],
        json!({"defaultAgentId": "main", "mainKey": "main",
               "mainSessionKey": "agent:main:main", "scope": "per-sender"})
    );
    assert_eq!(
        snapshot["configPath"],
        gateway
            .state_dir()
            .join("openclaw.json")
            .display()
            .to_string()
    );
    let health = v3.request("health", json!({})).await.unwrap().unwrap();
    assert_eq!(health["ok"], true);
    assert_v3_clean(&v3);
    v3.close().await;

    // Protocol 4: the 2026.9.6 layout with an auth block and the larger limits.
    let (v4, hello) = connect_ok(&gateway.url(), &v4_cli(&["operator.read"]))
        .await
        .unwrap();
    assert_eq!(
        keys_of(&hello),
        [
            "auth", "features", "policy", "protocol", "server", "snapshot", "type"
        ]
    );
    assert_eq!(hello["protocol"], 4);
    assert_eq!(
        hello["auth"],
        json!({"method": "token", "role": "operator", "scopes": ["operator.read"]})
    );
    assert_eq!(hello["policy"]["maxPayload"], 26_214_400);
    assert_eq!(hello["policy"]["maxBufferedBytes"], 52_428_800);
    assert_eq!(hello["policy"]["tickIntervalMs"], 30000);
    assert_eq!(
        hello["snapshot"]["suspension"],
        json!({"phase": "accepting"})
    );
    // Paths are for admins only on protocol 4.
    assert!(hello["snapshot"].get("configPath").is_none(), "{hello}");
    v4.close().await;
}

#[tokio::test]
async fn advertised_methods_are_exactly_the_ones_that_answer() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let (mut session, hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let advertised: Vec<String> = hello["features"]["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    assert!(advertised.len() >= 5, "{advertised:?}");
    for method in &advertised {
        // `{}` is valid or a params error for every method; mutations need params, so nothing
        // is changed here.
        if let Err(error) = session.request(method, json!({})).await.unwrap() {
            let message = error["message"].as_str().unwrap_or_default();
            assert!(
                !message.starts_with("unknown method"),
                "{method} is advertised but unknown: {error}"
            );
        }
    }
    // Methods OpenClaw has but this build does not implement are neither advertised nor
    // answered (an admin learns "unknown method").
    for method in [
        "poll",
        "node.list",
        "cron.list",
        "update.status",
        "no.such.method",
    ] {
        assert!(
            !advertised.iter().any(|m| m == method),
            "{method} advertised"
        );
        let error = session
            .request(method, json!({}))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            error,
            json!({"code": "INVALID_REQUEST", "message": format!("unknown method: {method}")})
        );
    }
    // Probe every method a real 2026.1.29 gateway knows: whatever answers must be advertised.
    let openclaw: Value = serde_json::from_str(OPENCLAW_V3_FEATURES).unwrap();
    let known = openclaw["advertised_methods"]
        .as_array()
        .unwrap()
        .iter()
        .chain(openclaw["unadvertised_methods"].as_array().unwrap());
    for method in known.map(|m| m.as_str().unwrap()) {
        let answer = session.request(method, json!({})).await.unwrap();
        // Node-only methods are refused to operators before lookup; they are probed below.
        let answers = !answer.as_ref().is_err_and(|error| {
            error["message"] == format!("unknown method: {method}").as_str()
                || error["message"] == "unauthorized role: operator"
        });
        let is_advertised = advertised.iter().any(|m| m == method);
        // OpenClaw answers a few methods it never advertises (`sessions.resolve`); so do we.
        let callable_unadvertised = openclaw["unadvertised_methods"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == method);
        if callable_unadvertised && answers {
            assert!(!is_advertised, "{method} is advertised, OpenClaw does not");
            continue;
        }
        assert_eq!(
            answers, is_advertised,
            "{method}: answers={answers}, advertised={is_advertised}: {answer:?}"
        );
    }
    let node = HandshakeOptions {
        client_id: "node-host".into(),
        client_mode: "node".into(),
        role: "node".into(),
        scopes: vec![],
        ..v3_cli()
    };
    let (mut node, _) = connect_ok(&gateway.url(), &node).await.unwrap();
    for method in ["node.invoke.result", "node.event", "skills.bins"] {
        let error = node.request(method, json!({})).await.unwrap().unwrap_err();
        assert_eq!(
            error["message"],
            format!("unknown method: {method}"),
            "node method {method} answers but is not advertised"
        );
    }
    let refused = node
        .request("health", json!({}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(refused["message"], "unauthorized role: node");
    node.close().await;

    let events: Vec<&str> = hello["features"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    for event in [
        "connect.challenge",
        "tick",
        "presence",
        "health",
        "shutdown",
    ] {
        assert!(events.contains(&event), "{event} not in {events:?}");
    }
    assert_ok_responses_have_payload(&session);
    assert_v3_clean(&session);

    // The same list on protocol 4.
    let (v4, hello4) = connect_ok(&gateway.url(), &v4_cli(&["operator.admin"]))
        .await
        .unwrap();
    assert_eq!(hello4["features"]["methods"], hello["features"]["methods"]);
    v4.close().await;
}

/// A request frame of at least `size` bytes (padding inside params).
fn padded_request(id: &str, size: usize) -> String {
    let frame = json!({"type": "req", "id": id, "method": "health",
                       "params": {"padding": "x".repeat(size)}});
    frame.to_string()
}

#[tokio::test]
async fn oversized_frames_are_refused_before_and_after_auth() {
    let gateway = start_gateway(json!({})).await.unwrap();

    // Before auth: anything over 64 KiB closes with 1009 and no reply.
    let mut session = Session::open(&gateway.url()).await.unwrap();
    session.challenge().await.unwrap();
    session
        .send_text(&padded_request("big", 70 * 1024))
        .await
        .unwrap();
    let (code, _) = session.expect_close_without_frames(WAIT).await.unwrap();
    assert_eq!(code, 1009);

    // After auth on protocol 3: a frame just under 512 KiB is read and answered (the params are
    // wrong, the socket stays open); one over it is refused.
    let (mut v3, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    v3.send_text(&padded_request("under", 500 * 1024))
        .await
        .unwrap();
    let answer = v3.response_to("under", WAIT).await.unwrap();
    assert_eq!(
        answer["error"]["message"],
        "invalid health params: at root: unexpected property 'padding'"
    );
    v3.send_text(&padded_request("over", 600 * 1024))
        .await
        .unwrap();
    let (code, _) = v3.expect_close(WAIT).await.unwrap();
    assert_eq!(code, 1009);
    assert!(
        !v3.take_unread().iter().any(|f| f["id"] == "over"),
        "the oversized request was answered"
    );

    // Protocol 4 negotiates 25 MiB: the same 600 KiB frame is answered.
    let (mut v4, _) = connect_ok(&gateway.url(), &v4_cli(&["operator.admin"]))
        .await
        .unwrap();
    v4.send_text(&padded_request("v4-big", 600 * 1024))
        .await
        .unwrap();
    let answer = v4.response_to("v4-big", WAIT).await.unwrap();
    assert_eq!(answer["ok"], false);
    assert!(v4.request("health", json!({})).await.unwrap().is_ok());
    v4.close().await;
}

#[tokio::test]
async fn an_idle_socket_is_closed_after_the_handshake_timeout() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let mut session = Session::open(&gateway.url()).await.unwrap();
    session.challenge().await.unwrap();
    let started = Instant::now();
    // The gateway allows 10 s; wait up to 25 s for the close on a loaded machine.
    let (code, _reason) = session
        .expect_close_without_frames(Duration::from_secs(25))
        .await
        .unwrap();
    assert_eq!(
        code, 1000,
        "handshake timeout is a plain close, as captured"
    );
    // It really was the timeout, not an immediate refusal (a slow machine only adds time).
    assert!(
        started.elapsed() >= Duration::from_secs(8),
        "closed after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn malformed_frames_after_the_handshake_are_answered_and_the_socket_stays_open() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let (mut session, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let cases: [(&str, &str, &str); 4] = [
        (
            r#"{"type":"bogus"}"#,
            "invalid",
            "invalid request frame: must have required property 'id'; must have required property 'method'; at /type: must be equal to constant",
        ),
        (
            r#"{"type":"req","id":"x1"}"#,
            "x1",
            "invalid request frame: must have required property 'method'",
        ),
        ("[1,2]", "invalid", "invalid request frame: must be object"),
        (
            "not json at all",
            "invalid",
            "invalid request frame: not valid JSON",
        ),
    ];
    for (text, id, message) in cases {
        session.send_text(text).await.unwrap();
        let answer = session.response_to(id, WAIT).await.unwrap();
        assert_eq!(answer["ok"], false, "{text}: {answer}");
        assert_eq!(
            answer["error"]["code"], "INVALID_REQUEST",
            "{text}: {answer}"
        );
        let got = answer["error"]["message"].as_str().unwrap();
        assert!(got.starts_with(message), "{text}: {got}");
        // Still open and serving.
        let health = session.request("health", json!({})).await.unwrap();
        assert!(
            health.is_ok(),
            "{text}: socket unusable afterwards: {health:?}"
        );
    }
    // A second connect on an established connection is refused, not re-run.
    let again = session.request("connect", json!({})).await.unwrap();
    assert_eq!(again.unwrap_err()["code"], "INVALID_REQUEST");
    assert_v3_clean(&session);
    assert!(
        !matches!(
            session.read(ws_support::QUIET).await,
            Ok(Incoming::Close(..))
        ),
        "the socket was closed"
    );
    session.close().await;
}

#[tokio::test]
async fn responses_echo_ids_and_never_carry_seq() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let (mut session, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    for id in [
        "1:8757a56e-e76d-4d98-8764-34dfbf0d40e0",
        "175c6ea1",
        "a b c",
    ] {
        session
            .send_json(&json!({"type": "req", "id": id, "method": "health"}))
            .await
            .unwrap();
        let answer = session.response_to(id, WAIT).await.unwrap();
        assert_eq!(answer["ok"], true);
    }
    let responses: Vec<&Value> = session
        .received
        .iter()
        .filter(|f| f["type"] == "res")
        .collect();
    assert!(responses.len() >= 4);
    for frame in responses {
        assert!(frame.get("seq").is_none(), "response with seq: {frame}");
    }
    session.close().await;
}
