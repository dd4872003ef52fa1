//! Page steps of the main browser flow: config editing, the live log, pairing.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Browser;
use crate::ws_support::{self, TOKEN};

pub async fn config_steps(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
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

pub async fn logs_steps(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
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

pub async fn pairing_steps(browser: &Browser, gateway: &ws_support::Gateway) -> anyhow::Result<()> {
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
