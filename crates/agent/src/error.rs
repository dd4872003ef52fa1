//! Typed errors of the agent crate.

use std::path::PathBuf;

/// What can go wrong outside a model call (model failures are [`openclaw_providers::ProviderError`]).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// A workspace directory or bootstrap file could not be created or read.
    #[error(
        "agent workspace {path}: {source}. Check that the directory is writable (agents.defaults.workspace / agents.list[].workspace)"
    )]
    Workspace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
