//! The Channels and Pairing pages against a live (fake) Discord account: the account's state,
//! a real DM pairing request approved from the browser, and a fatal close shown as `gave-up`.

use std::time::{Duration, Instant};

use openclaw_testkit::fake_discord::{FakeDiscord, IncomingMessage};
use openclaw_testkit::process::GatewayProcess;

use super::{Browser, UI_WAIT};
use crate::ws_support::TOKEN;

/// A Discord user id for the person asking to pair.
pub const CAROL_ID: u64 = 1_300_000_000_000_000_303;

pub async fn discord_flow(
    browser: &Browser,
    gateway: &GatewayProcess,
    discord: &FakeDiscord,
) -> anyhow::Result<()> {
    let base = format!("http://{}", gateway.addr());
    browser
        .goto(&format!("{base}/channels#token={TOKEN}"))
        .await?;
    let row = browser.wait_text("table.grid tbody", "connected").await?;
    assert!(row.contains("Discord") && row.contains("default"), "{row}");
    browser.screenshot("channels-discord").await?;

    // Carol DMs the bot: the gateway answers with a pairing code and lists her request.
    let dm = discord.dm_channel_id(CAROL_ID);
    discord.send_message(&IncomingMessage::dm(CAROL_ID, "hi, may I?"))?;
    let sent = discord.wait_for_messages(dm, 1, UI_WAIT).await?;
    let code = sent[0]
        .content
        .lines()
        .find_map(|l| l.strip_prefix("Pairing code: "))
        .map(|c| c.trim().to_owned())
        .ok_or_else(|| anyhow::anyhow!("no pairing code in {:?}", sent[0].content))?;
    browser.click("nav a[data-route=pairing]").await?;
    let row = format!("tr[data-request='{code}']");
    let text = browser.wait_text(&row, &CAROL_ID.to_string()).await?;
    assert!(text.contains(&code), "{text}");
    browser.screenshot("pairing-discord").await?;
    // Approve and tell her (the default): Discord receives the notice.
    browser.click(&format!("{row} button.primary")).await?;
    let status = browser.wait_text("#pairing-status", "Approved").await?;
    assert!(status.contains("they were told"), "{status}");
    discord.wait_for_messages(dm, 2, UI_WAIT).await?;
    browser
        .wait_text("#pairing-out", "No pending pairing requests")
        .await?;

    // Discord rejects the token: the account gives up and says why.
    discord.close_connections(4004, "Authentication failed");
    browser.click("nav a[data-route=channels]").await?;
    let deadline = Instant::now() + UI_WAIT;
    loop {
        let text = browser
            .js(
                "return document.querySelector('table.grid tbody')?.innerText || ''",
                vec![],
            )
            .await?;
        let text = text.as_str().unwrap_or_default().to_owned();
        if text.contains("gave-up") {
            assert!(text.contains("4004") || text.contains("token"), "{text}");
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the channel never showed gave-up: {text}"
        );
        // "Refresh" re-reads channels.status (the page also polls every 15 s).
        browser
            .js(
                "[...document.querySelectorAll('button')].find(b => b.textContent === 'Refresh').click(); return true;",
                vec![],
            )
            .await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    browser.screenshot("channels-gave-up").await?;
    Ok(())
}
