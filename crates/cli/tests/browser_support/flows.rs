//! The browser flows of `tests/control_ui.rs`: what a person does page by page, with the
//! checks after each step. Helpers that the flows share live in `steps.rs`.

use openclaw_testkit::fake_llm::{FakeEnding, FakeLlm, FakeReply, FakeStep, FakeUsage};
use serde_json::json;

use super::Browser;
use super::steps::{config_steps, logs_steps, pairing_steps};
use crate::ws_support::{self, TOKEN};

/// Largest first load allowed (compressed, as transferred).
const PAYLOAD_BUDGET_BYTES: f64 = 150.0 * 1024.0;

pub const MODULE_CHECKS: &str = r#"
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

/// Text replies for the chat steps, in the order the browser test sends its messages.
pub fn queue_replies(fake: &FakeLlm) {
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

pub async fn browser_flow(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
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

pub async fn paging_flow(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
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
