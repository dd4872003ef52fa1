//! `connect` params: the schema (protocol 3 strictness plus the protocol 4 additions)
//! and the typed view used after validation.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::validation::{ObjectSchema, Schema, format_issues, validate};

/// `client.id` values the real gateways accept (2026.1.29 enum; 2026.9.6 kept it).
pub const CLIENT_IDS: &[&str] = &[
    "webchat-ui",
    "openclaw-control-ui",
    "webchat",
    "cli",
    "gateway-client",
    "openclaw-macos",
    "openclaw-ios",
    "openclaw-android",
    "node-host",
    "test",
    "fingerprint",
    "openclaw-probe",
];

/// `client.mode` values the real gateways accept.
pub const CLIENT_MODES: &[&str] = &["webchat", "cli", "ui", "backend", "node", "probe", "test"];

/// The browser Control UI's `client.id`; it must present a device identity.
pub const CONTROL_UI_CLIENT_ID: &str = "openclaw-control-ui";

static CONNECT_PARAMS_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let nes = Schema::non_empty_string;
    let client = ObjectSchema::closed()
        .required("id", Schema::StringEnum(CLIENT_IDS))
        .optional("displayName", nes())
        .required("version", nes())
        .optional("buildId", Schema::bounded_string(1, 96))
        .required("platform", nes())
        .optional("deviceFamily", nes())
        .optional("modelIdentifier", nes())
        .optional("timeZone", Schema::bounded_string(1, 64))
        .required("mode", Schema::StringEnum(CLIENT_MODES))
        .optional("instanceId", nes());
    let model_catalog = Schema::AnyOf(vec![
        ObjectSchema::closed()
            .optional("agentId", nes())
            .optional("sessionKey", nes())
            .into_schema(),
        ObjectSchema::closed()
            .optional("agentId", nes())
            .required("shortId", nes())
            .optional("slugHint", nes())
            .into_schema(),
    ]);
    // `nonce` is optional here because protocol 3 allows it to be absent; protocol 4
    // requires it, which the handshake checks once the version is known.
    let device = ObjectSchema::closed()
        .required("id", nes())
        .required("publicKey", nes())
        .required("signature", nes())
        .required("signedAt", Schema::integer_at_least(0))
        .optional("nonce", nes());
    let auth = ObjectSchema::closed()
        .optional("token", Schema::string())
        .optional("bootstrapToken", Schema::string())
        .optional("deviceToken", Schema::string())
        .optional("password", Schema::string());
    ObjectSchema::closed()
        .required("minProtocol", Schema::integer_at_least(1))
        .required("maxProtocol", Schema::integer_at_least(1))
        .required("client", client.into_schema())
        .optional("caps", Schema::array_of(nes()))
        .optional("commands", Schema::array_of(nes()))
        .optional("permissions", Schema::record_of(Schema::Boolean))
        .optional("pathEnv", Schema::string())
        .optional("role", nes())
        .optional("scopes", Schema::array_of(nes()))
        .optional("modelCatalog", model_catalog)
        .optional("device", device.into_schema())
        .optional("auth", auth.into_schema())
        .optional("locale", Schema::string())
        .optional("userAgent", Schema::string())
        .into_schema()
});

/// Why `connect` params were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid connect params: {problems}")]
pub struct InvalidConnectParams {
    /// ajv-style problem list.
    pub problems: String,
}

/// Validates raw `params` and returns the typed view. The error's `Display` is the
/// exact `invalid connect params: ...` message OpenClaw sends.
pub fn validate_connect_params(params: &Value) -> Result<ConnectParams, InvalidConnectParams> {
    let issues = validate(&CONNECT_PARAMS_SCHEMA, params);
    if !issues.is_empty() {
        return Err(InvalidConnectParams {
            problems: format_issues(&issues),
        });
    }
    ConnectParams::deserialize(params).map_err(|err| InvalidConnectParams {
        // Only reachable if the schema and the types drift apart.
        problems: format!("at root: {err}"),
    })
}

/// Validated `connect` params.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectParams {
    /// Lowest protocol the client speaks.
    #[serde(deserialize_with = "json_integer")]
    pub min_protocol: u64,
    /// Highest protocol the client speaks.
    #[serde(deserialize_with = "json_integer")]
    pub max_protocol: u64,
    /// Who the client is.
    pub client: ClientInfo,
    /// Client capabilities.
    #[serde(default)]
    pub caps: Vec<String>,
    /// Node commands (node role).
    #[serde(default)]
    pub commands: Option<Vec<String>>,
    /// Node permissions (node role).
    #[serde(default)]
    pub permissions: Option<BTreeMap<String, bool>>,
    /// Node `PATH` (node role).
    #[serde(default)]
    pub path_env: Option<String>,
    /// `"operator"` (default) or `"node"`; anything else is rejected at handshake.
    #[serde(default)]
    pub role: Option<String>,
    /// Requested scopes, in the order sent (the device signature covers this order).
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Protocol 4 model catalog hint, passed through.
    #[serde(default)]
    pub model_catalog: Option<Value>,
    /// Signed device identity.
    #[serde(default)]
    pub device: Option<DeviceIdentity>,
    /// Credentials.
    #[serde(default)]
    pub auth: Option<ConnectAuth>,
    /// Browser locale.
    #[serde(default)]
    pub locale: Option<String>,
    /// Browser user agent.
    #[serde(default)]
    pub user_agent: Option<String>,
}

/// `params.client`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientInfo {
    /// Client id from [`CLIENT_IDS`].
    pub id: String,
    /// Optional display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Client version (`"dev"` for unversioned 2026.1.29 builds).
    pub version: String,
    /// Protocol 4 build id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_id: Option<String>,
    /// Platform string (`"linux"`, `"Linux x86_64"`).
    pub platform: String,
    /// Device family (`"Linux"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_family: Option<String>,
    /// Hardware model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_identifier: Option<String>,
    /// Protocol 4 IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Client mode from [`CLIENT_MODES`].
    pub mode: String,
    /// Per-install instance id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
}

impl ClientInfo {
    /// The browser Control UI.
    pub fn is_control_ui(&self) -> bool {
        self.id == CONTROL_UI_CLIENT_ID
    }

    /// A command-line client (`mode: "cli"`).
    pub fn is_cli(&self) -> bool {
        self.mode == "cli"
    }

    /// A webchat-style browser client.
    pub fn is_webchat(&self) -> bool {
        self.mode == "webchat" || self.id == "webchat-ui"
    }
}

/// `params.device`: an Ed25519 public key and a signature over the connect details.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceIdentity {
    /// Lowercase hex SHA-256 of the raw public key.
    pub id: String,
    /// base64url raw 32-byte key, or a PEM SPKI.
    pub public_key: String,
    /// base64url Ed25519 signature.
    pub signature: String,
    /// Client clock (ms) when signing.
    #[serde(deserialize_with = "json_integer")]
    pub signed_at: u64,
    /// The challenge nonce that was signed.
    #[serde(default)]
    pub nonce: Option<String>,
}

/// `params.auth`. `Debug` hides the secrets.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectAuth {
    /// Shared gateway token (or a device token issued earlier).
    #[serde(default)]
    pub token: Option<String>,
    /// Protocol 4 bootstrap token.
    #[serde(default)]
    pub bootstrap_token: Option<String>,
    /// Protocol 4 device token.
    #[serde(default)]
    pub device_token: Option<String>,
    /// Shared gateway password.
    #[serde(default)]
    pub password: Option<String>,
}

impl std::fmt::Debug for ConnectAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |secret: &Option<String>| secret.as_ref().map(|_| "<redacted>");
        f.debug_struct("ConnectAuth")
            .field("token", &shown(&self.token))
            .field("bootstrap_token", &shown(&self.bootstrap_token))
            .field("device_token", &shown(&self.device_token))
            .field("password", &shown(&self.password))
            .finish()
    }
}

/// Reads a JSON integer the way JavaScript would (`3.0` is `3`), saturating at the
/// `u64` bounds; the schema has already rejected negatives and fractions.
fn json_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    if let Some(unsigned) = number.as_u64() {
        return Ok(unsigned);
    }
    match number.as_f64() {
        Some(float) if float.is_finite() && float.fract() == 0.0 && float >= 0.0 => {
            // `as` saturates for floats beyond u64::MAX, which is what we want.
            Ok(float as u64)
        }
        _ => Err(serde::de::Error::custom(format!(
            "expected a non-negative integer, got {number}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn minimal() -> Value {
        json!({"minProtocol": 3, "maxProtocol": 3,
               "client": {"id": "cli", "version": "dev", "platform": "linux", "mode": "cli"}})
    }

    #[test]
    fn accepts_minimal_and_reads_floats_as_integers() {
        let mut params = minimal();
        params["maxProtocol"] = json!(4.0);
        let parsed = validate_connect_params(&params).expect("valid");
        assert_eq!((parsed.min_protocol, parsed.max_protocol), (3, 4));
        assert!(parsed.caps.is_empty());
    }

    #[test]
    fn reports_missing_required_fields_in_schema_order() {
        let err = validate_connect_params(&json!({"client": {"id": "cli"}})).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid connect params: must have required property 'minProtocol'; \
             must have required property 'maxProtocol'; \
             at /client: must have required property 'version'; \
             at /client: must have required property 'platform'; \
             at /client: must have required property 'mode'"
        );
    }

    #[test]
    fn rejects_unknown_keys_inside_client_and_auth() {
        let mut params = minimal();
        params["client"]["color"] = json!("blue");
        params["auth"] = json!({"token": "x", "cookie": "y"});
        let err = validate_connect_params(&params).unwrap_err();
        assert_eq!(
            err.problems,
            "at /client: unexpected property 'color'; at /auth: unexpected property 'cookie'"
        );
    }

    #[test]
    fn accepts_protocol_four_extras() {
        let mut params = minimal();
        params["client"]["buildId"] = json!("2026.9.6-release");
        params["client"]["timeZone"] = json!("UTC");
        params["modelCatalog"] = json!({"sessionKey": "main"});
        params["auth"] = json!({"token": "t", "password": "t", "deviceToken": "d"});
        assert!(validate_connect_params(&params).is_ok());
    }

    #[test]
    fn auth_debug_hides_secrets() {
        let auth = ConnectAuth {
            token: Some("hunter2".into()),
            ..ConnectAuth::default()
        };
        let shown = format!("{auth:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }
}
