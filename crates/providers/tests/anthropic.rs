//! Anthropic Messages client against the testkit fake.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use std::time::Duration;

use common::{client, weather_request};
use openclaw_providers::{
    ContentPart, Credential, FailureKind, Message, ProviderApi, ProviderError, ProviderEvent, Role,
    StopReason, ThinkingLevel, Usage,
};
use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage};
use serde_json::json;

fn key() -> Credential {
    Credential::ApiKey("sk-ant-api-placeholder".into())
}

#[tokio::test]
async fn streams_thinking_text_tool_use_and_usage() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![
            FakeStep::Thinking("Need weather.".into()),
            FakeStep::RedactedThinking("opaque".into()),
            FakeStep::Text("Checking.".into()),
            FakeStep::ToolCall {
                id: "toolu_01".into(),
                name: "get_weather".into(),
                arguments: r#"{"city":"Paris"}"#.into(),
            },
        ],
        usage: FakeUsage {
            input: 20,
            output: 9,
            cache_read: 100,
            cache_write: 7,
        },
        ending: FakeEnding::Complete,
    });
    let client = client(
        ProviderApi::AnthropicMessages,
        fake.anthropic_base_url(),
        key(),
    );
    let events = client
        .stream(&weather_request())
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(
        events,
        vec![
            ProviderEvent::ThinkingDelta("Need weather.".into()),
            ProviderEvent::ThinkingSignature("fake-signature".into()),
            ProviderEvent::RedactedThinking("opaque".into()),
            ProviderEvent::TextDelta("Checking.".into()),
            ProviderEvent::ToolCall {
                id: "toolu_01".into(),
                name: "get_weather".into(),
                arguments: json!({"city": "Paris"}),
            },
            ProviderEvent::Usage(Usage {
                input: 20,
                output: 9,
                cache_read: 100,
                cache_write: 7
            }),
            ProviderEvent::Done {
                stop_reason: StopReason::ToolUse
            },
        ]
    );
}

#[tokio::test]
async fn api_key_uses_x_api_key_and_wire_body() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["ok"]));
    let mut request = weather_request();
    request.thinking = ThinkingLevel::Low;
    request.messages.push(std::sync::Arc::new(Message {
        role: Role::Assistant,
        content: vec![
            ContentPart::Thinking {
                text: "Need weather.".into(),
                signature: Some("sig-1".into()),
            },
            ContentPart::Thinking {
                text: "unsigned, from another provider".into(),
                signature: None,
            },
            ContentPart::RedactedThinking {
                data: "opaque".into(),
            },
            ContentPart::ToolCall {
                id: "toolu_01".into(),
                name: "get_weather".into(),
                arguments: json!({"city": "Paris"}),
            },
        ],
    }));
    request.messages.push(std::sync::Arc::new(Message {
        role: Role::User,
        content: vec![ContentPart::ToolResult {
            tool_call_id: "toolu_01".into(),
            content: "rain".into(),
            is_error: true,
        }],
    }));
    let client = client(
        ProviderApi::AnthropicMessages,
        fake.anthropic_base_url(),
        key(),
    );
    let events = client
        .stream(&request)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(events[0], ProviderEvent::TextDelta("ok".into()));
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v1/messages");
    assert_eq!(sent.header("x-api-key"), Some("sk-ant-api-placeholder"));
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    insta::assert_json_snapshot!("anthropic_request_body", sent.body);
}

#[tokio::test]
async fn oauth_token_uses_bearer_and_beta_header() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["ok"]));
    let token = Credential::Token("sk-ant-oat01-placeholder".into());
    let client = client(
        ProviderApi::AnthropicMessages,
        fake.anthropic_base_url(),
        token,
    );
    client
        .stream(&weather_request())
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let sent = &fake.requests()[0];
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer sk-ant-oat01-placeholder")
    );
    assert_eq!(sent.header("x-api-key"), None);
    assert_eq!(sent.header("anthropic-beta"), Some("oauth-2025-04-20"));
}

#[tokio::test]
async fn overloaded_is_rate_limit_with_http_date_retry_after() {
    let fake = FakeLlm::start().await.unwrap();
    let at = std::time::SystemTime::now() + Duration::from_secs(120);
    fake.push(FakeReply::Error {
        status: 529,
        error_type: "overloaded_error".into(),
        message: "Overloaded".into(),
        retry_after: Some(httpdate_string(at)),
    });
    let client = client(
        ProviderApi::AnthropicMessages,
        fake.anthropic_base_url(),
        key(),
    );
    let error = client.stream(&weather_request()).await.unwrap_err();
    assert_eq!(error.kind(), FailureKind::RateLimit);
    let wait = error.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
        "{wait:?}"
    );
    assert!(
        error.to_string().contains("overloaded_error: Overloaded"),
        "{error}"
    );
}

fn httpdate_string(at: std::time::SystemTime) -> String {
    // Format an IMF-fixdate by hand so the test does not depend on the crate under test.
    let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let days = secs / 86_400;
    let (h, m, s) = (secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{weekday}, {day:02} {} {year} {h:02}:{m:02}:{s:02} GMT",
        months[(month - 1) as usize]
    )
}

#[tokio::test]
async fn auth_and_context_errors_are_classified() {
    let fake = FakeLlm::start().await.unwrap();
    let client = client(
        ProviderApi::AnthropicMessages,
        fake.anthropic_base_url(),
        key(),
    );
    fake.push(FakeReply::error(
        401,
        "authentication_error",
        "invalid x-api-key",
    ));
    assert_eq!(
        client.stream(&weather_request()).await.unwrap_err().kind(),
        FailureKind::Auth
    );
    fake.push(FakeReply::error(
        400,
        "invalid_request_error",
        "prompt is too long: 250000 tokens > 200000 maximum",
    ));
    let error = client.stream(&weather_request()).await.unwrap_err();
    assert_eq!(error.kind(), FailureKind::ContextOverflow);
    assert!(!error.kind().is_failover());
}

#[tokio::test]
async fn stream_without_message_stop_is_cut() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("half".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::TruncatedAfter(4),
    });
    let client = client(
        ProviderApi::AnthropicMessages,
        fake.anthropic_base_url(),
        key(),
    );
    let error = client
        .stream(&weather_request())
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::StreamCut { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn mid_stream_overloaded_error_is_rate_limit() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("par".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::ErrorEventAfter {
            events: 4,
            error_type: "overloaded_error".into(),
            message: "Overloaded".into(),
        },
    });
    let client = client(
        ProviderApi::AnthropicMessages,
        fake.anthropic_base_url(),
        key(),
    );
    let mut stream = client.stream(&weather_request()).await.unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        ProviderEvent::TextDelta("par".into())
    );
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(error, ProviderError::StreamError { .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), FailureKind::RateLimit);
    assert!(
        error.to_string().contains("overloaded_error: Overloaded"),
        "{error}"
    );
}

#[tokio::test]
async fn events_before_an_error_in_the_same_chunk_are_delivered() {
    let fake = FakeLlm::start().await.unwrap();
    let body = [
        r#"event: message_start"#,
        r#"data: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}"#,
        "",
        r#"event: content_block_start"#,
        r#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        "",
        r#"event: content_block_delta"#,
        r#"data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"partial"}}"#,
        "",
        r#"event: error"#,
        r#"data: {"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#,
        "",
        "",
    ]
    .join("\n");
    fake.push(FakeReply::RawSse(body));
    let client = client(
        ProviderApi::AnthropicMessages,
        fake.anthropic_base_url(),
        key(),
    );
    let mut stream = client.stream(&weather_request()).await.unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        ProviderEvent::TextDelta("partial".into())
    );
    let error = stream.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), FailureKind::Other);
    assert!(
        error
            .to_string()
            .contains("api_error: Internal server error"),
        "{error}"
    );
    assert!(stream.next().await.is_none());
}
