//! Start-up benchmarks: spawn → first `GET /health` 200, idle RSS, WS handshakes/s.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::gateway::{self, TOKEN};
use crate::procfs::{self, mib};

/// Cold starts timed (the median is reported).
const RUNS: usize = 15;

fn time_to_healthy(bin: &Path) -> anyhow::Result<Duration> {
    let (gw, started) = gateway::spawn(bin, gateway::minimal_config())?;
    loop {
        if gateway::health_ok(gw.port) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(10) {
            bail!(
                "gateway did not become healthy within 10 s; its log:\n{}",
                gw.log_tail()
            );
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

async fn one_handshake(url: &str) -> anyhow::Result<()> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    let challenge = ws.next().await.context("closed before challenge")??;
    let challenge: Value = serde_json::from_str(challenge.to_text()?)?;
    if challenge["event"] != "connect.challenge" {
        bail!("expected challenge, got {challenge}");
    }
    let connect = json!({"type":"req","id":"1","method":"connect","params":{
        "minProtocol":3,"maxProtocol":3,
        "client":{"id":"cli","version":"bench","platform":"linux","mode":"cli"},
        "caps":[],"auth":{"token":TOKEN},"role":"operator","scopes":["operator.admin"]}});
    ws.send(Message::text(connect.to_string())).await?;
    let hello = ws.next().await.context("closed before hello")??;
    let hello: Value = serde_json::from_str(hello.to_text()?)?;
    if hello["ok"] != true {
        bail!("handshake failed: {hello}");
    }
    ws.close(None).await?;
    Ok(())
}

async fn handshakes_per_sec(port: u16, total: usize, concurrency: usize) -> anyhow::Result<f64> {
    let url = format!("ws://127.0.0.1:{port}/");
    let started = Instant::now();
    let per_task = total / concurrency;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                one_handshake(&url).await?;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((per_task * concurrency) as f64 / started.elapsed().as_secs_f64())
}

/// Idle RSS of a gateway logged in to a (fake) Discord with the seed's guild config, 10 s after
/// the login.
async fn idle_rss_with_discord(bin: &Path) -> anyhow::Result<u64> {
    use openclaw_testkit::fake_discord::{FakeDiscord, GUILD_ID};
    let discord = FakeDiscord::start().await?;
    let mut config = gateway::minimal_config();
    config["channels"] = serde_json::json!({"discord": {
        "groupPolicy": "allowlist",
        "guilds": {GUILD_ID.to_string(): {"channels": {"general": {"allow": true, "requireMention": false}}}},
    }});
    let (gateway_url, api_url) = (discord.gateway_url(), discord.api_url());
    let (mut gw, _) = gateway::spawn_with_env(
        bin,
        config,
        &[
            ("DISCORD_BOT_TOKEN", discord.token()),
            ("OPENCLAW_DISCORD_GATEWAY_URL", &gateway_url),
            ("OPENCLAW_DISCORD_API_URL", &api_url),
        ],
    )?;
    gw.wait_healthy().await?;
    discord
        .wait_identified(1, Duration::from_secs(10))
        .await
        .map_err(|e| anyhow::anyhow!("the gateway did not log in to the fake Discord: {e}"))?;
    tokio::time::sleep(Duration::from_secs(10)).await;
    procfs::rss_kib(gw.pid())
}

/// Runs the start-up measurements and prints their table. Targets from the issue: ≤ 20 ms to
/// healthy, ≤ 10 MB idle RSS.
pub async fn run(bin: &Path) -> anyhow::Result<()> {
    let mut starts = Vec::new();
    for _ in 0..RUNS {
        starts.push(time_to_healthy(bin)?);
    }
    starts.sort();
    let median = starts[RUNS / 2];
    let worst = starts[RUNS - 1];

    let (mut gw, _) = gateway::spawn(bin, gateway::minimal_config())?;
    gw.wait_healthy().await?;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_rss = procfs::rss_kib(gw.pid())?;
    let rate = handshakes_per_sec(gw.port, 2000, 4).await?;
    let after_rss = procfs::rss_kib(gw.pid())?;

    println!("## Start-up");
    println!();
    println!("| metric | value | target |");
    println!("|---|---|---|");
    println!(
        "| spawn → /health 200 (median of {RUNS}) | {:.2} ms (worst {:.2} ms) | ≤ 20 ms |",
        median.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
    println!(
        "| idle RSS after 10 s | {:.1} MB | ≤ 10 MB |",
        mib(idle_rss)
    );
    let discord_rss = idle_rss_with_discord(bin).await?;
    println!(
        "| idle RSS after 10 s, Discord connected (fake Discord) | {:.1} MB | ≤ 20 MB |",
        mib(discord_rss)
    );
    println!("| WS handshakes/s (4 clients, 2000 total) | {rate:.0} | — |");
    println!(
        "| RSS after the handshake run | {:.1} MB | — |",
        mib(after_rss)
    );
    Ok(())
}
