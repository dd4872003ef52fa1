//! Our file records must read the same as OpenClaw's through the Control UI's log parser.
//!
//! `ui_view` restates the rules of the Control UI's `parseLogLine` (Logs tab): subsystem from
//! the JSON string in `"0"` (or `_meta.name`), message from the first string among `"1"`,
//! `"2"`, level from `_meta.logLevelName`, time from `time`. The rules are checked against
//! real OpenClaw records first, then applied to ours.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use openclaw_logging::LogLevel;
use openclaw_logging::event::LogEvent;
use openclaw_logging::record::file_line;
use serde_json::Value;

const OPENCLAW_SAMPLE: &str = include_str!("fixtures/openclaw-2026-11-24.log");

#[derive(Debug, PartialEq)]
struct UiEntry {
    subsystem: Option<String>,
    message: String,
    level: Option<String>,
    time: Option<String>,
}

fn ui_view(line: &str) -> UiEntry {
    let record: Value = serde_json::from_str(line).unwrap();
    let meta = &record["_meta"];
    let context = record["0"].as_str().or(meta["name"].as_str());
    let context_obj: Option<Value> = context
        .filter(|text| text.trim().starts_with('{'))
        .and_then(|text| serde_json::from_str(text).ok());
    let subsystem = context_obj
        .as_ref()
        .and_then(|obj| obj["subsystem"].as_str().or(obj["module"].as_str()))
        .map(str::to_owned);
    let message = record["1"]
        .as_str()
        .or(record["2"].as_str())
        .unwrap_or(line)
        .to_owned();
    UiEntry {
        subsystem,
        message,
        level: meta["logLevelName"].as_str().map(str::to_lowercase),
        time: record["time"].as_str().map(str::to_owned),
    }
}

#[test]
fn parser_rules_match_real_openclaw_records() {
    let views: Vec<UiEntry> = OPENCLAW_SAMPLE.lines().map(ui_view).collect();
    assert_eq!(views[0].subsystem.as_deref(), Some("gateway/ws"));
    assert!(views[0].message.starts_with("closed before connect"));
    assert_eq!(views[0].level.as_deref(), Some("warn"));
    assert_eq!(views[1].subsystem.as_deref(), Some("gateway"));
    assert!(views[1].message.starts_with("device pairing auto-approved"));
    assert!(views.iter().all(|view| view.time.is_some()));
}

#[test]
fn our_records_read_like_openclaw_records() {
    let plain = LogEvent::new(LogLevel::Info, "gateway/ws", "webchat connected conn=abc");
    let with_fields = LogEvent::new(LogLevel::Warn, "gateway/ws", "closed before connect")
        .with_field("cause", "unauthorized")
        .with_field("durationMs", 312);
    let time = "2026-11-24T15:33:12.599Z";

    assert_eq!(
        ui_view(&file_line(&plain, "vm", time)),
        UiEntry {
            subsystem: Some("gateway/ws".into()),
            message: "webchat connected conn=abc".into(),
            level: Some("info".into()),
            time: Some(time.into()),
        }
    );
    assert_eq!(
        ui_view(&file_line(&with_fields, "vm", time)),
        UiEntry {
            subsystem: Some("gateway/ws".into()),
            message: "closed before connect".into(),
            level: Some("warn".into()),
            time: Some(time.into()),
        }
    );
}

#[test]
fn our_record_keys_are_a_subset_of_openclaws() {
    let real: Value = serde_json::from_str(OPENCLAW_SAMPLE.lines().next().unwrap()).unwrap();
    let ours: Value = serde_json::from_str(&file_line(
        &LogEvent::new(LogLevel::Warn, "gateway/ws", "m").with_field("k", 1),
        "vm",
        "2026-11-24T15:33:12.599Z",
    ))
    .unwrap();
    let keys =
        |value: &Value| -> Vec<String> { value.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(keys(&ours), keys(&real));
    for key in keys(&ours["_meta"]) {
        assert!(
            real["_meta"].get(&key).is_some(),
            "_meta.{key} is not an OpenClaw key"
        );
    }
}
