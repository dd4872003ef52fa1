//! The loading pipeline (spec §4.0): read → JSON5 → `$include` → `env` block → `${VAR}` →
//! strict validation. Defaults are not materialized; they live in the accessors.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::env::Env;
use crate::error::ConfigIoError;
use crate::include::resolve_includes;
use crate::schema::{ACTIVE_CHANNELS, ACTIVE_SECTIONS, Config, TOP_LEVEL_KEYS};
use crate::source::{ParsedSource, parse_source};
use crate::spans::{SpanNode, Spot};
use crate::substitute::{apply_env_block, substitute_tree};
use crate::validate::validate_resolved;

/// Everything known about one config file after loading it. An invalid config is still a
/// `LoadedConfig` (with `issues`), so callers can show the file, its hash and every problem.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The file that was (or would be) read.
    pub path: PathBuf,
    /// Whether the file exists. A missing file is a valid, empty config.
    pub exists: bool,
    /// File text (`""` if missing). Contains secrets written in clear — redact before showing.
    pub raw: String,
    /// sha256 hex of the raw file bytes (of `""` when missing): `config.get`'s `hash`, the
    /// `baseHash` that `config.set|patch|apply` must echo.
    pub hash: String,
    /// The file as written, before `$include` and substitution (`{}` if missing or unparsable).
    /// Edits and writes operate on this tree so `${VAR}` references stay references.
    pub parsed: Value,
    /// After `$include`, the `env` block and `${VAR}` substitution. Unknown content is kept.
    pub resolved: Value,
    /// The typed config; `Some` iff there are no issues.
    pub config: Option<Arc<Config>>,
    pub issues: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// Present top-level sections this build accepts but does not run yet.
    pub inactive_sections: Vec<String>,
    /// Files pulled in by `$include`, in load order.
    pub included_paths: Vec<PathBuf>,
    /// The environment after the config `env` block was applied (non-overriding).
    pub env: Env,
    /// Variables the `env` block set.
    pub env_applied: Vec<String>,
}

impl LoadedConfig {
    /// True when the config has no issues (warnings are fine).
    pub fn is_valid(&self) -> bool {
        self.issues.is_empty()
    }

    /// The typed config, or the defaults of an empty one when invalid (what OpenClaw's
    /// `loadConfig()` hands to non-gateway callers).
    pub fn config_or_default(&self) -> Arc<Config> {
        self.config.clone().unwrap_or_default()
    }

    /// One line per issue, for error output.
    pub fn issues_text(&self) -> String {
        self.issues
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// sha256 hex of a config text (`config.get`'s `hash`).
pub fn hash_raw(raw: &str) -> String {
    hash_bytes(raw.as_bytes())
}

fn hash_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Loads the config at `path` with the given environment snapshot. Only I/O failures other than
/// "not found" are errors; parse and validation problems are reported in the result.
pub fn load(path: &Path, env: &Env) -> Result<LoadedConfig, ConfigIoError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let raw = String::from_utf8_lossy(&bytes).into_owned();
            Ok(evaluate(path, raw, hash_bytes(&bytes), env))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(missing(path, env)),
        Err(source) => Err(ConfigIoError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Runs the pipeline on config text that would live at `path` (includes resolve relative to it).
/// Used to validate a candidate before writing it, and for `config.set {raw}`.
pub fn load_from_str(path: &Path, raw: &str, env: &Env) -> LoadedConfig {
    evaluate(path, raw.to_string(), hash_raw(raw), env)
}

fn missing(path: &Path, env: &Env) -> LoadedConfig {
    LoadedConfig {
        path: path.to_path_buf(),
        exists: false,
        raw: String::new(),
        hash: hash_raw(""),
        parsed: Value::Object(Map::new()),
        resolved: Value::Object(Map::new()),
        config: Some(Arc::new(Config::default())),
        issues: Vec::new(),
        warnings: Vec::new(),
        inactive_sections: Vec::new(),
        included_paths: Vec::new(),
        env: env.clone(),
        env_applied: Vec::new(),
    }
}

fn evaluate(path: &Path, raw: String, hash: String, env: &Env) -> LoadedConfig {
    let mut loaded = LoadedConfig {
        path: path.to_path_buf(),
        exists: true,
        raw,
        hash,
        parsed: Value::Object(Map::new()),
        resolved: Value::Object(Map::new()),
        config: None,
        issues: Vec::new(),
        warnings: Vec::new(),
        inactive_sections: Vec::new(),
        included_paths: Vec::new(),
        env: env.clone(),
        env_applied: Vec::new(),
    };
    // Editors hide a byte-order mark; dropping it keeps line-1 columns what the user sees.
    let text = loaded
        .raw
        .strip_prefix('\u{feff}')
        .unwrap_or(&loaded.raw)
        .to_string();
    let ParsedSource { value, spans } = match parse_source(&text, path) {
        Ok(parsed) => parsed,
        Err(diagnostic) => {
            loaded.issues.push(*diagnostic);
            return loaded;
        }
    };
    loaded.parsed = value.clone();
    let (mut resolved, spans) = match resolve_includes(value, spans, path) {
        Ok(result) => {
            loaded.included_paths = result.included_paths;
            (result.value, result.spans)
        }
        Err(diagnostic) => {
            loaded.issues.push(*diagnostic);
            loaded.resolved = loaded.parsed.clone();
            loaded.inactive_sections = inactive_sections(&loaded.resolved);
            return loaded;
        }
    };
    loaded.env_applied = apply_env_block(&resolved, &mut loaded.env);
    loaded
        .issues
        .extend(substitute_tree(&mut resolved, &loaded.env, &spans));
    let validation = validate_resolved(&resolved, &spans);
    loaded.issues.extend(validation.issues);
    sort_by_location(&mut loaded.issues);
    loaded.warnings = validation.warnings;
    sort_by_location(&mut loaded.warnings);
    if loaded.issues.is_empty() {
        loaded.config = validation.config.map(Arc::new);
    }
    loaded.inactive_sections = inactive_sections(&resolved);
    loaded.resolved = resolved;
    loaded
}

/// Validates an in-memory tree that has no file behind it (diagnostics point at `<memory>:1:1`).
pub fn validate_value(value: &Value, env: &Env) -> Result<Config, Vec<Diagnostic>> {
    let spans = SpanNode::leaf(Spot {
        file: Path::new("<memory>").into(),
        line: 1,
        column: 1,
    });
    let mut resolved = value.clone();
    let mut env = env.clone();
    apply_env_block(&resolved, &mut env);
    let mut issues = substitute_tree(&mut resolved, &env, &spans);
    let validation = validate_resolved(&resolved, &spans);
    issues.extend(validation.issues);
    match validation.config {
        Some(config) if issues.is_empty() => Ok(config),
        _ => Err(issues),
    }
}

/// Orders findings as they appear in the files (stable, so equal positions keep check order).
fn sort_by_location(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.location
                .as_ref()
                .map(|l| (l.file.clone(), l.line, l.column))
        };
        key(a).cmp(&key(b))
    });
}

fn inactive_sections(resolved: &Value) -> Vec<String> {
    let Some(map) = resolved.as_object() else {
        return Vec::new();
    };
    let mut inactive: Vec<String> = map
        .keys()
        .filter(|k| TOP_LEVEL_KEYS.contains(&k.as_str()) && !ACTIVE_SECTIONS.contains(&k.as_str()))
        .cloned()
        .collect();
    if let Some(channels) = map.get("channels").and_then(Value::as_object) {
        inactive.extend(
            channels
                .keys()
                .filter(|id| !ACTIVE_CHANNELS.contains(&id.as_str()))
                .map(|id| format!("channels.{id}")),
        );
    }
    inactive
}
