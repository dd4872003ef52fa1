//! `openclaw logs`: the gateway's file log over the WebSocket (`logs.tail`), so it works for a
//! remote gateway too. The first read returns the last `--limit` lines and a cursor (the byte
//! offset after them); `--follow` then polls with that cursor for new lines until the process
//! is interrupted (Ctrl-C ends it the ordinary way: nothing is buffered across polls).
//!
//! Lines are the JSON records the gateway writes (OpenClaw's tslog shape); they are shown as
//! `time level [subsystem] message`, or with `--json` as one JSON object per line:
//! `{"type":"meta",…}` first, then `{"type":"log",…}` per record and `{"type":"notice",…}`
//! when lines were skipped or the file started over.

use std::process::ExitCode;
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::agent::report_failure;
use crate::args::LogsArgs;
use crate::context::Context;

/// What one record says, pulled out of the file line.
#[derive(Debug, PartialEq)]
struct Record {
    time: Option<String>,
    level: Option<String>,
    subsystem: Option<String>,
    message: Option<String>,
}

fn parse_record(line: &str) -> Option<Record> {
    let value: Value = serde_json::from_str(line).ok()?;
    let object = value.as_object()?;
    let text = |ptr: &str| {
        value
            .pointer(ptr)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    // The logger name is itself JSON text: `{"subsystem":"gateway/ws"}`.
    let subsystem = ["/0", "/_meta/name"].iter().find_map(|ptr| {
        let name = value.pointer(ptr)?.as_str()?;
        match serde_json::from_str::<Value>(name) {
            Ok(parsed) => parsed
                .get("subsystem")
                .and_then(Value::as_str)
                .map(str::to_owned),
            Err(_) => Some(name.to_owned()),
        }
    });
    let message = ["1", "2"]
        .iter()
        .find_map(|key| object.get(*key).and_then(Value::as_str))
        .map(str::to_owned);
    Some(Record {
        time: text("/time").or_else(|| text("/_meta/date")),
        level: text("/_meta/logLevelName"),
        subsystem,
        message,
    })
}

fn plain_line(line: &str) -> String {
    let Some(record) = parse_record(line) else {
        return line.to_owned();
    };
    let mut parts: Vec<String> = Vec::new();
    if let Some(time) = record.time {
        parts.push(time);
    }
    if let Some(level) = record.level {
        parts.push(format!("{level:<5}"));
    }
    if let Some(subsystem) = record.subsystem {
        parts.push(format!("[{subsystem}]"));
    }
    parts.push(record.message.unwrap_or_else(|| line.to_owned()));
    parts.join(" ")
}

fn json_line(line: &str) -> Value {
    match parse_record(line) {
        Some(record) => json!({
            "type": "log",
            "time": record.time,
            "level": record.level,
            "subsystem": record.subsystem,
            "message": record.message,
            "raw": line,
        }),
        None => json!({"type": "log", "raw": line}),
    }
}

fn emit(value: &Value) {
    println!("{value}");
}

/// Prints one `logs.tail` answer; returns the cursor to continue from.
fn print_chunk(chunk: &Value, args: &LogsArgs, first: bool) -> Option<u64> {
    let lines = chunk
        .get("lines")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let flag = |key: &str| chunk.get(key).and_then(Value::as_bool).unwrap_or(false);
    if args.json {
        if first {
            emit(&json!({
                "type": "meta",
                "file": chunk.get("file"),
                "cursor": chunk.get("cursor"),
                "size": chunk.get("size"),
            }));
        }
        if flag("reset") && !first {
            emit(
                &json!({"type": "notice", "message": "the log file started over (rotated or truncated)"}),
            );
        }
        if flag("truncated") && !first {
            emit(
                &json!({"type": "notice", "message": "some lines were skipped (more arrived than --limit per poll)"}),
            );
        }
        for line in lines.iter().filter_map(Value::as_str) {
            emit(&json_line(line));
        }
    } else {
        if first && let Some(file) = chunk.get("file").and_then(Value::as_str) {
            eprintln!("Log file: {file}");
        }
        if flag("reset") && !first {
            eprintln!("(the log file started over)");
        }
        if flag("truncated") && !first {
            eprintln!("(some lines were skipped: more arrived than --limit per poll)");
        }
        for line in lines.iter().filter_map(Value::as_str) {
            println!("{}", plain_line(line));
        }
    }
    chunk.get("cursor").and_then(Value::as_u64)
}

pub async fn run(ctx: &Context, args: LogsArgs) -> anyhow::Result<ExitCode> {
    let connect = args.gateway.connect(args.timeout, args.json);
    let mut client =
        match super::channels::connect_or_report(ctx, &connect, "Reading logs failed").await {
            Ok(client) => client,
            Err(code) => return Ok(code),
        };
    let mut cursor: Option<u64> = None;
    let mut first = true;
    loop {
        let mut params = Map::new();
        params.insert("limit".into(), json!(args.limit));
        params.insert("maxBytes".into(), json!(args.max_bytes));
        if let Some(cursor) = cursor {
            params.insert("cursor".into(), json!(cursor));
        }
        let chunk = match client
            .call("logs.tail", Some(Value::Object(params)), false)
            .await
        {
            Ok(chunk) => chunk,
            Err(err) => return Ok(report_failure("Reading logs failed", &err, args.json)),
        };
        cursor = print_chunk(&chunk, &args, first).or(cursor);
        first = false;
        if !args.follow {
            break;
        }
        tokio::time::sleep(Duration::from_millis(args.interval)).await;
    }
    client.close().await;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"0":"{\"subsystem\":\"gateway/ws\"}","1":"client connected","_meta":{"name":"{\"subsystem\":\"gateway/ws\"}","logLevelName":"INFO"},"time":"2026-11-25T01:02:03.004Z"}"#;

    #[test]
    fn records_read_like_openclaws() {
        assert_eq!(
            plain_line(LINE),
            "2026-11-25T01:02:03.004Z INFO  [gateway/ws] client connected"
        );
        let with_fields = r#"{"0":"{\"subsystem\":\"agent\"}","1":{"runId":"r"},"2":"run done","_meta":{"logLevelName":"DEBUG"},"time":"t"}"#;
        assert_eq!(plain_line(with_fields), "t DEBUG [agent] run done");
        assert_eq!(plain_line("not json"), "not json");
        let value = json_line(LINE);
        assert_eq!(value["level"], "INFO");
        assert_eq!(value["subsystem"], "gateway/ws");
        assert_eq!(value["message"], "client connected");
        assert_eq!(value["raw"], LINE);
    }
}
