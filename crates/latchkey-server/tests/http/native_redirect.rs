//! RFC 8252 redirects of native and development apps through the whole code flow: a
//! private-use scheme (§7.1) and `http://localhost` with its registered port (§8.3).

use latchkey_core::client::ClientKind;

use crate::authorize::{assert_error_page, urlencode};
use crate::flow::{answer_consent, location, query_of, sign_in, Browser, Rp, REDIRECT_URI};
use crate::testkit::{TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(private_use_scheme_redirect_completes_the_code_flow, localhost_redirect_keeps_its_port,);

/// Signs alice in through `redirect_uri` and returns where the consent answer sends the browser.
async fn code_flow_to(server: &TestServer, rp: &Rp, redirect_uri: &str) -> String {
    let mut browser = Browser::new(server);
    let url = rp.authorize_url(&[]).replace(&urlencode(REDIRECT_URI), &urlencode(redirect_uri));
    let login = browser.get(&url).await.text().await.unwrap();
    let response = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    let consent = browser.get(&location(&response)).await.text().await.unwrap();
    location(&answer_consent(&mut browser, &consent, "allow").await)
}

async fn private_use_scheme_redirect_completes_the_code_flow(server: TestServer) {
    server.add_user("alice", &[]).await;
    let uri = "com.example.bank:/oauth/callback";
    let rp = Rp::register_with(&server, ClientKind::Public, "openid", |s| s.redirect_uris = vec![uri.into()])
        .await;
    let target = code_flow_to(&server, &rp, uri).await;
    assert!(target.starts_with(&format!("{uri}?")), "{target}");
    let code = &query_of(&target)["code"];
    assert_eq!(rp.exchange_with(&server, code, &rp.verifier, uri).await.status(), 200);
    // Compared exactly: another app's scheme, a longer path or another case is not registered.
    let mut browser = Browser::new(&server);
    for other in [
        "com.example.evil:/oauth/callback",
        "com.example.bank:/oauth/callback/x",
        "COM.EXAMPLE.BANK:/oauth/callback",
    ] {
        let url = rp.authorize_url(&[]).replace(&urlencode(REDIRECT_URI), &urlencode(other));
        assert_error_page(browser.get(&url).await).await;
    }
}

async fn localhost_redirect_keeps_its_port(server: TestServer) {
    server.add_user("alice", &[]).await;
    let uri = "http://localhost:3000/cb";
    let rp = Rp::register_with(&server, ClientKind::Public, "openid", |s| s.redirect_uris = vec![uri.into()])
        .await;
    let target = code_flow_to(&server, &rp, uri).await;
    assert!(target.starts_with(&format!("{uri}?")), "{target}");
    let mut browser = Browser::new(&server);
    let url = rp.authorize_url(&[]).replace(&urlencode(REDIRECT_URI), &urlencode("http://localhost:3001/cb"));
    assert_error_page(browser.get(&url).await).await;
}
