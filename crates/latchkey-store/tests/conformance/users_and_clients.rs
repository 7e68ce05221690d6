//! Users and clients on every backend: create, read, update, conflicts, cascades, and a
//! closed store answering "unavailable".

use super::*;

pub async fn users_crud(db: TestDatabase) {
    let store = db.store().await;
    let bob = store.create_user(&new_user("u2", "bob"), NOW).await.unwrap();
    assert_eq!(bob.username, "bob");
    assert!(!bob.disabled);
    assert_eq!((bob.created_at, bob.updated_at), (NOW, NOW));
    let mut carol = new_user("u3", "carol");
    carol.email = None;
    carol.roles = vec![];
    store.create_user(&carol, NOW).await.unwrap();
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();

    let alice = store.user_by_username("alice").await.unwrap().unwrap();
    assert_eq!(alice.id, "u1");
    assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
    assert_eq!(alice.roles, ["admin", "teller"]);
    assert_eq!(alice.password_hash, new_user("u1", "alice").password_hash);
    let carol = store.user_by_id("u3").await.unwrap().unwrap();
    assert_eq!((carol.email, carol.roles.len()), (None, 0));
    assert!(store.user_by_username("nobody").await.unwrap().is_none());
    assert!(store.user_by_id("nobody").await.unwrap().is_none());

    let names: Vec<String> = store.list_users().await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["alice", "bob", "carol"]);

    assert!(store.set_password_hash("u2", "$argon2id$new", NOW + 10).await.unwrap());
    let bob = store.user_by_id("u2").await.unwrap().unwrap();
    assert_eq!(
        (bob.password_hash.as_str(), bob.updated_at, bob.created_at),
        ("$argon2id$new", NOW + 10, NOW)
    );
    assert!(!store.set_password_hash("nobody", "x", NOW).await.unwrap());

    assert!(store.set_user_disabled("u2", true, NOW + 20).await.unwrap());
    let bob = store.user_by_id("u2").await.unwrap().unwrap();
    assert!(bob.disabled);
    assert_eq!(bob.updated_at, NOW + 20);
    assert!(store.set_user_disabled("u2", false, NOW + 30).await.unwrap());
    assert!(!store.user_by_id("u2").await.unwrap().unwrap().disabled);
    assert!(!store.set_user_disabled("nobody", true, NOW).await.unwrap());
}

pub async fn duplicate_username_conflicts(db: TestDatabase) {
    let store = db.store().await;
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    let err = store.create_user(&new_user("u2", "alice"), NOW).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(what) if what == "user alice"), "{err:?}");
    assert_eq!(err.to_string(), "user alice already exists");
    assert!(!err.is_unavailable());
    // A duplicate id is a conflict too.
    let err = store.create_user(&new_user("u1", "alicia"), NOW).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.list_users().await.unwrap().len(), 1);
}

pub async fn replace_password_hash_is_compare_and_swap(db: TestDatabase) {
    let store = db.store().await;
    store.create_user(&new_user("u1", "alice"), NOW).await.unwrap();
    let legacy = new_user("u1", "alice").password_hash;
    // Stale expectation: nothing changes.
    assert!(!store.replace_password_hash("u1", "$2b$12$other", "$argon2id$a", NOW + 1).await.unwrap());
    assert_eq!(store.user_by_id("u1").await.unwrap().unwrap().password_hash, legacy);
    // Matching expectation: replaced once.
    assert!(store.replace_password_hash("u1", &legacy, "$argon2id$a", NOW + 2).await.unwrap());
    let alice = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!((alice.password_hash.as_str(), alice.updated_at), ("$argon2id$a", NOW + 2));
    assert!(!store.replace_password_hash("u1", &legacy, "$argon2id$b", NOW + 3).await.unwrap());
    assert!(!store.replace_password_hash("nobody", &legacy, "$argon2id$b", NOW).await.unwrap());
    assert_eq!(store.user_by_id("u1").await.unwrap().unwrap().password_hash, "$argon2id$a");
}

pub async fn clients_round_trip(db: TestDatabase) {
    let store = db.store().await;
    let mut all_grants = new_client("zeta");
    all_grants.grant_types = GrantType::ALL.to_vec();
    let created = store.create_client(&all_grants, NOW).await.unwrap();
    assert_eq!(created.created_at, NOW);
    let public = NewClient {
        id: "alpha".into(),
        name: "Single-page app".into(),
        kind: ClientKind::Public,
        secret_hash: None,
        grant_types: vec![],
        scopes: vec![],
        access_token_ttl: None,
        refresh_idle_ttl: None,
        refresh_absolute_ttl: None,
        reuse_window: None,
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        require_consent: false,
        pkce_required: false,
        dpop: DpopPolicy::Off,
        dpop_nonce: false,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        signup: ClientSignup { self_registration: Some(false), require_verified_email: false },
        mfa: latchkey_core::mfa::MfaPolicy::Optional,
    };
    store.create_client(&public, NOW + 1).await.unwrap();

    let zeta = store.client_by_id("zeta").await.unwrap().unwrap();
    assert_eq!(zeta.name, "client zeta");
    assert_eq!(zeta.kind, ClientKind::Confidential);
    assert_eq!(zeta.secret_hash.as_deref(), Some(&[0u8, 1, 2, 254, 255][..]));
    assert_eq!(zeta.grant_types, GrantType::ALL);
    assert_eq!(zeta.scopes, ["openid", "accounts:read"]);
    assert_eq!(
        (zeta.access_token_ttl, zeta.refresh_idle_ttl, zeta.refresh_absolute_ttl, zeta.reuse_window),
        (Some(300), Some(IDLE), Some(ABSOLUTE), Some(5))
    );
    assert_eq!(zeta.created_at, NOW);
    assert_eq!(zeta.redirect_uris, ["https://app.example/cb", "http://127.0.0.1/cb"]);
    assert_eq!(zeta.post_logout_redirect_uris, ["https://app.example/bye"]);
    assert!(zeta.require_consent && zeta.pkce_required);
    assert_eq!(zeta.backchannel_logout_uri.as_deref(), Some("https://app.example/backchannel"));
    assert!(zeta.backchannel_logout_session_required);
    assert_eq!(zeta.signup, ClientSignup { self_registration: Some(true), require_verified_email: true });

    let alpha = store.client_by_id("alpha").await.unwrap().unwrap();
    assert_eq!(alpha.kind, ClientKind::Public);
    assert_eq!(alpha.secret_hash, None);
    assert!(alpha.grant_types.is_empty() && alpha.scopes.is_empty());
    assert!(alpha.redirect_uris.is_empty() && !alpha.require_consent && !alpha.pkce_required);
    assert!(alpha.backchannel_logout_uri.is_none() && !alpha.backchannel_logout_session_required);
    assert_eq!(
        (alpha.access_token_ttl, alpha.refresh_idle_ttl, alpha.refresh_absolute_ttl, alpha.reuse_window),
        (None, None, None, None)
    );
    assert_eq!(alpha.created_at, NOW + 1);
    assert_eq!(alpha.signup.self_registration, Some(false));
    let mut follows = new_client("omega");
    follows.signup = ClientSignup::default();
    store.create_client(&follows, NOW).await.unwrap();
    let omega = store.client_by_id("omega").await.unwrap().unwrap();
    assert_eq!(omega.signup, ClientSignup::default(), "NULL: the server's setting");
    assert!(omega.signup.allows_signup(true) && !omega.signup.allows_signup(false));
    assert_eq!(
        (alpha.mfa, zeta.mfa),
        (latchkey_core::mfa::MfaPolicy::Optional, latchkey_core::mfa::MfaPolicy::Off)
    );

    let ids: Vec<String> =
        store.list_clients().await.unwrap().into_iter().map(|c| c.registration.id).collect();
    assert_eq!(ids, ["alpha", "omega", "zeta"]);
    assert!(store.client_by_id("nobody").await.unwrap().is_none());

    let err = store.create_client(&public, NOW).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(what) if what == "client alpha"), "{err:?}");
}

pub async fn remove_client_cascades_to_sessions(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_client(&new_client("c2"), NOW).await.unwrap();
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    store.create_session(&new_session("s2", "u1", "c1", NOW)).await.unwrap();
    store.create_session(&new_session("s3", "u1", "c2", NOW)).await.unwrap();

    assert!(store.remove_client("c1").await.unwrap());
    assert!(store.client_by_id("c1").await.unwrap().is_none());
    assert!(store.session("s1").await.unwrap().is_none());
    assert!(store.session("s2").await.unwrap().is_none());
    assert!(store.session("s3").await.unwrap().is_some());
    assert!(!store.remove_client("c1").await.unwrap());
}

pub async fn closed_store_is_unavailable(db: TestDatabase) {
    let store = db.store().await;
    store.ping().await.unwrap();
    store.close().await;
    let err = store.ping().await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    let err = store.user_by_id("u1").await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
}

// Connection setup and failure behaviour, backend by backend (not part of the shared suite).
