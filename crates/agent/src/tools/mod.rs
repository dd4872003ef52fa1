//! Built-in tools the model can call, with OpenClaw's names and JSON schemas.
//!
//! Local tools (this module) act on the agent's workspace, the host shell and the web:
//! `exec`, `read`, `write`, `edit`, `web_fetch`. Session tools (`sessions_list`,
//! `sessions_history`, `sessions_send`) need the runtime and live in `crate::session_tools`.
//! [`policy::ToolPolicy`] decides which of all of them a turn offers to the model.
//!
//! A tool never fails the turn: every problem (bad arguments, a refused path, a timeout) becomes
//! a [`ToolOutput`] with `is_error: true` that the model reads and can react to.

mod args;
pub mod exec;
mod exec_allowlist;
mod exec_output;
pub mod fs;
mod html;
mod net_guard;
mod paths;
pub mod policy;
pub mod settings;
pub mod web_fetch;

use std::path::PathBuf;

use openclaw_providers::ToolSpec;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use policy::ToolPolicy;
pub use settings::ToolSettings;

/// What a tool run may touch.
#[derive(Debug, Clone)]
pub struct ToolContext {
    /// The agent's workspace; file tools are confined to it.
    pub workspace: PathBuf,
    pub agent_id: String,
    pub session_key: String,
    pub settings: ToolSettings,
    /// Cancelled when the run is aborted or times out; long tools must stop promptly.
    pub cancel: CancellationToken,
}

/// A tool's answer, fed back to the model as a tool result.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub content: String,
    pub is_error: bool,
}

impl ToolOutput {
    pub fn ok(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            is_error: false,
        }
    }

    pub fn error(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            is_error: true,
        }
    }
}

/// The local built-in tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTool {
    Exec,
    Read,
    Write,
    Edit,
    WebFetch,
}

impl LocalTool {
    pub const ALL: [LocalTool; 5] = [
        LocalTool::Exec,
        LocalTool::Read,
        LocalTool::Write,
        LocalTool::Edit,
        LocalTool::WebFetch,
    ];

    /// OpenClaw's tool name.
    pub fn name(self) -> &'static str {
        match self {
            LocalTool::Exec => "exec",
            LocalTool::Read => "read",
            LocalTool::Write => "write",
            LocalTool::Edit => "edit",
            LocalTool::WebFetch => "web_fetch",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|tool| tool.name() == name)
    }

    /// Whether the tool exists at all under `settings` (OpenClaw does not create `web_fetch`
    /// when `tools.web.fetch.enabled` is false). Policy is separate: see [`ToolPolicy`].
    pub fn enabled(self, settings: &ToolSettings) -> bool {
        match self {
            LocalTool::WebFetch => settings.web_fetch.enabled,
            LocalTool::Exec | LocalTool::Read | LocalTool::Write | LocalTool::Edit => true,
        }
    }

    /// Name, description and JSON schema offered to the model.
    pub fn spec(self) -> ToolSpec {
        match self {
            LocalTool::Exec => exec::spec(),
            LocalTool::Read => fs::read_spec(),
            LocalTool::Write => fs::write_spec(),
            LocalTool::Edit => fs::edit_spec(),
            LocalTool::WebFetch => web_fetch::spec(),
        }
    }

    /// Runs the tool; never panics on any `args`.
    pub async fn run(self, ctx: &ToolContext, args: &Value) -> ToolOutput {
        match self {
            LocalTool::Exec => exec::run(ctx, args).await,
            LocalTool::Read => fs::read(ctx, args).await,
            LocalTool::Write => fs::write(ctx, args).await,
            LocalTool::Edit => fs::edit(ctx, args).await,
            LocalTool::WebFetch => web_fetch::run(ctx, args).await,
        }
    }
}
