//! The soak: many turns (100k by default) through one gateway, watching its resident set size
//! for growth (target: flat within 5 %).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::oneshot;

use crate::driver::{self, Plan, TurnPath};
use crate::fake_model::FakeModel;
use crate::gateway;
use crate::procfs::{self, mib};
use crate::stats::ms;

/// RSS sampling period (for the peak).
const SAMPLE_EVERY: Duration = Duration::from_millis(250);
/// Pause after the last turn before the "settled" RSS reading.
const SETTLE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct SoakOptions {
    pub turns: u64,
    pub concurrency: usize,
    pub path: TurnPath,
    /// Turns run before the "before" RSS reading, so the baseline includes what every gateway
    /// allocates on its first turns (pools, caches, the SQLite page cache, and the agent
    /// runtime's memory of the last 4,096 finished runs). "RSS before any turn" is printed too.
    pub warmup_turns: u64,
    pub turns_per_session: u64,
    /// WS connections the clients share (0 = one per client).
    pub connections: usize,
}

impl Default for SoakOptions {
    fn default() -> Self {
        Self {
            turns: 100_000,
            concurrency: 64,
            path: TurnPath::ChatSend,
            warmup_turns: 5_000,
            turns_per_session: 50,
            connections: 0,
        }
    }
}

/// Growth of `after` over `before`, in percent.
pub fn growth_percent(before_kib: u64, after_kib: u64) -> f64 {
    if before_kib == 0 {
        return 0.0;
    }
    (after_kib as f64 - before_kib as f64) * 100.0 / before_kib as f64
}

pub async fn run(bin: &Path, options: &SoakOptions) -> anyhow::Result<()> {
    let machine = procfs::machine_line();
    let fake = FakeModel::start()?;
    let (mut gw, _) = gateway::spawn(bin, gateway::turns_config(&fake.base_url()))?;
    gw.wait_healthy().await?;
    let pid = gw.pid();
    let cold = procfs::rss_kib(pid)?;
    let clients = driver::connect(
        options.path,
        gw.port,
        options.concurrency,
        options.connections,
    )
    .await?;

    let warmup = Plan {
        measure_from: Instant::now(),
        deadline: None,
        budget: Some(Arc::new(AtomicU64::new(options.warmup_turns))),
        turns_per_session: options.turns_per_session,
        tag: "soakwarm".into(),
    };
    let (warm, clients) = driver::run(options.path, clients, &warmup).await?;
    if warm.completed == 0 {
        anyhow::bail!(
            "no warm-up turn completed; first error: {}; gateway log:\n{}",
            warm.first_error.as_deref().unwrap_or("(none)"),
            gw.log_tail()
        );
    }
    let before = procfs::rss_kib(pid)?;

    let left = Arc::new(AtomicU64::new(options.turns));
    let (stop_tx, stop_rx) = oneshot::channel();
    let sampler = tokio::spawn(sample_rss(
        pid,
        before,
        options.turns,
        left.clone(),
        stop_rx,
    ));
    let plan = Plan {
        measure_from: Instant::now(),
        deadline: None,
        budget: Some(left),
        turns_per_session: options.turns_per_session,
        tag: "soak".into(),
    };
    let (outcome, clients) = driver::run(options.path, clients, &plan).await?;
    let after = procfs::rss_kib(pid)?;
    let _ = stop_tx.send(());
    let peak = sampler
        .await
        .context("the RSS sampler task panicked")?
        .max(after);
    driver::close(clients).await;
    tokio::time::sleep(SETTLE).await;
    let settled = procfs::rss_kib(pid)?;
    let db_bytes = sqlite_bytes(gw.state_dir());

    let rate = outcome.rate(plan.measure_from);
    let latency = outcome.latency.clone().summary();
    println!("## Soak: {} turns via {}", options.turns, options.path);
    println!();
    println!(
        "{} clients ({}), one session per client rotated every {} turns, after {} warm-up \
         turns. Machine: {machine}.",
        options.concurrency,
        match options.path {
            TurnPath::Completions => "HTTP keep-alive pool".to_owned(),
            TurnPath::ChatSend => format!(
                "{} WS connections",
                driver::ws_connections(options.concurrency, options.connections)
            ),
        },
        options.turns_per_session,
        warm.completed
    );
    println!();
    println!("| metric | value | target |");
    println!("|---|---|---|");
    println!(
        "| turns completed | {} ({} errors) | — |",
        outcome.completed, outcome.errors
    );
    println!("| turns/s | {rate:.0} | — |");
    println!(
        "| latency p50 / p99 / max | {} / {} / {} ms | — |",
        ms(latency.p50),
        ms(latency.p99),
        ms(latency.max)
    );
    println!("| RSS before any turn | {:.1} MB | — |", mib(cold));
    println!(
        "| RSS after warm-up (before) | {:.1} MB ({:.1} KB per warm-up turn) | — |",
        mib(before),
        before.saturating_sub(cold) as f64 / warm.completed.max(1) as f64
    );
    println!(
        "| RSS peak during the soak | {:.1} MB ({:+.1} %) | — |",
        mib(peak),
        growth_percent(before, peak)
    );
    println!(
        "| RSS after the last turn | {:.1} MB ({:+.1} %) | within ±5 % |",
        mib(after),
        growth_percent(before, after)
    );
    println!(
        "| RSS {}s after, connections closed | {:.1} MB ({:+.1} %) | — |",
        SETTLE.as_secs(),
        mib(settled),
        growth_percent(before, settled)
    );
    println!(
        "| SQLite files in the state dir | {:.1} MB | — |",
        db_bytes as f64 / 1_048_576.0
    );
    if outcome.lost_events > 0 {
        println!(
            "| events dropped by the gateway (seq gaps) | {} | 0 |",
            outcome.lost_events
        );
    }
    if let Some(err) = &outcome.first_error {
        println!();
        println!("First error: {err}");
    }
    Ok(())
}

/// Samples RSS until stopped, printing progress every tenth of the run; returns the peak.
async fn sample_rss(
    pid: u32,
    before: u64,
    total: u64,
    left: Arc<AtomicU64>,
    mut stop: oneshot::Receiver<()>,
) -> u64 {
    let started = Instant::now();
    let mut peak = before;
    let mut next_report = total / 10;
    let mut ticker = tokio::time::interval(SAMPLE_EVERY);
    loop {
        tokio::select! {
            _ = &mut stop => return peak,
            _ = ticker.tick() => {}
        }
        let Ok(rss) = procfs::rss_kib(pid) else {
            return peak;
        };
        peak = peak.max(rss);
        let started_turns = total.saturating_sub(left.load(Ordering::Relaxed));
        if next_report > 0 && started_turns >= next_report {
            eprintln!(
                "soak: {started_turns} turns started, {:.0}/s, RSS {:.1} MB ({:+.1} %)",
                started_turns as f64 / started.elapsed().as_secs_f64(),
                mib(rss),
                growth_percent(before, rss)
            );
            next_report += total / 10;
        }
    }
}

/// Size of `openclaw.sqlite` and its WAL/SHM files.
fn sqlite_bytes(state_dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(state_dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".sqlite"))
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_relative_to_the_baseline() {
        assert!((growth_percent(100, 105) - 5.0).abs() < 1e-9);
        assert!((growth_percent(200, 190) + 5.0).abs() < 1e-9);
        assert_eq!(growth_percent(0, 10), 0.0);
    }

    #[test]
    fn sqlite_files_are_summed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("openclaw.sqlite"), [0u8; 100]).unwrap();
        std::fs::write(dir.path().join("openclaw.sqlite-wal"), [0u8; 20]).unwrap();
        std::fs::write(dir.path().join("openclaw.json"), [0u8; 7]).unwrap();
        assert_eq!(sqlite_bytes(dir.path()), 120);
    }
}
