//! What Latchkey knows about one upstream provider: its kind, its quirks ([`Flavor`]), our
//! client registration there, and the URL overrides that make GitHub Enterprise, self-hosted
//! Keycloak and offline tests work (see `docs/architecture.md`, "Federation").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use url::Url;
use zeroize::Zeroizing;

use crate::federation::mapping::ClaimMapping;

/// How the provider is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
// Configuration, built once per provider and rarely moved: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum ProviderKind {
    /// An OpenID Connect provider, configured by its issuer and found by discovery
    /// (OpenID Connect Discovery 1.0 §4); the discovered `issuer` must equal this byte for byte.
    Oidc { issuer: String },
    /// A plain OAuth 2.0 provider (GitHub, Facebook) with explicit endpoints; the user's
    /// identity comes from its profile API at `userinfo_endpoint`.
    #[serde(rename = "oauth2")]
    OAuth2 { authorization_endpoint: Url, token_endpoint: Url, userinfo_endpoint: Url },
}

/// A provider's known quirks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// Standard OpenID Connect (or OAuth 2.0 with a `sub`/`id` profile).
    Generic,
    /// Google: standard OpenID Connect.
    Google,
    /// Apple: `response_mode=form_post`, the name only on the first login (in the unsigned
    /// `user` form field), `email_verified` possibly the string `"true"`, no UserInfo.
    Apple,
    /// Microsoft identity platform: `email` is not verified by Microsoft; only `xms_edov`
    /// (the e-mail domain is verified by the tenant) makes it so.
    Microsoft,
    /// GitHub: token errors in 200 bodies, `/user` with an integer id, e-mail from `/user/emails`.
    GitHub,
    /// Facebook: Graph API `/me` with `appsecret_proof`.
    Facebook,
}

impl Flavor {
    /// Every flavor.
    pub const ALL: [Flavor; 6] =
        [Flavor::Generic, Flavor::Google, Flavor::Apple, Flavor::Microsoft, Flavor::GitHub, Flavor::Facebook];

    /// The name used in configuration and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Generic => "generic",
            Flavor::Google => "google",
            Flavor::Apple => "apple",
            Flavor::Microsoft => "microsoft",
            Flavor::GitHub => "github",
            Flavor::Facebook => "facebook",
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Flavor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flavor::ALL
            .into_iter()
            .find(|flavor| flavor.as_str() == s)
            .ok_or_else(|| "expected one of generic, google, apple, microsoft, github, facebook".to_owned())
    }
}

/// Whether PKCE (RFC 7636, S256) is used with the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PkceMode {
    /// OpenID Connect providers whose discovery lists S256 in
    /// `code_challenge_methods_supported`, and every OAuth 2.0 provider (they ignore unknown
    /// parameters; GitHub and Facebook support PKCE).
    #[default]
    Auto,
    /// Always.
    Force,
    /// Never.
    Never,
}

impl PkceMode {
    /// The name used in configuration and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PkceMode::Auto => "auto",
            PkceMode::Force => "force",
            PkceMode::Never => "never",
        }
    }
}

impl FromStr for PkceMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(PkceMode::Auto),
            "force" => Ok(PkceMode::Force),
            "never" => Ok(PkceMode::Never),
            _ => Err("expected one of auto, force, never".to_owned()),
        }
    }
}

/// Replacements for upstream URLs (discovered or preset). Any of them may be set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointOverrides {
    pub authorization_endpoint: Option<Url>,
    pub token_endpoint: Option<Url>,
    /// UserInfo, or the profile API for OAuth 2.0 providers (GitHub `/user`, Facebook `/me`).
    pub userinfo_endpoint: Option<Url>,
    pub jwks_uri: Option<Url>,
    /// GitHub's `/user/emails` (default: the profile endpoint followed by `/emails`).
    pub emails_endpoint: Option<Url>,
}

/// One configured provider, as stored, with its client secret already unsealed.
#[derive(Clone)]
pub struct ProviderConfig {
    /// Our name for it (`latchkey providers add NAME`).
    pub name: String,
    pub kind: ProviderKind,
    pub flavor: Flavor,
    /// Our client id at the provider.
    pub client_id: String,
    /// Our client secret at the provider (for Apple: the client-secret JWT the operator signed).
    pub client_secret: Zeroizing<String>,
    /// Scopes requested; `openid` is added for OpenID Connect providers when missing.
    pub scopes: Vec<String>,
    pub pkce: PkceMode,
    pub mapping: ClaimMapping,
    pub overrides: EndpointOverrides,
    /// Further accepted ID-token audiences (native apps' client ids, for token exchange).
    pub native_client_ids: Vec<String>,
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("flavor", &self.flavor)
            .field("client_id", &self.client_id)
            .field("client_secret", &"..")
            .field("scopes", &self.scopes)
            .field("pkce", &self.pkce)
            .field("mapping", &self.mapping)
            .field("overrides", &self.overrides)
            .field("native_client_ids", &self.native_client_ids)
            .finish()
    }
}

impl ProviderConfig {
    /// The issuer, for OpenID Connect providers.
    pub fn issuer(&self) -> Option<&str> {
        match &self.kind {
            ProviderKind::Oidc { issuer } => Some(issuer),
            ProviderKind::OAuth2 { .. } => None,
        }
    }

    /// The `scope` parameter sent upstream.
    pub(crate) fn scope_param(&self) -> String {
        let mut scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        if self.issuer().is_some() && !scopes.contains(&"openid") {
            scopes.insert(0, "openid");
        }
        scopes.join(" ")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for flavor in Flavor::ALL {
            assert_eq!(flavor.as_str().parse::<Flavor>().unwrap(), flavor);
            assert_eq!(serde_json::to_string(&flavor).unwrap(), format!("\"{flavor}\""));
        }
        for mode in [PkceMode::Auto, PkceMode::Force, PkceMode::Never] {
            assert_eq!(mode.as_str().parse::<PkceMode>().unwrap(), mode);
        }
        assert!("GitHub".parse::<Flavor>().is_err());
    }

    #[test]
    fn kinds_serialize_tagged() {
        let kind = ProviderKind::Oidc { issuer: "https://accounts.google.com".into() };
        let json = serde_json::to_value(&kind).unwrap();
        assert_eq!(json, serde_json::json!({"kind": "oidc", "issuer": "https://accounts.google.com"}));
        assert_eq!(serde_json::from_value::<ProviderKind>(json).unwrap(), kind);
    }
}
