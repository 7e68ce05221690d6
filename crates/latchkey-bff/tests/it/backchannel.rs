//! Back-channel logout: a logout token signed with Latchkey's own ID-token key ends the BFF
//! sessions of its `sid` (or of its `sub`); forged, foreign, stale or ID-token-shaped tokens
//! end nothing.

use latchkey_client::Clock;
use latchkey_store::on_both_backends;
use reqwest::Method;
use serde_json::{json, Value};

use crate::testkit::Harness;

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

on_both_backends!(
    a_logout_token_ends_the_sessions_it_names_and_nothing_else,
    logging_out_at_latchkey_ends_the_bff_session,
    disabling_the_user_at_latchkey_ends_the_bff_session,
);

async fn post(bff: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{bff}/bff/backchannel-logout"))
        .form(&[("logout_token", token)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn a_logout_token_ends_the_sessions_it_names_and_nothing_else(h: Harness) {
    let bff = h.start_bff().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    let user = browser.api(Method::GET, "/bff/user").send().await.unwrap().json::<Value>().await.unwrap();
    let sid = user["claims"]["sid"].as_str().expect("Latchkey's ID token names the session").to_owned();
    let signer = h.latchkey.id_token_signer().await.unwrap();
    let now = h.clock.now();
    let claims = |edit: &dyn Fn(&mut Value)| {
        let mut claims = json!({
            "iss": h.latchkey.issuer, "aud": h.client_id, "iat": now, "exp": now + 120, "jti": "j-1",
            "sid": sid, "events": { EVENT: {} }
        });
        edit(&mut claims);
        claims
    };
    let sign = |claims: Value| signer.sign_jwt("logout+jwt", &claims).unwrap();

    let attacker = latchkey_crypto::SigningKey::generate(latchkey_crypto::Algorithm::RS256).unwrap();
    let refused = [
        ("another key", attacker.sign_jwt("logout+jwt", &claims(&|_| {})).unwrap()),
        ("another audience", sign(claims(&|c| c["aud"] = json!("other-client")))),
        ("another issuer", sign(claims(&|c| c["iss"] = json!("https://evil.example")))),
        ("stale", sign(claims(&|c| c["iat"] = json!(now - 3600)))),
        ("no event", sign(claims(&|c| c["events"] = json!({})))),
        ("an ID token's nonce", sign(claims(&|c| c["nonce"] = json!("n")))),
        ("an ID token's typ", signer.sign_jwt("JWT", &claims(&|_| {})).unwrap()),
        ("garbage", "abc.def.ghi".to_owned()),
    ];
    for (what, token) in &refused {
        assert_eq!(post(&bff, token).await, 400, "{what}");
    }
    assert_eq!(browser.api(Method::GET, "/bff/user").send().await.unwrap().status(), 200, "still signed in");

    assert_eq!(post(&bff, &sign(claims(&|c| c["sid"] = json!("another-session")))).await, 200);
    assert_eq!(browser.api(Method::GET, "/bff/user").send().await.unwrap().status(), 200, "another sid");

    assert_eq!(post(&bff, &sign(claims(&|_| {}))).await, 200);
    assert_eq!(browser.api(Method::GET, "/bff/user").send().await.unwrap().status(), 401, "session ended");

    browser.sign_in("/").await;
    let by_user = claims(&|c| {
        c.as_object_mut().unwrap().remove("sid");
        c["sub"] = json!(h.alice.id);
    });
    assert_eq!(post(&bff, &sign(by_user)).await, 200);
    assert_eq!(
        browser.api(Method::GET, "/bff/user").send().await.unwrap().status(),
        401,
        "the user's sessions ended"
    );
}

/// Polls `/bff/user` for up to 5 s until it answers 401 (Latchkey's worker sends within a
/// second); returns the last status.
async fn user_status_once_settled(browser: &latchkey_bff::testing::Browser) -> u16 {
    let mut status = 0;
    for _ in 0..50 {
        status = browser.api(Method::GET, "/bff/user").send().await.unwrap().status().as_u16();
        if status == 401 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    status
}

/// The value of the hidden input `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// RP-initiated logout at Latchkey itself (its confirmation page, as a user who signs out
/// there), not at the BFF: only Latchkey's logout token can tell the BFF.
async fn logging_out_at_latchkey_ends_the_bff_session(h: Harness) {
    let bff = h.start_bff_receiving_logouts().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    assert_eq!(browser.api(Method::GET, "/bff/user").send().await.unwrap().status(), 200);

    let logout = h.latchkey.url("/logout");
    let page = browser.request(Method::GET, &logout).send().await.unwrap();
    browser.absorb(&logout, &page);
    let csrf = hidden(&page.text().await.unwrap(), "csrf");
    let confirmed = browser
        .request(Method::POST, &logout)
        .header("origin", &h.latchkey.issuer)
        .form(&[("confirm", "yes"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200, "signed out at Latchkey");
    assert_eq!(user_status_once_settled(&browser).await, 401, "the BFF session ended");
}

async fn disabling_the_user_at_latchkey_ends_the_bff_session(h: Harness) {
    let bff = h.start_bff_receiving_logouts().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    assert_eq!(browser.api(Method::GET, "/bff/user").send().await.unwrap().status(), 200);
    let revoked =
        latchkey_server::admin::disable_user(h.latchkey.store.as_ref(), &h.alice, h.clock.now()).await;
    assert_eq!(revoked.unwrap(), 1);
    assert_eq!(user_status_once_settled(&browser).await, 401, "the BFF session ended");
}
