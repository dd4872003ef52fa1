//! The crate's error type.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while configuring logging or reading the log file.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("invalid {setting} {value:?}: expected one of {expected}")]
    InvalidSetting {
        setting: &'static str,
        value: String,
        expected: &'static str,
    },

    #[error(
        "logging.redactPatterns entry {pattern:?} is not a usable regex ({reason}); \
         fix the pattern or remove it from the config"
    )]
    InvalidRedactPattern { pattern: String, reason: String },

    #[error(
        "cannot create log directory {}: {source}; make it writable or set logging.file \
         to a writable path",
        path.display()
    )]
    CreateLogDir { path: PathBuf, source: io::Error },

    #[error(
        "cannot open log file {}: {source}; make it writable or point logging.file elsewhere",
        path.display()
    )]
    OpenLogFile { path: PathBuf, source: io::Error },

    #[error("cannot read log file {}: {source}; check that it is readable", path.display())]
    ReadLogFile { path: PathBuf, source: io::Error },

    #[error(
        "a global tracing subscriber is already installed; call openclaw_logging::init once \
         per process (use LogHandle::reconfigure to change settings)"
    )]
    AlreadyInitialized,
}
