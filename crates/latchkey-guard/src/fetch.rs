//! The few requests the guard makes to the authorization server: metadata (RFC 8414 §3),
//! the JWKS (RFC 7517 §5), the revocation feed and introspection (RFC 7662 §2.1).
//!
//! Every response body is capped and every request has a timeout, so a slow or hostile
//! endpoint cannot make the guard buffer without bound or hang a background task forever.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use reqwest::header::{AUTHORIZATION, CACHE_CONTROL};
use reqwest::{Client, RequestBuilder};
use serde::de::DeserializeOwned;

/// Largest response body read.
const MAX_BODY: usize = 1024 * 1024;
/// Per-request timeout.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A confidential client's credentials, sent as HTTP Basic with both parts form-encoded
/// (RFC 6749 §2.3.1).
#[derive(Clone)]
pub(crate) struct Credentials {
    header: String,
}

impl Credentials {
    pub(crate) fn new(client_id: &str, client_secret: &str) -> Self {
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = format!("{}:{}", encode(client_id), encode(client_secret));
        Self { header: format!("Basic {}", STANDARD.encode(pair)) }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(..)")
    }
}

/// A decoded response and its `Cache-Control: max-age`, if any.
pub(crate) struct Fetched<T> {
    pub(crate) value: T,
    pub(crate) max_age: Option<Duration>,
}

/// `GET url`, optionally with client credentials.
pub(crate) async fn get_json<T: DeserializeOwned>(
    http: &Client,
    url: &str,
    credentials: Option<&Credentials>,
) -> Result<Fetched<T>, String> {
    let mut request = http.get(url);
    if let Some(credentials) = credentials {
        request = request.header(AUTHORIZATION, &credentials.header);
    }
    send(request).await
}

/// `POST url` with a form body and client credentials.
pub(crate) async fn post_form<T: DeserializeOwned>(
    http: &Client,
    url: &str,
    credentials: &Credentials,
    form: &[(&str, &str)],
) -> Result<T, String> {
    let request = http.post(url).header(AUTHORIZATION, &credentials.header).form(form);
    Ok(send(request).await?.value)
}

async fn send<T: DeserializeOwned>(request: RequestBuilder) -> Result<Fetched<T>, String> {
    let mut response = request.timeout(TIMEOUT).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP status {status}"));
    }
    let max_age = response.headers().get(CACHE_CONTROL).and_then(|v| v.to_str().ok()).and_then(max_age);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(format!("the response is larger than {MAX_BODY} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    let value =
        serde_json::from_slice(&body).map_err(|e| format!("the response is not the expected JSON: {e}"))?;
    Ok(Fetched { value, max_age })
}

/// `max-age` of a `Cache-Control` value (RFC 9111 §5.2.2.1); none when caching is forbidden.
fn max_age(cache_control: &str) -> Option<Duration> {
    let mut age = None;
    for directive in cache_control.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return None;
        }
        if let Some(seconds) = lower.strip_prefix("max-age=") {
            age = seconds.trim_matches('"').parse().ok().map(Duration::from_secs);
        }
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_age_is_read_unless_caching_is_forbidden() {
        assert_eq!(max_age("public, max-age=300"), Some(Duration::from_secs(300)));
        assert_eq!(max_age("max-age=60, no-store"), None);
        assert_eq!(max_age("public"), None);
    }

    #[test]
    fn credentials_are_form_encoded_then_base64() {
        let credentials = Credentials::new("a b", "p:w");
        assert_eq!(credentials.header, format!("Basic {}", STANDARD.encode("a+b:p%3Aw")));
    }
}
