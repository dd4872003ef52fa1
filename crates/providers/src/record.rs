//! Recording of provider traffic to a JSONL file, for replay in tests and for debugging.
//!
//! Turned on with `OPENCLAW_PROVIDER_RECORD=<file>` (see [`Recorder::from_env`]) or explicitly
//! with [`crate::HttpTransport::with_recorder`]. Every provider call appends exactly one line:
//!
//! ```json
//! {"ts":1767225600000,"provider":"openai","method":"POST",
//!  "url":"https://api.openai.com/v1/chat/completions",
//!  "requestHeaders":{"anthropic-version":"2023-06-01"},"request":{..request body..},
//!  "status":200,"responseHeaders":{"content-type":"text/event-stream"},
//!  "body":"data: {..}\n\n..","end":"eof"}
//! ```
//!
//! - `ts` is milliseconds since the Unix epoch when the call started.
//! - `body` is the response text exactly as the client consumed it: the SSE bytes up to where
//!   the parser stopped reading, or the (size-capped) error body. A stream that was cut is
//!   therefore recorded as cut.
//! - `end` says how reading ended, which is what a replay must reproduce: `eof` (the server
//!   closed the body), `stopped` (the client stopped reading: terminal marker, parse failure,
//!   size limit, or the caller dropped the stream) or `reset` (reading failed; `error` holds the
//!   transport detail, and `status` is `null` when no response arrived at all).
//! - `status` and `responseHeaders` (only `content-type`, `retry-after`, `retry-after-ms`).
//! - `bodyTruncated: true` / `requestTruncated: <bytes>` when the per-entry cap cut content.
//!
//! Secrets are never written: credential headers (`authorization`, `x-api-key`,
//! `x-goog-api-key` and any header whose name looks like a key, token or secret) are left out,
//! `key=`-style query parameters and URL user info are replaced, and the values of the dropped
//! headers are masked wherever else they appear in the line (e.g. echoed in an error body).
//!
//! Recording must never break a call: I/O failures are reported once through the warning hook
//! and otherwise ignored. The file holds prompts and answers, so it is created with mode 0600.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The environment variable naming the JSONL file provider traffic is appended to.
pub const RECORD_ENV: &str = "OPENCLAW_PROVIDER_RECORD";

/// Default cap on the request plus response content of one entry.
pub const DEFAULT_MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;

/// Response headers worth replaying (they change how the client classifies and retries).
const KEPT_RESPONSE_HEADERS: [&str; 3] = ["content-type", "retry-after", "retry-after-ms"];

/// Query parameters that carry credentials (Google's `?key=` in particular).
const SECRET_QUERY_PARAMS: [&str; 5] = ["key", "api_key", "apikey", "access_token", "token"];

/// What the mask looks like in the file.
const REDACTED: &str = "[redacted]";

/// Why recording could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(
        "cannot open the provider recording file {path} ({source}); fix the path or unset {RECORD_ENV}"
    )]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

type WarningHook = Arc<dyn Fn(&str) + Send + Sync>;

struct Inner {
    path: PathBuf,
    file: Mutex<File>,
    max_entry_bytes: usize,
    warned: AtomicBool,
    on_warning: WarningHook,
}

/// Appends one JSONL line per provider call to a file. Cheap to clone (shared handle).
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.inner.path)
            .field("max_entry_bytes", &self.inner.max_entry_bytes)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Opens (creating if needed) `path` for appending.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, RecordError> {
        let path = path.into();
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path).map_err(|source| RecordError::Open {
            path: path.clone(),
            source,
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                file: Mutex::new(file),
                max_entry_bytes: DEFAULT_MAX_ENTRY_BYTES,
                warned: AtomicBool::new(false),
                on_warning: Arc::new(|message| eprintln!("[providers] warning: {message}")),
            }),
        })
    }

    /// A recorder for the file named by `OPENCLAW_PROVIDER_RECORD`, or `None` when it is unset
    /// or blank.
    pub fn from_env(env: &openclaw_config::Env) -> Result<Option<Self>, RecordError> {
        env.get_non_empty(RECORD_ENV)
            .map(|path| Self::open(path.trim()))
            .transpose()
    }

    /// Changes the per-entry cap (request body plus response body, in bytes).
    ///
    /// Must be called before the recorder is shared (clones made earlier keep the old cap).
    pub fn with_max_entry_bytes(self, max_entry_bytes: usize) -> Self {
        self.rebuild(|inner| inner.max_entry_bytes = max_entry_bytes)
    }

    /// Routes the one-time I/O warning somewhere other than stderr (e.g. the gateway's log).
    ///
    /// Must be called before the recorder is shared (clones made earlier keep the old hook).
    pub fn with_warning_hook(self, hook: impl Fn(&str) + Send + Sync + 'static) -> Self {
        let hook: WarningHook = Arc::new(hook);
        self.rebuild(move |inner| inner.on_warning = hook)
    }

    fn rebuild(self, change: impl FnOnce(&mut Inner)) -> Self {
        let inner = match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner,
            // Shared already: build a sibling on a duplicate of the same file handle.
            Err(shared) => {
                let file = shared
                    .file
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .try_clone();
                match file {
                    Ok(file) => Inner {
                        path: shared.path.clone(),
                        file: Mutex::new(file),
                        max_entry_bytes: shared.max_entry_bytes,
                        warned: AtomicBool::new(shared.warned.load(Ordering::Relaxed)),
                        on_warning: shared.on_warning.clone(),
                    },
                    Err(_) => return Self { inner: shared },
                }
            }
        };
        let mut inner = inner;
        change(&mut inner);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The file entries are appended to.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Starts an entry for one call; it is written when finished or dropped.
    pub(crate) fn begin(
        &self,
        provider: &str,
        method: &'static str,
        url: &str,
        headers: &[(String, String)],
        request: &Value,
        request_len: usize,
    ) -> PendingEntry {
        let mut secrets = Vec::new();
        let mut request_headers = Map::new();
        for (name, value) in headers {
            if is_secret_header(name) {
                collect_secret(value, &mut secrets);
            } else {
                request_headers.insert(name.to_ascii_lowercase(), Value::from(value.as_str()));
            }
        }
        let max = self.inner.max_entry_bytes;
        let (request, request_truncated) = if request_len > max {
            (Value::Null, Some(request_len))
        } else {
            (request.clone(), None)
        };
        let url = scrub_url(url, &mut secrets);
        PendingEntry {
            recorder: self.clone(),
            ts_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            provider: provider.to_string(),
            method,
            url,
            request_headers,
            request,
            request_truncated,
            secrets,
            status: None,
            response_headers: Map::new(),
            body: Vec::new(),
            body_budget: max.saturating_sub(request_len.min(max)),
            body_truncated: false,
            written: false,
        }
    }

    fn append(&self, line: &str) {
        let result = self
            .inner
            .file
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write_all(line.as_bytes());
        if let Err(error) = result
            && !self.inner.warned.swap(true, Ordering::Relaxed)
        {
            (self.inner.on_warning)(&format!(
                "cannot append to the provider recording file {} ({error}); calls continue \
                 unrecorded and further failures are not reported; fix the file or unset {RECORD_ENV}",
                self.inner.path.display()
            ));
        }
    }
}

/// How reading a response ended (what a replay has to reproduce).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RecordEnd {
    /// The server closed the body.
    Eof,
    /// The client stopped reading before the body ended.
    Stopped,
    /// Sending or reading failed at the transport level.
    Reset(String),
}

/// One call being recorded. Written exactly once: by [`PendingEntry::finish`], or on drop
/// (as `stopped`) when the caller abandons the stream.
pub(crate) struct PendingEntry {
    recorder: Recorder,
    ts_ms: u64,
    provider: String,
    method: &'static str,
    url: String,
    request_headers: Map<String, Value>,
    request: Value,
    request_truncated: Option<usize>,
    secrets: Vec<String>,
    status: Option<u16>,
    response_headers: Map<String, Value>,
    body: Vec<u8>,
    body_budget: usize,
    body_truncated: bool,
    written: bool,
}

impl PendingEntry {
    /// Notes the status line and the replay-relevant headers.
    pub(crate) fn response(&mut self, status: u16, headers: &reqwest::header::HeaderMap) {
        self.status = Some(status);
        for name in KEPT_RESPONSE_HEADERS {
            if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
                self.response_headers
                    .insert(name.to_string(), Value::from(value));
            }
        }
    }

    /// Appends bytes the client consumed, up to the entry's cap.
    pub(crate) fn tee(&mut self, bytes: &[u8]) {
        let room = self.body_budget.saturating_sub(self.body.len());
        if bytes.len() > room {
            self.body_truncated = true;
        }
        self.body.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// Writes the entry.
    pub(crate) fn finish(mut self, end: RecordEnd) {
        self.write(end);
    }

    fn write(&mut self, end: RecordEnd) {
        if self.written {
            return;
        }
        self.written = true;
        let mut entry = json!({
            "ts": self.ts_ms,
            "provider": self.provider,
            "method": self.method,
            "url": self.url,
            "requestHeaders": std::mem::take(&mut self.request_headers),
            "request": std::mem::take(&mut self.request),
            "status": self.status,
            "responseHeaders": std::mem::take(&mut self.response_headers),
            "body": String::from_utf8_lossy(&self.body),
        });
        let (end, error) = match end {
            RecordEnd::Eof => ("eof", None),
            RecordEnd::Stopped => ("stopped", None),
            RecordEnd::Reset(detail) => ("reset", Some(detail)),
        };
        if let Some(object) = entry.as_object_mut() {
            object.insert("end".into(), Value::from(end));
            if let Some(detail) = error {
                object.insert("error".into(), Value::from(detail));
            }
            if self.body_truncated {
                object.insert("bodyTruncated".into(), Value::Bool(true));
            }
            if let Some(bytes) = self.request_truncated {
                object.insert("requestTruncated".into(), Value::from(bytes));
            }
        }
        let mut line = entry.to_string();
        for secret in &self.secrets {
            if line.contains(secret.as_str()) {
                line = line.replace(secret.as_str(), REDACTED);
            }
        }
        line.push('\n');
        self.recorder.append(&line);
    }
}

impl Drop for PendingEntry {
    fn drop(&mut self) {
        self.write(RecordEnd::Stopped);
    }
}

/// Credential headers by name: the well-known ones plus anything that looks like a secret
/// (configured `models.providers.<id>.headers` may carry a proxy's key under any name).
fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "x-api-key" | "x-goog-api-key" | "cookie"
    ) || ["key", "token", "secret", "auth", "password", "signature"]
        .iter()
        .any(|part| name.contains(part))
}

/// Remembers a dropped header's value (and the part after a scheme such as `Bearer `) so it
/// can be masked anywhere else in the line. Very short values are skipped: masking them would
/// mangle unrelated text and they are not real secrets.
fn collect_secret(value: &str, secrets: &mut Vec<String>) {
    let mut push = |candidate: &str| {
        let candidate = candidate.trim();
        if candidate.len() >= 8 && !secrets.iter().any(|s| s == candidate) {
            secrets.push(candidate.to_string());
        }
    };
    push(value);
    if let Some((_, token)) = value.split_once(' ') {
        push(token);
    }
}

/// The URL with user info removed and credential query parameters masked; the removed values
/// join `secrets` because transport error details quote the URL verbatim.
fn scrub_url(url: &str, secrets: &mut Vec<String>) -> String {
    let Ok(mut parsed) = reqwest::Url::parse(url) else {
        // Unparseable: keep only what precedes the query, which cannot hold a key parameter.
        return url.split(['?', '#']).next().unwrap_or_default().to_string();
    };
    // Both setters only fail for URLs that cannot have user info, which then have none.
    collect_secret(&percent_decoded(parsed.username()), secrets);
    if let Some(password) = parsed.password() {
        collect_secret(&percent_decoded(password), secrets);
        collect_secret(password, secrets);
    }
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(name, value)| {
                let secret = SECRET_QUERY_PARAMS
                    .iter()
                    .any(|p| name.eq_ignore_ascii_case(p));
                let value = if secret {
                    collect_secret(&value, secrets);
                    REDACTED.to_string()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

fn percent_decoded(text: &str) -> String {
    reqwest::Url::parse(&format!("x:?v={text}"))
        .ok()
        .and_then(|u| u.query_pairs().next().map(|(_, v)| v.into_owned()))
        .unwrap_or_else(|| text.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_key_params_and_user_info() {
        let mut secrets = Vec::new();
        assert_eq!(
            scrub_url(
                "https://user:password1@example.com/v1beta/models/m:stream?alt=sse&key=AIzaSECRET",
                &mut secrets
            ),
            "https://example.com/v1beta/models/m:stream?alt=sse&key=%5Bredacted%5D"
        );
        assert_eq!(secrets, ["password1", "AIzaSECRET"]);
        assert_eq!(
            scrub_url("http://127.0.0.1:9/v1/messages", &mut secrets),
            "http://127.0.0.1:9/v1/messages"
        );
        assert_eq!(scrub_url("not a url?key=abc", &mut secrets), "not a url");
    }

    #[test]
    fn query_keys_are_masked_in_error_details() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let recorder = Recorder::open(&path).unwrap();
        let url =
            "http://127.0.0.1:9/v1beta/models/m:streamGenerateContent?alt=sse&key=AIzaSECRET99";
        recorder
            .begin("google", "POST", url, &[], &Value::Null, 4)
            .finish(RecordEnd::Reset(format!(
                "error sending request for url ({url})"
            )));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("AIzaSECRET99"), "{text}");
        assert!(text.contains("alt=sse"), "{text}");
    }

    #[test]
    fn secret_headers_by_name() {
        for name in [
            "Authorization",
            "x-api-key",
            "X-Goog-Api-Key",
            "x-portkey-api-key",
            "cf-aig-authorization",
            "api-key",
            "x-access-token",
        ] {
            assert!(is_secret_header(name), "{name}");
        }
        for name in ["anthropic-version", "anthropic-beta", "x-custom", "accept"] {
            assert!(!is_secret_header(name), "{name}");
        }
    }

    #[test]
    fn entry_is_capped_masked_and_written_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let recorder = Recorder::open(&path).unwrap().with_max_entry_bytes(64);
        let request = json!({"model": "m"});
        let len = request.to_string().len();
        let mut entry = recorder.begin(
            "openai",
            "POST",
            "http://h/v1/chat/completions",
            &[("authorization".into(), "Bearer sk-verysecret".into())],
            &request,
            len,
        );
        entry.response(401, &reqwest::header::HeaderMap::new());
        entry.tee(b"{\"error\":\"bad key sk-verysecret\"}");
        entry.tee(&[b'x'; 100]);
        entry.finish(RecordEnd::Eof);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 1);
        assert!(!text.contains("sk-verysecret"), "{text}");
        let line: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["status"], 401);
        assert_eq!(line["end"], "eof");
        assert_eq!(line["bodyTruncated"], true);
        assert_eq!(line["requestHeaders"], json!({}));
        let body = line["body"].as_str().unwrap();
        assert!(
            body.starts_with("{\"error\":\"bad key [redacted]\"}xx"),
            "{body}"
        );
        // The mask is 3 bytes shorter than the secret it replaced.
        assert_eq!(body.len(), 64 - len - 3, "request and body share the cap");
    }

    #[test]
    fn dropped_entry_is_written_as_stopped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rec.jsonl");
        let recorder = Recorder::open(&path).unwrap();
        let mut entry = recorder.begin("p", "POST", "http://h/x", &[], &Value::Null, 4);
        entry.tee(b"data: 1\n\n");
        drop(entry);
        let line: Value =
            serde_json::from_str(std::fs::read_to_string(&path).unwrap().trim()).unwrap();
        assert_eq!(line["end"], "stopped");
        assert_eq!(line["status"], Value::Null);
        assert_eq!(line["body"], "data: 1\n\n");
    }

    #[test]
    fn from_env_reads_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let none = Recorder::from_env(&openclaw_config::Env::from_pairs([(RECORD_ENV, " ")]));
        assert!(none.unwrap().is_none());
        let path = dir.path().join("r.jsonl");
        let env = openclaw_config::Env::from_pairs([(RECORD_ENV, path.to_string_lossy())]);
        let recorder = Recorder::from_env(&env).unwrap().unwrap();
        assert_eq!(recorder.path(), path);
        let missing = dir.path().join("no/such/dir/r.jsonl");
        let env = openclaw_config::Env::from_pairs([(RECORD_ENV, missing.to_string_lossy())]);
        let error = Recorder::from_env(&env).unwrap_err().to_string();
        assert!(error.contains(RECORD_ENV), "{error}");
    }

    #[test]
    fn write_failure_warns_once() {
        let warnings = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = warnings.clone();
        // /dev/full accepts the open and fails every write with ENOSPC.
        let Ok(recorder) = Recorder::open("/dev/full") else {
            return;
        };
        let recorder = recorder.with_warning_hook(move |m| sink.lock().unwrap().push(m.into()));
        for _ in 0..3 {
            recorder
                .begin("p", "POST", "http://h/x", &[], &Value::Null, 4)
                .finish(RecordEnd::Eof);
        }
        let warnings = warnings.lock().unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("/dev/full"), "{warnings:?}");
    }
}
