//! `exec`: run a shell command in the agent workspace.
//!
//! The command runs as `/bin/sh -c <command>` in the workspace (or `workdir`, which must be inside
//! it), in its own process group so that a timeout or an abort kills everything it started
//! (`sleep &` grandchildren included). The child is always reaped. stdout and stderr share one
//! pipe, so their interleaving is kept; the capture is capped (head and tail kept, the middle
//! counted). Results follow OpenClaw: the output (or `(no output)`), `(Command exited with code
//! N)` appended for a non-zero exit — which is not a tool error — and a tool error for timeouts,
//! aborts and signals.
//!
//! The command inherits the gateway's own environment, as in OpenClaw: provider API keys and
//! other secrets in the gateway's env are visible to commands (run the gateway with a minimal env,
//! or set `tools.exec.security`, if that matters). Per-call `env` entries are added on top, except
//! the variables OpenClaw forbids on the host (`PATH`, `LD_*`, `DYLD_*`, `NODE_OPTIONS`, …).
//! `tools.exec.pathPrepend` is put in front of `PATH`.
//!
//! Not supported (refused with a message): background runs (`background: true`), `elevated`,
//! `host: "node"`, and sandboxed sessions (no Docker sandbox in this build).

use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use openclaw_providers::ToolSpec;
use rustix::process::{Pid, Signal, kill_process_group};
use serde_json::{Map, Value, json};
use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::process::Command;

use super::exec_allowlist;
use super::exec_output::OutputCapture;
use super::settings::{ExecHost, ExecSecurity};
use super::{ToolContext, ToolOutput, args, fs, paths};

/// How long output is still collected after the shell exits (background jobs may keep the pipes
/// open indefinitely; they are not waited for).
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(300);
/// How long output is still collected after the group was killed.
const DRAIN_AFTER_KILL: Duration = Duration::from_millis(500);

/// Upper bound for a call's `timeout` (a day; a model asking for more almost surely erred).
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// Environment variables a call may not set on the host (OpenClaw's list).
const FORBIDDEN_ENV: [&str; 16] = [
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "DYLD_INSERT_LIBRARIES",
    "DYLD_LIBRARY_PATH",
    "NODE_OPTIONS",
    "NODE_PATH",
    "PYTHONPATH",
    "PYTHONHOME",
    "RUBYLIB",
    "PERL5LIB",
    "BASH_ENV",
    "ENV",
    "GCONV_PATH",
    "IFS",
    "SSLKEYLOGFILE",
];

pub fn spec() -> ToolSpec {
    ToolSpec {
        name: "exec".into(),
        description: "Execute a shell command (sh -c) in the agent workspace on the gateway host. \
                      Returns combined stdout and stderr; a non-zero exit code is reported after \
                      the output. The command and everything it starts are killed when the \
                      timeout expires."
            .into(),
        input_schema: json!({
            "type": "object",
            "properties": {
                "command": {"type": "string", "description": "Shell command to execute"},
                "workdir": {"type": "string", "description": "Working directory inside the workspace (defaults to the workspace)"},
                "env": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Extra environment variables"},
                "timeout": {"type": "number", "description": "Timeout in seconds (kills the command on expiry)"},
                "security": {"type": "string", "enum": ["deny", "allowlist", "full"], "description": "Request a stricter security mode than configured (never a looser one)"}
            },
            "required": ["command"]
        }),
    }
}

pub async fn run(ctx: &ToolContext, args: &Value) -> ToolOutput {
    match prepare(ctx, args).await {
        Ok(plan) => execute(ctx, plan).await,
        Err(message) => ToolOutput::error(message),
    }
}

/// Everything decided before spawning.
struct Plan {
    command: String,
    workdir: PathBuf,
    env: Vec<(String, String)>,
    timeout: Duration,
    max_output_bytes: usize,
}

async fn prepare(ctx: &ToolContext, raw_args: &Value) -> Result<Plan, String> {
    let settings = &ctx.settings.exec;
    let map = args::object("exec", raw_args)?;
    let command = args::string("exec", map, &["command", "cmd"])?;
    if command.trim().is_empty() {
        return Err("exec: command is empty; pass the shell command to run".into());
    }
    if let Some(message) = &settings.config_error {
        return Err(format!("exec: {message}"));
    }
    if args::opt_bool("exec", map, "background")? == Some(true) {
        return Err(format!(
            "exec: background runs are not supported by this gateway; run the command in the \
             foreground (it is killed after {} s, or the `timeout` you pass)",
            settings.timeout.as_secs()
        ));
    }
    if args::opt_bool("exec", map, "elevated")? == Some(true) {
        return Err(
            "exec: elevated is not available (it only applies to sandboxed sessions, \
             which this gateway does not run); call exec without elevated"
                .into(),
        );
    }
    check_host(ctx, map)?;
    let security = effective_security(ctx, map)?;

    let workdir = match args::opt_string("exec", map, &["workdir", "cwd"])? {
        Some(raw) if !raw.trim().is_empty() => {
            let dir = paths::resolve(&ctx.workspace, raw)
                .await
                .map_err(|e| format!("exec: workdir {e}"))?;
            if !fs::is_dir(&dir).await {
                return Err(format!(
                    "exec: workdir {raw} is not an existing directory in the workspace; create it first or omit workdir"
                ));
            }
            dir
        }
        _ => paths::resolve(&ctx.workspace, ".")
            .await
            .map_err(|e| format!("exec: {e}"))?,
    };

    if security == ExecSecurity::Allowlist {
        let owned = (
            command.to_owned(),
            settings.safe_bins.clone(),
            workdir.clone(),
        );
        let verdict = tokio::task::spawn_blocking(move || {
            exec_allowlist::check(&owned.0, &owned.1, &owned.2)
        })
        .await
        .unwrap_or_else(|_| Err("the allowlist check was interrupted".into()));
        if let Err(reason) = verdict {
            return Err(format!(
                "exec: refused by tools.exec.security \"allowlist\": {reason}. Allowed binaries \
                 (tools.exec.safeBins): {}; they may only filter stdin (no file arguments, \
                 redirections, substitutions or globs). Ask the operator to set \
                 tools.exec.security to \"full\" if this command must run.",
                if settings.safe_bins.is_empty() {
                    "none".to_owned()
                } else {
                    settings.safe_bins.join(", ")
                }
            ));
        }
    }

    let env = build_env(map, &settings.path_prepend)?;
    let timeout = match args::opt_number("exec", map, "timeout")? {
        Some(secs) if secs > 0.0 => Duration::from_secs_f64(secs.min(MAX_TIMEOUT_SECS)),
        Some(_) => return Err("exec: timeout must be a positive number of seconds".into()),
        None => settings.timeout,
    };
    Ok(Plan {
        command: command.to_owned(),
        workdir,
        env,
        timeout,
        max_output_bytes: settings.max_output_bytes,
    })
}

fn check_host(ctx: &ToolContext, map: &Map<String, Value>) -> Result<(), String> {
    let settings = &ctx.settings.exec;
    if let Some(raw) = args::opt_string("exec", map, &["host"])? {
        let requested = ExecHost::parse(raw).ok_or_else(|| {
            format!("exec: host {raw:?} is not one of \"sandbox\", \"gateway\", \"node\"")
        })?;
        if requested != settings.host {
            return Err(format!(
                "exec: host not allowed (requested {}; configure tools.exec.host={} to allow)",
                requested.as_str(),
                requested.as_str()
            ));
        }
    }
    match settings.host {
        ExecHost::Node => Err(
            "exec: tools.exec.host is \"node\", but this gateway cannot run \
                               commands on paired nodes; set tools.exec.host to \"sandbox\" or \
                               \"gateway\""
                .into(),
        ),
        ExecHost::Sandbox
            if settings
                .sandbox_mode
                .sandboxes(&ctx.agent_id, &ctx.session_key) =>
        {
            Err(format!(
                "exec: this session is sandboxed (sandbox.mode \"{}\"), but this gateway has no \
                 Docker sandbox, and running on the host instead would bypass it. Set \
                 agents.defaults.sandbox.mode (or agents.list[].sandbox.mode) to \"off\" to run \
                 commands on the gateway host.",
                settings.sandbox_mode.as_str()
            ))
        }
        ExecHost::Sandbox | ExecHost::Gateway => Ok(()),
    }
}

fn effective_security(ctx: &ToolContext, map: &Map<String, Value>) -> Result<ExecSecurity, String> {
    let settings = &ctx.settings.exec;
    let mut security = settings.security;
    if let Some(raw) = args::opt_string("exec", map, &["security"])? {
        let requested = ExecSecurity::parse(raw).ok_or_else(|| {
            format!("exec: security {raw:?} is not one of \"deny\", \"allowlist\", \"full\"")
        })?;
        // A call may only tighten the configured mode.
        security = security.min(requested);
    }
    if security == ExecSecurity::Deny {
        let origin = if settings.security_configured {
            "tools.exec.security is \"deny\" for this agent"
        } else {
            "the call asked for security \"deny\""
        };
        return Err(format!(
            "exec: refused: {origin}. Running commands is disabled; set tools.exec.security (or \
             agents.list[].tools.exec.security) to \"allowlist\" or \"full\" to allow it."
        ));
    }
    Ok(security)
}

fn build_env(
    map: &Map<String, Value>,
    path_prepend: &[String],
) -> Result<Vec<(String, String)>, String> {
    let mut env = Vec::new();
    if let Some(value) = map.get("env").filter(|v| !v.is_null()) {
        let entries = value
            .as_object()
            .ok_or("exec: env must be an object of string values")?;
        for (key, value) in entries {
            let upper = key.to_ascii_uppercase();
            if upper == "PATH" {
                return Err(
                    "exec: setting PATH is not allowed on the gateway host (binary \
                            hijacking); use absolute paths or ask the operator to set \
                            tools.exec.pathPrepend"
                        .into(),
                );
            }
            if upper.starts_with("LD_")
                || upper.starts_with("DYLD_")
                || FORBIDDEN_ENV.contains(&upper.as_str())
            {
                return Err(format!(
                    "exec: environment variable {key} is not allowed on the gateway host"
                ));
            }
            if key.is_empty() || key.contains('=') || key.contains('\0') {
                return Err(format!(
                    "exec: {key:?} is not a valid environment variable name"
                ));
            }
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(format!("exec: env.{key} must be a string")),
            };
            if text.contains('\0') {
                return Err(format!("exec: env.{key} contains a NUL byte"));
            }
            env.push((key.clone(), text));
        }
    }
    if !path_prepend.is_empty() {
        let current = std::env::var("PATH").unwrap_or_default();
        let mut parts: Vec<&str> = path_prepend.iter().map(String::as_str).collect();
        parts.extend(
            current
                .split(':')
                .filter(|p| !p.is_empty() && !path_prepend.iter().any(|d| d == p)),
        );
        env.push(("PATH".to_owned(), parts.join(":")));
    }
    Ok(env)
}

/// Kills the process group when dropped while armed (the turn may drop the tool future on abort).
struct GroupGuard {
    pgid: Option<Pid>,
}

impl GroupGuard {
    fn kill(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            // ESRCH just means everything already exited.
            let _gone = kill_process_group(pgid, Signal::KILL);
        }
    }

    fn disarm(&mut self) {
        self.pgid = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

enum Ending {
    Exited(std::io::Result<ExitStatus>),
    TimedOut,
    Cancelled,
}

async fn read_some(reader: &mut Option<pipe::Receiver>, buf: &mut [u8]) -> usize {
    match reader {
        Some(r) => r.read(buf).await.unwrap_or(0),
        None => std::future::pending().await,
    }
}

/// Moves output into `out` until the pipe closes or `limit` passes.
async fn drain(out: &mut OutputCapture, reader: &mut Option<pipe::Receiver>, limit: Duration) {
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    let mut buf = [0u8; 8192];
    while reader.is_some() {
        tokio::select! {
            n = read_some(reader, &mut buf) => match n {
                0 => *reader = None,
                n => out.push(&buf[..n]),
            },
            () = &mut deadline => break,
        }
    }
}

/// One pipe for both stdout and stderr, so their interleaving is kept as written.
fn output_pipe() -> std::io::Result<(pipe::Receiver, Stdio, Stdio)> {
    let (reader, writer) = std::io::pipe()?;
    let for_stderr = writer.try_clone()?;
    let reader = pipe::Receiver::from_owned_fd(OwnedFd::from(reader))?;
    Ok((reader, Stdio::from(writer), Stdio::from(for_stderr)))
}

async fn execute(ctx: &ToolContext, plan: Plan) -> ToolOutput {
    let (reader, stdout, stderr) = match output_pipe() {
        Ok(parts) => parts,
        Err(e) => return ToolOutput::error(format!("exec: could not create an output pipe: {e}")),
    };
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(&plan.command)
        .current_dir(&plan.workdir)
        .envs(plan.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0);
    let spawned = command.spawn();
    // The command holds our copies of the pipe's write end; they must close for EOF to come.
    drop(command);
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => {
            return ToolOutput::error(format!(
                "exec: could not start /bin/sh in {}: {e}",
                plan.workdir.display()
            ));
        }
    };
    // With process_group(0) the group id is the child's pid.
    let mut guard = GroupGuard {
        pgid: child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(Pid::from_raw),
    };
    let mut reader = Some(reader);
    let mut out = OutputCapture::new(plan.max_output_bytes);
    let deadline = tokio::time::sleep(plan.timeout);
    tokio::pin!(deadline);
    let mut buf = [0u8; 8192];

    let ending = loop {
        tokio::select! {
            n = read_some(&mut reader, &mut buf) => match n {
                0 => reader = None,
                n => out.push(&buf[..n]),
            },
            status = child.wait() => break Ending::Exited(status),
            () = &mut deadline => break Ending::TimedOut,
            () = ctx.cancel.cancelled() => break Ending::Cancelled,
        }
    };

    match ending {
        Ending::Exited(status) => {
            drain(&mut out, &mut reader, DRAIN_AFTER_EXIT).await;
            // Background jobs the command left behind keep running, as with OpenClaw.
            guard.disarm();
            finish_exited(status, &out)
        }
        Ending::TimedOut | Ending::Cancelled => {
            guard.kill();
            let reaped = child.wait().await;
            drain(&mut out, &mut reader, DRAIN_AFTER_KILL).await;
            let reason = if matches!(ending, Ending::TimedOut) {
                format!(
                    "Command timed out after {} seconds; it and every process it started were \
                     killed. Pass a larger `timeout` if it needs longer.",
                    format_secs(plan.timeout)
                )
            } else {
                "Command aborted: the agent run was cancelled, so the command and every process \
                 it started were killed."
                    .to_owned()
            };
            if let Err(e) = reaped {
                tracing::warn!(target: "agent", "exec: waiting for a killed command failed: {e}");
            }
            ToolOutput::error(with_output(&out, &reason))
        }
    }
}

fn finish_exited(status: std::io::Result<ExitStatus>, out: &OutputCapture) -> ToolOutput {
    use std::os::unix::process::ExitStatusExt;
    let status = match status {
        Ok(status) => status,
        Err(e) => {
            return ToolOutput::error(with_output(
                out,
                &format!("Command failed: could not wait for the shell: {e}"),
            ));
        }
    };
    match (status.code(), status.signal()) {
        (Some(0), _) => {
            let text = out.render();
            ToolOutput::ok(if text.is_empty() {
                "(no output)".to_owned()
            } else {
                text
            })
        }
        (Some(code), _) => {
            let text = out.render();
            let note = format!("(Command exited with code {code})");
            ToolOutput::ok(if text.is_empty() {
                note
            } else {
                format!("{text}\n\n{note}")
            })
        }
        (None, signal) => ToolOutput::error(with_output(
            out,
            &format!(
                "Command aborted by signal {}",
                signal.map_or_else(|| "unknown".to_owned(), |s| s.to_string())
            ),
        )),
    }
}

fn with_output(out: &OutputCapture, reason: &str) -> String {
    let text = out.render();
    if text.is_empty() {
        reason.to_owned()
    } else {
        format!("{text}\n\n{reason}")
    }
}

fn format_secs(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{}", duration.as_secs())
    } else {
        format!("{secs:.1}")
    }
}
