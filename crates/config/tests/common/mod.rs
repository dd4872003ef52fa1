//! Shared helpers for the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::path::{Path, PathBuf};

use openclaw_config::{Diagnostic, Env, LoadedConfig};

/// A scratch state directory.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `content` to `name` (creating parent dirs) and returns the full path.
    pub fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, content).expect("write");
        path
    }

    /// Loads `name` with `env`.
    pub fn load(&self, name: &str, env: &Env) -> LoadedConfig {
        openclaw_config::load(&self.dir.path().join(name), env).expect("load")
    }

    /// Diagnostics rendered with the scratch dir replaced by `<dir>` (stable for snapshots).
    pub fn show(&self, diagnostics: &[Diagnostic]) -> String {
        let prefix = self.dir.path().display().to_string();
        diagnostics
            .iter()
            .map(|d| d.to_string().replace(&prefix, "<dir>"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A fixture from `tests/fixtures`.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}
