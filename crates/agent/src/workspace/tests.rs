#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use openclaw_config::Config;

use super::*;

fn config(json: &str) -> Config {
    serde_json::from_str(json).expect("test config parses")
}

#[test]
fn default_agent_uses_state_dir_unless_configured() {
    let state = Path::new("/state");
    let home = Some(Path::new("/home/u"));
    let empty = Config::default();
    assert_eq!(
        resolve_workspace_with_home(&empty, state, home, "main"),
        Path::new("/state/workspace")
    );
    assert_eq!(
        resolve_workspace_with_home(&empty, state, home, "ops"),
        Path::new("/state/workspace-ops")
    );
    let cfg = config(r#"{"agents":{"defaults":{"workspace":"~/ws"}}}"#);
    assert_eq!(
        resolve_workspace_with_home(&cfg, state, home, "main"),
        Path::new("/home/u/ws")
    );
    // agents.defaults.workspace belongs to the default agent only.
    assert_eq!(
        resolve_workspace_with_home(&cfg, state, home, "ops"),
        Path::new("/state/workspace-ops")
    );
}

#[test]
fn list_entries_override_and_default_agent_follows_the_list() {
    let cfg = config(
        r#"{"agents":{"defaults":{"workspace":"/d"},
            "list":[{"id":"ops","workspace":"~/ops-ws"},{"id":"home","default":true},{"id":"qa"}]}}"#,
    );
    let state = Path::new("/state");
    let home = Some(Path::new("/home/u"));
    assert_eq!(
        resolve_workspace_with_home(&cfg, state, home, "ops"),
        Path::new("/home/u/ops-ws")
    );
    assert_eq!(
        resolve_workspace_with_home(&cfg, state, home, "HOME"),
        Path::new("/d")
    );
    assert_eq!(
        resolve_workspace_with_home(&cfg, state, home, "qa"),
        Path::new("/state/workspace-qa")
    );
    // Without a home directory `~` cannot be expanded; it must not be silently dropped either.
    assert!(
        resolve_workspace_with_home(&cfg, state, None, "ops").ends_with("~/ops-ws"),
        "literal ~ kept"
    );
}

#[test]
fn settings_resolve_limits_with_per_agent_overrides() {
    let cfg = config(
        r#"{"agents":{"defaults":{"bootstrapMaxChars":500,"bootstrapTotalMaxChars":0,
            "skipBootstrap":true,"userTimezone":" Europe/Berlin "},
            "list":[{"id":"main"},{"id":"big","bootstrapMaxChars":9000}]}}"#,
    );
    let s = WorkspaceSettings::resolve_with_home(&cfg, Path::new("/s"), None, "main");
    assert_eq!(s.dir, Path::new("/s/workspace"));
    assert!(s.skip_bootstrap);
    assert_eq!(s.bootstrap_max_chars, 500);
    assert_eq!(
        s.bootstrap_total_max_chars,
        DEFAULT_BOOTSTRAP_TOTAL_MAX_CHARS
    );
    assert_eq!(s.user_timezone.as_deref(), Some("Europe/Berlin"));
    let big = WorkspaceSettings::resolve_with_home(&cfg, Path::new("/s"), None, "big");
    assert_eq!(big.bootstrap_max_chars, 9000);
    let plain =
        WorkspaceSettings::resolve_with_home(&Config::default(), Path::new("/s"), None, "x");
    assert_eq!(plain.bootstrap_max_chars, DEFAULT_BOOTSTRAP_MAX_CHARS);
    assert!(!plain.skip_bootstrap);
    assert_eq!(plain.user_timezone, None);
}

#[test]
fn brand_new_workspace_gets_all_files_including_bootstrap() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/ws");
    ensure_workspace(&dir, false).unwrap();
    for name in SEEDED_FILES.iter().chain([&BOOTSTRAP_FILE]) {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert_eq!(Some(text.as_str()), template(name), "{name}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}

#[test]
fn existing_workspace_is_never_overwritten_and_gets_no_bootstrap() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("SOUL.md"), "mine").unwrap();
    std::fs::write(dir.join("USER.md"), "").unwrap();
    ensure_workspace(dir, false).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("SOUL.md")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_to_string(dir.join("USER.md")).unwrap(), "");
    assert!(
        dir.join("AGENTS.md").is_file(),
        "missing files are still seeded"
    );
    assert!(!dir.join(BOOTSTRAP_FILE).exists());

    // The ritual is over once BOOTSTRAP.md is deleted: a later run must not bring it back.
    let fresh = tmp.path().join("fresh");
    ensure_workspace(&fresh, false).unwrap();
    std::fs::remove_file(fresh.join(BOOTSTRAP_FILE)).unwrap();
    std::fs::write(fresh.join("AGENTS.md"), "edited").unwrap();
    ensure_workspace(&fresh, false).unwrap();
    assert!(!fresh.join(BOOTSTRAP_FILE).exists());
    assert_eq!(
        std::fs::read_to_string(fresh.join("AGENTS.md")).unwrap(),
        "edited"
    );
}

#[test]
fn skip_bootstrap_only_creates_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    ensure_workspace(&dir, true).unwrap();
    assert!(dir.is_dir());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn ensure_reports_the_path_when_the_directory_cannot_be_made() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let err = ensure_workspace(&file.join("ws"), false).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("plain-file"), "{msg}");
    assert!(msg.contains("writable"), "{msg}");
}

#[test]
fn load_orders_files_marks_missing_and_adds_memory_only_when_present() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("SOUL.md"), "soul").unwrap();
    let files = load_bootstrap_files(dir);
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "AGENTS.md",
            "SOUL.md",
            "TOOLS.md",
            "IDENTITY.md",
            "USER.md",
            "HEARTBEAT.md",
            "BOOTSTRAP.md"
        ]
    );
    assert_eq!(files[1].content.as_deref(), Some("soul"));
    assert_eq!(files[0].content, None);
    assert_eq!(files[0].path, dir.join("AGENTS.md"));

    std::fs::write(dir.join("memory.md"), "lower").unwrap();
    let files = load_bootstrap_files(dir);
    assert_eq!(files.len(), 8);
    assert_eq!(files[7].name, "memory.md");
    assert_eq!(files[7].content.as_deref(), Some("lower"));
}

#[cfg(unix)]
#[test]
fn memory_file_reached_twice_is_injected_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("MEMORY.md"), "facts").unwrap();
    std::os::unix::fs::symlink(dir.join("MEMORY.md"), dir.join("memory.md")).unwrap();
    let files = load_bootstrap_files(dir);
    let memory: Vec<&str> = files
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case("memory.md"))
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(memory, ["MEMORY.md"]);
}

#[test]
fn invalid_utf8_is_replaced_not_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("USER.md"), b"ok \xff end").unwrap();
    let files = load_bootstrap_files(tmp.path());
    assert_eq!(files[4].content.as_deref(), Some("ok \u{fffd} end"));
}

#[test]
fn heartbeat_template_is_effectively_empty() {
    assert!(heartbeat_is_effectively_empty(
        template("HEARTBEAT.md").unwrap()
    ));
    assert!(heartbeat_is_effectively_empty(
        "\n# Title\n## Sub\n- \n* [ ]\n"
    ));
    assert!(!heartbeat_is_effectively_empty("# Tasks\n- check mail\n"));
    assert!(!heartbeat_is_effectively_empty("#hashtag-not-heading"));
    assert!(!heartbeat_is_effectively_empty("<!-- comment -->"));
    // The other templates are real content.
    assert!(!heartbeat_is_effectively_empty(
        template("AGENTS.md").unwrap()
    ));
}

#[test]
fn cache_reuses_until_a_file_changes_appears_or_disappears() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("AGENTS.md"), "v1").unwrap();
    let cache = BootstrapCache::new();
    let first = cache.load(dir);
    let again = cache.load(dir);
    assert!(Arc::ptr_eq(&first, &again), "unchanged ⇒ same allocation");
    assert_eq!(&*first, load_bootstrap_files(dir).as_slice());

    // Same length, new content: caught by mtime/ctime/inode even within one clock tick.
    let tmp_file = dir.join("AGENTS.md.tmp");
    std::fs::write(&tmp_file, "v2").unwrap();
    std::fs::rename(&tmp_file, dir.join("AGENTS.md")).unwrap();
    let changed = cache.load(dir);
    assert!(!Arc::ptr_eq(&first, &changed));
    assert_eq!(changed[0].content.as_deref(), Some("v2"));

    std::fs::write(dir.join("MEMORY.md"), "remember").unwrap();
    let with_memory = cache.load(dir);
    assert_eq!(with_memory.len(), 8);

    std::fs::remove_file(dir.join("MEMORY.md")).unwrap();
    std::fs::remove_file(dir.join("AGENTS.md")).unwrap();
    let removed = cache.load(dir);
    assert_eq!(removed.len(), 7);
    assert_eq!(removed[0].content, None);

    // Clones share the cache.
    let shared = cache.clone();
    assert!(Arc::ptr_eq(&removed, &shared.load(dir)));
    shared.invalidate(dir);
    assert!(!Arc::ptr_eq(&removed, &cache.load(dir)));
}

#[test]
fn cache_is_send_sync_and_fast_when_nothing_changed() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<BootstrapCache>();

    let tmp = tempfile::tempdir().unwrap();
    ensure_workspace(tmp.path(), false).unwrap();
    let cache = BootstrapCache::new();
    cache.load(tmp.path());
    let rounds: u32 = 200;
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        cache.load(tmp.path());
    }
    let per_call = start.elapsed() / rounds;
    // The target is well under 50 µs in release builds; a debug build on a shared machine gets
    // generous slack, but a re-read of every file on each call would still blow through it.
    assert!(
        per_call < std::time::Duration::from_millis(1),
        "{per_call:?}"
    );
}
