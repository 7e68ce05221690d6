//! The loopback redirect listener of a native app (RFC 8252 §7.3): a one-shot HTTP server on
//! `127.0.0.1` and a port the OS picks, waiting for the browser to bring back the
//! authorization response.
//!
//! It binds the IP literal, not `localhost` (§8.3: `localhost` may resolve elsewhere or to
//! IPv6 and be intercepted), serves only `GET /callback`, and checks the response before
//! trusting it: `state` byte-for-byte (RFC 6749 §10.12), then the RFC 9207 `iss` parameter
//! when present (or when the server promises it), then either an error (§4.1.2.1) or the
//! code. Every parameter may appear once (RFC 6749 §3.1). The browser gets a fixed page that
//! reflects nothing from the request, so the listener cannot be made to serve markup.

use std::collections::HashMap;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use reqwest::Url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::error::{CallbackError, ClientError, ErrorCode, OAuthError};
use crate::pkce::State;

/// Longest request head read from the browser.
const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// How long one connection may take to send its request line and headers.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The path of the redirect URI.
const CALLBACK_PATH: &str = "/callback";

const DONE_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Signed in</title>\
<p>You are signed in. You can close this window and return to the application.</p>";
const FAILED_PAGE: &str = "<!doctype html><meta charset=utf-8><title>Sign-in failed</title>\
<p>Sign-in did not complete. You can close this window; the application explains why.</p>";

/// What the redirect must match.
#[derive(Clone, Copy, Debug)]
pub struct ExpectedRedirect<'a> {
    pub state: &'a State,
    /// The issuer identifier compared with `iss` (RFC 9207 §2.4).
    pub issuer: &'a str,
    /// The server announced `authorization_response_iss_parameter_supported`.
    pub issuer_required: bool,
}

/// A bound listener; its redirect URI is known before the browser opens.
#[derive(Debug)]
pub struct LoopbackListener {
    listener: TcpListener,
    port: u16,
}

impl LoopbackListener {
    /// Binds `127.0.0.1:0`.
    pub async fn bind() -> Result<Self, ClientError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port })
    }

    /// `http://127.0.0.1:{port}/callback`, to register as (a pattern of) the client's
    /// redirect URI; RFC 8252 §7.3 has the server accept any port.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits for the redirect, answers the browser, and returns the authorization code.
    /// Other paths (a browser's `/favicon.ico`) get 404 and the wait goes on; a redirect
    /// that fails the checks ends it with the reason. Connections are read concurrently:
    /// browsers open speculative connections that send nothing, and one of those must not
    /// hold up the real redirect.
    pub async fn wait(self, expected: ExpectedRedirect<'_>) -> Result<String, ClientError> {
        let mut reading = FuturesUnordered::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (mut stream, _) = accepted?;
                    reading.push(async move {
                        let target = tokio::time::timeout(READ_TIMEOUT, read_target(&mut stream)).await;
                        (stream, target)
                    });
                }
                Some((mut stream, target)) = reading.next(), if !reading.is_empty() => {
                    let target = match target {
                        Ok(Ok(Some(target))) => target,
                        Ok(Ok(None)) => {
                            respond(&mut stream, "405 Method Not Allowed", "").await;
                            continue;
                        }
                        Ok(Err(_)) | Err(_) => continue,
                    };
                    if let Some(outcome) = answer(&mut stream, &target, expected).await {
                        return outcome;
                    }
                }
            }
        }
    }
}

/// Answers one request; `Some` with the outcome when it was the redirect.
async fn answer(
    stream: &mut TcpStream,
    target: &str,
    expected: ExpectedRedirect<'_>,
) -> Option<Result<String, ClientError>> {
    let Ok(url) = Url::parse(&format!("http://127.0.0.1{target}")) else {
        respond(stream, "400 Bad Request", "").await;
        return None;
    };
    if url.path() != CALLBACK_PATH {
        respond(stream, "404 Not Found", "").await;
        return None;
    }
    let outcome = check_redirect(&url, expected);
    match &outcome {
        Ok(_) => respond(stream, "200 OK", DONE_PAGE).await,
        Err(_) => respond(stream, "400 Bad Request", FAILED_PAGE).await,
    }
    Some(outcome)
}

/// Reads the request head and returns the target of a `GET`; `None` for other methods.
async fn read_target(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut chunk).await?;
        if read == 0 || head.len() + read > MAX_REQUEST_HEAD {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        head.extend_from_slice(&chunk[..read]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut parts = head.lines().next().unwrap_or_default().split(' ');
    match (parts.next(), parts.next()) {
        (Some("GET"), Some(target)) if target.starts_with('/') => Ok(Some(target.to_owned())),
        _ => Ok(None),
    }
}

async fn respond(stream: &mut TcpStream, status: &str, page: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    // The browser may already be gone; the outcome does not depend on it.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The RFC 6749 §4.1.2 / RFC 9207 checks, in the order that keeps forged redirects out.
pub(super) fn check_redirect(url: &Url, expected: ExpectedRedirect<'_>) -> Result<String, ClientError> {
    let mut params: HashMap<String, String> = HashMap::new();
    for (key, value) in url.query_pairs() {
        if params.insert(key.clone().into_owned(), value.into_owned()).is_some() {
            // A repeated parameter is ambiguous; which copy a check saw is unknowable.
            return Err(CallbackError::StateMismatch.into());
        }
    }
    if params.get("state").map(String::as_bytes) != Some(expected.state.as_str().as_bytes()) {
        return Err(CallbackError::StateMismatch.into());
    }
    match params.get("iss") {
        Some(found) if found != expected.issuer => {
            return Err(CallbackError::IssuerMismatch {
                expected: expected.issuer.to_owned(),
                found: found.clone(),
            }
            .into());
        }
        None if expected.issuer_required => return Err(CallbackError::IssuerMissing.into()),
        _ => {}
    }
    if let Some(code) = params.get("error") {
        return Err(ClientError::OAuth(OAuthError {
            status: None,
            code: ErrorCode::from(code.as_str()),
            description: params.remove("error_description"),
            uri: params.remove("error_uri"),
        }));
    }
    params.remove("code").filter(|c| !c.is_empty()).ok_or_else(|| CallbackError::MissingCode.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://auth.example.com";

    fn check(query: &str, state: &State, issuer_required: bool) -> Result<String, ClientError> {
        let url = Url::parse(&format!("http://127.0.0.1/callback?{query}")).unwrap();
        check_redirect(&url, ExpectedRedirect { state, issuer: ISSUER, issuer_required })
    }

    #[test]
    fn code_with_matching_state_and_issuer_is_accepted() {
        let state = State::generate().unwrap();
        let query = format!("code=abc&state={}&iss=https%3A%2F%2Fauth.example.com", state.as_str());
        assert_eq!(check(&query, &state, true).unwrap(), "abc");
        let without_iss = format!("code=abc&state={}", state.as_str());
        assert_eq!(check(&without_iss, &state, false).unwrap(), "abc");
    }

    #[test]
    fn state_must_match_byte_for_byte() {
        let state = State::generate().unwrap();
        let upper = state.as_str().to_ascii_uppercase();
        for query in [
            "code=abc".to_owned(),
            format!("code=abc&state={upper}"),
            format!("code=abc&state={}x", state.as_str()),
            format!("code=abc&state={0}&state={0}", state.as_str()),
        ] {
            let result = check(&query, &state, false);
            assert!(matches!(result, Err(ClientError::Callback(CallbackError::StateMismatch))), "{query}");
        }
    }

    #[test]
    fn issuer_mix_up_and_missing_issuer_are_refused() {
        let state = State::generate().unwrap();
        let evil = format!("code=abc&state={}&iss=https%3A%2F%2Fevil.example", state.as_str());
        assert!(matches!(
            check(&evil, &state, false),
            Err(ClientError::Callback(CallbackError::IssuerMismatch { .. }))
        ));
        let missing = format!("code=abc&state={}", state.as_str());
        assert!(matches!(
            check(&missing, &state, true),
            Err(ClientError::Callback(CallbackError::IssuerMissing))
        ));
    }

    #[test]
    fn error_responses_keep_their_code_and_missing_code_is_an_error() {
        let state = State::generate().unwrap();
        let denied = format!("error=access_denied&error_description=no+thanks&state={}", state.as_str());
        match check(&denied, &state, false) {
            Err(ClientError::OAuth(error)) => {
                assert_eq!(error.code, ErrorCode::AccessDenied);
                assert_eq!(error.description.as_deref(), Some("no thanks"));
                assert_eq!(error.status, None);
            }
            other => panic!("{other:?}"),
        }
        let empty = format!("state={}", state.as_str());
        assert!(matches!(
            check(&empty, &state, false),
            Err(ClientError::Callback(CallbackError::MissingCode))
        ));
    }
}
