//! Frame parsing errors (captured wording), outbound frame shapes, and a fuzz-style
//! check that no input makes parsing or the handshake panic.

// Helpers below are test code: an unexpected result must fail the test loudly.
#![allow(clippy::expect_used)]

mod common;

use common::post_handshake_cases;
use openclaw_protocol::{
    AuthPolicy, ClientFrame, ErrorCode, ErrorShape, EventFrame, FrameError, HandshakeContext,
    HandshakeOutcome, ResponseFrame, evaluate_connect, parse_client_frame, request_id_hint,
};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

fn parse_error(text: &str) -> FrameError {
    parse_client_frame(text).expect_err("should be rejected")
}

#[test]
fn captured_malformed_frames_get_captured_answers() {
    let mut checked = 0;
    for case in post_handshake_cases() {
        let response = &case["response"];
        let message = response["error"]["message"].as_str().unwrap_or("");
        if !message.starts_with("invalid request frame") {
            continue;
        }
        let text = case["client_frame"].as_str().expect("frame text");
        let answer = parse_error(text).to_response().to_value();
        let expected = json!({"type": "res", "id": response["id"], "ok": false,
                              "error": response["error"]});
        if case["protocol"] == 4 && text == r#"{"type":"bogus"}"# {
            // 2026.9.6 omits "required property 'method'" here; we keep the 2026.1.29
            // wording for both versions (same code, id and leading problem).
            assert_eq!(answer["id"], expected["id"]);
            assert_eq!(answer["error"]["code"], "INVALID_REQUEST");
            let ours = answer["error"]["message"].as_str().unwrap_or("");
            assert!(ours.starts_with("invalid request frame: must have required property 'id'"));
            assert!(
                ours.ends_with("at /type: must be equal to constant"),
                "{ours}"
            );
        } else {
            assert_eq!(answer, expected, "{text}");
        }
        checked += 1;
    }
    assert_eq!(checked, 5, "fixture should hold five malformed frames");
}

#[test]
fn more_malformed_frames() {
    let cases = [
        ("null", "invalid", "must be object"),
        (r#""req""#, "invalid", "must be object"),
        (
            r#"{"type":"req","id":"","method":"x"}"#,
            "invalid",
            "at /id: must NOT have fewer than 1 characters",
        ),
        (
            r#"{"type":"req","id":12345678901234567890,"method":"health"}"#,
            "invalid",
            "at /id: must be string",
        ),
        (
            r#"{"type":"req","id":"a","method":""}"#,
            "a",
            "at /method: must NOT have fewer than 1 characters",
        ),
        (
            r#"{"type":"req","id":"a","method":"m","extra":true}"#,
            "a",
            "at root: unexpected property 'extra'",
        ),
        (
            r#"{"type":"res","id":"a","ok":true}"#,
            "a",
            "must have required property 'method'; at root: unexpected property 'ok'; at /type: must be equal to constant",
        ),
    ];
    for (text, echo, problems) in cases {
        let err = parse_error(text);
        assert_eq!(err.echo_id(), echo, "{text}");
        assert_eq!(
            err.to_string(),
            format!("invalid request frame: {problems}"),
            "{text}"
        );
    }
}

#[test]
fn non_json_is_its_own_error() {
    let err = parse_error("this is not json");
    assert!(matches!(err, FrameError::NotJson { .. }));
    assert_eq!(err.echo_id(), "invalid");
    assert!(
        err.to_string()
            .starts_with("invalid request frame: not valid JSON"),
        "{err}"
    );
}

#[test]
fn valid_requests_parse_with_optional_params_and_traceparent() {
    let huge_id = "x".repeat(100_000);
    let text = json!({"type": "req", "id": huge_id, "method": "health"}).to_string();
    assert_eq!(
        parse_client_frame(&text),
        Ok(ClientFrame::Request {
            id: huge_id.clone(),
            method: "health".into(),
            params: None
        })
    );
    let traced = r#"{"type":"req","id":"2:abc","method":"status","params":{"a":1},
                     "traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}"#;
    assert_eq!(
        parse_client_frame(traced),
        Ok(ClientFrame::Request {
            id: "2:abc".into(),
            method: "status".into(),
            params: Some(json!({"a": 1})),
        })
    );
    let long_trace = json!({"type":"req","id":"a","method":"m","traceparent":"t".repeat(129)});
    assert_eq!(
        parse_error(&long_trace.to_string()).to_string(),
        "invalid request frame: at /traceparent: must NOT have more than 128 characters"
    );
}

#[test]
fn request_id_hint_falls_back_to_invalid() {
    assert_eq!(request_id_hint(r#"{"id":"r7"}"#), "r7");
    assert_eq!(request_id_hint(r#"{"id":7}"#), "invalid");
    assert_eq!(request_id_hint("garbage"), "invalid");
}

#[test]
fn responses_carry_exactly_the_schema_keys() {
    let ok = ResponseFrame::ok("r1", json!({"ok": true})).to_json();
    assert_eq!(
        ok,
        r#"{"type":"res","id":"r1","ok":true,"payload":{"ok":true}}"#
    );
    // A success always carries a payload object.
    assert_eq!(
        ResponseFrame::ok("r2", Value::Null).to_json(),
        r#"{"type":"res","id":"r2","ok":true,"payload":{}}"#
    );
    let err = ErrorShape::new(ErrorCode::UNAVAILABLE, "busy")
        .with_details(json!({"code": "X"}))
        .with_retry(true, Some(250));
    assert_eq!(
        ResponseFrame::err("r3", err).to_json(),
        r#"{"type":"res","id":"r3","ok":false,"error":{"code":"UNAVAILABLE","message":"busy","details":{"code":"X"},"retryable":true,"retryAfterMs":250}}"#
    );
}

#[test]
fn events_carry_exactly_the_schema_keys() {
    let plain = EventFrame::new("agent", json!({"runId": "r"})).to_json();
    assert_eq!(
        plain,
        r#"{"type":"event","event":"agent","payload":{"runId":"r"}}"#
    );
    let health = EventFrame::new("health", json!({"ok": true}))
        .with_seq(230)
        .with_state_version(7, 76)
        .to_value();
    assert_eq!(
        health,
        json!({"type": "event", "event": "health", "payload": {"ok": true}, "seq": 230,
               "stateVersion": {"presence": 7, "health": 76}})
    );
}

#[test]
fn error_shape_round_trips_through_serde() {
    let shape = ErrorShape::unknown_method("no.such.method");
    let text = serde_json::to_string(&shape).expect("serialize");
    assert_eq!(
        text,
        r#"{"code":"INVALID_REQUEST","message":"unknown method: no.such.method"}"#
    );
    assert_eq!(
        serde_json::from_str::<ErrorShape>(&text).expect("parse"),
        shape
    );
}

/// Random strings built from JSON-ish pieces: parsing and the full handshake must
/// answer every one of them without panicking.
#[test]
fn arbitrary_text_never_panics() {
    const PIECES: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\",
        "\\u0000",
        "\\ud800",
        "null",
        "true",
        "1e309",
        "-0",
        "1.5",
        "\"type\"",
        "\"req\"",
        "\"id\"",
        "\"method\"",
        "\"connect\"",
        "\"params\"",
        "\"client\"",
        "\"device\"",
        "\"auth\"",
        "\"minProtocol\"",
        "\"maxProtocol\"",
        "3",
        "4",
        "18446744073709551616",
        "\"signedAt\"",
        "\"publicKey\"",
        "\"signature\"",
        "é",
        "\u{0}",
        " ",
        "\n",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let ctx = HandshakeContext {
        challenge_nonce: "n".into(),
        now_ms: 1,
        auth: AuthPolicy::Token("t".into()),
        is_local_client: false,
    };
    for _ in 0..20_000 {
        let len = rng.gen_range(0..40);
        let text: String = (0..len)
            .map(|_| PIECES[rng.gen_range(0..PIECES.len())])
            .collect();
        let _ = parse_client_frame(&text);
        let _ = request_id_hint(&text);
        let _ = evaluate_connect(&text, &ctx);
    }
    // Deep nesting is refused, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(matches!(parse_error(&deep), FrameError::NotJson { .. }));
    assert!(matches!(
        evaluate_connect(&deep, &ctx),
        HandshakeOutcome::Reject(_)
    ));
}

#[test]
fn structured_connect_variants_never_panic() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let values = [
        json!(null),
        json!(-1),
        json!(0),
        json!(3),
        json!(4),
        json!(2.5),
        json!(1e300),
        json!(u64::MAX),
        json!(""),
        json!("x"),
        json!([]),
        json!({}),
        json!(["a"]),
        json!(true),
    ];
    let ctx = HandshakeContext {
        challenge_nonce: "n".into(),
        now_ms: u64::MAX,
        auth: AuthPolicy::None,
        is_local_client: true,
    };
    let paths: &[&[&str]] = &[
        &["minProtocol"],
        &["maxProtocol"],
        &["client", "id"],
        &["client", "mode"],
        &["role"],
        &["scopes"],
        &["device"],
        &["device", "signedAt"],
        &["device", "publicKey"],
        &["device", "signature"],
        &["device", "nonce"],
        &["auth"],
        &["auth", "token"],
        &["caps"],
        &["permissions"],
        &["modelCatalog"],
    ];
    for _ in 0..5_000 {
        let mut params = json!({
            "minProtocol": 3, "maxProtocol": 4,
            "client": {"id": "cli", "version": "dev", "platform": "linux", "mode": "cli"},
            "device": {"id": "a", "publicKey": "AAAA", "signature": "AAAA", "signedAt": 0, "nonce": "n"},
        });
        for _ in 0..rng.gen_range(1..4) {
            let path = paths[rng.gen_range(0..paths.len())];
            let value = values[rng.gen_range(0..values.len())].clone();
            set_path(&mut params, path, value);
        }
        let frame = json!({"type": "req", "id": "c", "method": "connect", "params": params});
        let _ = evaluate_connect(&frame.to_string(), &ctx);
    }
}

fn set_path(target: &mut Value, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cursor = target;
    for key in parents {
        if !cursor.get(*key).is_some_and(Value::is_object) {
            cursor[*key] = json!({});
        }
        cursor = &mut cursor[*key];
    }
    cursor[*last] = value;
}
