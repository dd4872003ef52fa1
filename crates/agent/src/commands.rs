//! Chat words that act on runs instead of starting one.

/// Whole-message abort words (trimmed, case-insensitive), as OpenClaw: `/stop` and the plain
/// words it treats the same way.
const ABORT_WORDS: &[&str] = &["/stop", "stop", "esc", "abort", "wait", "exit", "interrupt"];

/// Whether `message` asks to stop the session's runs.
pub fn is_abort_trigger(message: &str) -> bool {
    let normalized = message.trim().to_lowercase();
    ABORT_WORDS.contains(&normalized.as_str())
}

#[cfg(test)]
mod tests {
    use super::is_abort_trigger;

    #[test]
    fn abort_words_match_whole_messages_only() {
        for yes in ["/stop", "STOP", " stop ", "abort", "Wait"] {
            assert!(is_abort_trigger(yes), "{yes}");
        }
        for no in ["stop the music", "/stopwatch", "", "stop!", "cancel"] {
            assert!(!is_abort_trigger(no), "{no}");
        }
    }
}
