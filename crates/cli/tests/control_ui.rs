//! The Control UI: HTTP serving (caching, compression, CSP, SPA fallback, base path, off
//! switch) and the whole UI in real headless Chromium against the real gateway and the fake
//! model. Browser steps write screenshots to `target/ui-screenshots/`; without Chromium they
//! are skipped loudly (and fail under `CI`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;
mod browser_support;
#[path = "discord_e2e/support.rs"]
mod discord_e2e_support;
mod ws_support;

use std::time::Duration;

use browser_support::Browser;
use browser_support::flows::{MODULE_CHECKS, browser_flow, paging_flow, queue_replies};
use openclaw_testkit::fake_llm::{FakeLlm, FakeReply};
use openclaw_testkit::{GatewayProcess, GatewaySpawn, HttpResponse, http_get, http_request};
use serde_json::json;
use ws_support::{TOKEN, start_gateway};

async fn get(gateway: &ws_support::Gateway, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    http_get(gateway.process.addr(), path, headers)
        .await
        .unwrap()
}

/// The `/assets/<hash>/…` URLs the shell references.
fn asset_urls(html: &str) -> Vec<String> {
    html.split('"')
        .filter(|part| part.contains("/assets/"))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn shell_and_assets_have_caching_compression_and_a_strict_policy() {
    let gateway = start_gateway(json!({})).await.unwrap();
    let shell = get(&gateway, "/", &[]).await;
    assert_eq!(shell.status, 200);
    assert_eq!(
        shell.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(shell.header("cache-control"), Some("no-cache"));
    let csp = shell.header("content-security-policy").unwrap().to_string();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert_eq!(shell.header("x-content-type-options"), Some("nosniff"));
    let html = shell.body_text();
    assert!(
        !html.contains("<script>"),
        "the shell must not carry inline scripts"
    );
    let assets = asset_urls(&html);
    let script = assets
        .iter()
        .find(|u| u.ends_with("/js/main.js"))
        .expect("main.js referenced");
    // Every module is preloaded (no import waterfall): the list in index.html stays complete.
    let prefix = script.trim_end_matches("/js/main.js");
    let ui_js = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/js");
    for (dir, under) in [(ui_js.clone(), "js"), (ui_js.join("pages"), "js/pages")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.ends_with(".js") && name != "main.js" {
                let link = format!(r#"<link rel="modulepreload" href="{prefix}/{under}/{name}">"#);
                assert!(html.contains(&link), "ui/index.html lacks {link}");
            }
        }
    }

    for route in [
        "/chat",
        "/config",
        "/logs",
        "/sessions",
        "/overview",
        "/channels",
        "/pairing",
    ] {
        let page = get(&gateway, route, &[]).await;
        assert_eq!(page.status, 200, "{route}");
        assert_eq!(page.body_text(), html, "{route} serves the same shell");
    }
    // Only GET/HEAD of UI routes fall back to the shell.
    assert_eq!(get(&gateway, "/not-a-page", &[]).await.status, 404);
    assert_eq!(get(&gateway, "/api/anything", &[]).await.status, 404);
    let post = http_request(gateway.process.addr(), "POST", "/chat", &[], b"{}")
        .await
        .unwrap();
    assert_eq!(post.status, 404);
    let head = http_request(gateway.process.addr(), "HEAD", "/chat", &[], b"")
        .await
        .unwrap();
    assert_eq!(head.status, 200);

    let brotli = get(&gateway, script, &[("Accept-Encoding", "gzip, br")]).await;
    assert_eq!(brotli.status, 200);
    assert_eq!(brotli.header("content-encoding"), Some("br"));
    assert_eq!(
        brotli.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(brotli.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        brotli.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let gzip = get(&gateway, script, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(&gzip.body[..2], &[0x1f, 0x8b], "a gzip stream");
    let plain = get(&gateway, script, &[]).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert!(plain.body_text().contains("import"), "raw JavaScript");
    assert!(brotli.body.len() < plain.body.len() && gzip.body.len() < plain.body.len());
    // An old build's URL still gets today's file, but never cached.
    let relative = script.splitn(4, '/').nth(3).unwrap();
    let stale_url = format!("/assets/0ld0ld/{relative}");
    let stale = get(&gateway, &stale_url, &[]).await;
    assert_eq!(stale.status, 200, "{stale_url}");
    assert_eq!(stale.header("cache-control"), Some("no-cache"));
    assert_eq!(
        get(&gateway, "/assets/x/../../Cargo.toml", &[])
            .await
            .status,
        404
    );
    assert_eq!(get(&gateway, "/assets/x/missing.js", &[]).await.status, 404);

    // Process figures need the secret.
    assert_eq!(get(&gateway, "/ui-api/process", &[]).await.status, 401);
    let bearer = format!("Bearer {TOKEN}");
    let stats = get(&gateway, "/ui-api/process", &[("Authorization", &bearer)]).await;
    assert_eq!(stats.status, 200);
    let stats = stats.body_json().unwrap();
    assert!(stats["rssBytes"].as_u64().unwrap() > 1024 * 1024, "{stats}");
    assert!(stats["wsConnections"].is_number(), "{stats}");

    // The WebSocket still upgrades on UI paths, and probes still answer JSON.
    let url = format!("ws://{}/chat", gateway.process.addr());
    let (mut ws, hello) = openclaw_testkit::WsClient::connect_ok(
        &url,
        &openclaw_testkit::HandshakeOptions {
            client_id: "webchat-ui".into(),
            client_mode: "ui".into(),
            min_protocol: 3,
            max_protocol: 4,
            token: Some(TOKEN.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(hello["protocol"], 4);
    let _ = ws.close(1000, "done").await;
    let health = get(&gateway, "/health", &[]).await;
    assert_eq!(health.body_json().unwrap()["ok"], true);
}

#[tokio::test]
async fn base_path_moves_the_ui_and_enabled_false_removes_it() {
    let gateway = start_gateway(json!({"gateway": {"controlUi": {"basePath": "/console/"}}}))
        .await
        .unwrap();
    assert_eq!(get(&gateway, "/", &[]).await.status, 404);
    assert_eq!(get(&gateway, "/chat", &[]).await.status, 404);
    let bare = get(&gateway, "/console", &[]).await;
    assert_eq!(bare.status, 308);
    assert_eq!(bare.header("location"), Some("/console/"));
    let shell = get(&gateway, "/console/logs", &[]).await;
    assert_eq!(shell.status, 200);
    let html = shell.body_text();
    assert!(
        html.contains(r#"<meta name="openclaw-base" content="/console/">"#),
        "{html}"
    );
    for url in asset_urls(&html) {
        assert!(url.starts_with("/console/assets/"), "{url}");
        assert_eq!(get(&gateway, &url, &[]).await.status, 200, "{url}");
    }
    drop(gateway);

    let off = start_gateway(json!({"gateway": {"controlUi": {"enabled": false}}}))
        .await
        .unwrap();
    assert_eq!(get(&off, "/", &[]).await.status, 404);
    assert_eq!(get(&off, "/chat", &[]).await.status, 404);
    assert_eq!(get(&off, "/health", &[]).await.status, 200);
}

#[tokio::test]
async fn override_directory_serves_files_from_disk_uncached() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>dev %ASSETS%</p>").unwrap();
    std::fs::write(dir.path().join("x.js"), "export const x = 1;").unwrap();
    let spawn = GatewaySpawn::new(ws_support::bin())
        .args(["gateway", "--allow-unconfigured", "--token", TOKEN])
        .env("OPENCLAW_CONTROL_UI_DIR", dir.path().to_str().unwrap());
    let mut process = GatewayProcess::spawn(spawn).await.unwrap();
    process.wait_healthy(Duration::from_secs(20)).await.unwrap();
    let addr = process.addr();
    let get = |path: &'static str, headers: &'static [(&'static str, &'static str)]| async move {
        http_get(addr, path, headers).await.unwrap()
    };
    let shell = get("/", &[]).await;
    assert_eq!(shell.body_text(), "<p>dev /assets/dev</p>");
    let script = get("/assets/dev/x.js", &[("Accept-Encoding", "br")]).await;
    assert_eq!(script.body_text(), "export const x = 1;");
    assert_eq!(script.header("cache-control"), Some("no-cache"));
    assert_eq!(script.header("content-encoding"), None);
}

/// The UI's pure modules, run in the browser: Markdown safety and rendering, and the config
/// path locator that puts validation errors on their line.
#[tokio::test]
async fn markdown_and_config_locator_in_the_browser() {
    let Some(browser) = Browser::start("markdown_and_config_locator_in_the_browser")
        .await
        .unwrap()
    else {
        return;
    };
    let gateway = start_gateway(json!({})).await.unwrap();
    let result = async {
        browser
            .goto(&format!("http://{}/", gateway.process.addr()))
            .await?;
        browser.wait_for("#login-secret").await?;
        browser.js(MODULE_CHECKS, vec![]).await
    }
    .await;
    browser.close().await;
    let checks = result.unwrap();
    let expected = json!({
        "inert": 0,
        // Images are never loaded: `![i](url)` becomes a plain link to the image.
        "links": ["https://x/y.png", "https://ok.example/a", "https://docs.example/x", "mailto:me@example.com"],
        "rawTextKept": true,
        "heading": "H3",
        "list": ["one", "two"],
        "ordered": "3",
        "code": "let x = 1 < 2;\n<b>not bold</b>",
        "table": ["a", "b", "1", "2"],
        "nested": "bold and italic",
        "escaped": "*not em*",
        "keyLine": 5,
        "itemLine": 7,
        "missingKeyLine": 3,
        "positionLine": 9,
        "brokenInput": true,
    });
    assert_eq!(checks, expected);
}

/// Under a base path: history paging, Enter to send, the agent picker, and a visible
/// reconnect when the gateway restarts.
#[tokio::test]
async fn history_paging_agents_keyboard_and_reconnect_under_a_base_path() {
    let Some(browser) = Browser::start("history_paging_agents_keyboard_and_reconnect")
        .await
        .unwrap()
    else {
        return;
    };
    let fake = FakeLlm::start().await.unwrap();
    fake.set_default_reply(Some(FakeReply::text(&["ok"])));
    let gateway = agent_support::start(
        &fake,
        json!({
            "gateway": {"controlUi": {"basePath": "/console"}},
            // SIGUSR1 restarts in-process only when allowed.
            "commands": {"restart": true},
            "agents": {"list": [{"id": "main", "default": true}, {"id": "helper", "name": "Helper"}]},
        }),
    )
    .await;
    // 26 turns = 52 messages, more than the UI's first page of 50.
    let mut ws = agent_support::client(&gateway).await;
    for turn in 0..26 {
        let run = format!("seed-{turn}");
        let sent = ws
            .request(
                "chat.send",
                json!({"sessionKey": "main", "message": format!("m{turn}"), "idempotencyKey": run}),
            )
            .await
            .unwrap();
        assert!(sent.is_ok(), "{sent:?}");
        agent_support::chat_end(&mut ws, &run).await;
    }
    let result = browser_support::guarded(paging_flow(&browser, &gateway)).await;
    if result.is_err() {
        let _ = browser.screenshot("failure-paging").await;
    }
    browser.close().await;
    result.unwrap();
    // The restart closed the seeding connection.
    let mut ws = agent_support::client(&gateway).await;
    let sessions = ws
        .request("sessions.list", json!({}))
        .await
        .unwrap()
        .unwrap();
    let keys: Vec<&str> = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["key"].as_str())
        .collect();
    assert!(keys.contains(&"agent:helper:main"), "{keys:?}");
}

#[tokio::test]
async fn control_ui_in_a_real_browser() {
    let Some(browser) = Browser::start("control_ui_in_a_real_browser")
        .await
        .unwrap()
    else {
        return;
    };
    let fake = FakeLlm::start().await.unwrap();
    queue_replies(&fake);
    let gateway = agent_support::start(&fake, json!({})).await;
    let result = browser_support::guarded(browser_flow(&browser, &gateway)).await;
    if result.is_err() {
        let _ = browser.screenshot("failure").await;
    }
    browser.close().await;
    result.unwrap();
}

/// Channels and Pairing with a live (fake) Discord account.
#[tokio::test]
async fn discord_account_state_and_pairing_approval_in_the_browser() {
    use openclaw_testkit::fake_discord::{FakeDiscord, GUILD_ID, UserSpec};
    let Some(browser) = Browser::start("discord_account_state_and_pairing_approval")
        .await
        .unwrap()
    else {
        return;
    };
    let discord = FakeDiscord::start().await.unwrap();
    discord.add_user(UserSpec::human(browser_support::discord::CAROL_ID, "carol"));
    let model = FakeLlm::start().await.unwrap();
    model.set_default_reply(Some(FakeReply::text(&["Hi Carol."])));
    let gateway = discord_e2e_support::start_logged_in(
        &discord,
        &model,
        discord_e2e_support::seed_discord(GUILD_ID),
        None,
    )
    .await;
    let flow = browser_support::discord::discord_flow(&browser, &gateway, &discord);
    let result = browser_support::guarded(flow).await;
    if result.is_err() {
        let _ = browser.screenshot("failure-discord").await;
    }
    browser.close().await;
    result.unwrap();
}
