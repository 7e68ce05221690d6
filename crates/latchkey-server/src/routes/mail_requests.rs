//! What the pages that send e-mail share (forgotten password, sign-up, e-mail links): the
//! address check, the throttle per address and per IP ([`crate::throttle`]), the 429 page
//! for an IP that must wait, and reading a link's token.

use std::net::SocketAddr;

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use crate::client_ip::client_ip;
use crate::error::ApiError;
use crate::state::AppState;
use crate::throttle::{self, Key, Verdict};

/// Longest e-mail address (RFC 5321 §4.5.3.1.3).
const MAX_EMAIL_LEN: usize = 254;

/// What the address field must look like before anything is sent to it.
pub fn is_email(value: &str) -> bool {
    value.len() <= MAX_EMAIL_LEN && value.contains('@') && !value.contains(char::is_whitespace)
}

/// Counts a request that e-mails `email`, against the address and the client IP. `Open`: send
/// it; `Wait`: answer the same, send nothing; `RateLimited`: answer with [`too_many`].
pub async fn admit(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    email: &str,
) -> Result<Verdict, ApiError> {
    let keys = [Key::mail_address(email), Key::ip(client_ip(peer, headers, &state.config.trusted_proxies))];
    throttle::admit_request(state.login_throttle.as_ref(), &keys, state.clock.now()).await
}

/// `page` as a 429 with `Retry-After`.
pub fn too_many(mut page: Response, retry_after: i64) -> Response {
    *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    page.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after.max(1)));
    page
}

/// The message of a form refused by [`too_many`].
pub fn too_many_text() -> String {
    crate::pages::tr("too-many-requests")
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// The `token` of an e-mailed link's query (empty when absent or unreadable).
pub fn link_token(query: Result<Query<LinkQuery>, QueryRejection>) -> String {
    query.map(|Query(q)| q.token).unwrap_or_default()
}
