//! An owned snapshot of environment variables.
//!
//! Edition 2024 makes `std::env::set_var` unsafe (and this workspace forbids `unsafe`), so instead
//! of mutating the process environment the way OpenClaw does, every layer that "sets" a variable
//! (dotenv files, the config `env` block, `--profile`) writes into an [`Env`] value that is then
//! passed to whoever reads variables. Reads therefore see exactly the precedence OpenClaw documents:
//! process env > `./.env` > `<state>/.env` > config `env` block, never overriding an existing value.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::ConfigIoError;

/// Environment variables, owned. Cheap to clone; `Debug` prints names only (values are often
/// secrets such as `OPENCLAW_GATEWAY_TOKEN`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Env {
    /// Snapshot of the current process environment. Variables whose name or value is not valid
    /// Unicode are converted lossily (OpenClaw, running on Node, sees them the same way).
    pub fn from_process() -> Self {
        let vars = std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect();
        Self { vars }
    }

    /// Builds a snapshot from explicit pairs (tests, embedding).
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The raw value, empty strings included.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The value if it is set and not blank (OpenClaw treats blank variables as unset almost
    /// everywhere: `${VAR}` substitution, token lookup, state-dir overrides).
    pub fn get_non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// Whether the variable is set to a non-blank value.
    pub fn is_set(&self, name: &str) -> bool {
        self.get_non_empty(name).is_some()
    }

    /// Sets a variable, replacing any existing value. Used for explicit overrides such as
    /// `--token`, which OpenClaw also writes into its process env.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Sets a variable only when it is absent or blank; returns whether it was set. This is the
    /// rule for every lower-precedence layer (dotenv files, the config `env` block, profiles).
    pub fn set_if_absent(&mut self, name: impl Into<String>, value: impl Into<String>) -> bool {
        let name = name.into();
        if self.is_set(&name) {
            return false;
        }
        self.vars.insert(name, value.into());
        true
    }

    /// Removes a variable, returning its old value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.vars.remove(name)
    }

    /// Reads `OPENCLAW_<name>`, falling back to the legacy `CLAWDBOT_<name>`; blank counts as unset.
    /// `env.openclaw("STATE_DIR")` reads `OPENCLAW_STATE_DIR` then `CLAWDBOT_STATE_DIR`.
    pub fn openclaw(&self, name: &str) -> Option<String> {
        self.get_non_empty(&format!("OPENCLAW_{name}"))
            .or_else(|| self.get_non_empty(&format!("CLAWDBOT_{name}")))
            .map(|v| v.trim().to_string())
    }

    /// All variables in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// Whether the snapshot holds no variables.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// The home directory according to this snapshot (`HOME`, then `USERPROFILE`).
    pub fn home_dir(&self) -> Option<PathBuf> {
        self.get_non_empty("HOME")
            .or_else(|| self.get_non_empty("USERPROFILE"))
            .map(PathBuf::from)
    }
}

/// What [`apply_dotenv_files`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DotenvReport {
    /// Files that existed and were read, in the order applied.
    pub loaded: Vec<PathBuf>,
    /// Variables newly set (names only).
    pub applied: Vec<String>,
    /// Lines that could not be parsed, as `file: reason`; such lines are skipped.
    pub warnings: Vec<String>,
}

/// Applies `<cwd>/.env` then `<state_dir>/.env` to `env`, never overriding a variable that is
/// already set (so the process env wins over `./.env`, which wins over the state-dir file).
/// Missing files are fine; unreadable ones are an error; unparsable lines are skipped and reported.
pub fn apply_dotenv_files(
    env: &mut Env,
    cwd: &Path,
    state_dir: &Path,
) -> Result<DotenvReport, ConfigIoError> {
    let mut report = DotenvReport::default();
    let cwd_file = cwd.join(".env");
    let state_file = state_dir.join(".env");
    apply_dotenv_file(env, &cwd_file, &mut report)?;
    if state_file != cwd_file {
        apply_dotenv_file(env, &state_file, &mut report)?;
    }
    Ok(report)
}

fn apply_dotenv_file(
    env: &mut Env,
    path: &Path,
    report: &mut DotenvReport,
) -> Result<(), ConfigIoError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(ConfigIoError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    // dotenvy only strips a byte-order mark in its process-env loaders, not in the iterator.
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    report.loaded.push(path.to_path_buf());
    for item in dotenvy::from_read_iter(body) {
        match item {
            Ok((name, value)) => {
                if env.set_if_absent(name.clone(), value) {
                    report.applied.push(name);
                }
            }
            Err(err) => report
                .warnings
                .push(format!("{}: skipped a line: {err}", path.display())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openclaw_prefers_new_prefix_and_treats_blank_as_unset() {
        let env = Env::from_pairs([
            ("OPENCLAW_GATEWAY_TOKEN", "  "),
            ("CLAWDBOT_GATEWAY_TOKEN", "legacy"),
            ("OPENCLAW_STATE_DIR", "/data"),
            ("CLAWDBOT_STATE_DIR", "/old"),
        ]);
        assert_eq!(env.openclaw("GATEWAY_TOKEN").as_deref(), Some("legacy"));
        assert_eq!(env.openclaw("STATE_DIR").as_deref(), Some("/data"));
        assert_eq!(env.openclaw("PROFILE"), None);
    }

    #[test]
    fn set_if_absent_never_overrides_a_set_value() {
        let mut env = Env::from_pairs([("A", "1"), ("B", "")]);
        assert!(!env.set_if_absent("A", "2"));
        assert!(env.set_if_absent("B", "3"));
        assert!(env.set_if_absent("C", "4"));
        assert_eq!(env.get("A"), Some("1"));
        assert_eq!(env.get("B"), Some("3"));
        assert_eq!(env.get("C"), Some("4"));
    }

    #[test]
    fn debug_output_hides_values() {
        let env = Env::from_pairs([("OPENCLAW_GATEWAY_TOKEN", "s3cret")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("OPENCLAW_GATEWAY_TOKEN"));
        assert!(!shown.contains("s3cret"));
    }

    #[test]
    fn dotenv_layers_apply_in_precedence_order() {
        let cwd = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        std::fs::write(
            cwd.path().join(".env"),
            "\u{feff}FROM_CWD=cwd\nSHARED=cwd\n# comment\nPROCESS=cwd\n",
        )
        .unwrap();
        std::fs::write(
            state.path().join(".env"),
            "SHARED=state\nFROM_STATE=\"quoted value\"\nBROKEN LINE WITHOUT EQUALS\n",
        )
        .unwrap();
        let mut env = Env::from_pairs([("PROCESS", "process")]);
        let report = apply_dotenv_files(&mut env, cwd.path(), state.path()).unwrap();
        assert_eq!(env.get("PROCESS"), Some("process"));
        assert_eq!(env.get("FROM_CWD"), Some("cwd"));
        assert_eq!(env.get("SHARED"), Some("cwd"));
        assert_eq!(env.get("FROM_STATE"), Some("quoted value"));
        assert_eq!(report.loaded.len(), 2);
        assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
        assert!(report.applied.contains(&"FROM_STATE".to_string()));
    }

    #[test]
    fn missing_dotenv_files_are_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut env = Env::default();
        let report = apply_dotenv_files(&mut env, dir.path(), &dir.path().join("nope")).unwrap();
        assert!(report.loaded.is_empty());
        assert!(env.is_empty());
    }
}
