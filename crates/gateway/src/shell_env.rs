//! Optional login-shell import (`env.shellEnv.enabled` or `OPENCLAW_LOAD_SHELL_ENV=1`): run the
//! user's login shell once, read its environment, and take only *missing* expected keys (API
//! keys, channel tokens, the gateway secret). Lowest precedence of all env sources, as in
//! OpenClaw. Useful under systemd/launchd, where keys live in shell profiles.
//!
//! The shell is a child process with a deadline: it is killed (and reaped) when the deadline
//! passes, and its output is read up to a fixed cap.

use std::time::Duration;

use openclaw_config::{Config, Env};
use tokio::io::AsyncReadExt;

/// OpenClaw's defaults.
pub const DEFAULT_TIMEOUT_MS: u64 = 15_000;
const MAX_OUTPUT_BYTES: u64 = 2 * 1024 * 1024;

/// The keys the import may fill in (never anything else: a login shell's PATH, HOME, etc. must
/// not leak into the gateway).
pub const EXPECTED_KEYS: &[&str] = &[
    "OPENCLAW_GATEWAY_TOKEN",
    "OPENCLAW_GATEWAY_PASSWORD",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_OAUTH_TOKEN",
    "OPENAI_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "OPENROUTER_API_KEY",
    "ZAI_API_KEY",
    "Z_AI_API_KEY",
    "GROQ_API_KEY",
    "XAI_API_KEY",
    "MISTRAL_API_KEY",
    "CEREBRAS_API_KEY",
    "MOONSHOT_API_KEY",
    "MINIMAX_API_KEY",
    "AI_GATEWAY_API_KEY",
    "DISCORD_BOT_TOKEN",
    "TELEGRAM_BOT_TOKEN",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_USER_TOKEN",
    "ELEVENLABS_API_KEY",
    "BRAVE_API_KEY",
];

#[derive(Debug, thiserror::Error)]
pub enum ShellEnvError {
    #[error("cannot start login shell {shell}: {source}")]
    Spawn {
        shell: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "login shell {shell} did not finish within {ms} ms (raise env.shellEnv.timeoutMs or OPENCLAW_SHELL_ENV_TIMEOUT_MS)"
    )]
    Timeout { shell: String, ms: u64 },
    #[error("reading the login shell's environment failed: {0}")]
    Read(#[source] std::io::Error),
}

/// Whether the import is on, and its timeout.
pub fn settings(config: &Config, env: &Env) -> Option<Duration> {
    let section = config.env.as_ref().and_then(|e| e.shell_env.as_ref());
    let by_env = env
        .openclaw("LOAD_SHELL_ENV")
        .is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes" | "on"));
    let enabled = by_env || section.and_then(|s| s.enabled) == Some(true);
    if !enabled {
        return None;
    }
    let ms = env
        .openclaw("SHELL_ENV_TIMEOUT_MS")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or_else(|| section.and_then(|s| s.timeout_ms))
        .unwrap_or(DEFAULT_TIMEOUT_MS);
    Some(Duration::from_millis(ms.max(1)))
}

/// Runs the login shell and fills missing expected keys into `env`; returns the keys set.
pub async fn import(env: &mut Env, timeout: Duration) -> Result<Vec<String>, ShellEnvError> {
    let shell = env.get_non_empty("SHELL").unwrap_or("/bin/sh").to_string();
    let output = run_shell(&shell, timeout).await?;
    let mut applied = Vec::new();
    for (key, value) in parse_env0(&output) {
        if EXPECTED_KEYS.contains(&key) && !value.is_empty() && env.set_if_absent(key, value) {
            applied.push(key.to_string());
        }
    }
    Ok(applied)
}

async fn run_shell(shell: &str, timeout: Duration) -> Result<Vec<u8>, ShellEnvError> {
    let mut child = tokio::process::Command::new(shell)
        .args(["-l", "-c", "env -0"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ShellEnvError::Spawn {
            shell: shell.to_string(),
            source,
        })?;
    let Some(stdout) = child.stdout.take() else {
        return Err(ShellEnvError::Read(std::io::Error::other("no stdout pipe")));
    };
    let read = async {
        let mut buf = Vec::new();
        stdout
            .take(MAX_OUTPUT_BYTES)
            .read_to_end(&mut buf)
            .await
            .map_err(ShellEnvError::Read)?;
        // Reap the child so it never lingers as a zombie.
        let _ = child.wait().await;
        Ok(buf)
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(result) => result,
        Err(_) => Err(ShellEnvError::Timeout {
            shell: shell.to_string(),
            ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        }),
    }
}

fn parse_env0(bytes: &[u8]) -> impl Iterator<Item = (&str, &str)> {
    bytes
        .split(|b| *b == 0)
        .filter_map(|entry| std::str::from_utf8(entry).ok())
        .filter_map(|entry| entry.split_once('='))
        .filter(|(key, _)| !key.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_script(dir: &std::path::Path, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("fake-shell");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    #[tokio::test]
    async fn imports_only_missing_expected_keys() {
        let dir = tempfile::tempdir().unwrap();
        let shell = write_script(
            dir.path(),
            "printf 'OPENAI_API_KEY=from-shell\\0ANTHROPIC_API_KEY=shell\\0PATH=/evil\\0DISCORD_BOT_TOKEN=\\0'",
        );
        let mut env =
            Env::from_pairs([("SHELL", shell.as_str()), ("ANTHROPIC_API_KEY", "process")]);
        let applied = import(&mut env, Duration::from_secs(10)).await.unwrap();
        assert_eq!(applied, vec!["OPENAI_API_KEY".to_string()]);
        assert_eq!(env.get("OPENAI_API_KEY"), Some("from-shell"));
        assert_eq!(env.get("ANTHROPIC_API_KEY"), Some("process"));
        assert_eq!(env.get("PATH"), None);
        assert_eq!(env.get("DISCORD_BOT_TOKEN"), None);
    }

    #[tokio::test]
    async fn a_hanging_shell_times_out_and_is_killed() {
        let dir = tempfile::tempdir().unwrap();
        let shell = write_script(dir.path(), "exec sleep 30");
        let mut env = Env::from_pairs([("SHELL", shell.as_str())]);
        let started = std::time::Instant::now();
        let err = import(&mut env, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(matches!(err, ShellEnvError::Timeout { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn enabled_by_env_or_config() {
        let config = Config::default();
        assert_eq!(settings(&config, &Env::from_pairs([("A", "b")])), None);
        let env = Env::from_pairs([
            ("OPENCLAW_LOAD_SHELL_ENV", "1"),
            ("OPENCLAW_SHELL_ENV_TIMEOUT_MS", "500"),
        ]);
        assert_eq!(settings(&config, &env), Some(Duration::from_millis(500)));
        let legacy = Env::from_pairs([("CLAWDBOT_LOAD_SHELL_ENV", "1")]);
        assert_eq!(
            settings(&config, &legacy),
            Some(Duration::from_millis(DEFAULT_TIMEOUT_MS))
        );
    }
}
