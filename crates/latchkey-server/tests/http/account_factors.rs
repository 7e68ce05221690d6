//! The account page's second-factor forms over HTTP (docs/architecture.md, "Multi-factor
//! authentication"), from the attacker's side, on both backends: enrolling an authenticator
//! app needs its first code (a wrong one is refused, and a code counts once), new recovery
//! codes and removing the factor need a current code (none, wrong or replayed: refused), and
//! every form needs the page's CSRF token.

use latchkey_core::clock::Clock;
use latchkey_crypto::totp::TotpSecret;

use crate::flow::{authorize_as_alice, hidden, Browser, Rp};
use crate::mfa_kit::{app_from, recovery_codes_of};
use crate::testkit::TestServer;

latchkey_store::on_both_backends!(
    enrolment_and_factor_forms_need_a_current_code,
    factor_forms_need_the_csrf_token,
);

const WRONG: &str = "That code is not valid.";

/// alice signed in with her password in a browser.
async fn alice_at_account(server: &TestServer) -> Browser {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(server, "openid").await;
    let mut browser = Browser::new(server);
    authorize_as_alice(&mut browser, &rp, &[]).await;
    browser
}

/// Posts `fields` with the account page's CSRF token to `path`; the page answered.
async fn post(browser: &mut Browser, path: &str, fields: &[(&str, &str)]) -> String {
    let csrf = hidden(&browser.get("/account").await.text().await.unwrap(), "csrf");
    let form: Vec<(&str, &str)> =
        [("csrf", csrf.as_str())].into_iter().chain(fields.iter().copied()).collect();
    let response = browser.post(path, &form, None).await;
    let status = response.status();
    let page = response.text().await.unwrap();
    // A refusal is the page again with its error, a 400.
    assert_eq!(status, if page.contains("role=\"alert\"") { 400 } else { 200 }, "{path}: {page}");
    page
}

/// Enrols alice's authenticator app from the account page; returns it.
async fn enrol(server: &TestServer, browser: &mut Browser) -> TotpSecret {
    let page = post(browser, "/account/totp/begin", &[]).await;
    let app = app_from(&page);
    let refused = post(browser, "/account/totp/confirm", &[("code", "000000")]).await;
    assert!(refused.contains(WRONG), "{refused}");
    // Shown again with the same key, still to be confirmed.
    assert_eq!(app_from(&refused).base32(), app.base32());
    let code = app.code_at(server.clock.now());
    let confirmed = post(browser, "/account/totp/confirm", &[("code", &code)]).await;
    assert!(confirmed.contains("Two-step verification is on."), "{confirmed}");
    assert_eq!(recovery_codes_of(&confirmed).len(), 10);
    // The same code again, for new recovery codes: used already.
    let replayed = post(browser, "/account/recovery-codes", &[("code", &code)]).await;
    assert!(replayed.contains(WRONG), "{replayed}");
    app
}

async fn enrolment_and_factor_forms_need_a_current_code(server: TestServer) {
    let mut browser = alice_at_account(&server).await;
    let app = enrol(&server, &mut browser).await;
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    server.clock.advance(30);

    // Four failures in all (with the replay): under the throttle's five free ones.
    for (path, code) in [
        ("/account/recovery-codes", ""),
        ("/account/recovery-codes", "123456"),
        ("/account/remove-factor", "123456"),
    ] {
        let page = post(&mut browser, path, &[("code", code)]).await;
        assert!(page.contains(WRONG) && !page.contains("id=\"recovery-codes\""), "{path}: {page}");
    }
    assert!(server.store.totp_factor(&alice.id).await.unwrap().is_some());

    let code = app.code_at(server.clock.now());
    let page = post(&mut browser, "/account/recovery-codes", &[("code", &code)]).await;
    assert!(page.contains("New recovery codes were made"), "{page}");
    let fresh = recovery_codes_of(&page);
    assert_eq!(fresh.len(), 10);
    // A recovery code is a current code too, once.
    let removed = post(&mut browser, "/account/remove-factor", &[("code", &fresh[0])]).await;
    assert!(removed.contains("The authenticator app was removed."), "{removed}");
    assert!(server.store.totp_factor(&alice.id).await.unwrap().is_none());
}

async fn factor_forms_need_the_csrf_token(server: TestServer) {
    let mut browser = alice_at_account(&server).await;
    let app = enrol(&server, &mut browser).await;
    let alice = server.store.user_by_username("alice").await.unwrap().unwrap();
    server.clock.advance(30);
    let code = app.code_at(server.clock.now());
    let paths =
        ["/account/totp/begin", "/account/totp/confirm", "/account/recovery-codes", "/account/remove-factor"];
    for path in paths {
        let missing = browser.post(path, &[("code", code.as_str())], None).await;
        assert_eq!(missing.status(), 403, "{path} without a CSRF token");
        let forged = browser.post(path, &[("csrf", "forged"), ("code", &code)], None).await;
        assert_eq!(forged.status(), 403, "{path} with a wrong CSRF token");
    }
    assert!(server.store.totp_factor(&alice.id).await.unwrap().is_some());
    // The code was not spent by the refused forms.
    let page = post(&mut browser, "/account/remove-factor", &[("code", &code)]).await;
    assert!(page.contains("The authenticator app was removed."), "{page}");
}
