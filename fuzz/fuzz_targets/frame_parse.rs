//! Any text a client can send after the handshake: parsing must never panic, and every
//! rejection must still produce a well-formed error response.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match openclaw_protocol::parse_client_frame(text) {
        Ok(_) => {}
        Err(err) => {
            let json = err.to_response().to_json();
            assert!(serde_json_is_object(&json));
        }
    }
});

fn serde_json_is_object(text: &str) -> bool {
    text.starts_with('{') && text.ends_with('}')
}
