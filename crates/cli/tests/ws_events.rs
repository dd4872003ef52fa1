//! Server events through the real gateway: a `health` event after each connect, `presence` when a
//! tracked (non-CLI) client comes and goes, per-connection `seq` counting from 1 without gaps,
//! `stateVersion` on presence/health, and `tick` every 30 s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ws_support;

use openclaw_testkit::{HandshakeOptions, Signal};
use serde_json::{Value, json};
use ws_support::{QUIET, Session, TOKEN, WAIT, connect_ok, start_gateway, v3_cli, v3_violations};

/// The `seq` of every event frame this session received, in order.
fn event_seqs(session: &Session) -> Vec<u64> {
    session
        .received
        .iter()
        .filter(|f| f["type"] == "event" && f["event"] != "connect.challenge")
        .map(|f| {
            f["seq"]
                .as_u64()
                .unwrap_or_else(|| panic!("event without seq: {f}"))
        })
        .collect()
}

fn assert_contiguous_from_one(seqs: &[u64]) {
    let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
    assert_eq!(seqs, expected, "per-connection seq must count 1, 2, 3, …");
}

/// Frames (unread ones first) up to and including the next `name` event.
async fn events_until(session: &mut Session, name: &str) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let frame = session.next_json(WAIT).await.unwrap();
        let done = frame["type"] == "event" && frame["event"] == name;
        seen.push(frame);
        if done {
            return seen;
        }
    }
}

fn webchat_options(instance: &str) -> HandshakeOptions<'static> {
    HandshakeOptions {
        client_id: "webchat".into(),
        client_mode: "webchat".into(),
        platform: "Linux x86_64".into(),
        instance_id: Some(instance.into()),
        token: Some(TOKEN.into()),
        ..HandshakeOptions::default()
    }
}

fn presence_modes(payload: &Value) -> Vec<String> {
    payload["presence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["mode"].as_str().unwrap_or("?").to_owned())
        .collect()
}

#[tokio::test]
async fn health_follows_connect_and_seq_starts_at_one() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let (mut session, hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    assert_eq!(hello["policy"]["tickIntervalMs"], 30000);

    // The connect itself triggers a health broadcast, which is this connection's first event.
    let health = session.next_event("health", WAIT).await.unwrap();
    assert_eq!(health["seq"], 1, "{health}");
    let state_version = &health["stateVersion"];
    assert!(
        state_version["presence"].is_u64() && state_version["health"].is_u64(),
        "{health}"
    );
    let method = session.request("health", json!({})).await.unwrap().unwrap();
    let mut event_keys: Vec<&String> = health["payload"].as_object().unwrap().keys().collect();
    let mut method_keys: Vec<&String> = method.as_object().unwrap().keys().collect();
    event_keys.sort();
    method_keys.sort();
    assert_eq!(
        event_keys, method_keys,
        "health event payload = health result"
    );

    // Another client's connect is broadcast to us as the next seq, as a newer health snapshot;
    // that client's hello-ok already knows the version before its own broadcast.
    let (other, other_hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let next = session.next_event("health", WAIT).await.unwrap();
    assert_eq!(next["seq"], 2, "{next}");
    let first_version = state_version["health"].as_u64().unwrap();
    let next_version = next["stateVersion"]["health"].as_u64().unwrap();
    assert!(next_version > first_version, "{health}\n{next}");
    let hello_version = other_hello["snapshot"]["stateVersion"]["health"]
        .as_u64()
        .unwrap();
    assert!(hello_version >= first_version && hello_version < next_version);
    other.close().await;

    assert_contiguous_from_one(&event_seqs(&session));
    let violations: Vec<String> = session.received.iter().flat_map(v3_violations).collect();
    assert!(violations.is_empty(), "{violations:#?}");
    session.close().await;
}

#[tokio::test]
async fn presence_tracks_ui_clients_but_not_cli_clients() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let (mut observer, hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let initial_presence = hello["snapshot"]["stateVersion"]["presence"]
        .as_u64()
        .unwrap();
    observer.next_event("health", WAIT).await.unwrap();

    // A CLI client: its connect is broadcast as health only, never as presence.
    let (cli, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let before_health = events_until(&mut observer, "health").await;
    assert!(
        before_health.iter().all(|f| f["event"] != "presence"),
        "a CLI connect produced presence: {before_health:?}"
    );
    let listed = observer
        .request("system-presence", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "CLI tracked: {listed}");
    cli.close().await;

    // A webchat client is tracked: presence event with its row, then health.
    let (webchat, _) = connect_ok(&gateway.url(), &webchat_options("inst-e2e-1"))
        .await
        .unwrap();
    let joined = observer.next_event("presence", WAIT).await.unwrap();
    assert_eq!(presence_modes(&joined["payload"]), ["gateway", "webchat"]);
    let row = joined["payload"]["presence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["mode"] == "webchat")
        .unwrap()
        .clone();
    assert_eq!(row["instanceId"], "inst-e2e-1");
    assert_eq!(row["platform"], "Linux x86_64");
    assert!(row["ts"].is_u64());
    let joined_version = joined["stateVersion"]["presence"].as_u64().unwrap();
    assert!(joined_version > initial_presence, "{joined}");
    let listed = observer
        .request("system-presence", json!({}))
        .await
        .unwrap()
        .unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["instanceId"] == "inst-e2e-1"),
        "{listed}"
    );

    // Clients connecting now find the row in their hello-ok snapshot, shaped for their version.
    let (late_v3, hello_v3) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let rows = hello_v3["snapshot"]["presence"].as_array().unwrap();
    assert!(
        rows.iter().any(|p| p["instanceId"] == "inst-e2e-1"),
        "{hello_v3}"
    );
    let violations: Vec<String> = late_v3.received.iter().flat_map(v3_violations).collect();
    assert!(violations.is_empty(), "{violations:#?}");
    late_v3.close().await;
    let (late_v4, hello_v4) = connect_ok(&gateway.url(), &ws_support::v4_cli(&["operator.read"]))
        .await
        .unwrap();
    let rows = hello_v4["snapshot"]["presence"].as_array().unwrap();
    assert!(
        rows.iter().any(|p| p["instanceId"] == "inst-e2e-1"),
        "{hello_v4}"
    );
    late_v4.close().await;

    // It leaves: presence event without its row, and a higher presence version.
    webchat.close().await;
    let left = observer.next_event("presence", WAIT).await.unwrap();
    assert_eq!(presence_modes(&left["payload"]), ["gateway"]);
    assert!(left["stateVersion"]["presence"].as_u64().unwrap() > joined_version);

    // Native apps (`ui` mode) are tracked too.
    let app = HandshakeOptions {
        client_id: "openclaw-macos".into(),
        client_mode: "ui".into(),
        platform: "macos 15.1".into(),
        ..webchat_options("inst-e2e-app")
    };
    let (app_client, _) = connect_ok(&gateway.url(), &app).await.unwrap();
    let joined = observer.next_event("presence", WAIT).await.unwrap();
    assert_eq!(presence_modes(&joined["payload"]), ["gateway", "ui"]);
    app_client.close().await;
    let left = observer.next_event("presence", WAIT).await.unwrap();
    assert_eq!(presence_modes(&left["payload"]), ["gateway"]);

    // A webchat client with a signed device shows its device id.
    let key = openclaw_testkit::DeviceKey::from_seed([9; 32]);
    let with_device = HandshakeOptions {
        device: Some(&key),
        ..webchat_options("inst-e2e-2")
    };
    let (device_client, _) = connect_ok(&gateway.url(), &with_device).await.unwrap();
    let joined = observer.next_event("presence", WAIT).await.unwrap();
    let row = joined["payload"]["presence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["mode"] == "webchat")
        .unwrap()
        .clone();
    assert_eq!(row["deviceId"], key.device_id(), "{row}");
    device_client.close().await;
    let left = observer.next_event("presence", WAIT).await.unwrap();
    assert_eq!(presence_modes(&left["payload"]), ["gateway"]);

    // Nothing unexpected trails, and every event so far counted 1, 2, 3, … on this socket.
    let _ = observer.read(QUIET).await;
    assert_contiguous_from_one(&event_seqs(&observer));
    let violations: Vec<String> = observer.received.iter().flat_map(v3_violations).collect();
    assert!(violations.is_empty(), "{violations:#?}");
    observer.close().await;
}

#[tokio::test]
async fn sigterm_sends_shutdown_then_closes_with_service_restart() {
    let mut gateway = start_gateway(json!({})).await.unwrap();
    let (mut v3, _) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let (mut v4, _) = connect_ok(&gateway.url(), &ws_support::v4_cli(&["operator.read"]))
        .await
        .unwrap();
    gateway.process.signal(Signal::Term).unwrap();
    for session in [&mut v3, &mut v4] {
        let shutdown = session.next_event("shutdown", WAIT).await.unwrap();
        assert_eq!(
            shutdown["payload"]["reason"], "gateway stopping",
            "{shutdown}"
        );
        let (code, reason) = session.expect_close(WAIT).await.unwrap();
        assert_eq!((code, reason.as_str()), (1012, "service restart"));
        assert_contiguous_from_one(&event_seqs(session));
    }
    let violations: Vec<String> = v3.received.iter().flat_map(v3_violations).collect();
    assert!(violations.is_empty(), "{violations:#?}");
    let status = gateway
        .process
        .wait_exit(std::time::Duration::from_secs(15))
        .await
        .expect("gateway still running 15 s after SIGTERM");
    assert!(status.success(), "{status}");
}

/// Ticks are load-bearing (a 2026.1.29 client closes with 4000 "tick timeout" after two missed
/// intervals), so this waits for a real one: ~30 s, running in parallel with the other tests.
#[tokio::test]
async fn tick_arrives_every_thirty_seconds_with_the_next_seq() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let (mut session, _hello) = connect_ok(&gateway.url(), &v3_cli()).await.unwrap();
    let started = std::time::Instant::now();
    let tick = session
        .next_event("tick", std::time::Duration::from_secs(45))
        .await
        .unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(25),
        "tick came too early ({waited:?}): {tick}"
    );
    assert!(tick["payload"]["ts"].is_u64(), "{tick}");
    assert!(v3_violations(&tick).is_empty(), "{tick}");
    assert_contiguous_from_one(&event_seqs(&session));
    session.close().await;
}
