//! Authorization codes, browser sessions and consents, on every backend.

use latchkey_store::testing::TestDatabase;
use latchkey_store::{
    AuthorizationCodeStore, BrowserSession, BrowserSessionStore, ConsentStore, NewAuthorizationCode,
    SessionStore, SignInMethod,
};

use super::{new_session, seeded, NOW};

fn code(hash: &str) -> NewAuthorizationCode {
    NewAuthorizationCode {
        hash: hash.into(),
        client_id: "c1".into(),
        user_id: "u1".into(),
        redirect_uri: "https://app.example/cb".into(),
        redirect_uri_given: true,
        scope: "openid".into(),
        nonce: Some("n-0S6_WzA2Mj".into()),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        auth_time: NOW - 5,
        browser_session_id: Some("b1".into()),
        created_at: NOW,
        expires_at: NOW + 60,
        dpop_jkt: Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I".into()),
        method: SignInMethod::federated("google"),
    }
}

pub async fn authorization_code_redeems_once(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_authorization_code(&code("h1")).await.unwrap();
    assert!(
        store.redeem_authorization_code("h1", "other", NOW, "s1").await.unwrap().is_none(),
        "other client"
    );
    assert!(store.redeem_authorization_code("h1", "c1", NOW + 60, "s1").await.unwrap().is_none(), "expired");
    let redeemed = store.redeem_authorization_code("h1", "c1", NOW + 1, "s1").await.unwrap().unwrap();
    assert_eq!(redeemed.used_at, Some(NOW + 1));
    assert_eq!(redeemed.session_id.as_deref(), Some("s1"));
    assert_eq!(redeemed.code.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert!(redeemed.code.redirect_uri_given);
    assert_eq!(redeemed.code.dpop_jkt.as_deref(), Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"));
    assert_eq!(redeemed.code.method, SignInMethod::federated("google"));
    assert!(
        store.redeem_authorization_code("h1", "c1", NOW + 2, "s2").await.unwrap().is_none(),
        "second use"
    );
    let stored = store.authorization_code("h1").await.unwrap().unwrap();
    assert_eq!(stored.session_id.as_deref(), Some("s1"), "the first redemption's session is kept");
    assert!(store.authorization_code("nope").await.unwrap().is_none());
}

pub async fn authorization_code_concurrent_redemption_has_one_winner(db: TestDatabase) {
    let store = seeded(&db).await;
    let second = db.store().await;
    store.create_authorization_code(&code("h1")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 { store.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move {
            store.redeem_authorization_code("h1", "c1", NOW + 1, &format!("s{i}")).await.unwrap().is_some()
        }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1);
}

pub async fn authorization_code_janitor(db: TestDatabase) {
    let store = seeded(&db).await;
    store.create_authorization_code(&code("h1")).await.unwrap();
    let mut later = code("h2");
    later.expires_at = NOW + 600;
    store.create_authorization_code(&later).await.unwrap();
    assert_eq!(store.delete_expired_authorization_codes(NOW + 100, 10).await.unwrap(), 1);
    assert!(store.authorization_code("h1").await.unwrap().is_none());
    assert!(store.authorization_code("h2").await.unwrap().is_some());
}

pub async fn browser_sessions_and_their_refresh_sessions(db: TestDatabase) {
    let store = seeded(&db).await;
    let browser = BrowserSession {
        id: "b1".into(),
        user_id: "u1".into(),
        auth_time: NOW,
        created_at: NOW,
        expires_at: NOW + 3600,
        ended_at: None,
        method: SignInMethod::federated("google"),
    };
    store.create_browser_session(&browser, "secret-hash").await.unwrap();
    assert_eq!(store.browser_session_by_secret("secret-hash", NOW).await.unwrap(), Some(browser.clone()));
    assert!(store.browser_session_by_secret("secret-hash", NOW + 3600).await.unwrap().is_none(), "expired");
    assert!(store.browser_session_by_secret("other", NOW).await.unwrap().is_none());

    let mut from_browser = new_session("s1", "u1", "c1", NOW);
    from_browser.browser_session_id = Some("b1".into());
    store.create_session(&from_browser).await.unwrap();
    store.create_session(&new_session("s2", "u1", "c1", NOW)).await.unwrap();

    assert!(store.end_browser_session("b1", NOW + 1).await.unwrap());
    assert!(!store.end_browser_session("b1", NOW + 2).await.unwrap(), "already ended");
    assert!(store.browser_session_by_secret("secret-hash", NOW + 3).await.unwrap().is_none());
    assert_eq!(store.browser_session("b1").await.unwrap().unwrap().ended_at, Some(NOW + 1));
    assert_eq!(store.revoke_browser_session_sessions("b1", NOW + 1, "logout").await.unwrap(), 1);
    assert!(store.session("s1").await.unwrap().unwrap().session.revoked_at.is_some());
    assert!(store.session("s2").await.unwrap().unwrap().session.revoked_at.is_none());
}

pub async fn consents_are_remembered_per_scope_set(db: TestDatabase) {
    let store = seeded(&db).await;
    assert!(!store.has_consent("u1", "c1", "openid profile").await.unwrap());
    store.grant_consent("u1", "c1", "openid profile", NOW).await.unwrap();
    store.grant_consent("u1", "c1", "openid profile", NOW + 1).await.unwrap();
    assert!(store.has_consent("u1", "c1", "openid profile").await.unwrap());
    assert!(!store.has_consent("u1", "c1", "openid profile email").await.unwrap());
}
