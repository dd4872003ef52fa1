//! End-to-end: tracing macros → layer → console lines + JSONL file, without global state.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use openclaw_logging::{
    ColorChoice, ConsoleStream, ConsoleStyle, LogError, LogHandle, LogLevel, LogOptions,
    MemoryConsole, RedactMode, build_dispatch, daily_log_file_name,
};
use serde_json::Value;
use tracing::Dispatch;

struct Harness {
    dispatch: Dispatch,
    handle: LogHandle,
    console: MemoryConsole,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn new(configure: impl FnOnce(&mut LogOptions)) -> Harness {
        Harness::with_console(MemoryConsole::new(), configure)
    }

    fn with_console(console: MemoryConsole, configure: impl FnOnce(&mut LogOptions)) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gateway.log");
        let mut options = LogOptions {
            file_path: Some(file.clone()),
            ..LogOptions::default()
        };
        configure(&mut options);
        let (dispatch, handle) = build_dispatch(options, Arc::new(console.clone())).unwrap();
        Harness {
            dispatch,
            handle,
            console,
            file,
            _dir: dir,
        }
    }

    fn run(&self, body: impl FnOnce()) {
        tracing::dispatcher::with_default(&self.dispatch, body);
    }

    fn stdout(&self) -> Vec<String> {
        self.console.stream_lines(ConsoleStream::Stdout)
    }

    fn stderr(&self) -> Vec<String> {
        self.console.stream_lines(ConsoleStream::Stderr)
    }

    fn records(&self) -> Vec<Value> {
        read_records(&self.file)
    }
}

fn read_records(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn info_goes_to_stdout_warn_and_error_to_stderr_and_all_to_the_file() {
    let h = Harness::new(|_| {});
    h.run(|| {
        tracing::info!(target: "gateway", "listening on ws://127.0.0.1:18789 (PID 42)");
        tracing::warn!(target: "gateway/ws", "unauthorized conn=abc");
        tracing::error!(target: "discord", "gateway closed code=4004");
        tracing::debug!(target: "gateway", "not shown at info");
    });
    assert_eq!(
        h.stdout(),
        ["[gateway] listening on ws://127.0.0.1:18789 (PID 42)"]
    );
    assert_eq!(
        h.stderr(),
        [
            "[gateway/ws] unauthorized conn=abc",
            "[discord] gateway closed code=4004"
        ]
    );
    let records = h.records();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["0"], r#"{"subsystem":"gateway"}"#);
    assert_eq!(
        records[0]["1"],
        "listening on ws://127.0.0.1:18789 (PID 42)"
    );
    assert_eq!(records[1]["_meta"]["logLevelName"], "WARN");
    assert_eq!(records[2]["_meta"]["logLevelName"], "ERROR");
    assert_eq!(records[2]["_meta"]["runtime"], "rust");
    let time = records[0]["time"].as_str().unwrap();
    assert!(time.ends_with('Z') && time.len() == 24, "{time}");
}

#[test]
fn structured_fields_reach_console_and_file() {
    let h = Harness::new(|_| {});
    h.run(|| {
        tracing::info!(target: "gateway/ws", conn = "4120a080", code = 1000, clean = true, "webchat disconnected");
    });
    assert_eq!(
        h.stdout(),
        ["[gateway/ws] webchat disconnected conn=4120a080 code=1000 clean=true"]
    );
    let record = &h.records()[0];
    assert_eq!(record["1"]["conn"], "4120a080");
    assert_eq!(record["1"]["code"], 1000);
    assert_eq!(record["1"]["clean"], true);
    assert_eq!(record["2"], "webchat disconnected");
}

#[test]
fn registered_secrets_are_scrubbed_everywhere_even_with_redaction_off() {
    let h = Harness::new(|options| options.redact_sensitive = RedactMode::Off);
    let token = "6714a74f4e564b08bc2756763c513e3e";
    h.handle
        .set_secrets(vec![token.to_owned(), "hunter2-password".to_owned()]);
    h.run(|| {
        tracing::info!(target: "gateway", auth = token, "client sent token {token}");
        tracing::warn!(target: "gateway", detail = %format!("pw=hunter2-password!"), "login");
    });
    let console = h.console.lines();
    let file = fs::read_to_string(&h.file).unwrap();
    for (_, line) in &console {
        assert!(
            !line.contains(token) && !line.contains("hunter2-password"),
            "{line}"
        );
    }
    assert!(
        !file.contains(token) && !file.contains("hunter2-password"),
        "{file}"
    );
    assert_eq!(h.stdout(), ["[gateway] client sent token 6714… auth=6714…"]);
    assert_eq!(h.stderr(), ["[gateway] login detail=\"pw=hunt…!\""]);
    // Pattern redaction is off: an unregistered credential passes.
    h.run(|| tracing::info!(target: "gateway", "password=visible"));
    assert!(h.stdout().last().unwrap().ends_with("password=visible"));
}

#[test]
fn default_patterns_apply_to_console_and_file_when_tools_mode() {
    let h = Harness::new(|_| {});
    h.run(|| {
        tracing::info!(target: "agent", header = "Bearer abcdefghijklmnopqrstuvwxyz", "calling with sk-proj-ABCDEFGH12345678");
        tracing::info!(target: "agent", apiKey = "short", "field named like a secret");
    });
    let out = h.stdout();
    assert_eq!(out[0], "[agent] calling with sk-p… header=\"Bearer abcd…\"");
    assert_eq!(out[1], "[agent] field named like a secret apiKey=***");
    let records = h.records();
    assert_eq!(records[0]["2"], "calling with sk-p…");
    assert_eq!(records[0]["1"]["header"], "Bearer abcd…");
    assert_eq!(records[1]["1"]["apiKey"], "***");
}

#[test]
fn reconfigure_changes_levels_file_and_redaction_at_runtime() {
    let h = Harness::new(|_| {});
    h.run(|| tracing::debug!(target: "gateway", "hidden"));
    assert!(h.console.lines().is_empty());

    let second_file = h.file.with_file_name("second.log");
    let mut options = h.handle.options();
    options.console_level = LogLevel::Debug;
    options.file_path = Some(second_file.clone());
    options.redact_patterns = vec!["internal-\\d+".to_owned()];
    h.handle.reconfigure(options.clone()).unwrap();
    assert_eq!(h.handle.file_path(), second_file);

    h.run(|| tracing::debug!(target: "gateway", "now visible internal-77"));
    assert_eq!(h.stdout(), ["[gateway] now visible ***"]);
    // File level is still info: the debug event is console-only.
    assert!(read_records(&second_file).is_empty());
    h.run(|| tracing::info!(target: "gateway", "to the new file"));
    assert_eq!(read_records(&second_file)[0]["1"], "to the new file");
    assert!(
        h.records().is_empty(),
        "old file must not receive new records"
    );

    let mut broken = options;
    broken.redact_patterns = vec!["(".to_owned()];
    assert!(matches!(
        h.handle.reconfigure(broken),
        Err(LogError::InvalidRedactPattern { .. })
    ));
    // Old settings are still in force.
    h.run(|| tracing::debug!(target: "gateway", "still internal-5"));
    assert_eq!(h.stdout().last().unwrap(), "[gateway] still ***");
}

#[test]
fn secrets_survive_reconfiguration() {
    let h = Harness::new(|_| {});
    h.handle
        .set_secrets(vec!["persistent-secret-value".to_owned()]);
    h.handle.reconfigure(h.handle.options()).unwrap();
    h.run(|| tracing::info!(target: "gateway", "x persistent-secret-value y"));
    assert_eq!(h.stdout(), ["[gateway] x pers… y"]);
    assert_eq!(h.handle.redactor().secret_count(), 1);
}

#[test]
fn verbose_raises_console_but_not_file() {
    let h = Harness::new(|options| options.verbose = true);
    h.run(|| tracing::debug!(target: "gateway/reload", "config change detected"));
    assert_eq!(h.stdout(), ["[gateway/reload] config change detected"]);
    assert!(h.records().is_empty());
}

#[test]
fn file_level_can_be_more_verbose_than_console() {
    let h = Harness::new(|options| {
        options.console_level = LogLevel::Warn;
        options.file_level = LogLevel::Trace;
    });
    h.run(|| {
        tracing::trace!(target: "agent/embedded", "trace detail");
        tracing::info!(target: "gateway", "info line");
    });
    assert!(h.console.lines().is_empty());
    let records = h.records();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["_meta"]["logLevelId"], 1);
}

#[test]
fn silent_file_level_disables_the_file() {
    let h = Harness::new(|options| options.file_level = LogLevel::Silent);
    h.run(|| tracing::info!(target: "gateway", "console only"));
    assert_eq!(h.stdout().len(), 1);
    assert!(!h.file.exists());
    assert!(!h.handle.file_enabled());
    assert_eq!(h.handle.file_path(), h.file);
}

#[test]
fn json_console_style_and_colour_never_leak_into_the_file() {
    let json = Harness::new(|options| options.console_style = ConsoleStyle::Json);
    json.run(|| tracing::info!(target: "gateway", port = 18789, "listening"));
    let line: Value = serde_json::from_str(&json.stdout()[0]).unwrap();
    assert_eq!(line["subsystem"], "gateway");
    assert_eq!(line["message"], "listening");
    assert_eq!(line["port"], 18789);

    let coloured = Harness::new(|options| options.color = ColorChoice::Always);
    coloured.run(|| tracing::error!(target: "gateway", "boom"));
    assert!(coloured.stderr()[0].contains("\x1b["));
    assert!(!fs::read_to_string(&coloured.file).unwrap().contains('\x1b'));

    let auto_plain = Harness::new(|_| {});
    auto_plain.run(|| tracing::error!(target: "gateway", "boom"));
    assert_eq!(
        auto_plain.stderr(),
        ["[gateway] boom"],
        "not a terminal: no colour"
    );
}

#[test]
fn console_to_stderr_moves_everything_to_stderr() {
    let h = Harness::new(|options| options.console_to_stderr = true);
    h.run(|| tracing::info!(target: "cli", "progress"));
    assert!(h.stdout().is_empty());
    assert_eq!(h.stderr(), ["[cli] progress"]);
}

#[test]
fn dependency_debug_output_needs_trace() {
    let h = Harness::new(|options| options.console_level = LogLevel::Debug);
    h.run(|| {
        tracing::debug!(target: "hyper::proto::h1", "parsed 3 headers");
        tracing::warn!(target: "hyper::proto::h1", "connection reset");
        tracing::debug!(target: "openclaw_gateway::ws", "our own debug");
    });
    assert_eq!(h.stdout(), ["[openclaw_gateway] our own debug"]);
    assert_eq!(h.stderr(), ["[hyper] connection reset"]);

    let t = Harness::new(|options| options.console_level = LogLevel::Trace);
    t.run(|| tracing::debug!(target: "hyper::proto::h1", "parsed 3 headers"));
    assert_eq!(t.stdout(), ["[hyper] parsed 3 headers"]);
}

#[test]
fn default_target_is_todays_daily_file() {
    let dir = tempfile::tempdir().unwrap();
    let options = LogOptions {
        log_dir: dir.path().to_path_buf(),
        ..LogOptions::default()
    };
    let console = MemoryConsole::new();
    let (dispatch, handle) = build_dispatch(options, Arc::new(console)).unwrap();
    let today = jiff::ZonedDateTime::now().date();
    let expected = dir.path().join(daily_log_file_name(today));
    assert_eq!(handle.file_path(), expected);
    assert!(handle.file_enabled());
    tracing::dispatcher::with_default(&dispatch, || tracing::info!(target: "gateway", "hello"));
    assert_eq!(read_records(&expected).len(), 1);
    let chunk = handle.tail(None, 500, 250_000).unwrap();
    assert_eq!(chunk.file, expected);
    assert_eq!(chunk.lines.len(), 1);
    assert!(chunk.lines[0].contains("hello"));
}

#[test]
fn unwritable_log_file_is_reported_once_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file-not-dir");
    fs::write(&blocker, "").unwrap();
    let console = MemoryConsole::new();
    let options = LogOptions {
        file_path: Some(blocker.join("oc.log")),
        ..LogOptions::default()
    };
    let (dispatch, handle) = build_dispatch(options, Arc::new(console.clone())).unwrap();
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info!(target: "gateway", "one");
        tracing::info!(target: "gateway", "two");
    });
    let errors: Vec<String> = console
        .stream_lines(ConsoleStream::Stderr)
        .into_iter()
        .filter(|line| line.starts_with("[logging]"))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("cannot create log directory"));
    assert_eq!(console.stream_lines(ConsoleStream::Stdout).len(), 2);
    assert!(handle.file_error().is_some());
}
