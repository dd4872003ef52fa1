//! A temp state dir and a way to run `openclaw` against it with a clean environment.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_openclaw"))
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// stdout and stderr, for assertions and failure messages.
    pub fn text(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A private (0700) state dir.
pub struct State {
    dir: TempDir,
}

impl State {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("openclaw-ops-")
            .tempdir()
            .unwrap();
        set_mode(dir.path(), 0o700);
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.path().join("openclaw.json")
    }

    /// Writes `openclaw.json` verbatim with mode 0600.
    pub fn write_config(&self, text: &str) {
        let path = self.config_path();
        std::fs::write(&path, text).unwrap();
        set_mode(&path, 0o600);
    }

    pub fn read_config(&self) -> Value {
        let text = std::fs::read_to_string(self.config_path()).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    pub async fn run(&self, args: &[&str]) -> Out {
        self.run_env(args, &[]).await
    }

    pub async fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut command = tokio::process::Command::new(bin());
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path())
            .env("OPENCLAW_STATE_DIR", self.path())
            .env("NO_COLOR", "1")
            .current_dir(self.path())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        for (name, value) in env {
            command.env(name, value);
        }
        let output = tokio::time::timeout(Duration::from_secs(60), command.output())
            .await
            .unwrap_or_else(|_| panic!("openclaw {args:?} did not finish within 60 s"))
            .unwrap();
        Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

pub fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    openclaw_testkit::free_port().unwrap()
}

/// The findings of a `--json` report whose checkId is `id`.
pub fn findings<'a>(report: &'a Value, id: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .map(|list| list.iter().filter(|f| f["checkId"] == id).collect())
        .unwrap_or_default()
}
