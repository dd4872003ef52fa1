//! Typed errors. Each message names what failed, where, and what to do about it.
//!
//! Note the split: a config that is *invalid* is not an error of [`crate::load`] — it is a
//! [`crate::LoadedConfig`] with issues, so callers can still show the file, its hash and every
//! problem. Only real I/O failures are errors.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

/// A filesystem failure while reading config-related files.
#[derive(Debug, thiserror::Error)]
pub enum ConfigIoError {
    /// The file exists but could not be read (permissions, a directory in its place, …).
    #[error(
        "could not read {path}: {source}; check that the file is readable by this user (or point OPENCLAW_CONFIG_PATH elsewhere)"
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why [`crate::write_config`] refused or failed to write.
#[derive(Debug, thiserror::Error)]
pub enum ConfigWriteError {
    /// The candidate config did not validate; nothing was written.
    #[error(
        "Config validation failed: {path}: {summary}\nNothing was written; fix the config and retry.",
        summary = summarize(issues)
    )]
    Invalid {
        path: PathBuf,
        issues: Vec<Diagnostic>,
    },
    /// The candidate was not a JSON object.
    #[error(
        "refusing to write {path}: the config must be a JSON object at the top level, got {found}"
    )]
    NotAnObject { path: PathBuf, found: &'static str },
    /// A filesystem step failed; `action` says which.
    #[error(
        "could not {action} {path}: {source}; check permissions and free space in that directory"
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn summarize(issues: &[Diagnostic]) -> String {
    match issues {
        [] => "unknown problem".to_string(),
        [only] => only.to_string(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
    }
}

/// A malformed `config get|set|unset` path such as `agents.list[x` or `a..b`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid config path {path:?}: {reason}; use dot/bracket syntax like agents.list[0].id or channels.discord.guilds[\"123\"]"
)]
pub struct PathSyntaxError {
    pub path: String,
    pub reason: String,
}

/// Why a `config set|unset` could not be applied to the tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Syntax(#[from] PathSyntaxError),
    /// A segment walks into a value that is not a container (e.g. `gateway.port.x`).
    #[error(
        "cannot use {segment} on {at}: it holds {found}, not {expected}; unset it first or choose another path"
    )]
    NotAContainer {
        at: String,
        segment: String,
        found: &'static str,
        expected: &'static str,
    },
    /// An array index beyond the end (only appending at `len` is allowed).
    #[error(
        "index {index} is out of range at {at} (length {len}); use an index up to {len} to append"
    )]
    IndexOutOfRange {
        at: String,
        index: usize,
        len: usize,
    },
    /// The empty path (the whole config) cannot be set or unset.
    #[error("a path is required; to replace the whole config use config.set/config.apply")]
    EmptyPath,
}

/// An invalid `--profile` name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid profile name {name:?}: use 1-64 letters, digits, '-' or '_', starting with a letter or digit"
)]
pub struct ProfileError {
    pub name: String,
}
