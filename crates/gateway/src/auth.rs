//! Constant-time secret comparison for HTTP callers (the WS handshake uses the protocol
//! crate's). Both sides are hashed first so neither the length nor a common prefix of the
//! configured secret leaks through timing.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub fn secrets_equal(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.ct_eq(&b).into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_exactly() {
        assert!(super::secrets_equal("s3cret", "s3cret"));
        assert!(!super::secrets_equal("s3cret", "s3cret "));
        assert!(!super::secrets_equal("", "x"));
    }
}
