//! `gateway` (spec §4.10).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Section, string_enum};

string_enum! {
    /// `gateway.mode`; anything but `local` blocks `openclaw gateway` without `--allow-unconfigured`.
    GatewayMode { Local = "local", Remote = "remote" }
}

string_enum! {
    /// `gateway.bind` (default `loopback`).
    BindMode {
        Auto = "auto",
        Lan = "lan",
        Loopback = "loopback",
        Custom = "custom",
        Tailnet = "tailnet",
    }
}

string_enum! {
    /// `gateway.auth.mode`; unset ⇒ `password` if a password is configured, else `token`.
    GatewayAuthMode { Token = "token", Password = "password" }
}

string_enum! {
    /// `gateway.reload.mode` (default `hybrid`).
    ReloadMode { Hybrid = "hybrid", Hot = "hot", Restart = "restart", Off = "off" }
}

string_enum! {
    /// `gateway.tailscale.mode`.
    TailscaleMode { Off = "off", Serve = "serve", Funnel = "funnel" }
}

string_enum! {
    /// `gateway.remote.transport`.
    RemoteTransport { Ssh = "ssh", Direct = "direct" }
}

string_enum! {
    /// `gateway.nodes.browser.mode`.
    NodeBrowserMode { Auto = "auto", Manual = "manual", Off = "off" }
}

/// `gateway`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Gateway {
    /// WS+HTTP port (default 18789).
    #[schemars(range(min = 1))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<GatewayMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<BindMode>,
    /// IPv4 address used when `bind` is `custom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_bind_host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_ui: Option<ControlUi>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<GatewayAuth>,
    /// Reverse proxies whose `X-Forwarded-For` is trusted (exact IPs, no CIDR).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_proxies: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_real_ip_fallback: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webchat: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_health_check_minutes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_stale_event_threshold_minutes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel_max_restarts_per_hour: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tailscale: Option<GatewayTailscale>,
    /// Where the CLI connects when `mode` is `remote` (client-side only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<GatewayRemote>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reload: Option<GatewayReload>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<GatewayTls>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<GatewayHttp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nodes: Option<GatewayNodes>,
    /// Legacy, ignored by OpenClaw (warned): the shared secret lives in `gateway.auth.token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// `gateway.controlUi`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ControlUi {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// URL prefix of the Control UI (default `/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embed_sandbox: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_external_embed_urls: Option<bool>,
    /// Browser origins allowed to connect (non-loopback origins must be listed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dangerously_allow_host_header_origin_fallback: Option<bool>,
    /// Allow token-only auth over plain HTTP (no device identity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_insecure_auth: Option<bool>,
    /// Break-glass: skip device pairing entirely.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dangerously_disable_device_auth: Option<bool>,
}

/// `gateway.auth`. `Debug` hides the secrets.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayAuth {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<GatewayAuthMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_tailscale: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<AuthRateLimit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_proxy: Option<Section>,
}

impl std::fmt::Debug for GatewayAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayAuth")
            .field("mode", &self.mode)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("allow_tailscale", &self.allow_tailscale)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

/// `gateway.auth.rateLimit` (defaults: 10 attempts per 60 s ⇒ 5 min lockout, loopback exempt).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthRateLimit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exempt_loopback: Option<bool>,
}

/// `gateway.tailscale`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayTailscale {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<TailscaleMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_on_exit: Option<bool>,
}

/// `gateway.remote`. `Debug` hides the secrets.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayRemote {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport: Option<RemoteTransport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_fingerprint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_identity: Option<String>,
}

impl std::fmt::Debug for GatewayRemote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayRemote")
            .field("url", &self.url)
            .field("transport", &self.transport)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// `gateway.reload`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayReload {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<ReloadMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debounce_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deferral_timeout_ms: Option<u64>,
}

/// `gateway.tls`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayTls {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_generate: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_path: Option<String>,
}

/// `gateway.http`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayHttp {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<HttpEndpoints>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_headers: Option<Section>,
}

/// `gateway.http.endpoints`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HttpEndpoints {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_completions: Option<ChatCompletionsEndpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responses: Option<ResponsesEndpoint>,
}

/// `gateway.http.endpoints.chatCompletions` (disabled by default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ChatCompletionsEndpoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_image_parts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_total_image_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Section>,
}

/// `gateway.http.endpoints.responses` (disabled by default).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResponsesEndpoint {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_url_parts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Section>,
}

/// `gateway.nodes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayNodes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<NodeBrowser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairing: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_commands: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny_commands: Option<Vec<String>>,
}

/// `gateway.nodes.browser`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodeBrowser {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<NodeBrowserMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}
