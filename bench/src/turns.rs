//! Agent-turn benchmarks: turns/s and latency through `chat.send` and `/v1/chat/completions`
//! against the instant fake model, at several concurrencies, transcripts persisted.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::driver::{self, Outcome, Plan, TurnPath};
use crate::fake_model::{self, FakeModel};
use crate::gateway::{self, Gateway};
use crate::http_turns::{CompletionsClient, Probe};
use crate::procfs::{self, mib};
use crate::stats::{Summary, ms};

/// Name of the fake model's thread in this process (see [`FakeModel::start`]).
const FAKE_THREAD: &str = "fake-model";

#[derive(Debug, Clone)]
pub struct TurnsOptions {
    pub levels: Vec<usize>,
    pub warmup: Duration,
    pub measure: Duration,
    pub turns_per_session: u64,
    pub paths: Vec<TurnPath>,
    /// WS connection layouts per level: 0 = one connection per client; N = the clients share
    /// N connections (a layout with as many connections as clients is run once).
    pub connections: Vec<usize>,
}

impl Default for TurnsOptions {
    fn default() -> Self {
        Self {
            levels: vec![1, 8, 64],
            warmup: Duration::from_secs(1),
            measure: Duration::from_secs(6),
            turns_per_session: 50,
            paths: vec![TurnPath::ChatSend, TurnPath::Completions],
            connections: vec![0, 8],
        }
    }
}

/// CPU and request counters at one instant.
struct Counters {
    gateway_cpu: Duration,
    gateway_threads: BTreeMap<String, Duration>,
    bench_cpu: Duration,
    fake_cpu: Duration,
    model_calls: u64,
}

impl Counters {
    fn take(gateway: &Gateway, fake: &FakeModel) -> anyhow::Result<Self> {
        let pid = gateway.pid().to_string();
        let own = procfs::thread_cpu("self")?;
        Ok(Self {
            gateway_cpu: procfs::cpu_time(&pid)?,
            gateway_threads: procfs::thread_cpu(&pid)?,
            bench_cpu: procfs::cpu_time("self")?,
            fake_cpu: own.get(FAKE_THREAD).copied().unwrap_or_default(),
            model_calls: fake.requests(),
        })
    }
}

/// One concurrency level's figures.
struct Level {
    concurrency: usize,
    /// WS connections the clients used (HTTP: the client pool, shown as —).
    connections: Option<usize>,
    outcome: Outcome,
    rate: f64,
    latency: Summary,
    ack: Summary,
    /// CPU used over the whole level (warm-up included), shown per completed turn.
    gateway_cpu: Duration,
    bench_cpu: Duration,
    fake_cpu: Duration,
    model_calls: f64,
    threads: Vec<(String, Duration)>,
    rss_kib: u64,
}

pub async fn run(bin: &Path, options: &TurnsOptions) -> anyhow::Result<()> {
    let fake = FakeModel::start()?;
    let fake_alone = fake_model::direct_latency(&fake.base_url(), 1, Duration::from_secs(1))
        .await?
        .summary();
    println!(
        "## Agent turns (release gateway, instant fake model, transcripts persisted in SQLite)"
    );
    println!();
    println!("Machine: {}.", procfs::machine_line());
    println!(
        "Each client runs one turn at a time on its own session (a session serialises its turns), \
         moving to a fresh session every {} turns; warm-up {:?}, then {:?} measured per level.",
        options.turns_per_session, options.warmup, options.measure
    );
    println!(
        "The fake alone (HTTP client → fake on loopback, 1 client): p50 {} ms, p99 {} ms; \
         'overhead' below subtracts the fake's p50 from the turn latency, and the raw latency is \
         an upper bound of the gateway's overhead.",
        ms(fake_alone.p50),
        ms(fake_alone.p99)
    );
    for &path in &options.paths {
        println!();
        run_path(bin, &fake, path, options, fake_alone).await?;
    }
    Ok(())
}

async fn run_path(
    bin: &Path,
    fake: &FakeModel,
    path: TurnPath,
    options: &TurnsOptions,
    fake_alone: Summary,
) -> anyhow::Result<()> {
    let (mut gw, _) = gateway::spawn(bin, gateway::turns_config(&fake.base_url()))?;
    gw.wait_healthy().await?;
    let idle_rss = procfs::rss_kib(gw.pid())?;
    println!("### {path}");
    println!();
    match path {
        TurnPath::ChatSend => println!(
            "Each client runs one `chat.send` turn at a time and waits for the `chat` `final` \
             event of its own runId. Every run's events are broadcast to every connection (as \
             OpenClaw does), so with one connection per client the gateway writes and the bench \
             parses clients × events frames per turn; rows with fewer connections than clients \
             multiplex the clients' turns over shared connections, measuring the turn path \
             without that quadratic fan-out."
        ),
        TurnPath::Completions => {
            println!(
                "Non-streaming POSTs, Bearer token, `x-openclaw-session-key` per client, keep-alive."
            );
            let probe = CompletionsClient::new(gw.port, 1)?
                .probe("bench-http-probe")
                .await
                .context("probing /v1/chat/completions")?;
            if let Probe::Missing(why) = probe {
                println!();
                println!("**Skipped**: {why}.");
                return Ok(());
            }
        }
    }
    println!();
    let mut levels = Vec::new();
    for &concurrency in &options.levels {
        let layouts: Vec<usize> = match path {
            TurnPath::Completions => vec![0],
            TurnPath::ChatSend => {
                let mut counts: Vec<usize> = options
                    .connections
                    .iter()
                    .map(|&n| driver::ws_connections(concurrency, n))
                    .collect();
                counts.sort_unstable_by(|a, b| b.cmp(a));
                counts.dedup();
                counts
            }
        };
        for connections in layouts {
            let level = run_level(&gw, fake, path, concurrency, connections, options)
                .await
                .with_context(|| {
                    format!("{path} at {concurrency} clients over {connections} connections")
                })?;
            levels.push(level);
        }
    }
    print_table(&levels, fake_alone, idle_rss);
    Ok(())
}

async fn run_level(
    gw: &Gateway,
    fake: &FakeModel,
    path: TurnPath,
    concurrency: usize,
    connections: usize,
    options: &TurnsOptions,
) -> anyhow::Result<Level> {
    let clients = driver::connect(path, gw.port, concurrency, connections).await?;
    let before = Counters::take(gw, fake)?;
    let start = Instant::now();
    let plan = Plan {
        measure_from: start + options.warmup,
        deadline: Some(start + options.warmup + options.measure),
        budget: None,
        turns_per_session: options.turns_per_session,
        tag: format!("c{concurrency}x{connections}"),
    };
    let (outcome, clients) = driver::run(path, clients, &plan).await?;
    let after = Counters::take(gw, fake)?;
    driver::close(clients).await;
    let rss_kib = procfs::rss_kib(gw.pid())?;
    if outcome.completed == 0 {
        anyhow::bail!(
            "no turn completed; first error: {}; gateway log:\n{}",
            outcome.first_error.as_deref().unwrap_or("(none)"),
            gw.log_tail()
        );
    }
    let fake_cpu = after.fake_cpu.saturating_sub(before.fake_cpu);
    Ok(Level {
        concurrency,
        connections: (path == TurnPath::ChatSend).then_some(connections),
        rate: outcome.rate(plan.measure_from),
        latency: outcome.latency.clone().summary(),
        ack: outcome.ack.clone().summary(),
        gateway_cpu: after.gateway_cpu.saturating_sub(before.gateway_cpu),
        bench_cpu: after
            .bench_cpu
            .saturating_sub(before.bench_cpu)
            .saturating_sub(fake_cpu),
        fake_cpu,
        model_calls: after.model_calls.saturating_sub(before.model_calls) as f64
            / outcome.completed as f64,
        threads: procfs::thread_cpu_delta(&before.gateway_threads, &after.gateway_threads),
        outcome,
        rss_kib,
    })
}

/// CPU per turn in µs; `/proc` counts in 10 ms ticks, so a total below one tick is shown as
/// an upper bound rather than as zero.
fn per_turn(total: Duration, turns: u64) -> String {
    let turns = turns.max(1);
    if total.is_zero() {
        return format!("< {}", procfs::TICK.as_micros() / u128::from(turns));
    }
    format!("{}", total.as_micros() / u128::from(turns))
}

fn print_table(levels: &[Level], fake_alone: Summary, idle_rss: u64) {
    println!(
        "| clients | WS conns | turns | turns/s | p50 ms | p99 ms | max ms | p50 − fake | p99 − fake | ack p50 ms \
         | gw CPU µs/turn | bench CPU µs/turn | fake CPU µs/turn | model calls/turn | frames/turn \
         | lost events | errors | gw RSS after |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for level in levels {
        let o = &level.outcome;
        let ack = if level.ack.count == 0 {
            "—".to_owned()
        } else {
            ms(level.ack.p50)
        };
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {:.1} | {} | {} | {:.1} MB |",
            level.concurrency,
            level
                .connections
                .map_or_else(|| "—".to_owned(), |n| n.to_string()),
            level.latency.count,
            level.rate,
            ms(level.latency.p50),
            ms(level.latency.p99),
            ms(level.latency.max),
            ms(level.latency.p50.saturating_sub(fake_alone.p50)),
            ms(level.latency.p99.saturating_sub(fake_alone.p50)),
            ack,
            per_turn(level.gateway_cpu, o.completed),
            per_turn(level.bench_cpu, o.completed),
            per_turn(level.fake_cpu, o.completed),
            level.model_calls,
            o.frames as f64 / o.completed.max(1) as f64,
            o.lost_events,
            o.errors,
            mib(level.rss_kib),
        );
    }
    println!();
    println!(
        "Gateway RSS before the first turn: {:.1} MB.",
        mib(idle_rss)
    );
    for level in levels {
        if let Some(err) = &level.outcome.first_error {
            println!("First error at {} clients: {err}", level.concurrency);
        }
    }
    // The busiest row: most clients, then most connections.
    if let Some(busiest) = levels
        .iter()
        .max_by_key(|l| (l.concurrency, l.connections.unwrap_or(0)))
    {
        let total: Duration = busiest.threads.iter().map(|(_, cpu)| *cpu).sum();
        let shares: Vec<String> = busiest
            .threads
            .iter()
            .map(|(name, cpu)| {
                format!(
                    "{name} {:.0} %",
                    100.0 * cpu.as_secs_f64() / total.as_secs_f64().max(f64::EPSILON)
                )
            })
            .collect();
        println!(
            "Gateway CPU by thread at {} clients: {}.",
            busiest.concurrency,
            shares.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_per_turn_never_claims_zero() {
        assert_eq!(per_turn(Duration::from_millis(30), 100), "300");
        assert_eq!(per_turn(Duration::ZERO, 100), "< 100");
        assert_eq!(per_turn(Duration::ZERO, 0), "< 10000");
    }
}
