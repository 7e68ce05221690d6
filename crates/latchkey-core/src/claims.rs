//! JWT access-token claims (RFC 9068 §2.2) and their checks (RFC 7519 §4.1, RFC 9068 §4).
//!
//! The checks return every problem found, in plain words, because the same code serves the
//! `latchkey token inspect` debugger (which should say all that is wrong) and resource servers.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The `typ` header value of an RFC 9068 access token.
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";

/// RFC 7519 §4.1.3: `aud` is a string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Self::One(one) => one == audience,
            Self::Many(many) => many.iter().any(|a| a == audience),
        }
    }
}

/// Claims of a Latchkey access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    pub iss: String,
    /// The user id, or the client id for client-credentials tokens (RFC 9068 §2.2).
    pub sub: String,
    pub aud: Audience,
    pub exp: i64,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub jti: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The session (refresh-token family); revoking it revokes this token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// How the user signed in (RFC 8176): `["pwd"]`, or `["fed"]` through an upstream provider;
    /// with a second factor also `otp` and `mfa` (`crate::mfa`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// The authentication context class of the sign-in (OpenID Connect Core §2), one of the
    /// server's configured names for single- and multi-factor (docs/architecture.md,
    /// "Multi-factor authentication"); what RFC 9470 step-up compares ([`crate::step_up`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// The upstream identity provider of a federated login, by its name here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<String>,
    /// The key the token is bound to (RFC 7800 §3.1, RFC 9449 §6.1): only a request with a
    /// DPoP proof signed by it may use the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// RFC 7800 `cnf` with the RFC 9449 §6.1 `jkt` member: the JWK SHA-256 thumbprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    pub jkt: String,
}

/// What the verifier expects; `None` skips that check.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaimChecks<'a> {
    pub issuer: Option<&'a str>,
    pub audience: Option<&'a str>,
    /// Clock-skew allowance in seconds for `exp`, `nbf` and `iat`.
    pub leeway: i64,
}

/// One reason an access token is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimProblem {
    WrongType(Option<String>),
    Expired { exp: i64, now: i64 },
    NotYetValid { nbf: i64, now: i64 },
    IssuedInFuture { iat: i64, now: i64 },
    WrongIssuer { expected: String, found: String },
    WrongAudience { expected: String },
}

impl fmt::Display for ClaimProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongType(None) => {
                write!(f, "the header has no typ; access tokens carry typ \"at+jwt\" (RFC 9068 §2.1)")
            }
            Self::WrongType(Some(typ)) => write!(
                f,
                "the header typ is {typ:?}, not \"at+jwt\": this is not an access token (RFC 9068 §4)"
            ),
            Self::Expired { exp, now } => write!(f, "expired {} s ago (exp {exp}, now {now})", now - exp),
            Self::NotYetValid { nbf, now } => {
                write!(f, "not valid for another {} s (nbf {nbf}, now {now})", nbf - now)
            }
            Self::IssuedInFuture { iat, now } => {
                write!(f, "issued {} s in the future (iat {iat}, now {now}); check the clocks", iat - now)
            }
            Self::WrongIssuer { expected, found } => write!(f, "issued by {found:?}, expected {expected:?}"),
            Self::WrongAudience { expected } => write!(f, "the audience does not include {expected:?}"),
        }
    }
}

/// Checks `typ`, time claims, issuer and audience; returns every problem found.
pub fn check_access_token(
    typ: Option<&str>,
    claims: &AccessTokenClaims,
    checks: &ClaimChecks<'_>,
    now: i64,
) -> Vec<ClaimProblem> {
    let mut problems = Vec::new();
    if !typ.is_some_and(is_access_token_typ) {
        problems.push(ClaimProblem::WrongType(typ.map(str::to_owned)));
    }
    if claims.exp + checks.leeway <= now {
        problems.push(ClaimProblem::Expired { exp: claims.exp, now });
    }
    if let Some(nbf) = claims.nbf.filter(|nbf| *nbf > now + checks.leeway) {
        problems.push(ClaimProblem::NotYetValid { nbf, now });
    }
    if claims.iat > now + checks.leeway {
        problems.push(ClaimProblem::IssuedInFuture { iat: claims.iat, now });
    }
    if let Some(expected) = checks.issuer.filter(|expected| *expected != claims.iss) {
        problems.push(ClaimProblem::WrongIssuer { expected: expected.to_owned(), found: claims.iss.clone() });
    }
    if let Some(expected) = checks.audience.filter(|expected| !claims.aud.contains(expected)) {
        problems.push(ClaimProblem::WrongAudience { expected: expected.to_owned() });
    }
    problems
}

/// RFC 9068 §4: `at+jwt`, or the full media type `application/at+jwt`, case-insensitively.
fn is_access_token_typ(typ: &str) -> bool {
    let typ = typ.strip_prefix("application/").unwrap_or(typ);
    typ.eq_ignore_ascii_case(ACCESS_TOKEN_TYP)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> AccessTokenClaims {
        AccessTokenClaims {
            iss: "https://id.example".into(),
            sub: "u1".into(),
            aud: Audience::Many(vec!["api".into(), "other".into()]),
            exp: 1_000,
            iat: 700,
            nbf: None,
            jti: "j".into(),
            client_id: "c".into(),
            scope: None,
            sid: None,
            auth_time: None,
            preferred_username: None,
            roles: vec![],
            amr: vec![],
            acr: None,
            idp: None,
            cnf: None,
        }
    }

    fn checks() -> ClaimChecks<'static> {
        ClaimChecks { issuer: Some("https://id.example"), audience: Some("api"), leeway: 5 }
    }

    #[test]
    fn valid_token_has_no_problems() {
        assert!(check_access_token(Some("at+jwt"), &claims(), &checks(), 800).is_empty());
        assert!(check_access_token(Some("application/AT+JWT"), &claims(), &checks(), 800).is_empty());
    }

    #[test]
    fn every_problem_is_reported() {
        let mut c = claims();
        c.iss = "https://evil.example".into();
        c.aud = Audience::One("nope".into());
        let problems = check_access_token(Some("JWT"), &c, &checks(), 2_000);
        assert_eq!(problems.len(), 4, "{problems:?}");
    }

    #[test]
    fn expiry_honours_leeway_but_not_more() {
        assert!(check_access_token(Some("at+jwt"), &claims(), &checks(), 1_004).is_empty());
        let problems = check_access_token(Some("at+jwt"), &claims(), &checks(), 1_005);
        assert!(matches!(problems[..], [ClaimProblem::Expired { .. }]));
    }

    #[test]
    fn not_yet_valid_and_future_iat_are_refused() {
        let mut c = claims();
        c.nbf = Some(900);
        c.iat = 900;
        let problems = check_access_token(Some("at+jwt"), &c, &checks(), 800);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }
}
