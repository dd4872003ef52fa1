//! Secret checks for HTTP callers, using the same constant-time comparison as the WebSocket
//! handshake (`openclaw_protocol::secrets_match`: SHA-256 digests compared with `subtle`, so
//! neither content nor length leaks through timing).

/// Whether `given` equals the configured `expected` secret.
pub fn secrets_equal(given: &str, expected: &str) -> bool {
    openclaw_protocol::secrets_match(given, expected)
}
