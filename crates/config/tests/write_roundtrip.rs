//! Atomic writes: permissions, backups, `${VAR}` preservation, refusal of invalid configs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{Scratch, fixture};
use openclaw_config::{
    COMPAT_VERSION, ConfigWriteError, Env, hash_raw, render, set_path, write_config,
};
use serde_json::{Value, json};

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read_dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn write_creates_private_files_and_keeps_env_references() {
    let s = Scratch::new();
    let state = s.path().join("state");
    let path = state.join("openclaw.json");
    let mut parsed: Value = serde_json::from_str(&fixture("seed.json")).expect("seed");
    set_path(
        &mut parsed,
        "channels.discord.token",
        json!("${DISCORD_BOT_TOKEN}"),
    )
    .expect("set");
    let env = Env::from_pairs([("DISCORD_BOT_TOKEN", "real-secret-token")]);

    let outcome = write_config(&path, &parsed, &env, COMPAT_VERSION).expect("write");
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert!(outcome.backup.is_none());
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(text, outcome.text);
    assert_eq!(text, render(&outcome.written));
    assert!(text.ends_with("}\n") && text.contains("\n  \"agents\": {\n    \"defaults\""));
    assert_eq!(outcome.hash, hash_raw(&text));
    assert!(
        !text.contains("real-secret-token"),
        "secret baked into the file"
    );
    assert!(text.contains("${DISCORD_BOT_TOKEN}"));
    assert!(leftovers(&state).is_empty());

    let reloaded = openclaw_config::load(&path, &env).expect("load");
    assert!(reloaded.is_valid(), "{}", reloaded.issues_text());
    assert_eq!(reloaded.hash, outcome.hash);
    assert_eq!(
        reloaded.parsed["channels"]["discord"]["token"],
        "${DISCORD_BOT_TOKEN}"
    );
    assert_eq!(
        reloaded.resolved["channels"]["discord"]["token"],
        "real-secret-token"
    );
    assert_eq!(reloaded.parsed["meta"]["lastTouchedVersion"], "2026.1.29");
    let stamped_at = reloaded.parsed["meta"]["lastTouchedAt"]
        .as_str()
        .expect("stamp");
    assert_eq!(stamped_at.len(), "2026-01-29T08:15:00.123Z".len());
    assert!(stamped_at.ends_with('Z'));
    // Everything else round-trips unchanged.
    let mut without_meta = reloaded.parsed.clone();
    let mut original = parsed.clone();
    without_meta.as_object_mut().map(|m| m.remove("meta"));
    original.as_object_mut().map(|m| m.remove("meta"));
    assert_eq!(without_meta, original);
}

#[test]
fn backups_rotate_through_five_generations() {
    let s = Scratch::new();
    let path = s.path().join("openclaw.json");
    for i in 1..=7 {
        let parsed = json!({"ui": {"assistant": {"name": format!("v{i}")}}});
        let outcome = write_config(&path, &parsed, &Env::default(), "test").expect("write");
        assert_eq!(outcome.backup.is_some(), i > 1);
    }
    let name_in = |file: &str| -> String {
        let text = std::fs::read_to_string(s.path().join(file)).expect(file);
        let v: Value = serde_json::from_str(&text).expect("json");
        v["ui"]["assistant"]["name"]
            .as_str()
            .expect("name")
            .to_string()
    };
    assert_eq!(name_in("openclaw.json"), "v7");
    assert_eq!(name_in("openclaw.json.bak"), "v6");
    assert_eq!(name_in("openclaw.json.bak.1"), "v5");
    assert_eq!(name_in("openclaw.json.bak.2"), "v4");
    assert_eq!(name_in("openclaw.json.bak.3"), "v3");
    assert_eq!(name_in("openclaw.json.bak.4"), "v2");
    assert!(!s.path().join("openclaw.json.bak.5").exists());
    let files = std::fs::read_dir(s.path()).expect("dir").count();
    assert_eq!(files, 6, "config + 5 backups, no temp files");
}

#[test]
fn invalid_candidates_are_refused_and_nothing_is_written() {
    let s = Scratch::new();
    let original = "{ // hand-written, with a comment\n  gateway: { mode: 'local' } }\n";
    let path = s.write("openclaw.json", original);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    let bad = json!({"gateway": {"mode": "local", "bnd": "lan"}});
    let err = write_config(&path, &bad, &Env::default(), COMPAT_VERSION).unwrap_err();
    let ConfigWriteError::Invalid { issues, .. } = &err else {
        panic!("expected Invalid, got {err}");
    };
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].path, "gateway.bnd");
    assert_eq!(issues[0].suggestion.as_deref(), Some("bind"));
    let text = err.to_string();
    assert!(text.starts_with("Config validation failed: "), "{text}");
    assert!(
        text.contains("gateway.bnd: unknown key (did you mean \"bind\"?)"),
        "{text}"
    );
    assert!(text.contains("Nothing was written"), "{text}");

    let missing_var = json!({"gateway": {"auth": {"token": "${NOT_SET_ANYWHERE}"}}});
    let err = write_config(&path, &missing_var, &Env::default(), COMPAT_VERSION).unwrap_err();
    assert!(
        err.to_string()
            .contains("Missing env var \"NOT_SET_ANYWHERE\""),
        "{err}"
    );

    let err = write_config(&path, &json!([1]), &Env::default(), COMPAT_VERSION).unwrap_err();
    assert!(
        matches!(
            err,
            ConfigWriteError::NotAnObject {
                found: "an array",
                ..
            }
        ),
        "{err}"
    );

    assert_eq!(std::fs::read_to_string(&path).expect("read"), original);
    assert_eq!(mode(&path), 0o644);
    assert!(!s.path().join("openclaw.json.bak").exists());
    assert!(leftovers(s.path()).is_empty());
}

#[test]
fn a_write_replaces_a_world_readable_file_with_a_private_one_and_backs_it_up() {
    let s = Scratch::new();
    let original = "{ gateway: { mode: 'local' } }\n";
    let path = s.write("openclaw.json", original);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let outcome = write_config(
        &path,
        &json!({"gateway": {"mode": "local", "port": 3000}}),
        &Env::default(),
        COMPAT_VERSION,
    )
    .expect("write");
    assert_eq!(mode(&path), 0o600);
    let backup = outcome.backup.expect("backup");
    assert_eq!(std::fs::read_to_string(&backup).expect("bak"), original);
}

#[test]
fn includes_are_validated_relative_to_the_target_path() {
    let s = Scratch::new();
    s.write("parts/gateway.json5", "{ mode: 'local', bind: 'lan' }");
    let path = s.path().join("openclaw.json");
    let parsed = json!({"gateway": {"$include": "./parts/gateway.json5"}});
    write_config(&path, &parsed, &Env::default(), COMPAT_VERSION).expect("valid via include");
    let reloaded = openclaw_config::load(&path, &Env::default()).expect("load");
    assert_eq!(
        reloaded.parsed["gateway"]["$include"],
        "./parts/gateway.json5"
    );
    assert_eq!(reloaded.resolved["gateway"]["bind"], "lan");

    s.write("parts/gateway.json5", "{ mode: 'local', bnd: 'lan' }");
    let err = write_config(&path, &parsed, &Env::default(), COMPAT_VERSION).unwrap_err();
    let ConfigWriteError::Invalid { issues, .. } = err else {
        panic!("expected Invalid");
    };
    // The problem is in a file that exists, so its location is kept.
    let location = issues[0].location.as_ref().expect("location in include");
    assert_eq!(location.file, s.path().join("parts/gateway.json5"));
}
