//! The forgotten password over HTTP, with a real SMTP server (docs/architecture.md, "Account
//! recovery"): the link arrives by e-mail, works once, and the new password ends every
//! session; used, expired, superseded and pre-password-change links are refused; the request
//! answers the same for unknown addresses.

use std::time::Duration;

use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::grant::GrantType;
use latchkey_core::token_request::Secret;
use latchkey_crypto::PasswordHasher;
use latchkey_server::admin;
use latchkey_server::password_pool::PasswordPool;
use latchkey_store::testing::TestDatabase;
use reqwest::Response;

use crate::flow::{hidden, Browser};
use crate::revocation::introspect;
use crate::smtp_sink::{ReceivedMail, SmtpSink};
use crate::testkit::{assert_oauth_error, test_config, TestServer, PASSWORD};

latchkey_store::on_both_backends!(
    forgotten_password_link_ends_every_session,
    a_link_works_once_and_not_after_a_newer_link,
    a_link_expires_after_an_hour_and_dies_with_a_password_change,
    a_weak_new_password_is_refused_with_the_reason,
    the_answer_does_not_tell_whether_the_address_has_an_account,
);

const NEW_PASSWORD: &str = "tangerine voyage at dawn";

pub struct Mailed {
    pub server: TestServer,
    pub sink: SmtpSink,
}

/// A server that sends its e-mail to a fresh SMTP sink, with a user `alice`
/// (alice@example.com) and a public app with the password and refresh grants.
pub async fn mailed(db: TestDatabase) -> (Mailed, String) {
    let sink = SmtpSink::start().await;
    let config = latchkey_server::Config { smtp_url: Some(sink.url()), ..test_config() };
    let server = TestServer::start_on(db, None, config).await;
    let app = server.with_app_and_alice().await;
    (Mailed { server, sink }, app)
}

/// Asks for a link for `email` as a browser would; returns the answer.
pub async fn request_link(server: &TestServer, email: &str) -> Response {
    let mut browser = Browser::new(server);
    let page = browser.get("/forgot-password").await.text().await.unwrap();
    browser.post("/forgot-password", &[("csrf", &hidden(&page, "csrf")), ("email", email)], None).await
}

/// The link of a forgotten-password e-mail.
fn reset_link(mail: &ReceivedMail, server: &TestServer) -> String {
    assert_eq!(mail.subject, "Latchkey: Reset your password");
    mail.link(&server.url("/reset-password?token="))
}

/// Opens an e-mailed link and submits its form (its `csrf` and `token`, and `extra`) to
/// `action`; returns the answer (the link's page when it is not a form).
pub async fn submit_link_form(
    server: &TestServer,
    link: &str,
    action: &str,
    extra: &[(&str, &str)],
) -> Response {
    let mut browser = Browser::new(server);
    let form = browser.get(link).await;
    if form.status() != 200 {
        return form;
    }
    let page = form.text().await.unwrap();
    let (csrf, token) = (hidden(&page, "csrf"), hidden(&page, "token"));
    let mut fields = vec![("csrf", csrf.as_str()), ("token", token.as_str())];
    fields.extend_from_slice(extra);
    browser.post(action, &fields, None).await
}

/// Opens the link and submits `password`; returns the answer.
async fn reset_with(server: &TestServer, link: &str, password: &str) -> Response {
    submit_link_form(server, link, "/reset-password", &[("password", password)]).await
}

async fn forgotten_password_link_ends_every_session(db: TestDatabase) {
    let (Mailed { server, mut sink }, app) = mailed(db).await;
    let (rs_id, rs_secret) =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "").await;
    let resource_server = (rs_id, rs_secret.unwrap());
    let first = server.login_alice(&app).await;
    let second = server.login_alice(&app).await;

    assert_eq!(request_link(&server, "Alice@Example.com").await.status(), 200);
    let mail = sink.next_mail().await;
    assert_eq!(mail.to, ["alice@example.com"]);
    let link = reset_link(&mail, &server);
    assert!(link.len() > server.url("/reset-password?token=").len() + 42, "≥ 256 bits: {link}");

    let done = reset_with(&server, &link, NEW_PASSWORD).await;
    assert_eq!(done.status(), 200);
    let set_cookies: Vec<_> = done.headers().get_all("set-cookie").iter().cloned().collect();
    assert!(!set_cookies.is_empty(), "the browser session cookie is cleared");
    let page = done.text().await.unwrap();
    assert!(page.contains("every session of your account was signed out (2 in applications)"), "{page}");

    for login in [&first, &second] {
        let refresh = server.refresh(&app, login["refresh_token"].as_str().unwrap()).await;
        assert_oauth_error(refresh, 400, "invalid_grant").await;
        let access = introspect(&server, &resource_server, login["access_token"].as_str().unwrap()).await;
        assert_eq!(access, serde_json::json!({"active": false}));
    }
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 400);
    assert_eq!(server.password_login(&app, "alice", NEW_PASSWORD).await.status(), 200);
    let events = server.store.audit_events(None, 20).await.unwrap();
    assert!(events.iter().any(|e| e.kind == "password_reset"), "{events:?}");
}

async fn a_link_works_once_and_not_after_a_newer_link(db: TestDatabase) {
    let (Mailed { server, mut sink }, _app) = mailed(db).await;
    request_link(&server, "alice@example.com").await;
    let older = reset_link(&sink.next_mail().await, &server);
    request_link(&server, "alice@example.com").await;
    let newer = reset_link(&sink.next_mail().await, &server);

    let superseded = reset_with(&server, &older, NEW_PASSWORD).await;
    assert_eq!(superseded.status(), 400);
    assert!(superseded.text().await.unwrap().contains("This link is no longer valid"));
    assert_eq!(reset_with(&server, &newer, NEW_PASSWORD).await.status(), 200);
    assert_eq!(reset_with(&server, &newer, "another fine passphrase").await.status(), 400, "reused");

    // Submitted twice at once with one form: one wins.
    request_link(&server, "alice@example.com").await;
    let link = reset_link(&sink.next_mail().await, &server);
    let mut browser = Browser::new(&server);
    let page = browser.get(&link).await.text().await.unwrap();
    let (csrf, token) = (hidden(&page, "csrf"), hidden(&page, "token"));
    let form = [("csrf", csrf.as_str()), ("token", token.as_str()), ("password", "racing passphrase one")];
    let cookie = browser.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ");
    let submit = || {
        let request = browser.http.post(server.url("/reset-password")).form(&form);
        request.header("origin", &server.base).header("cookie", &cookie).send()
    };
    let (a, b) = tokio::join!(submit(), submit());
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400]);
}

async fn a_link_expires_after_an_hour_and_dies_with_a_password_change(db: TestDatabase) {
    let (Mailed { server, mut sink }, _app) = mailed(db).await;
    request_link(&server, "alice@example.com").await;
    let link = reset_link(&sink.next_mail().await, &server);
    server.clock.advance(3_600);
    assert_eq!(reset_with(&server, &link, NEW_PASSWORD).await.status(), 400, "expired");

    request_link(&server, "alice@example.com").await;
    let link = reset_link(&sink.next_mail().await, &server);
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    let passwords = PasswordPool::new(PasswordHasher::new(server.latchkey.config.argon2_params()).unwrap());
    let changed = Secret::new("changed by the admin meanwhile");
    admin::set_password(server.store.as_ref(), &passwords, &alice, &changed, server.clock.now())
        .await
        .unwrap();
    assert_eq!(
        reset_with(&server, &link, NEW_PASSWORD).await.status(),
        400,
        "issued before a password change"
    );
}

async fn a_weak_new_password_is_refused_with_the_reason(db: TestDatabase) {
    let (Mailed { server, mut sink }, app) = mailed(db).await;
    request_link(&server, "alice@example.com").await;
    let link = reset_link(&sink.next_mail().await, &server);
    for (weak, reason) in [
        ("Password1!", "one of the most commonly used passwords"),
        ("short", "at least 8 characters"),
        ("alice-and-her-cat", "must not contain your username"),
        ("0987654321", "too easy to guess"),
    ] {
        let refused = reset_with(&server, &link, weak).await;
        assert_eq!(refused.status(), 400, "{weak}");
        let page = refused.text().await.unwrap();
        assert!(page.contains(reason), "{weak}: {page}");
    }
    assert_eq!(server.password_login(&app, "alice", PASSWORD).await.status(), 200, "unchanged");
    assert_eq!(reset_with(&server, &link, NEW_PASSWORD).await.status(), 200, "the link still works");
}

async fn the_answer_does_not_tell_whether_the_address_has_an_account(db: TestDatabase) {
    let (Mailed { server, mut sink }, _app) = mailed(db).await;
    let known = request_link(&server, "alice@example.com").await;
    let unknown = request_link(&server, "nobody@example.com").await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(known.bytes().await.unwrap(), unknown.bytes().await.unwrap());
    assert_eq!(sink.next_mail().await.to, ["alice@example.com"]);
    assert!(sink.mail_within(Duration::from_secs(2)).await.is_none(), "no e-mail for an unknown address");

    // Throttled per address: past the free requests, no e-mail (and the same answer).
    for _ in 0..3 {
        let again = request_link(&server, "alice@example.com").await;
        assert_eq!(again.status(), 200);
    }
    let mut received = 0;
    while sink.mail_within(Duration::from_secs(2)).await.is_some() {
        received += 1;
    }
    assert_eq!(received, 2, "3 free requests per address, then it waits");
}

latchkey_store::on_both_backends!(sign_up_is_off_by_default);

async fn sign_up_is_off_by_default(server: TestServer) {
    assert_eq!(server.http.get(server.url("/signup")).send().await.unwrap().status(), 404);
    let mut browser = Browser::new(&server);
    let form = [("email", "mallory@example.com"), ("password", "lanterns over the harbour")];
    assert_eq!(browser.post("/signup", &form, None).await.status(), 404);
    assert!(server.store.user_by_username("mallory@example.com").await.unwrap().is_none());
}
