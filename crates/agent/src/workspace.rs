//! The agent workspace: where it lives and the bootstrap files seeded into it.
//! INTERFACE ONLY — to be completed by the workspace/prompt work.

use std::path::{Path, PathBuf};

use openclaw_config::Config;

use crate::error::AgentError;

/// One bootstrap file as read for the prompt's Project Context.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapFile {
    /// File name (`AGENTS.md`, …).
    pub name: String,
    pub path: PathBuf,
    /// `None` when the file is missing.
    pub content: Option<String>,
}

/// The workspace directory of `agent_id`: the agent's `workspace`, else (default agent)
/// `agents.defaults.workspace`, else `<state>/workspace` (default agent) or
/// `<state>/workspace-<id>`.
pub fn resolve_workspace(_config: &Config, state_dir: &Path, agent_id: &str) -> PathBuf {
    state_dir.join(format!("workspace-{agent_id}"))
}

/// Creates the directory and writes missing bootstrap files (unless `skip_bootstrap`).
pub fn ensure_workspace(_dir: &Path, _skip_bootstrap: bool) -> Result<(), AgentError> {
    Ok(())
}

/// Reads the Project Context files in OpenClaw's order.
pub fn load_bootstrap_files(_dir: &Path) -> Vec<BootstrapFile> {
    Vec::new()
}
