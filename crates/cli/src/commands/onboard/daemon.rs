//! `onboard --install-daemon`: the gateway as a systemd *user* service, the way OpenClaw's
//! wizard installs it on Linux: `openclaw-gateway.service` (`openclaw-gateway-<profile>` for a
//! profile) in the user's unit directory, running this very binary with `gateway --port <port>`
//! and the state dir in its environment; then `systemctl --user daemon-reload` and
//! `enable --now`. Like OpenClaw, a service that cannot be installed (no systemd in a container,
//! no user session over SSH) is reported with the manual steps and does not fail onboarding:
//! the config is already written and `openclaw gateway` works without a service.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use openclaw_config::Env;
use serde_json::{Value, json};

use super::write::write_file;
use crate::args::{GatewayInstallArgs, GatewayUninstallArgs};
use crate::context::Context;

const SYSTEMCTL_TIMEOUT: Duration = Duration::from_secs(30);

/// What happened to the service.
#[derive(Debug, Clone)]
pub struct DaemonOutcome {
    pub unit_name: String,
    pub unit_path: PathBuf,
    /// The previous unit, when one was replaced.
    pub backup: Option<PathBuf>,
    /// The unit file is in place.
    pub written: bool,
    /// `daemon-reload` and `enable --now` succeeded.
    pub started: bool,
    /// Why not, when not.
    pub problem: Option<String>,
}

impl DaemonOutcome {
    pub fn json(&self) -> Value {
        json!({
            "unit": self.unit_name,
            "unitPath": self.unit_path.display().to_string(),
            "backup": self.backup.as_ref().map(|p| p.display().to_string()),
            "written": self.written,
            "started": self.started,
            "problem": self.problem,
        })
    }
}

/// The named profile in effect (`--profile` / OPENCLAW_PROFILE); "default" counts as none.
fn profile(env: &Env) -> Option<String> {
    env.openclaw("PROFILE")
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty() && !p.eq_ignore_ascii_case("default"))
}

/// `openclaw-gateway`, or `openclaw-gateway-<profile>` (OpenClaw's names).
pub fn unit_name(env: &Env) -> String {
    match profile(env) {
        Some(profile) => format!("openclaw-gateway-{profile}.service"),
        None => "openclaw-gateway.service".to_owned(),
    }
}

/// The unit's name and where it is (or would be) installed.
fn unit_location(ctx: &Context) -> (String, PathBuf) {
    let name = unit_name(&ctx.env);
    let path = unit_dir(&ctx.env, &ctx.paths.home).join(&name);
    (name, path)
}

/// `$XDG_CONFIG_HOME/systemd/user`, else `~/.config/systemd/user`: where systemd's user
/// manager looks for the user's own units.
pub fn unit_dir(env: &Env, home: &Path) -> PathBuf {
    let config_home = env
        .get_non_empty("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        // The XDG spec says to ignore a relative value.
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home.join(".config"));
    config_home.join("systemd").join("user")
}

/// One ExecStart word: quoted when it has blanks, quotes or backslashes; `%` and `$` doubled
/// because systemd expands specifiers and variables even inside quotes.
fn exec_word(word: &str) -> String {
    let escaped = word.replace('%', "%%").replace('$', "$$");
    if escaped.contains(|c: char| c.is_whitespace() || c == '"' || c == '\\') {
        format!("\"{}\"", escaped.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        escaped
    }
}

/// One `Environment=` assignment (specifiers are expanded there too; variables are not).
fn env_line(name: &str, value: &str) -> String {
    let assignment = format!("{name}={}", value.replace('%', "%%"));
    if assignment.contains(|c: char| c.is_whitespace() || c == '"' || c == '\\') {
        format!(
            "Environment=\"{}\"",
            assignment.replace('\\', "\\\\").replace('"', "\\\"")
        )
    } else {
        format!("Environment={assignment}")
    }
}

/// The unit text. Paths with line breaks cannot be written into a unit at all.
pub fn render_unit(
    exe: &Path,
    port: u16,
    state_dir: &Path,
    config_path: Option<&Path>,
    profile: Option<&str>,
) -> Result<String, String> {
    let text = |p: &Path| {
        let s = p.display().to_string();
        if s.contains(['\n', '\r']) {
            Err(format!(
                "{s:?} contains a line break and cannot go into a systemd unit; use a path without one."
            ))
        } else {
            Ok(s)
        }
    };
    let exec = [
        text(exe)?,
        "gateway".to_owned(),
        "--port".to_owned(),
        port.to_string(),
    ]
    .iter()
    .map(|w| exec_word(w))
    .collect::<Vec<_>>()
    .join(" ");
    let description = match profile {
        Some(profile) => format!("OpenClaw Gateway (profile: {profile})"),
        None => "OpenClaw Gateway".to_owned(),
    };
    let mut lines = vec![
        "[Unit]".to_owned(),
        format!("Description={description}"),
        "After=network-online.target".to_owned(),
        "Wants=network-online.target".to_owned(),
        // A config the gateway refuses makes it exit at once: stop retrying after a few tries
        // instead of restarting forever (`systemctl --user reset-failed` re-arms it).
        "StartLimitBurst=5".to_owned(),
        "StartLimitIntervalSec=60".to_owned(),
        String::new(),
        "[Service]".to_owned(),
        format!("ExecStart={exec}"),
        "Restart=on-failure".to_owned(),
        "RestartSec=5".to_owned(),
        "TimeoutStopSec=30".to_owned(),
        env_line("OPENCLAW_STATE_DIR", &text(state_dir)?),
    ];
    if let Some(config_path) = config_path {
        lines.push(env_line("OPENCLAW_CONFIG_PATH", &text(config_path)?));
    }
    lines.extend([
        String::new(),
        "[Install]".to_owned(),
        "WantedBy=default.target".to_owned(),
        String::new(),
    ]);
    Ok(lines.join("\n"))
}

/// Writes the unit and asks systemd to start it now and at every login.
pub fn install(ctx: &Context, port: u16) -> DaemonOutcome {
    let (unit_name, unit_path) = unit_location(ctx);
    let mut outcome = DaemonOutcome {
        unit_name: unit_name.clone(),
        unit_path: unit_path.clone(),
        backup: None,
        written: false,
        started: false,
        problem: None,
    };
    if !cfg!(target_os = "linux") {
        outcome.problem = Some(format!(
            "--install-daemon installs a systemd user service, which needs Linux (this is {}); run `openclaw gateway` under your own supervisor instead.",
            std::env::consts::OS
        ));
        return outcome;
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            outcome.problem = Some(format!(
                "Cannot tell where this openclaw binary is ({e}); write the unit yourself (see deploy/openclaw.service)."
            ));
            return outcome;
        }
    };
    // The default config path follows the state dir; only a separate one needs its own line.
    let default_config = ctx.paths.state_dir.join("openclaw.json");
    let config_path = (ctx.paths.config_path != default_config).then_some(&*ctx.paths.config_path);
    let profile = profile(&ctx.env);
    let text = match render_unit(
        &exe,
        port,
        &ctx.paths.state_dir,
        config_path,
        profile.as_deref(),
    ) {
        Ok(text) => text,
        Err(message) => {
            outcome.problem = Some(message);
            return outcome;
        }
    };
    // Keep a unit the user may have edited, as OpenClaw does.
    if let Ok(previous) = std::fs::read_to_string(&unit_path)
        && previous != text
    {
        let backup = unit_path.with_file_name(format!("{unit_name}.bak"));
        if let Err(message) = write_file(&backup, &previous, 0o644) {
            outcome.problem = Some(message);
            return outcome;
        }
        outcome.backup = Some(backup);
    }
    if let Err(message) = write_file(&unit_path, &text, 0o644) {
        outcome.problem = Some(message);
        return outcome;
    }
    outcome.written = true;
    let steps: [&[&str]; 2] = [
        &["--user", "daemon-reload"],
        &["--user", "enable", "--now", &unit_name],
    ];
    for args in steps {
        if let Err(reason) = systemctl(args) {
            outcome.problem = Some(reason);
            return outcome;
        }
    }
    outcome.started = true;
    outcome
}

/// Runs `systemctl <args>`; `Err` says what failed, with systemctl's own words.
fn systemctl(args: &[&str]) -> Result<(), String> {
    let shown = format!("systemctl {}", args.join(" "));
    let mut child = match Command::new("systemctl")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("systemctl was not found: this system does not run systemd (containers usually do not)".into());
        }
        Err(e) => return Err(format!("`{shown}` could not run: {e}")),
    };
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < SYSTEMCTL_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{shown}` did not finish within {} s",
                    SYSTEMCTL_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("`{shown}` could not be waited for: {e}")),
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let detail = stderr.trim();
    Err(format!(
        "`{shown}` failed ({status}){}",
        if detail.is_empty() {
            String::new()
        } else {
            format!(": {detail}")
        }
    ))
}

fn user_name(env: &Env) -> String {
    env.get_non_empty("USER")
        .or_else(|| env.get_non_empty("LOGNAME"))
        .unwrap_or("$USER")
        .to_owned()
}

/// Whether systemd keeps this user's services running without a login session.
fn lingering(user: &str) -> bool {
    Path::new("/var/lib/systemd/linger").join(user).exists()
}

/// Prints what happened; problems go to stderr with the commands to finish by hand.
pub fn print_outcome(ctx: &Context, outcome: &DaemonOutcome) {
    let user = user_name(&ctx.env);
    if outcome.started {
        println!(
            "Service: {} installed ({}) and started; logs: journalctl --user -u {} -f",
            outcome.unit_name,
            outcome.unit_path.display(),
            outcome.unit_name
        );
        if let Some(backup) = &outcome.backup {
            println!("Previous unit kept as {}", backup.display());
        }
        if !lingering(&user) {
            println!(
                "To keep the gateway running after you log out (and start it at boot): sudo loginctl enable-linger {user}"
            );
        }
        return;
    }
    let problem = outcome.problem.as_deref().unwrap_or("unknown problem");
    if !outcome.written {
        eprintln!("Warning: the gateway service was not installed: {problem}");
        return;
    }
    eprintln!(
        "Warning: wrote {} but could not start it: {problem}.\nFinish by hand once systemd's user manager is reachable:\n  systemctl --user daemon-reload\n  systemctl --user enable --now {}\nNo user session (SSH, headless server)? Run `sudo loginctl enable-linger {user}`, log in again, then the commands above. In a container, run `openclaw gateway` in the foreground instead.",
        outcome.unit_path.display(),
        outcome.unit_name
    );
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// `openclaw gateway install`: the service step of onboarding on its own. Unlike inside the
/// wizard, a service that cannot be started is this command's failure.
pub fn gateway_install(ctx: &Context, args: &GatewayInstallArgs) -> ExitCode {
    let port = args
        .port
        .filter(|p| *p != 0)
        .unwrap_or_else(|| ctx.configured_port());
    let (name, path) = unit_location(ctx);
    if path.exists() && !args.force {
        if args.json {
            print_json(&json!({
                "ok": true, "action": "install", "result": "already-installed",
                "unit": name, "unitPath": path.display().to_string(),
            }));
        } else {
            println!(
                "{name} is already installed ({}); pass --force to rewrite it (the old unit is kept as .bak).",
                path.display()
            );
        }
        return ExitCode::SUCCESS;
    }
    if !ctx.paths.config_path.exists() {
        eprintln!(
            "Warning: no config at {}: the service's gateway will refuse to start until you run `openclaw onboard`.",
            ctx.paths.config_path.display()
        );
    }
    let outcome = install(ctx, port);
    if args.json {
        let mut report = outcome.json();
        report["ok"] = json!(outcome.started);
        report["action"] = json!("install");
        report["port"] = json!(port);
        print_json(&report);
        if !outcome.started {
            print_outcome(ctx, &outcome);
        }
    } else {
        print_outcome(ctx, &outcome);
    }
    if outcome.started {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `openclaw gateway uninstall`: stops and disables the service, removes its unit. Config,
/// state and workspaces stay. A unit that is not there is not an error.
pub fn gateway_uninstall(ctx: &Context, args: &GatewayUninstallArgs) -> ExitCode {
    let (name, path) = unit_location(ctx);
    let stopped = systemctl(&["--user", "disable", "--now", &name]);
    let removed = match std::fs::remove_file(&path) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            eprintln!(
                "Cannot remove {}: {e}; remove it by hand, then run `systemctl --user daemon-reload`.",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    };
    if removed {
        // Best effort: systemd forgets the unit at its next reload anyway.
        let _ = systemctl(&["--user", "daemon-reload"]);
    }
    let problem = stopped.err().filter(|_| removed);
    if args.json {
        print_json(&json!({
            "ok": true, "action": "uninstall", "removed": removed,
            "unit": name, "unitPath": path.display().to_string(), "problem": problem,
        }));
    } else if removed {
        println!("Removed {name} ({})", path.display());
    } else {
        println!("No {name} installed (looked for {})", path.display());
    }
    if let Some(problem) = problem {
        eprintln!(
            "Warning: could not stop the service ({problem}); a gateway it started may still run: stop it with `systemctl --user stop {name}` or by its pid."
        );
    }
    ExitCode::SUCCESS
}
