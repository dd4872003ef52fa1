//! Import of a Node OpenClaw state directory (fixtures in OpenClaw's on-disk format).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use openclaw_store::{EntryKind, PreviewStatus, SessionQuery, Store, StoreError};
use serde_json::json;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/node-state");

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `dir` (relative path → bytes), skipping the database we create.
fn snapshot_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("openclaw.sqlite")
            {
                out.insert(
                    path.strip_prefix(root).unwrap().to_owned(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn node_state() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(FIXTURE), dir.path());
    dir
}

#[tokio::test]
async fn imports_sessions_and_transcripts_once_leaving_originals_untouched() {
    let state = node_state();
    let before = snapshot_files(state.path());

    let store = Store::open(state.path()).await.unwrap();
    let report = store.import_report().cloned().expect("import ran");
    assert_eq!(report.agents, ["main", "ops"]);
    assert_eq!(report.sessions, 3);
    assert_eq!(report.skipped_sessions, 1, "entry without sessionId");
    assert_eq!(report.transcripts, 3);
    assert_eq!(report.entries, 6 + 2 + 2);
    assert_eq!(
        report.skipped_lines, 2,
        "the torn last line and a repeated id"
    );

    let sessions = store.list_sessions(SessionQuery::default()).await.unwrap();
    let keys: Vec<(&str, &str)> = sessions
        .iter()
        .map(|s| (s.key.as_str(), s.agent_id.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("agent:main:main", "main"),
            ("agent:main:telegram:group:-100123:topic:7", "main"),
            ("agent:ops:main", "ops"),
        ]
    );

    // Every field of the Node entry survives, typed or not.
    let main = &sessions[0].entry;
    let original: serde_json::Value =
        serde_json::from_slice(&before[Path::new("agents/main/sessions/sessions.json")]).unwrap();
    assert_eq!(main.to_json(), original["agent:main:main"]);
    assert_eq!(main.label.as_deref(), Some("My main"));
    assert_eq!(main.thinking_level.as_deref(), Some("off"));
    let ops = &sessions[2].entry;
    assert_eq!(ops.model_override.as_deref(), Some("claude-sonnet"));

    // Transcript: header kept, entries verbatim in file order, history along parentIds.
    let header = store
        .transcript_header(&main.session_id)
        .await
        .unwrap()
        .expect("header");
    assert_eq!(header.body["cwd"], "/data/workspace");
    assert_eq!(header.body["version"], 3);
    let entries = store.transcript(&main.session_id).await.unwrap();
    assert_eq!(entries.len(), 6);
    assert_eq!(entries[0].kind, EntryKind::Other("model_change".into()));
    assert_eq!(entries[3].kind, EntryKind::Custom);
    assert_eq!(entries[5].id, "f6a7b8c9");
    assert_eq!(entries[5].parent_id.as_deref(), Some("e5f6a7b8"));
    let history = store.transcript_history(&main.session_id, 3).await.unwrap();
    let ids: Vec<&str> = history.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["d4e5f6a7", "e5f6a7b8", "f6a7b8c9"]);

    // Compaction entries keep their fields.
    let ops_entries = store.transcript(&ops.session_id).await.unwrap();
    assert_eq!(ops_entries[1].kind, EntryKind::Compaction);
    assert_eq!(ops_entries[1].body["firstKeptEntryId"], "11112222");
    assert_eq!(ops_entries[1].body["tokensBefore"], 4200);

    // Old id-less lines (here the Telegram topic file named by sessionFile) get chained ids.
    let topic = &sessions[1].entry;
    let topic_entries = store.transcript(&topic.session_id).await.unwrap();
    assert_eq!(topic_entries.len(), 2);
    assert_eq!(topic_entries[0].parent_id, None);
    assert_eq!(
        topic_entries[1].parent_id.as_deref(),
        Some(topic_entries[0].id.as_str())
    );
    assert_eq!(topic_entries[1].body["message"]["content"], "reply");

    // Appending continues the imported tree from its leaf.
    let appended = store
        .append_transcript(
            &main.session_id,
            openclaw_store::NewEntry::message(json!({"role": "user", "content": "after"}), 0),
        )
        .await
        .unwrap();
    assert_eq!(appended.parent_id.as_deref(), Some("f6a7b8c9"));
    assert_eq!(appended.seq, 7);

    let previews = store
        .preview_sessions(vec!["agent:main:main".into()], 1)
        .await
        .unwrap();
    assert_eq!(previews[0].status, PreviewStatus::Ok);
    assert_eq!(previews[0].items[0].text, "after");
    store.close().await.unwrap();

    assert_eq!(snapshot_files(state.path()), before, "originals untouched");
}

#[tokio::test]
async fn a_second_open_does_not_import_again() {
    let state = node_state();
    let store = Store::open(state.path()).await.unwrap();
    assert!(store.import_report().is_some());
    // Deleting an imported session must stick: the next start must not resurrect it.
    let outcome = store.delete_session("agent:ops:main", true).await.unwrap();
    assert!(outcome.deleted && outcome.transcript_deleted);
    store.close().await.unwrap();

    let reopened = Store::open(state.path()).await.unwrap();
    assert!(reopened.import_report().is_none());
    let sessions = reopened
        .list_sessions(SessionQuery::default())
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    assert!(sessions.iter().all(|s| s.key != "agent:ops:main"));
    reopened.close().await.unwrap();
}

#[tokio::test]
async fn a_plain_state_dir_imports_nothing() {
    let state = tempfile::tempdir().unwrap();
    let store = Store::open(state.path()).await.unwrap();
    assert!(store.import_report().is_none());
    assert!(
        store
            .list_sessions(SessionQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn an_unreadable_sessions_json_stops_the_open_with_its_path_and_imports_nothing() {
    let state = node_state();
    let broken = state.path().join("agents/ops/sessions/sessions.json");
    fs::write(&broken, "{ not json").unwrap();
    let error = Store::open(state.path()).await.expect_err("must fail");
    assert!(matches!(error, StoreError::Import { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("agents/ops/sessions/sessions.json"),
        "{message}"
    );
    assert!(message.contains("never modified"), "{message}");

    // Nothing half-imported: after fixing the file, the import runs in full.
    fs::write(&broken, "{}").unwrap();
    let store = Store::open(state.path()).await.unwrap();
    let report = store.import_report().cloned().expect("import ran");
    assert_eq!(report.sessions, 2);
    store.close().await.unwrap();
}
