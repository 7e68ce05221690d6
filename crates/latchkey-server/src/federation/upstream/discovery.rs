//! OpenID Connect Discovery 1.0: the provider metadata at
//! `{issuer}/.well-known/openid-configuration` (§4), cached per issuer for an hour.
//!
//! The discovered `issuer` must equal the configured one byte for byte (§4.3): otherwise a
//! provider (or whoever answers at its URL) could make us accept tokens of another issuer
//! (the "mix-up" family of attacks).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use url::Url;

use super::http::{Auth, UpstreamHttp};
use super::UpstreamError;

/// How long discovered metadata is used before it is fetched again, in seconds.
const DISCOVERY_TTL: i64 = 3600;
/// How long stale metadata is used after a failed refetch before the next try, in seconds.
const RETRY_AFTER_FAILURE: i64 = 60;

/// The metadata Latchkey uses (OpenID Connect Discovery 1.0 §3).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Option<Url>,
    pub userinfo_endpoint: Option<Url>,
    pub jwks_uri: Url,
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// RFC 9207 §3: the authorization response carries `iss`.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}

impl ProviderMetadata {
    /// Whether the token endpoint takes the client secret in the body only
    /// (`client_secret_post` listed, `client_secret_basic` not; RFC 8414 §2 default is basic).
    pub fn wants_client_secret_post(&self) -> bool {
        self.token_endpoint_auth_methods_supported.as_ref().is_some_and(|methods| {
            methods.iter().any(|m| m == "client_secret_post")
                && !methods.iter().any(|m| m == "client_secret_basic")
        })
    }

    /// Whether the provider advertises PKCE with S256.
    pub fn supports_s256(&self) -> bool {
        self.code_challenge_methods_supported.iter().any(|m| m == "S256")
    }
}

/// Metadata per issuer. Fetches are serialized per issuer, so a burst of logins when the
/// entry expires makes one request, not one each; when a refetch fails, the metadata already
/// verified is used until the provider answers again.
#[derive(Default)]
pub(crate) struct DiscoveryCache {
    entries: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

struct Cached {
    metadata: Arc<ProviderMetadata>,
    fetched_at: i64,
}

impl DiscoveryCache {
    /// The metadata of `issuer`, from the cache or fetched.
    pub async fn get(
        &self,
        http: &UpstreamHttp,
        issuer: &str,
        now: i64,
    ) -> Result<Arc<ProviderMetadata>, UpstreamError> {
        let entry = match self.entries.lock() {
            Ok(mut entries) => entries.entry(issuer.to_owned()).or_default().clone(),
            // A poisoned map (a panic elsewhere): work uncached rather than fail.
            Err(_) => Arc::default(),
        };
        let mut entry = entry.lock().await;
        if let Some(cached) = entry.as_ref().filter(|c| now - c.fetched_at < DISCOVERY_TTL) {
            return Ok(cached.metadata.clone());
        }
        match fetch(http, issuer).await {
            Ok(metadata) => {
                let metadata = Arc::new(metadata);
                *entry = Some(Cached { metadata: metadata.clone(), fetched_at: now });
                Ok(metadata)
            }
            Err(e) => {
                let stale = entry.as_mut().ok_or(e)?;
                // Keep using what was verified, and ask again in a minute, not at every login.
                stale.fetched_at = now - DISCOVERY_TTL + RETRY_AFTER_FAILURE;
                Ok(stale.metadata.clone())
            }
        }
    }
}

/// `{issuer}/.well-known/openid-configuration`, the issuer's trailing `/` removed (§4.1).
pub(crate) fn discovery_url(issuer: &str) -> Result<Url, UpstreamError> {
    let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let url = Url::parse(&url).map_err(|_| UpstreamError::Discovery("the issuer is not a valid URL"))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(UpstreamError::Discovery("the issuer must not have a query or fragment"));
    }
    Ok(url)
}

async fn fetch(http: &UpstreamHttp, issuer: &str) -> Result<ProviderMetadata, UpstreamError> {
    let reply = http.get(&discovery_url(issuer)?, Auth::None, "application/json").await?;
    if !reply.is_success() {
        return Err(UpstreamError::Discovery("the discovery document could not be fetched"));
    }
    let metadata: ProviderMetadata = serde_json::from_slice(&reply.body)
        .map_err(|_| UpstreamError::Discovery("the discovery document is not valid provider metadata"))?;
    if metadata.issuer != issuer {
        tracing::warn!(configured = issuer, "the discovered issuer differs from the configured one");
        return Err(UpstreamError::Discovery("the discovered issuer is not the configured issuer"));
    }
    Ok(metadata)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn discovery_url_appends_the_well_known_path() {
        assert_eq!(
            discovery_url("https://login.example/tenant/v2.0/").unwrap().as_str(),
            "https://login.example/tenant/v2.0/.well-known/openid-configuration"
        );
        assert!(discovery_url("not a url").is_err());
        assert!(discovery_url("https://a.example/?x=1").is_err());
    }

    #[test]
    fn client_secret_post_only_when_basic_is_not_offered() {
        let with = |methods: Option<Vec<&str>>| ProviderMetadata {
            issuer: "https://a".into(),
            authorization_endpoint: Url::parse("https://a/auth").unwrap(),
            token_endpoint: None,
            userinfo_endpoint: None,
            jwks_uri: Url::parse("https://a/jwks").unwrap(),
            code_challenge_methods_supported: vec![],
            token_endpoint_auth_methods_supported: methods.map(|m| m.into_iter().map(String::from).collect()),
            authorization_response_iss_parameter_supported: false,
        };
        assert!(!with(None).wants_client_secret_post());
        assert!(with(Some(vec!["client_secret_post"])).wants_client_secret_post());
        assert!(!with(Some(vec!["client_secret_post", "client_secret_basic"])).wants_client_secret_post());
    }
}
