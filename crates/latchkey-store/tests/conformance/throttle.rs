//! The sign-in throttle's counts: exact under concurrency across pools (processes), the
//! window restarting inside the counting statement, and the janitor.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{AccountLockout, LockoutStore, ThrottleCount, ThrottleStore, UserStore};

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

/// An account's keys from every IP share a prefix; clearing it leaves other accounts alone
/// (even one whose name starts with the same letters).
pub async fn throttle_prefix_clears_only_that_prefix(db: TestDatabase) {
    let store = db.store().await;
    let keys =
        ["account_ip:al 192.0.2.1", "account_ip:al 2001:db8::/64", "account_ip:alice 192.0.2.1", "ip:x"];
    store.record_throttle_failures(&keys, NOW, WINDOW).await.unwrap();
    assert_eq!(store.clear_throttle_prefix("account_ip:al ").await.unwrap(), 2);
    let left = store.throttle_counts(&keys, NOW).await.unwrap();
    let left: Vec<&str> = left.iter().map(|count| count.key.as_str()).collect();
    assert_eq!(left, ["account_ip:alice 192.0.2.1", "ip:x"]);
}

/// The permanent lockout's count: the failure that reaches the limit locks, a success does
/// not clear a lock, an unlock clears everything; N racing failures from two pools are N.
pub async fn lockout_counts_locks_once_and_unlocks(db: TestDatabase) {
    let pools = [db.store().await, db.store().await];
    let store = &pools[0];
    store.create_user(&super::new_user("u1", "alice"), NOW).await.unwrap();
    assert_eq!(store.account_lockout("u1").await.unwrap(), None);
    let first = store.record_lockout_failure("u1", NOW, 3).await.unwrap();
    assert_eq!(first, AccountLockout { failures: 1, locked_at: None });
    assert!(store.clear_lockout_failures("u1").await.unwrap(), "a success forgets failures");
    assert_eq!(store.unlock_account("u1").await.unwrap(), None, "nothing to unlock");

    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = pools[i % 2].clone();
            tokio::spawn(async move { store.record_lockout_failure("u1", NOW + 10, 3).await.unwrap() })
        })
        .collect();
    let mut locking = 0;
    for task in tasks {
        locking += usize::from(task.await.unwrap().failures == 3);
    }
    assert_eq!(locking, 1, "exactly one failure is the one that locks");
    let locked = store.account_lockout("u1").await.unwrap().unwrap();
    assert_eq!(locked, AccountLockout { failures: 20, locked_at: Some(NOW + 10) });
    store.record_lockout_failure("u1", NOW + 20, 3).await.unwrap();
    assert_eq!(store.account_lockout("u1").await.unwrap().unwrap().locked_at, Some(NOW + 10), "first time");
    assert!(!store.clear_lockout_failures("u1").await.unwrap(), "a success does not unlock");
    assert_eq!(store.unlock_account("u1").await.unwrap(), Some(NOW + 10));
    assert_eq!(store.account_lockout("u1").await.unwrap(), None);
    let immediate = store.record_lockout_failure("u1", NOW + 30, 1).await.unwrap();
    assert_eq!(immediate.locked_at, Some(NOW + 30), "a limit of one locks at the first failure");
}
