//! The Gateway WebSocket endpoint: upgrade on any path, `connect.challenge`, the handshake
//! (decided by `openclaw_protocol::evaluate_connect`), then request/response and events.
//!
//! Per connection there are two tasks: this reader/dispatcher and a writer that owns the sink.
//! They talk through a bounded queue; broadcast events that do not fit are dropped
//! (OpenClaw's `dropIfSlow`), responses that do not fit close the socket as a slow consumer.

mod client_addr;
mod conn;

pub use client_addr::{ClientAddr, classify};
pub use conn::serve_socket;

/// Frames queued for one connection's writer before it counts as a slow consumer.
pub const OUTBOUND_QUEUE: usize = 1024;

/// Handshakes in progress at once; more are refused with 1013 (try again later), so
/// unauthenticated sockets cannot pin unbounded memory.
pub const MAX_PENDING_HANDSHAKES: usize = 256;
