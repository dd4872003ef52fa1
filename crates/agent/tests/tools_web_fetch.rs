//! `web_fetch` against a real axum server on 127.0.0.1: refused without the private-network
//! opt-in, and with it: extraction, redirects, caps, timeouts and errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use openclaw_agent::tools::{LocalTool, ToolContext, ToolOutput, ToolSettings};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

const PAGE: &str = r#"<!doctype html><html><head><title>Fake Docs</title>
<script>document.write("tracking")</script><style>p{}</style></head>
<body><h1>Install</h1><p>Read the <a href="/guide">guide</a> first.</p>
<ul><li>fast</li><li>small</li></ul></body></html>"#;

async fn serve() -> SocketAddr {
    let app = Router::new()
        .route(
            "/page",
            get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE) }),
        )
        .route(
            "/json",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"b":[1,2],"a":"x"}"#,
                )
            }),
        )
        .route("/plain", get(|| async { "just text" }))
        .route(
            "/binary",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/png")],
                    vec![0x89u8, b'P', b'N', b'G', 0, 0],
                )
            }),
        )
        .route("/long", get(|| async { "0123456789".repeat(1000) }))
        .route("/huge", get(|| async { "z".repeat(200_000) }))
        .route("/redirect", get(|| async { Redirect::temporary("/page") }))
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route(
            "/to-ftp",
            get(|| async { Redirect::temporary("ftp://127.0.0.1/file") }),
        )
        .route(
            "/missing",
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    "<html><body><h1>Nope</h1><p>No such page</p></body></html>",
                )
                    .into_response()
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

fn ctx(allow_private: bool) -> ToolContext {
    let mut settings = ToolSettings::default();
    settings.web_fetch.allow_private_network = allow_private;
    ToolContext {
        workspace: std::env::temp_dir(),
        agent_id: "main".into(),
        session_key: "agent:main:main".into(),
        settings,
        cancel: CancellationToken::new(),
    }
}

async fn fetch(ctx: &ToolContext, args: Value) -> ToolOutput {
    LocalTool::WebFetch.run(ctx, &args).await
}

fn payload(out: &ToolOutput) -> Value {
    assert!(!out.is_error, "{}", out.content);
    serde_json::from_str(&out.content).unwrap()
}

#[tokio::test]
async fn loopback_is_refused_without_the_opt_in() {
    let addr = serve().await;
    let ctx = ctx(false);
    for url in [
        format!("http://{addr}/page"),
        format!("http://localhost:{}/page", addr.port()),
        format!("http://[::ffff:127.0.0.1]:{}/page", addr.port()),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/".to_owned(),
    ] {
        let out = fetch(&ctx, json!({"url": url})).await;
        assert!(out.is_error, "{url} was fetched: {}", out.content);
        assert!(out.content.contains("blocked"), "{url}: {}", out.content);
        assert!(
            out.content.contains("dangerouslyAllowPrivateNetwork"),
            "{}",
            out.content
        );
    }
}

#[tokio::test]
async fn names_resolving_to_loopback_are_refused_after_resolution() {
    let addr = serve().await;
    // A host name (not "localhost") that /etc/hosts maps to loopback, when the machine has one.
    let Some(name) = ["vm", "runsc", "ip6-localhost", "localhost.localdomain.test"]
        .into_iter()
        .find(|name| {
            std::net::ToSocketAddrs::to_socket_addrs(&(*name, 80))
                .is_ok_and(|mut addrs| addrs.all(|a| a.ip().is_loopback()))
        })
    else {
        eprintln!("no loopback alias in /etc/hosts; resolver path covered by unit tests only");
        return;
    };
    let url = format!("http://{name}:{}/page", addr.port());
    let out = fetch(&ctx(false), json!({"url": url})).await;
    assert!(out.is_error, "{}", out.content);
    assert!(
        out.content.contains(&format!("{name} resolves to")),
        "{}",
        out.content
    );
    let ok = fetch(&ctx(true), json!({"url": url})).await;
    assert!(!ok.is_error, "{}", ok.content);
}

#[tokio::test]
async fn html_becomes_markdown_with_metadata() {
    let addr = serve().await;
    let out = fetch(&ctx(true), json!({"url": format!("http://{addr}/page")})).await;
    let body = payload(&out);
    assert_eq!(body["status"], 200);
    assert_eq!(body["contentType"], "text/html");
    assert_eq!(body["title"], "Fake Docs");
    assert_eq!(body["extractMode"], "markdown");
    assert_eq!(body["extractor"], "html");
    assert_eq!(body["truncated"], false);
    assert_eq!(body["finalUrl"], format!("http://{addr}/page"));
    let text = body["text"].as_str().unwrap();
    assert_eq!(
        text,
        format!("# Install\n\nRead the [guide](http://{addr}/guide) first.\n\n- fast\n- small")
    );
    assert_eq!(body["length"], text.chars().count());
    assert!(body["fetchedAt"].as_str().unwrap().ends_with('Z'));

    let out = fetch(
        &ctx(true),
        json!({"url": format!("http://{addr}/page"), "extractMode": "text"}),
    )
    .await;
    assert_eq!(
        payload(&out)["text"],
        "Install\n\nRead the guide first.\n\n- fast\n- small"
    );
}

#[tokio::test]
async fn json_plain_and_binary_bodies() {
    let addr = serve().await;
    let ctx = ctx(true);
    let body = payload(&fetch(&ctx, json!({"url": format!("http://{addr}/json")})).await);
    assert_eq!(body["extractor"], "json");
    assert_eq!(
        body["text"],
        "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": \"x\"\n}"
    );
    let body = payload(&fetch(&ctx, json!({"url": format!("http://{addr}/plain")})).await);
    assert_eq!(body["text"], "just text");
    assert_eq!(body["contentType"], "text/plain");
    let body = payload(&fetch(&ctx, json!({"url": format!("http://{addr}/binary")})).await);
    assert_eq!(
        body["text"],
        "[binary content of type image/png, 6 bytes, not shown]"
    );
}

#[tokio::test]
async fn redirects_are_followed_and_checked_per_hop() {
    let addr = serve().await;
    let ctx = ctx(true);
    let body = payload(&fetch(&ctx, json!({"url": format!("http://{addr}/redirect")})).await);
    assert_eq!(body["url"], format!("http://{addr}/redirect"));
    assert_eq!(body["finalUrl"], format!("http://{addr}/page"));
    assert_eq!(body["title"], "Fake Docs");

    let out = fetch(&ctx, json!({"url": format!("http://{addr}/loop")})).await;
    assert!(
        out.is_error && out.content.contains("too many redirects"),
        "{}",
        out.content
    );

    let mut no_hops = ctx.clone();
    no_hops.settings.web_fetch.max_redirects = 0;
    let out = fetch(&no_hops, json!({"url": format!("http://{addr}/redirect")})).await;
    assert!(
        out.is_error && out.content.contains("more than 0"),
        "{}",
        out.content
    );

    let out = fetch(&ctx, json!({"url": format!("http://{addr}/to-ftp")})).await;
    assert!(
        out.is_error && out.content.contains("must be http or https"),
        "{}",
        out.content
    );
}

#[tokio::test]
async fn max_chars_and_byte_caps() {
    let addr = serve().await;
    let mut ctx = ctx(true);
    let body = payload(
        &fetch(
            &ctx,
            json!({"url": format!("http://{addr}/long"), "maxChars": 150}),
        )
        .await,
    );
    assert_eq!(body["truncated"], true);
    assert_eq!(body["length"], 150);
    assert_eq!(body["text"].as_str().unwrap().len(), 150);

    // Below the minimum is raised to 100; above the cap is lowered to it.
    let body = payload(
        &fetch(
            &ctx,
            json!({"url": format!("http://{addr}/long"), "maxChars": 5}),
        )
        .await,
    );
    assert_eq!(body["length"], 100);
    ctx.settings.web_fetch.max_chars_cap = 300;
    let body = payload(
        &fetch(
            &ctx,
            json!({"url": format!("http://{addr}/long"), "maxChars": 5000}),
        )
        .await,
    );
    assert_eq!(body["length"], 300);

    ctx.settings.web_fetch.max_response_bytes = 1000;
    ctx.settings.web_fetch.max_chars_cap = 50_000;
    let body = payload(&fetch(&ctx, json!({"url": format!("http://{addr}/huge")})).await);
    assert_eq!(body["text"].as_str().unwrap().len(), 1000);
    assert!(
        body["warning"]
            .as_str()
            .unwrap()
            .contains("truncated after 1000 bytes")
    );
}

#[tokio::test]
async fn errors_timeouts_and_cancellation() {
    let addr = serve().await;
    let mut ctx = ctx(true);
    let out = fetch(&ctx, json!({"url": format!("http://{addr}/missing")})).await;
    assert!(out.is_error);
    assert!(
        out.content.contains("answered HTTP 404 Not Found: Nope"),
        "{}",
        out.content
    );
    assert!(out.content.contains("No such page"), "{}", out.content);

    for (url, expected) in [
        ("notaurl", "invalid URL"),
        ("file:///etc/passwd", "must be http or https"),
        ("javascript:alert(1)", "must be http or https"),
    ] {
        let out = fetch(&ctx, json!({"url": url})).await;
        assert!(
            out.is_error && out.content.contains(expected),
            "{url}: {}",
            out.content
        );
    }

    ctx.settings.web_fetch.timeout = Duration::from_millis(400);
    let started = Instant::now();
    let out = fetch(&ctx, json!({"url": format!("http://{addr}/slow")})).await;
    assert!(
        out.is_error && out.content.contains("did not finish within"),
        "{}",
        out.content
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    ctx.settings.web_fetch.timeout = Duration::from_secs(30);
    let cancel = ctx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let out = fetch(&ctx, json!({"url": format!("http://{addr}/slow")})).await;
    assert!(
        out.is_error && out.content.contains("cancelled"),
        "{}",
        out.content
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    ctx.settings.web_fetch.enabled = false;
    let out = fetch(&ctx, json!({"url": format!("http://{addr}/page")})).await;
    assert!(
        out.is_error && out.content.contains("tools.web.fetch.enabled"),
        "{}",
        out.content
    );
}
