//! Cross-site request forgery defence for every proxied or state-changing request.
//!
//! Two independent checks, both required (draft-ietf-oauth-browser-based-apps §6.1.3.2):
//!
//! 1. The custom header `X-Latchkey-CSRF: 1`. A plain HTML form or a "simple" cross-origin
//!    `fetch` cannot set it (Fetch standard, CORS-safelisted request headers); a cross-origin
//!    script that sets it triggers a preflight, which this BFF never approves (it sends no
//!    `Access-Control-Allow-*` headers at all).
//! 2. The request's origin is one of the allowed origins (the app's own, exactly: a sibling
//!    subdomain is another origin). Browsers send `Origin` on every non-GET `fetch`; when it
//!    is missing, `Sec-Fetch-Site: same-origin` (Fetch Metadata) is accepted instead; with
//!    neither, the request is refused.
//!
//! The session cookie's `SameSite=Strict` is a third layer, not relied upon alone: a sibling
//! subdomain is same-site.

use axum::http::HeaderMap;

/// The header an app's JavaScript sends with every API call.
pub const CSRF_HEADER: &str = "x-latchkey-csrf";

/// Why a request was refused (for the log; the answer is a plain 403).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsrfRefusal {
    MissingHeader,
    ForeignOrigin,
    NoOriginEvidence,
}

/// Checks both rules; `allowed` are serialized origins (`https://bank.example`).
pub fn check(headers: &HeaderMap, allowed: &[String]) -> Result<(), CsrfRefusal> {
    if headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()) != Some("1") {
        return Err(CsrfRefusal::MissingHeader);
    }
    let mut origins = headers.get_all("origin").iter();
    match (origins.next(), origins.next()) {
        (Some(origin), None) => {
            let origin = origin.to_str().map_err(|_| CsrfRefusal::ForeignOrigin)?;
            if allowed.iter().any(|a| a.eq_ignore_ascii_case(origin)) {
                Ok(())
            } else {
                Err(CsrfRefusal::ForeignOrigin)
            }
        }
        (Some(_), Some(_)) => Err(CsrfRefusal::ForeignOrigin),
        (None, _) => {
            let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
            if site == Some("same-origin") {
                Ok(())
            } else {
                Err(CsrfRefusal::NoOriginEvidence)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_matrix() {
        let allowed = vec!["https://bank.example".to_owned()];
        let check = |pairs: &[(&'static str, &'static str)]| check(&headers(pairs), &allowed);
        assert_eq!(check(&[("origin", "https://bank.example")]), Err(CsrfRefusal::MissingHeader));
        assert_eq!(
            check(&[(CSRF_HEADER, "true"), ("origin", "https://bank.example")]),
            Err(CsrfRefusal::MissingHeader)
        );
        assert_eq!(check(&[(CSRF_HEADER, "1"), ("origin", "https://bank.example")]), Ok(()));
        assert_eq!(
            check(&[(CSRF_HEADER, "1"), ("origin", "https://evil.example")]),
            Err(CsrfRefusal::ForeignOrigin)
        );
        assert_eq!(
            check(&[(CSRF_HEADER, "1"), ("origin", "https://app.bank.example")]),
            Err(CsrfRefusal::ForeignOrigin)
        );
        assert_eq!(
            check(&[(CSRF_HEADER, "1"), ("origin", "http://bank.example")]),
            Err(CsrfRefusal::ForeignOrigin)
        );
        assert_eq!(check(&[(CSRF_HEADER, "1"), ("origin", "null")]), Err(CsrfRefusal::ForeignOrigin));
        assert_eq!(
            check(&[
                (CSRF_HEADER, "1"),
                ("origin", "https://bank.example"),
                ("origin", "https://evil.example")
            ]),
            Err(CsrfRefusal::ForeignOrigin)
        );
        assert_eq!(check(&[(CSRF_HEADER, "1"), ("sec-fetch-site", "same-origin")]), Ok(()));
        assert_eq!(
            check(&[(CSRF_HEADER, "1"), ("sec-fetch-site", "same-site")]),
            Err(CsrfRefusal::NoOriginEvidence)
        );
        assert_eq!(
            check(&[(CSRF_HEADER, "1"), ("sec-fetch-site", "cross-site")]),
            Err(CsrfRefusal::NoOriginEvidence)
        );
        assert_eq!(check(&[(CSRF_HEADER, "1")]), Err(CsrfRefusal::NoOriginEvidence));
    }
}
