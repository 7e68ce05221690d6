//! Redirect URIs (RFC 6749 §3.1.2, RFC 9700 §4.1): every rule about them, in one place.
//!
//! - **Registration** ([`RedirectUri::parse`], [`RedirectUri::check_client_kind`]): `https` is
//!   required, except for native apps (RFC 8252): the loopback interface (`http://127.0.0.1`
//!   and `http://[::1]`, §7.3), private-use URI schemes in reverse-domain form for public
//!   clients (`com.example.bank:/oauth/callback`, §7.1), and `http://localhost` with an exact
//!   port for development clients (§8.3 prefers the IP literal, so this draws a
//!   [`RedirectUri::registration_warning`]). Fragments are refused (RFC 6749 §3.1.2).
//! - **Matching** ([`RedirectUri::matches`], [`is_registered`]): exact string comparison
//!   (RFC 9700 §4.1.3), but for the port of a loopback IP-literal URI (RFC 8252 §7.3); a
//!   `localhost` URI keeps its registered port. Post-logout redirect URIs follow the same rule.
//! - **The authorization request** ([`resolve`]): the URI the request names, or the only
//!   registered one when it names none (RFC 6749 §3.1.2.3).
//! - **The token request** ([`check_token_request`]): the same `redirect_uri` again, required
//!   when the authorization request had one (RFC 6749 §4.1.3).

use std::fmt;

use crate::client::ClientKind;
use crate::OAuthError;

/// Longest redirect URI accepted.
pub const MAX_LEN: usize = 2048;

/// A redirect URI that passed the registration rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri(String);

/// Which registration rule a redirect URI passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectKind {
    /// `https://host/...`: web apps and claimed `https` redirects of native apps.
    Https,
    /// `http://127.0.0.1` or `http://[::1]`, any port at request time (RFC 8252 §7.3).
    Loopback,
    /// `http://localhost:PORT/...`, that exact port (RFC 8252 §8.3: development clients).
    Localhost,
    /// `com.example.app:/path`, a private-use scheme in reverse-domain form (RFC 8252 §7.1).
    PrivateUse,
}

/// RFC 8252 §7.1: a private-use scheme is a reverse domain name (`com.example.app`), so it
/// holds a dot between non-empty labels of RFC 3986 §3.1 scheme characters, and cannot be
/// `javascript`, `data` or any other scheme a browser runs itself.
fn is_reverse_domain_scheme(scheme: &str) -> bool {
    scheme.contains('.')
        && scheme.starts_with(|c: char| c.is_ascii_lowercase())
        && scheme.split('.').all(|label| {
            !label.is_empty()
                && label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// `http://localhost:PORT` followed by nothing, a path or a query, with a port of 1 to 65535.
fn is_localhost_with_port(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://localhost:") else {
        return false;
    };
    let port = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok_and(|n| n != 0)
}

/// The host part of a loopback `http` URI: the text before and after the port.
fn loopback_parts(uri: &str) -> Option<(&'static str, &str)> {
    for prefix in ["http://127.0.0.1", "http://[::1]"] {
        if let Some(rest) = uri.strip_prefix(prefix) {
            let path_start = rest.find(['/', '?']).unwrap_or(rest.len());
            let (port, path) = rest.split_at(path_start);
            // RFC 3986 §3.2.3 digits naming a TCP port, 1 to 65535 (port 99999 is no port).
            let port_ok = port.is_empty()
                || port.strip_prefix(':').is_some_and(|p| {
                    p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n != 0)
                });
            return port_ok.then_some((prefix, path));
        }
    }
    None
}

impl RedirectUri {
    /// Checks a URI for registration; the error says what is wrong in plain words.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if raw.is_empty() || raw.len() > MAX_LEN {
            return Err(format!("redirect URI must be 1 to {MAX_LEN} characters"));
        }
        if raw.bytes().any(|b| b <= b' ' || b == 0x7F || b == b'"' || b == b'<' || b == b'>' || b == b'\\') {
            return Err(format!("redirect URI {raw:?} contains spaces, control or unsafe characters"));
        }
        if raw.contains('#') {
            return Err(format!("redirect URI {raw:?} has a fragment; RFC 6749 §3.1.2 forbids them"));
        }
        if let Some(rest) = raw.strip_prefix("https://") {
            let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
            if authority.is_empty() || authority.contains('@') {
                return Err(format!("redirect URI {raw:?} needs a host and no user information"));
            }
            return Ok(Self(raw.to_owned()));
        }
        if raw.starts_with("http://") {
            if loopback_parts(raw).is_some() || is_localhost_with_port(raw) {
                return Ok(Self(raw.to_owned()));
            }
            return Err(format!(
                "redirect URI {raw:?} must use https (plain http only for http://127.0.0.1, \
                 http://[::1], or http://localhost with an explicit port)"
            ));
        }
        if let Some((scheme, rest)) = raw.split_once(':') {
            if is_reverse_domain_scheme(scheme) && !rest.is_empty() && !rest.contains('@') {
                return Ok(Self(raw.to_owned()));
            }
        }
        Err(format!(
            "redirect URI {raw:?} must be an absolute https URL, a loopback http URL, or a native \
             app's private-use scheme in reverse-domain form (com.example.app:/callback)"
        ))
    }

    /// OpenID Connect Back-Channel Logout 1.0 §2.2: a `backchannel_logout_uri` is where the
    /// server itself POSTs, so only the rules for a URL a server can reach apply: `https`, or
    /// plain `http` on the loopback interface (`127.0.0.1`, `[::1]`); never a private-use
    /// scheme or `localhost` (which may resolve elsewhere). No fragment, as for redirects.
    pub fn parse_backchannel_logout(raw: &str) -> Result<Self, String> {
        match Self::parse(raw) {
            Ok(uri) if matches!(uri.kind(), RedirectKind::Https | RedirectKind::Loopback) => Ok(uri),
            _ => Err(format!(
                "back-channel logout URI {raw:?} must be an https URL (no fragment, no user \
                 information), or http on 127.0.0.1 or [::1]"
            )),
        }
    }

    /// Which registration rule this URI passed.
    pub fn kind(&self) -> RedirectKind {
        if self.0.starts_with("https://") {
            RedirectKind::Https
        } else if loopback_parts(&self.0).is_some() {
            RedirectKind::Loopback
        } else if self.0.starts_with("http://") {
            RedirectKind::Localhost
        } else {
            RedirectKind::PrivateUse
        }
    }

    /// RFC 8252 §8.4: a private-use scheme can be claimed by any app on the device, so only a
    /// public client (which relies on PKCE, not on a secret) may register one.
    pub fn check_client_kind(&self, kind: ClientKind) -> Result<(), String> {
        if self.kind() == RedirectKind::PrivateUse && kind != ClientKind::Public {
            return Err(format!(
                "redirect URI {:?} uses a private-use scheme: only public (native) clients may \
                 register one (RFC 8252 §8.4)",
                self.0
            ));
        }
        Ok(())
    }

    /// What an operator should know about this URI when registering it, if anything.
    pub fn registration_warning(&self) -> Option<String> {
        (self.kind() == RedirectKind::Localhost).then(|| {
            format!(
                "warning: redirect URI {:?} uses localhost: fine for development, but RFC 8252 \
                 §8.3 prefers http://127.0.0.1 (localhost may resolve elsewhere, and its port is \
                 compared exactly)",
                self.0
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a `redirect_uri` presented in a request matches this registered one: the same
    /// string, or for loopback `http` URIs the same string but for the port (RFC 8252 §7.3).
    pub fn matches(&self, presented: &str) -> bool {
        if self.0 == presented {
            return true;
        }
        match (loopback_parts(&self.0), loopback_parts(presented)) {
            (Some((host_a, path_a)), Some((host_b, path_b))) => host_a == host_b && path_a == path_b,
            _ => false,
        }
    }
}

/// Whether `presented` matches one of the `registered` URIs (entries that no longer pass the
/// registration rules match nothing).
pub fn is_registered(registered: &[String], presented: &str) -> bool {
    registered.iter().filter_map(|uri| RedirectUri::parse(uri).ok()).any(|uri| uri.matches(presented))
}

/// Why an authorization request has no redirect URI to return to. Both are shown on an error
/// page, never redirected to (RFC 6749 §4.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// The request named a URI the client has not registered.
    NotRegistered,
    /// The request named none and the client registered several (or none).
    Missing,
}

/// RFC 6749 §3.1.2.3: where the response of an authorization request goes, the presented
/// `redirect_uri` if registered, or the only registered one when none was presented.
pub fn resolve(registered: &[String], presented: Option<&str>) -> Result<String, Unresolved> {
    match presented {
        Some(presented) if is_registered(registered, presented) => Ok(presented.to_owned()),
        Some(_) => Err(Unresolved::NotRegistered),
        None => {
            let valid: Vec<RedirectUri> =
                registered.iter().filter_map(|uri| RedirectUri::parse(uri).ok()).collect();
            match valid.as_slice() {
                [only] => Ok(only.as_str().to_owned()),
                _ => Err(Unresolved::Missing),
            }
        }
    }
}

/// RFC 6749 §4.1.3: the token request repeats the authorization request's `redirect_uri`
/// (`stored`, and whether the request named it: `given`) byte for byte.
pub fn check_token_request(stored: &str, given: bool, presented: Option<&str>) -> Result<(), OAuthError> {
    match presented {
        Some(uri) if uri != stored => {
            Err(OAuthError::invalid_grant("redirect_uri does not match the authorization request"))
        }
        None if given => {
            Err(OAuthError::invalid_grant("redirect_uri is required: the authorization request had one"))
        }
        _ => Ok(()),
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn registration_rules() {
        assert!(RedirectUri::parse("https://app.example/cb").is_ok());
        assert!(RedirectUri::parse("https://app.example/cb?x=1").is_ok());
        assert!(RedirectUri::parse("http://127.0.0.1/cb").is_ok());
        assert!(RedirectUri::parse("http://127.0.0.1:8000/cb").is_ok());
        assert!(RedirectUri::parse("http://[::1]:8000/cb").is_ok());
        assert!(RedirectUri::parse("http://app.example/cb").is_err());
        assert!(RedirectUri::parse("http://127.0.0.1.evil.example/cb").is_err());
        assert!(RedirectUri::parse("https://app.example/cb#frag").is_err());
        assert!(RedirectUri::parse("https://user@app.example/cb").is_err());
        assert!(RedirectUri::parse("javascript:alert(1)").is_err());
        assert!(RedirectUri::parse("/relative").is_err());
    }

    #[test]
    fn backchannel_logout_uris_are_https_or_loopback_http() {
        for accepted in
            ["https://rp.example/bff/backchannel-logout?x=1", "http://127.0.0.1:9000/bcl", "http://[::1]/bcl"]
        {
            assert!(RedirectUri::parse_backchannel_logout(accepted).is_ok(), "{accepted}");
        }
        for refused in [
            "http://localhost:9000/bcl",
            "http://rp.example/bcl",
            "com.example.bank:/bcl",
            "https://rp.example/bcl#frag",
            "https://user@rp.example/bcl",
            "javascript:alert(1)",
        ] {
            assert!(RedirectUri::parse_backchannel_logout(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn native_app_redirects_rfc8252() {
        let private = RedirectUri::parse("com.example.bank:/oauth/callback").unwrap();
        assert_eq!(private.kind(), RedirectKind::PrivateUse);
        assert!(private.matches("com.example.bank:/oauth/callback"));
        assert!(!private.matches("com.example.bank:/oauth/callback/"));
        assert!(!private.matches("com.example.evil:/oauth/callback"));
        assert!(!private.matches("COM.example.bank:/oauth/callback"));
        assert!(private.check_client_kind(ClientKind::Public).is_ok());
        assert!(private.check_client_kind(ClientKind::Confidential).is_err());
        assert_eq!(RedirectUri::parse("com.example.bank://cb").unwrap().kind(), RedirectKind::PrivateUse);
        for refused in [
            "bank:/cb",
            "javascript:alert(1)",
            "data:text/html,x",
            "file:/etc/passwd",
            "com.example.bank:",
            ".example.bank:/cb",
            "com..bank:/cb",
            "com.example.bank.:/cb",
            "1com.example:/cb",
            "com.exa_mple:/cb",
            "com.example.bank://user@host/cb",
            "com.example.bank:/cb#frag",
        ] {
            assert!(RedirectUri::parse(refused).is_err(), "{refused}");
        }
        let localhost = RedirectUri::parse("http://localhost:3000/cb").unwrap();
        assert_eq!(localhost.kind(), RedirectKind::Localhost);
        assert!(localhost.registration_warning().is_some());
        assert!(localhost.check_client_kind(ClientKind::Confidential).is_ok());
        assert!(localhost.matches("http://localhost:3000/cb"));
        assert!(!localhost.matches("http://localhost:3001/cb"), "a localhost port is exact");
        assert!(RedirectUri::parse("http://localhost:3000").is_ok());
        for refused in [
            "http://localhost/cb",
            "http://localhost:/cb",
            "http://localhost:0/cb",
            "http://localhost:70000/cb",
            "http://localhost.evil.example:3000/cb",
            "http://localhost:3000@evil.example/cb",
        ] {
            assert!(RedirectUri::parse(refused).is_err(), "{refused}");
        }
        assert!(RedirectUri::parse("https://app.example/cb").unwrap().registration_warning().is_none());
        assert!(RedirectUri::parse("http://127.0.0.1/cb").unwrap().registration_warning().is_none());
    }

    #[test]
    fn matching_is_exact_except_loopback_port() {
        let https = RedirectUri::parse("https://app.example/cb").unwrap();
        assert!(https.matches("https://app.example/cb"));
        assert!(!https.matches("https://app.example/cb/"));
        assert!(!https.matches("https://APP.example/cb"));
        assert!(!https.matches("https://app.example/cb?x=1"));
        let loopback = RedirectUri::parse("http://127.0.0.1/cb").unwrap();
        assert!(loopback.matches("http://127.0.0.1:51234/cb"));
        assert!(!loopback.matches("http://127.0.0.1:51234/other"));
        assert!(!loopback.matches("http://[::1]:51234/cb"));
        for port in ["99999", "65536", "0", "+80", ""] {
            assert!(!loopback.matches(&format!("http://127.0.0.1:{port}/cb")), "{port}");
        }
        assert!(loopback.matches("http://127.0.0.1:65535/cb"));
    }

    #[test]
    fn resolving_the_request_uri() {
        let one = vec!["https://app.example/cb".to_owned()];
        let two = vec!["https://app.example/cb".to_owned(), "http://127.0.0.1/cb".to_owned()];
        assert_eq!(resolve(&one, None).unwrap(), "https://app.example/cb");
        assert_eq!(resolve(&two, None), Err(Unresolved::Missing));
        assert_eq!(resolve(&[], None), Err(Unresolved::Missing));
        assert_eq!(resolve(&two, Some("http://127.0.0.1:4000/cb")).unwrap(), "http://127.0.0.1:4000/cb");
        assert_eq!(resolve(&one, Some("https://app.example/cb2")), Err(Unresolved::NotRegistered));
        assert!(is_registered(&two, "http://127.0.0.1:9/cb"));
        assert!(!is_registered(&["not a uri".to_owned()], "not a uri"));
    }

    #[test]
    fn token_request_repeats_the_uri() {
        let stored = "https://app.example/cb";
        assert!(check_token_request(stored, true, Some(stored)).is_ok());
        assert!(check_token_request(stored, false, None).is_ok());
        assert!(check_token_request(stored, true, None).is_err());
        assert!(check_token_request(stored, false, Some("https://app.example/other")).is_err());
    }
}
