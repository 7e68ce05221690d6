//! Second factors (docs/architecture.md, "Multi-factor authentication"): a TOTP enrolment
//! never replaces a confirmed authenticator, each time step is used once across pools,
//! recovery codes are single use, a step-up changes the browser session's method, and a live
//! session with a `required` client is found.

use latchkey_core::mfa::MfaPolicy;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{
    BrowserSession, BrowserSessionStore, ClientStore, SecondFactorStore, SessionStore, SignInMethod,
};

use super::{new_client, new_session, seeded, NOW};

pub async fn totp_enrolment_confirms_once_and_steps_are_used_once(db: TestDatabase) {
    let store = seeded(&db).await;
    assert!(store.totp_factor("u1").await.unwrap().is_none());
    assert!(store.begin_totp_enrolment("u1", b"sealed-1", NOW).await.unwrap());
    assert!(store.begin_totp_enrolment("u1", b"sealed-2", NOW + 1).await.unwrap(), "restarted");
    assert!(
        !store.confirm_totp("u1", b"sealed-1", NOW + 2).await.unwrap(),
        "the old secret confirms nothing"
    );
    assert!(store.confirm_totp("u1", b"sealed-2", NOW + 2).await.unwrap());
    assert!(!store.begin_totp_enrolment("u1", b"sealed-3", NOW + 3).await.unwrap(), "confirmed stays");
    let factor = store.totp_factor("u1").await.unwrap().unwrap();
    assert_eq!(
        (factor.sealed_secret.as_slice(), factor.confirmed_at),
        (b"sealed-2".as_slice(), Some(NOW + 2))
    );

    let other = db.store().await;
    let (a, b) = tokio::join!(store.use_totp_step("u1", 100, NOW), other.use_totp_step("u1", 100, NOW));
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|fresh| **fresh).count(), 1, "one process wins");
    assert!(store.use_totp_step("u1", 101, NOW + 30).await.unwrap());
    assert_eq!(store.delete_used_totp_steps(NOW + 1, 10).await.unwrap(), 1);
    assert!(store.use_totp_step("u1", 100, NOW + 400).await.unwrap(), "forgotten once purged");

    store.replace_recovery_codes("u1", &["h1".into(), "h2".into()], NOW).await.unwrap();
    assert!(store.remove_totp("u1").await.unwrap());
    assert!(store.totp_factor("u1").await.unwrap().is_none());
    assert_eq!(store.recovery_codes_left("u1").await.unwrap(), 0, "recovery codes go with the factor");
}

pub async fn recovery_codes_are_single_use_and_replaced_together(db: TestDatabase) {
    let store = seeded(&db).await;
    store.replace_recovery_codes("u1", &["h1".into(), "h2".into()], NOW).await.unwrap();
    let other = db.store().await;
    let (a, b) =
        tokio::join!(store.use_recovery_code("u1", "h1", NOW), other.use_recovery_code("u1", "h1", NOW));
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|used| **used).count(), 1);
    assert_eq!(store.recovery_codes_left("u1").await.unwrap(), 1);
    store.replace_recovery_codes("u1", &["h3".into()], NOW).await.unwrap();
    assert!(!store.use_recovery_code("u1", "h2", NOW).await.unwrap(), "the old set is gone");
    assert!(store.use_recovery_code("u1", "h3", NOW).await.unwrap());
}

pub async fn step_up_and_required_client_sessions(db: TestDatabase) {
    let store = seeded(&db).await;
    let session = BrowserSession {
        id: "b1".into(),
        user_id: "u1".into(),
        auth_time: NOW,
        created_at: NOW,
        expires_at: NOW + 100,
        ended_at: None,
        method: SignInMethod::password(),
    };
    store.create_browser_session(&session, "hash").await.unwrap();
    let stepped = SignInMethod::password().with_second_factor("otp");
    assert!(store.step_up_browser_session("b1", &stepped, NOW + 10).await.unwrap());
    let read = store.browser_session("b1").await.unwrap().unwrap();
    assert_eq!((read.method, read.auth_time), (stepped.clone(), NOW + 10));
    assert!(!store.step_up_browser_session("b1", &stepped, NOW + 100).await.unwrap(), "expired");

    assert!(!store.has_session_with_mfa_required_client("u1", NOW).await.unwrap());
    let mut required = new_client("c2");
    required.mfa = MfaPolicy::Required;
    store.create_client(&required, NOW).await.unwrap();
    assert_eq!(store.client_by_id("c2").await.unwrap().unwrap().mfa, MfaPolicy::Required);
    store.create_session(&new_session("s1", "u1", "c1", NOW)).await.unwrap();
    assert!(!store.has_session_with_mfa_required_client("u1", NOW).await.unwrap(), "c1 is off");
    store.create_session(&new_session("s2", "u1", "c2", NOW)).await.unwrap();
    assert!(store.has_session_with_mfa_required_client("u1", NOW).await.unwrap());
    store.revoke_session("s2", NOW + 1, "logout").await.unwrap();
    assert!(!store.has_session_with_mfa_required_client("u1", NOW + 2).await.unwrap(), "only live ones");
}
