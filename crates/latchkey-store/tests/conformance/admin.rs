//! What the admin API needs of the store: the user update is a compare-and-swap on the
//! user's version (one of several admins with the same ETag wins, across processes), and
//! audit events are filtered, paged and expired in the database.

use std::sync::Arc;

use latchkey_store::testing::TestDatabase;
use latchkey_store::{AuditEvent, AuditFilter, AuditStore, ClientStore, Store, UserStore, UserUpdate};

use super::{new_client, new_user, NOW};

fn update(expected_version: i64, email: &str) -> UserUpdate {
    UserUpdate {
        id: "u1".into(),
        expected_version,
        email: Some(email.into()),
        email_verified: false,
        roles: vec!["auditor".into()],
    }
}

pub async fn user_update_is_compare_and_swap_on_version(db: TestDatabase) {
    let store = db.store().await;
    assert_eq!(store.create_user(&new_user("u1", "alice"), NOW).await.unwrap().version, 0);
    let updated = store.update_user(&update(0, "a@new.example"), NOW + 1).await.unwrap().unwrap();
    assert_eq!(
        (updated.version, updated.email.as_deref(), updated.roles.clone(), updated.updated_at),
        (1, Some("a@new.example"), vec!["auditor".to_owned()], NOW + 1)
    );
    assert!(
        store.update_user(&update(0, "stale@example"), NOW + 2).await.unwrap().is_none(),
        "stale version"
    );
    assert!(store.set_user_disabled("u1", true, NOW + 3).await.unwrap());
    assert_eq!(store.user_by_id("u1").await.unwrap().unwrap().version, 2, "disabling is a change too");
    assert!(store.set_password_hash("u1", "$argon2id$other", NOW + 4).await.unwrap());
    let user = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!((user.version, user.email.as_deref()), (3, Some("a@new.example")));
    assert!(!user.email_verified, "a changed address is not verified");
    let vouched = UserUpdate { email_verified: true, ..update(3, "a@vouched.example") };
    let user = store.update_user(&vouched, NOW + 5).await.unwrap().unwrap();
    assert!(user.email_verified, "the operator vouches for it");
    let kept = store.update_user(&update(4, "a@vouched.example"), NOW + 6).await.unwrap().unwrap();
    assert!(kept.email_verified, "the same address keeps its verification");
    let mut missing = update(0, "x@example");
    missing.id = "nobody".into();
    assert!(store.update_user(&missing, NOW).await.unwrap().is_none());
}

pub async fn concurrent_user_updates_with_one_version_have_one_winner(db: TestDatabase) {
    // Two pools on one database: two server processes.
    let first = db.store().await;
    first.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    let stores: Vec<Arc<dyn Store>> = vec![Arc::new(first), Arc::new(db.store().await)];
    let winners = eight_at_once(&stores, |store, i| async move {
        store.update_user(&update(0, &format!("admin{i}@example")), NOW + 1).await.unwrap()
    })
    .await;
    assert_eq!(winners.len(), 1, "exactly one update with version 0 wins");
    let stored = stores[0].user_by_id("u1").await.unwrap().unwrap();
    assert_eq!((stored.version, stored.email), (1, winners[0].email.clone()));
}

/// Runs `attempt` eight times at once, alternately on each of `stores` (pools on one
/// database: server processes), all released together; what the attempts returned.
pub async fn eight_at_once<T, F, Fut>(stores: &[Arc<dyn Store>], attempt: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(Arc<dyn Store>, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Option<T>> + Send,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let (store, barrier, attempt) =
                (stores[i % stores.len()].clone(), barrier.clone(), attempt.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                attempt(store, i).await
            })
        })
        .collect();
    let mut done = Vec::new();
    for attempt in attempts {
        done.extend(attempt.await.unwrap());
    }
    done
}

pub async fn deleting_a_user_and_rotating_a_client_secret(db: TestDatabase) {
    let store = db.store().await;
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    assert!(store.delete_user("u1").await.unwrap());
    assert!(!store.delete_user("u1").await.unwrap());
    assert!(store.user_by_id("u1").await.unwrap().is_none());
    store.create_client(&new_client("c1"), NOW).await.unwrap();
    assert!(store.set_client_secret_hash("c1", &[7, 7, 7]).await.unwrap());
    assert_eq!(store.client_by_id("c1").await.unwrap().unwrap().secret_hash, Some(vec![7, 7, 7]));
    assert!(!store.set_client_secret_hash("nope", &[1]).await.unwrap());
}

fn event(at: i64, kind: &str, user: Option<&str>) -> AuditEvent {
    AuditEvent {
        at,
        kind: kind.into(),
        user_id: user.map(str::to_owned),
        client_id: Some("c1".into()),
        session_id: None,
        detail: None,
    }
}

pub async fn audit_events_are_filtered_paged_and_expired(db: TestDatabase) {
    let store = db.store().await;
    let events = [
        event(NOW, "login", Some("alice")),
        event(NOW + 1, "login_failed", Some("bob")),
        event(NOW + 2, "login", Some("bob")),
        event(NOW + 3, "login", Some("alice")),
        event(NOW + 4, "admin_request", None),
    ];
    for e in &events {
        store.record_audit_event(e).await.unwrap();
    }
    let find = |filter: AuditFilter, limit: i64| {
        let store = &store;
        async move { store.find_audit_events(&filter, limit).await.unwrap() }
    };
    let logins = find(AuditFilter { kind: Some("login".into()), ..Default::default() }, 10).await;
    let times: Vec<i64> = logins.iter().map(|(_, e)| e.at).collect();
    assert_eq!(times, [NOW + 3, NOW + 2, NOW], "newest first");
    let alice =
        find(AuditFilter { user_id: Some("alice".into()), since: Some(NOW + 1), ..Default::default() }, 10)
            .await;
    assert_eq!(alice.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>(), [events[3].clone()]);
    // Pages: two at a time, each after the previous page's last id.
    let first = find(AuditFilter::default(), 2).await;
    let second = find(AuditFilter { before_id: Some(first[1].0), ..Default::default() }, 2).await;
    let third = find(AuditFilter { before_id: Some(second[1].0), ..Default::default() }, 2).await;
    let paged: Vec<i64> = [first, second, third].concat().iter().map(|(_, e)| e.at).collect();
    assert_eq!(paged, [NOW + 4, NOW + 3, NOW + 2, NOW + 1, NOW]);
    // Retention: events older than the cutoff go, in batches.
    assert_eq!(store.delete_audit_events_before(NOW + 2, 1).await.unwrap(), 1);
    assert_eq!(store.delete_audit_events_before(NOW + 2, 10).await.unwrap(), 1);
    let left: Vec<i64> = find(AuditFilter::default(), 10).await.iter().map(|(_, e)| e.at).collect();
    assert_eq!(left, [NOW + 4, NOW + 3, NOW + 2]);
}

/// An address the admin changes is not verified any more (nobody vouched for the new one, and
/// federation links by verified e-mail only); keeping the address keeps the flag.
pub async fn an_admin_email_change_unverifies_the_address(db: TestDatabase) {
    let store = db.store().await;
    let mut alice = new_user("u1", "alice");
    alice.email = Some("a@example.com".into());
    alice.email_verified = true;
    store.create_user(&alice, NOW).await.unwrap();
    let same = store.update_user(&update(0, "a@example.com"), NOW + 1).await.unwrap().unwrap();
    assert!(same.email_verified, "the same address stays verified");
    let moved = store.update_user(&update(1, "b@example.com"), NOW + 2).await.unwrap().unwrap();
    assert!(!moved.email_verified, "a new address is unverified");
}
