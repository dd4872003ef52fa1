//! The OpenClaw Gateway WebSocket protocol (versions 3 and 4) as pure functions: wire
//! types, frame parsing and building, and the whole `connect` handshake decision. No
//! I/O, no async: the server moves bytes, this crate decides.
//!
//! # Design
//!
//! * **Both versions at once.** OpenClaw 2026.1.29 speaks only protocol 3, 2026.9.6
//!   only 4; real cross-version pairs fail. [`negotiate`] picks 4 when the client's
//!   range contains it, else 3, and everything version-dependent ([`hello_ok`],
//!   [`authorize_method`], error details, clock skew) takes the negotiated
//!   [`ProtocolVersion`].
//! * **Exact wire shapes.** Protocol 3 clients validate frames against closed schemas
//!   and silently drop a frame with one unknown top-level key, so every outbound frame
//!   is assembled key by key ([`ResponseFrame`], [`EventFrame`], [`hello_ok`]).
//! * **Exact error wording.** Validation problems are rendered like OpenClaw's
//!   ajv-based formatter ([`validation`]), and handshake failures use the captured
//!   messages and close codes, because clients and users match on them.
//! * **The handshake is one function.** [`evaluate_connect`] takes the first client
//!   text frame and a [`HandshakeContext`] and returns [`HandshakeOutcome::Accept`]
//!   or a [`Rejection`] carrying the serialized response, close code and reason.
//!
//! # Security choices
//!
//! * Shared secrets are compared in constant time over SHA-256 digests, so neither
//!   content nor length leaks ([`secrets_match`]).
//! * Device identities (Ed25519) are verified whenever presented, in OpenClaw's check
//!   order; v2 and v3 payloads are accepted with a nonce, the legacy nonce-less v1
//!   payload only from local clients on protocol 3.
//! * Device signatures are not required for shared-secret connects (except from the
//!   Control UI, as in OpenClaw). With no shared secret configured
//!   ([`AuthPolicy::None`]) a device-less client is accepted too: without a pairing
//!   store a device identity would add nothing.
//! * **No pairing store and no device tokens.** A verified device is accepted when
//!   the shared secret is valid, whether the client is local or remote; we never
//!   auto-pair, never answer `pairing required`, and never put a `deviceToken` in
//!   hello-ok. Issuing one would make 2026.1.29 clients send it instead of the shared
//!   token on their next connect, which we could not verify.
//!
//! # Deliberate and known differences from the real gateways
//!
//! * Cross-version clients are accepted (a 3..4 range gets 4) instead of being refused
//!   with `protocol mismatch`.
//! * A device-less client that sends only a password to a token gateway gets
//!   `unauthorized: gateway token missing (...)` (2026.9.6 behaviour) rather than
//!   2026.1.29's `device identity required`.
//! * Malformed-frame messages use the 2026.1.29 ajv wording for both versions
//!   (2026.9.6 words `{"type":"bogus"}` slightly differently).
//! * Where no capture exists, protocol 4 details are best effort: the Control UI
//!   without a device gets `details.code: "CONTROL_UI_DEVICE_IDENTITY_REQUIRED"`, a
//!   missing token `recommendedNextStep: "update_auth_configuration"`, and role
//!   errors (`unauthorized role: X`) stay `INVALID_REQUEST` without details.
//! * The browser `Origin` check of 2026.9.6 is not part of this crate (no headers in
//!   [`HandshakeContext`]); the server must do it before calling [`evaluate_connect`]
//!   if it wants it.

pub mod agent_events;
pub mod connect_params;
pub mod credentials;
pub mod device;
pub mod error;
pub mod events;
pub mod frames;
pub mod handshake;
pub mod hello;
pub mod scopes;
pub mod validation;
pub mod version;

pub use connect_params::{
    CLIENT_IDS, CLIENT_MODES, CONTROL_UI_CLIENT_ID, ClientInfo, ConnectAuth, ConnectParams,
    DeviceIdentity, InvalidConnectParams, validate_connect_params,
};
pub use credentials::{
    AuthMethod, AuthPolicy, CredentialFailure, check_credentials, secrets_match,
};
pub use device::{
    DeviceAuthError, DeviceCheck, DevicePayload, DevicePayloadVersion, VerifiedDevice,
    decode_base64url_lenient, device_id_from_public_key, device_id_from_raw_public_key,
    device_payload_v1, device_payload_v2, device_payload_v3, encode_base64url, verify_device,
};
pub use error::{ErrorCode, ErrorShape};
pub use events::{
    V3_EVENTS, V4_CHALLENGE_CAPABILITIES, challenge_event, connect_challenge_payload,
    shutdown_event, tick_event,
};
pub use frames::{
    ClientFrame, EventFrame, FrameError, INVALID_FRAME_ID, ResponseFrame, SharedEventFrame,
    StateVersion, parse_client_frame, parse_client_value, request_id_hint,
};
pub use handshake::{
    AcceptedConnection, HandshakeContext, HandshakeOutcome, MAX_CLOSE_REASON_BYTES, RejectKind,
    Rejection, evaluate_connect, truncate_close_reason,
};
pub use hello::{HelloInputs, Policy, PresenceEntry, Snapshot, hello_ok};
pub use scopes::{Role, authorize_method, effective_scopes, required_scope};
pub use version::{
    CLOSE_MESSAGE_TOO_BIG, CLOSE_NORMAL, CLOSE_POLICY_VIOLATION, CLOSE_PROTOCOL_MISMATCH,
    HANDSHAKE_TIMEOUT, HANDSHAKE_TIMEOUT_MS, MAX_FRAME_BYTES_ANY_VERSION, PRE_AUTH_MAX_FRAME_BYTES,
    ProtocolMismatch, ProtocolVersion, TICK_INTERVAL_MS, V3_MAX_BUFFERED_BYTES,
    V3_MAX_PAYLOAD_BYTES, V4_ATTACHMENT_MAX_BYTES, V4_ATTACHMENT_MAX_IMAGE_BYTES,
    V4_MAX_BUFFERED_BYTES, V4_MAX_PAYLOAD_BYTES, negotiate,
};
