//! The authorization endpoint and the hosted login and consent pages.

use latchkey_core::client::ClientKind;
use reqwest::Response;

use crate::flow::{
    answer_consent, authorize_as_alice, location, query_of, sign_in, Browser, Rp, REDIRECT_URI,
};
use crate::testkit::{TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(
    login_and_consent_pages_lead_to_a_code,
    consent_is_remembered_per_client_and_scope_set,
    first_party_client_skips_consent,
    denied_consent_is_access_denied,
    unknown_client_or_unregistered_redirect_gets_an_error_page,
    other_errors_redirect_with_state_and_iss,
    state_is_echoed_byte_exact,
    authorize_accepts_post_and_ignores_unknown_parameters,
    loopback_redirect_uri_may_change_port,
);

pub(crate) fn assert_page_headers(response: &Response) {
    let headers = response.headers();
    let csp = headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(headers.get("referrer-policy").unwrap(), "no-referrer");
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
}

async fn login_and_consent_pages_lead_to_a_code(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid profile email").await;
    let mut browser = Browser::new(&server);

    let response = browser.get(&rp.authorize_url(&[("scope", "openid profile"), ("state", "s1")])).await;
    assert_eq!(response.status(), 200);
    assert_page_headers(&response);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let login = response.text().await.unwrap();
    assert!(
        login.contains("<label for=\"username\">") && login.contains("id=\"username\""),
        "labelled inputs"
    );
    assert!(login.contains("<label for=\"password\">") && login.contains("type=\"password\""));
    assert!(login.contains("Example App"));
    assert!(
        !login.contains("<script") && !login.contains("http://") && !login.contains("https://"),
        "no external assets"
    );

    let response = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    assert_eq!(response.status(), 303, "a login POST answers 303");
    assert_page_headers(&response);
    let cookie = browser.set_cookies.iter().find(|c| c.starts_with("latchkey_session=")).unwrap().clone();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "loopback http issuer: no Secure (and no __Host- prefix)");

    let response = browser.get(&location(&response)).await;
    assert_eq!(response.status(), 200);
    assert_page_headers(&response);
    let consent = response.text().await.unwrap();
    assert!(consent.contains("Example App"));
    assert!(consent.contains("See your username and profile"), "scopes in words: {consent}");
    assert!(consent.contains("Know who you are"));
    assert!(!consent.contains("email address"), "only the scopes asked for");

    let response = answer_consent(&mut browser, &consent, "allow").await;
    assert_eq!(response.status(), 303);
    let target = location(&response);
    assert!(target.starts_with(&format!("{REDIRECT_URI}?")), "{target}");
    let params = query_of(&target);
    assert_eq!(params["state"], "s1");
    assert_eq!(params["iss"], server.issuer);
    assert!(params["code"].len() >= 43, "a code carries at least 128 bits");
    assert_eq!(rp.exchange(&server, &params["code"]).await.status(), 200);
}

async fn consent_is_remembered_per_client_and_scope_set(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid profile email").await;
    let mut browser = Browser::new(&server);
    authorize_as_alice(&mut browser, &rp, &[("scope", "openid profile")]).await;

    // Same client, same scope set (in another order): straight back with a code.
    let response = browser.get(&rp.authorize_url(&[("scope", "profile openid")])).await;
    assert_eq!(response.status(), 303);
    assert!(query_of(&location(&response)).contains_key("code"));

    // A different scope set asks again.
    let response = browser.get(&rp.authorize_url(&[("scope", "openid profile email")])).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("See your email address"));

    // prompt=consent always asks.
    let response =
        browser.get(&rp.authorize_url(&[("scope", "openid profile"), ("prompt", "consent")])).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("action=\"/consent\""));

    // Another client asks on its own account.
    let other = Rp::register(&server, "openid profile").await;
    let response = browser.get(&other.authorize_url(&[("scope", "openid profile")])).await;
    assert_eq!(response.status(), 200);
}

async fn first_party_client_skips_consent(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register_with(&server, ClientKind::Public, "openid", |s| s.require_consent = false).await;
    let mut browser = Browser::new(&server);
    let login = browser.get(&rp.authorize_url(&[("scope", "openid")])).await.text().await.unwrap();
    let response = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    let response = browser.get(&location(&response)).await;
    assert_eq!(response.status(), 303, "no consent page");
    assert!(query_of(&location(&response)).contains_key("code"));
}

async fn denied_consent_is_access_denied(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let login = browser.get(&rp.authorize_url(&[("state", "xyz")])).await.text().await.unwrap();
    let response = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    let consent = browser.get(&location(&response)).await.text().await.unwrap();
    let response = answer_consent(&mut browser, &consent, "deny").await;
    let params = query_of(&location(&response));
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "xyz");
    assert_eq!(params["iss"], server.issuer);
    assert!(!params.contains_key("code"));
}

pub(crate) async fn assert_error_page(response: Response) {
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none(), "must never redirect");
    assert_page_headers(&response);
    assert!(response.text().await.unwrap().contains("<h1>"));
}

async fn unknown_client_or_unregistered_redirect_gets_an_error_page(server: TestServer) {
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let evil = "https://evil.example/steal";
    assert_error_page(
        browser.get(&format!("/authorize?response_type=code&client_id=nope&redirect_uri={evil}")).await,
    )
    .await;
    let url = format!("/authorize?response_type=code&client_id={}&redirect_uri={evil}", rp.client_id);
    assert_error_page(browser.get(&url).await).await;
    // Near misses of the registered URI are not it.
    for near in
        ["https://app.example/callback/", "https://app.example/callback?x=1", "https://APP.example/callback"]
    {
        let url = rp.authorize_url(&[]).replace(&urlencode(REDIRECT_URI), &urlencode(near));
        assert_error_page(browser.get(&url).await).await;
    }
    // Repeated client_id or redirect_uri: nothing to trust.
    let url = format!("{}&client_id={}", rp.authorize_url(&[]), rp.client_id);
    assert_error_page(browser.get(&url).await).await;
    let url = format!("{}&redirect_uri={}", rp.authorize_url(&[]), urlencode(REDIRECT_URI));
    assert_error_page(browser.get(&url).await).await;
    assert_error_page(browser.get("/authorize?response_type=code").await).await;

    // Several registered and none named: which one? An error page.
    let two = Rp::register_with(&server, ClientKind::Public, "openid", |s| {
        s.redirect_uris.push("https://app.example/other".into())
    })
    .await;
    let url = format!(
        "/authorize?response_type=code&client_id={}&code_challenge={}&code_challenge_method=S256",
        two.client_id, two.challenge
    );
    assert_error_page(browser.get(&url).await).await;
    // One registered and none named: that one.
    let url = format!(
        "/authorize?response_type=code&client_id={}&code_challenge={}&code_challenge_method=S256",
        rp.client_id, rp.challenge
    );
    assert_eq!(browser.get(&url).await.status(), 200);
}

pub(crate) fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(crate) async fn error_of(browser: &mut Browser, url: &str) -> std::collections::HashMap<String, String> {
    let response = browser.get(url).await;
    assert_eq!(response.status(), 303, "{url}");
    let target = location(&response);
    assert!(target.starts_with(REDIRECT_URI), "{target}");
    let params = query_of(&target);
    assert!(!params.contains_key("code"));
    params
}

async fn other_errors_redirect_with_state_and_iss(server: TestServer) {
    let rp = Rp::register(&server, "openid profile").await;
    let mut browser = Browser::new(&server);
    let base =
        format!("/authorize?client_id={}&redirect_uri={}&state=st", rp.client_id, urlencode(REDIRECT_URI));
    let s256 = format!("code_challenge={}&code_challenge_method=S256", rp.challenge);
    let cases = [
        (format!("{base}&response_type=token&{s256}"), "unsupported_response_type"),
        (format!("{base}&response_type=code+id_token&{s256}"), "unsupported_response_type"),
        (format!("{base}&response_type=id_token&{s256}"), "unsupported_response_type"),
        (format!("{base}&{s256}"), "invalid_request"),
        (
            format!("{base}&response_type=code&code_challenge={}&code_challenge_method=plain", rp.challenge),
            "invalid_request",
        ),
        (format!("{base}&response_type=code&code_challenge={}", rp.challenge), "invalid_request"),
        (format!("{base}&response_type=code"), "invalid_request"),
        (format!("{base}&response_type=code&{s256}&scope=openid&scope=profile"), "invalid_request"),
        (format!("{base}&response_type=code&{s256}&response_type=code"), "invalid_request"),
        (format!("{base}&response_type=code&{s256}&scope=admin"), "invalid_scope"),
        (format!("{base}&response_type=code&{s256}&prompt=none+login"), "invalid_request"),
        (format!("{base}&response_type=code&{s256}&max_age=soon"), "invalid_request"),
        (format!("{base}&response_type=code&{s256}&request=eyJ"), "request_not_supported"),
    ];
    for (url, expected) in cases {
        let params = error_of(&mut browser, &url).await;
        assert_eq!(params["error"], expected, "{url}: {params:?}");
        assert_eq!(params["iss"], server.issuer, "RFC 9207");
        if !url.contains("state=st&state") {
            assert_eq!(params.get("state").map(String::as_str), Some("st"), "{url}");
        }
    }
    // A client without the code grant.
    let (other, _) = server
        .add_client_with(ClientKind::Public, &[latchkey_core::grant::GrantType::Password], "openid", |s| {
            s.redirect_uris = vec![REDIRECT_URI.into()];
        })
        .await;
    let url = format!("/authorize?response_type=code&client_id={other}&{s256}");
    assert_eq!(error_of(&mut browser, &url).await["error"], "unauthorized_client");
}

async fn state_is_echoed_byte_exact(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    for state in ["a b+c&d=e/f?g#h%25i~j", "\u{e9}\u{1F512}\"'<>", "  spaced  "] {
        let params = authorize_as_alice(&mut browser, &rp, &[("state", state)]).await;
        assert_eq!(params["state"], state, "success");
        let url = rp.authorize_url(&[("state", state), ("scope", "nope")]);
        assert_eq!(error_of(&mut browser, &url).await["state"], state, "error");
    }
    let params = authorize_as_alice(&mut browser, &rp, &[]).await;
    assert!(!params.contains_key("state"), "no state asked, none returned");
}

async fn authorize_accepts_post_and_ignores_unknown_parameters(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    authorize_as_alice(&mut browser, &rp, &[("unknown_thing", "1"), ("ui_locales", "fr")]).await;
    let form = [
        ("response_type", "code"),
        ("client_id", rp.client_id.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_challenge", rp.challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("state", "posted"),
        ("whatever", "ignored"),
    ];
    let response = browser.post("/authorize", &form, Some("")).await;
    assert_eq!(response.status(), 303);
    let json = browser
        .http
        .post(server.url("/authorize"))
        .json(&serde_json::json!({"client_id": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 400, "only form posts");
    assert!(json.headers().get("location").is_none());
    let params = query_of(&location(&response));
    assert_eq!(params["state"], "posted");
    assert_eq!(rp.exchange(&server, &params["code"]).await.status(), 200);
}

async fn loopback_redirect_uri_may_change_port(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register_with(&server, ClientKind::Public, "openid", |s| {
        s.redirect_uris = vec!["http://127.0.0.1/native/cb".into()];
    })
    .await;
    let mut browser = Browser::new(&server);
    let uri = "http://127.0.0.1:53211/native/cb";
    let url = rp.authorize_url(&[]).replace(&urlencode(REDIRECT_URI), &urlencode(uri));
    let login = browser.get(&url).await.text().await.unwrap();
    let response = sign_in(&mut browser, &login, "alice", PASSWORD).await;
    let consent = browser.get(&location(&response)).await.text().await.unwrap();
    let response = answer_consent(&mut browser, &consent, "allow").await;
    let target = location(&response);
    assert!(target.starts_with(&format!("{uri}?")), "{target}");
    let code = &query_of(&target)["code"];
    assert_eq!(rp.exchange_with(&server, code, &rp.verifier, uri).await.status(), 200);
    let other_host = rp
        .authorize_url(&[])
        .replace(&urlencode(REDIRECT_URI), &urlencode("http://localhost:53211/native/cb"));
    assert_error_page(browser.get(&other_host).await).await;
    // A port is a TCP port (1 to 65535): anything else is no registered URI.
    for port in ["99999", "0"] {
        let bad_port = format!("http://127.0.0.1:{port}/native/cb");
        let url = rp.authorize_url(&[]).replace(&urlencode(REDIRECT_URI), &urlencode(&bad_port));
        assert_error_page(browser.get(&url).await).await;
    }
}
