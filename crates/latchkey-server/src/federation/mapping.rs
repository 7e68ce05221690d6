//! The declarative claim mapping: where, in a provider's claims, each field of our normalized
//! profile is found (RFC 6901 JSON pointers, read with `serde_json::Value::pointer`).
//!
//! Every provider looks the same to our tokens and pages once mapped (issue 10). Rules:
//! - `email_verified` is true only for the JSON boolean `true`, or, for Apple (which sends it
//!   as a string), the string `"true"`. Anything else, or no pointer, is "not verified".
//! - Microsoft never says `email_verified`; its `email` is not verified by Microsoft. The
//!   default Microsoft mapping reads the optional claim `xms_edov` ("e-mail domain owner
//!   verified", which the app registration must request) instead, so a Microsoft e-mail counts
//!   as verified only when the tenant verified its domain (the tenant then controls every
//!   mailbox of that domain; `xms_edov` is not a check of the individual mailbox).
//! - Roles are opt-in: without a `roles` pointer the profile has no roles, ever.
//! - Values are sanity-checked (length, an `@` in e-mails, `http(s)` pictures), because they
//!   end up in our ID tokens and on our pages.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::federation::upstream::Flavor;

/// Longest profile string kept (longer values are dropped, not cut).
const MAX_VALUE_LEN: usize = 512;
/// Longest e-mail address (RFC 5321 §4.5.3.1.3 path limit less the brackets).
const MAX_EMAIL_LEN: usize = 254;
/// Most roles taken from one login, and the longest role name.
const MAX_ROLES: usize = 32;
const MAX_ROLE_LEN: usize = 64;

/// JSON pointers per normalized field; `None` leaves the field empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimMapping {
    pub email: Option<String>,
    pub email_verified: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
    pub locale: Option<String>,
    /// Roles: an array of strings, or one string. Opt-in only.
    pub roles: Option<String>,
    /// Whether the local profile is updated from these claims at every login (else only when
    /// the user is created).
    pub update_profile_on_login: bool,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        ClaimMapping::for_flavor(Flavor::Generic)
    }
}

/// Our provider-independent view of the user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedProfile {
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
    pub locale: Option<String>,
    pub roles: Vec<String>,
}

fn pointer(p: &str) -> Option<String> {
    Some(p.to_owned())
}

impl ClaimMapping {
    /// The default mapping for a provider flavor: OpenID Connect Core §5.1 standard claims,
    /// or the shape of the profile GitHub's `/user` and Facebook's `/me` return (as assembled
    /// by `upstream::github` and `upstream::facebook`).
    pub fn for_flavor(flavor: Flavor) -> Self {
        let standard = ClaimMapping {
            email: pointer("/email"),
            email_verified: pointer("/email_verified"),
            name: pointer("/name"),
            given_name: pointer("/given_name"),
            family_name: pointer("/family_name"),
            picture: pointer("/picture"),
            locale: pointer("/locale"),
            roles: None,
            update_profile_on_login: true,
        };
        match flavor {
            Flavor::Generic | Flavor::Google => standard,
            Flavor::Apple => ClaimMapping { picture: None, locale: None, ..standard },
            Flavor::Microsoft => ClaimMapping { email_verified: pointer("/xms_edov"), ..standard },
            Flavor::GitHub => ClaimMapping {
                given_name: None,
                family_name: None,
                picture: pointer("/avatar_url"),
                locale: None,
                ..standard
            },
            Flavor::Facebook => ClaimMapping {
                email_verified: None,
                given_name: None,
                family_name: None,
                picture: pointer("/picture/data/url"),
                locale: None,
                ..standard
            },
        }
    }

    /// Checks every pointer is an RFC 6901 pointer (empty, or starting with `/`).
    pub fn validate(&self) -> Result<(), String> {
        let fields = [
            ("email", &self.email),
            ("email_verified", &self.email_verified),
            ("name", &self.name),
            ("given_name", &self.given_name),
            ("family_name", &self.family_name),
            ("picture", &self.picture),
            ("locale", &self.locale),
            ("roles", &self.roles),
        ];
        for (field, p) in fields {
            if let Some(p) = p {
                if !p.is_empty() && !p.starts_with('/') {
                    return Err(format!("the {field} mapping \"{p}\" is not a JSON pointer (RFC 6901): it must start with \"/\""));
                }
            }
        }
        Ok(())
    }

    /// The normalized profile of `claims`.
    pub fn normalize(&self, flavor: Flavor, claims: &Value) -> NormalizedProfile {
        let get = |p: &Option<String>| p.as_deref().and_then(|p| claims.pointer(p));
        let text = |p: &Option<String>| get(p).and_then(Value::as_str).and_then(plain_text);
        let email = text(&self.email).filter(|e| looks_like_email(e));
        let email_verified = email.is_some()
            && match get(&self.email_verified) {
                Some(Value::Bool(verified)) => *verified,
                Some(Value::String(s)) => flavor == Flavor::Apple && s == "true",
                _ => false,
            };
        NormalizedProfile {
            email,
            email_verified,
            name: text(&self.name),
            given_name: text(&self.given_name),
            family_name: text(&self.family_name),
            picture: text(&self.picture).filter(|p| is_web_url(p)),
            locale: text(&self.locale),
            roles: get(&self.roles).map(roles).unwrap_or_default(),
        }
    }
}

/// A trimmed, non-empty string of reasonable length without control characters.
fn plain_text(s: &str) -> Option<String> {
    let s = s.trim();
    let ok = !s.is_empty() && s.len() <= MAX_VALUE_LEN && !s.chars().any(char::is_control);
    ok.then(|| s.to_owned())
}

fn looks_like_email(s: &str) -> bool {
    s.len() <= MAX_EMAIL_LEN
        && !s.contains(char::is_whitespace)
        && s.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
}

fn is_web_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
}

/// Role names from an array of strings or a single string.
fn roles(value: &Value) -> Vec<String> {
    let names: Vec<&str> = match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let ok = !name.is_empty()
            && name.len() <= MAX_ROLE_LEN
            && !name.chars().any(|c| c.is_control() || c.is_whitespace());
        if ok && !out.iter().any(|r| r == name) && out.len() < MAX_ROLES {
            out.push(name.to_owned());
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "mapping_tests.rs"]
mod tests;
