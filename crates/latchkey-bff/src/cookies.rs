//! The two cookies the BFF sets, with every attribute fixed here.
//!
//! - The session cookie `__Host-latchkey-bff`: `HttpOnly` (JavaScript never sees it),
//!   `Secure`, `SameSite=Strict`, `Path=/`, no `Domain` — the `__Host-` prefix makes browsers
//!   refuse it otherwise (RFC 6265bis §4.1.3.2), so no sibling subdomain can plant or read
//!   it. Its value is 256 random bits; the database keeps only its SHA-256.
//! - The login cookie `__Host-latchkey-bff-login`: the pending sign-in's state, nonce and PKCE
//!   verifier, sealed under the BFF's key, for ten minutes. `SameSite=Lax`, because the
//!   browser arrives at the callback by a redirect from Latchkey, possibly another site.
//!
//! Over plain HTTP to a loopback host (development) `Secure` and the prefix are dropped
//! (browsers refuse a `__Host-` cookie without `Secure`); see [`crate::BffConfig::insecure_loopback`].

use axum::http::{HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};

pub const SESSION: &str = "__Host-latchkey-bff";
pub const LOGIN: &str = "__Host-latchkey-bff-login";
/// How long a sign-in may take.
pub const LOGIN_TTL_SECONDS: i64 = 600;

/// The name a cookie has under the given transport.
pub fn name(base: &'static str, insecure_loopback: bool) -> &'static str {
    if insecure_loopback {
        base.trim_start_matches("__Host-")
    } else {
        base
    }
}

fn build(
    name: &'static str,
    value: String,
    same_site: SameSite,
    max_age: Option<i64>,
    insecure: bool,
) -> HeaderValue {
    let mut cookie =
        Cookie::build((name, value)).http_only(true).secure(!insecure).same_site(same_site).path("/");
    if let Some(seconds) = max_age {
        cookie = cookie.max_age(cookie::time::Duration::seconds(seconds));
    }
    // A cookie string of base64url characters and fixed attributes is a valid header value.
    HeaderValue::from_str(&cookie.build().to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// `Set-Cookie` for a new session (a browser-session cookie: it ends with the browser; the
/// server-side limits end it earlier).
pub fn session(value: String, insecure: bool) -> HeaderValue {
    build(name(SESSION, insecure), value, SameSite::Strict, None, insecure)
}

/// `Set-Cookie` for a pending sign-in.
pub fn login(value: String, insecure: bool) -> HeaderValue {
    build(name(LOGIN, insecure), value, SameSite::Lax, Some(LOGIN_TTL_SECONDS), insecure)
}

/// `Set-Cookie` that deletes cookie `base`.
pub fn clear(base: &'static str, insecure: bool) -> HeaderValue {
    let same_site = if base == SESSION { SameSite::Strict } else { SameSite::Lax };
    build(name(base, insecure), String::new(), same_site, Some(0), insecure)
}

/// The value of cookie `base` in the request, if any.
pub fn read(headers: &HeaderMap, base: &'static str, insecure: bool) -> Option<String> {
    let wanted = name(base, insecure);
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == wanted)
        .map(|cookie| cookie.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_has_every_attribute() {
        let header = session("abc".into(), false);
        let text = header.to_str().unwrap();
        let cookie = Cookie::parse(text).unwrap();
        assert_eq!(cookie.name(), "__Host-latchkey-bff");
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.secure(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Strict));
        assert_eq!(cookie.path(), Some("/"));
        assert_eq!(cookie.domain(), None);
        assert!(!text.to_ascii_lowercase().contains("domain"), "{text}");
    }

    #[test]
    fn loopback_drops_secure_and_the_prefix_together() {
        let cookie = Cookie::parse(session("abc".into(), true).to_str().unwrap().to_owned()).unwrap();
        assert_eq!(cookie.name(), "latchkey-bff");
        assert_eq!(cookie.secure(), None);
        assert_eq!(cookie.http_only(), Some(true));
    }

    #[test]
    fn read_finds_the_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", "a=1; __Host-latchkey-bff=xyz; b=2".parse().unwrap());
        assert_eq!(read(&headers, SESSION, false).as_deref(), Some("xyz"));
        assert_eq!(read(&headers, SESSION, true), None);
    }
}
