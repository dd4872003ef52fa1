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

/// Prompts remembered by identity of their inputs.
const MEMO_CAPACITY: usize = 32;

#[derive(Default)]
pub(crate) struct Workspaces {
    ensured: Mutex<HashSet<PathBuf>>,
    bootstrap: BootstrapCache,
    prompts: PromptCache,
    memo: Mutex<Vec<(MemoKey, Arc<SystemPrompt>)>>,
}

/// The inputs of a prompt, with the shared tool set and bootstrap files compared by identity
/// (both come from caches that hand out the same `Arc` while nothing changed), so a hit costs a
/// few string comparisons instead of comparing schemas and file contents.
struct MemoKey {
    tools: Arc<[openclaw_providers::ToolSpec]>,
    bootstrap: Arc<[BootstrapFile]>,
    scalars: String,
}

impl MemoKey {
    fn new(
        inputs: &PromptInputs<'_>,
        tools: &Arc<[openclaw_providers::ToolSpec]>,
        bootstrap: &Arc<[BootstrapFile]>,
    ) -> Self {
        // One string with separators that cannot occur in the parts' own text.
        let scalars = format!(
            "{}\u{1}{:?}\u{1}{}\u{1}{}\u{1}{:?}\u{1}{}\u{1}{:?}\u{1}{:?}",
            inputs.agent_id,
            inputs.agent_name,
            inputs.workspace.display(),
            inputs.model,
            inputs.thinking,
            inputs.bootstrap_max_chars,
            inputs.user_timezone,
            inputs.extra_system_prompt,
        );
        Self {
            tools: tools.clone(),
            bootstrap: bootstrap.clone(),
            scalars,
        }
    }

    fn matches(&self, other: &MemoKey) -> bool {
        Arc::ptr_eq(&self.tools, &other.tools)
            && Arc::ptr_eq(&self.bootstrap, &other.bootstrap)
            && self.scalars == other.scalars
    }
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

    /// The system prompt for these inputs, reused while they do not change. `tools` and
    /// `bootstrap` must be the slices behind `inputs.tools` / `inputs.bootstrap`.
    pub fn prompt(
        &self,
        inputs: &PromptInputs<'_>,
        tools: &Arc<[openclaw_providers::ToolSpec]>,
        bootstrap: &Arc<[BootstrapFile]>,
    ) -> Arc<SystemPrompt> {
        let key = MemoKey::new(inputs, tools, bootstrap);
        let mut memo = self.memo.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, prompt)) = memo.iter().find(|(known, _)| known.matches(&key)) {
            return prompt.clone();
        }
        let prompt = self.prompts.get_or_build(inputs, &PromptOptions::default());
        if memo.len() >= MEMO_CAPACITY {
            memo.remove(0);
        }
        memo.push((key, prompt.clone()));
        prompt
    }
}
