//! Presets: the defaults for well-known providers, so `latchkey providers add NAME --preset P`
//! needs only our client id and secret there. Every URL can still be overridden
//! ([`super::EndpointOverrides`]; for OpenID Connect, the issuer itself).
//!
//! - `google`: OpenID Connect, issuer `https://accounts.google.com`.
//! - `apple`: OpenID Connect, issuer `https://appleid.apple.com`. Apple's "client secret" is a
//!   JWT signed with a key from the Apple developer account: supply that JWT, or the key itself
//!   so Latchkey signs a fresh one per token request (see `apple.rs`).
//! - `microsoft`: OpenID Connect, issuer of the personal-accounts tenant
//!   (`https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`). Work or
//!   school accounts: set the issuer to `https://login.microsoftonline.com/{tenant id}/v2.0`.
//!   The multi-tenant `common`/`organizations` endpoints cannot be used: their discovered
//!   issuer is a template (`{tenantid}`), never byte-equal to the configured issuer.
//! - `github`: OAuth 2.0 (`github.com/login/oauth`, REST API `api.github.com/user`).
//! - `facebook`: OAuth 2.0 (Graph API v19.0 dialog, token endpoint and `/me`).

use url::Url;

use super::{Flavor, ProviderKind};
use crate::federation::mapping::ClaimMapping;

/// Defaults for a well-known provider.
#[derive(Debug, Clone)]
pub struct Preset {
    pub name: &'static str,
    pub kind: ProviderKind,
    pub flavor: Flavor,
    pub scopes: Vec<String>,
    pub mapping: ClaimMapping,
}

/// The names [`preset`] knows.
pub const PRESET_NAMES: [&str; 5] = ["google", "apple", "microsoft", "github", "facebook"];

fn oidc(issuer: &str) -> Option<ProviderKind> {
    Some(ProviderKind::Oidc { issuer: issuer.to_owned() })
}

fn oauth2(authorization: &str, token: &str, userinfo: &str) -> Option<ProviderKind> {
    Some(ProviderKind::OAuth2 {
        authorization_endpoint: Url::parse(authorization).ok()?,
        token_endpoint: Url::parse(token).ok()?,
        userinfo_endpoint: Url::parse(userinfo).ok()?,
    })
}

/// The preset called `name`.
pub fn preset(name: &str) -> Option<Preset> {
    let (kind, flavor, scopes): (Option<ProviderKind>, Flavor, &[&str]) = match name {
        "google" => (oidc("https://accounts.google.com"), Flavor::Google, &["openid", "email", "profile"]),
        "apple" => (oidc("https://appleid.apple.com"), Flavor::Apple, &["openid", "name", "email"]),
        "microsoft" => (
            oidc("https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"),
            Flavor::Microsoft,
            &["openid", "email", "profile"],
        ),
        "github" => (
            oauth2(
                "https://github.com/login/oauth/authorize",
                "https://github.com/login/oauth/access_token",
                "https://api.github.com/user",
            ),
            Flavor::GitHub,
            &["read:user", "user:email"],
        ),
        "facebook" => (
            oauth2(
                "https://www.facebook.com/v19.0/dialog/oauth",
                "https://graph.facebook.com/v19.0/oauth/access_token",
                "https://graph.facebook.com/v19.0/me",
            ),
            Flavor::Facebook,
            &["email", "public_profile"],
        ),
        _ => return None,
    };
    Some(Preset {
        name: PRESET_NAMES.into_iter().find(|n| *n == name)?,
        kind: kind?,
        flavor,
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        mapping: ClaimMapping::for_flavor(flavor),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_named_preset_exists_with_its_flavor_mapping() {
        for name in PRESET_NAMES {
            let preset = preset(name).unwrap();
            assert_eq!(preset.name, name);
            assert_eq!(preset.flavor.as_str(), name);
            assert_eq!(preset.mapping, ClaimMapping::for_flavor(preset.flavor));
            assert!(!preset.scopes.is_empty());
            assert!(preset.mapping.roles.is_none(), "roles are never implicit");
        }
        assert!(preset("okta").is_none());
    }

    #[test]
    fn oidc_presets_use_discovery_and_oauth2_presets_explicit_endpoints() {
        assert_eq!(
            preset("google").unwrap().kind,
            ProviderKind::Oidc { issuer: "https://accounts.google.com".into() }
        );
        assert!(matches!(preset("apple").unwrap().kind, ProviderKind::Oidc { .. }));
        let ProviderKind::OAuth2 { userinfo_endpoint, .. } = preset("github").unwrap().kind else {
            unreachable!("github is OAuth 2.0")
        };
        assert_eq!(userinfo_endpoint.as_str(), "https://api.github.com/user");
    }
}
