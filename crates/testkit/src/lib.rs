//! Test helpers for the gateway's integration tests and benches.
//!
//! - [`GatewayProcess`] starts the real binary in an isolated temp `HOME`/state dir on a
//!   free loopback port and captures its output ([`process`]);
//! - [`WsClient`] speaks the WS protocol with raw JSON frames, including the
//!   `connect.challenge` → `connect` handshake with optional signed device ([`ws`]);
//! - [`DeviceKey`] builds Ed25519 device identities and the v1/v2/v3 signed payloads
//!   ([`device`]);
//! - [`fake_llm::FakeLlm`] is a scriptable fake OpenAI/Anthropic SSE server ([`fake_llm`]);
//! - [`http_get`] is a minimal HTTP/1.1 client for probing the HTTP surface ([`http`]).
//!
//! Frames are built with `serde_json` rather than the protocol crate's types, so tests can
//! send malformed or unusual frames and do not move in lockstep with the server's types.

pub mod device;
pub mod fake_discord;
pub mod fake_llm;
pub mod http;
pub mod process;
pub mod ws;

pub use device::{
    DeviceAuthFields, DeviceKey, SignatureVersion, device_id_for, signature_payload,
    verify_device_signature,
};
pub use http::{HttpResponse, http_get, http_request};
pub use process::{
    CLI_TIMEOUT, CliOutput, GatewayConfig, GatewayProcess, GatewaySpawn, Signal, StateDir, Stream,
    free_port, run_cli, run_cli_with_timeout,
};
pub use ws::{Handshake, HandshakeOptions, WsClient, connect_params};
