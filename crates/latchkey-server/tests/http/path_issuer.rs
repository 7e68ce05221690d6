//! An issuer with a path (`http://127.0.0.1:<port>/auth`) behind a proxy that strips it:
//! the metadata, form actions, the server's own redirects and the cookies' `Path` all carry
//! `/auth`, and login → consent → code → token works through the proxy. Also the issuer
//! rule at start and the `Origin` comparison in serialized form.

use std::sync::Arc;

use cookie::Cookie;
use latchkey_core::clock::ManualClock;
use latchkey_server::testing::TestLatchkey;
use latchkey_server::Config;
use latchkey_store::testing::TestDatabase;
use latchkey_store::{SqlStore, Store};
use reqwest::Response;
use serde_json::Value;

use crate::flow::{hidden, location, query_of, Browser, Rp, LOGOUT_URI, REDIRECT_URI};
use crate::proxy::{server_behind_prefix, PREFIX};
use crate::testkit::{test_config, TestServer, PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_flow_through_a_path_prefix_proxy_sqlite() {
    code_flow_through_a_path_prefix_proxy(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_flow_through_a_path_prefix_proxy_postgres() {
    if let Some(db) = TestDatabase::postgres() {
        code_flow_through_a_path_prefix_proxy(db).await;
    }
}

/// The `action` of the page's form.
fn form_action(html: &str) -> String {
    let marker = "<form method=\"post\" action=\"";
    let start = html.find(marker).unwrap_or_else(|| panic!("no form in page: {html}")) + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

/// The `Set-Cookie`s of a response, parsed.
fn set_cookies(response: &Response) -> Vec<Cookie<'static>> {
    let values = response.headers().get_all("set-cookie");
    values.iter().map(|v| Cookie::parse(v.to_str().unwrap().to_owned()).unwrap()).collect()
}

fn assert_path_scoped(cookies: &[Cookie<'_>], name: &str) {
    let cookie =
        cookies.iter().find(|c| c.name() == name).unwrap_or_else(|| panic!("no {name}: {cookies:?}"));
    assert_eq!(cookie.path(), Some(PREFIX), "{cookie}");
    assert_eq!(cookie.http_only(), Some(true));
}

async fn code_flow_through_a_path_prefix_proxy(db: TestDatabase) {
    let (server, _proxy) = server_behind_prefix(db).await;
    let origin = server.issuer.strip_suffix(PREFIX).unwrap().to_owned();
    server.add_user("alice", &[]).await;

    // Discovery: at `{issuer}/.well-known/openid-configuration` and at the RFC 8414 §3.1
    // address, with every endpoint under the issuer's path.
    for url in [
        server.url("/.well-known/openid-configuration"),
        format!("{origin}/.well-known/oauth-authorization-server{PREFIX}"),
    ] {
        let metadata: Value = server.http.get(&url).send().await.unwrap().json().await.unwrap();
        assert_eq!(metadata["issuer"], server.issuer, "{url}");
        for (key, path) in [
            ("authorization_endpoint", "/authorize"),
            ("token_endpoint", "/token"),
            ("jwks_uri", "/jwks.json"),
            ("end_session_endpoint", "/logout"),
        ] {
            assert_eq!(metadata[key], format!("{}{path}", server.issuer), "{key}");
        }
    }

    // The login page: its form posts under /auth, its CSRF cookie is scoped to /auth.
    let rp = Rp::register(&server, "openid profile").await;
    let mut browser = Browser::new(&server);
    browser.base = origin.clone(); // paths below are the full paths the browser sees
    let response = browser
        .get(&format!("{PREFIX}{}", rp.authorize_url(&[("scope", "openid profile"), ("state", "s1")])))
        .await;
    assert_eq!(response.status(), 200);
    assert_path_scoped(&set_cookies(&response), "latchkey_csrf");
    let login = response.text().await.unwrap();
    assert_eq!(form_action(&login), format!("{PREFIX}/login"));

    // Login: a new session cookie scoped to /auth, and back to /auth/authorize/resume.
    let interaction = hidden(&login, "interaction");
    let csrf = hidden(&login, "csrf");
    let form = [
        ("interaction", interaction.as_str()),
        ("csrf", &csrf),
        ("username", "alice"),
        ("password", PASSWORD),
    ];
    let response = browser.post(&form_action(&login), &form, None).await;
    assert_eq!(response.status(), 303);
    assert_path_scoped(&set_cookies(&response), "latchkey_session");
    let resume = location(&response);
    assert!(resume.starts_with(&format!("{PREFIX}/authorize/resume?")), "{resume}");

    // Consent posts under /auth too, and the code comes back with the issuer as `iss`.
    let response = browser.get(&resume).await;
    assert_eq!(response.status(), 200);
    let consent = response.text().await.unwrap();
    assert_eq!(form_action(&consent), format!("{PREFIX}/consent"));
    let (interaction, csrf) = (hidden(&consent, "interaction"), hidden(&consent, "csrf"));
    let form = [("interaction", interaction.as_str()), ("csrf", &csrf), ("decision", "allow")];
    let response = browser.post(&form_action(&consent), &form, None).await;
    assert_eq!(response.status(), 303);
    let target = location(&response);
    assert!(target.starts_with(REDIRECT_URI), "{target}");
    let params = query_of(&target);
    assert_eq!((params["state"].as_str(), params["iss"].as_str()), ("s1", server.issuer.as_str()));
    let tokens: Value = rp.exchange(&server, &params["code"]).await.json().await.unwrap();
    let userinfo =
        server.http.get(server.url("/userinfo")).bearer_auth(tokens["access_token"].as_str().unwrap());
    assert_eq!(userinfo.send().await.unwrap().status(), 200);

    // Logout without a hint asks first, on a form under /auth, and clears the /auth cookie.
    let url = format!("{PREFIX}/logout?client_id={}&post_logout_redirect_uri={LOGOUT_URI}", rp.client_id);
    let page = browser.get(&url).await.text().await.unwrap();
    assert_eq!(form_action(&page), format!("{PREFIX}/logout"));
    let csrf = hidden(&page, "csrf");
    let form = [
        ("client_id", rp.client_id.as_str()),
        ("post_logout_redirect_uri", LOGOUT_URI),
        ("confirm", "yes"),
        ("csrf", &csrf),
    ];
    let response = browser.post(&form_action(&page), &form, None).await;
    assert_eq!(response.status(), 303);
    assert_path_scoped(&set_cookies(&response), "latchkey_session");
    assert!(!browser.cookies.contains_key("latchkey_session"), "signed out");
}

/// An `Origin` that names the issuer's origin in another spelling is the same origin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origin_is_compared_in_serialized_form() {
    let server = TestServer::start_on(TestDatabase::sqlite(), None, test_config()).await;
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let mut browser = Browser::new(&server);
    let login = browser.get(&rp.authorize_url(&[])).await.text().await.unwrap();
    let shouted = server.issuer.replace("http://", "HTTP://");
    let (interaction, csrf) = (hidden(&login, "interaction"), hidden(&login, "csrf"));
    let form = [
        ("interaction", interaction.as_str()),
        ("csrf", &csrf),
        ("username", "alice"),
        ("password", PASSWORD),
    ];
    let with_path = format!("{shouted}/login");
    assert_eq!(browser.post("/login", &form, Some(&with_path)).await.status(), 403, "an origin has no path");
    assert_eq!(browser.post("/login", &form, Some(&shouted)).await.status(), 303);
}

/// A server refuses to start on an issuer that breaks the rule, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_issuer_stops_the_start() {
    let db = TestDatabase::sqlite();
    let store = SqlStore::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    for (issuer, reason) in [
        ("http://id.example", "must use https"),
        ("https://id.example/auth?tenant=1", "no query or fragment"),
        ("id.example", "not an absolute URL"),
    ] {
        let config = Config { issuer: Some(issuer.into()), ..test_config() };
        let clock = Arc::new(ManualClock::new(0));
        let error = TestLatchkey::start(store.clone(), clock, config).await.err().unwrap();
        assert!(format!("{error:#}").contains(reason), "{issuer}: {error:#}");
    }
}
