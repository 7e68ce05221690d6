//! Finding the bearer token in a request: the `Authorization` header (RFC 6750 §2.1) or,
//! when configured, a cookie (for browser clients that keep the token in an HttpOnly cookie).
//!
//! Size is checked first, on the raw bytes, so a far-too-large header is refused before any
//! parsing. The form-body and query-parameter methods (RFC 6750 §2.2, §2.3) are not
//! supported: §2.3 is discouraged because URLs end up in logs, and §2.2 would make the guard
//! read bodies.

use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::HeaderMap;
use cookie::Cookie;

use crate::error::Rejection;
use crate::MAX_TOKEN_LEN;

/// Room for the scheme and spaces in front of the token.
const MAX_HEADER_LEN: usize = MAX_TOKEN_LEN + 64;

/// The token a request presents; the `Authorization` header wins over the cookie.
pub(crate) fn token<'a>(headers: &'a HeaderMap, cookie: Option<&str>) -> Result<&'a str, Rejection> {
    let mut authorization = headers.get_all(AUTHORIZATION).iter();
    if let Some(value) = authorization.next() {
        if authorization.next().is_some() {
            return Err(Rejection::InvalidRequest("more than one Authorization header".into()));
        }
        if value.len() > MAX_HEADER_LEN {
            return Err(too_large());
        }
        // UTF-8 (word-at-a-time) rather than `to_str`'s byte-by-byte visible-ASCII check: the
        // JWS parser refuses every character outside base64url anyway.
        let value = std::str::from_utf8(value.as_bytes())
            .map_err(|_| Rejection::InvalidRequest("the Authorization header is not text".into()))?;
        return from_authorization(value);
    }
    match cookie {
        Some(name) => from_cookie(headers, name),
        None => Err(Rejection::MissingToken),
    }
}

/// RFC 6750 §2.1: `Bearer 1*SP b64token`; the scheme is case-insensitive (RFC 9110 §11.1).
/// Another scheme (e.g. `Basic`) is not a bearer token: the answer is the bare challenge.
fn from_authorization(value: &str) -> Result<&str, Rejection> {
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Rejection::MissingToken);
    }
    checked(rest.trim_matches(' '))
}

/// The value of cookie `name`, from any `Cookie` header (HTTP/2 may send several).
/// Parsed by the `cookie` crate (RFC 6265 §4.2.1); a quoted value loses its quotes.
fn from_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, Rejection> {
    let found = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .and_then(|cookie| cookie.value_raw());
    match found {
        Some(token) => checked(token.trim_matches('"')),
        None => Err(Rejection::MissingToken),
    }
}

/// Presence and size. The `b64token` syntax (RFC 6750 §2.1) is not checked here: the JWS
/// parser accepts only base64url and dots, a strict subset, and refuses anything else as a
/// malformed token (`invalid_token`) without a second pass over the bytes.
fn checked(token: &str) -> Result<&str, Rejection> {
    if token.is_empty() {
        return Err(Rejection::InvalidRequest("the bearer token is empty".into()));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(too_large());
    }
    Ok(token)
}

/// `400 invalid_request`: refused by size alone (RFC 6750 §3.1).
pub(crate) fn too_large() -> Rejection {
    Rejection::InvalidRequest(format!("the bearer token is longer than {MAX_TOKEN_LEN} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn scheme_is_case_insensitive_and_other_schemes_are_no_token() {
        assert_eq!(token(&headers(&[("authorization", "bEaReR  a.b.c")]), None), Ok("a.b.c"));
        assert_eq!(token(&headers(&[("authorization", "Basic dTpw")]), None), Err(Rejection::MissingToken));
        assert_eq!(token(&headers(&[]), None), Err(Rejection::MissingToken));
    }

    #[test]
    fn two_authorization_headers_are_a_bad_request() {
        let map = headers(&[("authorization", "Bearer a"), ("authorization", "Bearer b")]);
        assert!(matches!(token(&map, None), Err(Rejection::InvalidRequest(_))));
    }

    #[test]
    fn cookie_is_read_only_when_configured_and_the_header_wins() {
        let map = headers(&[("cookie", "theme=dark; at=x.y.z")]);
        assert_eq!(token(&map, Some("at")), Ok("x.y.z"));
        assert_eq!(token(&map, None), Err(Rejection::MissingToken));
        let map = headers(&[("cookie", "at=x.y.z"), ("authorization", "Bearer h.h.h")]);
        assert_eq!(token(&map, Some("at")), Ok("h.h.h"));
    }

    #[test]
    fn cookie_is_found_in_any_cookie_header_and_loses_its_quotes() {
        let map = headers(&[("cookie", "theme=dark"), ("cookie", "lang=en; at=\"x.y.z\"")]);
        assert_eq!(token(&map, Some("at")), Ok("x.y.z"));
        assert_eq!(token(&headers(&[("cookie", "xat=1; a t=2")]), Some("at")), Err(Rejection::MissingToken));
    }

    #[test]
    fn oversized_and_empty_tokens_are_bad_requests() {
        let long = format!("Bearer {}", "a".repeat(MAX_TOKEN_LEN + 1));
        assert!(matches!(
            token(&headers(&[("authorization", &long)]), None),
            Err(Rejection::InvalidRequest(_))
        ));
        let empty = headers(&[("authorization", "Bearer ")]);
        assert!(matches!(token(&empty, None), Err(Rejection::InvalidRequest(_))));
    }
}
