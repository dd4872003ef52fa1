//! `openclaw-config`: loading, validating, editing and writing `openclaw.json`, compatible with
//! OpenClaw 2026.1.29.
//!
//! # Design
//!
//! **Environment as a value.** Edition 2024 makes `std::env::set_var` unsafe and the workspace
//! forbids `unsafe`, so nothing here mutates the process environment. An [`Env`] snapshot is taken
//! once ([`Env::from_process`]), layered with [`apply_profile`] (`--profile`/`--dev`),
//! [`apply_dotenv_files`] (`./.env`, then `<state>/.env`) and the config's own `env` block — each
//! layer only fills variables that are still unset — and then passed to whoever reads variables.
//!
//! **State paths.** [`StatePaths::resolve`] applies `OPENCLAW_STATE_DIR` / `OPENCLAW_CONFIG_PATH` /
//! `OPENCLAW_OAUTH_DIR` (with legacy `CLAWDBOT_*` names and legacy `~/.clawdbot`-style dirs and
//! `clawdbot.json`-style file names). The default workspace lives under the state dir.
//!
//! **Loading pipeline** ([`load`], spec §4.0): read the file (missing ⇒ valid empty config) →
//! JSON5 parse (`JSON5 parse failed: …` at `file:line:col`) → `$include` (string or array,
//! relative to the including file, ≤ 10 deep, cycles reported as
//! `Circular include detected: a -> b -> a`, deep merge with concatenated arrays and overriding
//! siblings) → the `env` block applied (non-overriding) → `${VAR}` substitution
//! (`Missing env var "X" referenced at config path: a.b`, `$${VAR}` escapes) → strict validation
//! → typed [`Config`]. The result, [`LoadedConfig`], keeps the raw text and its sha256
//! (`config.get`'s `hash`), the `parsed` tree (what the user wrote) and the `resolved` tree (what
//! runs); unknown content is never dropped. Defaults are not materialized: accessor methods on
//! [`Config`] apply them (`gateway_port()` = 18789, `bind_mode()` = loopback, …).
//!
//! **Positions.** Every issue carries `file:line:col` of the offending key or value, in the file
//! where it was written (main file or an included one). `json5` does not expose positions, so a
//! small span-recording scanner ([`spans`]) re-reads each file *after* `json5` accepted it and
//! builds a position tree that is merged in lockstep with the values during `$include`
//! resolution. See the `spans` module docs for why this is the simplest correct approach.
//!
//! Messages use this crate's wording (`gateway.bnd: unknown key (did you mean "bind"?)`), not
//! zod's (`gateway: Unrecognized key: "bnd"`, reported on the parent path), so `config.set` error
//! details read differently from 2026.1.29 while carrying the same information and more.
//!
//! **Validation.** The types in [`schema`] are `deny_unknown_fields` and derive `JsonSchema`. The
//! validator walks the generated JSON Schema rather than relying on serde errors, so it reports
//! *every* problem with its path and a did-you-mean suggestion (strsim), then runs cross-field
//! checks (duplicate `agentDir`, `dmPolicy:"open"` without `"*"`, `hooks.enabled` without a token,
//! `hooks.path` `/`, avatar paths, heartbeat targets, broadcast agent ids) and warnings
//! (`gateway.token`, `session.mainKey`, newer `meta.lastTouchedVersion`, …). The same schema is
//! served by `config.schema` ([`config_schema`], [`ui_hints`]).
//!
//! **Writing** ([`write_config`]): validate the candidate with the same pipeline, stamp `meta`,
//! write a 0600 temp file, fsync, rotate five backups, rename over, fsync the directory. Writes
//! take the *parsed* tree, so `${VAR}` references stay references and secrets are not baked in.
//!
//! **Editing and redaction.** [`merge_patch`] (RFC 7396), [`restore_redacted`], CLI path helpers
//! ([`get_path`], [`set_path`], [`unset_path`], [`parse_cli_value`]), [`redact`], [`redact_raw`],
//! [`secret_values`]. **Reload planning**: [`diff_paths`] + [`plan_reload`] implement the §2.4
//! prefix table as pure functions.
//!
//! Nothing in this crate performs network I/O; it reads only the files it is pointed at.

mod accessors;
mod diagnostic;
mod edit;
mod env;
mod error;
mod include;
mod load;
pub mod path;
pub mod paths;
mod redact;
mod reload;
pub mod schema;
mod schema_doc;
mod source;
pub mod spans;
mod substitute;
mod timefmt;
mod validate;
mod write;

pub use accessors::{
    DEFAULT_AGENT_ID, DEFAULT_CONTROL_UI_BASE_PATH, DEFAULT_GATEWAY_PORT, DEFAULT_HOOKS_PATH,
    DEFAULT_MAX_CONCURRENT, DEFAULT_RELOAD_DEBOUNCE_MS, RateLimitSettings, normalize_agent_id,
};
pub use diagnostic::{Diagnostic, Location, suggest};
pub use edit::{get_path, merge_patch, parse_cli_value, restore_redacted, set_path, unset_path};
pub use env::{DotenvReport, Env, apply_dotenv_files};
pub use error::{ConfigIoError, ConfigWriteError, EditError, PathSyntaxError, ProfileError};
pub use include::{INCLUDE_KEY, MAX_INCLUDE_DEPTH};
pub use load::{LoadedConfig, hash_raw, load, load_from_str, validate_value};
pub use paths::{StatePaths, apply_profile, expand_tilde};
pub use redact::{
    REDACTED, env_secret_values, is_sensitive_key, redact, redact_raw, secret_values,
};
pub use reload::{HotAction, ReloadKind, ReloadPlan, classify_path, diff_paths, plan_reload};
pub use schema::*;
pub use schema_doc::{SENSITIVE_PATHS, config_schema, config_schema_response, ui_hints};
pub use source::{parse_cli_json, parse_document};
pub use substitute::{apply_env_block, substitute_str};
pub use timefmt::iso8601;
pub use validate::COMPAT_VERSION;
pub use write::{BACKUP_GENERATIONS, WriteOutcome, backup_paths, render, write_config};

impl Config {
    /// Secret strings in this config (see [`secret_values`]), for log scrubbing.
    pub fn secret_values(&self) -> Vec<String> {
        serde_json::to_value(self)
            .map(|v| secret_values(&v))
            .unwrap_or_default()
    }
}
