//! Discord end to end: the real gateway binary, a fake Discord (gateway WS + REST) and a fake
//! model, all on 127.0.0.1. Covers the seed's config, DM pairing, mention gating, chunking,
//! reconnects, rate limits and crash recovery of inbound messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;
#[path = "discord_e2e/support.rs"]
mod discord_e2e_support;
mod ws_support;

#[path = "discord_e2e/flows.rs"]
mod flows;
#[path = "discord_e2e/resilience.rs"]
mod resilience;
