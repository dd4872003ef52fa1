//! Tool allow/deny policy (spec §4.9, §5.6.4). INTERFACE ONLY — to be completed by the tools work.

use openclaw_config::Config;

/// Which tool names a turn may offer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolPolicy {}

impl ToolPolicy {
    /// The effective policy for one agent talking to `provider`/`model`.
    pub fn resolve(_config: &Config, _agent_id: &str, _provider: &str, _model: &str) -> Self {
        Self {}
    }

    /// Whether `tool_name` (OpenClaw's name, e.g. `exec`, `sessions_list`) is allowed.
    pub fn allows(&self, _tool_name: &str) -> bool {
        true
    }
}
