//! Durable channel ingress through the public API, across a close and reopen.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use openclaw_store::{IngressRecord, IngressState, Store, now_ms};

#[tokio::test]
async fn a_message_is_recorded_once_and_redeliveries_are_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let first = store
        .record_ingress("discord", "default", "111", r#"{"text":"hi"}"#.into())
        .await
        .unwrap();
    let IngressRecord::New { id } = first else {
        panic!("first delivery must be new: {first:?}");
    };
    let again = store
        .record_ingress("discord", "default", "111", r#"{"text":"hi"}"#.into())
        .await
        .unwrap();
    assert_eq!(
        again,
        IngressRecord::Duplicate {
            id,
            state: IngressState::Received
        }
    );
    // The same message id on another account or channel is another message.
    for (channel, account) in [("discord", "work"), ("telegram", "default")] {
        let other = store
            .record_ingress(channel, account, "111", "{}".into())
            .await
            .unwrap();
        assert!(matches!(other, IngressRecord::New { .. }), "{other:?}");
    }
    store
        .set_ingress_state(id, IngressState::Done)
        .await
        .unwrap();
    let after = store
        .record_ingress("discord", "default", "111", "{}".into())
        .await
        .unwrap();
    assert_eq!(
        after,
        IngressRecord::Duplicate {
            id,
            state: IngressState::Done
        }
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn unfinished_messages_survive_a_restart_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let mut ids = Vec::new();
    for n in 0..4 {
        let IngressRecord::New { id } = store
            .record_ingress(
                "discord",
                "default",
                &format!("m{n}"),
                format!("{{\"n\":{n}}}"),
            )
            .await
            .unwrap()
        else {
            panic!("new");
        };
        ids.push(id);
    }
    store
        .set_ingress_state(ids[0], IngressState::Done)
        .await
        .unwrap();
    store
        .set_ingress_state(ids[2], IngressState::Replying)
        .await
        .unwrap();
    store.close().await.unwrap();

    let store = Store::open(dir.path()).await.unwrap();
    let pending = store.pending_ingress(100).await.unwrap();
    let seen: Vec<(&str, IngressState)> = pending
        .iter()
        .map(|p| (p.message_id.as_str(), p.state))
        .collect();
    assert_eq!(
        seen,
        [
            ("m1", IngressState::Received),
            ("m2", IngressState::Replying),
            ("m3", IngressState::Received)
        ]
    );
    assert_eq!(pending[0].payload, r#"{"n":1}"#);
    assert_eq!(store.pending_ingress(1).await.unwrap().len(), 1);
    assert_eq!(
        store.ingress_state(ids[0]).await.unwrap(),
        Some(IngressState::Done)
    );

    // Pruning forgets finished rows only.
    let pruned = store.prune_ingress(now_ms() + 1).await.unwrap();
    assert_eq!(pruned, 1);
    assert_eq!(store.ingress_state(ids[0]).await.unwrap(), None);
    assert_eq!(store.pending_ingress(100).await.unwrap().len(), 3);
    store.close().await.unwrap();
}
