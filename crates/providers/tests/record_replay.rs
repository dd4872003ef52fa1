//! Recording provider traffic with `Recorder` and replaying it through a fresh fake LLM.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code may panic

mod common;

use std::path::Path;

use common::weather_request;
use openclaw_providers::{
    ChatCompat, Credential, HttpLimits, HttpTransport, ProviderApi, ProviderClient,
    ProviderEndpoint, ProviderError, ProviderEvent, Recorder,
};
use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage, Recording};
use serde_json::Value;

const OPENAI_KEY: &str = "sk-record-test-openai-0123456789";
const ANTHROPIC_KEY: &str = "sk-ant-record-test-0123456789";
const PROXY_KEY: &str = "proxy-secret-abcdef012345";

fn make_client(
    api: ProviderApi,
    base_url: String,
    credential: Credential,
    recorder: Option<Recorder>,
) -> ProviderClient {
    let mut transport = HttpTransport::new(HttpLimits::default()).unwrap();
    if let Some(recorder) = recorder {
        transport = transport.with_recorder(recorder);
    }
    ProviderClient::new(
        transport,
        ProviderEndpoint {
            provider: "fake".into(),
            api,
            base_url,
            headers: vec![
                ("x-custom".into(), "yes".into()),
                // A configured header carrying a proxy's key must not be recorded either.
                ("x-portkey-api-key".into(), PROXY_KEY.into()),
            ],
            chat_compat: ChatCompat::default(),
        },
        credential,
    )
}

fn base_url(fake: &FakeLlm, api: ProviderApi) -> String {
    match api {
        ProviderApi::AnthropicMessages => fake.anthropic_base_url(),
        ProviderApi::GoogleGenerativeAi => fake.gemini_base_url(),
        ProviderApi::OpenAiCompletions | ProviderApi::OpenAiResponses => fake.openai_base_url(),
    }
}

/// What a caller observes: the events, then the error that ended the stream (its URL, which
/// names the fake's port, left out).
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<ProviderEvent>,
    error: Option<String>,
}

fn error_shape(error: &ProviderError) -> String {
    match error {
        ProviderError::Http {
            status,
            kind,
            message,
            retry_after,
            ..
        } => format!("http {status} {kind:?} {message} retry_after={retry_after:?}"),
        ProviderError::Transport { .. } => "transport".into(),
        ProviderError::StreamCut { .. } => "cut".into(),
        ProviderError::StreamError { kind, message, .. } => format!("stream {kind:?} {message}"),
        other => format!("{other:?}"),
    }
}

async fn run(client: &ProviderClient) -> Outcome {
    let mut stream = match client.stream(&weather_request()).await {
        Ok(stream) => stream,
        Err(error) => {
            return Outcome {
                events: Vec::new(),
                error: Some(error_shape(&error)),
            };
        }
    };
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => events.push(event),
            Err(error) => {
                return Outcome {
                    events,
                    error: Some(error_shape(&error)),
                };
            }
        }
    }
    Outcome {
        events,
        error: None,
    }
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn assert_no_secrets(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    for secret in [OPENAI_KEY, ANTHROPIC_KEY, PROXY_KEY] {
        assert!(!text.contains(secret), "secret {secret} leaked: {text}");
    }
    for header in ["authorization", "x-api-key", "x-portkey-api-key"] {
        assert!(!text.contains(header), "header {header} recorded: {text}");
    }
}

fn tool_reply(ending: FakeEnding) -> FakeReply {
    FakeReply::Stream {
        steps: vec![
            FakeStep::Thinking("Need the weather.".into()),
            FakeStep::Text("Checking…".into()),
            FakeStep::ToolCall {
                id: "call_1".into(),
                name: "get_weather".into(),
                arguments: r#"{"city":"Paris"}"#.into(),
            },
        ],
        usage: FakeUsage {
            input: 20,
            output: 9,
            cache_read: 4,
            cache_write: 2,
        },
        ending,
    }
}

/// Records one call per reply (a fresh recording fake each), then replays the whole file
/// through one new fake with non-recording clients; returns the two outcome lists.
async fn record_and_replay(
    calls: Vec<(ProviderApi, Credential, FakeReply)>,
    path: &Path,
) -> (Vec<Outcome>, Vec<Outcome>, Recording) {
    let recorder = Recorder::open(path).unwrap();
    let mut recorded = Vec::new();
    let mut sent_bodies = Vec::new();
    for (api, credential, reply) in &calls {
        let fake = FakeLlm::start().await.unwrap();
        fake.push(reply.clone());
        let client = make_client(
            *api,
            base_url(&fake, *api),
            credential.clone(),
            Some(recorder.clone()),
        );
        recorded.push(run(&client).await);
        sent_bodies.push(fake.requests().remove(0).body);
    }
    let recording = Recording::load(path).unwrap();
    assert_eq!(recording.calls.len(), calls.len(), "one line per call");
    let replay = FakeLlm::start().await.unwrap();
    assert_eq!(replay.load_recording(path).unwrap(), calls.len());
    let mut replayed = Vec::new();
    for (api, credential, _) in &calls {
        let client = make_client(*api, base_url(&replay, *api), credential.clone(), None);
        replayed.push(run(&client).await);
    }
    // The replayed turn sent what the recorded one did.
    let replay_bodies: Vec<Value> = replay.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(replay_bodies, sent_bodies);
    let recorded_bodies: Vec<Value> = recording.requests().into_iter().cloned().collect();
    assert_eq!(recorded_bodies, sent_bodies);
    (recorded, replayed, recording)
}

#[tokio::test]
async fn openai_and_anthropic_turn_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("turn.jsonl");
    let (recorded, replayed, recording) = record_and_replay(
        vec![
            (
                ProviderApi::OpenAiCompletions,
                Credential::ApiKey(OPENAI_KEY.into()),
                tool_reply(FakeEnding::Complete),
            ),
            (
                ProviderApi::AnthropicMessages,
                Credential::ApiKey(ANTHROPIC_KEY.into()),
                tool_reply(FakeEnding::Complete),
            ),
        ],
        &path,
    )
    .await;
    for outcome in &recorded {
        assert_eq!(outcome.error, None);
        assert!(
            outcome
                .events
                .iter()
                .any(|e| matches!(e, ProviderEvent::ToolCall { .. })),
            "{outcome:?}"
        );
    }
    assert_eq!(replayed, recorded);
    assert_no_secrets(&path);

    let entries = lines(&path);
    assert_eq!(entries[0]["method"], "POST");
    assert!(
        entries[0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/v1/chat/completions"),
        "{}",
        entries[0]["url"]
    );
    assert_eq!(recording.calls[1].path_and_query(), "/v1/messages");
    for entry in &entries {
        assert_eq!(entry["status"], 200);
        assert_eq!(
            entry["responseHeaders"]["content-type"],
            "text/event-stream"
        );
        assert_eq!(entry["requestHeaders"]["x-custom"], "yes");
        assert!(entry["ts"].as_u64().unwrap() > 1_600_000_000_000);
    }
    assert!(
        entries[0]["body"]
            .as_str()
            .unwrap()
            .ends_with("data: [DONE]\n\n")
    );
    assert!(
        entries[1]["body"]
            .as_str()
            .unwrap()
            .contains("message_stop")
    );
    assert_eq!(
        entries[1]["requestHeaders"]["anthropic-version"],
        "2023-06-01"
    );
}

#[tokio::test]
async fn rate_limit_with_retry_after_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("429.jsonl");
    let reply = FakeReply::Error {
        status: 429,
        error_type: "rate_limit_error".into(),
        message: "slow down".into(),
        retry_after: Some("7".into()),
    };
    let (recorded, replayed, recording) = record_and_replay(
        vec![
            (
                ProviderApi::AnthropicMessages,
                Credential::Token(ANTHROPIC_KEY.into()),
                reply.clone(),
            ),
            (
                ProviderApi::OpenAiCompletions,
                Credential::ApiKey(OPENAI_KEY.into()),
                reply,
            ),
        ],
        &path,
    )
    .await;
    assert_eq!(
        recorded[0].error.as_deref(),
        Some("http 429 RateLimit rate_limit_error: slow down retry_after=Some(7s)")
    );
    assert_eq!(replayed, recorded);
    assert_no_secrets(&path);
    let call = &recording.calls[0];
    assert_eq!(call.status, Some(429));
    assert_eq!(call.response_header("retry-after"), Some("7"));
    assert_eq!(call.end, "eof");
    assert!(call.body.contains("slow down"), "{}", call.body);
}

#[tokio::test]
async fn cut_and_reset_streams_round_trip_as_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.jsonl");
    let (recorded, replayed, recording) = record_and_replay(
        vec![
            (
                ProviderApi::OpenAiCompletions,
                Credential::ApiKey(OPENAI_KEY.into()),
                tool_reply(FakeEnding::TruncatedAfter(3)),
            ),
            (
                ProviderApi::AnthropicMessages,
                Credential::ApiKey(ANTHROPIC_KEY.into()),
                tool_reply(FakeEnding::ResetAfter(6)),
            ),
        ],
        &path,
    )
    .await;
    assert_eq!(recorded[0].error.as_deref(), Some("cut"));
    assert_eq!(
        recorded[0].events,
        vec![
            ProviderEvent::ThinkingDelta("Need the weather.".into()),
            ProviderEvent::TextDelta("Checking…".into()),
        ]
    );
    assert_eq!(recorded[1].error.as_deref(), Some("transport"));
    assert!(!recorded[1].events.is_empty(), "{:?}", recorded[1]);
    assert_eq!(replayed, recorded);
    assert_eq!(recording.calls[0].end, "eof");
    assert!(!recording.calls[0].body.contains("[DONE]"));
    assert_eq!(recording.calls[1].end, "reset");
    assert!(recording.calls[1].error.is_some());
    assert!(!recording.calls[1].body.contains("message_stop"));
}

#[tokio::test]
async fn unreachable_provider_is_recorded_without_status() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("down.jsonl");
    // A port that was just free: nothing listens there.
    let port = openclaw_testkit::free_port().unwrap();
    let client = make_client(
        ProviderApi::OpenAiCompletions,
        format!("http://127.0.0.1:{port}/v1"),
        Credential::ApiKey(OPENAI_KEY.into()),
        Some(Recorder::open(&path).unwrap()),
    );
    let outcome = run(&client).await;
    assert_eq!(outcome.error.as_deref(), Some("transport"));
    let recording = Recording::load(&path).unwrap();
    assert_eq!(recording.calls[0].status, None);
    assert_eq!(recording.calls[0].end, "reset");
    assert!(recording.calls[0].error.is_some());
    assert_no_secrets(&path);

    let replay = FakeLlm::start().await.unwrap();
    replay.replay(&recording);
    let client = make_client(
        ProviderApi::OpenAiCompletions,
        replay.openai_base_url(),
        Credential::ApiKey(OPENAI_KEY.into()),
        None,
    );
    assert_eq!(run(&client).await, outcome);
}

#[tokio::test]
async fn abandoned_stream_is_recorded_as_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("abandoned.jsonl");
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::Text("first".into())],
        usage: FakeUsage::default(),
        ending: FakeEnding::StallAfter(2),
    });
    let client = make_client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        Credential::ApiKey(OPENAI_KEY.into()),
        Some(Recorder::open(&path).unwrap()),
    );
    let mut stream = client.stream(&weather_request()).await.unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        ProviderEvent::TextDelta("first".into())
    );
    assert!(
        std::fs::read_to_string(&path).unwrap().is_empty(),
        "written when the call ends, not before"
    );
    drop(stream);
    let entries = lines(&path);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["end"], "stopped");
    assert!(entries[0]["body"].as_str().unwrap().contains("first"));
}

#[tokio::test]
async fn large_bodies_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let fake = FakeLlm::start().await.unwrap();
    fake.push(FakeReply::text(&[&"x".repeat(20_000)]));
    let recorder = Recorder::open(&path).unwrap().with_max_entry_bytes(8_000);
    let client = make_client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        Credential::ApiKey(OPENAI_KEY.into()),
        Some(recorder),
    );
    // The cap limits the file, never the call.
    assert_eq!(run(&client).await.error, None);
    let entries = lines(&path);
    assert_eq!(entries[0]["bodyTruncated"], true);
    let request_len = entries[0]["request"].to_string().len();
    assert!(
        entries[0]["body"].as_str().unwrap().len() + request_len <= 8_000,
        "{}",
        entries[0]["body"].as_str().unwrap().len()
    );
}

#[tokio::test]
async fn default_reply_answers_forever_without_a_request_log() {
    let fake = FakeLlm::start().await.unwrap();
    let client = make_client(
        ProviderApi::OpenAiCompletions,
        fake.openai_base_url(),
        Credential::ApiKey(OPENAI_KEY.into()),
        None,
    );
    // Without a default an empty queue is a scripted 500.
    assert!(run(&client).await.error.unwrap().starts_with("http 500 "));
    fake.set_default_reply(Some(FakeReply::text(&["pong"])));
    fake.set_keep_requests(false);
    fake.push(FakeReply::text(&["queued first"]));
    let first = run(&client).await;
    assert_eq!(
        first.events[0],
        ProviderEvent::TextDelta("queued first".into())
    );
    for _ in 0..20 {
        let outcome = run(&client).await;
        assert_eq!(outcome.error, None);
        assert_eq!(outcome.events[0], ProviderEvent::TextDelta("pong".into()));
    }
    assert!(fake.requests().is_empty());
    assert_eq!(fake.request_count(), 22);
    fake.set_default_reply(None);
    fake.set_keep_requests(true);
    assert!(run(&client).await.error.is_some());
    assert_eq!(fake.requests().len(), 1);
}
