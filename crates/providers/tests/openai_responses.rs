//! OpenAI Responses client against the testkit fake.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use common::{client, weather_request};
use openclaw_providers::{
    ContentPart, Credential, FailureKind, Message, ProviderApi, ProviderError, ProviderEvent, Role,
    StopReason, ThinkingLevel, Usage,
};
use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage};
use serde_json::json;

fn key() -> Credential {
    Credential::ApiKey("sk-test-placeholder".into())
}

#[tokio::test]
async fn streams_reasoning_text_function_calls_and_usage() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![
            FakeStep::Thinking("plan".into()),
            FakeStep::Text("Sure.".into()),
            FakeStep::ToolCall {
                id: "call_9".into(),
                name: "get_weather".into(),
                arguments: r#"{"city":"Oslo"}"#.into(),
            },
        ],
        usage: FakeUsage {
            input: 40,
            output: 8,
            cache_read: 24,
            cache_write: 0,
        },
        ending: FakeEnding::Complete,
    });
    let client = client(ProviderApi::OpenAiResponses, fake.openai_base_url(), key());
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
            ProviderEvent::ThinkingDelta("plan".into()),
            ProviderEvent::TextDelta("Sure.".into()),
            ProviderEvent::ToolCall {
                id: "call_9".into(),
                name: "get_weather".into(),
                arguments: json!({"city": "Oslo"}),
            },
            ProviderEvent::Usage(Usage {
                input: 40,
                output: 8,
                cache_read: 24,
                cache_write: 0
            }),
            ProviderEvent::Done {
                stop_reason: StopReason::ToolUse
            },
        ]
    );
}

#[tokio::test]
async fn sends_responses_wire_request() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["ok"]));
    let mut request = weather_request();
    request.thinking = ThinkingLevel::High;
    request.messages.push(std::sync::Arc::new(Message {
        role: Role::Assistant,
        content: vec![
            ContentPart::Text {
                text: "Checking.".into(),
            },
            ContentPart::ToolCall {
                id: "call_1".into(),
                name: "get_weather".into(),
                arguments: json!({"city": "Paris"}),
            },
        ],
    }));
    request.messages.push(std::sync::Arc::new(Message {
        role: Role::User,
        content: vec![ContentPart::ToolResult {
            tool_call_id: "call_1".into(),
            content: "sunny".into(),
            is_error: false,
        }],
    }));
    let client = client(ProviderApi::OpenAiResponses, fake.openai_base_url(), key());
    client
        .stream(&request)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v1/responses");
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer sk-test-placeholder")
    );
    insta::assert_json_snapshot!("openai_responses_request_body", sent.body);
}

#[tokio::test]
async fn error_event_and_missing_completion_fail() {
    let fake = FakeLlm::start().await.unwrap();
    let client = client(ProviderApi::OpenAiResponses, fake.openai_base_url(), key());
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("x".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::ErrorEventAfter {
            events: 2,
            error_type: "rate_limit_exceeded".into(),
            message: "slow down".into(),
        },
    });
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

    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("x".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::TruncatedAfter(2),
    });
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
