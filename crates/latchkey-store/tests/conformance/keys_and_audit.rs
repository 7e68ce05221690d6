//! Signing keys and audit events on every backend: what is written is read back whole.

use latchkey_core::key_rotation::{KeyPurpose, KeyState};
use latchkey_store::testing::TestDatabase;
use latchkey_store::{AuditEvent, AuditStore, KeyStore, SigningKeyRecord};

use super::NOW;

pub async fn signing_keys_round_trip(db: TestDatabase) {
    let store = db.store().await;
    store.insert_signing_key(&key("k1", KeyPurpose::AccessToken, KeyState::Active, NOW)).await.unwrap();
    store.insert_signing_key(&key("k2", KeyPurpose::AccessToken, KeyState::Pending, NOW + 10)).await.unwrap();
    let mut retired = key("k0", KeyPurpose::IdToken, KeyState::Retired, NOW - 10);
    (retired.retire_at, retired.delete_at) = (Some(NOW - 5), Some(NOW + 99));
    store.insert_signing_key(&retired).await.unwrap();
    let keys = store.signing_keys().await.unwrap();
    let kids: Vec<&str> = keys.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, ["k2", "k1", "k0"], "every state, newest first");
    let (k2, k0) = (&keys[0], &keys[2]);
    let expected = key("k2", KeyPurpose::AccessToken, KeyState::Pending, NOW + 10);
    assert_eq!(
        (&k2.alg, &k2.sealed_private_key, &k2.public_jwk, k2.created_at, k2.activate_at, k2.state),
        (
            &expected.alg,
            &expected.sealed_private_key,
            &expected.public_jwk,
            NOW + 10,
            Some(NOW + 10),
            KeyState::Pending
        )
    );
    assert_eq!(
        (k0.purpose, k0.state, k0.retire_at, k0.delete_at),
        (KeyPurpose::IdToken, KeyState::Retired, Some(NOW - 5), Some(NOW + 99))
    );
    assert_eq!(store.signing_key_state("k1").await.unwrap(), Some(KeyState::Active));
    assert_eq!(store.signing_key_state("nope").await.unwrap(), None);
}

/// A key as the server would store it, with a fake sealed blob.
pub fn key(kid: &str, purpose: KeyPurpose, state: KeyState, created_at: i64) -> SigningKeyRecord {
    SigningKeyRecord {
        kid: kid.into(),
        alg: "ES256".into(),
        purpose,
        state,
        sealed_private_key: vec![0, 159, 146, 150, 255, 0, kid.len() as u8],
        public_jwk: format!(r#"{{"kty":"EC","crv":"P-256","kid":"{kid}"}}"#),
        created_at,
        activate_at: Some(created_at),
        retire_at: None,
        delete_at: None,
        revoked_at: None,
    }
}

pub async fn audit_events_round_trip(db: TestDatabase) {
    let store = db.store().await;
    let event = |at: i64, kind: &str, session: Option<&str>| AuditEvent {
        at,
        kind: kind.into(),
        user_id: session.map(|_| "u1".to_owned()),
        client_id: session.map(|_| "c1".to_owned()),
        session_id: session.map(str::to_owned),
        detail: session.map(|s| format!(r#"{{"session":"{s}"}}"#)),
    };
    let events = [
        event(NOW, "login", Some("s1")),
        event(NOW + 1, "refresh", Some("s1")),
        event(NOW + 1, "login", Some("s2")),
        event(NOW + 2, "reuse_detected", Some("s1")),
        event(NOW + 3, "key_rotated", None),
    ];
    for e in &events {
        store.record_audit_event(e).await.unwrap();
    }
    let all = store.audit_events(None, 100).await.unwrap();
    // Newest first; events at the same second in reverse insertion order.
    let expected: Vec<AuditEvent> = events.iter().rev().cloned().collect();
    assert_eq!(all, expected);
    assert_eq!(store.audit_events(None, 2).await.unwrap(), expected[..2]);
    let s1: Vec<String> =
        store.audit_events(Some("s1"), 100).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(s1, ["reuse_detected", "refresh", "login"]);
    assert_eq!(store.audit_events(Some("s1"), 1).await.unwrap().len(), 1);
    assert!(store.audit_events(Some("nobody"), 10).await.unwrap().is_empty());
    assert!(store.audit_events(None, 0).await.unwrap().is_empty());
}
