//! Passkeys as second factors over HTTP (docs/architecture.md, "Multi-factor
//! authentication"), with a software authenticator, on both backends: after the password a
//! `required` client takes alice's passkey, and only hers (another user's and a removed one
//! are refused; a password alone cannot plant one); tokens say `pwd`, `hwk`, `mfa`. A user
//! without a factor may enrol a passkey instead of an app; refused passkeys count in the
//! second-factor throttle like wrong codes. The
//! last-factor rule counts passkeys: the authenticator app may go while a passkey stays, the
//! last passkey may not, and removing a passkey needs a factor proved.

use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::mfa::MfaPolicy;
use latchkey_crypto::decode_unverified;
use latchkey_store::testing::TestDatabase;
use reqwest::Response;
use serde_json::{json, Value};

use crate::flow::{authorize_as_alice, hidden, location, query_of, sign_in, Browser, Rp, REDIRECT_URI};
use crate::localhost::server_at_localhost;
use crate::mfa_kit::authorize_with_mfa;
use crate::passkeys::register;
use crate::soft_authenticator::{b64, SoftAuthenticator};
use crate::testkit::{assert_oauth_error, TestServer, PASSWORD};

latchkey_store::on_both_backends!(
    a_passkey_is_the_second_factor_after_the_password,
    a_passkey_enrolled_at_sign_in_is_asked_for_and_throttled_like_codes,
    the_last_factor_rule_counts_passkeys,
);

const REFUSED: &str = "That passkey could not be used.";

async fn required_rp(server: &TestServer) -> Rp {
    Rp::register_with(server, ClientKind::Public, "openid", |spec| {
        spec.mfa = MfaPolicy::Required;
        spec.require_consent = false;
    })
    .await
}

/// `username` signed in with the password in a fresh browser, up to the page after it.
async fn after_password(server: &TestServer, rp: &Rp, username: &str) -> (Browser, String) {
    let mut browser = Browser::new(server);
    let login = browser.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    let response = sign_in(&mut browser, &login, username, PASSWORD).await;
    let page = browser.get(&location(&response)).await.text().await.unwrap();
    (browser, page)
}

/// Runs the passkey ceremony at `path` of `page` (its options at `{path}/options`), the
/// authenticator answering with `answer`; `extra` fields go with the answer.
async fn ceremony(
    browser: &mut Browser,
    page: &str,
    path: &str,
    answer: impl FnOnce(&Value) -> String,
    extra: &[(&str, &str)],
) -> Response {
    let (interaction, csrf) = (hidden(page, "interaction"), hidden(page, "csrf"));
    let form = [("csrf", csrf.as_str()), ("interaction", &interaction)];
    let response = browser.post(&format!("{path}/options"), &form, None).await;
    assert_eq!(response.status(), 200);
    let options: Value = response.json().await.unwrap();
    let credential = answer(&options);
    let ceremony = options["ceremony"].as_str().unwrap();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("interaction", &interaction),
        ("ceremony", ceremony),
        ("credential", &credential),
    ];
    form.extend_from_slice(extra);
    browser.post(path, &form, None).await
}

/// Runs the second-factor passkey ceremony of `page` with `authenticator`.
async fn present(browser: &mut Browser, page: &str, authenticator: &mut SoftAuthenticator) -> Response {
    ceremony(browser, page, "/login/second-factor/passkey", |options| authenticator.assert(options), &[])
        .await
}

/// A browser signed in as `username` (password) with `authenticator` registered as a passkey.
async fn with_passkey(
    server: &TestServer,
    rp: &Rp,
    username: &str,
    authenticator: &mut SoftAuthenticator,
) -> Browser {
    let mut browser = Browser::new(server);
    if username == "alice" {
        authorize_as_alice(&mut browser, rp, &[]).await;
    } else {
        let login = browser.get(&rp.authorize_url(&[])).await.text().await.unwrap();
        assert_eq!(sign_in(&mut browser, &login, username, PASSWORD).await.status(), 303);
    }
    assert_eq!(register(&mut browser, authenticator, "laptop").await.status(), 200);
    browser
}

async fn a_passkey_is_the_second_factor_after_the_password(db: TestDatabase) {
    let server = server_at_localhost(db).await;
    let alice = server.add_user("alice", &[]).await;
    server.add_user("bob", &[]).await;
    let (plain, required) = (Rp::register(&server, "openid").await, required_rp(&server).await);
    let mut laptop = SoftAuthenticator::new(&server.issuer);
    let mut first = with_passkey(&server, &plain, "alice", &mut laptop).await;
    let mut bobs = SoftAuthenticator::new(&server.issuer);
    with_passkey(&server, &plain, "bob", &mut bobs).await;

    // The password, then the passkey: no code form (no authenticator app), and the options
    // list alice's passkey only.
    let (mut browser, page) = after_password(&server, &required, "alice").await;
    assert!(page.contains("Use a passkey") && !page.contains("action=\"/login/second-factor\""), "{page}");
    let form = [("csrf", hidden(&page, "csrf")), ("interaction", hidden(&page, "interaction"))];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let listed: Value =
        browser.post("/login/second-factor/passkey/options", &pairs, None).await.json().await.unwrap();
    assert_eq!(listed["publicKey"]["allowCredentials"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["publicKey"]["allowCredentials"][0]["id"], b64(&laptop.credential_id));

    // bob's passkey at alice's second factor is refused.
    let refused = present(&mut browser, &page, &mut bobs).await;
    assert_eq!(refused.status(), 401);
    assert!(refused.text().await.unwrap().contains(REFUSED));

    let stepped = present(&mut browser, &page, &mut laptop).await;
    let tokens = tokens_after(&server, &required, &mut browser, stepped).await;
    for token in ["access_token", "id_token"] {
        let claims = decode_unverified(tokens[token].as_str().unwrap()).unwrap().1;
        assert_eq!(claims["amr"], json!(["pwd", "hwk", "mfa"]), "{claims}");
        assert_eq!(claims["acr"], "urn:latchkey:acr:mfa");
    }

    // A stolen password cannot plant a passkey at the enrolment step of a user with a factor.
    let (mut thief, page) = after_password(&server, &required, "alice").await;
    let form = [("csrf", hidden(&page, "csrf")), ("interaction", hidden(&page, "interaction"))];
    let pairs: Vec<(&str, &str)> = form.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let planted = thief.post("/login/enrol-passkey/options", &pairs, None).await;
    assert_oauth_error(planted, 400, "invalid_request").await;

    // A second passkey, then the first removed: the removed one is refused, the other works.
    let mut phone = SoftAuthenticator::new(&server.issuer);
    assert_eq!(register(&mut first, &mut phone, "phone").await.status(), 200);
    let laptop_id = b64(&laptop.credential_id);
    assert!(server.store.remove_passkey(&alice.id, &laptop_id).await.unwrap());
    let (mut browser, page) = after_password(&server, &required, "alice").await;
    let refused = present(&mut browser, &page, &mut laptop).await;
    assert_eq!(refused.status(), 401);
    assert_eq!(present(&mut browser, &page, &mut phone).await.status(), 303);
}

/// Follows `response` (the 303 of a completed second factor) to the client; its tokens.
async fn tokens_after(server: &TestServer, rp: &Rp, browser: &mut Browser, response: Response) -> Value {
    assert_eq!(response.status(), 303);
    let redirect = location(&browser.get(&location(&response)).await);
    assert!(redirect.starts_with(REDIRECT_URI), "{redirect}");
    rp.exchange(server, &query_of(&redirect)["code"]).await.json().await.unwrap()
}

async fn a_passkey_enrolled_at_sign_in_is_asked_for_and_throttled_like_codes(db: TestDatabase) {
    let server = server_at_localhost(db).await;
    server.add_user("alice", &[]).await;
    let required = required_rp(&server).await;

    // No factor yet: the enrolment offers a passkey beside the app.
    let (mut browser, page) = after_password(&server, &required, "alice").await;
    assert!(
        page.contains("action=\"/login/enrol-totp\"") && page.contains("Set up a passkey instead"),
        "{page}"
    );
    let mut laptop = SoftAuthenticator::new(&server.issuer);
    let register = |options: &Value| laptop.register(options);
    let enrolled =
        ceremony(&mut browser, &page, "/login/enrol-passkey", register, &[("name", "laptop")]).await;
    assert_eq!(enrolled.status(), 303);
    // Back into the request, which now asks for that passkey.
    let page = browser.get(&location(&enrolled)).await.text().await.unwrap();
    assert!(page.contains("Use a passkey"), "{page}");
    let stepped = present(&mut browser, &page, &mut laptop).await;
    let tokens = tokens_after(&server, &required, &mut browser, stepped).await;
    let claims = decode_unverified(tokens["access_token"].as_str().unwrap()).unwrap().1;
    assert_eq!(claims["amr"], json!(["pwd", "hwk", "mfa"]));

    // Unknown passkeys, six times: then even hers is refused, until the wait is over.
    let (mut browser, page) = after_password(&server, &required, "alice").await;
    let mut stranger = SoftAuthenticator::new(&server.issuer);
    for _ in 0..6 {
        assert_eq!(present(&mut browser, &page, &mut stranger).await.status(), 401);
    }
    assert_eq!(present(&mut browser, &page, &mut laptop).await.status(), 401, "throttled: hers refused");
    server.clock.advance(3_600);
    let (mut browser, page) = after_password(&server, &required, "alice").await;
    assert_eq!(present(&mut browser, &page, &mut laptop).await.status(), 303, "after the wait it works");
}

async fn remove_passkey(browser: &mut Browser, credential_id: &str, code: &str) -> String {
    let csrf = hidden(&browser.get("/account").await.text().await.unwrap(), "csrf");
    let form = [("csrf", csrf.as_str()), ("passkey", credential_id), ("code", code)];
    browser.post("/account/passkeys/remove", &form, None).await.text().await.unwrap()
}

async fn the_last_factor_rule_counts_passkeys(db: TestDatabase) {
    let server = server_at_localhost(db).await;
    let alice = server.add_user("alice", &[]).await;
    let (plain, required) = (Rp::register(&server, "openid").await, required_rp(&server).await);
    // alice enrols an authenticator app at the required client, which then holds a session,
    // and adds a passkey right after (a sign-in with a factor, just now).
    let (mut browser, mut app) = (Browser::new(&server), None);
    let (params, _) = authorize_with_mfa(&server, &mut browser, &required, &[], &mut app).await;
    assert_eq!(required.exchange(&server, &params["code"]).await.status(), 200);
    let app = app.unwrap();
    let mut laptop = SoftAuthenticator::new(&server.issuer);
    assert_eq!(register(&mut browser, &mut laptop, "laptop").await.status(), 200);
    let laptop_id = b64(&laptop.credential_id);

    // From a browser that signed in with the password alone (a client without MFA): removing
    // the passkey needs a factor, and a wrong code is none.
    server.clock.advance(30);
    let mut password_only = Browser::new(&server);
    authorize_as_alice(&mut password_only, &plain, &[]).await;
    for code in ["", "000000"] {
        let page = remove_passkey(&mut password_only, &laptop_id, code).await;
        assert!(page.contains("sign in again with a second factor"), "{page}");
    }
    assert_eq!(server.store.passkeys_of_user(&alice.id).await.unwrap().len(), 1);

    // The authenticator app may go: the passkey stays a factor.
    let csrf = hidden(&browser.get("/account").await.text().await.unwrap(), "csrf");
    let code = app.code_at(server.clock.now());
    let removed = browser.post("/account/remove-factor", &[("csrf", &csrf), ("code", &code)], None).await;
    assert!(removed.text().await.unwrap().contains("The authenticator app was removed."));

    // The last passkey may not, even right after a sign-in with a factor.
    let page = remove_passkey(&mut browser, &laptop_id, "").await;
    assert!(page.contains("this is your last second factor and cannot be removed"), "{page}");
    assert_eq!(server.store.passkeys_of_user(&alice.id).await.unwrap().len(), 1);
}
