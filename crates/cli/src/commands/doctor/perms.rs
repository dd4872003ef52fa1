//! Permission checks of the state dir and the files holding secrets: the config,
//! `credentials/**`, every agent's `auth-profiles.json` and `<state>/.env`. Directories want 0700
//! and files 0600; anything readable by group or others is reported with a `chmod` repair.

use std::path::{Path, PathBuf};

use openclaw_config::{Config, StatePaths};

use super::fix::Repair;
use super::report::{Finding, Severity};

/// A file or directory with more permission bits than it should have.
#[derive(Debug, Clone)]
pub struct PermIssue {
    pub path: PathBuf,
    pub mode: u32,
    pub want: u32,
    pub what: &'static str,
}

impl PermIssue {
    pub fn world_writable(&self) -> bool {
        self.mode & 0o002 != 0
    }

    pub fn world_readable(&self) -> bool {
        self.mode & 0o004 != 0
    }

    pub fn finding(&self, check_id: &str, severity: Severity) -> Finding {
        let who = if self.world_writable() {
            "writable by every user"
        } else if self.world_readable() {
            "readable by every user"
        } else {
            "open to its group"
        };
        Finding::new(
            check_id,
            severity,
            format!(
                "{} {} is {who} (mode {:o}, want {:o})",
                self.what,
                self.path.display(),
                self.mode,
                self.want
            ),
        )
        .fix(format!("chmod {:o} {}", self.want, self.path.display()))
        .repair(Repair::Chmod {
            path: self.path.clone(),
            mode: self.want,
        })
    }
}

/// Every path worth checking, with what it should be.
pub(crate) fn targets(
    paths: &StatePaths,
    config: Option<&Config>,
) -> Vec<(PathBuf, u32, &'static str)> {
    let mut out = vec![
        (paths.state_dir.clone(), 0o700, "State dir"),
        (paths.config_path.clone(), 0o600, "Config"),
        (paths.dotenv_path.clone(), 0o600, "Env file"),
        (paths.credentials_dir.clone(), 0o700, "Credentials dir"),
    ];
    for (path, is_dir) in walk(&paths.credentials_dir, 3) {
        out.push(if is_dir {
            (path, 0o700, "Credentials dir")
        } else {
            (path, 0o600, "Credential file")
        });
    }
    let mut agent_dirs: Vec<PathBuf> = std::fs::read_dir(&paths.agents_dir)
        .map(|rd| rd.flatten().map(|e| e.path().join("agent")).collect())
        .unwrap_or_default();
    if let Some(config) = config {
        for id in config.agent_ids() {
            agent_dirs.push(paths.resolve_agent_dir(config, &id));
        }
    }
    agent_dirs.sort();
    agent_dirs.dedup();
    for dir in agent_dirs {
        out.push((
            dir.join(openclaw_providers::credentials::AUTH_PROFILES_FILE),
            0o600,
            "Auth profiles",
        ));
    }
    out
}

/// Entries under `dir` (not following symlinks), at most `depth` levels deep.
fn walk(dir: &Path, depth: usize) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    if depth == 0 {
        return out;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            continue;
        }
        let path = entry.path();
        if kind.is_dir() {
            out.push((path.clone(), true));
            out.extend(walk(&path, depth - 1));
        } else {
            out.push((path, false));
        }
    }
    out
}

/// Paths that exist and allow more than they should (group or other bits set).
pub fn issues(paths: &StatePaths, config: Option<&Config>) -> Vec<PermIssue> {
    targets(paths, config)
        .into_iter()
        .filter_map(|(path, want, what)| {
            let mode = mode_of(&path)?;
            (mode & 0o077 != 0).then_some(PermIssue {
                path,
                mode,
                want,
                what,
            })
        })
        .collect()
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::symlink_metadata(path).ok()?;
    if meta.file_type().is_symlink() {
        return None;
    }
    Some(meta.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn mode_of(_path: &Path) -> Option<u32> {
    None
}

/// The doctor's view: world-accessible secrets are warnings, group access notes.
pub fn findings(paths: &StatePaths, config: Option<&Config>) -> Vec<Finding> {
    issues(paths, config)
        .iter()
        .map(|issue| {
            let severity = if issue.world_writable() || issue.world_readable() {
                Severity::Warn
            } else {
                Severity::Info
            };
            issue.finding("fs.permissions", severity)
        })
        .collect()
}
