//! The native-app login (RFC 8252) with a test browser that plays the authorization server's
//! redirect itself — approved, forged, from another issuer, denied, never — against a
//! stand-in token endpoint that checks the PKCE exchange. `native_latchkey.rs` runs the
//! approved path against Latchkey's own `/authorize`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use latchkey_client::{
    BrowserOpener, CallbackError, ClientError, Credentials, Endpoints, ErrorCode, OAuthClient,
};
use reqwest::Url;

use crate::fake;

/// What the test browser does with the authorization URL.
#[derive(Clone, Copy)]
enum Behaviour {
    /// Opens an idle connection and fetches a favicon first (as real browsers do), then
    /// redirects back with a code, the state and `iss`.
    Approve,
    WrongState,
    WrongIssuer,
    Deny,
    Nothing,
}

/// Records what the loopback listener answered.
struct TestBrowser {
    behaviour: Behaviour,
    issuer: String,
    seen: Arc<Mutex<Vec<(u16, String)>>>,
}

impl TestBrowser {
    fn new(behaviour: Behaviour, issuer: &str) -> Self {
        Self { behaviour, issuer: issuer.into(), seen: Arc::default() }
    }

    fn pages(&self) -> Vec<(u16, String)> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait]
impl BrowserOpener for TestBrowser {
    async fn open(&self, url: &Url) -> Result<(), ClientError> {
        let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["code_challenge_method"], "S256");
        let redirect = &query["redirect_uri"];
        let code = format!("code-{}", query["code_challenge"]);
        let mut back = Url::parse(redirect).unwrap();
        let port = back.port().unwrap();
        let mut targets = vec![];
        match self.behaviour {
            Behaviour::Approve => {
                let mut favicon = back.clone();
                favicon.set_path("/favicon.ico");
                targets.push(favicon);
                back.query_pairs_mut()
                    .append_pair("code", &code)
                    .append_pair("state", &query["state"])
                    .append_pair("iss", &self.issuer);
            }
            Behaviour::WrongState => {
                back.query_pairs_mut().append_pair("code", &code).append_pair("state", "forged");
            }
            Behaviour::WrongIssuer => {
                back.query_pairs_mut()
                    .append_pair("code", &code)
                    .append_pair("state", &query["state"])
                    .append_pair("iss", "https://evil.example");
            }
            Behaviour::Deny => {
                back.query_pairs_mut()
                    .append_pair("error", "access_denied")
                    .append_pair("error_description", "the user said no")
                    .append_pair("state", &query["state"])
                    .append_pair("iss", &self.issuer);
            }
            Behaviour::Nothing => return Ok(()),
        }
        targets.push(back);
        // Like a real browser, the page loads after the launcher returned.
        let seen = self.seen.clone();
        let idle = matches!(self.behaviour, Behaviour::Approve)
            .then(|| tokio::net::TcpStream::connect(("127.0.0.1", port)));
        tokio::spawn(async move {
            let _idle = match idle {
                Some(connecting) => Some(connecting.await.unwrap()),
                None => None,
            };
            for target in targets {
                let response = reqwest::get(target).await.unwrap();
                let status = response.status().as_u16();
                let page = (status, response.text().await.unwrap());
                seen.lock().unwrap().push(page);
            }
        });
        Ok(())
    }
}

async fn native_client() -> (OAuthClient, String, fake::Fake) {
    let (base, token_server) = fake::code_exchange_server().await;
    let endpoints = Endpoints {
        issuer: base.clone(),
        token: format!("{base}/token").parse().unwrap(),
        revocation: None,
        authorization: Some(format!("{base}/authorize").parse().unwrap()),
        authorization_response_iss: true,
        jwks: None,
        end_session: None,
    };
    let credentials = Credentials { client_id: "native-app".into(), client_secret: None };
    (OAuthClient::new(reqwest::Client::new(), endpoints, credentials), base, token_server)
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_login_redeems_the_code_with_the_pkce_verifier() {
    let (client, issuer, token_server) = native_client().await;
    let browser = TestBrowser::new(Behaviour::Approve, &issuer);
    // Shorter than the listener's 10 s read timeout: the idle connection must not delay it.
    let tokens = client.login_native(Some("profile"), &browser, Duration::from_secs(5)).await.unwrap();
    assert_eq!(tokens.access_token, "from-code");
    assert_eq!(token_server.hits(), 1);
    // Wait for the browser task to record the final page.
    for _ in 0..100 {
        if browser.pages().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let pages = browser.pages();
    assert_eq!(pages[0].0, 404, "a stray request does not end the wait");
    assert_eq!(pages[1].0, 200);
    assert!(pages[1].1.contains("close this window"), "{}", pages[1].1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_state_is_refused_before_any_exchange() {
    let (client, issuer, token_server) = native_client().await;
    let browser = TestBrowser::new(Behaviour::WrongState, &issuer);
    let error = client.login_native(None, &browser, WAIT).await.unwrap_err();
    assert!(matches!(error, ClientError::Callback(CallbackError::StateMismatch)), "{error:?}");
    assert_eq!(token_server.hits(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_from_another_issuer_is_refused() {
    let (client, issuer, token_server) = native_client().await;
    let browser = TestBrowser::new(Behaviour::WrongIssuer, &issuer);
    let error = client.login_native(None, &browser, WAIT).await.unwrap_err();
    assert!(matches!(error, ClientError::Callback(CallbackError::IssuerMismatch { .. })), "{error:?}");
    assert_eq!(token_server.hits(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_redirect_is_surfaced_with_its_code() {
    let (client, issuer, _) = native_client().await;
    let browser = TestBrowser::new(Behaviour::Deny, &issuer);
    let error = client.login_native(None, &browser, WAIT).await.unwrap_err();
    let ClientError::OAuth(error) = error else { panic!("{error:?}") };
    assert_eq!(error.code, ErrorCode::AccessDenied);
    assert_eq!(error.description.as_deref(), Some("the user said no"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_redirect_times_out() {
    let (client, issuer, _) = native_client().await;
    let browser = TestBrowser::new(Behaviour::Nothing, &issuer);
    let error = client.login_native(None, &browser, Duration::from_millis(200)).await.unwrap_err();
    assert!(matches!(error, ClientError::Callback(CallbackError::TimedOut)), "{error:?}");
}
