//! OpenID Connect: ID tokens, UserInfo, RP-initiated logout, client registration rules.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::Scope;
use latchkey_crypto::digest::sha256;
use latchkey_crypto::verify_jwt;
use latchkey_server::admin::{self, NewClient};
use latchkey_server::tokens::id_token::IdTokenClaims;
use serde_json::Value;

use crate::flow::{location, query_of, tokens_for_alice, Browser, Rp, LOGOUT_URI};
use crate::testkit::{assert_oauth_error, TestServer, START};
use latchkey_store::on_both_backends;

on_both_backends!(
    id_token_has_the_required_claims,
    userinfo_maps_scopes_to_claims,
    logout_ends_the_browser_session_and_its_refresh_sessions,
    logout_refuses_unregistered_return_addresses,
    logout_without_hint_asks_first,
    leaked_id_token_ends_no_one_elses_session,
    redirect_uris_are_checked_at_registration,
);

async fn id_token_has_the_required_claims(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid profile").await;
    let mut browser = Browser::new(&server);
    let body =
        tokens_for_alice(&server, &mut browser, &rp, &[("nonce", "n-0S6_WzA2Mj"), ("scope", "openid")]).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "openid");
    let access_token = body["access_token"].as_str().unwrap();
    let id_token = body["id_token"].as_str().unwrap();

    let verified = verify_jwt::<IdTokenClaims>(id_token, &server.jwks().await).unwrap();
    assert_eq!(verified.header.alg, "RS256");
    let claims = verified.claims;
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    assert_eq!(claims.iss, server.issuer);
    assert_eq!(claims.sub, alice.id);
    assert_eq!(claims.aud, rp.client_id);
    assert_eq!(claims.azp, rp.client_id);
    assert_eq!(claims.iat, START);
    assert!(claims.exp > claims.iat);
    assert_eq!(claims.auth_time, START);
    assert_eq!(claims.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    let expected_at_hash = URL_SAFE_NO_PAD.encode(&sha256(access_token.as_bytes())[..16]);
    assert_eq!(claims.at_hash.as_deref(), Some(expected_at_hash.as_str()));
    let sid = claims.sid.unwrap();
    assert!(server.store.browser_session(&sid).await.unwrap().is_some(), "sid names the browser session");

    // No openid, no ID token.
    let body = tokens_for_alice(&server, &mut browser, &rp, &[("scope", "profile")]).await;
    assert!(body.get("id_token").is_none(), "{body}");
}

async fn userinfo(server: &TestServer, token: &str, post: bool) -> reqwest::Response {
    let request = if post {
        server.http.post(server.url("/userinfo"))
    } else {
        server.http.get(server.url("/userinfo"))
    };
    request.bearer_auth(token).send().await.unwrap()
}

async fn userinfo_maps_scopes_to_claims(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid profile email bank:read").await;
    let mut browser = Browser::new(&server);
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();

    let body = tokens_for_alice(&server, &mut browser, &rp, &[("scope", "openid profile email")]).await;
    let token = body["access_token"].as_str().unwrap();
    for post in [false, true] {
        let response = userinfo(&server, token, post).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let claims: Value = response.json().await.unwrap();
        assert_eq!(claims["sub"], alice.id);
        assert_eq!(claims["preferred_username"], "alice");
        assert_eq!(claims["email"], "alice@example.com");
        assert_eq!(claims["email_verified"], false);
    }

    let body = tokens_for_alice(&server, &mut browser, &rp, &[("scope", "openid")]).await;
    let claims: Value =
        userinfo(&server, body["access_token"].as_str().unwrap(), false).await.json().await.unwrap();
    assert_eq!(claims, serde_json::json!({ "sub": alice.id }));

    let body = tokens_for_alice(&server, &mut browser, &rp, &[("scope", "bank:read")]).await;
    let response = userinfo(&server, body["access_token"].as_str().unwrap(), false).await;
    assert_oauth_error_403(response).await;

    let response = server.http.get(server.url("/userinfo")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    assert_eq!(userinfo(&server, "not-a-token", false).await.status(), 401);
}

async fn assert_oauth_error_403(response: reqwest::Response) {
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "insufficient_scope");
}

fn logout_url(id_token: &str, extra: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    serializer.append_pair("id_token_hint", id_token);
    for (name, value) in extra {
        serializer.append_pair(name, value);
    }
    format!("/logout?{}", serializer.finish())
}

async fn logout_ends_the_browser_session_and_its_refresh_sessions(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let body = tokens_for_alice(&server, &mut browser, &rp, &[]).await;
    let id_token = body["id_token"].as_str().unwrap();
    let refresh_token = body["refresh_token"].as_str().unwrap();
    let access_token = body["access_token"].as_str().unwrap();

    // A password-grant session of the same user is not from this browser: it stays.
    let password_client = server.with_app_and_alice_client().await;
    let other = server.login_alice(&password_client).await;

    let response = browser
        .get(&logout_url(id_token, &[("post_logout_redirect_uri", LOGOUT_URI), ("state", "bye & see")]))
        .await;
    assert_eq!(response.status(), 303);
    let target = location(&response);
    assert!(target.starts_with(&format!("{LOGOUT_URI}?")), "{target}");
    assert_eq!(query_of(&target)["state"], "bye & see");
    assert!(!browser.cookies.contains_key("latchkey_session"), "cookie cleared");

    assert_oauth_error(server.refresh(&rp.client_id, refresh_token).await, 400, "invalid_grant").await;
    let status =
        server.http.get(server.url("/userinfo")).bearer_auth(access_token).send().await.unwrap().status();
    assert_eq!(status, 401);
    assert_eq!(
        server.refresh(&password_client, other["refresh_token"].as_str().unwrap()).await.status(),
        200
    );

    // Signed out: the next authorization asks for the password again.
    let response = browser.get(&rp.authorize_url(&[])).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("action=\"/login\""));

    // Without a browser session the hint names no session here: the user confirms, and
    // then, without a post-logout URI, sees the signed-out page.
    let response = browser.get(&logout_url(id_token, &[])).await;
    assert_eq!(response.status(), 200);
    let csrf = crate::flow::hidden(&response.text().await.unwrap(), "csrf");
    let response = browser.post("/logout", &[("confirm", "yes"), ("csrf", &csrf)], None).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["x-frame-options"] == "DENY");
    assert!(response.text().await.unwrap().contains("signed out"));
}

async fn logout_refuses_unregistered_return_addresses(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let body = tokens_for_alice(&server, &mut browser, &rp, &[]).await;
    let id_token = body["id_token"].as_str().unwrap();
    for url in [
        logout_url(id_token, &[("post_logout_redirect_uri", "https://evil.example/")]),
        format!("/logout?post_logout_redirect_uri={LOGOUT_URI}"),
        logout_url("eyJhbGciOiJub25lIn0.e30.", &[("post_logout_redirect_uri", LOGOUT_URI)]),
        logout_url(id_token, &[("post_logout_redirect_uri", LOGOUT_URI), ("client_id", "someone-else")]),
    ] {
        let response = browser.get(&url).await;
        assert_eq!(response.status(), 400, "{url}");
        assert!(response.headers().get("location").is_none());
    }
    assert!(browser.cookies.contains_key("latchkey_session"), "still signed in");
}

async fn logout_without_hint_asks_first(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let body = tokens_for_alice(&server, &mut browser, &rp, &[]).await;
    let refresh_token = body["refresh_token"].as_str().unwrap();

    let url = format!("/logout?client_id={}&post_logout_redirect_uri={LOGOUT_URI}&state=s", rp.client_id);
    let response = browser.get(&url).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("action=\"/logout\""));
    let csrf = crate::flow::hidden(&page, "csrf");
    let form = [
        ("client_id", rp.client_id.as_str()),
        ("post_logout_redirect_uri", LOGOUT_URI),
        ("state", "s"),
        ("confirm", "yes"),
    ];
    assert_eq!(browser.post("/logout", &form, None).await.status(), 403, "no CSRF token");
    let mut with_csrf = form.to_vec();
    with_csrf.push(("csrf", &csrf));
    assert_eq!(browser.post("/logout", &with_csrf, Some("https://evil.example")).await.status(), 403);
    let response = browser.post("/logout", &with_csrf, None).await;
    assert_eq!(response.status(), 303);
    assert_eq!(query_of(&location(&response))["state"], "s");
    assert_oauth_error(server.refresh(&rp.client_id, refresh_token).await, 400, "invalid_grant").await;
}

/// Whether `browser` is still signed in at the hosted pages.
async fn signed_in(browser: &mut Browser, rp: &Rp) -> bool {
    let response = browser.get(&rp.authorize_url(&[])).await;
    response.status() == 303 || !response.text().await.unwrap().contains("action=\"/login\"")
}

/// An attacker holding alice's ID token (leaked through a log or a referrer; valid or long
/// expired) can neither end her browser session nor her refresh sessions: without her cookie
/// the logout only asks, and confirming ends the attacker's own session at most.
async fn leaked_id_token_ends_no_one_elses_session(server: TestServer) {
    server.add_user("alice", &[]).await;
    server.add_user("mallory", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut alice = Browser::new(&server);
    let body = tokens_for_alice(&server, &mut alice, &rp, &[]).await;
    let leaked = body["id_token"].as_str().unwrap().to_owned();
    let refresh_token = body["refresh_token"].as_str().unwrap().to_owned();

    let mut mallory = Browser::new(&server);
    let login_page = mallory.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    crate::flow::sign_in(&mut mallory, &login_page, "mallory", crate::testkit::PASSWORD).await;
    let mut stranger = Browser::new(&server);

    for expired in [false, true] {
        if expired {
            server.clock.advance(2 * 3600);
            let hint = verify_jwt::<IdTokenClaims>(&leaked, &server.jwks().await).unwrap().claims;
            assert!(hint.exp < START + 2 * 3600, "the leaked hint has expired");
        }
        for attacker in [&mut stranger, &mut mallory] {
            let url = logout_url(&leaked, &[("post_logout_redirect_uri", LOGOUT_URI), ("state", "s")]);
            let response = attacker.get(&url).await;
            assert_eq!(response.status(), 200, "asks instead of ending a session");
            assert!(response.headers().get("location").is_none());
            let csrf = crate::flow::hidden(&response.text().await.unwrap(), "csrf");
            let form = [
                ("client_id", rp.client_id.as_str()),
                ("post_logout_redirect_uri", LOGOUT_URI),
                ("state", "s"),
                ("confirm", "yes"),
                ("csrf", &csrf),
            ];
            assert_eq!(attacker.post("/logout", &form, None).await.status(), 303);
        }
        assert!(signed_in(&mut alice, &rp).await, "alice's browser session stands");
        assert!(alice.cookies.contains_key("latchkey_session"));
        assert!(!mallory.cookies.contains_key("latchkey_session"), "mallory ended her own session");
    }
    let refreshed = server.refresh(&rp.client_id, &refresh_token).await;
    assert_eq!(refreshed.status(), 200, "alice's refresh session stands");
}

async fn redirect_uris_are_checked_at_registration(server: TestServer) {
    let secrets = latchkey_server::client_secrets(&server.latchkey.master);
    let spec = |uris: &[&str], grants: &[GrantType]| NewClient {
        redirect_uris: uris.iter().map(|u| u.to_string()).collect(),
        ..NewClient::new("app", ClientKind::Public, grants, Scope::parse("openid").unwrap())
    };
    let code = [GrantType::AuthorizationCode];
    for bad in
        ["http://app.example/cb", "https://app.example/cb#x", "app.example/cb", "http://localhost.evil/cb"]
    {
        let err =
            admin::add_client(server.store.as_ref(), &secrets, spec(&[bad], &code), START).await.unwrap_err();
        assert!(err.to_string().contains("redirect URI"), "{bad}: {err}");
    }
    let err = admin::add_client(server.store.as_ref(), &secrets, spec(&[], &code), START).await.unwrap_err();
    assert!(err.to_string().contains("redirect URI"), "{err}");
    for good in ["https://app.example/cb", "http://127.0.0.1/cb", "http://[::1]:8080/cb"] {
        admin::add_client(server.store.as_ref(), &secrets, spec(&[good], &code), START).await.unwrap();
    }
}
