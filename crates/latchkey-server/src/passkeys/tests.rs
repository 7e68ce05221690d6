//! The second-factor ceremony called directly, as the MFA step calls it after a first factor
//! (docs/architecture.md, "Passkeys"), with the software authenticator of the HTTP tests, on
//! both backends: `allowCredentials` lists the user's passkeys only; the answer is accepted
//! once, and refused from another user's passkey, for another user's ceremony, after the
//! ceremony expired, and from another origin.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use latchkey_core::clock::ManualClock;
use latchkey_crypto::MasterKey;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{NewUser, User};
use serde_json::Value;

use super::assertion::{finish_second_factor, start_second_factor};
use super::registration;
use crate::state::AppState;
use crate::testing::test_config;
use crate::{App, Config};

#[path = "../../tests/http/soft_authenticator.rs"]
mod soft_authenticator;
use soft_authenticator::SoftAuthenticator;

const ISSUER: &str = "https://id.example.com";

latchkey_store::on_both_backends!(a_second_factor_is_one_of_the_users_own_passkeys_once);

async fn app_on(db: &TestDatabase) -> (App, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(1_800_000_000));
    let config = Config { issuer: Some(ISSUER.into()), ..test_config() };
    let master = MasterKey::generate().unwrap();
    let app = App::build(config, &master, Arc::new(db.store().await), clock.clone()).await.unwrap();
    (app, clock)
}

async fn user(state: &AppState, name: &str) -> User {
    let new = NewUser {
        id: format!("id-{name}"),
        username: name.into(),
        email: None,
        email_verified: false,
        profile: Default::default(),
        roles: Vec::new(),
        password_hash: "$argon2id$unused".into(),
        verification_required: false,
    };
    state.store.create_user(&new, state.clock.now()).await.unwrap();
    state.store.user_by_id(&new.id).await.unwrap().unwrap()
}

/// `user`'s new passkey, registered through the account page's ceremony.
async fn enrolled(state: &AppState, user: &User) -> SoftAuthenticator {
    let mut authenticator = SoftAuthenticator::new(ISSUER);
    let (handle, options) = registration::start(state, user).await.unwrap();
    let answer = authenticator.register(&serde_json::to_value(options).unwrap());
    registration::finish(state, user, &handle, &answer, "phone").await.unwrap().unwrap();
    authenticator
}

async fn second_factor(state: &AppState, user: &User) -> (String, Value) {
    let (handle, options) = start_second_factor(state, user).await.unwrap().unwrap();
    (handle, serde_json::to_value(options).unwrap())
}

async fn a_second_factor_is_one_of_the_users_own_passkeys_once(db: TestDatabase) {
    let (app, clock) = app_on(&db).await;
    let state = &app.state;
    let (alice, bob) = (user(state, "alice").await, user(state, "bob").await);
    assert!(start_second_factor(state, &alice).await.unwrap().is_none(), "no passkey yet");
    let (mut alices, mut bobs) = (enrolled(state, &alice).await, enrolled(state, &bob).await);

    let (handle, options) = second_factor(state, &alice).await;
    let allowed: Vec<&str> = options["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|credential| credential["id"].as_str().unwrap())
        .collect();
    assert_eq!(allowed, [soft_authenticator::b64(&alices.credential_id)]);
    let answer = alices.assert(&options);
    let method = finish_second_factor(state, &alice, &handle, &answer).await.unwrap().unwrap();
    assert_eq!(method.amr, ["hwk", "mfa"]);
    assert!(finish_second_factor(state, &alice, &handle, &answer).await.unwrap().is_none(), "used once");

    let (handle, options) = second_factor(state, &alice).await;
    assert!(finish_second_factor(state, &alice, &handle, &bobs.assert(&options)).await.unwrap().is_none());
    let (handle, options) = second_factor(state, &alice).await;
    assert!(finish_second_factor(state, &bob, &handle, &alices.assert(&options)).await.unwrap().is_none());

    let (handle, options) = second_factor(state, &alice).await;
    clock.advance(301);
    assert!(finish_second_factor(state, &alice, &handle, &alices.assert(&options)).await.unwrap().is_none());

    alices.origin = "https://id.example.com.evil.test".into();
    let (handle, options) = second_factor(state, &alice).await;
    assert!(finish_second_factor(state, &alice, &handle, &alices.assert(&options)).await.unwrap().is_none());
}
