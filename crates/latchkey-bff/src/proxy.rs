//! Forwarding the browser's API calls to fixed upstreams with the session's access token.
//!
//! What the upstream sees: the browser's request minus its credentials — `Cookie` (the
//! session cookie is the BFF's, and other cookies are the app origin's, not the API's) and
//! `Authorization` (only the BFF chooses the bearer) — minus hop-by-hop headers (RFC 9110
//! §7.6.1, plus those `Connection` names) and the CSRF header, plus `Authorization: Bearer`
//! (RFC 6750 §2.1). What the browser sees: the upstream's answer minus `Set-Cookie` (an API
//! must not plant cookies on the app's origin) and hop-by-hop headers; its
//! `WWW-Authenticate` is relayed, so the page can read a step-up challenge (RFC 9470 §3)
//! and send the user through [`crate::login`] with what it asks for. Bodies stream both
//! ways; the whole exchange is bounded by `upstream_timeout`. The upstream is the route's,
//! never derived from the request, and dot segments are refused so a path cannot climb out
//! of the upstream's base path.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;

use crate::bff::Bff;
use crate::csrf::CSRF_HEADER;
use crate::error::BffError;
use crate::gate;

/// RFC 9110 §7.6.1 and the headers a proxy never forwards.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Removes hop-by-hop headers, including those the `Connection` header names.
fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// The request headers an API receives: no browser credentials, the session's bearer token.
pub(crate) fn to_upstream(headers: &mut HeaderMap, access_token: &str) -> Result<(), BffError> {
    remove_hop_by_hop(headers);
    for name in [header::COOKIE, header::AUTHORIZATION, header::HOST, header::CONTENT_LENGTH] {
        headers.remove(name);
    }
    headers.remove(CSRF_HEADER);
    let bearer = HeaderValue::from_str(&format!("Bearer {access_token}"))
        .map_err(|_| BffError::Internal("access token is not a header value"))?;
    headers.insert(header::AUTHORIZATION, bearer);
    Ok(())
}

/// The response headers the browser receives: no cookies from the API.
pub(crate) fn to_browser(headers: &mut HeaderMap) {
    remove_hop_by_hop(headers);
    headers.remove(header::SET_COOKIE);
}

/// Whether a path could address something outside the route's base path at the upstream:
/// a `.` or `..` segment (literal or percent-encoded), or an encoded `/` or a backslash (encoded or not) that the
/// upstream might decode into a separator.
fn may_climb(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.split('/').any(|segment| {
        let decoded = segment.replace("%2e", ".");
        decoded == "." || decoded == ".."
    }) || lower.contains("%2f")
        || lower.contains("%5c")
        || lower.contains('\\')
}

pub async fn forward(State(bff): State<Bff>, request: Request) -> Response {
    match forward_inner(&bff, request).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn forward_inner(bff: &Bff, request: Request) -> Result<Response, BffError> {
    let inner = &bff.inner;
    let path = request.uri().path().to_owned();
    let (route, rest) = inner
        .config
        .routes
        .iter()
        .find_map(|route| route.rest(&path).map(|rest| (route, rest.to_owned())))
        .ok_or(BffError::BadRequest("no API route"))?;
    if may_climb(&rest) {
        return Err(BffError::BadRequest("dot segments are not forwarded"));
    }
    let access_token = gate::access_token(bff, request.headers()).await?;
    let mut url = route.upstream.clone();
    url.set_path(&format!("{}{rest}", route.upstream.path().trim_end_matches('/')));
    url.set_query(request.uri().query());
    let (mut parts, body) = request.into_parts();
    to_upstream(&mut parts.headers, &access_token)?;
    let upstream = inner
        .http
        .request(parts.method, url)
        .headers(parts.headers)
        .body(reqwest::Body::wrap_stream(body.into_data_stream()))
        .timeout(inner.config.upstream_timeout)
        .send()
        .await
        .map_err(|error| {
            if error.is_timeout() {
                BffError::GatewayTimeout
            } else {
                tracing::warn!(%error, "BFF upstream request failed");
                BffError::BadGateway("the API could not be reached")
            }
        })?;
    let mut response = Response::builder().status(upstream.status());
    if let Some(headers) = response.headers_mut() {
        *headers = upstream.headers().clone();
        to_browser(headers);
    }
    let body = Body::from_stream(upstream.bytes_stream().map_err(std::io::Error::other));
    response.body(body).map_err(|_| BffError::Internal("response"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_hop_by_hop_headers_never_cross() {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", "__Host-latchkey-bff=s".parse().unwrap());
        headers.insert("authorization", "Bearer forged".parse().unwrap());
        headers.insert("connection", "close, x-secret-hop".parse().unwrap());
        headers.insert("x-secret-hop", "1".parse().unwrap());
        headers.insert("x-latchkey-csrf", "1".parse().unwrap());
        headers.insert("accept", "application/json".parse().unwrap());
        to_upstream(&mut headers, "at").unwrap();
        assert_eq!(headers.len(), 2, "{headers:?}");
        assert_eq!(headers["authorization"], "Bearer at");
        assert_eq!(headers["accept"], "application/json");

        let mut back = HeaderMap::new();
        back.insert("set-cookie", "tracker=1".parse().unwrap());
        back.insert("content-type", "application/json".parse().unwrap());
        to_browser(&mut back);
        assert_eq!(back.len(), 1);
    }

    #[test]
    fn dot_segments_and_encoded_separators_are_spotted() {
        for path in ["/../admin", "/a/./b", "/%2e%2E/admin", "/a%2fb", "/..", "/..%5cadmin", "/..\\admin"] {
            assert!(may_climb(path), "{path}");
        }
        assert!(!may_climb("/accounts/a.b/..x"));
    }
}
