//! Passkey storage (docs/architecture.md, "Passkeys") on every backend: a credential id
//! belongs to one user; a user lists, uses (compare-and-swap on the stored credential) and
//! removes only their own; a ceremony is taken once — also by racing callers on two pools,
//! i.e. two processes — never for another purpose nor after it expired, and the janitor
//! deletes abandoned ones; a deleted user takes their passkeys along.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{Ceremony, CeremonyPurpose, PasskeyRecord, PasskeyStore, StoreError, UserStore};

use super::{new_user, seeded, NOW};

latchkey_store::on_both_backends!(
    passkeys_belong_to_one_user_and_are_used_by_compare_and_swap,
    a_ceremony_is_taken_once_for_its_purpose_before_it_expires,
);

fn passkey(id: &str, user_id: &str, at: i64) -> PasskeyRecord {
    PasskeyRecord {
        credential_id: id.into(),
        user_id: user_id.into(),
        name: format!("key {id}"),
        credential: format!("{{\"counter\":0,\"id\":\"{id}\"}}"),
        created_at: at,
        last_used_at: None,
    }
}

async fn passkeys_belong_to_one_user_and_are_used_by_compare_and_swap(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_user(&new_user("u2", "bob"), NOW).await.unwrap();
    store.add_passkey(&passkey("k2", "u1", NOW + 1)).await.unwrap();
    store.add_passkey(&passkey("k1", "u1", NOW)).await.unwrap();
    store.add_passkey(&passkey("kb", "u2", NOW)).await.unwrap();
    let taken = store.add_passkey(&passkey("k1", "u2", NOW)).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");

    let ids: Vec<String> =
        store.passkeys_of_user("u1").await.unwrap().into_iter().map(|p| p.credential_id).collect();
    assert_eq!(ids, ["k1", "k2"], "oldest first, only alice's");
    let k1 = store.passkey("k1").await.unwrap().unwrap();
    assert_eq!(k1, passkey("k1", "u1", NOW));

    assert!(store.record_passkey_use("k1", &k1.credential, "{\"counter\":5}", NOW + 9).await.unwrap());
    assert!(!store.record_passkey_use("k1", &k1.credential, "{\"counter\":4}", NOW + 9).await.unwrap());
    let used = store.passkey("k1").await.unwrap().unwrap();
    assert_eq!((used.credential.as_str(), used.last_used_at), ("{\"counter\":5}", Some(NOW + 9)));

    assert!(!store.remove_passkey("u2", "k1").await.unwrap(), "not bob's to remove");
    assert!(store.remove_passkey("u1", "k1").await.unwrap());
    assert!(!store.remove_passkey("u1", "k1").await.unwrap());
    assert!(store.passkey("k1").await.unwrap().is_none());
    assert!(store.delete_user("u2").await.unwrap());
    assert!(store.passkey("kb").await.unwrap().is_none(), "gone with its user");
}

fn ceremony(hash: &str, purpose: CeremonyPurpose, user: Option<&str>) -> Ceremony {
    Ceremony {
        handle_hash: hash.into(),
        purpose,
        user_id: user.map(str::to_owned),
        state: format!("{{\"challenge\":\"{hash}\"}}"),
        expires_at: NOW + 300,
    }
}

async fn a_ceremony_is_taken_once_for_its_purpose_before_it_expires(db: TestDatabase) {
    let store = seeded(&db).await;
    let second = db.store().await;
    let register = ceremony("h1", CeremonyPurpose::Register, Some("u1"));
    store.create_webauthn_ceremony(&register).await.unwrap();
    store.create_webauthn_ceremony(&ceremony("h2", CeremonyPurpose::SignIn, None)).await.unwrap();
    store.create_webauthn_ceremony(&ceremony("h3", CeremonyPurpose::SecondFactor, Some("u1"))).await.unwrap();

    assert!(store.take_webauthn_ceremony("h1", CeremonyPurpose::SignIn, NOW).await.unwrap().is_none());
    assert!(store.take_webauthn_ceremony("h2", CeremonyPurpose::SignIn, NOW + 300).await.unwrap().is_none());
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 { store.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move {
            store.take_webauthn_ceremony("h1", CeremonyPurpose::Register, NOW + 1).await.unwrap()
        }));
    }
    let mut taken = Vec::new();
    for task in tasks {
        taken.extend(task.await.unwrap());
    }
    assert_eq!(taken, [register], "one winner, with the user and state");

    assert_eq!(store.delete_expired_webauthn_ceremonies(NOW + 299, 10).await.unwrap(), 0);
    assert_eq!(store.delete_expired_webauthn_ceremonies(NOW + 300, 10).await.unwrap(), 2);
    assert!(store.take_webauthn_ceremony("h3", CeremonyPurpose::SecondFactor, NOW).await.unwrap().is_none());
}
