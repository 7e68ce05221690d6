//! Sign-in, the session cookie, `return_to`, `/bff/user`, the session limits, sign-out.

use latchkey_client::Clock;
use latchkey_store::on_both_backends;
use reqwest::Method;
use sqlx::Row;

use crate::testkit::{Harness, PUBLIC_URL};

on_both_backends!(
    sign_in_sets_a_host_only_strict_http_only_cookie_and_stores_only_its_hash,
    signing_in_again_rotates_the_session_id,
    return_to_cannot_leave_the_origin,
    signed_out_calls_get_401_json_never_a_redirect,
    idle_and_absolute_limits_end_sessions,
    logout_ends_the_session_and_revokes_it_at_latchkey,
);

async fn sign_in_sets_a_host_only_strict_http_only_cookie_and_stores_only_its_hash(h: Harness) {
    let bff = h.start_bff().await;
    let mut browser = h.browser(&bff);
    let landed = browser.sign_in("/accounts?tab=history").await;
    assert_eq!(landed, format!("{PUBLIC_URL}/accounts?tab=history"));
    assert_eq!(browser.cacheable_cookie_responses, 0, "every cookie-setting answer is no-store");

    let session = browser
        .bff_set_cookies
        .iter()
        .map(|text| cookie::Cookie::parse(text.clone()).unwrap())
        .find(|c| c.name() == "__Host-latchkey-bff" && !c.value().is_empty())
        .expect("a session cookie");
    assert_eq!(session.http_only(), Some(true));
    assert_eq!(session.secure(), Some(true));
    assert_eq!(session.same_site(), Some(cookie::SameSite::Strict));
    assert_eq!(session.path(), Some("/"));
    assert_eq!(session.domain(), None);
    assert_eq!(session.value().len(), 43, "256 random bits, base64url");
    for text in &browser.bff_set_cookies {
        let c = cookie::Cookie::parse(text.clone()).unwrap();
        assert!(c.name().starts_with("__Host-"), "{text}");
        assert_eq!(
            (c.http_only(), c.secure(), c.path(), c.domain()),
            (Some(true), Some(true), Some("/"), None)
        );
    }

    let user = browser.api(Method::GET, "/bff/user").send().await.unwrap();
    assert_eq!(user.status(), 200);
    assert_eq!(user.headers()["cache-control"], "no-store");
    let body: serde_json::Value = user.json().await.unwrap();
    assert_eq!(body["claims"]["sub"], h.alice.id);
    assert_eq!(body["logout_url"], "/bff/logout");
    assert_eq!(body.as_object().unwrap().len(), 2, "claims and the logout URL, no token: {body}");

    let rows = session_rows(&h).await;
    let hash: String = latchkey_crypto::digest::sha256(session.value().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(rows, vec![hash]);
}

/// Every column of every session row, concatenated, per row; and the id hashes.
async fn session_rows(h: &Harness) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&h.bff_db.url).await.unwrap();
    let rows =
        sqlx::query("SELECT id_hash, sealed_tokens, sub FROM bff_sessions").fetch_all(&pool).await.unwrap();
    for row in &rows {
        let sealed: String = row.get("sealed_tokens");
        // `{"alg":` in base64url: any JWT starts so, while a sealed blob holds these ten
        // characters by chance once in 64^10 (three characters, `eyJ`, occur in about one
        // blob in a hundred).
        assert!(!sealed.contains("eyJhbGciOi"), "tokens are sealed, not stored as JWTs");
    }
    rows.iter().map(|row| row.get::<String, _>("id_hash")).collect()
}

async fn signing_in_again_rotates_the_session_id(h: Harness) {
    let bff = h.start_bff().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    let first = browser.session_cookie().unwrap();
    browser.sign_in("/").await;
    let second = browser.session_cookie().unwrap();
    assert_ne!(first, second);
    assert_eq!(session_rows(&h).await.len(), 1, "the old session is gone");
    let mut stale = h.browser(&bff);
    stale.set_session_cookie(&first);
    assert_eq!(stale.api(Method::GET, "/bff/user").send().await.unwrap().status(), 401);
}

async fn return_to_cannot_leave_the_origin(h: Harness) {
    let bff = h.start_bff().await;
    for attempt in ["//evil.example/x", "/\\evil.example", "https://evil.example/", "/%2F%2Fevil.example"] {
        let mut browser = h.browser(&bff);
        assert_eq!(browser.sign_in(attempt).await, format!("{PUBLIC_URL}/"), "{attempt}");
    }
}

async fn signed_out_calls_get_401_json_never_a_redirect(h: Harness) {
    let bff = h.start_bff().await;
    let browser = h.browser(&bff);
    for (method, path) in [
        (Method::GET, "/bff/user"),
        (Method::GET, "/api/x"),
        (Method::POST, "/api/x"),
        (Method::POST, "/bff/logout"),
    ] {
        let response = browser.api(method, path).send().await.unwrap();
        assert_eq!(response.status(), 401, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "login_required");
    }
    let mut forged = h.browser(&bff);
    forged.set_session_cookie("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(forged.api(Method::GET, "/bff/user").send().await.unwrap().status(), 401);
}

async fn idle_and_absolute_limits_end_sessions(h: Harness) {
    let mut config = h.config();
    config.session_idle = std::time::Duration::from_secs(600);
    config.session_absolute = std::time::Duration::from_secs(1500);
    let bff = h.start_bff_with(config).await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    h.clock.advance(601);
    assert_eq!(browser.api(Method::GET, "/bff/user").send().await.unwrap().status(), 401, "idle");

    browser.sign_in("/").await;
    for _ in 0..2 {
        h.clock.advance(500);
        assert_eq!(browser.api(Method::GET, "/bff/user").send().await.unwrap().status(), 200, "in use");
    }
    h.clock.advance(501);
    assert_eq!(browser.api(Method::GET, "/bff/user").send().await.unwrap().status(), 401, "absolute");
    assert!(session_rows(&h).await.is_empty());
}

async fn logout_ends_the_session_and_revokes_it_at_latchkey(h: Harness) {
    let bff = h.start_bff().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    let live = |h: &Harness| {
        let store = h.latchkey.store.clone();
        let (user, now) = (h.alice.id.clone(), h.clock.now());
        async move { store.list_live_sessions(Some(&user), now).await.unwrap().len() }
    };
    assert_eq!(live(&h).await, 1);
    let response = browser.api(Method::POST, "/bff/logout").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cleared =
        cookie::Cookie::parse(response.headers()["set-cookie"].to_str().unwrap().to_owned()).unwrap();
    assert_eq!((cleared.name(), cleared.value()), ("__Host-latchkey-bff", ""));
    let body: serde_json::Value = response.json().await.unwrap();
    let url = reqwest::Url::parse(body["logout_url"].as_str().unwrap()).unwrap();
    assert!(url.as_str().starts_with(&format!("{}/logout", h.latchkey.issuer)), "{url}");
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], h.client_id);
    assert_eq!(query["post_logout_redirect_uri"], format!("{PUBLIC_URL}/"));
    assert!(!query.contains_key("id_token_hint"), "no token reaches the page");
    assert_eq!(live(&h).await, 0, "the refresh token was revoked at Latchkey");
    assert_eq!(browser.api(Method::GET, "/bff/user").send().await.unwrap().status(), 401);
}
