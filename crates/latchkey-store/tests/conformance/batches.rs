//! Group-committed writes on every backend: rotations and DPoP proofs queued at once share
//! batches (one statement per kind), and each caller still gets what running the writes one at
//! a time would give it.

use std::future::Future;

use futures::future::join_all;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{DpopProofStore, SessionStore, SqlStore, Transactional, UserStore};

use super::{new_session, new_user, seeded, IDLE, NOW};

/// Runs `writes` while a transaction holds the sessions of user `u1` (and, on SQLite, the one
/// writer connection), so that the writes queue up behind it and, once it is rolled back, all
/// but the first few go in one batch.
async fn queued_together<T>(store: &SqlStore, writes: impl Future<Output = T>) -> T {
    let mut hold = store.begin().await.unwrap();
    hold.revoke_user_sessions("u1", NOW, "held", None).await.unwrap();
    let release = async move {
        tokio::task::yield_now().await;
        drop(hold);
    };
    tokio::join!(writes, release).0
}

/// Queued together, 32 rotations of one token have one winner.
pub async fn rotations_of_one_token_queued_together_have_one_winner(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    for generation in 0..3 {
        let now = NOW + 10 * (generation + 1);
        // Some at another second: equal jobs and differing ones for the same session.
        let rotations =
            (0..32).map(|i| store.rotate_session("s1", generation, now + i % 2, now + IDLE, None));
        let rotated = queued_together(&store, join_all(rotations)).await;
        let winners: Vec<_> =
            (0..).zip(rotated).filter_map(|(i, rotated)| Some((i, rotated.unwrap()?))).collect();
        assert_eq!(winners.len(), 1, "generation {generation}");
        let (i, won) = &winners[0];
        assert_eq!((won.session.generation, won.username.as_str()), (generation + 1, "alice"));
        // The winner's own time, not another job's.
        assert_eq!(won.session.rotated_at, Some(now + i % 2));
    }
    assert_eq!(store.session("s1").await.unwrap().unwrap().session.generation, 3);
}

/// Rotations of different sessions queued together each rotate their own session once, and
/// each caller gets its own session and user back; a session that does not exist, in the same
/// batch, is `None` without failing the others.
pub async fn rotations_queued_together_each_get_their_own_session(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_user(&new_user("u2", "bob"), NOW).await.unwrap();
    let ids: Vec<String> = (0..24).map(|i| format!("s{i:02}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let user = if i % 2 == 0 { "u1" } else { "u2" };
        store.create_session(&new_session(id, user, "c1", NOW)).await.unwrap();
    }
    let now = NOW + 5;
    // Queued in reverse order of id, with a missing session in the middle.
    let mut queued: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    queued.insert(12, "missing");
    let rotations = queued.iter().map(|id| store.rotate_session(id, 0, now, now + IDLE, None));
    let rotated = queued_together(&store, join_all(rotations)).await;
    for (id, rotated) in queued.iter().zip(rotated) {
        let rotated = rotated.unwrap();
        if *id == "missing" {
            assert!(rotated.is_none());
            continue;
        }
        let rotated = rotated.unwrap_or_else(|| panic!("{id} was not rotated"));
        let number: usize = id[1..].parse().unwrap();
        let user = if number % 2 == 0 { ("u1", "alice") } else { ("u2", "bob") };
        assert_eq!(rotated.session.id, *id);
        assert_eq!((rotated.session.user_id.as_str(), rotated.username.as_str()), user);
        assert_eq!((rotated.session.generation, rotated.session.rotated_at), (1, Some(now)));
    }
    for id in &ids {
        assert_eq!(store.session(id).await.unwrap().unwrap().session.generation, 1, "{id}");
    }
}

/// A session bound to a DPoP key, rotated at once with no key, a wrong key and its own key:
/// only its own key wins, whatever the order.
pub async fn a_bound_session_in_a_batch_rotates_only_with_its_key(db: TestDatabase) {
    let store = seeded(&db).await;
    let mut bound = new_session("s1", "u1", "c1", NOW);
    bound.dpop_jkt = Some("key-a".into());
    store.create_session(&bound).await.unwrap();
    let t = NOW + 1;
    let keys = [Some("key-b"), None, Some("key-a"), Some("key-b"), Some("key-a")];
    let rotations = keys.iter().map(|key| store.rotate_session("s1", 0, t, t + IDLE, *key));
    let rotated = queued_together(&store, join_all(rotations)).await;
    let winners: Vec<_> = keys.iter().zip(rotated).filter(|(_, r)| r.as_ref().unwrap().is_some()).collect();
    assert_eq!(winners.len(), 1);
    assert_eq!(*winners[0].0, Some("key-a"));
    let stored = store.session("s1").await.unwrap().unwrap().session;
    assert_eq!((stored.generation, stored.dpop_jkt.as_deref()), (1, Some("key-a")));
}

/// Replay keys and rotations queued together (both statements in one batch): a key repeated
/// is fresh once, distinct keys are all fresh, and the rotations are answered as well.
pub async fn proofs_and_rotations_queued_together_are_each_answered(db: TestDatabase) {
    let store = seeded(&db).await;
    for id in ["s1", "s2"] {
        store.create_session(&new_session(id, "u1", "c1", NOW)).await.unwrap();
    }
    let now = NOW + 3;
    let keys = ["dup", "a", "dup", "b", "c", "dup"];
    let (fresh, rotated) = queued_together(&store, async {
        futures::join!(
            join_all(keys.iter().map(|key| store.record_dpop_proof(key, now + 60))),
            join_all(["s1", "s2", "s1"].map(|id| store.rotate_session(id, 0, now, now + IDLE, None))),
        )
    })
    .await;
    let fresh: Vec<bool> = fresh.into_iter().map(Result::unwrap).collect();
    assert_eq!(keys.iter().zip(&fresh).filter(|(key, fresh)| **key == "dup" && **fresh).count(), 1);
    assert!(keys.iter().zip(&fresh).all(|(key, fresh)| *key == "dup" || *fresh));
    let rotated: Vec<_> = rotated.into_iter().map(Result::unwrap).collect();
    assert_eq!(rotated[1].as_ref().unwrap().session.id, "s2");
    assert_eq!(rotated.iter().filter(|r| r.as_ref().is_some_and(|r| r.session.id == "s1")).count(), 1);
    for key in keys {
        assert!(!store.record_dpop_proof(key, now + 60).await.unwrap(), "{key} is a replay now");
    }
}

/// A write the database refuses fails alone: the writes queued with it are still answered.
/// (PostgreSQL refuses a NUL character in text; SQLite stores it.)
pub async fn a_refused_write_fails_alone_in_its_batch(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    let now = NOW + 3;
    let keys = ["k1", "bad\0key", "k2"];
    let (fresh, rotated) = queued_together(&store, async {
        futures::join!(
            join_all(keys.iter().map(|key| store.record_dpop_proof(key, now + 60))),
            store.rotate_session("s1", 0, now, now + IDLE, None),
        )
    })
    .await;
    assert!(*fresh[0].as_ref().unwrap() && *fresh[2].as_ref().unwrap(), "{fresh:?}");
    match db.backend() {
        latchkey_store::Backend::Postgres => assert!(fresh[1].is_err(), "{fresh:?}"),
        latchkey_store::Backend::Sqlite => assert!(*fresh[1].as_ref().unwrap()),
    }
    assert_eq!(rotated.unwrap().unwrap().session.generation, 1);
}
