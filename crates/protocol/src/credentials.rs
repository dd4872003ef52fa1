//! Shared-secret checking (token or password) and the per-client failure wording.

use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::connect_params::{ClientInfo, ConnectAuth};
use crate::error::ErrorShape;
use crate::version::ProtocolVersion;

/// How the gateway authenticates connections. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum AuthPolicy {
    /// Clients must send `auth.token` equal to this.
    Token(String),
    /// Clients must send `auth.password` equal to this.
    Password(String),
    /// No shared secret (meant for loopback-only gateways).
    None,
}

impl std::fmt::Debug for AuthPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Token(_) => "Token(<redacted>)",
            Self::Password(_) => "Password(<redacted>)",
            Self::None => "None",
        })
    }
}

/// How an accepted connection authenticated (protocol 4 `hello-ok.auth.method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// Matching shared token.
    Token,
    /// Matching shared password.
    Password,
    /// The gateway has no shared secret.
    None,
}

impl AuthMethod {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Password => "password",
            Self::None => "none",
        }
    }
}

/// Why the presented credentials were refused; OpenClaw's `authReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialFailure {
    /// No token sent to a token gateway.
    TokenMissing,
    /// Wrong token.
    TokenMismatch,
    /// No password sent to a password gateway.
    PasswordMissing,
    /// Wrong password.
    PasswordMismatch,
}

impl CredentialFailure {
    /// `details.authReason` (protocol 4).
    pub const fn reason(self) -> &'static str {
        match self {
            Self::TokenMissing => "token_missing",
            Self::TokenMismatch => "token_mismatch",
            Self::PasswordMissing => "password_missing",
            Self::PasswordMismatch => "password_mismatch",
        }
    }

    /// `details.code` (protocol 4).
    pub const fn detail_code(self) -> &'static str {
        match self {
            Self::TokenMissing => "AUTH_TOKEN_MISSING",
            Self::TokenMismatch => "AUTH_TOKEN_MISMATCH",
            Self::PasswordMissing => "AUTH_PASSWORD_MISSING",
            Self::PasswordMismatch => "AUTH_PASSWORD_MISMATCH",
        }
    }

    /// A wrong secret (as opposed to none at all): what rate limiting should count.
    pub const fn is_mismatch(self) -> bool {
        matches!(self, Self::TokenMismatch | Self::PasswordMismatch)
    }

    /// The `unauthorized: ...` message, with the hint the real gateway gives this
    /// kind of client.
    pub fn message(self, version: ProtocolVersion, client: &ClientInfo, is_local: bool) -> String {
        let browser = client.is_control_ui() || client.is_webchat();
        let (secret, problem) = match self {
            Self::TokenMissing => ("token", "missing"),
            Self::TokenMismatch => ("token", "mismatch"),
            Self::PasswordMissing => ("password", "missing"),
            Self::PasswordMismatch => ("password", "mismatch"),
        };
        let hint = match (secret, version) {
            ("token", ProtocolVersion::V3) if client.is_cli() => {
                "set gateway.remote.token to match gateway.auth.token"
            }
            ("token", ProtocolVersion::V3) if browser => {
                "open a tokenized dashboard URL or paste token in Control UI settings"
            }
            ("token", ProtocolVersion::V4) if client.is_cli() && is_local => {
                "use this gateway's gateway.auth.token or pair the device"
            }
            ("token", ProtocolVersion::V4) if client.is_cli() => {
                "set gateway.remote.token to match gateway.auth.token"
            }
            ("token", ProtocolVersion::V4) if browser && problem == "missing" => {
                "paste in Control UI settings or openclaw doctor --generate-gateway-token; restart"
            }
            ("token", ProtocolVersion::V4) if browser => {
                "open the dashboard URL and paste the token in Control UI settings"
            }
            ("token", _) => "provide gateway auth token",
            (_, ProtocolVersion::V4) if client.is_cli() && is_local => {
                "use this gateway's gateway.auth.password"
            }
            _ if client.is_cli() => "set gateway.remote.password to match gateway.auth.password",
            _ if browser => "enter the password in Control UI settings",
            _ => "provide gateway auth password",
        };
        format!("unauthorized: gateway {secret} {problem} ({hint})")
    }

    /// The handshake error: `INVALID_REQUEST` with [`Self::message`]; protocol 4 adds
    /// the recovery details its clients read.
    pub fn to_error_shape(
        self,
        version: ProtocolVersion,
        client: &ClientInfo,
        is_local: bool,
    ) -> ErrorShape {
        let shape = ErrorShape::invalid_request(self.message(version, client, is_local));
        match version {
            ProtocolVersion::V3 => shape,
            ProtocolVersion::V4 => shape.with_details(json!({
                "code": self.detail_code(),
                "authReason": self.reason(),
                // We never issue device tokens, so there is nothing to retry with.
                "canRetryWithDeviceToken": false,
                "recommendedNextStep": if self.is_mismatch() {
                    "update_auth_credentials"
                } else {
                    "update_auth_configuration"
                },
            })),
        }
    }
}

/// Checks the presented credentials against the policy. Comparison is constant time
/// and length-blind: both sides are hashed first, then the digests compared.
pub fn check_credentials(
    policy: &AuthPolicy,
    presented: Option<&ConnectAuth>,
) -> Result<AuthMethod, CredentialFailure> {
    let presented_token = presented.and_then(|auth| auth.token.as_deref());
    let presented_password = presented.and_then(|auth| auth.password.as_deref());
    match policy {
        AuthPolicy::None => Ok(AuthMethod::None),
        AuthPolicy::Token(expected) => match presented_token.filter(|t| !t.is_empty()) {
            None => Err(CredentialFailure::TokenMissing),
            Some(token) if secrets_match(token, expected) => Ok(AuthMethod::Token),
            Some(_) => Err(CredentialFailure::TokenMismatch),
        },
        AuthPolicy::Password(expected) => match presented_password.filter(|p| !p.is_empty()) {
            None => Err(CredentialFailure::PasswordMissing),
            Some(password) if secrets_match(password, expected) => Ok(AuthMethod::Password),
            Some(_) => Err(CredentialFailure::PasswordMismatch),
        },
    }
}

/// Constant-time equality that does not leak either length: SHA-256 both values and
/// compare the fixed-size digests with `subtle`.
pub fn secrets_match(presented: &str, expected: &str) -> bool {
    let presented = Sha256::digest(presented.as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    presented.as_slice().ct_eq(expected.as_slice()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(token: Option<&str>, password: Option<&str>) -> ConnectAuth {
        ConnectAuth {
            token: token.map(str::to_string),
            password: password.map(str::to_string),
            ..ConnectAuth::default()
        }
    }

    #[test]
    fn token_policy() {
        let policy = AuthPolicy::Token("s3cret".into());
        assert_eq!(
            check_credentials(&policy, Some(&auth(Some("s3cret"), None))),
            Ok(AuthMethod::Token)
        );
        assert_eq!(
            check_credentials(&policy, Some(&auth(Some("s3cre"), None))),
            Err(CredentialFailure::TokenMismatch)
        );
        assert_eq!(
            check_credentials(&policy, Some(&auth(Some(""), Some("s3cret")))),
            Err(CredentialFailure::TokenMissing)
        );
        assert_eq!(
            check_credentials(&policy, None),
            Err(CredentialFailure::TokenMissing)
        );
    }

    #[test]
    fn password_policy_reads_the_password_field() {
        let policy = AuthPolicy::Password("pw".into());
        assert_eq!(
            check_credentials(&policy, Some(&auth(Some("pw"), Some("pw")))),
            Ok(AuthMethod::Password)
        );
        assert_eq!(
            check_credentials(&policy, Some(&auth(Some("pw"), None))),
            Err(CredentialFailure::PasswordMissing)
        );
        assert_eq!(
            check_credentials(&policy, Some(&auth(None, Some("nope")))),
            Err(CredentialFailure::PasswordMismatch)
        );
    }

    #[test]
    fn policy_debug_hides_secret() {
        assert_eq!(
            format!("{:?}", AuthPolicy::Token("abc".into())),
            "Token(<redacted>)"
        );
    }
}
