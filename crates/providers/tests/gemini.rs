//! Gemini streamGenerateContent client against the testkit fake.
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
    Credential::ApiKey("gemini-key-placeholder".into())
}

#[tokio::test]
async fn streams_thoughts_text_tool_calls_and_usage() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![
            FakeStep::Thinking("consider".into()),
            FakeStep::Text("Looking up.".into()),
            FakeStep::ToolCall {
                id: String::new(),
                name: "get_weather".into(),
                arguments: r#"{"city":"Paris"}"#.into(),
            },
        ],
        usage: FakeUsage {
            input: 30,
            output: 6,
            cache_read: 10,
            cache_write: 0,
        },
        ending: FakeEnding::Complete,
    });
    let client = client(
        ProviderApi::GoogleGenerativeAi,
        fake.gemini_base_url(),
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
            ProviderEvent::ThinkingDelta("consider".into()),
            ProviderEvent::TextDelta("Looking up.".into()),
            ProviderEvent::ToolCall {
                id: "call_1".into(),
                name: "get_weather".into(),
                arguments: json!({"city": "Paris"}),
            },
            ProviderEvent::Usage(Usage {
                input: 30,
                output: 6,
                cache_read: 10,
                cache_write: 0
            }),
            ProviderEvent::Done {
                stop_reason: StopReason::ToolUse
            },
        ]
    );
}

#[tokio::test]
async fn sends_gemini_wire_request() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&["ok"]));
    let mut request = weather_request();
    request.model = "gemini-2.5-flash".into();
    request.thinking = ThinkingLevel::Minimal;
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
        ProviderApi::GoogleGenerativeAi,
        fake.gemini_base_url(),
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
    assert_eq!(
        sent.path,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    );
    assert_eq!(sent.query.as_deref(), Some("alt=sse"));
    assert_eq!(
        sent.header("x-goog-api-key"),
        Some("gemini-key-placeholder")
    );
    insta::assert_json_snapshot!("gemini_request_body", sent.body);
}

#[tokio::test]
async fn stream_without_finish_reason_is_cut() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("a".into()), FakeStep::Text("b".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::TruncatedAfter(2),
    });
    let client = client(
        ProviderApi::GoogleGenerativeAi,
        fake.gemini_base_url(),
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
async fn resource_exhausted_is_rate_limit() {
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Error {
        status: 429,
        error_type: "RESOURCE_EXHAUSTED".into(),
        message: "Resource has been exhausted (e.g. check quota).".into(),
        retry_after: Some("3".into()),
    });
    let client = client(
        ProviderApi::GoogleGenerativeAi,
        fake.gemini_base_url(),
        key(),
    );
    let error = client.stream(&weather_request()).await.unwrap_err();
    assert_eq!(error.kind(), FailureKind::RateLimit);
    assert!(
        error
            .to_string()
            .contains("RESOURCE_EXHAUSTED: Resource has been exhausted"),
        "{error}"
    );
    assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(3)));
}
