//! Usage ledger and read-modify-write of session entries.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::tz::TimeZone;
use openclaw_store::{SessionEntry, Store, StoreError, UsageRecord};
use serde_json::json;

const HOUR: i64 = 3_600_000;
/// 2026-11-24T12:00:00Z.
const NOON_UTC: i64 = 1_795_521_600_000;

fn call(timestamp_ms: i64, input: u64, output: u64, cost: Option<f64>) -> UsageRecord {
    UsageRecord {
        timestamp_ms,
        session_key: "agent:main:main".into(),
        session_id: "s1".into(),
        provider: "anthropic".into(),
        model: "claude".into(),
        input,
        output,
        cache_read: 1,
        cache_write: 2,
        total_tokens: input + output,
        cost,
    }
}

#[tokio::test]
async fn usage_is_summed_per_local_day_with_missing_costs_counted() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    for record in [
        call(NOON_UTC - 48 * HOUR, 1000, 1000, Some(9.0)), // before the window
        call(NOON_UTC - 13 * HOUR, 10, 5, Some(0.5)),      // 23:00Z on the 23rd
        call(NOON_UTC - 2 * HOUR, 20, 10, None),           // 10:00Z on the 24th
        call(NOON_UTC, 30, 15, Some(0.25)),
    ] {
        store.record_usage(record).await.unwrap();
    }
    let summary = store
        .usage_summary(NOON_UTC - 24 * HOUR, TimeZone::UTC)
        .await
        .unwrap();
    insta::assert_json_snapshot!(summary, @r#"
    {
      "daily": [
        {
          "date": "2026-11-23",
          "input": 10,
          "output": 5,
          "cacheRead": 1,
          "cacheWrite": 2,
          "totalTokens": 15,
          "totalCost": 0.5,
          "missingCostEntries": 0
        },
        {
          "date": "2026-11-24",
          "input": 50,
          "output": 25,
          "cacheRead": 2,
          "cacheWrite": 4,
          "totalTokens": 75,
          "totalCost": 0.25,
          "missingCostEntries": 1
        }
      ],
      "totals": {
        "input": 60,
        "output": 30,
        "cacheRead": 3,
        "cacheWrite": 6,
        "totalTokens": 90,
        "totalCost": 0.75,
        "missingCostEntries": 1
      }
    }
    "#);

    // In UTC+2 the 23:00Z call already belongs to the 24th.
    let shifted = store
        .usage_summary(NOON_UTC - 24 * HOUR, TimeZone::fixed(jiff::tz::offset(2)))
        .await
        .unwrap();
    assert_eq!(shifted.daily.len(), 1);
    assert_eq!(shifted.daily[0].date, "2026-11-24");
    assert_eq!(shifted.totals, summary.totals);
    store.close().await.unwrap();
}

#[tokio::test]
async fn update_session_is_a_serialized_read_modify_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(Store::open(dir.path()).await.unwrap());
    store
        .upsert_session("agent:main:main", SessionEntry::with_session_id("s", 0))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .update_session("agent:main:main", |entry| {
                    let count = entry
                        .extra
                        .get("compactionCount")
                        .and_then(|value| value.as_u64())
                        .unwrap_or(0);
                    entry
                        .extra
                        .insert("compactionCount".into(), json!(count + 1));
                })
                .await
                .unwrap();
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let entry = store
        .session("agent:main:main")
        .await
        .unwrap()
        .unwrap()
        .entry;
    assert_eq!(entry.extra["compactionCount"], 50);

    let missing = store
        .update_session("agent:main:none", |_| {})
        .await
        .expect_err("no such session");
    assert!(matches!(missing, StoreError::SessionNotFound { .. }));
}

#[tokio::test]
async fn get_or_create_creates_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let (created, was_created) = store.get_or_create_session("agent:ops:main").await.unwrap();
    assert!(was_created);
    let (again, was_created_again) = store.get_or_create_session("agent:ops:main").await.unwrap();
    assert!(!was_created_again);
    assert_eq!(created, again);
    let record = store.session("agent:ops:main").await.unwrap().unwrap();
    assert_eq!(record.agent_id, "ops");
    store.close().await.unwrap();
}

#[tokio::test]
async fn a_panicking_update_is_rolled_back_and_the_writer_survives() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    store
        .upsert_session("agent:main:main", SessionEntry::with_session_id("s", 0))
        .await
        .unwrap();
    let failed = store
        .update_session("agent:main:main", |entry| {
            entry.label = Some("half-done".into());
            panic!("bug in caller");
        })
        .await;
    assert!(failed.is_err());
    let entry = store
        .session("agent:main:main")
        .await
        .unwrap()
        .unwrap()
        .entry;
    assert_eq!(entry.label, None, "the panicking write left nothing behind");
    // The writer still serves later writes.
    let entry = store
        .update_session("agent:main:main", |entry| entry.label = Some("ok".into()))
        .await
        .unwrap();
    assert_eq!(entry.label.as_deref(), Some("ok"));
    store.close().await.unwrap();
}
