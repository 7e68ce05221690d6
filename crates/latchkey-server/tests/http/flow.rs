//! A scripted browser for the hosted pages (a cookie jar, no automatic redirects) and a
//! relying party's side of the authorization-code flow.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cookie::time::Duration;
use cookie::Cookie;
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_crypto::digest::sha256;
use latchkey_crypto::random;
use latchkey_server::admin::NewClient;
use reqwest::redirect::Policy;
use reqwest::Response;
use serde_json::Value;

use crate::testkit::{TestServer, PASSWORD};

pub const REDIRECT_URI: &str = "https://app.example/callback";
pub const LOGOUT_URI: &str = "https://app.example/signed-out";

/// A browser: keeps cookies, never follows redirects.
pub struct Browser {
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
    /// Every `Set-Cookie` received, verbatim.
    pub set_cookies: Vec<String>,
    pub base: String,
}

impl Browser {
    pub fn new(server: &TestServer) -> Self {
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        Self { http, cookies: HashMap::new(), set_cookies: Vec::new(), base: server.base.clone() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn absorb(&mut self, response: &Response) {
        for value in response.headers().get_all("set-cookie") {
            let raw = value.to_str().unwrap().to_owned();
            let cookie = Cookie::parse(raw.as_str()).unwrap();
            if cookie.max_age() == Some(Duration::ZERO) {
                self.cookies.remove(cookie.name());
            } else {
                self.cookies.insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
            self.set_cookies.push(raw);
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{url}", self.base)
        } else {
            url.to_owned()
        }
    }

    pub async fn get(&mut self, url: &str) -> Response {
        let response =
            self.http.get(self.absolute(url)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.absorb(&response);
        response
    }

    /// Posts a form as a page of the issuer would: with the issuer's `Origin` unless told
    /// otherwise (`Some("")` sends none).
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)], origin: Option<&str>) -> Response {
        self.post_with(path, form, origin, &[]).await
    }

    /// [`Self::post`] with extra headers.
    pub async fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut request =
            self.http.post(self.absolute(path)).form(form).header("cookie", self.cookie_header());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        match origin {
            None => request = request.header("origin", self.base.clone()),
            Some("") => {}
            Some(origin) => request = request.header("origin", origin),
        }
        let response = request.send().await.unwrap();
        self.absorb(&response);
        response
    }
}

/// The `value` of the hidden input `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in page: {html}")) + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location: {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The query parameters of a URL, decoded.
pub fn query_of(url: &str) -> HashMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

pub fn pkce() -> (String, String) {
    let verifier = random::token(32).unwrap();
    let challenge = URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes()));
    (verifier, challenge)
}

/// A relying party: a client id and a PKCE pair for its current request.
pub struct Rp {
    pub client_id: String,
    pub secret: Option<String>,
    pub verifier: String,
    pub challenge: String,
}

impl Rp {
    /// A public client with the code and refresh grants, consent required.
    pub async fn register(server: &TestServer, scope: &str) -> Self {
        Self::register_with(server, ClientKind::Public, scope, |_| {}).await
    }

    pub async fn register_with(
        server: &TestServer,
        kind: ClientKind,
        scope: &str,
        adjust: impl FnOnce(&mut NewClient),
    ) -> Self {
        let (client_id, secret) = server
            .add_client_with(kind, &[GrantType::AuthorizationCode, GrantType::RefreshToken], scope, |spec| {
                spec.name = "Example App".into();
                spec.redirect_uris = vec![REDIRECT_URI.into()];
                spec.post_logout_redirect_uris = vec![LOGOUT_URI.into()];
                adjust(spec);
            })
            .await;
        let (verifier, challenge) = pkce();
        Self { client_id, secret, verifier, challenge }
    }

    /// `/authorize?...` with the client, redirect URI, code flow, S256 PKCE and `extra`.
    pub fn authorize_url(&self, extra: &[(&str, &str)]) -> String {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        serializer.append_pair("response_type", "code");
        serializer.append_pair("client_id", &self.client_id);
        serializer.append_pair("redirect_uri", REDIRECT_URI);
        serializer.append_pair("code_challenge", &self.challenge);
        serializer.append_pair("code_challenge_method", "S256");
        for (name, value) in extra {
            serializer.append_pair(name, value);
        }
        format!("/authorize?{}", serializer.finish())
    }

    /// Exchanges a code at the token endpoint.
    pub async fn exchange(&self, server: &TestServer, code: &str) -> Response {
        self.exchange_with(server, code, &self.verifier, REDIRECT_URI).await
    }

    pub async fn exchange_with(
        &self,
        server: &TestServer,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", self.client_id.as_str()),
        ];
        if !verifier.is_empty() {
            form.push(("code_verifier", verifier));
        }
        if let Some(secret) = &self.secret {
            form.push(("client_secret", secret));
        }
        server.post_form("/token", &form).await
    }
}

/// Signs in on a login page that was just shown; returns the 303 answer.
pub async fn sign_in(browser: &mut Browser, login_page: &str, username: &str, password: &str) -> Response {
    let interaction = hidden(login_page, "interaction");
    let csrf = hidden(login_page, "csrf");
    browser
        .post(
            "/login",
            &[("interaction", &interaction), ("csrf", &csrf), ("username", username), ("password", password)],
            None,
        )
        .await
}

/// Answers a consent page that was just shown; returns the 303 answer.
pub async fn answer_consent(browser: &mut Browser, consent_page: &str, decision: &str) -> Response {
    let interaction = hidden(consent_page, "interaction");
    let csrf = hidden(consent_page, "csrf");
    browser
        .post("/consent", &[("interaction", &interaction), ("csrf", &csrf), ("decision", decision)], None)
        .await
}

/// Runs the whole browser side as alice: authorize, log in if asked, consent if asked.
/// Returns the final redirect's query parameters.
pub async fn authorize_as_alice(
    browser: &mut Browser,
    rp: &Rp,
    extra: &[(&str, &str)],
) -> HashMap<String, String> {
    let mut response = browser.get(&rp.authorize_url(extra)).await;
    loop {
        if response.status() == 303 {
            let next = location(&response);
            if next.starts_with(REDIRECT_URI) {
                return query_of(&next);
            }
            response = browser.get(&next).await;
            continue;
        }
        assert_eq!(response.status(), 200, "unexpected page");
        let html = response.text().await.unwrap();
        response = if html.contains("action=\"/login\"") {
            sign_in(browser, &html, "alice", PASSWORD).await
        } else if html.contains("action=\"/consent\"") {
            answer_consent(browser, &html, "allow").await
        } else {
            panic!("unexpected page: {html}");
        };
    }
}

/// Authorizes and exchanges the code; returns the token response.
pub async fn tokens_for_alice(
    server: &TestServer,
    browser: &mut Browser,
    rp: &Rp,
    extra: &[(&str, &str)],
) -> Value {
    let params = authorize_as_alice(browser, rp, extra).await;
    let response = rp.exchange(server, &params["code"]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}
