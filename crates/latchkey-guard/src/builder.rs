//! [`GuardBuilder`]: configuration, discovery (RFC 8414) and the first fetches.
//!
//! Building fetches everything a guard needs before it serves a request — the metadata, the
//! JWKS, the revocations so far — so a misconfigured issuer, audience or client secret fails
//! at start-up, not on the first request.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, Url};
use serde::Deserialize;

use crate::error::GuardError;
use crate::fetch::{get_json, Credentials};
use crate::guard::{Guard, Inner};
use crate::introspect::Introspection;
use crate::keys::KeyCache;
use crate::paths::PublicPaths;
use crate::revocation::{Feed, Revocations};

/// Default clock-skew allowance for `exp`, `nbf` and `iat`.
const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
/// At most one JWKS refetch per this interval for tokens with unknown kids.
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// Configures a [`Guard`]; see [`Guard::builder`].
#[derive(Default)]
pub struct GuardBuilder {
    issuer: Option<String>,
    jwks_uri: Option<String>,
    audience: Option<String>,
    leeway: Option<Duration>,
    public: Vec<String>,
    cookie: Option<String>,
    realm: Option<String>,
    feed: Option<(Credentials, Duration)>,
    introspection: Option<Credentials>,
    http: Option<Client>,
}

/// The RFC 8414 §2 metadata members the guard reads.
#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
    #[serde(default)]
    introspection_endpoint: Option<String>,
}

impl GuardBuilder {
    /// The issuer: tokens must carry exactly this `iss` (RFC 9068 §4), and, unless
    /// [`jwks_uri`](Self::jwks_uri) is given, its `jwks_uri` is discovered from
    /// `/.well-known/oauth-authorization-server` (RFC 8414 §3).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Fetch keys from this JWKS URL instead of discovering it. Without
    /// [`issuer`](Self::issuer) too, `iss` is not checked: any token signed by these keys is
    /// accepted whatever issuer it names.
    pub fn jwks_uri(mut self, jwks_uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(jwks_uri.into());
        self
    }

    /// This resource server's identifier; tokens whose `aud` does not contain it are refused
    /// (RFC 9068 §4). Required.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat`; 5 s by default. Keep it small: it
    /// lengthens every token's life.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// Paths that skip the check: exact (`/healthz`) or prefixes ending in `/*` (`/docs/*`).
    pub fn public_paths<I, S>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.public.extend(paths.into_iter().map(Into::into));
        self
    }

    /// Also read the token from this cookie when the request has no `Authorization` header.
    pub fn cookie(mut self, name: impl Into<String>) -> Self {
        self.cookie = Some(name.into());
        self
    }

    /// The `realm` of the `WWW-Authenticate` challenge (RFC 6750 §3); the audience by default.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// Poll the issuer's revocation feed every `poll_interval` as this confidential client,
    /// and refuse tokens of revoked sessions and revoked tokens. Needs [`issuer`](Self::issuer).
    pub fn revocation_feed(mut self, client_id: &str, client_secret: &str, poll_interval: Duration) -> Self {
        self.feed = Some((Credentials::new(client_id, client_secret), poll_interval));
        self
    }

    /// Enable [`Guard::introspect`] and the [`Introspected`](crate::Introspected) extractor,
    /// as this confidential client (RFC 7662 §2.1). Needs [`issuer`](Self::issuer).
    pub fn introspection(mut self, client_id: &str, client_secret: &str) -> Self {
        self.introspection = Some(Credentials::new(client_id, client_secret));
        self
    }

    /// The HTTP client for the authorization server (e.g. one with TLS roots or a proxy).
    pub fn http_client(mut self, http: Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Discovers, fetches the keys (and the revocations so far), and starts the background
    /// refresh tasks.
    pub async fn build(self) -> Result<Guard, GuardError> {
        let audience = self.audience.ok_or(GuardError::MissingAudience)?;
        let http = self.http.unwrap_or_default();
        let (jwks_uri, introspection_endpoint) = match (&self.jwks_uri, &self.issuer) {
            (Some(jwks_uri), _) => (jwks_uri.clone(), None),
            (None, Some(issuer)) => {
                let metadata = discover(&http, issuer).await?;
                (metadata.jwks_uri, metadata.introspection_endpoint)
            }
            (None, None) => return Err(GuardError::MissingKeySource),
        };
        let leeway = i64::try_from(self.leeway.unwrap_or(DEFAULT_LEEWAY).as_secs()).unwrap_or(i64::MAX);

        let (keys, max_age) = KeyCache::load(http.clone(), jwks_uri, MIN_REFETCH_INTERVAL).await?;
        KeyCache::spawn_refresh(Arc::downgrade(&keys), max_age);

        let revocations = Arc::new(Revocations::new(leeway));
        if let Some((credentials, interval)) = self.feed {
            let issuer = self.issuer.as_deref().ok_or(GuardError::NeedsIssuer("the revocation feed"))?;
            let feed = Feed {
                url: format!("{}/revocations", base(issuer)),
                http: http.clone(),
                credentials,
                interval,
            };
            let since = feed
                .poll(&revocations, 0)
                .await
                .map_err(|reason| GuardError::Fetch { url: feed.url.clone(), reason })?;
            feed.spawn(Arc::downgrade(&revocations), since);
        }

        let introspection = match self.introspection {
            Some(credentials) => {
                let issuer = self.issuer.as_deref().ok_or(GuardError::NeedsIssuer("introspection"))?;
                let endpoint =
                    introspection_endpoint.unwrap_or_else(|| format!("{}/introspect", base(issuer)));
                Some(Introspection { endpoint, http: http.clone(), credentials })
            }
            None => None,
        };

        let inner = Inner {
            keys,
            revocations,
            issuer: self.issuer,
            realm: self.realm.unwrap_or_else(|| audience.clone()),
            audience,
            leeway,
            public: PublicPaths::new(self.public),
            cookie: self.cookie,
            introspection,
        };
        Ok(Guard { inner: Arc::new(inner) })
    }
}

/// Reads the issuer's metadata and checks that it is the issuer's (RFC 8414 §3.3).
async fn discover(http: &Client, issuer: &str) -> Result<Metadata, GuardError> {
    let url = well_known(issuer)?;
    let metadata = get_json::<Metadata>(http, &url, None)
        .await
        .map_err(|reason| GuardError::Fetch { url: url.clone(), reason })?
        .value;
    if metadata.issuer != issuer {
        return Err(GuardError::IssuerMismatch { expected: issuer.to_owned(), found: metadata.issuer });
    }
    Ok(metadata)
}

/// RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path, so
/// `https://h/tenant` is described at `https://h/.well-known/oauth-authorization-server/tenant`.
fn well_known(issuer: &str) -> Result<String, GuardError> {
    let mut url = Url::parse(issuer).map_err(|e| GuardError::InvalidIssuer(format!("{issuer:?}: {e}")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(GuardError::InvalidIssuer(format!("{issuer:?} has a query or fragment (RFC 8414 §2)")));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    Ok(url.into())
}

/// The issuer without a trailing slash, for building endpoint URLs.
fn base(issuer: &str) -> &str {
    issuer.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn well_known_goes_between_host_and_path() {
        assert_eq!(
            well_known("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            well_known("https://id.example/").unwrap(),
            "https://id.example/.well-known/oauth-authorization-server"
        );
        assert_eq!(
            well_known("https://id.example/tenant1").unwrap(),
            "https://id.example/.well-known/oauth-authorization-server/tenant1"
        );
        assert_eq!(
            well_known("HTTPS://ID.example:443/tenant1/").unwrap(),
            "https://id.example/.well-known/oauth-authorization-server/tenant1"
        );
        assert!(matches!(well_known("id.example"), Err(GuardError::InvalidIssuer(_))));
        assert!(matches!(well_known("https://id.example/?t=1"), Err(GuardError::InvalidIssuer(_))));
    }
}
