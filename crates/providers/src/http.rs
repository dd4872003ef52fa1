//! The shared HTTP transport: one reqwest client, bounded streaming bodies, error mapping.

use std::collections::VecDeque;
use std::sync::Once;
use std::time::{Duration, SystemTime};

use crate::error::{ProviderError, classify_failure, parse_retry_after};
use crate::record::{PendingEntry, RecordEnd, Recorder};
use crate::sse::{SseDecoder, SseEvent};
use crate::types::ProviderEvent;

/// Limits applied to every provider call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// Whole-request deadline, including reading the streamed body.
    pub request_timeout: Duration,
    /// Largest response body accepted (streamed bytes are counted).
    pub max_response_bytes: usize,
    /// Largest single SSE line / event data accepted.
    pub max_line_bytes: usize,
    /// How much of an error body is kept for the error message.
    pub max_error_body_bytes: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            // Long generations with thinking can legitimately stream for minutes.
            request_timeout: Duration::from_secs(600),
            max_response_bytes: 32 * 1024 * 1024,
            max_line_bytes: 4 * 1024 * 1024,
            max_error_body_bytes: 64 * 1024,
        }
    }
}

static CRYPTO_PROVIDER: Once = Once::new();

/// Installs the aws-lc-rs rustls crypto provider for the process (idempotent).
///
/// rustls refuses to pick a provider on its own when more than one could be linked; installing
/// it here means no binary or test has to remember to.
pub fn install_crypto_provider() {
    CRYPTO_PROVIDER.call_once(|| {
        // An Err means another provider is already installed, which is just as good.
        let _already_installed = rustls::crypto::aws_lc_rs::default_provider().install_default();
    });
}

/// One reqwest client shared by all wire clients.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
    limits: HttpLimits,
    recorder: Option<Recorder>,
}

impl HttpTransport {
    /// Builds the client with the given limits.
    pub fn new(limits: HttpLimits) -> Result<Self, ProviderError> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .timeout(limits.request_timeout)
            .connect_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| ProviderError::ClientSetup(e.to_string()))?;
        Ok(Self {
            client,
            limits,
            recorder: None,
        })
    }

    /// Appends every call made through this transport (and its clones) to `recorder`'s file.
    pub fn with_recorder(mut self, recorder: Recorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    /// The recorder, when traffic is being recorded.
    pub fn recorder(&self) -> Option<&Recorder> {
        self.recorder.as_ref()
    }

    /// The limits this transport enforces.
    pub fn limits(&self) -> HttpLimits {
        self.limits
    }

    /// POSTs a JSON body and returns the event stream on 2xx, or a classified error.
    pub(crate) async fn post_stream(
        &self,
        provider: &str,
        url: String,
        headers: &[(String, String)],
        text: String,
        parser: Box<dyn WireParser + Send>,
    ) -> Result<EventStream, ProviderError> {
        let mut record = self.recorder.as_ref().map(|r| {
            // Only a recording needs the body as a tree again.
            let body: serde_json::Value =
                serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
            r.begin(provider, "POST", &url, headers, &body, text.len())
        });
        let mut request = self
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "text/event-stream")
            .body(text);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                if let Some(entry) = record {
                    entry.finish(RecordEnd::Reset(error_chain(&e)));
                }
                return Err(transport_error(provider, &url, &e));
            }
        };
        let status = response.status();
        if let Some(entry) = record.as_mut() {
            entry.response(status.as_u16(), response.headers());
        }
        if !status.is_success() {
            return Err(self.http_error(provider, url, response, record).await);
        }
        Ok(EventStream {
            record,
            saw_eof: false,
            provider: provider.to_string(),
            url,
            response,
            decoder: SseDecoder::new(self.limits.max_line_bytes),
            parser,
            pending: VecDeque::new(),
            deferred_error: None,
            received: 0,
            max_bytes: self.limits.max_response_bytes,
            finished: false,
        })
    }

    async fn http_error(
        &self,
        provider: &str,
        url: String,
        mut response: reqwest::Response,
        mut record: Option<PendingEntry>,
    ) -> ProviderError {
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = parse_retry_after(
            header("retry-after").as_deref(),
            header("retry-after-ms").as_deref(),
            SystemTime::now(),
        );
        let mut body = Vec::new();
        // A failed read just shortens the message; the status alone still classifies.
        let end = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = self.limits.max_error_body_bytes.saturating_sub(body.len());
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if room <= chunk.len() {
                        break RecordEnd::Stopped;
                    }
                }
                Ok(None) => break RecordEnd::Eof,
                Err(e) => break RecordEnd::Reset(error_chain(&e)),
            }
        };
        if let Some(mut entry) = record.take() {
            entry.tee(&body);
            entry.finish(end);
        }
        let message = error_message_from_body(&String::from_utf8_lossy(&body));
        ProviderError::Http {
            provider: provider.to_string(),
            url,
            status,
            kind: classify_failure(Some(status), &message),
            message,
            retry_after,
        }
    }
}

/// Pulls the human message out of `{"error":{"message":..,"type":..}}` (OpenAI and Anthropic
/// both use this shape), falling back to the raw body.
pub(crate) fn error_message_from_body(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    let message = error
        .and_then(|e| e.get("message").and_then(|m| m.as_str()).or(e.as_str()))
        .map(str::to_string);
    let error_type = error
        .and_then(|e| e.get("type").or(e.get("status")).or(e.get("code")))
        .and_then(|t| t.as_str());
    match (error_type, message) {
        (Some(kind), Some(message)) => format!("{kind}: {message}"),
        (None, Some(message)) => message,
        _ if body.trim().is_empty() => "(empty body)".to_string(),
        _ => body.trim().to_string(),
    }
}

fn transport_error(provider: &str, url: &str, error: &reqwest::Error) -> ProviderError {
    ProviderError::Transport {
        provider: provider.to_string(),
        url: url.to_string(),
        detail: error_chain(error),
        timed_out: error.is_timeout(),
    }
}

/// reqwest's top-level message ("error sending request") hides the cause; include the chain.
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Turns one wire API's SSE events into [`ProviderEvent`]s.
pub(crate) trait WireParser {
    /// Handles one SSE event; pushes zero or more provider events.
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut VecDeque<ProviderEvent>,
    ) -> Result<(), String>;
    /// Whether the API's terminal marker has been seen (stop reading).
    fn is_complete(&self) -> bool;
    /// Whether a body ending now is a normal end (APIs without a terminal marker override this).
    fn complete_at_end_of_body(&self) -> bool {
        self.is_complete()
    }
    /// Called at end of body when complete: flushes anything buffered (e.g. tool calls).
    fn on_end(&mut self, out: &mut VecDeque<ProviderEvent>);
    /// The message of a mid-stream `error` event, if the last event was one.
    fn take_stream_error(&mut self) -> Option<String>;
}

/// A live streamed response. Call [`EventStream::next`] until it returns `None`.
pub struct EventStream {
    /// The call being recorded, finished when the stream ends (or written on drop).
    record: Option<PendingEntry>,
    /// Whether the server closed the body (as opposed to the client stopping early).
    saw_eof: bool,
    provider: String,
    url: String,
    response: reqwest::Response,
    decoder: SseDecoder,
    parser: Box<dyn WireParser + Send>,
    pending: VecDeque<ProviderEvent>,
    /// An error that ended the stream, held back until the events before it are delivered.
    deferred_error: Option<ProviderError>,
    received: usize,
    max_bytes: usize,
    finished: bool,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("provider", &self.provider)
            .field("url", &self.url)
            .field("received", &self.received)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl EventStream {
    /// Drains the stream into a vector, stopping at the first error.
    pub async fn collect(mut self) -> Result<Vec<ProviderEvent>, ProviderError> {
        let mut events = Vec::new();
        while let Some(event) = self.next().await {
            events.push(event?);
        }
        Ok(events)
    }

    /// The next event; `None` after `Done` or after an error has been returned.
    pub async fn next(&mut self) -> Option<Result<ProviderEvent, ProviderError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(Ok(event));
            }
            if self.finished {
                return self.deferred_error.take().map(Err);
            }
            match self.pull().await {
                Ok(()) => {}
                Err(error) => {
                    // Events parsed before the failure (same chunk) are still delivered first.
                    self.finished = true;
                    self.deferred_error = Some(error);
                }
            }
            if self.finished
                && let Some(entry) = self.record.take()
            {
                entry.finish(self.record_end());
            }
        }
    }

    fn record_end(&self) -> RecordEnd {
        match &self.deferred_error {
            Some(ProviderError::Transport { detail, .. }) => RecordEnd::Reset(detail.clone()),
            _ if self.saw_eof => RecordEnd::Eof,
            _ => RecordEnd::Stopped,
        }
    }

    /// Reads one chunk and parses what it completes.
    async fn pull(&mut self) -> Result<(), ProviderError> {
        let chunk = self
            .response
            .chunk()
            .await
            .map_err(|e| transport_error(&self.provider, &self.url, &e))?;
        let mut events = Vec::new();
        let end_of_body = match chunk {
            Some(bytes) => {
                self.received = self.received.saturating_add(bytes.len());
                if self.received > self.max_bytes {
                    return Err(self.too_large("response", self.max_bytes));
                }
                if let Some(entry) = self.record.as_mut() {
                    entry.tee(&bytes);
                }
                self.decoder
                    .feed(&bytes, &mut events)
                    .map_err(|_| self.too_large("line", self.decoder.max_line()))?;
                false
            }
            None => {
                self.saw_eof = true;
                self.decoder
                    .finish(&mut events)
                    .map_err(|_| self.too_large("line", self.decoder.max_line()))?;
                true
            }
        };
        for event in events {
            if self.parser.is_complete() {
                break;
            }
            self.parser
                .on_event(event, &mut self.pending)
                .map_err(|detail| ProviderError::MalformedStream {
                    provider: self.provider.clone(),
                    url: self.url.clone(),
                    detail,
                })?;
            if let Some(message) = self.parser.take_stream_error() {
                return Err(ProviderError::StreamError {
                    provider: self.provider.clone(),
                    kind: classify_failure(None, &message),
                    message,
                });
            }
        }
        if self.parser.is_complete() || (end_of_body && self.parser.complete_at_end_of_body()) {
            self.parser.on_end(&mut self.pending);
            self.finished = true;
        } else if end_of_body {
            return Err(ProviderError::StreamCut {
                provider: self.provider.clone(),
                url: self.url.clone(),
            });
        }
        Ok(())
    }

    fn too_large(&self, what: &'static str, limit: usize) -> ProviderError {
        ProviderError::TooLarge {
            provider: self.provider.clone(),
            url: self.url.clone(),
            what,
            limit,
        }
    }
}
