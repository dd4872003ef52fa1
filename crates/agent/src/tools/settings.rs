//! Tool settings resolved from config (`tools.exec`, `tools.web.fetch`, per-agent `tools`).
//! INTERFACE ONLY — to be completed by the tools work.

use openclaw_config::Config;

/// Limits and modes for the local tools, resolved once per turn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolSettings {}

impl ToolSettings {
    pub fn from_config(_config: &Config, _agent_id: &str) -> Self {
        Self {}
    }
}
