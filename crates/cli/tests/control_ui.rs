//! The Control UI: HTTP serving (caching, compression, CSP, SPA fallback, base path, off
//! switch) and the whole UI in real headless Chromium against the real gateway and the fake
//! model. Browser steps write screenshots to `target/ui-screenshots/`; without Chromium they
//! are skipped loudly (and fail under `CI`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;
mod browser_support;
mod ws_support;

use std::time::{Duration, Instant};

use browser_support::Browser;
use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage};
use openclaw_testkit::{GatewayProcess, GatewaySpawn, HttpResponse, http_get, http_request};
use serde_json::{Value, json};
use ws_support::{TOKEN, start_gateway};

const FLOW_LIMIT: Duration = Duration::from_secs(300);
const PAYLOAD_BUDGET_BYTES: f64 = 150.0 * 1024.0;

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

const MODULE_CHECKS: &str = r#"
return (async () => {
  const base = document.querySelector('script[type=module]').src.replace(/main\.js$/, '');
  const md = await import(base + 'markdown.js');
  const loc = await import(base + 'json5lines.js');
  const render = (t) => { const d = document.createElement('div'); d.append(md.renderMarkdown(t)); return d; };
  const evil = render('<script>alert(1)</script>\n\n<b>x</b> <iframe src=x></iframe> ![i](https://x/y.png) ' +
    '[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](java\tscript:alert(1)) [d](data:text/html,hi) ' +
    '[e](vbscript:x) <https://ok.example/a> [docs](https://docs.example/x) [mail](mailto:me@example.com)');
  const rich = render('# Title\n\n- one\n- two\n\n3. three\n\n```js\nlet x = 1 < 2;\n<b>not bold</b>\n```\n\n' +
    '| a | b |\n|---|---|\n| 1 | 2 |\n\n**bold and _italic_**\n\n\\*not em\\*');
  const text = '{\n  // comment\n  gateway: {\n    port: 1,\n    \'auth\': { token: "x" },\n  },\n' +
    '  agents: { list: [ { id: "a" }, { id: "b" } ] },\n}';
  let brokenInput = true;
  try { loc.pathLines('{ "a": [ {"b": "unterminated'); loc.pathLines('}}]]'); } catch { brokenInput = false; }
  return {
    inert: evil.querySelectorAll('script,b,iframe,img,[onerror]').length,
    links: [...evil.querySelectorAll('a')].map((a) => a.getAttribute('href')),
    rawTextKept: evil.textContent.includes('<script>alert(1)</script>') && evil.textContent.includes('image: i') && !evil.textContent.includes('!image'),
    heading: rich.querySelector('h3')?.tagName,
    list: [...rich.querySelectorAll('ul li')].map((li) => li.textContent),
    ordered: rich.querySelector('ol')?.getAttribute('start'),
    code: rich.querySelector('pre code')?.textContent,
    table: [...rich.querySelectorAll('th,td')].map((c) => c.textContent),
    nested: rich.querySelector('strong')?.textContent,
    escaped: [...rich.querySelectorAll('p')].pop()?.textContent,
    keyLine: loc.pathLines(text).get('gateway.auth.token'),
    itemLine: loc.issueLine({ path: 'agents.list[1].id' }, text),
    missingKeyLine: loc.issueLine({ path: 'gateway.missing.deep' }, text),
    positionLine: loc.issueLine({ path: 'x', message: '/tmp/s/openclaw.json:9:2: unexpected token' }, text),
    brokenInput,
  };
})();
"#;

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
    let result = match tokio::time::timeout(FLOW_LIMIT, paging_flow(&browser, &gateway)).await {
        Ok(result) => result,
        Err(_) => Err(anyhow::anyhow!(
            "the browser flow did not finish within {FLOW_LIMIT:?}"
        )),
    };
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

async fn paging_flow(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
    let base = format!("http://{}/console", gateway.process.addr());
    browser.goto(&format!("{base}/chat#token={TOKEN}")).await?;
    browser
        .wait_js(
            "chat ready",
            "performance.getEntriesByName('openclaw:chat-ready').length",
        )
        .await?;
    let count = "document.querySelectorAll('.messages .msg').length";
    assert_eq!(
        browser.js(&format!("return {count}"), vec![]).await?,
        json!(50)
    );
    browser.click(".older").await?;
    browser
        .wait_js("older page", &format!("{count} === 52"))
        .await?;
    browser.wait_text(".messages .msg", "m0").await?;
    browser
        .wait_js("no more pages", "document.querySelector('.older').hidden")
        .await?;
    // Links stay under the base path.
    let href = browser
        .js(
            "return document.querySelector('nav a[data-route=logs]').getAttribute('href')",
            vec![],
        )
        .await?;
    assert_eq!(href, json!("/console/logs"));

    // Enter sends (Shift+Enter would add a line).
    browser
        .type_into("#chat-input", "sent with enter\u{E007}")
        .await?;
    browser
        .wait_js("reply after enter", &format!("{count} >= 54"))
        .await?;
    browser.wait_text(".messages", "sent with enter").await?;

    // The agent picker switches to that agent's main session.
    browser
        .js(
            "const s = document.getElementById('chat-agent'); s.value = 'helper'; \
             s.dispatchEvent(new Event('change')); return true;",
            vec![],
        )
        .await?;
    browser
        .wait_text("#chat-session", "agent:helper:main")
        .await?;
    browser.wait_text(".messages", "No messages yet").await?;
    browser
        .type_into("#chat-input", "hello helper\u{E007}")
        .await?;
    browser.wait_text(".messages .msg.assistant", "ok").await?;

    // A restart is visible in the header, and the page reconnects by itself.
    // Every state the header shows is recorded, so a quick restart cannot slip between polls.
    browser
        .js(
            "const c = document.getElementById('conn'); window.__states = []; \
             new MutationObserver(() => window.__states.push(c.dataset.state + ': ' + c.textContent)) \
               .observe(c, {attributes: true, childList: true, subtree: true}); return true;",
            vec![],
        )
        .await?;
    gateway.process.signal(openclaw_testkit::Signal::Usr1)?;
    browser
        .wait_js(
            "reconnect shown",
            "window.__states.some((s) => s.startsWith('waiting') && s.includes('Reconnecting'))",
        )
        .await?;
    browser
        .wait_js(
            "reconnected",
            "window.__states.length && window.__states[window.__states.length - 1].startsWith('connected')",
        )
        .await?;
    let states = browser.js("return window.__states", vec![]).await?;
    println!("Header during an in-process restart: {states}");
    // Overview works under the base path too (its process figures come over HTTP).
    browser.click("nav a[data-route=overview]").await?;
    browser.wait_text(".cards", "MiB").await?;
    Ok(())
}

/// Text replies for the chat steps, in the order the browser test sends its messages.
fn queue_replies(fake: &FakeLlm) {
    fake.push(FakeReply::text(&[
        "Hello from **the fake** model.\n\n",
        "```rust\nfn main() {}\n```\n\n",
        "<img src=x onerror=alert(1)> and [a trap](javascript:alert(1)) and [docs](https://docs.openclaw.ai/)",
    ]));
    fake.push(FakeReply::Stream {
        steps: vec![FakeStep::ToolCall {
            id: "call_1".into(),
            name: "read".into(),
            arguments: r#"{"path":"no-such-file.txt"}"#.into(),
        }],
        usage: FakeUsage::default(),
        ending: FakeEnding::Complete,
    });
    fake.push(FakeReply::text(&["Done with the tool."]));
    fake.push(FakeReply::Stream {
        steps: vec![
            FakeStep::Text("Partial answer ".into()),
            FakeStep::Text("that never ends".into()),
        ],
        usage: FakeUsage::default(),
        ending: FakeEnding::StallAfter(3),
    });
    fake.push(FakeReply::text(&["Second reply."]));
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
    // A page stuck in a script blocks WebDriver calls; bound the whole flow so that shows
    // up as a failure naming the last step (see the `[browser]` lines) instead of a hang.
    let result = match tokio::time::timeout(FLOW_LIMIT, browser_flow(&browser, &gateway)).await {
        Ok(result) => result,
        Err(_) => Err(anyhow::anyhow!(
            "the browser flow did not finish within {FLOW_LIMIT:?}"
        )),
    };
    if result.is_err() {
        let _ = browser.screenshot("failure").await;
    }
    browser.close().await;
    result.unwrap();
}

async fn browser_flow(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
    let base = format!("http://{}", gateway.process.addr());

    // First load: the login form; measure what the first load transferred.
    browser.goto(&format!("{base}/")).await?;
    browser.wait_for("#login-secret").await?;
    let sizes = browser
        .wait_js(
            "resource timing",
            "(() => { const n = performance.getEntriesByType('navigation')[0]; \
               const r = performance.getEntriesByType('resource'); \
               if (!n || !r.length) return null; \
               return { transfer: n.transferSize + r.reduce((s, e) => s + e.transferSize, 0), \
                        decoded: n.decodedBodySize + r.reduce((s, e) => s + e.decodedBodySize, 0), \
                        files: r.length + 1 }; })()",
        )
        .await?;
    let transfer = sizes["transfer"].as_f64().unwrap_or(f64::MAX);
    println!(
        "UI first load: {:.1} KiB transferred (compressed, headers included) for {} files, {:.1} KiB uncompressed",
        transfer / 1024.0,
        sizes["files"],
        sizes["decoded"].as_f64().unwrap_or(0.0) / 1024.0
    );
    assert!(
        transfer <= PAYLOAD_BUDGET_BYTES,
        "first load is {transfer} bytes, over the 150 KiB budget"
    );
    browser.screenshot("login").await?;

    // Wrong token: refused, clearly, and no reconnect loop.
    browser.type_into("#login-secret", "not-the-token").await?;
    browser.click("#login-form button[type=submit]").await?;
    let refused = browser.wait_text("#login-error", "refused").await?;
    assert!(refused.contains("token mismatch"), "{refused}");
    browser
        .wait_js(
            "rejected state",
            "document.getElementById('conn').dataset.state === 'rejected'",
        )
        .await?;
    browser.screenshot("login-wrong-token").await?;

    // Right token: the chat page connects.
    browser.type_into("#login-secret", TOKEN).await?;
    browser.click("#login-form button[type=submit]").await?;
    browser
        .wait_js(
            "connected",
            "document.getElementById('conn').dataset.state === 'connected'",
        )
        .await?;
    browser.wait_for("#chat-input").await?;
    browser.wait_text("#chat-agent", "main").await?;

    // A streamed, markdown-rendered reply; raw HTML and javascript: links stay inert.
    browser.type_into("#chat-input", "Hi there").await?;
    browser.click("#chat-send").await?;
    browser
        .wait_text(".messages", "Hello from the fake model.")
        .await?;
    browser.wait_js("final reply rendered", "!document.querySelector('.msg.streaming') && document.querySelector('.msg.assistant .codeblock code')").await?;
    let rendered = browser
        .js(
            "const m = [...document.querySelectorAll('.msg.assistant')].pop(); return { \
               strong: m.querySelector('strong')?.textContent, \
               code: m.querySelector('.codeblock code')?.textContent, \
               imgs: document.querySelectorAll('.messages img').length, \
               js: document.querySelectorAll('.messages a[href^=\"javascript\"]').length, \
               docs: m.querySelector('a[href=\"https://docs.openclaw.ai/\"]')?.textContent, \
               text: m.textContent };",
            vec![],
        )
        .await?;
    assert_eq!(rendered["strong"], "the fake", "{rendered}");
    assert_eq!(rendered["code"], "fn main() {}", "{rendered}");
    assert_eq!(rendered["imgs"], 0, "raw HTML must not render: {rendered}");
    assert_eq!(
        rendered["js"], 0,
        "javascript: links must not render: {rendered}"
    );
    assert_eq!(rendered["docs"], "docs", "{rendered}");
    assert!(
        rendered["text"]
            .as_str()
            .unwrap_or("")
            .contains("<img src=x"),
        "raw HTML shows as text: {rendered}"
    );
    browser.screenshot("chat").await?;

    // A tool call, shown collapsed.
    browser
        .type_into("#chat-input", "Use a tool please")
        .await?;
    browser.click("#chat-send").await?;
    browser
        .wait_text(".messages", "Done with the tool.")
        .await?;
    let tool = browser
        .wait_js("tool call block", "(() => { const d = document.querySelector('.messages details.tool'); return d && { open: d.open, text: d.textContent }; })()")
        .await?;
    assert_eq!(tool["open"], false, "{tool}");
    assert!(
        tool["text"].as_str().unwrap_or("").contains("read"),
        "{tool}"
    );

    // Abort: the partial reply streams in, Stop ends it, the partial text is kept.
    browser
        .type_into("#chat-input", "Tell me a long story")
        .await?;
    browser.click("#chat-send").await?;
    browser
        .wait_text(".msg.assistant.streaming", "Partial answer")
        .await?;
    browser.wait_for("#chat-stop").await?;
    browser.screenshot("chat-streaming").await?;
    browser.click("#chat-stop").await?;
    browser.wait_text(".chat-status", "Reply stopped").await?;
    browser.wait_js("streaming ended", "!document.querySelector('.msg.streaming') && document.getElementById('chat-stop').hidden").await?;
    browser.wait_text(".messages", "Partial answer").await?;

    // New session: a fresh key, its own history.
    browser.click("#chat-new").await?;
    browser.wait_text("#chat-session", "(new)").await?;
    let new_key = browser
        .js(
            "return document.getElementById('chat-session').value",
            vec![],
        )
        .await?;
    let new_key = new_key.as_str().unwrap_or_default().to_string();
    assert!(new_key.starts_with("agent:main:ui-"), "{new_key}");
    browser
        .type_into("#chat-input", "Second session hello")
        .await?;
    browser.click("#chat-send").await?;
    browser.wait_text(".messages", "Second reply.").await?;
    let messages = browser.wait_text(".messages", "Second reply.").await?;
    assert!(
        !messages.contains("Hi there"),
        "a new session starts empty: {messages}"
    );

    // Sessions: the main session with its channel, tokens and a preview.
    browser.click("nav a[data-route=sessions]").await?;
    browser.wait_for("tr[data-key='agent:main:main']").await?;
    let row = browser
        .wait_text("tr[data-key='agent:main:main']", "webchat")
        .await?;
    assert!(row.contains("fake"), "model column: {row}");
    browser
        .click("tr[data-key='agent:main:main'] td.actions button")
        .await?;
    browser
        .wait_text(
            "tr[data-key='agent:main:main'] + tr .preview-cell",
            "Hi there",
        )
        .await?;
    browser.screenshot("sessions").await?;
    // Reset and delete (both ask first) act on the second session only.
    let row = format!("tr[data-key='{new_key}']");
    browser.wait_for(&row).await?;
    browser
        .click(&format!("{row} td.actions button:nth-child(3)"))
        .await?;
    browser.client.accept_alert().await?;
    browser
        .wait_text("main .page", &format!("Reset {new_key}"))
        .await?;
    browser
        .click(&format!("{row} td.actions button.danger"))
        .await?;
    browser.client.accept_alert().await?;
    browser
        .wait_text("main .page", &format!("Deleted {new_key}"))
        .await?;
    browser
        .wait_js(
            "row removed",
            &format!("!document.querySelector(\"{row}\")"),
        )
        .await?;
    browser.wait_for("tr[data-key='agent:main:main']").await?;

    config_steps(browser, gateway).await?;
    logs_steps(browser, gateway).await?;

    // Channels: renders whatever channels.status returns.
    browser.click("nav a[data-route=channels]").await?;
    browser
        .wait_js("channels page", "document.querySelector('.page[data-page=channels] table, .page[data-page=channels] .empty')")
        .await?;
    browser.screenshot("channels").await?;

    pairing_steps(browser, gateway).await?;

    // Overview: version, uptime, memory, clients.
    browser.click("nav a[data-route=overview]").await?;
    let overview = browser.wait_text(".cards", "MiB").await?;
    assert!(overview.contains("Connected clients"), "{overview}");
    browser.screenshot("overview").await?;
    browser.click("#theme").await?; // auto → light
    browser.click("#theme").await?; // light → dark
    browser
        .wait_js(
            "dark theme",
            "document.documentElement.dataset.theme === 'dark'",
        )
        .await?;
    browser.screenshot("overview-dark").await?;

    // Phone-sized screen.
    browser.resize(390, 844).await?;
    browser
        .wait_js("phone layout", "window.innerWidth <= 400")
        .await?;
    browser.click("nav a[data-route=chat]").await?;
    browser.wait_text(".messages", "Partial answer").await?;
    browser.screenshot("chat-phone").await?;
    browser.resize(1280, 900).await?;

    // Nothing on any page tripped the Content-Security-Policy.
    let violations = browser
        .js(
            "return document.documentElement.dataset.cspViolations || '0'",
            vec![],
        )
        .await?;
    assert_eq!(
        violations,
        json!("0"),
        "CSP violations (see the browser console)"
    );

    // Logout forgets the secret.
    browser.click("#logout").await?;
    browser.wait_for("#login-secret").await?;
    browser.goto(&format!("{base}/chat")).await?;
    browser.wait_for("#login-secret").await?;

    // Tokenized link: consumed, removed from the URL; time to interactive chat.
    browser.goto("about:blank").await?;
    browser.goto(&format!("{base}/chat#token={TOKEN}")).await?;
    let ready = browser
        .wait_js(
            "chat ready",
            "performance.getEntriesByName('openclaw:chat-ready')[0]?.startTime",
        )
        .await?;
    let url = browser.js("return location.href", vec![]).await?;
    assert!(
        !url.as_str().unwrap_or("").contains(TOKEN),
        "token left in the URL: {url}"
    );
    println!(
        "Time to interactive chat (navigation start to history shown, tokenized link): {:.0} ms",
        ready.as_f64().unwrap_or(-1.0)
    );
    Ok(())
}

async fn config_steps(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
    browser.click("nav a[data-route=config]").await?;
    let original = browser
        .wait_js(
            "config loaded",
            "document.getElementById('config-editor').value",
        )
        .await?;
    let original = original.as_str().unwrap_or("").to_string();
    assert!(
        original.contains("__OPENCLAW_REDACTED__"),
        "the token is redacted: {original}"
    );
    assert!(
        !original.contains(TOKEN),
        "the token never reaches the browser"
    );

    // A JSON5 syntax error: the server's file:line:col marks line 3.
    browser
        .set_value("#config-editor", "{\n  gateway: {\n    port: ,\n  },\n}\n")
        .await?;
    browser.click("#config-save").await?;
    browser
        .wait_for("#config-issues li button[data-line='3']")
        .await?;

    // A validation error (unknown key) is marked at its line.
    let mut parsed: Value = serde_json::from_str(&original)?;
    parsed["gateway"]["bogusKey"] = json!(true);
    let text = serde_json::to_string_pretty(&parsed)?;
    let line = text
        .lines()
        .position(|l| l.contains("\"bogusKey\""))
        .unwrap()
        + 1;
    browser.set_value("#config-editor", &text).await?;
    browser.click("#config-save").await?;
    browser.wait_text("#config-result", "Not saved").await?;
    browser
        .wait_for(&format!("#config-issues li button[data-line='{line}']"))
        .await?;
    browser
        .wait_for(&format!(".gutter div.bad[data-line='{line}']"))
        .await?;
    let issues = browser.wait_text("#config-issues", "bogusKey").await?;
    assert!(issues.contains(&format!("Line {line}")), "{issues}");
    browser.screenshot("config-error").await?;

    // A valid apply (baseHash from the load): saved, gateway restarts, the page reconnects.
    let mut valid: Value = serde_json::from_str(&original)?;
    valid["agents"]["defaults"]["timeoutSeconds"] = json!(321);
    browser
        .set_value("#config-editor", &serde_json::to_string_pretty(&valid)?)
        .await?;
    browser.click("#config-apply").await?;
    browser.wait_text("#config-result", "restarts in").await?;
    let on_disk = std::fs::read_to_string(gateway.process.config_path())?;
    assert!(
        on_disk.contains("321") && !on_disk.contains("bogusKey"),
        "{on_disk}"
    );
    assert!(
        on_disk.contains(TOKEN),
        "the redacted token was restored, not overwritten: {on_disk}"
    );
    // After the restart the connection comes back by itself.
    let restarted = Instant::now();
    gateway
        .process
        .wait_for_line("restarted after config.apply", Duration::from_secs(30))
        .await?;
    browser
        .wait_js(
            "reconnected after restart",
            "document.getElementById('conn').dataset.state === 'connected'",
        )
        .await?;
    println!(
        "Reconnected {:.1}s after Save & restart was answered (2 s restart delay included)",
        restarted.elapsed().as_secs_f64()
    );
    browser.click("#config-reload").await?;
    browser
        .wait_js(
            "reloaded config",
            "document.getElementById('config-editor').value.includes('321')",
        )
        .await?;
    browser.screenshot("config").await?;
    Ok(())
}

async fn logs_steps(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
    browser.click("nav a[data-route=logs]").await?;
    browser.wait_for("#logs-out .line").await?;
    // Live tail: a line written now shows up without reloading.
    let before = std::fs::read_to_string(&gateway.log_file)?.lines().count();
    let url = format!("ws://{}/", gateway.process.addr());
    let _ = openclaw_testkit::WsClient::handshake(
        &url,
        &openclaw_testkit::HandshakeOptions {
            token: Some("wrong-token-for-the-log".into()),
            ..Default::default()
        },
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let new_line = loop {
        let text = std::fs::read_to_string(&gateway.log_file)?;
        if let Some(line) = text
            .lines()
            .skip(before)
            .find(|l| l.contains("WARN") || l.contains("INFO"))
        {
            break line.to_string();
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the gateway wrote no log line after a failed connect"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let record: Value = serde_json::from_str(&new_line)?;
    let message = ["1", "2"]
        .iter()
        .find_map(|k| record[*k].as_str())
        .unwrap_or_default()
        .chars()
        .take(30)
        .collect::<String>();
    browser.wait_text("#logs-out", &message).await?;
    // Search narrows the view to matching lines.
    browser.type_into("#logs-search", &message).await?;
    let shown = browser
        .js(
            "return [...document.querySelectorAll('#logs-out .line')].map(l => l.textContent)",
            vec![],
        )
        .await?;
    let shown = shown.as_array().cloned().unwrap_or_default();
    assert!(
        !shown.is_empty()
            && shown
                .iter()
                .all(|l| l.as_str().unwrap_or("").contains(&message)),
        "{shown:?}"
    );
    browser.set_value("#logs-search", "").await?;
    browser.screenshot("logs").await?;
    // The level filter hides lines below it.
    browser
        .js("const s = document.getElementById('logs-level'); s.value = 'FATAL'; s.dispatchEvent(new Event('change')); return true;", vec![])
        .await?;
    let fatal_only = browser
        .js("return [...document.querySelectorAll('#logs-out .line')].every(l => l.dataset.level === 'FATAL')", vec![])
        .await?;
    assert_eq!(fatal_only, json!(true));
    Ok(())
}

/// `2026-11-24T23:50:00.000Z` for now (the pairing file's timestamp format).
fn iso_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

async fn pairing_steps(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
    // Two people messaged the Discord bot and wait for approval.
    let credentials = gateway.state_dir().join("credentials");
    std::fs::create_dir_all(&credentials)?;
    let now = iso_now();
    let pending = json!({"version": 1, "requests": [
        {"id": "111111111111111111", "code": "APPRV234", "createdAt": now, "lastSeenAt": now,
         "meta": {"tag": "alice#0001", "name": "Alice"}},
        {"id": "222222222222222222", "code": "DENYM567", "createdAt": now, "lastSeenAt": now},
    ]});
    std::fs::write(
        credentials.join("discord-pairing.json"),
        serde_json::to_string_pretty(&pending)?,
    )?;
    browser.click("nav a[data-route=pairing]").await?;
    browser.wait_for("tr[data-request='APPRV234']").await?;
    let row = browser
        .wait_text("tr[data-request='APPRV234']", "111111111111111111")
        .await?;
    assert!(row.contains("Alice") && row.contains("ago"), "{row}");
    browser.screenshot("pairing").await?;
    // Approve without notifying (no Discord connection in this test), deny the other.
    browser.click("#pairing-notify").await?;
    browser
        .click("tr[data-request='APPRV234'] button.primary")
        .await?;
    let approved = browser.wait_text("#pairing-status", "Approved").await?;
    assert!(
        approved.contains("111111111111111111") && approved.contains("not told"),
        "{approved}"
    );
    let allow = std::fs::read_to_string(credentials.join("discord-allowFrom.json"))?;
    assert!(allow.contains("111111111111111111"), "{allow}");
    browser
        .click("tr[data-request='DENYM567'] button.danger")
        .await?;
    browser
        .wait_text("#pairing-status", "Denied 222222222222222222")
        .await?;
    browser
        .wait_text("#pairing-out", "No pending pairing requests")
        .await?;
    let allow = std::fs::read_to_string(credentials.join("discord-allowFrom.json"))?;
    assert!(!allow.contains("222222222222222222"), "{allow}");
    Ok(())
}
