//! The native-app login against Latchkey's own `/authorize`: a scripted browser signs alice
//! in on the hosted login page and follows the redirects back to the SDK's loopback listener;
//! the SDK checks `state` and `iss` and redeems the code with its PKCE verifier.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use latchkey_client::{BrowserOpener, CallbackError, ClientError, ManualClock, TokenManager};
use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use reqwest::redirect::Policy;
use reqwest::{Response, Url};

use crate::testkit::{TestServer, PASSWORD, START};

/// Signs in as alice on whatever pages the server shows; no automatic redirects, a cookie
/// jar of its own.
struct ScriptedBrowser {
    issuer: String,
}

/// The `value` of the hidden input `name`.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].replace("&amp;", "&")
}

fn absorb(cookies: &mut HashMap<String, String>, response: &Response) {
    for value in response.headers().get_all("set-cookie") {
        let cookie = cookie::Cookie::parse(value.to_str().unwrap()).unwrap();
        cookies.insert(cookie.name().to_owned(), cookie.value().to_owned());
    }
}

/// Signs in and returns the redirect back to the app (after delivering it to a loopback
/// listener, as a browser would; a private-use scheme redirect is for the caller to hand over,
/// as the OS would).
async fn sign_in(issuer: String, start: Url) -> String {
    let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let mut cookies: HashMap<String, String> = HashMap::new();
    let jar = |cookies: &HashMap<String, String>| {
        cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    };
    let mut response = http.get(start).send().await.unwrap();
    for _ in 0..10 {
        absorb(&mut cookies, &response);
        if response.status().is_redirection() {
            let next = response.headers()["location"].to_str().unwrap().to_owned();
            let next = if next.starts_with('/') { format!("{issuer}{next}") } else { next };
            if next.starts_with("http://127.0.0.1:") && !next.starts_with(&issuer) {
                // Back to the app's loopback listener.
                let page = http.get(&next).send().await.unwrap();
                assert_eq!(page.status(), 200);
                return next;
            }
            if next.starts_with("com.example.bank:") {
                return next;
            }
            response = http.get(next).header("cookie", jar(&cookies)).send().await.unwrap();
            continue;
        }
        let html = response.text().await.unwrap();
        let (action, fields) = if html.contains("action=\"/login\"") {
            ("/login", vec![("username", "alice".to_owned()), ("password", PASSWORD.to_owned())])
        } else if html.contains("action=\"/consent\"") {
            ("/consent", vec![("decision", "allow".to_owned())])
        } else {
            panic!("unexpected page: {html}");
        };
        let mut form = vec![("interaction", hidden(&html, "interaction")), ("csrf", hidden(&html, "csrf"))];
        form.extend(fields);
        response = http
            .post(format!("{issuer}{action}"))
            .header("cookie", jar(&cookies))
            .header("origin", &issuer)
            .form(&form)
            .send()
            .await
            .unwrap();
    }
    panic!("too many steps");
}

#[async_trait]
impl BrowserOpener for ScriptedBrowser {
    async fn open(&self, url: &Url) -> Result<(), ClientError> {
        tokio::spawn(sign_in(self.issuer.clone(), url.clone()));
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_native_through_latchkey_authorize_then_refresh() {
    let server = TestServer::start().await;
    server.add_alice().await;
    let credentials = server
        .add_client_with_redirects(
            ClientKind::Public,
            &[GrantType::AuthorizationCode, GrantType::RefreshToken],
            "profile bank:read",
            vec!["http://127.0.0.1/callback".into()],
        )
        .await;
    let client = server.client(credentials).await;
    assert!(client.endpoints().authorization_response_iss, "Latchkey announces RFC 9207");
    let browser = ScriptedBrowser { issuer: server.issuer.clone() };
    let tokens = client.login_native(Some("profile"), &browser, Duration::from_secs(20)).await.unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.scope.as_deref(), Some("profile"));

    let clock = Arc::new(ManualClock::new(START));
    let manager = TokenManager::builder(client).clock(clock.clone()).build();
    manager.set_tokens(&tokens).await.unwrap();
    clock.advance(tokens.expires_in.unwrap());
    let renewed = manager.access_token().await.unwrap();
    assert_ne!(renewed, tokens.access_token);
    assert_eq!(server.refresh_metric("rotated").await, 1);
}

/// RFC 8252 §7.1: the redirect comes back through a private-use scheme; the app hands the URL
/// the OS gave it to the SDK, which checks it and redeems the code. A redirect for another
/// scheme, or one whose state was tampered with, is refused before any exchange.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_use_scheme_login_through_latchkey_authorize() {
    let server = TestServer::start().await;
    server.add_alice().await;
    let redirect_uri = "com.example.bank:/oauth/callback";
    let credentials = server
        .add_client_with_redirects(
            ClientKind::Public,
            &[GrantType::AuthorizationCode, GrantType::RefreshToken],
            "profile",
            vec![redirect_uri.into()],
        )
        .await;
    let client = server.client(credentials).await;
    let pending = client.begin_authorization(redirect_uri, Some("profile")).unwrap();
    let redirect = sign_in(server.issuer.clone(), pending.url().clone()).await;
    assert!(redirect.starts_with("com.example.bank:/oauth/callback?"), "{redirect}");
    let other_app = redirect.replace("com.example.bank:", "com.example.evil:");
    let refused = client.finish_authorization(&pending, &other_app).await;
    assert!(matches!(refused, Err(ClientError::Callback(CallbackError::OtherRedirectUri))), "{refused:?}");
    let forged = redirect.replace("state=", "state=x");
    let refused = client.finish_authorization(&pending, &forged).await;
    assert!(matches!(refused, Err(ClientError::Callback(CallbackError::StateMismatch))), "{refused:?}");
    let tokens = client.finish_authorization(&pending, &redirect).await.unwrap();
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.scope.as_deref(), Some("profile"));
}
