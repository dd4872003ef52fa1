//! Any first frame of a connection: the handshake decision must never panic and must always
//! either accept or reject with a close code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openclaw_protocol::{AuthPolicy, HandshakeContext, HandshakeOutcome, evaluate_connect};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ctx = HandshakeContext {
        challenge_nonce: "00000000-0000-4000-8000-000000000000".to_string(),
        now_ms: 1_795_531_394_093,
        auth: AuthPolicy::Token("fuzz-token".to_string()),
        is_local_client: data.first().is_some_and(|b| b & 1 == 1),
    };
    match evaluate_connect(text, &ctx) {
        HandshakeOutcome::Accept(_) => {}
        HandshakeOutcome::Reject(rejection) => {
            assert!(rejection.close_code >= 1000);
            assert!(rejection.close_reason.len() <= 123);
        }
    }
});
