//! On PostgreSQL batches are committed side by side: a batch waiting for a locked session does
//! not hold up the rotations of other sessions (module doc of `group_commit`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use sqlx::Row;

use crate::error::Backend;
use crate::testing::TestDatabase;
use crate::SessionStore;

/// Far above what a rotation takes, and well under the 30 s `statement_timeout` and
/// `idle_in_transaction_session_timeout` of every connection (`sql/mod.rs`), which would end
/// the holder's transaction and release its lock.
const LIVENESS_BOUND: Duration = Duration::from_secs(10);

#[tokio::test]
async fn postgres_a_batch_waiting_for_a_lock_does_not_hold_up_other_sessions() {
    let Some(db) = TestDatabase::of(Backend::Postgres) else { return };
    let store = db.store().await;
    for seed in [
        "INSERT INTO users (id, username, password_hash, created_at, updated_at) \
         VALUES ('u1', 'alice', 'x', 0, 0), ('u2', 'bob', 'x', 0, 0)",
        "INSERT INTO clients (id, name, kind, created_at) VALUES ('c1', 'c', 'public', 0)",
        "INSERT INTO sessions (id, user_id, client_id, scope, auth_time, created_at, last_used_at, \
         idle_expires_at, absolute_expires_at) \
         VALUES ('s1', 'u1', 'c1', 'api', 0, 0, 0, 100, 200), ('s2', 'u2', 'c1', 'api', 0, 0, 0, 100, 200)",
    ] {
        sqlx::query(seed).execute(&store.writer).await.unwrap();
    }

    // Another transaction (an administrator's, say) holds session s1's row.
    let mut holder = store.writer.begin().await.unwrap();
    let holder_pid: i32 =
        sqlx::query("SELECT pg_backend_pid()").fetch_one(&mut *holder).await.unwrap().get(0);
    sqlx::query("SELECT id FROM sessions WHERE id = 's1' FOR UPDATE").execute(&mut *holder).await.unwrap();

    let blocked = tokio::spawn({
        let store = store.clone();
        async move { store.rotate_session("s1", 0, 50, 90, None).await }
    });
    // Until s1's batch is waiting for the holder's lock in the database.
    let waiting = async {
        loop {
            let waiting: i64 =
                sqlx::query("SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))")
                    .bind(holder_pid)
                    .fetch_one(&store.writer)
                    .await
                    .unwrap()
                    .get(0);
            if waiting > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let s1_waits = tokio::time::timeout(LIVENESS_BOUND, waiting).await.is_ok();
    let other = if s1_waits {
        tokio::time::timeout(LIVENESS_BOUND, store.rotate_session("s2", 0, 50, 90, None)).await.ok()
    } else {
        None
    };
    let s1_still_waits = !blocked.is_finished();
    // Released before asserting, so that a failure leaves no lock behind the schema's drop.
    holder.rollback().await.unwrap();
    assert!(s1_waits, "the rotation of s1 never waited for the lock");
    let other = other.expect("the rotation of s2 waited for the lock on s1").unwrap().expect("s2 is rotated");
    assert_eq!((other.session.id.as_str(), other.session.generation), ("s2", 1));
    assert!(s1_still_waits, "s1 waits for its lock");

    let rotated = blocked.await.unwrap().unwrap().expect("s1 is rotated once the lock is gone");
    assert_eq!((rotated.session.id.as_str(), rotated.session.generation), ("s1", 1));
}
