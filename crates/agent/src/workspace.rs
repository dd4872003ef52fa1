//! The agent workspace: where it lives, the bootstrap files seeded into it, and how they are read
//! for the system prompt's Project Context (spec §3 "Workspace", §5.6 steps 1 and 3).

mod cache;
mod settings;

use std::io::Write;
use std::path::{Path, PathBuf};

use openclaw_config::{Config, expand_tilde, normalize_agent_id};

use crate::error::AgentError;

pub use cache::BootstrapCache;
pub use settings::{
    DEFAULT_BOOTSTRAP_MAX_CHARS, DEFAULT_BOOTSTRAP_TOTAL_MAX_CHARS, WorkspaceSettings,
};

/// One bootstrap file as read for the prompt's Project Context.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapFile {
    /// File name (`AGENTS.md`, …).
    pub name: String,
    pub path: PathBuf,
    /// `None` when the file is missing.
    pub content: Option<String>,
}

/// The files seeded into every workspace, in Project Context order.
pub const SEEDED_FILES: [&str; 6] = [
    "AGENTS.md",
    "SOUL.md",
    "TOOLS.md",
    "IDENTITY.md",
    "USER.md",
    "HEARTBEAT.md",
];

/// The first-run ritual, seeded only into brand-new workspaces.
pub const BOOTSTRAP_FILE: &str = "BOOTSTRAP.md";

/// Optional long-term memory files, injected only when present (both spellings are accepted).
pub const MEMORY_FILES: [&str; 2] = ["MEMORY.md", "memory.md"];

/// Our own template text for each seeded file (never OpenClaw's prose).
fn template(name: &str) -> Option<&'static str> {
    Some(match name {
        "AGENTS.md" => include_str!("../templates/AGENTS.md"),
        "SOUL.md" => include_str!("../templates/SOUL.md"),
        "TOOLS.md" => include_str!("../templates/TOOLS.md"),
        "IDENTITY.md" => include_str!("../templates/IDENTITY.md"),
        "USER.md" => include_str!("../templates/USER.md"),
        "HEARTBEAT.md" => include_str!("../templates/HEARTBEAT.md"),
        "BOOTSTRAP.md" => include_str!("../templates/BOOTSTRAP.md"),
        _ => return None,
    })
}

/// The workspace directory of `agent_id`: the agent's `workspace`, else (default agent)
/// `agents.defaults.workspace`, else `<state>/workspace` (default agent) or
/// `<state>/workspace-<id>`.
///
/// Deliberately differs from OpenClaw 2026.1.29, which put the default workspace at
/// `~/.openclaw/workspace` even when `OPENCLAW_STATE_DIR` pointed elsewhere (spec §3). On hosts
/// where only the state dir is on a persistent volume (Fly.io with `/data`), that left AGENTS.md,
/// SOUL.md and the agent's memory on the ephemeral root filesystem: they vanished on every
/// restart and BOOTSTRAP.md was re-seeded. Keeping the default under the state dir keeps one
/// directory the whole truth; an explicit `workspace` in the config still wins.
///
/// `~` is expanded against the process's home directory (see [`resolve_workspace_with_home`] to
/// pass another one); a relative path is made absolute against the current directory.
pub fn resolve_workspace(config: &Config, state_dir: &Path, agent_id: &str) -> PathBuf {
    resolve_workspace_with_home(config, state_dir, std::env::home_dir().as_deref(), agent_id)
}

/// [`resolve_workspace`] with an explicit home directory for `~` (`None`: `~` stays literal).
pub fn resolve_workspace_with_home(
    config: &Config,
    state_dir: &Path,
    home: Option<&Path>,
    agent_id: &str,
) -> PathBuf {
    let id = normalize_agent_id(agent_id);
    let configured = config
        .agent(&id)
        .and_then(|a| a.workspace.as_deref())
        .or_else(|| {
            if id != config.default_agent_id() {
                return None;
            }
            config
                .agents
                .as_ref()?
                .defaults
                .as_ref()?
                .workspace
                .as_deref()
        })
        .filter(|dir| !dir.trim().is_empty());
    let dir = match configured {
        Some(dir) => match home {
            Some(home) => expand_tilde(dir, home),
            None => PathBuf::from(dir.trim()),
        },
        None if id == config.default_agent_id() => state_dir.join("workspace"),
        None => state_dir.join(format!("workspace-{id}")),
    };
    // The prompt shows this path to the model; an absolute one means the same in every tool.
    std::path::absolute(&dir).unwrap_or(dir)
}

/// Creates the directory (0700 when new) and, unless `skip_bootstrap`, writes every seeded file
/// that is missing. Existing files are never touched, even when empty. `BOOTSTRAP.md` is written
/// only when none of the six seeded files existed: a workspace someone already set up does not
/// get the first-run ritual again after they deleted it.
///
/// Blocking filesystem calls: async callers run this in `spawn_blocking`.
pub fn ensure_workspace(dir: &Path, skip_bootstrap: bool) -> Result<(), AgentError> {
    create_dir_private(dir).map_err(|source| AgentError::Workspace {
        path: dir.to_path_buf(),
        source,
    })?;
    if skip_bootstrap {
        return Ok(());
    }
    let mut any_existed = false;
    for name in SEEDED_FILES {
        let path = dir.join(name);
        // A dangling symlink counts as existing: the user put it there, we must not replace it.
        if std::fs::symlink_metadata(&path).is_ok() {
            any_existed = true;
        }
    }
    for name in SEEDED_FILES {
        write_if_missing(&dir.join(name), template(name).unwrap_or_default())?;
    }
    if !any_existed {
        write_if_missing(
            &dir.join(BOOTSTRAP_FILE),
            template(BOOTSTRAP_FILE).unwrap_or_default(),
        )?;
    }
    Ok(())
}

fn create_dir_private(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// `create_new` makes "missing" and "write" one step, so a file created concurrently (another
/// turn, the user's editor) is never overwritten.
fn write_if_missing(path: &Path, content: &str) -> Result<(), AgentError> {
    let workspace_err = |source| AgentError::Workspace {
        path: path.to_path_buf(),
        source,
    };
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
        Err(e) => return Err(workspace_err(e)),
    };
    if let Err(e) = file
        .write_all(content.as_bytes())
        .and_then(|()| file.flush())
    {
        // A half-written template would count as "existing" forever; better to retry next turn.
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(workspace_err(e));
    }
    Ok(())
}

/// Reads the Project Context files in OpenClaw's order: the six seeded files and `BOOTSTRAP.md`
/// (each present or `content: None`), then `MEMORY.md` / `memory.md` only when they exist — one
/// entry per real file, so on a case-insensitive filesystem the memory file appears once.
///
/// Unreadable files count as missing (and are logged); invalid UTF-8 is replaced, not rejected.
/// Blocking filesystem calls.
pub fn load_bootstrap_files(dir: &Path) -> Vec<BootstrapFile> {
    let mut files: Vec<BootstrapFile> = SEEDED_FILES
        .iter()
        .chain(std::iter::once(&BOOTSTRAP_FILE))
        .map(|name| {
            let path = dir.join(name);
            BootstrapFile {
                name: (*name).to_string(),
                content: read_text(&path),
                path,
            }
        })
        .collect();
    let mut seen_memory: Vec<PathBuf> = Vec::new();
    for name in MEMORY_FILES {
        let path = dir.join(name);
        let Some(content) = read_text(&path) else {
            continue;
        };
        let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if seen_memory.contains(&real) {
            continue;
        }
        seen_memory.push(real);
        files.push(BootstrapFile {
            name: name.to_string(),
            path,
            content: Some(content),
        });
    }
    files
}

fn read_text(path: &Path) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => Some(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            tracing::warn!(
                path = %path.display(),
                error = %e,
                "cannot read workspace file; it is treated as missing (check its permissions)"
            );
            None
        }
    }
}

/// Whether a `HEARTBEAT.md` body asks for nothing: only blank lines, Markdown headings and empty
/// list items (`-`, `* [ ]`, …). Heartbeat runs skip the model call for such a file; the seeded
/// template is written to be effectively empty.
pub fn heartbeat_is_effectively_empty(content: &str) -> bool {
    content.lines().all(|line| {
        let line = line.trim();
        if line.is_empty() {
            return true;
        }
        let after_hashes = line.trim_start_matches('#');
        if after_hashes.len() < line.len()
            && (after_hashes.is_empty() || after_hashes.starts_with(char::is_whitespace))
        {
            return true;
        }
        let Some(item) = line.strip_prefix(['-', '*', '+']) else {
            return false;
        };
        let item = item.trim();
        item.is_empty() || matches!(item, "[]" | "[ ]" | "[x]" | "[X]")
    })
}

#[cfg(test)]
mod tests;
