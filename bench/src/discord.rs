//! Discord end to end: messages from users of a fake Discord, answered by the instant fake
//! model through the release gateway (ingress stored, access policy, routing, agent turn,
//! transcript, reply over REST). Reports messages/s, gateway CPU per message and the gateway's
//! peak RSS (the deploy issue's memory budget: 256 MB with a 10× margin).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use openclaw_testkit::fake_discord::{
    ChannelSpec, FakeDiscord, GUILD_ID, IncomingMessage, USER_ID,
};

use crate::fake_model::FakeModel;
use crate::gateway;
use crate::procfs::{self, mib};

/// First id of the extra text channels the messages are spread over (one session each).
const FIRST_CHANNEL: u64 = 1_300_000_000_000_010_000;

#[derive(Debug, Clone)]
pub struct DiscordOptions {
    pub messages: u64,
    pub channels: u64,
}

impl Default for DiscordOptions {
    fn default() -> Self {
        Self {
            messages: 2000,
            channels: 16,
        }
    }
}

pub async fn run(bin: &Path, options: &DiscordOptions) -> anyhow::Result<()> {
    let fake = FakeModel::start()?;
    let discord = FakeDiscord::start().await?;
    let channels: Vec<u64> = (0..options.channels.max(1))
        .map(|i| FIRST_CHANNEL + i)
        .collect();
    for (i, id) in channels.iter().enumerate() {
        discord.add_channel(ChannelSpec::text(*id, GUILD_ID, &format!("bench-{i}")))?;
    }
    let mut config = gateway::turns_config(&fake.base_url());
    config["channels"] = serde_json::json!({"discord": {
        "groupPolicy": "allowlist",
        "guilds": {GUILD_ID.to_string(): {"channels": {"*": {"allow": true, "requireMention": false}}}},
    }});
    config["bindings"] = serde_json::json!([{"agentId": "main", "match": {"channel": "discord"}}]);
    // Every message gets its own turn and reply (the default `collect` mode would fold the
    // messages that arrive while a channel's session is busy into one follow-up turn).
    config["messages"] = serde_json::json!({"queue": {"mode": "followup"}});
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
        .context("the gateway did not log in to the fake Discord")?;
    let pid = gw.pid();
    let idle_rss = procfs::rss_kib(pid)?;
    let idle_split = procfs::rss_split_kib(pid)?;
    let cpu_before = procfs::cpu_time(&pid.to_string())?;
    let started = Instant::now();
    for n in 0..options.messages {
        let channel = channels[(n % channels.len() as u64) as usize];
        discord.send_message(&IncomingMessage::in_channel(
            channel,
            USER_ID,
            &format!("message {n}"),
        ))?;
    }
    let expected = usize::try_from(options.messages).unwrap_or(usize::MAX);
    discord
        .wait_until(
            "every message answered",
            Duration::from_secs(20 + options.messages / 10),
            |d| d.sent_messages().len() >= expected,
        )
        .await
        .with_context(|| {
            format!(
                "not every message was answered; gateway log:\n{}",
                gw.log_tail()
            )
        })?;
    let elapsed = started.elapsed();
    let cpu = procfs::cpu_time(&pid.to_string())?.saturating_sub(cpu_before);
    let peak = procfs::peak_rss_kib(pid)?;
    let after = procfs::rss_kib(pid)?;
    let threads = procfs::threads_by_name(pid)?;
    let after_split = procfs::rss_split_kib(pid)?;
    let rate = options.messages as f64 / elapsed.as_secs_f64();
    let mut calls: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for call in discord.rest_calls() {
        let shape: Vec<&str> = call
            .path
            .split('/')
            .map(|part| {
                if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() {
                    "{id}"
                } else {
                    part
                }
            })
            .collect();
        *calls
            .entry(format!("{} {}", call.method, shape.join("/")))
            .or_default() += 1;
    }
    println!("## Discord end to end (release gateway, fake Discord, instant fake model)");
    println!();
    println!(
        "{} messages from one user spread over {} allowlisted channels (one session each), sent \
         at once (queue mode followup: one turn and one reply per message); every one stored in \
         the ingress, checked, routed, answered and replied to over REST. Machine: {}.",
        options.messages,
        channels.len(),
        procfs::machine_line()
    );
    println!();
    println!("| metric | value | target |");
    println!("|---|---|---|");
    println!("| messages answered per second | {rate:.0} | — |");
    println!(
        "| gateway CPU per message | {} µs | — |",
        cpu.as_micros() / u128::from(options.messages.max(1))
    );
    println!(
        "| gateway RSS, logged in, before | {:.1} MB | — |",
        mib(idle_rss)
    );
    println!("| gateway RSS after | {:.1} MB | — |", mib(after));
    println!(
        "| of which anonymous (heap, stacks), before → after | {:.1} → {:.1} MB | — |",
        mib(idle_split.0),
        mib(after_split.0)
    );
    println!(
        "| of which file-backed (the binary's pages), before → after | {:.1} → {:.1} MB | — |",
        mib(idle_split.1),
        mib(after_split.1)
    );
    println!(
        "| gateway peak RSS (VmHWM) | {:.1} MB | ≤ 25.6 MB (256 MB / 10) |",
        mib(peak)
    );
    println!(
        "| gateway threads after | {} ({}) | — |",
        threads.values().sum::<usize>(),
        threads
            .iter()
            .map(|(name, n)| format!("{name} ×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();
    let listed: Vec<String> = calls
        .iter()
        .map(|(route, n)| format!("{route} ×{n}"))
        .collect();
    println!("REST calls the gateway made: {}.", listed.join(", "));
    Ok(())
}
