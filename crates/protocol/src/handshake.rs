//! The complete `connect` decision as one pure function, so the server only moves
//! bytes: feed it the first client frame and the connection facts, get back either an
//! accepted connection or the exact response and close frame to send.

use serde_json::Value;

use crate::connect_params::{ClientInfo, ConnectParams, validate_connect_params};
use crate::credentials::{AuthMethod, AuthPolicy, check_credentials};
use crate::device::{DeviceCheck, VerifiedDevice, verify_device};
use crate::error::{ErrorCode, ErrorShape};
use crate::frames::{ClientFrame, FrameError, ResponseFrame, parse_client_value};
use crate::scopes::{Role, effective_scopes};
use crate::version::{
    CLOSE_MESSAGE_TOO_BIG, CLOSE_NORMAL, CLOSE_POLICY_VIOLATION, CLOSE_PROTOCOL_MISMATCH,
    PRE_AUTH_MAX_FRAME_BYTES, ProtocolVersion, negotiate,
};

/// Longest close reason we send; WebSocket allows 123 bytes, OpenClaw uses 120.
pub const MAX_CLOSE_REASON_BYTES: usize = 120;

/// Facts about the connection the decision depends on.
#[derive(Debug, Clone)]
pub struct HandshakeContext {
    /// The nonce sent in this connection's `connect.challenge`.
    pub challenge_nonce: String,
    /// Our clock, ms since the epoch.
    pub now_ms: u64,
    /// The gateway's shared-secret policy.
    pub auth: AuthPolicy,
    /// Loopback peer without untrusted proxy headers.
    pub is_local_client: bool,
}

/// A connection that passed the handshake.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedConnection {
    /// The `connect` request id (answer hello-ok with it).
    pub request_id: String,
    /// Negotiated protocol.
    pub version: ProtocolVersion,
    /// Operator or node.
    pub role: Role,
    /// Effective scopes (protocol 3 turns "none requested" into admin).
    pub scopes: Vec<String>,
    /// Scopes exactly as requested.
    pub requested_scopes: Vec<String>,
    /// Who connected.
    pub client: ClientInfo,
    /// Client capabilities (`params.caps`).
    pub caps: Vec<String>,
    /// The verified device, if one was presented.
    pub device: Option<VerifiedDevice>,
    /// How the shared secret was satisfied.
    pub auth_method: AuthMethod,
    /// Browser locale, if sent.
    pub locale: Option<String>,
    /// Browser user agent, if sent.
    pub user_agent: Option<String>,
}

/// Why a handshake failed, for metrics and rate limiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectKind {
    /// First frame larger than [`PRE_AUTH_MAX_FRAME_BYTES`].
    FrameTooLarge,
    /// First frame is not JSON.
    NotJson,
    /// First frame is JSON but not a request frame.
    InvalidFrame,
    /// First request is not `connect`.
    NotConnect,
    /// `connect` params fail the schema.
    InvalidParams,
    /// No common protocol version.
    ProtocolMismatch,
    /// Role is neither operator nor node.
    InvalidRole,
    /// No device and no shared credential.
    DeviceIdentityRequired,
    /// Control UI without a device identity.
    ControlUiInsecureContext,
    /// The device identity failed verification.
    DeviceAuthInvalid,
    /// No credential where one is required.
    AuthMissing,
    /// A wrong token or password: the only kind worth rate limiting.
    AuthFailed,
}

/// What to send before closing a refused connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// Serialized error `res` frame, when the failure is answerable (a request id
    /// exists); `None` means close without answering.
    pub response: Option<String>,
    /// The error inside `response`, for logging.
    pub error: Option<ErrorShape>,
    /// WebSocket close code.
    pub close_code: u16,
    /// WebSocket close reason (at most [`MAX_CLOSE_REASON_BYTES`], valid UTF-8).
    pub close_reason: String,
    /// Classification.
    pub kind: RejectKind,
}

/// The handshake verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum HandshakeOutcome {
    /// Send hello-ok and start the session.
    Accept(Box<AcceptedConnection>),
    /// Send `response` (if any) and close.
    Reject(Rejection),
}

/// Decides the fate of a connection from its first text frame.
///
/// Order (OpenClaw 2026.1.29, adapted to serve protocols 3 and 4): size cap, JSON,
/// request shape, `method == "connect"`, params schema, version negotiation, v4 nonce
/// requirement, role, then identity: a device-less Control UI is refused, other
/// device-less clients need a shared credential, a presented device must verify, and
/// finally the shared credential must match.
pub fn evaluate_connect(first_frame_text: &str, ctx: &HandshakeContext) -> HandshakeOutcome {
    match decide(first_frame_text, ctx) {
        Ok(accepted) => HandshakeOutcome::Accept(Box::new(accepted)),
        Err(rejection) => HandshakeOutcome::Reject(*rejection),
    }
}

fn decide(text: &str, ctx: &HandshakeContext) -> Result<AcceptedConnection, Box<Rejection>> {
    if text.len() > PRE_AUTH_MAX_FRAME_BYTES {
        return Err(silent_close(
            CLOSE_MESSAGE_TOO_BIG,
            "connect frame too large",
            RejectKind::FrameTooLarge,
        ));
    }
    // A first frame that is not JSON gets a plain close, like 2026.1.29 does.
    let value: Value = serde_json::from_str(text)
        .map_err(|_| silent_close(CLOSE_NORMAL, "", RejectKind::NotJson))?;
    let (request_id, method, params) = match parse_client_value(value) {
        Ok(ClientFrame::Request { id, method, params }) => (id, method, params),
        Err(FrameError::Invalid { .. } | FrameError::NotJson { .. }) => {
            return Err(silent_close(
                CLOSE_POLICY_VIOLATION,
                "invalid request frame",
                RejectKind::InvalidFrame,
            ));
        }
    };
    let refuse = |error: ErrorShape, close_code: u16, kind: RejectKind| {
        answered_close(&request_id, error, close_code, kind)
    };
    if method != "connect" {
        return Err(refuse(
            ErrorShape::invalid_request("invalid handshake: first request must be connect"),
            CLOSE_POLICY_VIOLATION,
            RejectKind::NotConnect,
        ));
    }
    let params = validate_connect_params(&params.unwrap_or(Value::Null)).map_err(|err| {
        refuse(
            ErrorShape::invalid_request(err.to_string()),
            CLOSE_POLICY_VIOLATION,
            RejectKind::InvalidParams,
        )
    })?;
    let version = negotiate(params.min_protocol, params.max_protocol).map_err(|mismatch| {
        refuse(
            mismatch.to_error_shape(),
            CLOSE_PROTOCOL_MISMATCH,
            RejectKind::ProtocolMismatch,
        )
    })?;
    if version == ProtocolVersion::V4 && params.device.as_ref().is_some_and(|d| d.nonce.is_none()) {
        // Protocol 4's schema requires device.nonce; same wording as its validator.
        return Err(refuse(
            ErrorShape::invalid_request(
                "invalid connect params: at /device: must have required property 'nonce'",
            ),
            CLOSE_POLICY_VIOLATION,
            RejectKind::InvalidParams,
        ));
    }
    let role_as_sent = params.role.as_deref().unwrap_or("operator");
    let role = Role::parse(role_as_sent).ok_or_else(|| {
        refuse(
            ErrorShape::invalid_request("invalid role"),
            CLOSE_POLICY_VIOLATION,
            RejectKind::InvalidRole,
        )
    })?;
    let device = check_identity(&params, version, role_as_sent, ctx)
        .map_err(|(error, kind)| refuse(error, CLOSE_POLICY_VIOLATION, kind))?;
    let auth_method = check_credentials(&ctx.auth, params.auth.as_ref()).map_err(|failure| {
        let kind = if failure.is_mismatch() {
            RejectKind::AuthFailed
        } else {
            RejectKind::AuthMissing
        };
        let error = failure.to_error_shape(version, &params.client, ctx.is_local_client);
        refuse(error, CLOSE_POLICY_VIOLATION, kind)
    })?;
    let requested_scopes = params.scopes.clone().unwrap_or_default();
    Ok(AcceptedConnection {
        request_id,
        version,
        role,
        scopes: effective_scopes(version, role, Some(&requested_scopes)),
        requested_scopes,
        client: params.client,
        caps: params.caps,
        device,
        auth_method,
        locale: params.locale,
        user_agent: params.user_agent,
    })
}

/// Device presence rules and device verification. Returns the verified device, or
/// the error to send with its classification.
fn check_identity(
    params: &ConnectParams,
    version: ProtocolVersion,
    role_as_sent: &str,
    ctx: &HandshakeContext,
) -> Result<Option<VerifiedDevice>, (ErrorShape, RejectKind)> {
    let Some(device) = &params.device else {
        if params.client.is_control_ui() {
            let mut error = ErrorShape::invalid_request(
                "control ui requires HTTPS or localhost (secure context)",
            );
            if version == ProtocolVersion::V4 {
                error = error.with_details(
                    serde_json::json!({"code": "CONTROL_UI_DEVICE_IDENTITY_REQUIRED"}),
                );
            }
            return Err((error, RejectKind::ControlUiInsecureContext));
        }
        if !presents_shared_credential(params, &ctx.auth) {
            let mut error = ErrorShape::new(ErrorCode::NOT_PAIRED, "device identity required");
            if version == ProtocolVersion::V4 {
                error = error.with_details(serde_json::json!({"code": "DEVICE_IDENTITY_REQUIRED"}));
            }
            return Err((error, RejectKind::DeviceIdentityRequired));
        }
        return Ok(None);
    };
    let requested: Vec<&str> = params.scopes.iter().flatten().map(String::as_str).collect();
    let check = DeviceCheck {
        version,
        device,
        client_id: &params.client.id,
        client_mode: &params.client.mode,
        platform: &params.client.platform,
        device_family: params.client.device_family.as_deref(),
        role: role_as_sent,
        requested_scopes: &requested,
        token: params.auth.as_ref().and_then(|auth| auth.token.as_deref()),
        challenge_nonce: &ctx.challenge_nonce,
        now_ms: ctx.now_ms,
        is_local_client: ctx.is_local_client,
    };
    verify_device(&check)
        .map(Some)
        .map_err(|err| (err.to_error_shape(version), RejectKind::DeviceAuthInvalid))
}

/// Whether a device-less client may proceed to the credential check: it sent a
/// non-empty token or password, or the gateway has no secret at all (no pairing
/// store exists to make a device identity worth more than nothing).
fn presents_shared_credential(params: &ConnectParams, policy: &AuthPolicy) -> bool {
    if *policy == AuthPolicy::None {
        return true;
    }
    let filled = |secret: &Option<String>| secret.as_deref().is_some_and(|s| !s.is_empty());
    params
        .auth
        .as_ref()
        .is_some_and(|auth| filled(&auth.token) || filled(&auth.password))
}

fn silent_close(close_code: u16, reason: &str, kind: RejectKind) -> Box<Rejection> {
    Box::new(Rejection {
        response: None,
        error: None,
        close_code,
        close_reason: truncate_close_reason(reason),
        kind,
    })
}

fn answered_close(
    request_id: &str,
    error: ErrorShape,
    close_code: u16,
    kind: RejectKind,
) -> Box<Rejection> {
    Box::new(Rejection {
        response: Some(ResponseFrame::err(request_id, error.clone()).to_json()),
        close_reason: truncate_close_reason(&error.message),
        error: Some(error),
        close_code,
        kind,
    })
}

/// Cuts a close reason to [`MAX_CLOSE_REASON_BYTES`] without splitting a character.
pub fn truncate_close_reason(reason: &str) -> String {
    if reason.len() <= MAX_CLOSE_REASON_BYTES {
        return reason.to_string();
    }
    let mut end = MAX_CLOSE_REASON_BYTES;
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_are_cut_on_character_boundaries() {
        let long = "é".repeat(100);
        let cut = truncate_close_reason(&long);
        assert!(cut.len() <= MAX_CLOSE_REASON_BYTES);
        assert_eq!(cut.len(), 120);
        let odd = format!("a{}", "é".repeat(100));
        assert_eq!(truncate_close_reason(&odd).len(), 119);
        assert_eq!(truncate_close_reason("short"), "short");
    }
}
