//! Sessions through the public async API, on a real database in a temp dir.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use openclaw_store::{
    DATABASE_FILE, FieldPatch, SessionEntry, SessionPatch, SessionQuery, Store, StoreError, now_ms,
};
use serde_json::json;

async fn open_temp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("open store");
    (dir, store)
}

fn entry_at(session_id: &str, updated_at: i64) -> SessionEntry {
    SessionEntry::with_session_id(session_id, updated_at)
}

#[tokio::test]
async fn open_creates_the_database_in_wal_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("nested").join("state");
    let store = Store::open(&state).await.expect("open store");
    assert_eq!(store.path(), state.join(DATABASE_FILE));
    assert!(state.join("openclaw.sqlite").is_file());
    store.close().await.expect("close");

    let conn = rusqlite::Connection::open(state.join(DATABASE_FILE)).expect("reopen");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .expect("user_version");
    assert_eq!(version, openclaw_store::schema::SCHEMA_VERSION);
}

#[tokio::test]
async fn a_database_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    Store::open(dir.path())
        .await
        .expect("open")
        .close()
        .await
        .expect("close");
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).expect("raw open");
    conn.execute_batch("PRAGMA user_version = 999")
        .expect("bump");
    drop(conn);
    let error = Store::open(dir.path()).await.expect_err("must refuse");
    assert!(matches!(error, StoreError::SchemaTooNew { found: 999, .. }));
    assert!(error.to_string().contains("upgrade openclaw"), "{error}");
}

#[tokio::test]
async fn an_older_database_is_migrated_forward_keeping_its_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).await.expect("open");
    store
        .upsert_session("agent:main:main", entry_at("kept", 7))
        .await
        .expect("upsert");
    store.close().await.expect("close");
    // Simulate a database written by the first release: schema version 1, no later tables.
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).expect("raw open");
    conn.execute_batch(
        "DROP TABLE usage; DROP TABLE transcript_archive; DROP TABLE ingress; PRAGMA user_version = 1;",
    )
        .expect("downgrade");
    drop(conn);

    let store = Store::open(dir.path()).await.expect("migrate");
    let record = store
        .session("agent:main:main")
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(record.entry.session_id, "kept");
    store
        .record_usage(openclaw_store::UsageRecord {
            timestamp_ms: 1,
            session_key: "agent:main:main".into(),
            session_id: "kept".into(),
            provider: "p".into(),
            model: "m".into(),
            input: 1,
            output: 1,
            cache_read: 0,
            cache_write: 0,
            total_tokens: 2,
            cost: None,
        })
        .await
        .expect("usage table exists again");
    store.close().await.expect("close");
}

#[tokio::test]
async fn upsert_get_and_camel_case_json() {
    let (_dir, store) = open_temp().await;
    let mut entry = entry_at("11111111-1111-4111-8111-111111111111", 1_700_000_000_000);
    entry.label = Some("My main".into());
    entry.thinking_level = Some("high".into());
    entry.extra.insert(
        "origin".into(),
        json!({"provider": "webchat", "chatType": "direct"}),
    );
    entry.extra.insert("inputTokens".into(), json!(12));
    store
        .upsert_session("agent:main:main", entry.clone())
        .await
        .expect("upsert");

    let record = store
        .session("agent:main:main")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(record.agent_id, "main");
    assert_eq!(record.entry, entry);
    insta::assert_json_snapshot!(record.entry.to_json(), @r#"
    {
      "sessionId": "11111111-1111-4111-8111-111111111111",
      "updatedAt": 1700000000000,
      "label": "My main",
      "thinkingLevel": "high",
      "origin": {
        "provider": "webchat",
        "chatType": "direct"
      },
      "inputTokens": 12
    }
    "#);
    assert!(
        store
            .session("agent:main:other")
            .await
            .expect("get")
            .is_none()
    );
    store.close().await.expect("close");
}

#[tokio::test]
async fn list_filters_by_agent_activity_label_and_limit() {
    let (_dir, store) = open_temp().await;
    let now = now_ms();
    let minute = 60_000;
    let mut labelled = entry_at("a", now - minute);
    labelled.label = Some("work".into());
    store
        .upsert_session("agent:main:main", labelled)
        .await
        .expect("upsert");
    store
        .upsert_session(
            "agent:main:telegram:group:-100",
            entry_at("b", now - 30 * minute),
        )
        .await
        .expect("upsert");
    store
        .upsert_session("agent:ops:main", entry_at("c", now - 2 * minute))
        .await
        .expect("upsert");
    let mut child = entry_at("d", now - 3 * minute);
    child.spawned_by = Some("agent:main:main".into());
    store
        .upsert_session("agent:main:subagent:x", child)
        .await
        .expect("upsert");

    let keys = |records: Vec<openclaw_store::SessionRecord>| {
        records.into_iter().map(|r| r.key).collect::<Vec<_>>()
    };
    let all = store
        .list_sessions(SessionQuery::default())
        .await
        .expect("list");
    assert_eq!(
        keys(all),
        [
            "agent:main:main",
            "agent:ops:main",
            "agent:main:subagent:x",
            "agent:main:telegram:group:-100"
        ]
    );
    let ops = store
        .list_sessions(SessionQuery {
            agent_id: Some("Ops".into()),
            ..SessionQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(keys(ops), ["agent:ops:main"]);
    let recent = store
        .list_sessions(SessionQuery {
            active_minutes: Some(10),
            limit: Some(2),
            ..SessionQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(keys(recent), ["agent:main:main", "agent:ops:main"]);
    let by_label = store
        .list_sessions(SessionQuery {
            label: Some("work".into()),
            ..SessionQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(keys(by_label), ["agent:main:main"]);
    let children = store
        .list_sessions(SessionQuery {
            spawned_by: Some("agent:main:main".into()),
            ..SessionQuery::default()
        })
        .await
        .expect("list");
    assert_eq!(keys(children), ["agent:main:subagent:x"]);
    store.close().await.expect("close");
}

#[tokio::test]
async fn patch_sets_and_clears_fields_and_keeps_unknown_ones() {
    let (_dir, store) = open_temp().await;
    let mut entry = entry_at("s1", 1);
    entry.verbose_level = Some("on".into());
    entry.extra.insert("futureField".into(), json!({"x": 1}));
    store
        .upsert_session("agent:main:main", entry)
        .await
        .expect("upsert");
    let patched = store
        .patch_session(
            "agent:main:main",
            SessionPatch {
                label: FieldPatch::Set("Renamed".into()),
                verbose_level: FieldPatch::Clear,
                provider_override: FieldPatch::Set("anthropic".into()),
                model_override: FieldPatch::Set("claude-x".into()),
                ..SessionPatch::default()
            },
        )
        .await
        .expect("patch");
    assert_eq!(patched.label.as_deref(), Some("Renamed"));
    assert_eq!(patched.verbose_level, None);
    assert_eq!(patched.model_override.as_deref(), Some("claude-x"));
    assert_eq!(patched.extra.get("futureField"), Some(&json!({"x": 1})));
    assert!(patched.updated_at > 1, "patch touches updatedAt");
    let stored = store
        .session("agent:main:main")
        .await
        .expect("get")
        .expect("present");
    assert_eq!(stored.entry, patched);

    let missing = store
        .patch_session("agent:main:nope", SessionPatch::default())
        .await
        .expect_err("missing session");
    assert!(matches!(missing, StoreError::SessionNotFound { .. }));
    assert!(missing.to_string().contains("agent:main:nope"));
    store.close().await.expect("close");
}

#[tokio::test]
async fn reset_gives_a_new_session_id_and_keeps_settings() {
    let (_dir, store) = open_temp().await;
    let mut entry = entry_at("old-id", 1);
    entry.label = Some("keep me".into());
    entry.model_override = Some("m".into());
    entry.extra.insert("totalTokens".into(), json!(500));
    entry.extra.insert("compactionCount".into(), json!(2));
    entry.extra.insert("lastChannel".into(), json!("telegram"));
    store
        .upsert_session("agent:main:main", entry)
        .await
        .expect("upsert");
    let reset = store.reset_session("agent:main:main").await.expect("reset");
    assert_ne!(reset.session_id, "old-id");
    assert!(uuid_like(&reset.session_id), "{}", reset.session_id);
    assert_eq!(reset.label.as_deref(), Some("keep me"));
    assert_eq!(reset.model_override.as_deref(), Some("m"));
    assert_eq!(reset.extra.get("lastChannel"), Some(&json!("telegram")));
    assert!(!reset.extra.contains_key("totalTokens"));
    assert!(!reset.extra.contains_key("compactionCount"));
    store.close().await.expect("close");
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn delete_removes_the_row_and_optionally_the_transcript() {
    let (_dir, store) = open_temp().await;
    for (key, session_id) in [("agent:main:a", "sa"), ("agent:main:b", "sb")] {
        store
            .upsert_session(key, entry_at(session_id, 1))
            .await
            .expect("upsert");
        store
            .append_transcript(
                session_id,
                openclaw_store::NewEntry::message(json!({"role": "user", "content": "hi"}), 1),
            )
            .await
            .expect("append");
    }
    let kept = store
        .delete_session("agent:main:a", false)
        .await
        .expect("delete");
    assert!(kept.deleted && !kept.transcript_deleted);
    assert_eq!(store.transcript("sa").await.expect("read").len(), 1);

    let gone = store
        .delete_session("agent:main:b", true)
        .await
        .expect("delete");
    assert!(gone.deleted && gone.transcript_deleted);
    assert!(store.transcript("sb").await.expect("read").is_empty());
    assert!(store.transcript_header("sb").await.expect("read").is_none());

    let again = store
        .delete_session("agent:main:b", true)
        .await
        .expect("delete");
    assert!(!again.deleted);
    store.close().await.expect("close");
}

#[tokio::test]
async fn a_shared_transcript_is_not_deleted_with_one_alias() {
    let (_dir, store) = open_temp().await;
    store
        .upsert_session("agent:main:main", entry_at("shared", 1))
        .await
        .expect("upsert");
    store
        .upsert_session("agent:main:alias", entry_at("shared", 1))
        .await
        .expect("upsert");
    store
        .append_transcript(
            "shared",
            openclaw_store::NewEntry::message(json!({"role": "user", "content": "x"}), 1),
        )
        .await
        .expect("append");
    let outcome = store
        .delete_session("agent:main:alias", true)
        .await
        .expect("delete");
    assert!(outcome.deleted && !outcome.transcript_deleted);
    assert_eq!(store.transcript("shared").await.expect("read").len(), 1);
    store.close().await.expect("close");
}

#[tokio::test]
async fn concurrent_writes_all_commit_and_survive_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = std::sync::Arc::new(Store::open(dir.path()).await.expect("open"));
    let mut tasks = Vec::new();
    for task in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..50 {
                store
                    .upsert_session(&format!("agent:main:t{task}:{n}"), entry_at("s", n))
                    .await
                    .expect("upsert");
            }
        }));
    }
    for task in tasks {
        task.await.expect("join");
    }
    let store = std::sync::Arc::into_inner(store).expect("sole owner");
    store.close().await.expect("close");
    let reopened = Store::open(dir.path()).await.expect("reopen");
    let all = reopened
        .list_sessions(SessionQuery::default())
        .await
        .expect("list");
    assert_eq!(all.len(), 400);
    reopened.close().await.expect("close");
}

#[tokio::test]
async fn writes_after_close_are_impossible_and_reads_see_committed_data() {
    let (dir, store) = open_temp().await;
    store
        .upsert_session("agent:main:main", entry_at("s", 5))
        .await
        .expect("upsert");
    // Read on a separate connection sees the write as soon as the call returned.
    assert!(
        store
            .session("agent:main:main")
            .await
            .expect("get")
            .is_some()
    );
    store.close().await.expect("close");
    let reopened = Store::open(dir.path()).await.expect("reopen");
    assert_eq!(
        reopened
            .session("agent:main:main")
            .await
            .expect("get")
            .expect("present")
            .entry
            .updated_at,
        5
    );
    reopened.close().await.expect("close");
}
