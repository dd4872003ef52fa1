//! Console output: line formatting for the three `logging.consoleStyle`s, stream selection
//! and colour decisions, and the sinks lines are written to.
//!
//! Stream choice follows OpenClaw's subsystem logger: info/debug/trace go to **stdout**,
//! warn and error to **stderr** (Node's `console.warn`/`console.error`). Container log
//! collectors (docker, fly) capture both; `console_to_stderr` moves everything to stderr
//! for commands whose stdout carries machine-readable output.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};

use crate::event::{LogEvent, render_fields};
use crate::options::{ColorChoice, ConsoleStyle, LogLevel};

/// Which standard stream a console line goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsoleStream {
    Stdout,
    Stderr,
}

/// Where console lines end up. The process uses [`StdConsole`]; tests use [`MemoryConsole`].
pub trait ConsoleSink: Send + Sync + 'static {
    /// Writes one line; the sink adds the line terminator.
    fn write_line(&self, stream: ConsoleStream, line: &str);
    /// Whether `stream` is an interactive terminal (decides `ColorChoice::Auto`).
    fn is_terminal(&self, stream: ConsoleStream) -> bool;
}

/// The real stdout/stderr.
#[derive(Debug, Clone, Copy, Default)]
pub struct StdConsole;

impl ConsoleSink for StdConsole {
    fn write_line(&self, stream: ConsoleStream, line: &str) {
        // A closed pipe must not take the gateway down, and there is nowhere left to report
        // the failure, so write errors are deliberately dropped.
        let _ = match stream {
            ConsoleStream::Stdout => writeln!(std::io::stdout().lock(), "{line}"),
            ConsoleStream::Stderr => writeln!(std::io::stderr().lock(), "{line}"),
        };
    }

    fn is_terminal(&self, stream: ConsoleStream) -> bool {
        match stream {
            ConsoleStream::Stdout => std::io::stdout().is_terminal(),
            ConsoleStream::Stderr => std::io::stderr().is_terminal(),
        }
    }
}

/// Collects console lines in memory, for tests and for embedding the logger elsewhere.
#[derive(Debug, Clone, Default)]
pub struct MemoryConsole {
    lines: Arc<Mutex<Vec<(ConsoleStream, String)>>>,
    pretend_terminal: bool,
}

impl MemoryConsole {
    pub fn new() -> Self {
        MemoryConsole::default()
    }

    /// A console that claims to be a terminal, to exercise `ColorChoice::Auto`.
    pub fn terminal() -> Self {
        MemoryConsole {
            pretend_terminal: true,
            ..MemoryConsole::default()
        }
    }

    /// Every line written so far, with its stream.
    pub fn lines(&self) -> Vec<(ConsoleStream, String)> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Lines written to one stream.
    pub fn stream_lines(&self, stream: ConsoleStream) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|(s, _)| *s == stream)
            .map(|(_, line)| line)
            .collect()
    }

    pub fn clear(&self) {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl ConsoleSink for MemoryConsole {
    fn write_line(&self, stream: ConsoleStream, line: &str) {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((stream, line.to_owned()));
    }

    fn is_terminal(&self, _stream: ConsoleStream) -> bool {
        self.pretend_terminal
    }
}

/// The stream an event at `level` goes to.
pub fn stream_for(level: LogLevel, console_to_stderr: bool) -> ConsoleStream {
    if console_to_stderr || matches!(level, LogLevel::Warn | LogLevel::Error | LogLevel::Fatal) {
        ConsoleStream::Stderr
    } else {
        ConsoleStream::Stdout
    }
}

/// Whether lines for `stream` get ANSI colour. `Auto` needs a terminal and an unset or
/// empty `NO_COLOR` (<https://no-color.org>); `--no-color` maps to `Never`.
pub fn use_color(choice: ColorChoice, sink: &dyn ConsoleSink, stream: ConsoleStream) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
            !no_color && sink.is_terminal(stream)
        }
    }
}

const RESET: &str = "\x1b[0m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const GRAY: &str = "\x1b[90m";
/// Palette for `[subsystem]` prefixes; a subsystem always gets the same colour.
const PREFIX_PALETTE: [&str; 6] = [
    "\x1b[36m", "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[35m", "\x1b[31m",
];

fn prefix_color(subsystem: &str) -> &'static str {
    let hash = subsystem.bytes().fold(0u32, |acc, byte| {
        acc.wrapping_mul(31).wrapping_add(u32::from(byte))
    });
    PREFIX_PALETTE[(hash as usize) % PREFIX_PALETTE.len()]
}

fn level_color(level: LogLevel) -> Option<&'static str> {
    match level {
        LogLevel::Error | LogLevel::Fatal => Some(RED),
        LogLevel::Warn => Some(YELLOW),
        LogLevel::Debug | LogLevel::Trace => Some(GRAY),
        LogLevel::Info | LogLevel::Silent => None,
    }
}

/// Drops a subsystem tag the message repeats (`discord: logged in` under `[discord]`), as
/// OpenClaw's console does, so lines don't read `[discord] discord: …`.
fn strip_repeated_subsystem<'a>(message: &'a str, subsystem: &str) -> &'a str {
    let bracketed = message
        .strip_prefix('[')
        .and_then(|rest| rest.strip_prefix(subsystem))
        .and_then(|rest| rest.strip_prefix(']'));
    if let Some(rest) = bracketed {
        return rest.trim_start_matches(' ');
    }
    match message.strip_prefix(subsystem) {
        Some(rest) if rest.starts_with(':') => rest[1..].trim_start_matches(' '),
        _ => message,
    }
}

/// Formats one console line. `timestamp` is only used by the JSON style.
pub fn format_console_line(
    event: &LogEvent,
    style: ConsoleStyle,
    color: bool,
    timestamp: &str,
) -> String {
    if style == ConsoleStyle::Json {
        return json_console_line(event, timestamp);
    }
    let message = strip_repeated_subsystem(&event.message, &event.subsystem);
    let mut body = format!("{message}{}", render_fields(&event.fields));
    if style == ConsoleStyle::Compact {
        body = body.replace("\r\n", "\\n").replace('\n', "\\n");
    }
    let prefix = format!("[{}]", event.subsystem);
    if !color {
        return format!("{prefix} {body}").trim_end().to_owned();
    }
    let prefix = format!("{}{prefix}{RESET}", prefix_color(&event.subsystem));
    match level_color(event.level) {
        Some(code) if !body.is_empty() => format!("{prefix} {code}{body}{RESET}"),
        _ => format!("{prefix} {body}").trim_end().to_owned(),
    }
}

/// `consoleStyle: "json"`: one object per line, with the GCP-style `severity` OpenClaw
/// emits so log routers classify lines correctly. Fields never overwrite the fixed keys.
fn json_console_line(event: &LogEvent, timestamp: &str) -> String {
    let severity = match event.level {
        LogLevel::Trace | LogLevel::Debug => "DEBUG",
        LogLevel::Info => "INFO",
        LogLevel::Warn => "WARNING",
        LogLevel::Error => "ERROR",
        LogLevel::Fatal => "CRITICAL",
        LogLevel::Silent => "DEFAULT",
    };
    let mut object = Map::new();
    object.insert("severity".to_owned(), severity.into());
    object.insert("time".to_owned(), timestamp.into());
    object.insert("level".to_owned(), event.level.as_str().into());
    object.insert("subsystem".to_owned(), event.subsystem.clone().into());
    object.insert("message".to_owned(), event.message.clone().into());
    for (name, value) in &event.fields {
        object.entry(name.clone()).or_insert_with(|| value.clone());
    }
    Value::Object(object).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TS: &str = "2026-01-29T10:00:00.000Z";

    #[test]
    fn pretty_info_line_is_prefix_and_message_only() {
        let event = LogEvent::new(
            LogLevel::Info,
            "gateway",
            "listening on ws://127.0.0.1:18789 (PID 7)",
        );
        assert_eq!(
            format_console_line(&event, ConsoleStyle::Pretty, false, TS),
            "[gateway] listening on ws://127.0.0.1:18789 (PID 7)"
        );
    }

    #[test]
    fn fields_follow_the_message() {
        let event = LogEvent::new(LogLevel::Info, "gateway/ws", "webchat connected")
            .with_field("conn", "4120a080")
            .with_field("remote", "127.0.0.1");
        assert_eq!(
            format_console_line(&event, ConsoleStyle::Pretty, false, TS),
            "[gateway/ws] webchat connected conn=4120a080 remote=127.0.0.1"
        );
    }

    #[test]
    fn repeated_subsystem_tag_is_dropped() {
        let event = LogEvent::new(
            LogLevel::Info,
            "discord",
            "discord: logged in to discord as 42",
        );
        assert_eq!(
            format_console_line(&event, ConsoleStyle::Pretty, false, TS),
            "[discord] logged in to discord as 42"
        );
        let bracketed = LogEvent::new(LogLevel::Info, "discord", "[discord] ready");
        assert_eq!(
            format_console_line(&bracketed, ConsoleStyle::Pretty, false, TS),
            "[discord] ready"
        );
        let unrelated = LogEvent::new(LogLevel::Info, "gateway", "gatewayish: kept");
        assert_eq!(
            format_console_line(&unrelated, ConsoleStyle::Pretty, false, TS),
            "[gateway] gatewayish: kept"
        );
    }

    #[test]
    fn colour_wraps_prefix_and_warn_error_bodies() {
        let info = LogEvent::new(LogLevel::Info, "gateway", "up");
        let line = format_console_line(&info, ConsoleStyle::Pretty, true, TS);
        assert_eq!(
            line,
            format!("{}[gateway]{RESET} up", prefix_color("gateway"))
        );

        let warn = LogEvent::new(LogLevel::Warn, "gateway", "careful");
        let line = format_console_line(&warn, ConsoleStyle::Pretty, true, TS);
        assert!(
            line.ends_with(&format!(" {YELLOW}careful{RESET}")),
            "{line:?}"
        );

        let error = LogEvent::new(LogLevel::Error, "discord", "failed");
        let line = format_console_line(&error, ConsoleStyle::Pretty, true, TS);
        assert!(line.ends_with(&format!(" {RED}failed{RESET}")), "{line:?}");
        assert_eq!(prefix_color("discord"), prefix_color("discord"));
    }

    #[test]
    fn compact_style_keeps_one_line_per_event() {
        let event = LogEvent::new(LogLevel::Info, "agent", "first\nsecond");
        assert_eq!(
            format_console_line(&event, ConsoleStyle::Compact, false, TS),
            "[agent] first\\nsecond"
        );
        assert_eq!(
            format_console_line(&event, ConsoleStyle::Pretty, false, TS),
            "[agent] first\nsecond"
        );
    }

    #[test]
    fn json_style_is_one_object_per_line() {
        let event = LogEvent::new(LogLevel::Warn, "gateway/ws", "closed\nbefore connect")
            .with_field("code", 1008)
            .with_field("message", "must not override");
        let line = format_console_line(&event, ConsoleStyle::Json, true, TS);
        assert!(!line.contains('\n') && !line.contains('\x1b'));
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["severity"], "WARNING");
        assert_eq!(value["level"], "warn");
        assert_eq!(value["subsystem"], "gateway/ws");
        assert_eq!(value["message"], "closed\nbefore connect");
        assert_eq!(value["code"], 1008);
        assert_eq!(value["time"], TS);
    }

    #[test]
    fn streams_split_like_openclaw() {
        assert_eq!(stream_for(LogLevel::Info, false), ConsoleStream::Stdout);
        assert_eq!(stream_for(LogLevel::Debug, false), ConsoleStream::Stdout);
        assert_eq!(stream_for(LogLevel::Warn, false), ConsoleStream::Stderr);
        assert_eq!(stream_for(LogLevel::Error, false), ConsoleStream::Stderr);
        assert_eq!(stream_for(LogLevel::Info, true), ConsoleStream::Stderr);
    }

    #[test]
    fn colour_choice_respects_terminal_and_overrides() {
        let plain = MemoryConsole::new();
        assert!(!use_color(ColorChoice::Auto, &plain, ConsoleStream::Stdout));
        assert!(use_color(
            ColorChoice::Always,
            &plain,
            ConsoleStream::Stdout
        ));
        let tty = MemoryConsole::terminal();
        assert!(!use_color(ColorChoice::Never, &tty, ConsoleStream::Stdout));
        // `Auto` on a terminal depends on NO_COLOR, which the test runner may set; check
        // the rule instead of assuming the environment.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        assert_eq!(
            use_color(ColorChoice::Auto, &tty, ConsoleStream::Stderr),
            !no_color
        );
    }
}
