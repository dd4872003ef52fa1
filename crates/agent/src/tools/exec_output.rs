//! Bounded capture of a command's combined output: the first and last bytes are kept, the middle
//! is counted and dropped (the end of a build log is usually what matters, the start says what
//! ran).

/// Share of the cap kept from the start; the rest is kept from the end.
const HEAD_SHARE_PERCENT: usize = 40;

#[derive(Debug)]
pub(crate) struct OutputCapture {
    head_cap: usize,
    tail_cap: usize,
    head: Vec<u8>,
    /// Grows up to twice `tail_cap` before being trimmed, so trimming stays amortized.
    tail: Vec<u8>,
    total: u64,
}

impl OutputCapture {
    pub(crate) fn new(max_bytes: usize) -> Self {
        let max_bytes = max_bytes.max(2);
        let head_cap = max_bytes * HEAD_SHARE_PERCENT / 100;
        Self {
            head_cap,
            tail_cap: max_bytes - head_cap,
            head: Vec::new(),
            tail: Vec::new(),
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, mut chunk: &[u8]) {
        self.total += chunk.len() as u64;
        if self.head.len() < self.head_cap {
            let take = chunk.len().min(self.head_cap - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        if chunk.is_empty() {
            return;
        }
        self.tail.extend_from_slice(chunk);
        if self.tail.len() > self.tail_cap.saturating_mul(2) {
            let excess = self.tail.len() - self.tail_cap;
            self.tail.drain(..excess);
        }
    }

    /// Bytes seen in total.
    #[cfg(test)]
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// The kept output as text, with a marker where bytes were dropped; trimmed.
    pub(crate) fn render(&self) -> String {
        let tail_start = self.tail.len().saturating_sub(self.tail_cap);
        let tail = &self.tail[tail_start..];
        let kept = (self.head.len() + tail.len()) as u64;
        let dropped = self.total.saturating_sub(kept);
        let mut text = clean(&self.head);
        if dropped > 0 {
            text.push_str(&format!(
                "\n\n[... {dropped} bytes of output omitted (only the first {} and last {} bytes are kept) ...]\n\n",
                self.head.len(),
                tail.len()
            ));
        }
        text.push_str(&clean(tail));
        text.trim().to_owned()
    }
}

/// Lossy UTF-8 without control characters other than newline and tab (terminal escapes and `\r`
/// progress bars would only confuse the model).
fn clean(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_under_the_cap() {
        let mut out = OutputCapture::new(100);
        out.push(b"hello ");
        out.push(b"world\r\n\x1b");
        assert_eq!(out.render(), "hello world");
        assert_eq!(out.total(), 14);
    }

    #[test]
    fn keeps_head_and_tail_and_counts_the_rest() {
        let mut out = OutputCapture::new(10);
        for i in 0..100u8 {
            out.push(&[b'a' + (i % 26)]);
        }
        let text = out.render();
        assert!(text.starts_with("abcd"), "{text}");
        assert!(text.contains("[... 90 bytes of output omitted"), "{text}");
        // Last six pushes: i = 94..=99 → letters q..v.
        assert!(text.ends_with("qrstuv"), "{text}");
    }

    #[test]
    fn large_chunks() {
        let mut out = OutputCapture::new(1000);
        out.push(&vec![b'x'; 5000]);
        out.push(b"END");
        let text = out.render();
        assert!(text.ends_with("END"));
        assert!(text.contains("4003 bytes of output omitted"), "{text}");
    }
}
