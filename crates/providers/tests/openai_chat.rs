//! OpenAI Chat Completions client against the testkit fake.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use std::time::Duration;

use common::{client, client_with_limits, weather_request};
use openclaw_providers::{
    ContentPart, Credential, FailureKind, HttpLimits, Message, ProviderApi, ProviderError,
    ProviderEvent, Role, StopReason, Usage,
};
use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage};
use serde_json::json;

fn key() -> Credential {
    Credential::ApiKey("sk-test-placeholder".into())
}

#[tokio::test]
async fn streams_text_usage_and_done() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![
            FakeStep::Thinking("hmm".into()),
            FakeStep::Text("Hel".into()),
            FakeStep::Text("lo".into()),
        ],
        usage: FakeUsage {
            input: 12,
            output: 3,
            cache_read: 4,
            cache_write: 0,
        },
        ending: FakeEnding::Complete,
    });
    let client = client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
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
            ProviderEvent::ThinkingDelta("hmm".into()),
            ProviderEvent::TextDelta("Hel".into()),
            ProviderEvent::TextDelta("lo".into()),
            ProviderEvent::Usage(Usage {
                input: 12,
                output: 3,
                cache_read: 4,
                cache_write: 0
            }),
            ProviderEvent::Done {
                stop_reason: StopReason::EndTurn
            },
        ]
    );
}

#[tokio::test]
async fn sends_openai_wire_request() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["ok"]));
    let mut request = weather_request();
    request.messages.push(std::sync::Arc::new(Message {
        role: Role::Assistant,
        content: vec![ContentPart::ToolCall {
            id: "call_1".into(),
            name: "get_weather".into(),
            arguments: json!({"city": "Paris"}),
        }],
    }));
    request.messages.push(std::sync::Arc::new(Message {
        role: Role::User,
        content: vec![ContentPart::ToolResult {
            tool_call_id: "call_1".into(),
            content: "sunny".into(),
            is_error: false,
        }],
    }));
    let client = client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        key(),
    );
    client
        .stream(&request)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer sk-test-placeholder")
    );
    assert_eq!(sent.header("x-custom"), Some("yes"));
    insta::assert_json_snapshot!("openai_chat_request_body", sent.body);
}

#[tokio::test]
async fn assembles_tool_calls_from_fragments() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![
            FakeStep::ToolCall {
                id: "call_a".into(),
                name: "get_weather".into(),
                arguments: r#"{"city":"Paris","units":"metric"}"#.into(),
            },
            FakeStep::ToolCall {
                id: "call_b".into(),
                name: "noop".into(),
                arguments: String::new(),
            },
        ],
        usage: FakeUsage::default(),
        ending: FakeEnding::Complete,
    });
    let client = client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
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
        &events[..2],
        &[
            ProviderEvent::ToolCall {
                id: "call_a".into(),
                name: "get_weather".into(),
                arguments: json!({"city": "Paris", "units": "metric"}),
            },
            ProviderEvent::ToolCall {
                id: "call_b".into(),
                name: "noop".into(),
                arguments: json!({})
            },
        ]
    );
    assert_eq!(
        events.last(),
        Some(&ProviderEvent::Done {
            stop_reason: StopReason::ToolUse
        })
    );
}

#[tokio::test]
async fn rate_limit_carries_retry_after() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Error {
        status: 429,
        error_type: "rate_limit_exceeded".into(),
        message: "Rate limit reached for requests".into(),
        retry_after: Some("17".into()),
    });
    let client = client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        key(),
    );
    let error = client.stream(&weather_request()).await.unwrap_err();
    assert_eq!(error.kind(), FailureKind::RateLimit);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(17)));
    let text = error.to_string();
    assert!(text.contains("HTTP 429"), "{text}");
    assert!(text.contains("Rate limit reached"), "{text}");
    assert!(text.contains("retry after 17s"), "{text}");
}

#[tokio::test]
async fn statuses_are_classified() {
    let fake = FakeLlm::start().await.unwrap();
    let cases = [
        (
            401,
            "invalid_api_key",
            "Incorrect API key provided",
            FailureKind::Auth,
        ),
        (402, "billing", "pay up", FailureKind::Billing),
        (
            400,
            "invalid_request_error",
            "This model's maximum context length is 128000 tokens",
            FailureKind::ContextOverflow,
        ),
        (
            500,
            "server_error",
            "The server had an error",
            FailureKind::Other,
        ),
    ];
    let client = client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        key(),
    );
    for (status, kind_name, message, expected) in cases {
        fake.push(FakeReply::error(status, kind_name, message));
        let error = client.stream(&weather_request()).await.unwrap_err();
        assert_eq!(error.kind(), expected, "{status} {message}");
    }
}

#[tokio::test]
async fn truncated_stream_is_an_error() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("partial".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::TruncatedAfter(2),
    });
    let client = client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        key(),
    );
    let mut stream = client.stream(&weather_request()).await.unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        ProviderEvent::TextDelta("partial".into())
    );
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(error, ProviderError::StreamCut { .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), FailureKind::Timeout);
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn reset_stream_is_a_transport_error() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("partial".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::ResetAfter(2),
    });
    let client = client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        key(),
    );
    let result = client
        .stream(&weather_request())
        .await
        .unwrap()
        .collect()
        .await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ProviderError::Transport { .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), FailureKind::Timeout);
}

#[tokio::test]
async fn oversized_response_is_rejected() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&[&"x".repeat(4096)]));
    let limits = HttpLimits {
        max_response_bytes: 1024,
        ..HttpLimits::default()
    };
    let client = client_with_limits(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        key(),
        limits,
    );
    let error = client
        .stream(&weather_request())
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ProviderError::TooLarge {
                what: "response",
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn overlong_line_is_rejected() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&[&"y".repeat(4096)]));
    let limits = HttpLimits {
        max_line_bytes: 1024,
        ..HttpLimits::default()
    };
    let client = client_with_limits(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        key(),
        limits,
    );
    let error = client
        .stream(&weather_request())
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProviderError::TooLarge { what: "line", .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn unreachable_server_is_a_transport_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = client(
        ProviderApi::OpenAiCompletions,
        format!("http://127.0.0.1:{port}/v1"),
        key(),
    );
    let error = client.stream(&weather_request()).await.unwrap_err();
    assert!(error.to_string().contains("check the base URL"), "{error}");
    assert!(error.kind().is_failover());
}

#[tokio::test]
async fn mid_stream_error_chunk_is_classified() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("a".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::ErrorEventAfter {
            events: 2,
            error_type: "insufficient_quota".into(),
            message: "You exceeded your current quota".into(),
        },
    });
    let client = client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
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
        matches!(error, ProviderError::StreamError { .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), FailureKind::RateLimit);
}

#[tokio::test]
async fn stalled_stream_hits_the_request_timeout() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("slow".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::StallAfter(2),
    });
    let limits = HttpLimits {
        request_timeout: Duration::from_millis(300),
        ..HttpLimits::default()
    };
    let client = client_with_limits(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        key(),
        limits,
    );
    let started = std::time::Instant::now();
    let mut stream = client.stream(&weather_request()).await.unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        ProviderEvent::TextDelta("slow".into())
    );
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(
        matches!(
            error,
            ProviderError::Transport {
                timed_out: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.kind(), FailureKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A stream captured from a real OpenAI-compatible server (OpenClaw 2026.1.29's own
/// `/v1/chat/completions`): no `finish_reason` values, no usage chunk, `[DONE]` at the end.
#[tokio::test]
async fn replays_captured_compatible_stream() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::RawSse(
        include_str!("fixtures/openclaw-gateway-chat-stream.sse").to_string(),
    ));
    let client = client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        key(),
    );
    let events = client
        .stream(&weather_request())
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            ProviderEvent::TextDelta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(text, "Hello from the fake model.");
    assert_eq!(
        events.last(),
        Some(&ProviderEvent::Done {
            stop_reason: StopReason::EndTurn
        })
    );
    assert!(!events.iter().any(|e| matches!(e, ProviderEvent::Usage(_))));
}
