//! Chat channels behind one shape.
//!
//! Every channel is two things to the rest of the gateway: a supervised **source** of
//! [`Inbound`](inbound::Inbound) messages and a **sink** for outbound replies. Everything that is the
//! same for every channel lives here once:
//!
//! - [`access`]: OpenClaw's DM policy (pairing, allowlist, open, disabled) and group policy
//!   (allowlists, mention gating, per-channel user lists);
//! - [`pairing`]: pairing codes and approved senders in OpenClaw's
//!   `credentials/<channel>-pairing.json` / `<channel>-allowFrom.json` files;
//! - [`routing`]: `bindings` → agent id → session key;
//! - [`chunk`] and [`reply`]: shaping a model's answer into messages the channel accepts.
//!
//! Channel modules ([`discord`]) only translate between their wire format and these types; nothing
//! above this crate knows which channel a message came from.

pub mod access;
pub mod chunk;
pub mod discord;
pub mod inbound;
pub mod ingress;
pub mod manager;
pub mod outbound;
pub mod pairing;
pub mod reply;
pub mod routing;
pub mod status;
pub mod supervisor;
