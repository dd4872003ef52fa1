//! A bounded Server-Sent Events decoder.
//!
//! Hand-written (rather than a crate) because the limits matter more than generality: a hostile
//! or broken endpoint must not make us buffer an unbounded line. Only `event:` and `data:` fields
//! are used by LLM APIs; `id:`, `retry:` and comments are ignored.

/// One dispatched SSE event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field, empty when absent.
    pub event: String,
    /// All `data:` lines joined with `\n`.
    pub data: String,
}

/// A line exceeded the configured limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineTooLong;

/// Incremental decoder: feed byte chunks, collect complete events.
#[derive(Debug)]
pub struct SseDecoder {
    max_line: usize,
    line: Vec<u8>,
    last_was_cr: bool,
    event: String,
    data: Option<String>,
}

impl SseDecoder {
    /// A decoder that rejects lines (and accumulated event data) longer than `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        Self {
            max_line,
            line: Vec::new(),
            last_was_cr: false,
            event: String::new(),
            data: None,
        }
    }

    /// The configured line limit.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Consumes a chunk and appends any completed events to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), LineTooLong> {
        for &byte in chunk {
            // CRLF counts as one line ending: skip the LF that follows a CR.
            if byte == b'\n' && self.last_was_cr {
                self.last_was_cr = false;
                continue;
            }
            self.last_was_cr = byte == b'\r';
            if byte == b'\n' || byte == b'\r' {
                self.finish_line(out)?;
            } else {
                if self.line.len() >= self.max_line {
                    return Err(LineTooLong);
                }
                self.line.push(byte);
            }
        }
        Ok(())
    }

    /// Dispatches a final event that was not followed by a blank line (end of body).
    pub fn finish(&mut self, out: &mut Vec<SseEvent>) -> Result<(), LineTooLong> {
        if !self.line.is_empty() {
            self.finish_line(out)?;
        }
        self.dispatch(out);
        Ok(())
    }

    fn finish_line(&mut self, out: &mut Vec<SseEvent>) -> Result<(), LineTooLong> {
        let line = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_str(), ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                // Multiple data lines of one event are joined with a newline.
                match &mut self.data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => self.data = Some(value.to_string()),
                }
                if self.data.as_ref().is_some_and(|d| d.len() > self.max_line) {
                    return Err(LineTooLong);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        if let Some(data) = self.data.take() {
            out.push(SseEvent { event, data });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::new(1024);
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.feed(chunk, &mut out).unwrap();
        }
        decoder.finish(&mut out).unwrap();
        out
    }

    #[test]
    fn events_split_across_chunks_and_line_endings() {
        let events = decode(&[
            b"event: ping\r\nda",
            b"ta: {\"a\":1}\r",
            b"\n\r\n: comment\n\ndata: x\ndata: y\n\n",
        ]);
        assert_eq!(
            events,
            vec![
                SseEvent {
                    event: "ping".into(),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: String::new(),
                    data: "x\ny".into()
                },
            ]
        );
    }

    #[test]
    fn trailing_event_without_blank_line_is_dispatched() {
        assert_eq!(
            decode(&[b"data: [DONE]"]),
            vec![SseEvent {
                event: String::new(),
                data: "[DONE]".into()
            }]
        );
    }

    #[test]
    fn overlong_line_is_rejected() {
        let mut decoder = SseDecoder::new(8);
        let mut out = Vec::new();
        assert_eq!(
            decoder.feed(b"data: 0123456789", &mut out),
            Err(LineTooLong)
        );
    }
}
