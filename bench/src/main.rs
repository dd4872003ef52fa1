//! Gateway benchmarks (not tests): run against the release binary and print a table.
//!
//! ```sh
//! cargo build --release -p openclaw && cargo run --release -p openclaw-bench
//! ```
//!
//! Measures, on this machine:
//! - time from spawn to the first `GET /health` 200 (median of N cold starts),
//! - idle RSS after 10 s (from /proc/<pid>/status VmRSS),
//! - WebSocket handshakes per second (connect → challenge → connect → hello-ok → close), with a
//!   few concurrent clients.
//!
//! Targets from the issue: ≤ 20 ms to healthy, ≤ 10 MB idle RSS.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "bench-token";

fn binary() -> anyhow::Result<PathBuf> {
    if let Ok(path) = std::env::var("OPENCLAW_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("no parent dir of the bench binary")?;
    let candidate = dir.join("openclaw");
    if candidate.exists() {
        return Ok(candidate);
    }
    bail!(
        "release binary not found at {}; run `cargo build --release -p openclaw` first or set OPENCLAW_BIN",
        candidate.display()
    )
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

struct Gateway {
    child: Child,
    port: u16,
    _state: tempfile::TempDir,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(bin: &Path) -> anyhow::Result<(Gateway, Instant)> {
    let state = tempfile::tempdir()?;
    let port = free_port()?;
    let log = state.path().join("gateway.log");
    std::fs::write(
        state.path().join("openclaw.json"),
        json!({"gateway": {"mode": "local"}, "logging": {"file": log}}).to_string(),
    )?;
    let started = Instant::now();
    let child = Command::new(bin)
        .args(["gateway", "--port", &port.to_string(), "--token", TOKEN])
        .env("OPENCLAW_STATE_DIR", state.path())
        .env("HOME", state.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok((
        Gateway {
            child,
            port,
            _state: state,
        },
        started,
    ))
}

fn health_ok(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(50)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    stream.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.1 200")
}

fn time_to_healthy(bin: &Path) -> anyhow::Result<Duration> {
    let (gw, started) = spawn(bin)?;
    loop {
        if health_ok(gw.port) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(10) {
            bail!("gateway did not become healthy within 10 s");
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS missing")
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

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let bin = binary()?;
    let runs = 15;
    let mut starts = Vec::new();
    for _ in 0..runs {
        starts.push(time_to_healthy(&bin)?);
    }
    starts.sort();
    let median = starts[runs / 2];
    let worst = starts[runs - 1];

    let (gw, _) = spawn(&bin)?;
    while !health_ok(gw.port) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle_rss = rss_kib(gw.child.id())?;
    let rate = handshakes_per_sec(gw.port, 2000, 4).await?;
    let after_rss = rss_kib(gw.child.id())?;

    println!("| metric | value | target |");
    println!("|---|---|---|");
    println!(
        "| spawn → /health 200 (median of {runs}) | {:.2} ms (worst {:.2} ms) | ≤ 20 ms |",
        median.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
    println!(
        "| idle RSS after 10 s | {:.1} MB | ≤ 10 MB |",
        idle_rss as f64 / 1024.0
    );
    println!("| WS handshakes/s (4 clients, 2000 total) | {rate:.0} | — |");
    println!(
        "| RSS after the handshake run | {:.1} MB | — |",
        after_rss as f64 / 1024.0
    );
    Ok(())
}
