//! Signing keys and audit events on every backend: what is written is read back whole.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{AuditEvent, AuditStore, KeyStore, SigningKeyRecord, StoreError};

use super::NOW;

pub async fn signing_keys_round_trip(db: TestDatabase) {
    let store = db.store().await;
    let key = |kid: &str, created_at: i64, retired_at: Option<i64>| SigningKeyRecord {
        kid: kid.into(),
        alg: "ES256".into(),
        sealed_private_key: vec![0, 159, 146, 150, 255, 0, kid.len() as u8],
        public_jwk: format!(r#"{{"kty":"EC","crv":"P-256","kid":"{kid}"}}"#),
        created_at,
        retired_at,
    };
    store.insert_signing_key(&key("k1", NOW, None)).await.unwrap();
    store.insert_signing_key(&key("k2", NOW + 10, None)).await.unwrap();
    store.insert_signing_key(&key("k0", NOW - 10, Some(NOW))).await.unwrap();
    let keys = store.signing_keys().await.unwrap();
    let kids: Vec<&str> = keys.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, ["k2", "k1"]);
    let k2 = &keys[0];
    let expected = key("k2", NOW + 10, None);
    assert_eq!(
        (&k2.alg, &k2.sealed_private_key, &k2.public_jwk, k2.created_at, k2.retired_at),
        (&expected.alg, &expected.sealed_private_key, &expected.public_jwk, expected.created_at, None)
    );
    let err = store.insert_signing_key(&key("k1", NOW, None)).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(what) if what == "signing key k1"), "{err:?}");
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
