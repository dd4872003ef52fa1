//! The typed `openclaw.json` (2026.1.29 shape).
//!
//! Every struct is `deny_unknown_fields` + camelCase, mirroring OpenClaw's `.strict()` zod schema,
//! and derives `JsonSchema`: the generated schema is both what `config.schema` serves and what the
//! validator walks (see `validate`), so the types are the single source of truth for which keys
//! exist. Sections this build does not run yet keep large sub-objects as [`Section`] (any JSON
//! object) so typos at the levels we do type are still caught without rejecting valid configs.
//!
//! All fields are optional; defaults are applied by the accessor methods in `accessors`, never
//! materialized into the tree (writes must not bake defaults into the user's file).

mod agents;
mod core;
mod features;
mod gateway;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use self::agents::*;
pub use self::core::*;
pub use self::features::*;
pub use self::gateway::*;

/// A JSON object kept verbatim (sections or sub-objects this build does not interpret).
pub type Section = serde_json::Map<String, serde_json::Value>;

/// Defines a string enum with its wire spelling, `as_str`, `parse` and `Display`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash,
            serde::Serialize, serde::Deserialize, schemars::JsonSchema,
        )]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every accepted spelling, in schema order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

/// A model reference: `"provider/model"`, or `{primary, fallbacks}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ModelRef {
    Name(String),
    Chain(ModelChain),
}

/// `{primary, fallbacks}` form of [`ModelRef`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ModelChain {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallbacks: Option<Vec<String>>,
}

impl ModelRef {
    /// The primary model, if one is named.
    pub fn primary(&self) -> Option<&str> {
        match self {
            ModelRef::Name(name) => Some(name),
            ModelRef::Chain(chain) => chain.primary.as_deref(),
        }
    }

    /// Fallbacks when given (`Some(&[])` means "fallbacks disabled").
    pub fn fallbacks(&self) -> Option<&[String]> {
        match self {
            ModelRef::Name(_) => None,
            ModelRef::Chain(chain) => chain.fallbacks.as_deref(),
        }
    }
}

/// The whole `openclaw.json`. Top-level keys follow the 2026.1.29 schema (spec §4.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "OpenClawConfig")]
pub struct Config {
    /// Editor hint (`"$schema": "…"`); ignored.
    #[serde(rename = "$schema")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Written by OpenClaw on every config write.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Variables applied to the environment (never overriding) before `${VAR}` substitution.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<EnvSection>,
    /// Onboarding wizard bookkeeping.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wizard: Option<Wizard>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Section>,
    /// File and console logging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub browser: Option<Section>,
    /// Control UI appearance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ui: Option<Ui>,
    /// Auth profile metadata (no secrets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<AuthSection>,
    /// Custom model providers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub models: Option<Models>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_host: Option<Section>,
    /// Agent defaults and the agent list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<Agents>,
    /// Tool policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Tools>,
    /// Routing rules: which agent handles which channel/account/peer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bindings: Option<Vec<Binding>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broadcast: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<Section>,
    /// Reply shaping, queueing, acknowledgements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Messages>,
    /// Chat commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commands: Option<Commands>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvals: Option<Section>,
    /// Session keys, scopes and resets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
    /// Scheduled jobs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron: Option<Cron>,
    /// Inbound webhooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hooks: Option<Hooks>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web: Option<Section>,
    /// Channel accounts (Discord, Telegram, WhatsApp, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<Channels>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canvas_host: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub talk: Option<Section>,
    /// The gateway server itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<Gateway>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skills: Option<Section>,
    /// Plugin enablement and configuration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugins: Option<Plugins>,
}

/// Top-level keys of the 2026.1.29 schema, in its order (plus the `$schema` editor hint).
pub const TOP_LEVEL_KEYS: [&str; 31] = [
    "meta",
    "env",
    "wizard",
    "diagnostics",
    "logging",
    "update",
    "browser",
    "ui",
    "auth",
    "models",
    "nodeHost",
    "agents",
    "tools",
    "bindings",
    "broadcast",
    "audio",
    "media",
    "messages",
    "commands",
    "approvals",
    "session",
    "cron",
    "hooks",
    "web",
    "channels",
    "discovery",
    "canvasHost",
    "talk",
    "gateway",
    "skills",
    "plugins",
];

/// Sections this build runs. Every other present top-level section is reported in
/// `LoadedConfig::inactive_sections` ("accepted, not active yet"), and so is every configured
/// channel without an implementation (`channels.telegram`). `agents` counts as active (its list,
/// identities, models, tools and limits are used) although parts of `agents.defaults` are not yet.
pub const ACTIVE_SECTIONS: [&str; 15] = [
    "gateway", "logging", "meta", "env", "wizard", "agents", "session", "ui", "auth", "bindings",
    "models", "tools", "messages", "commands", "channels",
];

/// Channels this build runs; other configured channels are reported as not active yet.
pub const ACTIVE_CHANNELS: [&str; 2] = ["defaults", "discord"];
