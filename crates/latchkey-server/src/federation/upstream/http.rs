//! The one HTTP client every upstream call goes through: connect and total timeouts, no
//! redirects followed, response bodies capped, and https required except on loopback (so
//! tests and local development can use plain http on 127.0.0.1, and nothing else can).
//!
//! Transport failures, timeouts and 5xx answers are all [`UpstreamError::Unreachable`].

use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use url::{Host, Url};

use super::UpstreamError;

/// Largest upstream response body read.
const MAX_BODY_BYTES: usize = 256 * 1024;

/// Sent on every request: GitHub's API refuses requests without a `User-Agent`.
const USER_AGENT: &str = concat!("Latchkey/", env!("CARGO_PKG_VERSION"));

pub(crate) struct UpstreamHttp {
    /// `None` only if the TLS backend could not be set up; every call is then `Unreachable`.
    client: Option<reqwest::Client>,
}

/// A read response.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON, if it is.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// How a request authenticates.
pub(crate) enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// RFC 6749 §2.3.1 HTTP Basic, both parts form-urlencoded first.
    Basic {
        user: &'a str,
        password: &'a str,
    },
}

impl UpstreamHttp {
    pub fn new(connect: Duration, total: Duration) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build();
        if let Err(e) = &client {
            tracing::error!(error = %e, "the upstream HTTP client could not be built");
        }
        UpstreamHttp { client: client.ok() }
    }

    /// `GET url`, accepting `accept`.
    pub async fn get(&self, url: &Url, auth: Auth<'_>, accept: &str) -> Result<Reply, UpstreamError> {
        let client = self.client(url)?;
        self.send(authorize(client.get(url.clone()), auth).header(ACCEPT, accept)).await
    }

    /// `POST url` with an `application/x-www-form-urlencoded` body, accepting JSON.
    pub async fn post_form(
        &self,
        url: &Url,
        auth: Auth<'_>,
        form: &[(&str, &str)],
    ) -> Result<Reply, UpstreamError> {
        let client = self.client(url)?;
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let request = client
            .post(url.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .body(body);
        self.send(authorize(request, auth)).await
    }

    fn client(&self, url: &Url) -> Result<&reqwest::Client, UpstreamError> {
        check_transport(url)?;
        self.client.as_ref().ok_or(UpstreamError::Unreachable)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Reply, UpstreamError> {
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        if status >= 500 {
            tracing::warn!(status, "upstream answered with a server error");
            return Err(UpstreamError::Unreachable);
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                tracing::warn!(status, "upstream response body too large");
                return Err(UpstreamError::Unreachable);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply { status, content_type, body })
    }
}

fn authorize(request: reqwest::RequestBuilder, auth: Auth<'_>) -> reqwest::RequestBuilder {
    match auth {
        Auth::None => request,
        Auth::Bearer(token) => match HeaderValue::from_str(&format!("Bearer {token}")) {
            Ok(mut value) => {
                value.set_sensitive(true);
                request.header(AUTHORIZATION, value)
            }
            // A token with bytes a header cannot carry: sent without, the upstream refuses it.
            Err(_) => request,
        },
        Auth::Basic { user, password } => {
            let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            request.basic_auth(encode(user), Some(encode(password)))
        }
    }
}

fn unreachable(error: reqwest::Error) -> UpstreamError {
    // The URL is logged without its query (Facebook's carries the appsecret_proof).
    let url = error.url().map(|u| format!("{}{}", u.origin().ascii_serialization(), u.path()));
    tracing::warn!(error = %error.without_url(), url, "upstream request failed");
    UpstreamError::Unreachable
}

/// Refuses URLs that are neither https nor http to a loopback host.
pub(crate) fn check_transport(url: &Url) -> Result<(), UpstreamError> {
    if is_allowed_transport(url) {
        Ok(())
    } else {
        Err(UpstreamError::Discovery("an upstream URL must use https (plain http only on loopback)"))
    }
}

/// https anywhere; http only to a loopback host.
fn is_allowed_transport(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(Host::Domain(domain)) => domain == "localhost",
            Some(Host::Ipv4(ip)) => ip.is_loopback(),
            Some(Host::Ipv6(ip)) => ip.is_loopback(),
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn https_everywhere_http_only_on_loopback() {
        for ok in
            ["https://accounts.google.com", "http://127.0.0.1:8080/x", "http://localhost/", "http://[::1]:1/"]
        {
            assert!(is_allowed_transport(&Url::parse(ok).unwrap()), "{ok}");
        }
        for bad in
            ["http://accounts.google.com", "http://10.0.0.1/", "ftp://127.0.0.1/", "file:///etc/passwd"]
        {
            assert!(!is_allowed_transport(&Url::parse(bad).unwrap()), "{bad}");
        }
    }
}
