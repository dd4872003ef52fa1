//! Running the real gateway binary (and one-shot CLI commands) in isolation.
//!
//! Each [`GatewayProcess`] gets its own temporary `HOME` with the state dir inside it
//! (`$HOME/.openclaw` unless given), a free loopback port passed as `--port`, `NO_COLOR=1`,
//! and none of the caller's `OPENCLAW_*`/`CLAWDBOT_*` variables, so a developer's real
//! config can never leak into a test. stdout and stderr are read line by line by background
//! tasks into one shared buffer that tests can wait on. Dropping the handle kills the child.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;

use crate::http::http_get;

/// Default timeout of [`run_cli`].
pub const CLI_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of output quoted in error messages.
const OUTPUT_TAIL_IN_ERRORS: usize = 40;

/// Where the gateway keeps its state.
#[derive(Debug)]
pub enum StateDir {
    /// Removed when the process handle drops.
    Temp(TempDir),
    /// Left alone.
    Path(PathBuf),
}

/// `openclaw.json` content to write before start.
#[derive(Debug, Clone)]
pub enum GatewayConfig {
    /// Written as pretty JSON.
    Json(Value),
    /// Written verbatim (JSON5, invalid files, …).
    Raw(String),
}

/// How to start the gateway.
#[derive(Debug)]
pub struct GatewaySpawn {
    pub bin: PathBuf,
    /// Arguments before the added `--port <n>` (e.g. `["gateway", "--allow-unconfigured"]`).
    /// If they already contain `--port`, that port is used and none is added.
    pub args: Vec<String>,
    /// Applied last: can override anything set by the kit.
    pub env: Vec<(String, String)>,
    pub state_dir: Option<StateDir>,
    pub config: Option<GatewayConfig>,
}

impl GatewaySpawn {
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        GatewaySpawn {
            bin: bin.into(),
            args: Vec::new(),
            env: Vec::new(),
            state_dir: None,
            config: None,
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    pub fn config_json(mut self, config: Value) -> Self {
        self.config = Some(GatewayConfig::Json(config));
        self
    }

    pub fn config_raw(mut self, config: impl Into<String>) -> Self {
        self.config = Some(GatewayConfig::Raw(config.into()));
        self
    }

    pub fn state_dir(mut self, dir: StateDir) -> Self {
        self.state_dir = Some(dir);
        self
    }
}

/// Which stream a captured line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Signals tests send to the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    Term,
    Int,
    Hup,
    Usr1,
    Kill,
}

#[derive(Default)]
struct OutputState {
    lines: Vec<(Stream, String)>,
    /// Streams that reached end of file.
    closed: usize,
}

/// Lines captured from a child, shared with the reader tasks.
#[derive(Clone, Default)]
struct OutputBuffer {
    state: Arc<Mutex<OutputState>>,
    changed: Arc<Notify>,
}

impl OutputBuffer {
    fn lock(&self) -> std::sync::MutexGuard<'_, OutputState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spawn_reader(&self, stream: Stream, reader: impl AsyncRead + Unpin + Send + 'static) {
        let buffer = self.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(reader);
            let mut raw = Vec::new();
            loop {
                raw.clear();
                match reader.read_until(b'\n', &mut raw).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&raw)
                            .trim_end_matches(['\n', '\r'])
                            .to_owned();
                        buffer.lock().lines.push((stream, line));
                        buffer.changed.notify_waiters();
                    }
                }
            }
            buffer.lock().closed += 1;
            buffer.changed.notify_waiters();
        });
    }

    /// Resolves once both streams reached end of file.
    async fn wait_closed(&self) {
        loop {
            let changed = self.changed.notified();
            if self.lock().closed >= 2 {
                return;
            }
            changed.await;
        }
    }

    fn all(&self) -> Vec<String> {
        self.lock()
            .lines
            .iter()
            .map(|(_, line)| line.clone())
            .collect()
    }

    fn tail_text(&self) -> String {
        let state = self.lock();
        let skip = state.lines.len().saturating_sub(OUTPUT_TAIL_IN_ERRORS);
        state.lines[skip..]
            .iter()
            .map(|(stream, line)| match stream {
                Stream::Stdout => format!("  out| {line}"),
                Stream::Stderr => format!("  err| {line}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A running gateway. Killed (SIGKILL) on drop.
pub struct GatewayProcess {
    child: Child,
    port: u16,
    pid: Option<u32>,
    output: OutputBuffer,
    state_path: PathBuf,
    home: TempDir,
    // Held only so a temporary state dir lives as long as the process.
    _state_dir: Option<StateDir>,
}

impl std::fmt::Debug for GatewayProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayProcess")
            .field("pid", &self.pid)
            .field("port", &self.port)
            .field("state_dir", &self.state_path)
            .finish_non_exhaustive()
    }
}

/// A loopback port that was free a moment ago (bind to port 0, read it, release it).
///
/// Ports come from below the kernel's ephemeral range (where the OS never assigns outgoing or
/// `:0` ports on its own) and are never handed out twice in one test process, so parallel tests
/// cannot race each other for the same port.
pub fn free_port() -> anyhow::Result<u16> {
    static HANDED_OUT: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768)
        .max(2048);
    let floor = ephemeral_low / 2;
    let span = u64::from(ephemeral_low - floor);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()))
        .unwrap_or_default()
        ^ u64::from(std::process::id()).wrapping_mul(7919);
    let mut handed_out = HANDED_OUT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for i in 0..span {
        let port = floor + u16::try_from((seed + i) % span)?;
        if !handed_out.contains(&port) && TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            handed_out.insert(port);
            return Ok(port);
        }
    }
    anyhow::bail!("no free loopback port between {floor} and {ephemeral_low}")
}

/// Removes the caller's OpenClaw variables and disables colour, so child output is stable.
fn sanitize_env(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("OPENCLAW_") || name.starts_with("CLAWDBOT_") {
            command.env_remove(name.as_ref());
        }
    }
    command.env("NO_COLOR", "1");
}

fn port_from_args(args: &[String]) -> anyhow::Result<Option<u16>> {
    for (index, arg) in args.iter().enumerate() {
        let value = if arg == "--port" {
            args.get(index + 1).map(String::as_str)
        } else {
            arg.strip_prefix("--port=")
        };
        if let Some(value) = value {
            return value
                .parse()
                .map(Some)
                .with_context(|| format!("--port {value:?} in GatewaySpawn.args is not a port"));
        }
    }
    Ok(None)
}

impl GatewayProcess {
    /// Starts the gateway as described by `spec`. Needs a tokio runtime.
    pub async fn spawn(spec: GatewaySpawn) -> anyhow::Result<GatewayProcess> {
        let home = tempfile::Builder::new()
            .prefix("openclaw-test-home-")
            .tempdir()
            .context("creating a temporary HOME")?;
        let state_path = match &spec.state_dir {
            Some(StateDir::Temp(dir)) => dir.path().to_path_buf(),
            Some(StateDir::Path(path)) => path.clone(),
            None => home.path().join(".openclaw"),
        };
        std::fs::create_dir_all(&state_path)
            .with_context(|| format!("creating state dir {}", state_path.display()))?;
        if let Some(config) = &spec.config {
            let text = match config {
                GatewayConfig::Json(value) => format!("{}\n", serde_json::to_string_pretty(value)?),
                GatewayConfig::Raw(text) => text.clone(),
            };
            let path = state_path.join("openclaw.json");
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        }

        let mut args = spec.args.clone();
        let port = match port_from_args(&args)? {
            Some(port) => port,
            None => {
                let port = free_port()?;
                args.extend(["--port".to_owned(), port.to_string()]);
                port
            }
        };

        let mut command = Command::new(&spec.bin);
        command
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        sanitize_env(&mut command);
        command
            .env("HOME", home.path())
            .env("OPENCLAW_STATE_DIR", &state_path);
        for (name, value) in &spec.env {
            command.env(name, value);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {} {}", spec.bin.display(), args.join(" ")))?;

        let output = OutputBuffer::default();
        if let Some(stdout) = child.stdout.take() {
            output.spawn_reader(Stream::Stdout, stdout);
        }
        if let Some(stderr) = child.stderr.take() {
            output.spawn_reader(Stream::Stderr, stderr);
        }
        Ok(GatewayProcess {
            pid: child.id(),
            child,
            port,
            output,
            state_path,
            home,
            _state_dir: spec.state_dir,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// `ws://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_path
    }

    pub fn home_dir(&self) -> &Path {
        self.home.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.state_path.join("openclaw.json")
    }

    /// Environment for CLI commands aimed at this gateway (same HOME, state dir and port).
    pub fn cli_env(&self) -> Vec<(String, String)> {
        vec![
            ("HOME".into(), self.home.path().display().to_string()),
            (
                "OPENCLAW_STATE_DIR".into(),
                self.state_path.display().to_string(),
            ),
            ("OPENCLAW_GATEWAY_PORT".into(), self.port.to_string()),
        ]
    }

    /// Every captured line so far, stdout and stderr interleaved in arrival order.
    pub fn output(&self) -> Vec<String> {
        self.output.all()
    }

    /// Captured lines of one stream.
    pub fn stream_output(&self, stream: Stream) -> Vec<String> {
        self.output
            .lock()
            .lines
            .iter()
            .filter(|(s, _)| *s == stream)
            .map(|(_, line)| line.clone())
            .collect()
    }

    /// Number of lines captured so far (a starting point for [`Self::wait_for_line_since`]).
    pub fn line_count(&self) -> usize {
        self.output.lock().lines.len()
    }

    /// Waits until some output line contains `needle` and returns that line. Fails early
    /// when both streams have closed (the process is gone) and at `timeout`.
    pub async fn wait_for_line(&self, needle: &str, timeout: Duration) -> anyhow::Result<String> {
        self.wait_for_line_since(0, needle, timeout)
            .await
            .map(|(_, line)| line)
    }

    /// Like [`Self::wait_for_line`], but only considers lines with index `>= start`
    /// (e.g. the second `listening on` after a restart). Returns the index and the line.
    pub async fn wait_for_line_since(
        &self,
        start: usize,
        needle: &str,
        timeout: Duration,
    ) -> anyhow::Result<(usize, String)> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register interest before checking, so a line arriving in between is not missed.
            let changed = self.output.changed.notified();
            {
                let state = self.output.lock();
                let found = state
                    .lines
                    .iter()
                    .enumerate()
                    .skip(start)
                    .find(|(_, (_, line))| line.contains(needle));
                if let Some((index, (_, line))) = found {
                    return Ok((index, line.clone()));
                }
                if state.closed >= 2 {
                    drop(state);
                    bail!(
                        "gateway output ended without a line containing {needle:?}; last output:\n{}",
                        self.output.tail_text()
                    );
                }
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                bail!(
                    "no output line containing {needle:?} within {timeout:?}; last output:\n{}",
                    self.output.tail_text()
                );
            }
        }
    }

    /// Polls `GET /health` until it answers 200.
    pub async fn wait_healthy(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "gateway exited ({status}) before becoming healthy; last output:\n{}",
                    self.output.tail_text()
                );
            }
            let problem = match http_get(self.addr(), "/health", &[]).await {
                Ok(response) if response.status == 200 => return Ok(()),
                Ok(response) => format!("GET /health answered {}", response.status),
                Err(err) => format!("{err:#}"),
            };
            if tokio::time::Instant::now() >= deadline {
                bail!(
                    "gateway not healthy on {} within {timeout:?} ({problem}); last output:\n{}",
                    self.http_url(),
                    self.output.tail_text()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends `signal` to the gateway process.
    pub fn signal(&self, signal: Signal) -> anyhow::Result<()> {
        use rustix::process::{Pid, Signal as Sig, kill_process};
        let pid = self
            .pid
            .and_then(|pid| i32::try_from(pid).ok())
            .and_then(Pid::from_raw)
            .ok_or_else(|| anyhow!("the gateway process has no pid (already reaped)"))?;
        let sig = match signal {
            Signal::Term => Sig::TERM,
            Signal::Int => Sig::INT,
            Signal::Hup => Sig::HUP,
            Signal::Usr1 => Sig::USR1,
            Signal::Kill => Sig::KILL,
        };
        kill_process(pid, sig).with_context(|| format!("sending {signal:?} to pid {pid:?}"))
    }

    /// SIGKILL and reap.
    pub async fn kill_9(&mut self) -> anyhow::Result<ExitStatus> {
        self.child.start_kill().context("sending SIGKILL")?;
        Ok(self.child.wait().await?)
    }

    /// Waits for the process to exit; `None` if still running at `timeout`.
    ///
    /// Returns only after both output streams reached end of file too (within the same
    /// timeout), so `output()` afterwards holds everything the process printed.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = tokio::time::Instant::now() + timeout;
        let status = tokio::time::timeout_at(deadline, self.child.wait())
            .await
            .ok()
            .and_then(Result::ok)?;
        let _ = tokio::time::timeout_at(deadline, self.output.wait_closed()).await;
        Some(status)
    }
}

/// Result of a one-shot command.
#[derive(Debug, Clone)]
pub struct CliOutput {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl CliOutput {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// Runs `bin args…` to completion with a sanitised environment (see module docs; `HOME` is
/// not changed unless `env` sets it) and [`CLI_TIMEOUT`].
pub async fn run_cli(
    bin: &Path,
    args: &[&str],
    env: &[(String, String)],
) -> anyhow::Result<CliOutput> {
    run_cli_with_timeout(bin, args, env, CLI_TIMEOUT).await
}

/// [`run_cli`] with an explicit timeout; the child is killed when it expires.
pub async fn run_cli_with_timeout(
    bin: &Path,
    args: &[&str],
    env: &[(String, String)],
    timeout: Duration,
) -> anyhow::Result<CliOutput> {
    let mut command = Command::new(bin);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    sanitize_env(&mut command);
    for (name, value) in env {
        command.env(name, value);
    }
    let describe = || format!("{} {}", bin.display(), args.join(" "));
    let child = command
        .spawn()
        .with_context(|| format!("starting {}", describe()))?;
    let output = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .map_err(|_| anyhow!("{} did not finish within {timeout:?}", describe()))?
        .with_context(|| format!("waiting for {}", describe()))?;
    Ok(CliOutput {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_is_read_from_existing_args() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(port_from_args(&args(&["gateway"])).unwrap(), None);
        assert_eq!(
            port_from_args(&args(&["gateway", "--port", "3000"])).unwrap(),
            Some(3000)
        );
        assert_eq!(
            port_from_args(&args(&["--port=19001"])).unwrap(),
            Some(19001)
        );
        assert!(port_from_args(&args(&["--port", "x"])).is_err());
    }

    #[test]
    fn free_port_is_bindable() {
        let port = free_port().unwrap();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
    }
}
