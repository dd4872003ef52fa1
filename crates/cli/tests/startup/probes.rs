//! The HTTP surface next to the WebSocket: liveness/startup/readiness probes, `/metrics`, and
//! what strangers see (spec §2.7 [9.6 probes], §2.8, §7.5 "local client").

use std::collections::HashSet;
use std::time::Duration;

use openclaw_testkit::{GatewayProcess, HttpResponse, http_get, http_request};
use serde_json::{Value, json};

use crate::{START_TIMEOUT, Secret, TOKEN, accepts, gateway, local, spawn, start};

/// Makes a loopback request look like it came through a proxy we do not trust, which is how
/// a non-local caller appears (there is no second host in the test).
const STRANGER: (&str, &str) = ("X-Forwarded-For", "203.0.113.7");
const BEARER: &str = "Bearer startup-e2e-token";

async fn get(gw: &GatewayProcess, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    http_get(gw.addr(), path, headers).await.unwrap()
}

async fn probe_gateway() -> GatewayProcess {
    start(gateway(local(json!({"auth": {"token": TOKEN}}))).args(["gateway"])).await
}

#[tokio::test]
async fn startup_probe_turns_200_once_start_up_finishes() {
    let mut gw = spawn(gateway(local(json!({"auth": {"token": TOKEN}}))).args(["gateway"])).await;
    gw.wait_healthy(START_TIMEOUT).await.unwrap();
    // The listener is live slightly before start-up completes; until then the probe says so.
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    loop {
        let response = get(&gw, "/startupz", &[STRANGER]).await;
        let body = response.body_json().unwrap();
        if response.status == 200 {
            assert_eq!(body, json!({"ok": true, "status": "started"}));
            break;
        }
        assert_eq!(
            (response.status, body),
            (503, json!({"ok": false, "status": "starting"}))
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "/startupz never reported started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    gw.wait_for_line("[gateway] gateway ready", START_TIMEOUT)
        .await
        .unwrap();
}

#[tokio::test]
async fn liveness_and_startup_probes_answer_without_auth() {
    let gw = probe_gateway().await;
    for path in ["/health", "/healthz"] {
        let response = get(&gw, path, &[STRANGER]).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(
            response.body_json().unwrap(),
            json!({"ok": true, "status": "live"}),
            "{path}"
        );
    }
    for path in ["/startup", "/startupz"] {
        let response = get(&gw, path, &[STRANGER]).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.body_json().unwrap()["status"], "started", "{path}");
    }
}

#[tokio::test]
async fn readiness_details_only_for_local_or_authenticated_callers() {
    let gw = probe_gateway().await;
    let detail_keys = ["ready", "failing", "uptimeMs", "channels"];
    let has_details = |body: &Value| detail_keys.iter().all(|k| body.get(k).is_some());

    for path in ["/ready", "/readyz"] {
        let local_view = get(&gw, path, &[]).await;
        assert_eq!(local_view.status, 200);
        let body = local_view.body_json().unwrap();
        assert_eq!(body["ok"], true);
        assert_eq!(body["status"], "ready");
        assert!(has_details(&body), "loopback caller sees details: {body}");
    }

    let stranger = get(&gw, "/readyz", &[STRANGER]).await;
    assert_eq!(stranger.status, 200);
    assert_eq!(
        stranger.body_json().unwrap(),
        json!({"ok": true, "status": "ready"}),
        "a non-local caller learns only the verdict"
    );

    let wrong = get(
        &gw,
        "/readyz",
        &[STRANGER, ("Authorization", "Bearer nope")],
    )
    .await;
    assert!(!has_details(&wrong.body_json().unwrap()));

    let authed = get(&gw, "/readyz", &[STRANGER, ("Authorization", BEARER)]).await;
    assert!(has_details(&authed.body_json().unwrap()));
}

#[tokio::test]
async fn unknown_paths_are_404_and_probes_are_get_only() {
    let gw = probe_gateway().await;
    assert_eq!(get(&gw, "/definitely/not/here", &[]).await.status, 404);
    let post = http_request(gw.addr(), "POST", "/healthz", &[], b"{}")
        .await
        .unwrap();
    assert_eq!(post.status, 405);
    let head = http_request(gw.addr(), "HEAD", "/healthz", &[], &[])
        .await
        .unwrap();
    assert_eq!(head.status, 200);
}

/// `name value` samples (labels included in the name) of a text exposition.
fn samples(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            Some((name.to_owned(), value.parse().ok()?))
        })
        .collect()
}

fn sample(text: &str, name: &str) -> f64 {
    samples(text)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no sample {name} in:\n{text}"))
}

#[tokio::test]
async fn metrics_count_connections_frames_auth_failures_and_reloads() {
    let gw = probe_gateway().await;
    assert!(accepts(&gw, Secret::Token(TOKEN)).await);
    assert!(!accepts(&gw, Secret::Token("wrong")).await);

    // A config edit the gateway applies without a restart (`ui` is read per use).
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(gw.config_path()).unwrap()).unwrap();
    config["ui"] = json!({"assistant": {"name": "Metrics"}});
    let mark = gw.line_count();
    std::fs::write(gw.config_path(), config.to_string()).unwrap();
    gw.wait_for_line_since(mark, "config change applied", START_TIMEOUT)
        .await
        .unwrap();

    let response = get(&gw, "/metrics", &[]).await;
    assert_eq!(response.status, 200);
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/openmetrics-text")
            || content_type.starts_with("text/plain"),
        "{content_type}"
    );
    let text = response.body_text();
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert!(sample(&text, "openclaw_gateway_ws_connections_accepted_total") >= 2.0);
    assert!(sample(&text, "openclaw_gateway_ws_frames_total{direction=\"in\"}") >= 2.0);
    assert!(sample(&text, "openclaw_gateway_ws_frames_total{direction=\"out\"}") >= 2.0);
    assert!(sample(&text, "openclaw_gateway_auth_failures_total") >= 1.0);
    assert_eq!(
        sample(
            &text,
            "openclaw_gateway_config_reloads_total{result=\"applied\"}"
        ),
        1.0
    );
}

#[tokio::test]
async fn metrics_need_a_local_caller_or_the_token() {
    let gw = probe_gateway().await;
    let stranger = get(&gw, "/metrics", &[STRANGER]).await;
    assert_eq!(stranger.status, 401);
    let wrong = get(
        &gw,
        "/metrics",
        &[STRANGER, ("Authorization", "Bearer nope")],
    )
    .await;
    assert_eq!(wrong.status, 401);
    let authed = get(&gw, "/metrics", &[STRANGER, ("Authorization", BEARER)]).await;
    assert_eq!(authed.status, 200);
    assert!(
        authed
            .body_text()
            .contains("openclaw_gateway_auth_failures_total")
    );
}

#[tokio::test]
async fn metrics_exposition_has_one_block_per_family() {
    let gw = probe_gateway().await;
    let text = get(&gw, "/metrics", &[]).await.body_text();
    let mut seen = HashSet::new();
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let family = line
            .split_whitespace()
            .nth(2)
            .unwrap_or_default()
            .to_owned();
        assert!(
            seen.insert(family.clone()),
            "family {family} declared twice:\n{text}"
        );
    }
}
