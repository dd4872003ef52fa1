use std::sync::{Arc, Barrier};

use serde_json::json;

use super::*;

const T0: i64 = 1_769_674_500_000; // 2026-01-29T08:15:00.000Z
const MINUTE: i64 = 60_000;

fn store() -> (tempfile::TempDir, PairingStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = PairingStore::new(dir.path().join("credentials"));
    (dir, store)
}

fn meta(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn created(outcome: UpsertOutcome) -> String {
    match outcome {
        UpsertOutcome::Created { code } => code,
        other => panic!("expected Created, got {other:?}"),
    }
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn create_refresh_and_file_format() {
    let (_tmp, store) = store();
    let code = created(
        store
            .upsert_request_at(
                "discord",
                " 42 ",
                &meta(&[("tag", "alice#1"), ("name", " ")]),
                T0,
            )
            .unwrap(),
    );
    assert_eq!(code.len(), CODE_LENGTH);
    assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)), "{code}");

    let path = store.requests_path("Discord").unwrap();
    assert!(path.ends_with("credentials/discord-pairing.json"));
    let text = fs::read_to_string(&path).unwrap();
    assert!(
        text.ends_with("}\n") && text.contains("\n  \"version\": 1"),
        "{text}"
    );
    assert_eq!(
        read_json(&path),
        json!({"version": 1, "requests": [{
            "id": "42", "code": code, "createdAt": "2026-01-29T08:15:00.000Z",
            "lastSeenAt": "2026-01-29T08:15:00.000Z", "meta": {"tag": "alice#1"}
        }]})
    );

    let again = store
        .upsert_request_at("discord", "42", &BTreeMap::new(), T0 + 5 * MINUTE)
        .unwrap();
    assert_eq!(again, UpsertOutcome::Existing { code: code.clone() });
    let file = read_json(&path);
    assert_eq!(
        file["requests"][0]["lastSeenAt"],
        "2026-01-29T08:20:00.000Z"
    );
    assert_eq!(file["requests"][0]["createdAt"], "2026-01-29T08:15:00.000Z");
    assert_eq!(
        file["requests"][0]["meta"],
        json!({"tag": "alice#1"}),
        "meta kept"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(store.dir()), 0o700);
    }
    let leftovers: Vec<_> = fs::read_dir(store.dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn three_pending_at_most_and_expiry_frees_a_slot() {
    let (_tmp, store) = store();
    let none = BTreeMap::new();
    let mut codes = Vec::new();
    for (i, id) in ["1", "2", "3"].iter().enumerate() {
        codes.push(created(
            store
                .upsert_request_at("discord", id, &none, T0 + i as i64 * MINUTE)
                .unwrap(),
        ));
    }
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 3, "codes are unique");
    assert_eq!(
        store
            .upsert_request_at("discord", "4", &none, T0 + 10 * MINUTE)
            .unwrap(),
        UpsertOutcome::Full
    );
    // A pending sender is still recognised while the channel is full.
    assert!(matches!(
        store
            .upsert_request_at("discord", "2", &none, T0 + 10 * MINUTE)
            .unwrap(),
        UpsertOutcome::Existing { .. }
    ));
    // The first request (created at T0) expires after one hour; refreshing lastSeenAt does not
    // extend it.
    assert_eq!(
        store
            .upsert_request_at("discord", "4", &none, T0 + 60 * MINUTE)
            .unwrap(),
        UpsertOutcome::Full
    );
    created(
        store
            .upsert_request_at("discord", "4", &none, T0 + 60 * MINUTE + 1)
            .unwrap(),
    );
    let ids: Vec<String> = store
        .list_at("discord", T0 + 60 * MINUTE + 1)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, ["2", "3", "4"]);
    // Other channels have their own slots.
    created(store.upsert_request_at("telegram", "1", &none, T0).unwrap());
}

#[test]
fn approve_is_case_insensitive_and_deduplicates() {
    let (_tmp, store) = store();
    let none = BTreeMap::new();
    let code = created(store.upsert_request_at("discord", "42", &none, T0).unwrap());
    assert_eq!(
        store.approve_at("discord", "nope", T0).unwrap(),
        ApproveOutcome::NotFound
    );
    assert_eq!(
        store.approve_at("discord", "  ", T0).unwrap(),
        ApproveOutcome::NotFound
    );
    let outcome = store
        .approve_at(
            "discord",
            &format!(" {} ", code.to_lowercase()),
            T0 + MINUTE,
        )
        .unwrap();
    let ApproveOutcome::Approved { id, request } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(id, "42");
    assert_eq!(request.code, code);
    assert!(store.list_at("discord", T0).unwrap().is_empty());
    assert_eq!(store.allowed_senders("discord").unwrap(), ["42"]);
    let allow_path = store.allow_from_path("discord").unwrap();
    assert_eq!(
        read_json(&allow_path),
        json!({"version": 1, "allowFrom": ["42"]})
    );
    assert_eq!(
        store.approve_at("discord", &code, T0).unwrap(),
        ApproveOutcome::NotFound
    );

    // Approving the same sender again does not duplicate it.
    let code = created(store.upsert_request_at("discord", "42", &none, T0).unwrap());
    assert!(matches!(
        store.approve_at("discord", &code, T0).unwrap(),
        ApproveOutcome::Approved { .. }
    ));
    assert_eq!(store.allowed_senders("discord").unwrap(), ["42"]);
    assert!(store.add_allowed("discord", "7").unwrap());
    assert!(!store.add_allowed("discord", " 7 ").unwrap());
    assert_eq!(store.allowed_senders("discord").unwrap(), ["42", "7"]);
}

#[test]
fn expired_codes_cannot_be_approved() {
    let (_tmp, store) = store();
    let code = created(
        store
            .upsert_request_at("discord", "42", &BTreeMap::new(), T0)
            .unwrap(),
    );
    assert_eq!(
        store
            .approve_at("discord", &code, T0 + 61 * MINUTE)
            .unwrap(),
        ApproveOutcome::NotFound
    );
    assert!(store.allowed_senders("discord").unwrap().is_empty());
    assert_eq!(
        read_json(&store.requests_path("discord").unwrap())["requests"],
        json!([])
    );
}

#[test]
fn deny_removes_without_approving() {
    let (_tmp, store) = store();
    let code = created(
        store
            .upsert_request_at("discord", "42", &BTreeMap::new(), T0)
            .unwrap(),
    );
    assert_eq!(
        store.deny_at("discord", &code, T0).unwrap(),
        DenyOutcome::Denied { id: "42".into() }
    );
    assert_eq!(
        store.deny_at("discord", &code, T0).unwrap(),
        DenyOutcome::NotFound
    );
    assert!(store.allowed_senders("discord").unwrap().is_empty());
}

#[test]
fn reads_files_written_by_openclaw() {
    let (_tmp, store) = store();
    fs::create_dir_all(store.dir()).unwrap();
    fs::write(
        store.requests_path("discord").unwrap(),
        r#"{"version":1,"requests":[
            {"id":"1","code":"ABCDEFGH","createdAt":"2026-01-29T08:00:00.000Z","lastSeenAt":"2026-01-29T08:01:00.000Z","meta":{"name":"x"},"future":true},
            {"id":"2","code":"BBBBBBBB","createdAt":"not a date","lastSeenAt":"x"},
            {"broken": 1}
        ],"note":"kept"}"#,
    )
    .unwrap();
    fs::write(
        store.allow_from_path("discord").unwrap(),
        r#"{"version":1,"allowFrom":["  9 ", "*", "", 10, "9", null]}"#,
    )
    .unwrap();
    assert_eq!(store.allowed_senders("discord").unwrap(), ["9", "10"]);
    let listed = store.list_at("discord", T0).unwrap();
    assert_eq!(listed.len(), 1, "unreadable dates count as expired");
    assert_eq!(listed[0].extra.get("future"), Some(&json!(true)));
    let file = read_json(&store.requests_path("discord").unwrap());
    assert_eq!(file["note"], "kept");
    assert_eq!(file["requests"][0]["future"], true);
    assert!(matches!(
        store.approve_at("discord", "abcdefgh", T0).unwrap(),
        ApproveOutcome::Approved { .. }
    ));
    assert_eq!(store.allowed_senders("discord").unwrap(), ["9", "10", "1"]);
}

#[test]
fn corrupt_files_are_reported_and_left_alone() {
    let (_tmp, store) = store();
    fs::create_dir_all(store.dir()).unwrap();
    let allow = store.allow_from_path("discord").unwrap();
    fs::write(&allow, "{\"allowFrom\": [\"1\",").unwrap();
    let err = store.allowed_senders("discord").unwrap_err();
    assert!(matches!(err, PairingError::CorruptAllowFrom { .. }));
    let text = err.to_string();
    assert!(
        text.contains("discord-allowFrom.json") && text.contains("fix it by hand"),
        "{text}"
    );

    let requests = store.requests_path("discord").unwrap();
    fs::write(&requests, "[]").unwrap();
    let err = store
        .upsert_request_at("discord", "5", &BTreeMap::new(), T0)
        .unwrap_err();
    assert!(err.to_string().contains("discord-pairing.json"), "{err}");
    assert_eq!(fs::read_to_string(&requests).unwrap(), "[]");

    fs::write(&requests, "{}").unwrap();
    let code = created(
        store
            .upsert_request_at("discord", "5", &BTreeMap::new(), T0)
            .unwrap(),
    );
    // Approval must not wipe the corrupt allowlist.
    let err = store.approve_at("discord", &code, T0).unwrap_err();
    assert!(matches!(err, PairingError::CorruptAllowFrom { .. }));
    assert_eq!(
        fs::read_to_string(&allow).unwrap(),
        "{\"allowFrom\": [\"1\","
    );
}

#[test]
fn store_location_follows_the_state_paths() {
    let env = openclaw_config::Env::from_pairs([("OPENCLAW_STATE_DIR", "/data")]);
    let paths = openclaw_config::StatePaths::resolve(&env, Path::new("/home/u"));
    let store = PairingStore::from_paths(&paths);
    assert_eq!(
        store.allow_from_path("discord").unwrap(),
        PathBuf::from("/data/credentials/discord-allowFrom.json")
    );
    let env = openclaw_config::Env::from_pairs([("OPENCLAW_OAUTH_DIR", "/secrets")]);
    let paths = openclaw_config::StatePaths::resolve(&env, Path::new("/home/u"));
    assert_eq!(
        PairingStore::from_paths(&paths)
            .requests_path("discord")
            .unwrap(),
        PathBuf::from("/secrets/discord-pairing.json")
    );
}

#[test]
fn bad_inputs() {
    let (_tmp, store) = store();
    assert!(matches!(
        store.upsert_request_at("discord", "  ", &BTreeMap::new(), T0),
        Err(PairingError::EmptySender)
    ));
    assert!(matches!(
        store.requests_path(" "),
        Err(PairingError::InvalidChannel(_))
    ));
    let escaped = store.requests_path("../evil/x").unwrap();
    assert_eq!(escaped.parent(), Some(store.dir()));
    assert_eq!(
        store.allowed_senders("discord").unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn concurrent_writers_do_not_lose_requests() {
    let (_tmp, store) = store();
    let store = Arc::new(store);
    let barrier = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|i| {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                for round in 0..10 {
                    let id = format!("{i}-{round}");
                    let code = match store
                        .upsert_request_at("discord", &id, &BTreeMap::new(), T0)
                        .unwrap()
                    {
                        UpsertOutcome::Created { code } => code,
                        UpsertOutcome::Full => continue,
                        UpsertOutcome::Existing { .. } => panic!("duplicate"),
                    };
                    assert!(matches!(
                        store.approve_at("discord", &code, T0).unwrap(),
                        ApproveOutcome::Approved { .. }
                    ));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let allowed = store.allowed_senders("discord").unwrap();
    assert!(store.list_at("discord", T0).unwrap().is_empty());
    // Every approval landed: nothing was lost to an interleaved read-modify-write.
    let approved: usize = allowed.len();
    assert!(approved >= 10, "{allowed:?}");
    let mut unique = allowed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), allowed.len());
}

#[test]
fn iso_parsing() {
    assert_eq!(parse_iso_ms("2026-01-29T08:15:00.000Z"), Some(T0));
    assert_eq!(parse_iso_ms("2026-01-29T08:15:00Z"), Some(T0));
    assert_eq!(parse_iso_ms("2026-01-29T09:15:00.5+01:00"), Some(T0 + 500));
    assert_eq!(parse_iso_ms("1970-01-01T00:00:00.000Z"), Some(0));
    assert_eq!(
        parse_iso_ms("2000-02-29T00:00:00.000Z"),
        Some(951_782_400_000)
    );
    for bad in [
        "",
        "2026-01-29",
        "2026-13-01T00:00:00Z",
        "2026-01-29T08:15:00",
        "2026-01-29T08:15:00.Z",
        "x026-01-29T08:15:00Z",
    ] {
        assert_eq!(parse_iso_ms(bad), None, "{bad:?}");
    }
    for ms in [0, T0, T0 + 123, 4_102_444_800_000] {
        assert_eq!(parse_iso_ms(&openclaw_store::iso_timestamp(ms)), Some(ms));
    }
}

#[test]
fn reply_text_names_id_code_and_command() {
    let text = pairing_reply("discord", "Discord", "1234", "ABCD2345");
    assert!(text.contains("Your Discord user id: 1234"), "{text}");
    assert!(text.contains("Pairing code: ABCD2345"), "{text}");
    assert!(
        text.ends_with("openclaw pairing approve discord ABCD2345"),
        "{text}"
    );
}
