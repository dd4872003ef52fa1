//! The workspace-related config of one agent, with OpenClaw's defaults (spec §4.2).

use std::path::{Path, PathBuf};

use openclaw_config::Config;

/// `bootstrapMaxChars` default: per-file cap of the Project Context.
pub const DEFAULT_BOOTSTRAP_MAX_CHARS: usize = 20_000;
/// `bootstrapTotalMaxChars` default: cap over all Project Context files together.
pub const DEFAULT_BOOTSTRAP_TOTAL_MAX_CHARS: usize = 150_000;

/// What the turn loop needs to prepare the workspace and the Project Context of one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSettings {
    pub dir: PathBuf,
    /// `agents.defaults.skipBootstrap`: do not seed missing files.
    pub skip_bootstrap: bool,
    /// `agents.list[].bootstrapMaxChars`, else `agents.defaults.bootstrapMaxChars`, else 20000.
    pub bootstrap_max_chars: usize,
    /// `agents.list[].bootstrapTotalMaxChars`, else the defaults' value, else 150000.
    pub bootstrap_total_max_chars: usize,
    /// `agents.defaults.userTimezone`, if set and not blank.
    pub user_timezone: Option<String>,
}

impl WorkspaceSettings {
    /// Resolves the settings of `agent_id` (see [`super::resolve_workspace`] for the directory).
    pub fn resolve(config: &Config, state_dir: &Path, agent_id: &str) -> Self {
        Self::resolve_with_home(config, state_dir, std::env::home_dir().as_deref(), agent_id)
    }

    /// [`WorkspaceSettings::resolve`] with an explicit home directory for `~`.
    pub fn resolve_with_home(
        config: &Config,
        state_dir: &Path,
        home: Option<&Path>,
        agent_id: &str,
    ) -> Self {
        let defaults = config.agents.as_ref().and_then(|a| a.defaults.as_ref());
        let entry = config.agent(agent_id);
        // Zero or absurdly large values fall back to the default, as OpenClaw accepts positive
        // numbers only.
        let positive = |v: Option<u64>| v.filter(|n| *n > 0).and_then(|n| usize::try_from(n).ok());
        Self {
            dir: super::resolve_workspace_with_home(config, state_dir, home, agent_id),
            skip_bootstrap: defaults.and_then(|d| d.skip_bootstrap).unwrap_or(false),
            bootstrap_max_chars: positive(entry.and_then(|e| e.bootstrap_max_chars))
                .or_else(|| positive(defaults.and_then(|d| d.bootstrap_max_chars)))
                .unwrap_or(DEFAULT_BOOTSTRAP_MAX_CHARS),
            bootstrap_total_max_chars: positive(entry.and_then(|e| e.bootstrap_total_max_chars))
                .or_else(|| positive(defaults.and_then(|d| d.bootstrap_total_max_chars)))
                .unwrap_or(DEFAULT_BOOTSTRAP_TOTAL_MAX_CHARS),
            user_timezone: defaults
                .and_then(|d| d.user_timezone.as_deref())
                .map(str::trim)
                .filter(|tz| !tz.is_empty())
                .map(str::to_string),
        }
    }
}
