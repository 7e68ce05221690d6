//! The cookie names and attributes of the hosted pages, chosen from the issuer.
//!
//! `__Host-` cookies are accepted by browsers only with `Secure` and `Path=/`, and `Secure`
//! cookies only over https (RFC 6265bis §4.1.3.2), so a development issuer on
//! `http://localhost` or a loopback address gets plain names without `Secure`; every other
//! issuer gets `__Host-` names with `Secure`. The origin kept here is the only `Origin`
//! accepted on form posts (the CSRF check in `browser.rs`).

use axum::http::HeaderValue;

/// Cookie names and attributes for this issuer.
#[derive(Debug, Clone)]
pub struct CookiePolicy {
    pub session_name: &'static str,
    pub csrf_name: &'static str,
    pub secure: bool,
    /// `scheme://host[:port]` of the issuer: the only `Origin` accepted on form posts.
    pub origin: String,
}

impl CookiePolicy {
    pub fn for_issuer(issuer: &str) -> Self {
        let origin = match issuer.find("://") {
            Some(i) => {
                let rest = &issuer[i + 3..];
                let end = rest.find('/').map_or(issuer.len(), |j| i + 3 + j);
                issuer[..end].to_owned()
            }
            None => issuer.to_owned(),
        };
        let host = origin.split_once("://").map_or("", |(_, h)| h);
        let host = if host.starts_with('[') {
            host.split_once(']').map_or(host, |(h, _)| h).trim_start_matches('[')
        } else {
            host.split(':').next().unwrap_or(host)
        };
        let local_http = origin.starts_with("http://")
            && (host == "localhost" || host == "::1" || host.starts_with("127."));
        if local_http {
            Self { session_name: "latchkey_session", csrf_name: "latchkey_csrf", secure: false, origin }
        } else {
            Self {
                session_name: "__Host-latchkey_session",
                csrf_name: "__Host-latchkey_csrf",
                secure: true,
                origin,
            }
        }
    }

    /// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
    pub fn set_cookie(&self, name: &str, value: &str, max_age: i64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
        HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cookie_policy_by_issuer() {
        let local = CookiePolicy::for_issuer("http://127.0.0.1:8080");
        assert_eq!((local.session_name, local.secure), ("latchkey_session", false));
        assert_eq!(local.origin, "http://127.0.0.1:8080");
        assert!(!CookiePolicy::for_issuer("http://localhost:3000/auth").secure);
        assert!(!CookiePolicy::for_issuer("http://[::1]:3000").secure);
        let public = CookiePolicy::for_issuer("https://id.example/tenant");
        assert_eq!((public.session_name, public.secure), ("__Host-latchkey_session", true));
        assert_eq!(public.origin, "https://id.example");
        assert!(CookiePolicy::for_issuer("http://id.example").secure);
        let set = public.set_cookie(public.session_name, "abc", 60);
        assert_eq!(
            set.to_str().unwrap(),
            "__Host-latchkey_session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"
        );
    }
}
