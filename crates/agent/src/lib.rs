//! `openclaw-agent`: turns a message into an agent turn.
//!
//! (Crate docs are completed with the turn loop; see ARCHITECTURE.md.)

pub mod error;
pub mod prompt;
pub mod tools;
pub mod workspace;

pub use error::AgentError;
