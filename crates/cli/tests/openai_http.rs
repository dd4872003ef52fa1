//! The OpenAI-compatible HTTP endpoints (`/v1/chat/completions`, `/v1/responses`,
//! `/v1/models`) through the real binary, answered by a fake model over real sockets.
//! Shapes are checked against the 2026.9.6 captures (`v96-http.jsonl`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "openai_http/support.rs"]
mod support;

use std::time::Duration;

use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage};
use serde_json::{Value, json};
use support::{TOKEN, config, get, post, request, sse_frames, start, transcript};

const CHAT: &str = "/v1/chat/completions";
const RESPONSES: &str = "/v1/responses";
const HELLO: [&str; 6] = ["Hello", " from", " the", " fake", " model", "."];

fn hello_reply() -> FakeReply {
    FakeReply::Stream {
        steps: HELLO.iter().map(|c| FakeStep::Text((*c).into())).collect(),
        usage: FakeUsage {
            input: 12,
            output: 6,
            ..FakeUsage::default()
        },
        ending: FakeEnding::Complete,
    }
}

fn user(text: &str) -> Value {
    json!([{"role": "user", "content": text}])
}

/// The last request the fake received.
fn last_request(fake: &FakeLlm) -> Value {
    fake.requests()
        .last()
        .expect("the fake saw a request")
        .body
        .clone()
}

#[tokio::test]
async fn endpoints_are_off_by_default() {
    let fake = FakeLlm::start().await.unwrap();
    let gateway = start(config(&fake, json!({}), None)).await;
    let addr = gateway.addr();
    let body = json!({"model": "openclaw", "messages": user("hi")});
    for path in [CHAT, RESPONSES] {
        let response = post(addr, path, &body, &[]).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body_text());
    }
    assert_eq!(get(addr, "/v1/models").await.status, 404);
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn a_websocket_upgrade_on_a_v1_path_still_reaches_the_gateway_protocol() {
    let fake = FakeLlm::start().await.unwrap();
    let gateway = start(config(
        &fake,
        json!({"chatCompletions": {"enabled": true}}),
        None,
    ))
    .await;
    // OpenClaw upgrades on any path; the HTTP routes must not answer an upgrade instead.
    for path in [CHAT, "/v1/models"] {
        let url = format!("{}{path}", gateway.url().trim_end_matches('/'));
        let mut client = openclaw_testkit::WsClient::connect_raw(&url).await.unwrap();
        let challenge = client.recv_json(Duration::from_secs(10)).await.unwrap();
        assert_eq!(
            challenge["event"], "connect.challenge",
            "{path}: {challenge}"
        );
    }
}

#[tokio::test]
async fn chat_completions_follow_the_openai_contract() {
    let fake = FakeLlm::start().await.unwrap();
    let endpoints = json!({"chatCompletions": {"enabled": true}});
    let gateway = start(config(&fake, endpoints, None)).await;
    let addr = gateway.addr();
    let hi = json!({"model": "openclaw", "messages": user("hi")});

    // Auth: missing and wrong tokens get OpenClaw's exact 401 body.
    for auth in [
        None,
        Some("Bearer nope"),
        Some(format!("Bearer {TOKEN}x").as_str()),
    ] {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(auth) = auth {
            headers.push(("Authorization", auth));
        }
        let response = request(addr, "POST", CHAT, &headers, hi.to_string().as_bytes())
            .await
            .unwrap();
        assert_eq!(response.status, 401, "{auth:?}");
        assert_eq!(
            response.body_json().unwrap(),
            json!({"error": {"message": "Unauthorized", "type": "unauthorized"}})
        );
    }
    // GET: 405 text, before auth.
    let response = request(addr, "GET", CHAT, &[], &[]).await.unwrap();
    assert_eq!(response.status, 405);
    assert_eq!(response.header("allow"), Some("POST"));
    assert_eq!(response.body_text(), "Method Not Allowed");
    // Bad JSON, missing message, bad model: 400 invalid_request_error, no model call.
    let auth = format!("Bearer {TOKEN}");
    let bad = request(
        addr,
        "POST",
        CHAT,
        &[("Authorization", &auth)],
        b"{not json",
    )
    .await
    .unwrap();
    assert_eq!(bad.status, 400);
    let bad = bad.body_json().unwrap();
    assert_eq!(bad["error"]["type"], "invalid_request_error");
    assert!(
        bad["error"]["message"].as_str().unwrap().contains("JSON"),
        "{bad}"
    );
    let missing = post(addr, CHAT, &json!({"model": "openclaw"}), &[]).await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body_json().unwrap(),
        json!({"error": {"message": "Missing user message in `messages`.", "type": "invalid_request_error"}})
    );
    let system_only = json!({"messages": [{"role": "system", "content": "be nice"}]});
    assert_eq!(post(addr, CHAT, &system_only, &[]).await.status, 400);
    let bad_model = post(
        addr,
        CHAT,
        &json!({"model": "gpt-4o", "messages": user("hi")}),
        &[],
    )
    .await;
    assert_eq!(bad_model.status, 400);
    assert_eq!(
        bad_model.body_json().unwrap()["error"]["message"],
        "Invalid `model`. Use `openclaw` or `openclaw/<agentId>`."
    );
    let unknown = post(
        addr,
        CHAT,
        &json!({"model": "openclaw/ghost", "messages": user("hi")}),
        &[],
    )
    .await;
    assert_eq!(unknown.status, 400, "{}", unknown.body_text());
    assert_eq!(fake.request_count(), 0);

    // Non-stream answer: the captured shape, usage from the run.
    fake.push(hello_reply());
    let body = json!({"model": "openclaw:main", "messages": user("hi over http")});
    let response = post(addr, CHAT, &body, &[]).await;
    assert_eq!(response.status, 200, "{}", response.body_text());
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let mut completion = response.body_json().unwrap();
    let id = completion["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("chatcmpl_"), "{id}");
    assert!(completion["created"].as_u64().unwrap() > 1_700_000_000);
    completion["id"] = json!("X");
    completion["created"] = json!(0);
    assert_eq!(
        completion,
        json!({
            "id": "X", "object": "chat.completion", "created": 0, "model": "openclaw:main",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello from the fake model."},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 6, "total_tokens": 18},
        })
    );
    assert_eq!(
        transcript(&last_request(&fake)).last().unwrap(),
        "user: hi over http"
    );

    // Stream: role chunk, one chunk per delta, the v4 finish chunk, [DONE].
    fake.push(hello_reply());
    let body =
        json!({"model": "openclaw", "stream": true, "messages": user("hi over http stream")});
    let response = post(addr, CHAT, &body, &[]).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let frames = sse_frames(&response.body_text());
    assert_eq!(frames.last().unwrap().data, "[DONE]");
    let chunks: Vec<Value> = frames[..frames.len() - 1]
        .iter()
        .map(|f| f.json())
        .collect();
    let id = chunks[0]["id"].as_str().unwrap();
    assert!(id.starts_with("chatcmpl_"));
    for chunk in &chunks {
        assert_eq!(chunk["id"], id);
        assert_eq!(chunk["object"], "chat.completion.chunk");
        assert_eq!(chunk["model"], "openclaw");
    }
    assert_eq!(
        chunks[0]["choices"],
        json!([{"index": 0, "delta": {"role": "assistant"}, "finish_reason": null}])
    );
    let deltas: Vec<&str> = chunks[1..chunks.len() - 1]
        .iter()
        .map(|c| {
            assert_eq!(c["choices"][0]["finish_reason"], Value::Null);
            c["choices"][0]["delta"]["content"].as_str().unwrap()
        })
        .collect();
    assert_eq!(deltas, HELLO);
    assert_eq!(
        chunks.last().unwrap()["choices"],
        json!([{"index": 0, "delta": {}, "finish_reason": "stop"}])
    );

    // `stream_options.include_usage` adds a usage chunk before [DONE].
    fake.push(hello_reply());
    let body = json!({"stream": true, "stream_options": {"include_usage": true}, "messages": user("usage?")});
    let response = post(addr, CHAT, &body, &[]).await;
    let frames = sse_frames(&response.body_text());
    let usage = frames[frames.len() - 2].json();
    assert_eq!(usage["choices"], json!([]));
    assert_eq!(usage["usage"]["total_tokens"], 18);

    // `/v1/models` is served because chat completions are on; `/v1/responses` is not.
    let models = get(addr, "/v1/models").await;
    assert_eq!(models.status, 200);
    let models = models.body_json().unwrap();
    assert_eq!(models["object"], "list");
    let ids: Vec<&str> = models["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "openclaw",
            "openclaw/default",
            "openclaw/main",
            "openclaw/beta"
        ]
    );
    assert_eq!(
        models["data"][0],
        json!({"id": "openclaw", "object": "model", "created": 0, "owned_by": "openclaw", "permission": []})
    );
    let beta = get(addr, "/v1/models/openclaw/beta").await;
    assert_eq!(beta.status, 200);
    assert_eq!(beta.body_json().unwrap()["id"], "openclaw/beta");
    assert_eq!(get(addr, "/v1/models/openclaw/ghost").await.status, 404);
    let no_auth = request(addr, "GET", "/v1/models", &[], &[]).await.unwrap();
    assert_eq!(no_auth.status, 401);
    let post_models = post(addr, "/v1/models", &json!({}), &[]).await;
    assert_eq!(post_models.status, 405);
    assert_eq!(post_models.header("allow"), Some("GET"));
    assert_eq!(
        post(addr, RESPONSES, &json!({"input": "hi"}), &[])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn sessions_agents_and_failures() {
    let fake = FakeLlm::start().await.unwrap();
    let endpoints = json!({"chatCompletions": {"enabled": true}});
    let gateway = start(config(&fake, endpoints, None)).await;
    let addr = gateway.addr();
    let ask = |text: &str, extra: Value| {
        let mut body = json!({"model": "openclaw", "messages": user(text)});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };

    // The same `user` continues one session: the second model call carries the first turn.
    fake.push(FakeReply::text(&["first answer"]));
    fake.push(FakeReply::text(&["second answer"]));
    let first = post(
        addr,
        CHAT,
        &ask("first question", json!({"user": "alice"})),
        &[],
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body_text());
    let second = post(
        addr,
        CHAT,
        &ask("second question", json!({"user": "alice"})),
        &[],
    )
    .await;
    assert_eq!(
        second.body_json().unwrap()["choices"][0]["message"]["content"],
        "second answer"
    );
    let seen = transcript(&last_request(&fake));
    let tail: Vec<&str> = seen
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "user: first question",
            "assistant: first answer",
            "user: second question"
        ],
        "{seen:?}"
    );

    // Without `user` or a session header every request is a fresh session.
    fake.push(FakeReply::text(&["one"]));
    fake.push(FakeReply::text(&["two"]));
    post(addr, CHAT, &ask("stateless one", json!({})), &[]).await;
    post(addr, CHAT, &ask("stateless two", json!({})), &[]).await;
    let seen = transcript(&last_request(&fake));
    assert!(
        !seen.iter().any(|line| line.contains("stateless one")),
        "{seen:?}"
    );

    // `x-openclaw-session-key` pins a session, whatever `user` says.
    fake.push(FakeReply::text(&["pinned one"]));
    fake.push(FakeReply::text(&["pinned two"]));
    let pin = [("x-openclaw-session-key", "agent:main:pinned-thread")];
    post(addr, CHAT, &ask("pin a", json!({"user": "bob"})), &pin).await;
    post(addr, CHAT, &ask("pin b", json!({"user": "carol"})), &pin).await;
    let seen = transcript(&last_request(&fake));
    assert!(seen.contains(&"user: pin a".to_owned()), "{seen:?}");
    assert!(
        seen.contains(&"assistant: pinned one".to_owned()),
        "{seen:?}"
    );

    // Agent selection: `beta` uses model fake-2, by `model` field or by header.
    fake.push(FakeReply::text(&["from beta"]));
    let by_model = json!({"model": "openclaw/beta", "messages": user("who are you")});
    let response = post(addr, CHAT, &by_model, &[]).await;
    assert_eq!(response.body_json().unwrap()["model"], "openclaw/beta");
    assert_eq!(last_request(&fake)["model"], "fake-2");
    fake.push(FakeReply::text(&["from beta again"]));
    post(
        addr,
        CHAT,
        &ask("and you", json!({})),
        &[("x-openclaw-agent-id", "beta")],
    )
    .await;
    assert_eq!(last_request(&fake)["model"], "fake-2");
    fake.push(FakeReply::text(&["from main"]));
    post(
        addr,
        CHAT,
        &json!({"model": "agent:main", "messages": user("main?")}),
        &[],
    )
    .await;
    assert_eq!(last_request(&fake)["model"], "fake-1");

    // Earlier messages and system prompts are folded in as OpenClaw does.
    fake.push(FakeReply::text(&["folded"]));
    let history = json!({"messages": [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "old question"},
        {"role": "assistant", "content": "old answer"},
        {"role": "user", "content": "new question"},
    ]});
    post(addr, CHAT, &history, &[]).await;
    let body = last_request(&fake);
    let seen = transcript(&body);
    assert!(
        seen[0].starts_with("system: ") && seen[0].contains("Answer in French."),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().unwrap(),
        "user: [Chat messages since your last reply - for context]\nUser: old question\nAssistant: old answer\n\n[Current message - respond to this]\nUser: new question"
    );

    // A failing run: 500 with the run's error; in a stream, an error event then [DONE].
    fake.push(FakeReply::error(
        400,
        "invalid_request_error",
        "the fake refuses",
    ));
    let failed = post(addr, CHAT, &ask("fail please", json!({})), &[]).await;
    assert_eq!(failed.status, 500, "{}", failed.body_text());
    let error = failed.body_json().unwrap();
    assert_eq!(error["error"]["type"], "api_error");
    assert!(!error["error"]["message"].as_str().unwrap().is_empty());
    fake.push(FakeReply::error(
        400,
        "invalid_request_error",
        "the fake refuses",
    ));
    let failed = post(
        addr,
        CHAT,
        &ask("fail streaming", json!({"stream": true})),
        &[],
    )
    .await;
    assert_eq!(failed.status, 200);
    let frames = sse_frames(&failed.body_text());
    assert_eq!(frames.len(), 3, "{frames:?}");
    assert_eq!(frames[0].json()["choices"][0]["delta"]["role"], "assistant");
    assert_eq!(frames[1].json()["error"]["type"], "api_error");
    assert_eq!(frames[2].data, "[DONE]");

    // A client that hangs up mid-stream does not hurt the gateway; its run still completes.
    fake.push(FakeReply::text(&["slow", " answer"]).delayed(Duration::from_millis(300)));
    let body = ask("hang up", json!({"stream": true, "user": "quitter"}));
    let calls_before = fake.request_count();
    {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let text = body.to_string();
        let head = format!(
            "POST {CHAT} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        // Hang up only once the stream has started and the model call is under way.
        let mut first = [0u8; 512];
        let read = tokio::io::AsyncReadExt::read(&mut stream, &mut first)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&first[..read]).starts_with("HTTP/1.1 200"));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while fake.request_count() == calls_before {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the run never called the model"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    fake.push(FakeReply::text(&["still here"]));
    let after = post(
        addr,
        CHAT,
        &ask("after the hang-up", json!({"user": "quitter"})),
        &[],
    )
    .await;
    assert_eq!(after.status, 200, "{}", after.body_text());
    let seen = transcript(&last_request(&fake));
    assert!(
        seen.contains(&"assistant: slow answer".to_owned()),
        "{seen:?}"
    );
}

#[tokio::test]
async fn responses_follow_the_openresponses_contract() {
    let fake = FakeLlm::start().await.unwrap();
    let endpoints = json!({"responses": {"enabled": true, "maxBodyBytes": 4096}});
    let rate_limit =
        json!({"maxAttempts": 2, "windowMs": 60000, "lockoutMs": 60000, "exemptLoopback": false});
    let gateway = start(config(&fake, endpoints, Some(rate_limit))).await;
    let addr = gateway.addr();

    assert_eq!(
        post(addr, CHAT, &json!({"messages": user("hi")}), &[])
            .await
            .status,
        404
    );
    assert_eq!(get(addr, "/v1/models").await.status, 200);
    assert_eq!(
        request(addr, "GET", RESPONSES, &[], &[])
            .await
            .unwrap()
            .status,
        405
    );
    let missing = post(
        addr,
        RESPONSES,
        &json!({"model": "openclaw", "input": []}),
        &[],
    )
    .await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body_json().unwrap()["error"]["message"],
        "Missing user message in `input`."
    );
    let huge = json!({"input": "x".repeat(5000)});
    let too_big = post(addr, RESPONSES, &huge, &[]).await;
    assert_eq!(too_big.status, 413, "{}", too_big.body_text());
    assert_eq!(
        too_big.body_json().unwrap()["error"]["type"],
        "invalid_request_error"
    );

    // Non-stream.
    fake.push(hello_reply());
    let response = post(
        addr,
        RESPONSES,
        &json!({"model": "openclaw", "input": "hi via responses"}),
        &[],
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body_text());
    let mut resource = response.body_json().unwrap();
    assert!(resource["id"].as_str().unwrap().starts_with("resp_"));
    assert!(
        resource["output"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("msg_")
    );
    resource["id"] = json!("R");
    resource["created_at"] = json!(0);
    resource["output"][0]["id"] = json!("M");
    assert_eq!(
        resource,
        json!({
            "id": "R", "object": "response", "created_at": 0, "status": "completed", "model": "openclaw",
            "output": [{"type": "message", "id": "M", "role": "assistant",
                        "content": [{"type": "output_text", "text": "Hello from the fake model."}],
                        "phase": "final_answer", "status": "completed"}],
            "usage": {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                      "output_tokens": 6, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 18},
        })
    );
    assert_eq!(
        transcript(&last_request(&fake)).last().unwrap(),
        "user: hi via responses"
    );

    // Stream: the captured event sequence.
    fake.push(hello_reply());
    let body = json!({"model": "openclaw", "stream": true, "instructions": "Be terse.",
                      "input": [{"type": "message", "role": "user", "content": "hi via responses stream"}]});
    let response = post(addr, RESPONSES, &body, &[]).await;
    assert_eq!(response.status, 200);
    let frames = sse_frames(&response.body_text());
    let kinds: Vec<&str> = frames
        .iter()
        .map(|f| f.event.as_deref().unwrap_or("-"))
        .collect();
    let mut expected = vec![
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ];
    expected.extend(std::iter::repeat_n(
        "response.output_text.delta",
        HELLO.len(),
    ));
    expected.extend([
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
        "-",
    ]);
    assert_eq!(kinds, expected);
    assert_eq!(frames.last().unwrap().data, "[DONE]");
    for frame in &frames[..frames.len() - 1] {
        assert_eq!(frame.json()["type"].as_str(), frame.event.as_deref());
    }
    let deltas: String = frames[4..4 + HELLO.len()]
        .iter()
        .map(|f| f.json()["delta"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(deltas, "Hello from the fake model.");
    let completed = frames[frames.len() - 2].json();
    assert_eq!(completed["response"]["status"], "completed");
    assert_eq!(completed["response"]["usage"]["total_tokens"], 18);
    assert_eq!(
        completed["response"]["output"][0]["content"][0]["text"],
        "Hello from the fake model."
    );
    let system = &last_request(&fake)["messages"][0];
    assert!(system.to_string().contains("Be terse."), "{system}");

    // A failing run: 500 with a failed response; in a stream, response.failed then [DONE].
    fake.push(FakeReply::error(400, "invalid_request_error", "nope"));
    let failed = post(addr, RESPONSES, &json!({"input": "fail"}), &[]).await;
    assert_eq!(failed.status, 500);
    let failed = failed.body_json().unwrap();
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["code"], "api_error");
    fake.push(FakeReply::error(400, "invalid_request_error", "nope"));
    let failed = post(
        addr,
        RESPONSES,
        &json!({"input": "fail", "stream": true}),
        &[],
    )
    .await;
    let frames = sse_frames(&failed.body_text());
    let tail: Vec<&str> = frames
        .iter()
        .rev()
        .take(2)
        .map(|f| f.event.as_deref().unwrap_or(f.data.as_str()))
        .collect();
    assert_eq!(tail, ["[DONE]", "response.failed"]);

    // Auth failures count toward the rate limit (loopback not exempt here): the address is
    // then refused with 429 even with the right token.
    for _ in 0..2 {
        let wrong = request(
            addr,
            "POST",
            RESPONSES,
            &[("Authorization", "Bearer wrong")],
            b"{}",
        )
        .await
        .unwrap();
        assert_eq!(wrong.status, 401);
    }
    let locked = post(addr, RESPONSES, &json!({"input": "hi"}), &[]).await;
    assert_eq!(locked.status, 429, "{}", locked.body_text());
    assert!(locked.header("retry-after").is_some());
    assert_eq!(locked.body_json().unwrap()["error"]["type"], "rate_limited");
}

#[tokio::test]
async fn concurrent_requests_are_serialized_per_session_and_parallel_across_sessions() {
    let fake = FakeLlm::start().await.unwrap();
    let endpoints = json!({"chatCompletions": {"enabled": true}});
    let gateway = start(config(&fake, endpoints, None)).await;
    let addr = gateway.addr();

    // 8 first requests to one new session at once: all succeed, one after the other, each
    // model call seeing the previous answer.
    for i in 1..=8 {
        let answer = format!("answer-{i}");
        fake.push(FakeReply::text(&[answer.as_str()]).delayed(Duration::from_millis(100)));
    }
    let requests = (1..=8).map(|i| {
        let body = json!({"model": "openclaw", "messages": user(&format!("question-{i}"))});
        async move {
            post(
                addr,
                CHAT,
                &body,
                &[("x-openclaw-session-key", "agent:main:burst")],
            )
            .await
        }
    });
    let responses = futures_util::future::join_all(requests).await;
    for response in &responses {
        assert_eq!(response.status, 200, "{}", response.body_text());
    }
    let calls: Vec<Vec<String>> = fake
        .requests()
        .iter()
        .map(|r| transcript(&r.body))
        .collect();
    assert_eq!(calls.len(), 8);
    for (index, call) in calls.iter().enumerate() {
        let answers = call
            .iter()
            .filter(|line| line.starts_with("assistant: answer-"))
            .count();
        assert_eq!(answers, index, "call {index} saw {call:?}");
        if index > 0 {
            let previous = format!("assistant: answer-{index}");
            assert!(
                call.contains(&previous),
                "call {index} lacks {previous}: {call:?}"
            );
        }
    }

    // 64 requests to 64 sessions at once all succeed.
    fake.set_default_reply(Some(FakeReply::text(&["parallel ok"])));
    let requests = (0..64).map(|i| {
        let body = json!({"messages": user(&format!("hello {i}")), "user": format!("user-{i}")});
        async move { post(addr, CHAT, &body, &[]).await }
    });
    let responses = futures_util::future::join_all(requests).await;
    for response in &responses {
        assert_eq!(response.status, 200, "{}", response.body_text());
        assert_eq!(
            response.body_json().unwrap()["choices"][0]["message"]["content"],
            "parallel ok"
        );
    }
    assert_eq!(fake.request_count(), 8 + 64);
}
