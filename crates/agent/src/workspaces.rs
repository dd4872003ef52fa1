//! Per-process workspace state for the turn loop: which workspaces were already ensured, their
//! bootstrap files (reloaded only on change) and recently built system prompts.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use openclaw_config::Config;

use crate::error::AgentError;
use crate::prompt::{PromptCache, PromptInputs, PromptOptions, SystemPrompt};
use crate::workspace::{BootstrapCache, BootstrapFile, ensure_workspace};

/// Ensured workspaces remembered at most (a reload could point agents anywhere).
const MAX_ENSURED: usize = 256;

#[derive(Default)]
pub(crate) struct Workspaces {
    ensured: Mutex<HashSet<PathBuf>>,
    bootstrap: BootstrapCache,
    prompts: PromptCache,
}

impl Workspaces {
    /// Makes sure the workspace exists with its bootstrap files (once per directory and
    /// process, again if the directory disappears), then returns its Project Context files.
    pub async fn bootstrap(
        &self,
        config: &Config,
        dir: &Path,
    ) -> Result<Arc<[BootstrapFile]>, AgentError> {
        let known = self
            .ensured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(dir);
        if !known || !dir.is_dir() {
            let skip = config
                .agents
                .as_ref()
                .and_then(|a| a.defaults.as_ref())
                .and_then(|d| d.skip_bootstrap)
                .unwrap_or(false);
            let owned = dir.to_path_buf();
            tokio::task::spawn_blocking(move || ensure_workspace(&owned, skip))
                .await
                .map_err(|_| AgentError::Workspace {
                    path: dir.to_path_buf(),
                    source: std::io::Error::other("the workspace task was cancelled"),
                })??;
            let mut ensured = self.ensured.lock().unwrap_or_else(PoisonError::into_inner);
            if ensured.len() >= MAX_ENSURED {
                ensured.clear();
            }
            ensured.insert(dir.to_path_buf());
            self.bootstrap.invalidate(dir);
        }
        Ok(self.bootstrap.load(dir))
    }

    /// The system prompt for these inputs, reused while they do not change.
    pub fn prompt(&self, inputs: &PromptInputs<'_>) -> Arc<SystemPrompt> {
        self.prompts.get_or_build(inputs, &PromptOptions::default())
    }
}
