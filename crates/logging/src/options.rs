//! Settings for the logging pipeline and the small enums they are made of.
//!
//! The string forms accepted by the `FromStr` impls are exactly the values OpenClaw's
//! `logging.*` config keys take, so the config layer can hand them over unchanged.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::LogError;

/// Directory OpenClaw writes its daily rolling log files into.
pub const DEFAULT_LOG_DIR: &str = "/tmp/openclaw";

/// OpenClaw's log levels, ordered from "nothing" to "everything".
///
/// A sink set to level `L` emits every event whose level is at or below `L` in this order
/// (so `Info` lets through fatal, error, warn and info). `tracing` has no fatal level: error
/// events pass a `Fatal` threshold too, so that `fatal` behaves as "errors only" rather than
/// silently dropping everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum LogLevel {
    Silent,
    Fatal,
    Error,
    Warn,
    #[default]
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    /// Lower-case name as used in config files and the console JSON style.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Silent => "silent",
            LogLevel::Fatal => "fatal",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }

    /// tslog's numeric level id, written to `_meta.logLevelId` in the file log.
    pub fn tslog_id(self) -> u8 {
        match self {
            LogLevel::Silent => 0,
            LogLevel::Trace => 1,
            LogLevel::Debug => 2,
            LogLevel::Info => 3,
            LogLevel::Warn => 4,
            LogLevel::Error => 5,
            LogLevel::Fatal => 6,
        }
    }

    /// tslog's upper-case level name, written to `_meta.logLevelName`.
    pub fn tslog_name(self) -> &'static str {
        match self {
            LogLevel::Silent => "SILLY",
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
        }
    }

    /// Whether an event at `event_level` passes a sink configured with `self` as threshold.
    pub fn admits(self, event_level: LogLevel) -> bool {
        if self == LogLevel::Silent || event_level == LogLevel::Silent {
            return false;
        }
        // See the type docs: a `fatal` threshold still lets errors through.
        let threshold = self.max(LogLevel::Error);
        event_level <= threshold
    }

    pub(crate) fn from_tracing(level: &tracing::Level) -> LogLevel {
        match *level {
            tracing::Level::ERROR => LogLevel::Error,
            tracing::Level::WARN => LogLevel::Warn,
            tracing::Level::INFO => LogLevel::Info,
            tracing::Level::DEBUG => LogLevel::Debug,
            tracing::Level::TRACE => LogLevel::Trace,
        }
    }

    pub(crate) fn to_level_filter(self) -> tracing::level_filters::LevelFilter {
        use tracing::level_filters::LevelFilter;
        match self {
            LogLevel::Silent => LevelFilter::OFF,
            LogLevel::Fatal | LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LogLevel {
    type Err = LogError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "silent" => Ok(LogLevel::Silent),
            "fatal" => Ok(LogLevel::Fatal),
            "error" => Ok(LogLevel::Error),
            "warn" | "warning" => Ok(LogLevel::Warn),
            "info" => Ok(LogLevel::Info),
            "debug" => Ok(LogLevel::Debug),
            "trace" => Ok(LogLevel::Trace),
            _ => Err(LogError::InvalidSetting {
                setting: "log level",
                value: value.to_owned(),
                expected: "silent, fatal, error, warn, info, debug, trace",
            }),
        }
    }
}

/// `logging.consoleStyle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConsoleStyle {
    /// `[subsystem] message key=value`; multi-line messages are printed as they are.
    #[default]
    Pretty,
    /// Like `Pretty`, but always exactly one line per event (line breaks are escaped).
    Compact,
    /// One JSON object per line (`severity`, `time`, `level`, `subsystem`, `message`, fields).
    Json,
}

impl FromStr for ConsoleStyle {
    type Err = LogError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "pretty" => Ok(ConsoleStyle::Pretty),
            "compact" => Ok(ConsoleStyle::Compact),
            "json" => Ok(ConsoleStyle::Json),
            _ => Err(LogError::InvalidSetting {
                setting: "logging.consoleStyle",
                value: value.to_owned(),
                expected: "pretty, compact, json",
            }),
        }
    }
}

/// Whether console lines may carry ANSI colour codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ColorChoice {
    /// Colour only when the stream is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    Always,
    /// `--no-color`.
    Never,
}

/// `logging.redactSensitive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RedactMode {
    /// Only registered secrets are scrubbed (they always are).
    Off,
    /// Registered secrets and the redaction patterns are scrubbed (OpenClaw's default).
    #[default]
    Tools,
}

impl FromStr for RedactMode {
    type Err = LogError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(RedactMode::Off),
            "tools" => Ok(RedactMode::Tools),
            _ => Err(LogError::InvalidSetting {
                setting: "logging.redactSensitive",
                value: value.to_owned(),
                expected: "off, tools",
            }),
        }
    }
}

/// Everything the logging pipeline needs; can be replaced at runtime with
/// [`crate::LogHandle::reconfigure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    /// `logging.consoleLevel` (default `info`).
    pub console_level: LogLevel,
    /// `logging.level`, the file log threshold (default `info`). `--verbose` does not touch it.
    pub file_level: LogLevel,
    pub console_style: ConsoleStyle,
    pub color: ColorChoice,
    /// `logging.file`: a fixed file. `None` = daily rolling file in [`LogOptions::log_dir`].
    pub file_path: Option<PathBuf>,
    /// Directory of the daily rolling files (default [`DEFAULT_LOG_DIR`]).
    pub log_dir: PathBuf,
    /// `--verbose`: raises the console threshold to at least `debug`.
    pub verbose: bool,
    pub redact_sensitive: RedactMode,
    /// `logging.redactPatterns`; when non-empty they replace the default patterns.
    pub redact_patterns: Vec<String>,
    /// Send every console line to stderr (for commands whose stdout is machine-readable).
    pub console_to_stderr: bool,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            console_level: LogLevel::Info,
            file_level: LogLevel::Info,
            console_style: ConsoleStyle::Pretty,
            color: ColorChoice::Auto,
            file_path: None,
            log_dir: PathBuf::from(DEFAULT_LOG_DIR),
            verbose: false,
            redact_sensitive: RedactMode::Tools,
            redact_patterns: Vec::new(),
            console_to_stderr: false,
        }
    }
}

impl LogOptions {
    /// Console threshold after applying `--verbose`.
    pub fn effective_console_level(&self) -> LogLevel {
        if self.verbose && self.console_level != LogLevel::Silent {
            self.console_level.max(LogLevel::Debug)
        } else {
            self.console_level
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_threshold_admits_less_verbose_events() {
        assert!(LogLevel::Info.admits(LogLevel::Error));
        assert!(LogLevel::Info.admits(LogLevel::Info));
        assert!(!LogLevel::Info.admits(LogLevel::Debug));
        assert!(!LogLevel::Silent.admits(LogLevel::Error));
        assert!(LogLevel::Fatal.admits(LogLevel::Error));
        assert!(!LogLevel::Fatal.admits(LogLevel::Warn));
        assert!(LogLevel::Trace.admits(LogLevel::Trace));
    }

    #[test]
    fn parses_config_strings() {
        assert_eq!("DEBUG".parse::<LogLevel>().unwrap(), LogLevel::Debug);
        assert_eq!("json".parse::<ConsoleStyle>().unwrap(), ConsoleStyle::Json);
        assert_eq!("off".parse::<RedactMode>().unwrap(), RedactMode::Off);
        let err = "loud".parse::<LogLevel>().unwrap_err().to_string();
        assert!(
            err.contains("\"loud\"") && err.contains("silent, fatal"),
            "{err}"
        );
    }

    #[test]
    fn verbose_raises_console_level_only() {
        let opts = LogOptions {
            verbose: true,
            ..LogOptions::default()
        };
        assert_eq!(opts.effective_console_level(), LogLevel::Debug);
        assert_eq!(opts.file_level, LogLevel::Info);
        let silent = LogOptions {
            verbose: true,
            console_level: LogLevel::Silent,
            ..LogOptions::default()
        };
        assert_eq!(silent.effective_console_level(), LogLevel::Silent);
    }
}
