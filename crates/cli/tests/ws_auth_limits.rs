//! Failed authentication is rate limited per client address (`gateway.auth.rateLimit`), the
//! lockout answer uses OpenClaw's wording with `retryAfterMs`, and neither the wrong nor the
//! right token ever reaches the gateway's console or file log, even at debug level.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ws_support;

use std::net::IpAddr;

use openclaw_testkit::HandshakeOptions;
use serde_json::{Value, json};
use ws_support::{
    Gateway, Incoming, Session, TOKEN, WAIT, all_gateway_text, handshake_on,
    start_gateway_with_args, v3_cli, v4_cli,
};

const WRONG_TOKEN: &str = "wrong-secret-7d1e4b90c2";
const LOCKOUT_MESSAGE: &str = "unauthorized: too many failed authentication attempts (retry later)";

/// One connect from `from` with `options`; returns the connect response and the close frame.
async fn attempt(
    gateway: &Gateway,
    from: IpAddr,
    options: &HandshakeOptions<'_>,
) -> (Value, Incoming) {
    let session = Session::open_from(&gateway.url(), from).await.unwrap();
    let (mut session, _challenge, response) = handshake_on(session, options).await.unwrap();
    let close = session.read(WAIT).await.unwrap();
    (response, close)
}

fn wrong_token() -> HandshakeOptions<'static> {
    HandshakeOptions {
        token: Some(WRONG_TOKEN.into()),
        ..v3_cli()
    }
}

/// Asserts `response` is the lockout error and returns its `retryAfterMs`.
fn assert_locked_out(response: &Value, close: &Incoming) -> u64 {
    let error = &response["error"];
    assert_eq!(response["ok"], false, "{response}");
    assert_eq!(error["code"], "INVALID_REQUEST", "{response}");
    assert_eq!(error["message"], LOCKOUT_MESSAGE, "{response}");
    let retry_after = error["retryAfterMs"].as_u64().expect("retryAfterMs");
    assert!(retry_after > 0 && retry_after <= 300_000, "{response}");
    assert!(
        matches!(close, Incoming::Close(1008, reason) if reason.starts_with("unauthorized: too many")),
        "{close:?}"
    );
    retry_after
}

#[tokio::test]
async fn repeated_wrong_tokens_lock_the_address_out_and_never_reach_the_logs() {
    let gateway = start_gateway_with_args(
        json!({
            "gateway": {"auth": {"rateLimit": {"maxAttempts": 3, "exemptLoopback": false}}},
            "logging": {"level": "debug"},
        }),
        &["--verbose"],
    )
    .await
    .unwrap();
    let attacker: IpAddr = "127.0.0.1".parse().unwrap();
    let bystander: IpAddr = "127.0.0.2".parse().unwrap();

    // A successful connect from the attacker's address first: it must not count.
    let (response, _) = attempt(&gateway, attacker, &v3_cli()).await;
    assert_eq!(response["ok"], true, "{response}");

    // Three wrong tokens: each is an ordinary mismatch.
    for n in 1..=3 {
        let (response, close) = attempt(&gateway, attacker, &wrong_token()).await;
        assert_eq!(
            response["error"]["message"],
            "unauthorized: gateway token mismatch (set gateway.remote.token to match gateway.auth.token)",
            "attempt {n}: {response}"
        );
        assert!(
            matches!(close, Incoming::Close(1008, _)),
            "attempt {n}: {close:?}"
        );
    }

    // The fourth is refused before the token is even looked at, and so is the right token,
    // on either protocol version.
    let (response, close) = attempt(&gateway, attacker, &wrong_token()).await;
    assert_locked_out(&response, &close);
    let (response, close) = attempt(&gateway, attacker, &v3_cli()).await;
    assert_locked_out(&response, &close);
    let (response, close) = attempt(&gateway, attacker, &v4_cli(&["operator.read"])).await;
    let retry_after = assert_locked_out(&response, &close);
    assert!(retry_after <= 300_000);
    // The lockout answer is still a valid v3 frame (closed ErrorShape).
    assert!(
        ws_support::v3_violations(&response).is_empty(),
        "{response}"
    );

    // The limit is per address: another loopback address still gets in with the right token.
    let (response, _) = attempt(&gateway, bystander, &v3_cli()).await;
    assert_eq!(response["ok"], true, "bystander locked out too: {response}");

    // The gateway noticed (so the logs are really being written)…
    gateway
        .process
        .wait_for_line("locked out", WAIT)
        .await
        .unwrap();
    let text = all_gateway_text(&gateway);
    assert!(
        text.contains("unauthorized"),
        "no auth failure logged:\n{text}"
    );
    // …and never wrote either secret anywhere.
    assert!(
        !text.contains(WRONG_TOKEN),
        "wrong token leaked into the logs:\n{text}"
    );
    assert!(
        !text.contains(TOKEN),
        "gateway token leaked into the logs:\n{text}"
    );
}

#[tokio::test]
async fn loopback_is_exempt_by_default() {
    let gateway = start_gateway_with_args(
        json!({"gateway": {"auth": {"rateLimit": {"maxAttempts": 2}}}}),
        &[],
    )
    .await
    .unwrap();
    let local: IpAddr = "127.0.0.1".parse().unwrap();
    for _ in 0..4 {
        let (response, _) = attempt(&gateway, local, &wrong_token()).await;
        assert!(
            response["error"]["message"]
                .as_str()
                .unwrap()
                .contains("token mismatch"),
            "{response}"
        );
    }
    let (response, _) = attempt(&gateway, local, &v3_cli()).await;
    assert_eq!(response["ok"], true, "{response}");
}
