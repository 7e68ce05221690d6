//! Who must sign in again at `/authorize` (`prompt`, `max_age`) and the hosted login form's
//! defences: the CSRF token, the `Origin` check and throttled failures.

use crate::authorize::{assert_page_headers, error_of};
use crate::flow::{authorize_as_alice, hidden, location, query_of, sign_in, Browser, Rp};
use crate::testkit::{TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(
    prompt_none_without_session_is_login_required,
    prompt_login_and_max_age_ask_again_and_rotate_the_session,
    forms_need_csrf_token_and_same_origin,
    failed_logins_slow_down_with_the_same_message,
);

async fn prompt_none_without_session_is_login_required(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid profile").await;
    let mut browser = Browser::new(&server);
    let params = error_of(&mut browser, &rp.authorize_url(&[("prompt", "none"), ("state", "q")])).await;
    assert_eq!(params["error"], "login_required");
    assert_eq!(params["state"], "q");

    authorize_as_alice(&mut browser, &rp, &[("scope", "openid")]).await;
    let params =
        error_of(&mut browser, &rp.authorize_url(&[("prompt", "none"), ("scope", "openid profile")])).await;
    assert_eq!(params["error"], "consent_required");
    let response = browser.get(&rp.authorize_url(&[("prompt", "none"), ("scope", "openid")])).await;
    assert!(query_of(&location(&response)).contains_key("code"), "silent authentication works");
}

async fn prompt_login_and_max_age_ask_again_and_rotate_the_session(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    authorize_as_alice(&mut browser, &rp, &[]).await;
    let first_cookie = browser.cookies["latchkey_session"].clone();

    let response = browser.get(&rp.authorize_url(&[("prompt", "select_account")])).await;
    assert_eq!(response.status(), 200, "prompt=select_account shows the login page");
    assert!(response.text().await.unwrap().contains("action=\"/login\""));
    let response = browser.get(&rp.authorize_url(&[("prompt", "login")])).await;
    assert_eq!(response.status(), 200, "prompt=login shows the login page");
    let login = response.text().await.unwrap();
    let response = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    assert_ne!(browser.cookies["latchkey_session"], first_cookie, "the session id changes at login");
    let response = browser.get(&location(&response)).await;
    assert_eq!(response.status(), 303, "after a fresh login prompt=login is satisfied");

    // The old cookie no longer signs anyone in.
    let mut old = Browser::new(&server);
    old.cookies.insert("latchkey_session".into(), first_cookie);
    assert_eq!(old.get(&rp.authorize_url(&[])).await.status(), 200, "login page again");

    server.clock.advance(120);
    let response = browser.get(&rp.authorize_url(&[("max_age", "60")])).await;
    assert_eq!(response.status(), 200, "authenticated too long ago");
    let response = browser.get(&rp.authorize_url(&[("max_age", "600")])).await;
    assert_eq!(response.status(), 303);
    let response = browser.get(&rp.authorize_url(&[("login_hint", "alice")])).await;
    assert_eq!(response.status(), 303);
    let mut fresh = Browser::new(&server);
    let page = fresh.get(&rp.authorize_url(&[("login_hint", "bob<>")])).await.text().await.unwrap();
    assert!(page.contains("value=\"bob&lt;&gt;\""), "login_hint prefills the username, escaped");
}

async fn forms_need_csrf_token_and_same_origin(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let login = browser.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    let interaction = hidden(&login, "interaction");
    let csrf = hidden(&login, "csrf");
    let creds = [("interaction", interaction.as_str()), ("username", "alice"), ("password", PASSWORD)];

    let missing = browser.post("/login", &creds, None).await;
    assert_eq!(missing.status(), 403);
    assert_page_headers(&missing);
    let mut with_token = creds.to_vec();
    with_token.push(("csrf", &csrf));
    assert_eq!(browser.post("/login", &with_token, Some("https://evil.example")).await.status(), 403);
    assert_eq!(browser.post("/login", &with_token, Some("null")).await.status(), 403);
    let cross_site = [("sec-fetch-site", "cross-site")];
    assert_eq!(browser.post_with("/login", &with_token, Some(""), &cross_site).await.status(), 403);
    let same_site = [("sec-fetch-site", "same-site")];
    assert_eq!(browser.post_with("/login", &with_token, Some("null"), &same_site).await.status(), 403);
    let mut wrong = creds.to_vec();
    wrong.push(("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    assert_eq!(browser.post("/login", &wrong, None).await.status(), 403);
    // Without the CSRF cookie (another browser replaying the form) the token is worthless.
    let mut other = Browser::new(&server);
    assert_eq!(other.post("/login", &with_token, None).await.status(), 403);
    // A tampered interaction is refused.
    let mut tampered = with_token.clone();
    let forged = format!("x{interaction}");
    tampered[0] = ("interaction", &forged);
    assert_eq!(browser.post("/login", &tampered, None).await.status(), 400);

    // What a browser sends from our own page (Referrer-Policy: no-referrer makes Origin null).
    let same_origin = [("sec-fetch-site", "same-origin")];
    let response = browser.post_with("/login", &with_token, Some("null"), &same_origin).await;
    assert_eq!(response.status(), 303);
    let consent = browser.get(&location(&response)).await.text().await.unwrap();
    let interaction = hidden(&consent, "interaction");
    let form = [("interaction", interaction.as_str()), ("decision", "allow")];
    assert_eq!(browser.post("/consent", &form, None).await.status(), 403);
    let csrf = hidden(&consent, "csrf");
    let form = [("interaction", interaction.as_str()), ("decision", "allow"), ("csrf", &csrf)];
    assert_eq!(browser.post("/consent", &form, Some("https://evil.example")).await.status(), 403);
    assert_eq!(browser.post("/consent", &form, None).await.status(), 303);
}

async fn failed_logins_slow_down_with_the_same_message(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let login = browser.get(&rp.authorize_url(&[])).await.text().await.unwrap();

    let mut messages = Vec::new();
    for _ in 0..5 {
        let response = sign_in(&mut browser, &login, "alice", "wrong password").await;
        assert_eq!(response.status(), 401);
        messages.push(message(&response.text().await.unwrap()));
    }
    let unknown = sign_in(&mut browser, &login, "nobody", "wrong password").await;
    messages.push(message(&unknown.text().await.unwrap()));
    // The account must now wait: even the right password fails, with the same message.
    let blocked = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    assert_eq!(blocked.status(), 401);
    messages.push(message(&blocked.text().await.unwrap()));
    assert!(messages.windows(2).all(|w| w[0] == w[1]), "{messages:?}");

    server.clock.advance(2);
    assert_eq!(sign_in(&mut browser, &login, "alice", PASSWORD).await.status(), 303, "after the wait");

    // Per IP: many accounts from one address.
    for i in 0..25 {
        let user = format!("user{i}");
        sign_in(&mut browser, &login, &user, "wrong password").await;
    }
    // An IP that must wait is told so (issue 9: 429 with Retry-After, for per-IP limits only).
    let blocked = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    assert_eq!(blocked.status(), 429, "this IP must wait");
    assert!(blocked.headers().contains_key("retry-after"));
    server.clock.advance(3_600);
    // (The old form has expired meanwhile: a new page.)
    let login = browser.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    assert_eq!(sign_in(&mut browser, &login, "alice", PASSWORD).await.status(), 303);
}

/// The alert text of a login page.
fn message(html: &str) -> String {
    let start = html.find("role=\"alert\">").unwrap() + "role=\"alert\">".len();
    html[start..start + html[start..].find('<').unwrap()].to_owned()
}
