//! `openclaw-agent`: turns a message into an agent turn.
//!
//! (Crate docs are completed with the turn loop; see ARCHITECTURE.md.)

mod commands;
pub mod compaction;
mod context_cache;
pub mod error;
pub mod event;
pub mod history;
mod lanes;
pub mod prompt;
mod runs;
mod runtime;
mod session_tools;
pub mod settings;
pub mod tools;
mod turn;
pub mod workspace;
mod workspaces;

pub use commands::is_abort_trigger;
pub use error::AgentError;
pub use event::{AbortReason, AgentEvent, RunEvent, RunOutcome, RunStatus};
pub use runs::RunTicket;
pub use runtime::{
    AbortResult, AgentRuntime, Delivery, EVENT_BROADCAST_CAPACITY, LazyTransport, RuntimeOptions,
    Submission, TurnRequest, WaitResult,
};
pub use session_tools::SessionTool;
