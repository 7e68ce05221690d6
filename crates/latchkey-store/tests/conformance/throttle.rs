//! The sign-in throttle's counts: exact under concurrency across pools (processes), the
//! window restarting inside the counting statement, and the janitor.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{ThrottleCount, ThrottleStore};

use super::NOW;

const WINDOW: i64 = 3_600;

fn count(key: &str, failures: i64, last_failure: i64) -> ThrottleCount {
    ThrottleCount { key: key.into(), failures, last_failure }
}

pub async fn throttle_counts_per_key_and_restarts_the_window(db: TestDatabase) {
    let store = db.store().await;
    let keys = ["account:alice", "ip:192.0.2.1"];
    assert_eq!(store.record_throttle_failures(&keys, NOW, WINDOW).await.unwrap().len(), 2);
    let mut second = store.record_throttle_failures(&keys, NOW + 1, WINDOW).await.unwrap();
    second.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(second, vec![count("account:alice", 2, NOW + 1), count("ip:192.0.2.1", 2, NOW + 1)]);
    assert_eq!(
        store.throttle_counts(&["account:alice", "account:bob"], NOW + 2).await.unwrap(),
        vec![count("account:alice", 2, NOW + 1)]
    );

    // The window ends WINDOW after the last failure; the next failure starts a new one.
    let end = NOW + 1 + WINDOW;
    assert_eq!(store.throttle_counts(&keys, end).await.unwrap(), vec![], "an ended window counts nothing");
    assert_eq!(
        store.record_throttle_failures(&["account:alice"], end, WINDOW).await.unwrap(),
        vec![count("account:alice", 1, end)]
    );

    assert!(store.clear_throttle("account:alice").await.unwrap());
    assert!(!store.clear_throttle("account:alice").await.unwrap());
    assert_eq!(store.throttle_counts(&keys, NOW + 2).await.unwrap(), vec![count("ip:192.0.2.1", 2, NOW + 1)]);

    assert_eq!(store.delete_expired_throttles(NOW + 1 + WINDOW, 10).await.unwrap(), 0, "not yet ended");
    assert_eq!(store.delete_expired_throttles(NOW + 2 + WINDOW, 10).await.unwrap(), 1);
    assert_eq!(store.record_throttle_failures(&[], NOW, WINDOW).await.unwrap(), vec![]);
}

pub async fn throttle_counts_every_concurrent_failure_once(db: TestDatabase) {
    // Two pools on one database: two server processes.
    let pools = [db.store().await, db.store().await];
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let store = pools[i % 2].clone();
            tokio::spawn(async move {
                store
                    .record_throttle_failures(&["client:c1", "account:alice", "client:c1"], NOW, WINDOW)
                    .await
                    .unwrap()
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(
        pools[0].throttle_counts(&["account:alice", "client:c1"], NOW).await.unwrap(),
        vec![count("account:alice", 100, NOW), count("client:c1", 100, NOW)]
    );
}
