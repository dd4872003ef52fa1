//! Reuse of built prompts while their inputs stay the same.
//!
//! Building is cheap but not free (truncation scans up to 150 000 characters, the report
//! serialises every tool schema); the turn loop asks for a prompt on every turn and the answer
//! is nearly always the previous one. Comparing the inputs is much cheaper than building: string
//! and slice comparisons stop at the first differing length, and equal bootstrap text is a
//! `memcmp`.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use openclaw_providers::{ThinkingLevel, ToolSpec};

use super::{PromptInputs, PromptOptions, SystemPrompt, build_system_prompt_with};
use crate::workspace::BootstrapFile;

/// Distinct prompts kept: a few agents × models × extra prompts (group chats) in rotation.
const CAPACITY: usize = 16;

/// An owned copy of everything a prompt depends on.
#[derive(Debug)]
struct Key {
    agent_id: String,
    agent_name: Option<String>,
    workspace: PathBuf,
    model: String,
    thinking: ThinkingLevel,
    tools: Vec<ToolSpec>,
    bootstrap: Vec<BootstrapFile>,
    bootstrap_max_chars: usize,
    user_timezone: Option<String>,
    extra_system_prompt: Option<String>,
    options: PromptOptions,
}

impl Key {
    fn of(inputs: &PromptInputs<'_>, options: &PromptOptions) -> Key {
        Key {
            agent_id: inputs.agent_id.to_string(),
            agent_name: inputs.agent_name.map(str::to_string),
            workspace: inputs.workspace.to_path_buf(),
            model: inputs.model.to_string(),
            thinking: inputs.thinking,
            tools: inputs.tools.to_vec(),
            bootstrap: inputs.bootstrap.to_vec(),
            bootstrap_max_chars: inputs.bootstrap_max_chars,
            user_timezone: inputs.user_timezone.map(str::to_string),
            extra_system_prompt: inputs.extra_system_prompt.map(str::to_string),
            options: options.clone(),
        }
    }

    /// Cheap fields first, so a different agent or model is rejected before any long text.
    fn matches(&self, inputs: &PromptInputs<'_>, options: &PromptOptions) -> bool {
        self.agent_id == inputs.agent_id
            && self.model == inputs.model
            && self.thinking == inputs.thinking
            && self.bootstrap_max_chars == inputs.bootstrap_max_chars
            && self.agent_name.as_deref() == inputs.agent_name
            && self.user_timezone.as_deref() == inputs.user_timezone
            && self.extra_system_prompt.as_deref() == inputs.extra_system_prompt
            && self.workspace == inputs.workspace
            && self.options == *options
            && self.tools.as_slice() == inputs.tools
            && self.bootstrap.as_slice() == inputs.bootstrap
    }
}

/// Recently built prompts, returned again while their inputs are equal. `Send + Sync`; share
/// it (e.g. in an `Arc`) between turns.
#[derive(Debug, Default)]
pub struct PromptCache {
    entries: Mutex<VecDeque<(Key, Arc<SystemPrompt>)>>,
}

impl PromptCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// The prompt for `inputs`, built only when no recent build had the same inputs.
    pub fn get_or_build(
        &self,
        inputs: &PromptInputs<'_>,
        options: &PromptOptions,
    ) -> Arc<SystemPrompt> {
        {
            let mut entries = self.lock();
            if let Some(pos) = entries.iter().position(|(k, _)| k.matches(inputs, options)) {
                let prompt = Arc::clone(&entries[pos].1);
                if pos != 0 {
                    // Most recently used first: the next turn of this session finds it at once.
                    if let Some(entry) = entries.remove(pos) {
                        entries.push_front(entry);
                    }
                }
                return prompt;
            }
        }
        let prompt = Arc::new(build_system_prompt_with(inputs, options));
        let mut entries = self.lock();
        entries.push_front((Key::of(inputs, options), Arc::clone(&prompt)));
        entries.truncate(CAPACITY);
        prompt
    }

    /// Number of prompts held (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<(Key, Arc<SystemPrompt>)>> {
        // Entries are inserted whole; a panic elsewhere cannot leave one half-made.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
