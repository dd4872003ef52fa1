//! `WsClient` against a tiny in-test WebSocket server that checks what a real gateway checks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::{SinkExt, StreamExt};
use openclaw_testkit::{
    DeviceAuthFields, DeviceKey, HandshakeOptions, SignatureVersion, WsClient, device_id_for,
    signature_payload, verify_device_signature,
};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const SHORT: Duration = Duration::from_secs(5);

type ServerWs = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn recv(ws: &mut ServerWs) -> Value {
    loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Close(_) => panic!("client closed"),
            _ => continue,
        }
    }
}

async fn send(ws: &mut ServerWs, frame: Value) {
    ws.send(Message::text(frame.to_string())).await.unwrap();
}

/// What the server does with the `connect` frame: `Ok(())` = hello-ok, `Err` = error response.
fn verify_connect(
    params: &Value,
    version: SignatureVersion,
    expected_nonce: Option<&str>,
) -> Result<(), String> {
    let Some(device) = params.get("device") else {
        return Ok(());
    };
    let public_key = device["publicKey"].as_str().ok_or("publicKey missing")?;
    let raw = URL_SAFE_NO_PAD
        .decode(public_key)
        .map_err(|e| e.to_string())?;
    if device["id"] != device_id_for(&raw) {
        return Err("device identity mismatch".into());
    }
    let nonce = device.get("nonce").and_then(Value::as_str);
    if nonce != expected_nonce {
        return Err(format!("device nonce mismatch: {nonce:?}"));
    }
    let scopes: Vec<String> = params["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let fields = DeviceAuthFields {
        client_id: params["client"]["id"].as_str().unwrap(),
        client_mode: params["client"]["mode"].as_str().unwrap(),
        role: params["role"].as_str().unwrap(),
        scopes: &scopes,
        signed_at_ms: device["signedAt"].as_u64().unwrap(),
        token: params["auth"]["token"].as_str().unwrap_or(""),
        nonce: nonce.unwrap_or(""),
        platform: params["client"]["platform"].as_str().unwrap_or(""),
        device_family: params["client"]["deviceFamily"].as_str().unwrap_or(""),
    };
    let payload = signature_payload(version, device["id"].as_str().unwrap(), &fields);
    verify_device_signature(public_key, &payload, device["signature"].as_str().unwrap())
        .map_err(|e| format!("device signature invalid: {e}"))
}

/// Serves one connection: optional challenge, connect check, then a short scripted session.
async fn start_server(
    version: SignatureVersion,
    send_challenge: bool,
) -> (String, oneshot::Receiver<Value>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let (seen_tx, seen_rx) = oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let nonce = "n-123";
        if send_challenge {
            send(&mut ws, json!({"type":"event","event":"connect.challenge","payload":{"nonce":nonce,"ts":1}})).await;
        }
        let connect = recv(&mut ws).await;
        let _ = seen_tx.send(connect.clone());
        let expected_nonce = (send_challenge && version != SignatureVersion::V1).then_some(nonce);
        match verify_connect(&connect["params"], version, expected_nonce) {
            Ok(()) => {
                send(
                    &mut ws,
                    json!({"type":"res","id":connect["id"],"ok":true,
                    "payload":{"type":"hello-ok","protocol":3,"policy":{"tickIntervalMs":30000}}}),
                )
                .await;
            }
            Err(message) => {
                send(
                    &mut ws,
                    json!({"type":"res","id":connect["id"],"ok":false,
                    "error":{"code":"INVALID_REQUEST","message":message}}),
                )
                .await;
                let _ = ws
                    .close(Some(CloseFrame {
                        code: CloseCode::Policy,
                        reason: "bad connect".into(),
                    }))
                    .await;
                return;
            }
        }
        // Events before the response must be skipped by `request` and kept for later.
        send(
            &mut ws,
            json!({"type":"event","event":"tick","payload":{"ts":2}}),
        )
        .await;
        let health = recv(&mut ws).await;
        assert_eq!(health["method"], "health");
        send(
            &mut ws,
            json!({"type":"event","event":"presence","payload":[]}),
        )
        .await;
        send(
            &mut ws,
            json!({"type":"res","id":"someone-else","ok":true,"payload":{}}),
        )
        .await;
        send(
            &mut ws,
            json!({"type":"res","id":health["id"],"ok":true,"payload":{"ok":true}}),
        )
        .await;
        let failing = recv(&mut ws).await;
        send(
            &mut ws,
            json!({"type":"res","id":failing["id"],"ok":false,
            "error":{"code":"INVALID_REQUEST","message":"unknown method: nope"}}),
        )
        .await;
        let _ = ws.next().await; // "close please" (not JSON)
        let _ = ws
            .close(Some(CloseFrame {
                code: CloseCode::Policy,
                reason: "policy".into(),
            }))
            .await;
    });
    (url, seen_rx)
}

#[tokio::test]
async fn v2_handshake_sends_the_real_client_frame_and_requests_skip_events() {
    let (url, seen) = start_server(SignatureVersion::V2, true).await;
    let key = DeviceKey::generate();
    let options = HandshakeOptions {
        token: Some("shared-token".into()),
        device: Some(&key),
        ..HandshakeOptions::default()
    };
    let handshake = WsClient::handshake(&url, &options).await.unwrap();
    let hello = handshake.result.clone().unwrap();
    assert_eq!(hello["type"], "hello-ok");
    assert_eq!(handshake.challenge.as_ref().unwrap()["nonce"], "n-123");

    let connect = seen.await.unwrap();
    assert_eq!(connect, handshake.connect);
    let params = &connect["params"];
    let keys: Vec<&str> = params
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "minProtocol",
            "maxProtocol",
            "client",
            "caps",
            "auth",
            "role",
            "scopes",
            "device"
        ]
    );
    assert_eq!(
        params["client"],
        json!({"id":"cli","version":"dev","platform":"linux","mode":"cli"})
    );
    assert_eq!(params["auth"], json!({"token":"shared-token"}));
    assert_eq!(params["device"]["id"], key.device_id());
    assert_eq!(params["device"]["nonce"], "n-123");

    let mut client = handshake.client;
    let health = client.request("health", json!({}), SHORT).await.unwrap();
    assert_eq!(health, Ok(json!({"ok":true})));
    let tick = client.next_event("tick", SHORT).await.unwrap();
    assert_eq!(tick["payload"]["ts"], 2);
    let presence = client.next_event("presence", SHORT).await.unwrap();
    assert_eq!(presence["payload"], json!([]));
    // The unrelated response is still queued for raw reads.
    assert_eq!(client.recv_json(SHORT).await.unwrap()["id"], "someone-else");

    let error = client
        .request("nope", json!({}), SHORT)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error["message"], "unknown method: nope");

    client.send_text("close please").await.unwrap();
    assert_eq!(
        client.expect_close(SHORT).await.unwrap(),
        (1008, "policy".to_owned())
    );
}

#[tokio::test]
async fn v3_signature_covers_platform_and_device_family() {
    let (url, seen) = start_server(SignatureVersion::V3, true).await;
    let key = DeviceKey::generate();
    let options = HandshakeOptions {
        min_protocol: 3,
        max_protocol: 4,
        token: Some("t".into()),
        device: Some(&key),
        signature_version: SignatureVersion::V3,
        platform: " Linux ".into(),
        device_family: Some("Linux".into()),
        ..HandshakeOptions::default()
    };
    let (_client, hello) = WsClient::connect_ok(&url, &options).await.unwrap();
    assert_eq!(hello["protocol"], 3);
    let connect = seen.await.unwrap();
    assert_eq!(connect["params"]["client"]["deviceFamily"], "Linux");
    assert_eq!(connect["params"]["maxProtocol"], 4);
}

#[tokio::test]
async fn v1_signature_has_no_nonce() {
    let (url, seen) = start_server(SignatureVersion::V1, true).await;
    let key = DeviceKey::generate();
    let options = HandshakeOptions {
        token: Some("t".into()),
        device: Some(&key),
        signature_version: SignatureVersion::V1,
        ..HandshakeOptions::default()
    };
    let handshake = WsClient::handshake(&url, &options).await.unwrap();
    assert!(handshake.result.is_ok(), "{:?}", handshake.result);
    assert!(
        seen.await.unwrap()["params"]["device"]
            .get("nonce")
            .is_none()
    );
}

#[tokio::test]
async fn wrong_signature_version_is_rejected_and_reported_as_error() {
    // Server expects v3, client signs v2: verification must fail.
    let (url, _seen) = start_server(SignatureVersion::V3, true).await;
    let key = DeviceKey::generate();
    let options = HandshakeOptions {
        device: Some(&key),
        ..HandshakeOptions::default()
    };
    let mut handshake = WsClient::handshake(&url, &options).await.unwrap();
    let error = handshake.result.clone().unwrap_err();
    assert_eq!(error["code"], "INVALID_REQUEST");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("device signature invalid")
    );
    assert_eq!(
        handshake.client.expect_close(SHORT).await.unwrap(),
        (1008, "bad connect".to_owned())
    );
    let (url, _seen) = start_server(SignatureVersion::V3, true).await;
    let err = WsClient::connect_ok(&url, &options).await.unwrap_err();
    assert!(err.to_string().contains("rejected"), "{err}");
}

#[tokio::test]
async fn missing_challenge_fails_or_falls_back_as_configured() {
    let (url, _seen) = start_server(SignatureVersion::V2, false).await;
    let strict = HandshakeOptions {
        challenge_timeout: Duration::from_millis(200),
        ..HandshakeOptions::default()
    };
    let err = WsClient::handshake(&url, &strict).await.unwrap_err();
    assert!(format!("{err:#}").contains("connect.challenge"), "{err:#}");

    let (url, seen) = start_server(SignatureVersion::V2, false).await;
    let key = DeviceKey::generate();
    let lenient = HandshakeOptions {
        challenge_timeout: Duration::from_millis(200),
        require_challenge: false,
        device: Some(&key),
        ..HandshakeOptions::default()
    };
    let handshake = WsClient::handshake(&url, &lenient).await.unwrap();
    assert!(handshake.challenge.is_none());
    assert!(handshake.result.is_ok(), "{:?}", handshake.result);
    let connect = seen.await.unwrap();
    assert!(connect["params"]["device"].get("nonce").is_none());
    assert!(
        connect["params"].get("auth").is_none(),
        "no auth object without token/password"
    );
}

#[tokio::test]
async fn raw_client_times_out_and_sees_server_close() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        let frame = recv(&mut ws).await;
        send(&mut ws, json!({"echo": frame})).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = ws
            .close(Some(CloseFrame {
                code: CloseCode::Again,
                reason: "service restart".into(),
            }))
            .await;
    });
    let mut client = WsClient::connect_raw(&url).await.unwrap();
    client
        .send_json(&json!({"type":"req","id":"1","method":"health"}))
        .await
        .unwrap();
    assert_eq!(
        client.recv_json(SHORT).await.unwrap()["echo"]["method"],
        "health"
    );
    let err = client
        .recv_json(Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no frame"), "{err}");
    assert_eq!(
        client.expect_close(SHORT).await.unwrap(),
        (1013, "service restart".to_owned())
    );
}
