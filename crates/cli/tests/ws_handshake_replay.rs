//! Replays every captured handshake path (`fixtures/protocol/handshake_replays.json`, taken from
//! the real gateways' `*-hs-*` transcripts) against the real `openclaw gateway` binary over a real
//! socket, and compares the answer frame by frame: the error object (code, message, details), the
//! close code and reason, or the negotiated hello-ok, then any scripted follow-up requests.
//!
//! Tokens and nonces are adapted (our token, this connection's challenge nonce); devices that had a
//! valid signature in the capture are re-signed with our own Ed25519 key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ws_support;

use openclaw_testkit::{DeviceAuthFields, DeviceKey, SignatureVersion};
use serde_json::{Value, json};
use ws_support::{
    Incoming, Session, TOKEN, WAIT, handshake_on, split_response, start_gateway, v3_cli,
    v3_violations,
};

const CASES: &str = include_str!("fixtures/protocol/handshake_replays.json");

/// Per-connection values substituted into a captured frame.
struct Fill<'a> {
    nonce: &'a str,
    challenge_ts: u64,
    now_ms: u64,
    key: &'a DeviceKey,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn fill_placeholders(value: &Value, fill: &Fill<'_>) -> Value {
    match value {
        Value::String(s) if s == "$TOKEN" => json!(TOKEN),
        Value::String(s) if s == "$NONCE" => json!(fill.nonce),
        Value::String(s) if s == "$NOW" => json!(fill.now_ms),
        Value::String(s) if s == "$CHALLENGE_TS" => json!(fill.challenge_ts),
        Value::Array(items) => items.iter().map(|v| fill_placeholders(v, fill)).collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), fill_placeholders(v, fill)))
            .collect(),
        other => other.clone(),
    }
}

/// Replaces a `{"$sign": …}` device marker with a device signed over these params.
fn sign_device(params: &mut Value, fill: &Fill<'_>) {
    let Some(version) = params["device"]["$sign"].as_str() else {
        return;
    };
    let version = match version {
        "v1" => SignatureVersion::V1,
        "v2" => SignatureVersion::V2,
        "v3" => SignatureVersion::V3,
        other => panic!("unknown signature version {other} in fixture"),
    };
    let signed_at = params["device"]["signedAt"].as_u64().unwrap_or(fill.now_ms);
    let scopes: Vec<String> = params["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let nonce = if version == SignatureVersion::V1 {
        ""
    } else {
        fill.nonce
    };
    let fields = DeviceAuthFields {
        client_id: params["client"]["id"].as_str().unwrap(),
        client_mode: params["client"]["mode"].as_str().unwrap(),
        role: params["role"].as_str().unwrap(),
        scopes: &scopes,
        signed_at_ms: signed_at,
        token: params["auth"]["token"].as_str().unwrap_or(""),
        nonce,
        platform: params["client"]["platform"].as_str().unwrap_or(""),
        device_family: params["client"]["deviceFamily"].as_str().unwrap_or(""),
    };
    let mut device = json!({
        "id": fill.key.device_id(),
        "publicKey": fill.key.public_key_b64url(),
        "signature": fill.key.sign(version, &fields),
        "signedAt": signed_at,
    });
    if version != SignatureVersion::V1 {
        device["nonce"] = json!(fill.nonce);
    }
    params["device"] = device;
}

/// Runs one case; returns every mismatch found.
async fn replay(url: &str, case: &Value, key: &DeviceKey) -> Vec<String> {
    let name = case["name"].as_str().unwrap();
    let mut problems = Vec::new();
    let mut session = Session::open(url).await.unwrap();
    let challenge = session.challenge().await.unwrap();
    let fill = Fill {
        nonce: challenge["nonce"].as_str().unwrap(),
        challenge_ts: challenge["ts"].as_u64().unwrap(),
        now_ms: now_ms(),
        key,
    };
    if let Some(raw) = case["send_raw"].as_str() {
        session.send_text(raw).await.unwrap();
    } else {
        let mut frame = fill_placeholders(&case["send"], &fill);
        sign_device(&mut frame["params"], &fill);
        session.send_json(&frame).await.unwrap();
    }

    let expect = &case["expect"];
    if let Some(hello_expect) = expect.get("hello") {
        let response = session.response_to("c1", WAIT).await;
        let hello = match response.as_ref().map(split_response) {
            Ok(Ok(hello)) => hello,
            other => return vec![format!("{name}: expected hello-ok, got {other:?}")],
        };
        let protocol = hello_expect["protocol"].as_u64().unwrap();
        if hello["protocol"] != protocol {
            problems.push(format!(
                "{name}: protocol {} != {protocol}",
                hello["protocol"]
            ));
        }
        match (protocol, hello.get("auth")) {
            (3, Some(auth)) => problems.push(format!("{name}: v3 hello-ok has auth {auth}")),
            (4, Some(auth)) => {
                if auth["method"] != "token" || auth["role"] != "operator" {
                    problems.push(format!("{name}: v4 auth {auth}"));
                }
                if auth["scopes"] != hello_expect["auth_scopes"] {
                    problems.push(format!("{name}: v4 auth.scopes {}", auth["scopes"]));
                }
                if auth.get("deviceToken").is_some() {
                    problems.push(format!("{name}: a device token was issued: {auth}"));
                }
            }
            (4, None) => problems.push(format!("{name}: v4 hello-ok without auth")),
            _ => {}
        }
        problems.extend(run_steps(name, &mut session, case).await);
        if protocol == 3 {
            let violations: Vec<String> = session.received.iter().flat_map(v3_violations).collect();
            problems.extend(violations.into_iter().map(|v| format!("{name}: {v}")));
        }
        session.close().await;
        return problems;
    }

    if let Some(error) = expect.get("error") {
        match session.read(WAIT).await {
            Ok(Incoming::Json(frame)) => {
                let id = case["send"]["id"].clone();
                let wanted = json!({"type": "res", "id": id, "ok": false, "error": error});
                if frame != wanted {
                    problems.push(format!("{name}: response\n  got  {frame}\n  want {wanted}"));
                }
            }
            other => problems.push(format!("{name}: expected an error response, got {other:?}")),
        }
    }
    let (code, reason) = (
        expect["close"][0].as_u64().unwrap(),
        expect["close"][1].as_str().unwrap(),
    );
    match session.read(WAIT).await {
        Ok(Incoming::Close(got_code, got_reason)) => {
            if u64::from(got_code) != code || got_reason != reason {
                problems.push(format!(
                    "{name}: close {got_code} {got_reason:?}, want {code} {reason:?}"
                ));
            }
        }
        other => problems.push(format!("{name}: expected close {code}, got {other:?}")),
    }
    problems
}

/// The scripted requests after an accepted handshake.
async fn run_steps(name: &str, session: &mut Session, case: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for step in case["then"].as_array().into_iter().flatten() {
        session.send_json(&step["send"]).await.unwrap();
        if let Some(id) = step["expect_ok"].as_str() {
            match session.response_to(id, WAIT).await {
                Ok(frame) if frame["ok"] == true && frame["payload"].is_object() => {}
                other => problems.push(format!("{name}/{id}: expected an ok payload: {other:?}")),
            }
            continue;
        }
        let wanted = &step["expect"];
        let id = wanted["id"].as_str().unwrap();
        match session.response_to(id, WAIT).await {
            Ok(frame) if &frame == wanted => {}
            other => problems.push(format!(
                "{name}/{id}: response\n  got  {other:?}\n  want {wanted}"
            )),
        }
    }
    problems
}

#[tokio::test]
async fn every_captured_handshake_path_gets_the_captured_answer() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let cases: Value = serde_json::from_str(CASES).unwrap();
    let key = DeviceKey::from_seed([42; 32]);
    let mut problems = Vec::new();
    let mut names = Vec::new();
    for case in cases["cases"].as_array().unwrap() {
        names.push(case["name"].as_str().unwrap().to_owned());
        problems.extend(replay(&gateway.url(), case, &key).await);
    }
    assert!(names.len() >= 28, "fixture lost cases: {names:?}");
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The legacy nonce-less v1 signature (capture v129-hs-09) is only good from the local machine:
/// behind an untrusted proxy header the same connect must carry a nonce.
#[tokio::test]
async fn v1_signatures_without_nonce_are_accepted_only_from_local_clients() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let key = DeviceKey::from_seed([43; 32]);
    let options = openclaw_testkit::HandshakeOptions {
        device: Some(&key),
        signature_version: SignatureVersion::V1,
        ..v3_cli()
    };

    let local = Session::open(&gateway.url()).await.unwrap();
    let (local, _, response) = handshake_on(local, &options).await.unwrap();
    assert_eq!(response["ok"], true, "{response}");
    local.close().await;

    let remote = Session::open_with_headers(&gateway.url(), &[("X-Forwarded-For", "203.0.113.9")])
        .await
        .unwrap();
    let (mut remote, _, response) = handshake_on(remote, &options).await.unwrap();
    assert_eq!(
        response["error"],
        json!({"code": "INVALID_REQUEST", "message": "device nonce required"}),
        "{response}"
    );
    assert_eq!(
        remote.read(WAIT).await.unwrap(),
        Incoming::Close(1008, "device nonce required".into())
    );

    // With the nonce (v2) the same remote client is fine.
    let v2 = openclaw_testkit::HandshakeOptions {
        signature_version: SignatureVersion::V2,
        ..options.clone()
    };
    let remote = Session::open_with_headers(&gateway.url(), &[("X-Forwarded-For", "203.0.113.9")])
        .await
        .unwrap();
    let (remote, _, response) = handshake_on(remote, &v2).await.unwrap();
    assert_eq!(response["ok"], true, "{response}");
    remote.close().await;
}
