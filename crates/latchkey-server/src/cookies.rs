//! The hosted pages' cookies: their names and attributes for this issuer, written and read
//! with the `cookie` crate (RFC 6265).
//!
//! Every cookie is HttpOnly and SameSite=Lax, with the issuer's path as `Path`. The name
//! prefix (RFC 6265bis §4.1.3) follows from the issuer:
//!
//! - `https://id.example` (root): `__Host-latchkey_session`, `Secure`, `Path=/`. Browsers
//!   accept `__Host-` only with `Secure`, `Path=/` and no `Domain`, so no other host or
//!   path can set or shadow it.
//! - `https://id.example/auth` (with a path): `__Host-` is impossible (it demands `Path=/`),
//!   so `__Secure-latchkey_session` with `Secure` and `Path=/auth`: the cookie stays with
//!   the issuer's pages instead of going to every application on the host.
//! - `http://localhost` or a loopback address (development): `latchkey_session`, not
//!   `Secure` (browsers refuse `Secure` cookies from plain http, and with it both prefixes).
//!
//! The same names apply to the CSRF cookie (`…latchkey_csrf`) and the known-device cookie
//! (`…latchkey_device`, [`crate::known_device`]) and the federation flow cookie
//! (`…latchkey_federation`, which binds an outbound upstream login to this browser).
//! It too is SameSite=Lax: the callback of a `form_post` provider (Apple) arrives as a
//! cross-site POST without it, and is answered by a redirect to the same callback as a GET,
//! a top-level navigation that carries Lax cookies (as Ory Kratos does).

use axum::http::{header, HeaderMap, HeaderValue};
use cookie::{time::Duration, Cookie, SameSite};

use crate::public_urls::PublicUrls;

/// Cookie names and attributes for this issuer.
#[derive(Debug, Clone)]
pub struct CookiePolicy {
    pub session_name: &'static str,
    pub csrf_name: &'static str,
    pub device_name: &'static str,
    pub federation_name: &'static str,
    pub secure: bool,
    /// The `Path` attribute: the issuer's path, or `/`.
    pub path: String,
}

impl CookiePolicy {
    pub fn for_issuer(urls: &PublicUrls) -> Self {
        let path = urls.cookie_path().to_owned();
        let (session_name, csrf_name, device_name, federation_name, secure) =
            if urls.issuer().is_loopback_http() {
                ("latchkey_session", "latchkey_csrf", "latchkey_device", "latchkey_federation", false)
            } else if path == "/" {
                (
                    "__Host-latchkey_session",
                    "__Host-latchkey_csrf",
                    "__Host-latchkey_device",
                    "__Host-latchkey_federation",
                    true,
                )
            } else {
                (
                    "__Secure-latchkey_session",
                    "__Secure-latchkey_csrf",
                    "__Secure-latchkey_device",
                    "__Secure-latchkey_federation",
                    true,
                )
            };
        Self { session_name, csrf_name, device_name, federation_name, secure, path }
    }

    /// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
    pub fn set_cookie(&self, name: &str, value: &str, max_age: i64) -> HeaderValue {
        let cookie = Cookie::build((name, value))
            .path(self.path.as_str())
            .http_only(true)
            .same_site(SameSite::Lax)
            .max_age(Duration::seconds(max_age))
            .secure(self.secure)
            .build();
        HeaderValue::from_str(&cookie.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
    }
}

/// The value of cookie `name` from the request, from any of its `Cookie` headers (HTTP/2
/// may send several).
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::issuer::Issuer;

    fn policy(issuer: &str) -> CookiePolicy {
        CookiePolicy::for_issuer(&PublicUrls::new(Issuer::parse(issuer).unwrap()))
    }

    fn attributes(set: &HeaderValue) -> Cookie<'static> {
        Cookie::parse(set.to_str().unwrap().to_owned()).unwrap()
    }

    #[test]
    fn cookie_policy_by_issuer() {
        let local = policy("http://127.0.0.1:8080");
        assert_eq!((local.session_name, local.secure, local.path.as_str()), ("latchkey_session", false, "/"));
        assert!(!policy("http://localhost:3000/auth").secure);
        assert!(!policy("http://[::1]:3000").secure);
        let public = policy("https://id.example");
        assert_eq!((public.session_name, public.secure), ("__Host-latchkey_session", true));
        let set = attributes(&public.set_cookie(public.session_name, "abc", 60));
        assert_eq!((set.name(), set.value()), ("__Host-latchkey_session", "abc"));
        assert_eq!(set.path(), Some("/"));
        assert_eq!(set.http_only(), Some(true));
        assert_eq!(set.same_site(), Some(SameSite::Lax));
        assert_eq!(set.max_age(), Some(Duration::seconds(60)));
        assert_eq!(set.secure(), Some(true));
        assert_eq!(set.domain(), None);
        assert_eq!(public.federation_name, "__Host-latchkey_federation");
        assert_eq!(policy("https://id.example/t").federation_name, "__Secure-latchkey_federation");
    }

    #[test]
    fn an_issuer_path_scopes_the_cookies() {
        let tenant = policy("https://id.example/tenant");
        assert_eq!(
            (tenant.session_name, tenant.csrf_name),
            ("__Secure-latchkey_session", "__Secure-latchkey_csrf")
        );
        let set = attributes(&tenant.set_cookie(tenant.csrf_name, "x", 0));
        assert_eq!(
            (set.path(), set.secure(), set.max_age()),
            (Some("/tenant"), Some(true), Some(Duration::ZERO))
        );
        let local = policy("http://127.0.0.1:9000/auth");
        assert_eq!((local.session_name, local.path.as_str()), ("latchkey_session", "/auth"));
        assert_eq!(attributes(&local.set_cookie("latchkey_session", "v", 1)).secure(), None);
    }

    #[test]
    fn read_cookie_finds_the_name_in_any_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; latchkey_csrf=xyz"));
        headers.append(header::COOKIE, HeaderValue::from_static("latchkey_session=s3cret"));
        assert_eq!(read_cookie(&headers, "latchkey_csrf").as_deref(), Some("xyz"));
        assert_eq!(read_cookie(&headers, "latchkey_session").as_deref(), Some("s3cret"));
        assert_eq!(read_cookie(&headers, "latchkey"), None);
    }
}
