//! The JSONL file record, shaped like the tslog records OpenClaw writes so that OpenClaw's
//! Control UI log viewer and `openclaw logs` read our file unchanged.
//!
//! A subsystem logger's record in OpenClaw looks like
//! `{"0":"{\"subsystem\":\"gateway/ws\"}","1":"message","_meta":{…},"time":"…"}`; when the
//! call carried structured metadata, `"1"` is that object and the message moves to `"2"`.
//! Readers take the subsystem from the JSON string in `"0"` (or `_meta.name`), the message
//! from the first of `"1"`/`"2"` that is a string, the level from `_meta.logLevelName` and
//! the time from `time`. We write the same keys in the same order, with runtime `"rust"`.

use serde_json::{Map, Value};

use crate::event::LogEvent;

/// Logger name all subsystem loggers are children of in OpenClaw.
const PARENT_LOGGER_NAME: &str = "openclaw";
const RUNTIME_NAME: &str = "rust";
const RUNTIME_VERSION: &str = env!("CARGO_PKG_RUST_VERSION");

/// Builds the file record for `event`, stamped with `timestamp` (RFC 3339, UTC, ms).
pub fn file_record(event: &LogEvent, hostname: &str, timestamp: &str) -> Value {
    let logger_name = Value::Object(Map::from_iter([(
        "subsystem".to_owned(),
        Value::String(event.subsystem.clone()),
    )]))
    .to_string();

    let mut record = Map::new();
    record.insert("0".to_owned(), Value::String(logger_name.clone()));
    if event.fields.is_empty() {
        record.insert("1".to_owned(), Value::String(event.message.clone()));
    } else {
        record.insert("1".to_owned(), Value::Object(event.fields.clone()));
        record.insert("2".to_owned(), Value::String(event.message.clone()));
    }

    let mut meta = Map::new();
    meta.insert("runtime".to_owned(), RUNTIME_NAME.into());
    meta.insert("runtimeVersion".to_owned(), RUNTIME_VERSION.into());
    meta.insert("hostname".to_owned(), hostname.into());
    meta.insert("name".to_owned(), Value::String(logger_name));
    meta.insert(
        "parentNames".to_owned(),
        Value::Array(vec![PARENT_LOGGER_NAME.into()]),
    );
    meta.insert("date".to_owned(), timestamp.into());
    meta.insert("logLevelId".to_owned(), event.level.tslog_id().into());
    meta.insert("logLevelName".to_owned(), event.level.tslog_name().into());
    record.insert("_meta".to_owned(), Value::Object(meta));
    record.insert("time".to_owned(), timestamp.into());
    Value::Object(record)
}

/// One file line (no trailing newline). Serialising a `Value` cannot fail, and embedded
/// line breaks are escaped by JSON, so a record is always exactly one line.
pub fn file_line(event: &LogEvent, hostname: &str, timestamp: &str) -> String {
    file_record(event, hostname, timestamp).to_string()
}

/// RFC 3339 UTC timestamp with millisecond precision, like JavaScript's `toISOString()`.
pub fn iso_timestamp(now: jiff::Timestamp) -> String {
    format!("{now:.3}")
}

/// The host name for `_meta.hostname`, read once at start-up.
pub fn detect_hostname() -> String {
    let from_kernel = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty());
    from_kernel
        .or_else(|| {
            std::env::var("HOSTNAME")
                .ok()
                .filter(|name| !name.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::LogLevel;

    #[test]
    fn timestamp_matches_javascript_iso_format() {
        let ts: jiff::Timestamp = "2026-11-24T15:33:28.142567Z".parse().unwrap();
        assert_eq!(iso_timestamp(ts), "2026-11-24T15:33:28.142Z");
        let whole: jiff::Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        assert_eq!(iso_timestamp(whole), "2026-01-02T03:04:05.000Z");
    }

    #[test]
    fn record_without_fields_puts_message_in_slot_1() {
        let event = LogEvent::new(
            LogLevel::Warn,
            "gateway/ws",
            "webchat disconnected code=1000",
        );
        let record = file_record(&event, "vm", "2026-11-24T15:32:18.442Z");
        insta::assert_json_snapshot!("record_message_only", record);
    }

    #[test]
    fn record_with_fields_puts_fields_in_1_and_message_in_2() {
        let event = LogEvent::new(LogLevel::Info, "gateway", "cron: job added")
            .with_field("jobId", "b63a5112")
            .with_field("everyMs", 3_600_000);
        let line = file_line(&event, "vm", "2026-11-24T15:43:38.691Z");
        assert!(!line.contains('\n'));
        insta::assert_snapshot!("record_with_fields", line);
    }

    #[test]
    fn record_parses_like_the_control_ui_parser_expects() {
        let event = LogEvent::new(LogLevel::Error, "discord", "line one\nline two")
            .with_field("code", 4004);
        let parsed: Value =
            serde_json::from_str(&file_line(&event, "h", "2026-01-01T00:00:00.000Z")).unwrap();
        let context: Value = serde_json::from_str(parsed["0"].as_str().unwrap()).unwrap();
        assert_eq!(context["subsystem"], "discord");
        assert_eq!(parsed["_meta"]["logLevelName"], "ERROR");
        assert_eq!(parsed["_meta"]["logLevelId"], 5);
        assert!(parsed["1"].is_object());
        assert_eq!(parsed["2"], "line one\nline two");
        assert_eq!(parsed["time"], "2026-01-01T00:00:00.000Z");
    }
}
