//! Passkeys over HTTP (docs/architecture.md, "Passkeys"), with a software authenticator and
//! no browser, on both backends: registered from the account page, a passwordless sign-in
//! that ends in tokens whose `amr` says so; each ceremony is single use (a replayed answer is
//! refused), expires, and is refused when made for another origin, when it claims another
//! user, when its counter went back (audited), or for a disabled user; adding or removing a
//! passkey needs a recent sign-in.

use latchkey_core::clock::Clock;
use latchkey_store::testing::TestDatabase;
use latchkey_store::AuditFilter;
use reqwest::Response;
use serde_json::Value;

use crate::flow::{authorize_as_alice, hidden, location, query_of, Browser, Rp, REDIRECT_URI};
use crate::localhost::server_at_localhost;
use crate::soft_authenticator::SoftAuthenticator;
use crate::testkit::TestServer;

latchkey_store::on_both_backends!(
    a_passkey_from_the_account_page_signs_in_once_per_ceremony,
    assertions_for_another_origin_user_or_an_old_counter_are_refused,
    adding_or_removing_a_passkey_needs_a_recent_sign_in,
);

const REFUSED: &str = "That passkey could not sign you in.";

/// alice signed in with her password in a browser, and a client for her.
async fn alice_signed_in(server: &TestServer) -> (Browser, Rp) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(server, "openid").await;
    let mut browser = Browser::new(server);
    authorize_as_alice(&mut browser, &rp, &[]).await;
    (browser, rp)
}

async fn options(browser: &mut Browser, path: &str, csrf: &str) -> Value {
    let response = browser.post(path, &[("csrf", csrf)], None).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Registers `authenticator` as alice's passkey `name` from the account page.
pub async fn register(browser: &mut Browser, authenticator: &mut SoftAuthenticator, name: &str) -> Response {
    let csrf = hidden(&browser.get("/account").await.text().await.unwrap(), "csrf");
    let options = options(browser, "/account/passkeys/options", &csrf).await;
    let credential = authenticator.register(&options);
    let ceremony = options["ceremony"].as_str().unwrap();
    let form = [("csrf", csrf.as_str()), ("ceremony", ceremony), ("credential", &credential), ("name", name)];
    browser.post("/account/passkeys/add", &form, None).await
}

/// A login page of `rp` in a fresh browser, and the sign-in ceremony's options.
async fn login_page(server: &TestServer, rp: &Rp) -> (Browser, String, Value) {
    let mut browser = Browser::new(server);
    let page = browser.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    assert!(page.contains("Sign in with a passkey"), "{page}");
    let options = options(&mut browser, "/login/passkey/options", &hidden(&page, "csrf")).await;
    (browser, page, options)
}

async fn send_assertion(browser: &mut Browser, page: &str, options: &Value, credential: &str) -> Response {
    let (interaction, csrf) = (hidden(page, "interaction"), hidden(page, "csrf"));
    let ceremony = options["ceremony"].as_str().unwrap();
    let form = [
        ("interaction", interaction.as_str()),
        ("csrf", &csrf),
        ("ceremony", ceremony),
        ("credential", credential),
    ];
    browser.post("/login/passkey", &form, None).await
}

async fn assert_refused(response: Response) {
    assert_eq!(response.status(), 401);
    assert!(response.text().await.unwrap().contains(REFUSED));
}

async fn a_passkey_from_the_account_page_signs_in_once_per_ceremony(db: TestDatabase) {
    let server = server_at_localhost(db).await;
    let (mut browser, rp) = alice_signed_in(&server).await;
    let mut authenticator = SoftAuthenticator::new(&server.issuer);
    let added = register(&mut browser, &mut authenticator, "laptop").await;
    assert_eq!(added.status(), 200);
    let page = added.text().await.unwrap();
    assert!(
        page.contains("The passkey \u{201c}laptop\u{201d} was added.") && page.contains("never used"),
        "{page}"
    );
    let again = register(&mut browser, &mut authenticator, "again").await;
    assert!(again.text().await.unwrap().contains("This passkey is registered already."));

    let (mut stranger, page, options) = login_page(&server, &rp).await;
    let credential = authenticator.assert(&options);
    let signed_in = send_assertion(&mut stranger, &page, &options, &credential).await;
    assert_eq!(signed_in.status(), 303);
    // alice allowed this client in the first browser: straight back to it.
    let redirect = location(&stranger.get(&location(&signed_in)).await);
    assert!(redirect.starts_with(REDIRECT_URI), "{redirect}");
    let tokens: Value = rp.exchange(&server, &query_of(&redirect)["code"]).await.json().await.unwrap();
    let claims = crate::federation::payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["amr"], serde_json::json!(["hwk", "mfa"]));
    assert!(stranger.get("/account").await.text().await.unwrap().contains("last used"));

    // The same answer again: its ceremony was taken.
    assert_refused(send_assertion(&mut stranger, &page, &options, &credential).await).await;
    // A ceremony left for longer than five minutes.
    let (mut late, page, options) = login_page(&server, &rp).await;
    server.clock.advance(301);
    assert_refused(send_assertion(&mut late, &page, &options, &authenticator.assert(&options)).await).await;
}

async fn assertions_for_another_origin_user_or_an_old_counter_are_refused(db: TestDatabase) {
    let server = server_at_localhost(db).await;
    let (mut browser, rp) = alice_signed_in(&server).await;
    let mut authenticator = SoftAuthenticator::new(&server.issuer);
    assert_eq!(register(&mut browser, &mut authenticator, "laptop").await.status(), 200);

    // A phishing site's origin, with its relying party or with ours.
    let port = server.issuer.rsplit(':').next().unwrap().to_owned();
    let phishing = format!("http://phishing.localhost:{port}");
    let (genuine_origin, genuine_rp) = (authenticator.origin.clone(), authenticator.rp_id.clone());
    for rp_id in ["phishing.localhost", genuine_rp.as_str()] {
        (authenticator.origin, authenticator.rp_id) = (phishing.clone(), rp_id.to_owned());
        let (mut victim, page, options) = login_page(&server, &rp).await;
        assert_refused(send_assertion(&mut victim, &page, &options, &authenticator.assert(&options)).await)
            .await;
    }
    (authenticator.origin, authenticator.rp_id) = (genuine_origin, genuine_rp);

    // alice's credential claiming another user.
    let handle = std::mem::replace(&mut authenticator.user_handle, vec![7; 16]);
    let (mut other, page, options) = login_page(&server, &rp).await;
    assert_refused(send_assertion(&mut other, &page, &options, &authenticator.assert(&options)).await).await;
    authenticator.user_handle = handle;

    // A counter that went back: a cloned authenticator. Refused and audited.
    let (mut first, page, options) = login_page(&server, &rp).await;
    assert_eq!(
        send_assertion(&mut first, &page, &options, &authenticator.assert(&options)).await.status(),
        303
    );
    authenticator.counter -= 1;
    let (mut clone, page, options) = login_page(&server, &rp).await;
    assert_refused(send_assertion(&mut clone, &page, &options, &authenticator.assert(&options)).await).await;
    let filter = AuditFilter { kind: Some("passkey_counter_regression".into()), ..AuditFilter::default() };
    assert_eq!(server.store.find_audit_events(&filter, 10).await.unwrap().len(), 1);

    // A disabled user.
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    server.store.set_user_disabled(&alice.id, true, server.clock.now()).await.unwrap();
    let (mut disabled, page, options) = login_page(&server, &rp).await;
    assert_refused(send_assertion(&mut disabled, &page, &options, &authenticator.assert(&options)).await)
        .await;
}

async fn adding_or_removing_a_passkey_needs_a_recent_sign_in(db: TestDatabase) {
    let server = server_at_localhost(db).await;
    let (mut browser, _) = alice_signed_in(&server).await;
    let mut authenticator = SoftAuthenticator::new(&server.issuer);
    assert_eq!(register(&mut browser, &mut authenticator, "laptop").await.status(), 200);
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    let credential_id = server.store.passkeys_of_user(&alice.id).await.unwrap()[0].credential_id.clone();

    server.clock.advance(301);
    let csrf = hidden(&browser.get("/account").await.text().await.unwrap(), "csrf");
    let refused = browser.post("/account/passkeys/options", &[("csrf", &csrf)], None).await;
    crate::testkit::assert_oauth_error(refused, 400, "invalid_request").await;
    let kept =
        browser.post("/account/passkeys/remove", &[("csrf", &csrf), ("passkey", &credential_id)], None).await;
    assert!(kept.text().await.unwrap().contains("sign out and sign in again"));
    assert_eq!(server.store.passkeys_of_user(&alice.id).await.unwrap().len(), 1);
    let forged = browser
        .post("/account/passkeys/remove", &[("csrf", "forged"), ("passkey", &credential_id)], None)
        .await;
    assert_eq!(forged.status(), 403);
}
