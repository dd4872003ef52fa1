//! `init` installs the process-wide subscriber exactly once. Own test binary: global state.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use openclaw_logging::{LogError, LogOptions, init};

#[test]
fn init_installs_once_and_writes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gateway.log");
    let options = LogOptions {
        file_path: Some(file.clone()),
        ..LogOptions::default()
    };
    let handle = init(options.clone()).unwrap();
    assert_eq!(handle.file_path(), file);

    tracing::info!(target: "gateway", "from the global subscriber");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("from the global subscriber"), "{text}");

    assert!(matches!(init(options), Err(LogError::AlreadyInitialized)));
}
