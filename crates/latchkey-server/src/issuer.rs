//! The issuer identifier: the one rule for what may be an issuer, checked once at start, and
//! the one comparison of a request's `Origin` with it.
//!
//! RFC 8414 §2 (and OpenID Connect Discovery 1.0 §3): the issuer is a URL with the `https`
//! scheme and no query or fragment; it may have a path (`https://example.com/auth`). For
//! development, `http` is also accepted on a loopback host (`localhost`, `127.0.0.0/8`,
//! `::1`), where browsers treat the origin as potentially trustworthy; `http` anywhere else
//! would send session cookies and codes in clear, so it is refused at start.
//!
//! The identifier is the `url` crate's serialization (lower-case scheme and host, default
//! port dropped) without a trailing slash, so `HTTPS://Example.COM:443/auth/` and
//! `https://example.com/auth` name the same issuer and every token carries the same `iss`.

use std::net::IpAddr;

use url::{Host, Url};

/// Why a configured issuer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IssuerError {
    #[error("the issuer {0:?} is not an absolute URL: {1}")]
    NotAUrl(String, url::ParseError),
    #[error("the issuer {0:?} must use https (RFC 8414 §2), or http on localhost or a loopback IP")]
    NotHttps(String),
    #[error("the issuer {0:?} must have no query or fragment (RFC 8414 §2)")]
    QueryOrFragment(String),
    #[error("the issuer {0:?} must have no user name or password")]
    Credentials(String),
    /// A server reachable from other hosts is reached under a public name, which only the
    /// operator knows (`http://<listen>` would be wrong on every other host).
    #[error(
        "listening on {0}, which is not a loopback address, needs an explicit issuer: \
         --issuer https://<the public URL clients use> (or `issuer` in latchkey.toml)"
    )]
    NoIssuerForPublicListen(std::net::SocketAddr),
}

/// A validated issuer: see the module documentation for the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The identifier: the normalized URL without a trailing slash.
    identifier: String,
    /// `scheme://host[:port]`, ASCII serialization (RFC 6454 §6.2).
    origin: String,
    /// The path without a trailing slash: empty for an issuer at the root of its host.
    path: String,
    loopback_http: bool,
}

impl Issuer {
    /// Validates `issuer` and normalizes it.
    pub fn parse(issuer: &str) -> Result<Self, IssuerError> {
        let url = Url::parse(issuer).map_err(|e| IssuerError::NotAUrl(issuer.to_owned(), e))?;
        let loopback_http = url.scheme() == "http" && url.host().is_some_and(|host| is_loopback(&host));
        if url.scheme() != "https" && !loopback_http {
            return Err(IssuerError::NotHttps(issuer.to_owned()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(IssuerError::QueryOrFragment(issuer.to_owned()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(IssuerError::Credentials(issuer.to_owned()));
        }
        let path = url.path().trim_end_matches('/').to_owned();
        let origin = url.origin().ascii_serialization();
        Ok(Self { identifier: format!("{origin}{path}"), origin, path, loopback_http })
    }

    /// The identifier, as every token's `iss` and the metadata's `issuer` carry it.
    pub fn as_str(&self) -> &str {
        &self.identifier
    }

    /// `scheme://host[:port]` of the issuer: the only `Origin` its pages post from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The issuer's path without a trailing slash (`/auth`), empty at the root of the host.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `http` on a loopback host: a development issuer, where cookies cannot be `Secure`.
    pub fn is_loopback_http(&self) -> bool {
        self.loopback_http
    }

    /// Whether an `Origin` header value names this issuer's origin. Both sides are compared
    /// in their serialized form (RFC 6454 §6.2: lower-case scheme and host, default port
    /// dropped); a value with a path, query or credentials is not an origin and never
    /// matches, nor does the opaque `null`.
    pub fn is_origin(&self, header_value: &str) -> bool {
        let Ok(url) = Url::parse(header_value) else { return false };
        let bare = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        bare && url.origin().ascii_serialization() == self.origin
    }
}

impl std::fmt::Display for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.identifier)
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn https_and_loopback_http_are_issuers() {
        let issuer = Issuer::parse("https://id.example").unwrap();
        assert_eq!(
            (issuer.as_str(), issuer.origin(), issuer.path()),
            ("https://id.example", "https://id.example", "")
        );
        assert!(!issuer.is_loopback_http());
        for local in
            ["http://127.0.0.1:8080", "http://localhost:3000", "http://[::1]:3000", "http://127.8.0.1"]
        {
            assert!(Issuer::parse(local).unwrap().is_loopback_http(), "{local}");
        }
    }

    #[test]
    fn issuers_are_normalized() {
        let issuer = Issuer::parse("HTTPS://Example.COM:443/auth/").unwrap();
        assert_eq!(issuer.as_str(), "https://example.com/auth");
        assert_eq!(issuer.origin(), "https://example.com");
        assert_eq!(issuer.path(), "/auth");
        assert_eq!(Issuer::parse("http://127.0.0.1:8080/").unwrap().as_str(), "http://127.0.0.1:8080");
        assert_eq!(Issuer::parse("http://127.0.0.1:8080").unwrap().origin(), "http://127.0.0.1:8080");
        assert_eq!(Issuer::parse("https://id.example/tenant").unwrap().origin(), "https://id.example");
        assert_eq!(
            Issuer::parse("https://id.example:8443/a/b").unwrap().to_string(),
            "https://id.example:8443/a/b"
        );
    }

    #[test]
    fn bad_issuers_are_refused_with_the_reason() {
        let refused = |issuer: &str| Issuer::parse(issuer).unwrap_err();
        assert!(matches!(refused("id.example"), IssuerError::NotAUrl(..)));
        assert!(matches!(refused("/auth"), IssuerError::NotAUrl(..)));
        assert!(matches!(refused("http://id.example"), IssuerError::NotHttps(_)));
        assert!(matches!(refused("http://0.0.0.0:8080"), IssuerError::NotHttps(_)));
        assert!(matches!(refused("http://localhost.example"), IssuerError::NotHttps(_)));
        assert!(matches!(refused("ftp://id.example"), IssuerError::NotHttps(_)));
        assert!(matches!(refused("https://id.example/auth?tenant=1"), IssuerError::QueryOrFragment(_)));
        assert!(matches!(refused("https://id.example/#top"), IssuerError::QueryOrFragment(_)));
        assert!(matches!(refused("https://user:pw@id.example"), IssuerError::Credentials(_)));
        let message = refused("http://id.example").to_string();
        assert!(message.contains("must use https"), "{message}");
    }

    #[test]
    fn origins_compare_in_serialized_form() {
        let issuer = Issuer::parse("https://example.com/auth").unwrap();
        assert!(issuer.is_origin("https://example.com"));
        assert!(issuer.is_origin("HTTPS://Example.COM:443"), "case and default port");
        assert!(!issuer.is_origin("https://example.com:8443"));
        assert!(!issuer.is_origin("http://example.com"));
        assert!(!issuer.is_origin("https://example.com.evil"));
        assert!(!issuer.is_origin("https://example.com/auth"), "an origin has no path");
        assert!(!issuer.is_origin("null"));
        assert!(!issuer.is_origin(""));
        let local = Issuer::parse("http://127.0.0.1:8080").unwrap();
        assert!(local.is_origin("http://127.0.0.1:8080"));
        assert!(!local.is_origin("http://localhost:8080"));
        assert!(Issuer::parse("http://localhost:80").unwrap().is_origin("http://LOCALHOST"));
    }
}
