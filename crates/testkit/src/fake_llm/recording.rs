//! Reading `OPENCLAW_PROVIDER_RECORD` captures (one JSON object per line, written by
//! `openclaw_providers::Recorder`) and turning each call back into a [`FakeReply`].

use std::path::Path;

use anyhow::{Context, bail};
use serde_json::Value;

use super::FakeReply;

/// One recorded provider call.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedCall {
    pub provider: Option<String>,
    pub method: String,
    /// As recorded: a full URL (credentials scrubbed) or a path with its query.
    pub url: String,
    /// Request headers that were recorded (credentials are never among them), lower-cased.
    pub request_headers: Vec<(String, String)>,
    /// The JSON body sent (`Null` when it was over the recorder's cap).
    pub request: Value,
    /// `None` when no response arrived (the call failed at the transport level).
    pub status: Option<u16>,
    /// The replay-relevant subset: `content-type`, `retry-after`, `retry-after-ms`.
    pub response_headers: Vec<(String, String)>,
    /// The response text as the client consumed it.
    pub body: String,
    /// `eof`, `stopped` or `reset` (see the recorder's documentation).
    pub end: String,
    /// The transport error detail of a `reset`.
    pub error: Option<String>,
    /// Whether the recorder's cap cut the body (a replay then serves the shortened body).
    pub body_truncated: bool,
}

impl RecordedCall {
    /// The URL's path and query, without scheme and host.
    pub fn path_and_query(&self) -> &str {
        match self.url.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => &self.url,
        }
    }

    /// The first recorded value of a response header (name case-insensitive).
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The reply that makes the fake answer as the provider did: a 200 SSE body verbatim,
    /// any other status with its body and headers, and a reset where the connection died.
    /// A call that got no response at all replays as a 200 whose body is reset at once: the
    /// client still sees a transport failure, only after the status line.
    pub fn reply(&self) -> FakeReply {
        let reset = self.end == "reset";
        let is_sse = self
            .response_header("content-type")
            .is_some_and(|v| v.contains("text/event-stream"));
        if self.status == Some(200) && is_sse && !reset {
            return FakeReply::RawSse(self.body.clone());
        }
        FakeReply::Raw {
            status: self.status.unwrap_or(200),
            headers: self.response_headers.clone(),
            body: self.body.clone(),
            reset,
        }
    }

    fn from_json(value: &Value) -> anyhow::Result<Self> {
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_string);
        let pairs = |name: &str| -> Vec<(String, String)> {
            value
                .get(name)
                .and_then(Value::as_object)
                .map(|headers| {
                    headers
                        .iter()
                        .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.as_str()?.into())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let status = match value.get("status") {
            None | Some(Value::Null) => None,
            Some(status) => Some(
                status
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .with_context(|| format!("\"status\" is not an HTTP status code: {status}"))?,
            ),
        };
        Ok(Self {
            provider: text("provider"),
            method: text("method").unwrap_or_else(|| "POST".into()),
            url: text("url").context("the entry has no \"url\"")?,
            request_headers: pairs("requestHeaders"),
            request: value.get("request").cloned().unwrap_or(Value::Null),
            status,
            response_headers: pairs("responseHeaders"),
            body: text("body").context("the entry has no \"body\" text")?,
            end: text("end").unwrap_or_else(|| "eof".into()),
            error: text("error"),
            body_truncated: value.get("bodyTruncated") == Some(&Value::Bool(true)),
        })
    }
}

/// A whole capture, calls in the order they were made.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recording {
    pub calls: Vec<RecordedCall>,
}

impl Recording {
    /// Reads a JSONL capture file.
    pub fn load(path: impl AsRef<Path>) -> anyhow::Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "reading the provider recording {}; record one with OPENCLAW_PROVIDER_RECORD=<file>",
                path.display()
            )
        })?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses JSONL capture text; blank lines are skipped.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut calls = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let call = serde_json::from_str::<Value>(line)
                .map_err(anyhow::Error::from)
                .and_then(|value| {
                    if !value.is_object() {
                        bail!("expected a JSON object");
                    }
                    RecordedCall::from_json(&value)
                })
                .with_context(|| {
                    format!(
                        "line {} is not a provider recording entry; each line must be one \
                         object as written by OPENCLAW_PROVIDER_RECORD",
                        index + 1
                    )
                })?;
            calls.push(call);
        }
        Ok(Self { calls })
    }

    /// The replies, in order (what [`super::FakeLlm::replay`] queues).
    pub fn replies(&self) -> Vec<FakeReply> {
        self.calls.iter().map(RecordedCall::reply).collect()
    }

    /// The recorded request bodies, in order, to compare with what a replayed turn sends.
    pub fn requests(&self) -> Vec<&Value> {
        self.calls.iter().map(|call| &call.request).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn maps_entries_to_replies() {
        let text = concat!(
            r#"{"url":"http://127.0.0.1:1/v1/messages?beta=true","status":200,"responseHeaders":{"content-type":"text/event-stream"},"body":"event: ping\n\n","end":"stopped"}"#,
            "\n\n",
            r#"{"url":"/v1/chat/completions","status":429,"responseHeaders":{"retry-after":"7","content-type":"application/json"},"body":"{}","end":"eof"}"#,
            "\n",
            r#"{"url":"http://h/v1/responses","status":200,"responseHeaders":{"content-type":"text/event-stream"},"body":"data: x\n\n","end":"reset","error":"connection reset"}"#,
            "\n",
            r#"{"url":"http://h","status":null,"body":"","end":"reset"}"#,
        );
        let recording = Recording::parse(text).unwrap();
        assert_eq!(recording.calls.len(), 4);
        assert_eq!(
            recording.calls[0].path_and_query(),
            "/v1/messages?beta=true"
        );
        assert_eq!(recording.calls[1].path_and_query(), "/v1/chat/completions");
        assert_eq!(recording.calls[3].path_and_query(), "/");
        assert_eq!(
            recording.replies(),
            vec![
                FakeReply::RawSse("event: ping\n\n".into()),
                FakeReply::Raw {
                    status: 429,
                    headers: vec![
                        ("retry-after".into(), "7".into()),
                        ("content-type".into(), "application/json".into()),
                    ],
                    body: "{}".into(),
                    reset: false,
                },
                FakeReply::Raw {
                    status: 200,
                    headers: vec![("content-type".into(), "text/event-stream".into())],
                    body: "data: x\n\n".into(),
                    reset: true,
                },
                FakeReply::Raw {
                    status: 200,
                    headers: vec![],
                    body: String::new(),
                    reset: true,
                },
            ]
        );
    }

    #[test]
    fn bad_lines_name_the_line() {
        let error = Recording::parse("{\"url\":\"/x\",\"body\":\"\"}\nnot json\n").unwrap_err();
        assert!(format!("{error:#}").contains("line 2"), "{error:#}");
        let error = Recording::parse("{\"url\":\"/x\"}").unwrap_err();
        assert!(format!("{error:#}").contains("\"body\""), "{error:#}");
        let error =
            Recording::parse("{\"url\":\"/x\",\"body\":\"\",\"status\":99999}").unwrap_err();
        assert!(format!("{error:#}").contains("status"), "{error:#}");
    }
}
