//! Transcripts: tree ids, kinds, branch-aware history, previews.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use openclaw_store::transcript::new_header;
use openclaw_store::{EntryKind, NewEntry, Parent, PreviewStatus, SessionEntry, Store, StoreError};
use serde_json::{Map, Value, json};

async fn open_temp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("open store");
    (dir, store)
}

fn user(text: &str) -> NewEntry {
    NewEntry::message(json!({"role": "user", "content": text}), 1_795_534_374_913)
}

fn assistant(text: &str) -> NewEntry {
    NewEntry::message(
        json!({"role": "assistant", "content": [{"type": "text", "text": text}]}),
        1_795_534_375_000,
    )
}

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[tokio::test]
async fn entries_chain_by_parent_id_and_carry_openclaw_fields() {
    let (_dir, store) = open_temp().await;
    let first = store
        .append_transcript("s1", user("hello"))
        .await
        .expect("append");
    let second = store
        .append_transcript("s1", assistant("hi there"))
        .await
        .expect("append");
    assert_eq!(first.parent_id, None);
    assert_eq!(second.parent_id.as_deref(), Some(first.id.as_str()));
    assert_eq!(first.id.len(), 8);
    assert_ne!(first.id, second.id);
    assert_eq!((first.seq, second.seq), (1, 2));

    // The stored line is what OpenClaw writes: type, id, parentId, ISO timestamp, payload.
    let body = &first.body;
    assert_eq!(body["type"], "message");
    assert_eq!(body["id"], json!(first.id));
    assert_eq!(body["parentId"], Value::Null);
    assert_eq!(body["timestamp"], "2026-11-24T15:32:54.913Z");
    assert_eq!(body["message"]["content"], "hello");
    assert_eq!(second.body["parentId"], json!(first.id));

    let header = store
        .transcript_header("s1")
        .await
        .expect("read")
        .expect("header created on first append");
    assert_eq!(header.body["type"], "session");
    assert_eq!(header.body["id"], "s1");
    store.close().await.expect("close");
}

#[tokio::test]
async fn all_entry_kinds_round_trip() {
    let (_dir, store) = open_temp().await;
    let kinds = [
        (
            EntryKind::CustomMessage,
            json!({"customType": "note", "content": "ctx", "display": true}),
        ),
        (
            EntryKind::Custom,
            json!({"customType": "state", "data": {"k": 1}}),
        ),
        (
            EntryKind::Compaction,
            json!({"summary": "earlier talk", "firstKeptEntryId": "abcd1234", "tokensBefore": 9000}),
        ),
        (
            EntryKind::Other("model_change".into()),
            json!({"modelId": "m"}),
        ),
    ];
    for (kind, payload) in kinds.clone() {
        store
            .append_transcript(
                "s1",
                NewEntry {
                    kind,
                    parent: Parent::Leaf,
                    timestamp_ms: 0,
                    fields: fields(payload),
                },
            )
            .await
            .expect("append");
    }
    let stored = store.transcript("s1").await.expect("read");
    assert_eq!(stored.len(), 4);
    for (entry, (kind, payload)) in stored.iter().zip(kinds) {
        assert_eq!(entry.kind, kind);
        assert_eq!(entry.body["type"], kind.as_str());
        for (field, value) in fields(payload) {
            assert_eq!(entry.body[&field], value, "{field}");
        }
    }
    store.close().await.expect("close");
}

#[tokio::test]
async fn callers_cannot_forge_tree_fields() {
    let (_dir, store) = open_temp().await;
    let entry = store
        .append_transcript(
            "s1",
            NewEntry {
                kind: EntryKind::Custom,
                parent: Parent::Leaf,
                timestamp_ms: 0,
                fields: fields(json!({"id": "forged", "parentId": "x", "type": "message"})),
            },
        )
        .await
        .expect("append");
    assert_ne!(entry.id, "forged");
    assert_eq!(entry.body["type"], "custom");
    assert_eq!(entry.body["parentId"], Value::Null);
    store.close().await.expect("close");
}

#[tokio::test]
async fn history_follows_the_current_branch_and_limit() {
    let (_dir, store) = open_temp().await;
    let root = store
        .append_transcript("s1", user("one"))
        .await
        .expect("append");
    let abandoned = store
        .append_transcript("s1", assistant("two"))
        .await
        .expect("append");
    // Branch from the root: "two" is no longer on the current path.
    let mut retry = assistant("two, retried");
    retry.parent = Parent::Entry(root.id.clone());
    let branched = store.append_transcript("s1", retry).await.expect("append");
    assert_eq!(branched.parent_id.as_deref(), Some(root.id.as_str()));
    let last = store
        .append_transcript("s1", user("three"))
        .await
        .expect("append");
    assert_eq!(last.parent_id.as_deref(), Some(branched.id.as_str()));

    let history = store.transcript_history("s1", 10).await.expect("history");
    let ids: Vec<&str> = history.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [&root.id, &branched.id, &last.id]);
    assert!(!ids.contains(&abandoned.id.as_str()));

    let latest_two = store.transcript_history("s1", 2).await.expect("history");
    let ids: Vec<&str> = latest_two.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [&branched.id, &last.id]);

    assert_eq!(store.transcript("s1").await.expect("all").len(), 4);
    assert!(
        store
            .transcript_history("nothing", 5)
            .await
            .expect("history")
            .is_empty()
    );
    store.close().await.expect("close");
}

#[tokio::test]
async fn branching_from_an_unknown_entry_is_rejected_without_side_effects() {
    let (_dir, store) = open_temp().await;
    store
        .append_transcript("s1", user("one"))
        .await
        .expect("append");
    let mut bad = user("two");
    bad.parent = Parent::Entry("deadbeef".into());
    let error = store
        .append_transcript("s1", bad)
        .await
        .expect_err("rejected");
    assert!(matches!(error, StoreError::UnknownParent { .. }), "{error}");
    assert!(error.to_string().contains("deadbeef"));
    // The failed write was rolled back to its savepoint; the store still works.
    assert_eq!(store.transcript("s1").await.expect("read").len(), 1);
    store
        .append_transcript("s1", user("three"))
        .await
        .expect("append");
    assert_eq!(store.transcript("s1").await.expect("read").len(), 2);
    store.close().await.expect("close");
}

#[tokio::test]
async fn explicit_header_is_kept() {
    let (_dir, store) = open_temp().await;
    let header = new_header("s1", "/work/space", 0, Some("parent-session"));
    store
        .create_transcript("s1", header.clone())
        .await
        .expect("create");
    store
        .append_transcript("s1", user("x"))
        .await
        .expect("append");
    let stored = store
        .transcript_header("s1")
        .await
        .expect("read")
        .expect("header");
    assert_eq!(stored.body, header);
    assert_eq!(stored.body["timestamp"], "1970-01-01T00:00:00.000Z");
    assert_eq!(stored.body["parentSession"], "parent-session");
    store.close().await.expect("close");
}

#[tokio::test]
async fn preview_shows_the_latest_messages_as_role_and_text() {
    let (_dir, store) = open_temp().await;
    store
        .upsert_session("agent:main:main", SessionEntry::with_session_id("s1", 1))
        .await
        .expect("upsert");
    store
        .upsert_session("agent:main:empty", SessionEntry::with_session_id("s2", 1))
        .await
        .expect("upsert");
    store
        .append_transcript("s1", user("first"))
        .await
        .expect("append");
    store
        .append_transcript(
            "s1",
            NewEntry {
                kind: EntryKind::Custom,
                parent: Parent::Leaf,
                timestamp_ms: 0,
                fields: fields(json!({"customType": "x", "data": {}})),
            },
        )
        .await
        .expect("append");
    store
        .append_transcript("s1", user("second"))
        .await
        .expect("append");
    store
        .append_transcript("s1", assistant("answer"))
        .await
        .expect("append");

    let previews = store
        .preview_sessions(
            vec![
                "agent:main:main".into(),
                "agent:main:empty".into(),
                "agent:main:missing".into(),
            ],
            2,
        )
        .await
        .expect("preview");
    insta::assert_json_snapshot!(previews, @r#"
    [
      {
        "key": "agent:main:main",
        "status": "ok",
        "items": [
          {
            "role": "user",
            "text": "second"
          },
          {
            "role": "assistant",
            "text": "answer"
          }
        ]
      },
      {
        "key": "agent:main:empty",
        "status": "empty",
        "items": []
      },
      {
        "key": "agent:main:missing",
        "status": "missing",
        "items": []
      }
    ]
    "#);
    assert_eq!(previews[0].status, PreviewStatus::Ok);
    store.close().await.expect("close");
}

#[tokio::test]
async fn compact_keeps_the_newest_entries_archives_the_rest_and_clears_tokens() {
    let (dir, store) = open_temp().await;
    let mut entry = SessionEntry::with_session_id("s1", 1);
    entry.extra.insert("totalTokens".into(), json!(900));
    entry.extra.insert("lastChannel".into(), json!("telegram"));
    store
        .upsert_session("agent:main:main", entry)
        .await
        .unwrap();

    let nothing = store.compact_session("agent:main:main", 3).await.unwrap();
    assert!(!nothing.compacted);
    assert_eq!(nothing.reason, Some("no transcript"));

    let mut ids = Vec::new();
    for n in 0..5 {
        let appended = store
            .append_transcript("s1", user(&format!("m{n}")))
            .await
            .unwrap();
        ids.push(appended.id);
    }
    let small = store.compact_session("agent:main:main", 10).await.unwrap();
    assert!(!small.compacted);
    assert_eq!(small.kept, 5);

    let outcome = store.compact_session("agent:main:main", 3).await.unwrap();
    assert!(outcome.compacted);
    assert_eq!((outcome.kept, outcome.archived), (3, 2));
    let left: Vec<String> = store
        .transcript("s1")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(left, ids[2..]);
    // History stops at the trimmed boundary instead of failing.
    assert_eq!(store.transcript_history("s1", 10).await.unwrap().len(), 3);
    // Appending continues after the newest entry.
    let next = store.append_transcript("s1", user("m5")).await.unwrap();
    assert_eq!(next.parent_id.as_deref(), Some(ids[4].as_str()));

    let session = store.session("agent:main:main").await.unwrap().unwrap();
    assert!(!session.entry.extra.contains_key("totalTokens"));
    assert_eq!(session.entry.extra["lastChannel"], "telegram");
    assert!(store.transcript_header("s1").await.unwrap().is_some());

    let missing = store
        .compact_session("agent:main:none", 3)
        .await
        .expect_err("no such session");
    assert!(matches!(missing, StoreError::SessionNotFound { .. }));
    store.close().await.unwrap();

    let conn = rusqlite::Connection::open(dir.path().join("openclaw.sqlite")).unwrap();
    let archived: Vec<String> = conn
        .prepare("SELECT entry_id FROM transcript_archive WHERE session_id = 's1' ORDER BY seq")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(archived, ids[..2]);
}

#[tokio::test]
async fn a_failing_write_does_not_undo_its_batch_neighbours() {
    let (_dir, store) = open_temp().await;
    let store = std::sync::Arc::new(store);
    store.append_transcript("s1", user("root")).await.unwrap();
    // Queue many writes at once so the writer commits them in shared transactions; every third
    // one names a parent that does not exist and must fail alone.
    let mut tasks = Vec::new();
    for n in 0..90 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut entry = user(&format!("m{n}"));
            if n % 3 == 0 {
                entry.parent = Parent::Entry(format!("missing{n}"));
            }
            store
                .append_transcript(&format!("s{}", n % 2 + 1), entry)
                .await
        }));
    }
    let mut ok = 0;
    let mut rejected = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::UnknownParent { .. }) => rejected += 1,
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!((ok, rejected), (60, 30));
    let stored =
        store.transcript("s1").await.unwrap().len() + store.transcript("s2").await.unwrap().len();
    assert_eq!(stored, 1 + 60);
}
