//! Any config file text: loading must never panic, and an invalid file must come back with
//! at least one issue (never silently "valid" with content dropped).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use openclaw_config::{Env, load_from_str};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = Env::from_pairs([("FUZZ_VAR", "value")]);
    let loaded = load_from_str(Path::new("/nonexistent/openclaw.json"), text, &env);
    if !loaded.is_valid() {
        assert!(!loaded.issues.is_empty());
    }
});
