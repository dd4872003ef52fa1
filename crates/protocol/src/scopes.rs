//! Roles, operator scopes and per-method authorization (OpenClaw's
//! `authorizeGatewayMethod`, 2026.1.29 table).
//!
//! Authorization runs *before* method lookup: an unknown method needs
//! `operator.admin`, so a non-admin client learns `missing scope: operator.admin`
//! and only an admin learns `unknown method: X`.

use serde_json::json;

use crate::error::{ErrorCode, ErrorShape};
use crate::version::ProtocolVersion;

/// May call every method.
pub const ADMIN: &str = "operator.admin";
/// Read-only methods (also granted by [`WRITE`]).
pub const READ: &str = "operator.read";
/// Methods that act (send, run agents, chat).
pub const WRITE: &str = "operator.write";
/// Exec approval requests/resolutions.
pub const APPROVALS: &str = "operator.approvals";
/// Node/device pairing and device tokens.
pub const PAIRING: &str = "operator.pairing";
/// Requested by the 2026.9.6 Control UI; grants nothing in the v3 table.
pub const QUESTIONS: &str = "operator.questions";

/// Methods a `node` connection may call (and an operator may not).
pub const NODE_METHODS: &[&str] = &["node.invoke.result", "node.event", "skills.bins"];

/// Methods needing [`READ`] or [`WRITE`].
pub const READ_METHODS: &[&str] = &[
    "health",
    "logs.tail",
    "channels.status",
    "status",
    "usage.status",
    "usage.cost",
    "tts.status",
    "tts.providers",
    "models.list",
    "agents.list",
    "agent.identity.get",
    "skills.status",
    "voicewake.get",
    "sessions.list",
    "sessions.preview",
    "cron.list",
    "cron.status",
    "cron.runs",
    "system-presence",
    "last-heartbeat",
    "node.list",
    "node.describe",
    "chat.history",
];

/// Methods needing [`WRITE`].
pub const WRITE_METHODS: &[&str] = &[
    "send",
    "agent",
    "agent.wait",
    "wake",
    "talk.mode",
    "tts.enable",
    "tts.disable",
    "tts.convert",
    "tts.setProvider",
    "voicewake.set",
    "node.invoke",
    "chat.send",
    "chat.abort",
    "browser.request",
];

/// Methods needing [`PAIRING`].
pub const PAIRING_METHODS: &[&str] = &[
    "node.pair.request",
    "node.pair.list",
    "node.pair.approve",
    "node.pair.reject",
    "node.pair.verify",
    "device.pair.list",
    "device.pair.approve",
    "device.pair.reject",
    "device.token.rotate",
    "device.token.revoke",
    "node.rename",
    "channels.pairing.list",
    "channels.pairing.approve",
    "channels.pairing.dismiss",
];

/// Methods needing [`APPROVALS`].
pub const APPROVAL_METHODS: &[&str] = &["exec.approval.request", "exec.approval.resolve"];

/// Which side of the protocol a connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// CLI, Control UI, apps: call methods, receive events.
    Operator,
    /// A node host: answers `node.invoke` and reports events.
    Node,
}

impl Role {
    /// Parses the wire value; anything but `operator`/`node` is invalid.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "operator" => Some(Self::Operator),
            "node" => Some(Self::Node),
            _ => None,
        }
    }

    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Node => "node",
        }
    }
}

/// The scopes a connection actually holds. Protocol 3 gives an operator that asked
/// for nothing `["operator.admin"]`; protocol 4 keeps an empty request empty.
pub fn effective_scopes(
    version: ProtocolVersion,
    role: Role,
    requested: Option<&[String]>,
) -> Vec<String> {
    let requested = requested.unwrap_or_default();
    if requested.is_empty() && role == Role::Operator && version == ProtocolVersion::V3 {
        return vec![ADMIN.to_string()];
    }
    requested.to_vec()
}

/// The scope a method needs from an operator without [`ADMIN`]; `None` means the
/// method is free for every operator (protocol 4 `health` only).
pub fn required_scope(version: ProtocolVersion, method: &str) -> Option<&'static str> {
    if version == ProtocolVersion::V4 && method == "health" {
        // Captured: a 2026.9.6 connection with `scopes: []` may call `health`.
        return None;
    }
    let listed = |table: &[&str]| table.contains(&method);
    Some(if listed(APPROVAL_METHODS) {
        APPROVALS
    } else if listed(PAIRING_METHODS) {
        PAIRING
    } else if listed(READ_METHODS) {
        READ
    } else if listed(WRITE_METHODS) {
        WRITE
    } else {
        // config.*, wizard.*, update.*, exec.approvals.*, sessions mutations, cron
        // mutations, channels.logout, skills.install/update, and everything unknown.
        ADMIN
    })
}

/// Decides whether `role` holding `scopes` may call `method`, with the error the
/// negotiated version expects (v3 `INVALID_REQUEST "missing scope: X"`, v4
/// `FORBIDDEN` plus `details.code: "MISSING_SCOPE"`).
pub fn authorize_method(
    version: ProtocolVersion,
    role: Role,
    scopes: &[String],
    method: &str,
) -> Result<(), ErrorShape> {
    let is_node_method = NODE_METHODS.contains(&method);
    match role {
        Role::Node if is_node_method => return Ok(()),
        Role::Node => return Err(unauthorized_role(role)),
        Role::Operator if is_node_method => return Err(unauthorized_role(role)),
        Role::Operator => {}
    }
    let holds = |scope: &str| scopes.iter().any(|held| held == scope);
    if holds(ADMIN) {
        return Ok(());
    }
    let Some(needed) = required_scope(version, method) else {
        return Ok(());
    };
    let satisfied = holds(needed) || (needed == READ && holds(WRITE));
    if satisfied {
        Ok(())
    } else {
        Err(missing_scope(version, needed))
    }
}

fn unauthorized_role(role: Role) -> ErrorShape {
    ErrorShape::invalid_request(format!("unauthorized role: {}", role.as_str()))
}

fn missing_scope(version: ProtocolVersion, scope: &str) -> ErrorShape {
    let message = format!("missing scope: {scope}");
    match version {
        ProtocolVersion::V3 => ErrorShape::invalid_request(message),
        ProtocolVersion::V4 => ErrorShape::new(ErrorCode::FORBIDDEN, message).with_details(json!({
            "code": "MISSING_SCOPE",
            "missingScope": scope,
            "requiredScopes": [scope],
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn v3_defaults_empty_operator_scopes_to_admin() {
        let v3 = effective_scopes(ProtocolVersion::V3, Role::Operator, Some(&[]));
        assert_eq!(v3, scopes(&[ADMIN]));
        assert_eq!(
            effective_scopes(ProtocolVersion::V3, Role::Operator, None),
            v3
        );
        assert!(effective_scopes(ProtocolVersion::V4, Role::Operator, Some(&[])).is_empty());
        assert!(effective_scopes(ProtocolVersion::V3, Role::Node, None).is_empty());
    }

    #[test]
    fn write_implies_read() {
        let held = scopes(&[WRITE]);
        assert!(authorize_method(ProtocolVersion::V3, Role::Operator, &held, "status").is_ok());
    }

    #[test]
    fn roles_are_fenced() {
        let admin = scopes(&[ADMIN]);
        let err = authorize_method(ProtocolVersion::V3, Role::Operator, &admin, "node.event")
            .unwrap_err();
        assert_eq!(err.message, "unauthorized role: operator");
        let err = authorize_method(ProtocolVersion::V3, Role::Node, &[], "health").unwrap_err();
        assert_eq!(err.message, "unauthorized role: node");
        assert!(authorize_method(ProtocolVersion::V4, Role::Node, &[], "skills.bins").is_ok());
    }
}
