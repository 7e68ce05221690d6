//! Finding the bearer token in a request: the `Authorization` header, by the rules of
//! [`latchkey_core::bearer`] (RFC 6750 §2.1, shared with the Latchkey server) or, when
//! configured, a cookie (for browser clients that keep the token in an HttpOnly cookie).
//!
//! The form-body and query-parameter methods (RFC 6750 §2.2, §2.3) are not supported: §2.3
//! is discouraged because URLs end up in logs, and §2.2 would make the guard read bodies.

use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use cookie::Cookie;
use latchkey_core::bearer::{checked_token, credentials_from_authorization, BearerError, Scheme};

/// The token a request presents and its scheme (`Bearer`, or `DPoP` for a bound token,
/// RFC 9449 §7.1); the `Authorization` header wins over the cookie (a bearer token).
pub(crate) fn token<'a>(
    headers: &'a HeaderMap,
    cookie: Option<&str>,
) -> Result<(Scheme, &'a str), BearerError> {
    let authorization = headers.get_all(AUTHORIZATION).iter().map(HeaderValue::as_bytes);
    if let Some(found) = credentials_from_authorization(authorization)? {
        return Ok(found);
    }
    match cookie {
        Some(name) => from_cookie(headers, name).map(|token| (Scheme::Bearer, token)),
        None => Err(BearerError::MissingToken),
    }
}

/// The value of cookie `name`, from any `Cookie` header (HTTP/2 may send several).
/// Parsed by the `cookie` crate (RFC 6265 §4.2.1); a quoted value loses its quotes.
fn from_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, BearerError> {
    let found = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .and_then(|cookie| cookie.value_raw());
    match found {
        Some(token) => checked_token(token.trim_matches('"')),
        None => Err(BearerError::MissingToken),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn the_header_rules_are_core_s() {
        assert_eq!(
            token(&headers(&[("authorization", "bEaReR  a.b.c")]), None),
            Ok((Scheme::Bearer, "a.b.c"))
        );
        assert_eq!(token(&headers(&[("authorization", "Basic dTpw")]), None), Err(BearerError::MissingToken));
        assert_eq!(token(&headers(&[]), None), Err(BearerError::MissingToken));
        let map = headers(&[("authorization", "Bearer a"), ("authorization", "Bearer b")]);
        assert!(matches!(token(&map, None), Err(BearerError::InvalidRequest(_))));
    }

    #[test]
    fn cookie_is_read_only_when_configured_and_the_header_wins() {
        let map = headers(&[("cookie", "theme=dark; at=x.y.z")]);
        assert_eq!(token(&map, Some("at")), Ok((Scheme::Bearer, "x.y.z")));
        assert_eq!(token(&map, None), Err(BearerError::MissingToken));
        let map = headers(&[("cookie", "at=x.y.z"), ("authorization", "Bearer h.h.h")]);
        assert_eq!(token(&map, Some("at")), Ok((Scheme::Bearer, "h.h.h")));
        let map = headers(&[("cookie", "at=")]);
        assert!(matches!(token(&map, Some("at")), Err(BearerError::InvalidRequest(_))));
    }

    #[test]
    fn cookie_is_found_in_any_cookie_header_and_loses_its_quotes() {
        let map = headers(&[("cookie", "theme=dark"), ("cookie", "lang=en; at=\"x.y.z\"")]);
        assert_eq!(token(&map, Some("at")), Ok((Scheme::Bearer, "x.y.z")));
        assert_eq!(
            token(&headers(&[("cookie", "xat=1; a t=2")]), Some("at")),
            Err(BearerError::MissingToken)
        );
    }
}
