//! Setting a guard up: configuration, discovery (RFC 8414) and the first fetches.
//!
//! Building fetches everything a guard needs before it serves a request — the metadata, the
//! JWKS, the revocations so far — so a misconfigured issuer, audience or client secret fails
//! at start-up, not on the first request.

use std::sync::Arc;
use std::time::Duration;

use latchkey_core::clock::{Clock, SystemClock};
use latchkey_core::dpop::ProofWindow;
use latchkey_crypto::dpop_nonce::DpopNonces;
use latchkey_crypto::jws::EmbeddedKeyCache;
use latchkey_crypto::MacKey;
use reqwest::{Client, Url};
use serde::Deserialize;

use crate::dpop::{DpopCheck, InMemoryReplayStore, ReplayStore, TokenHashes};
use crate::error::GuardError;
use crate::fetch::{get_json, Credentials};
use crate::introspect::Introspection;
use crate::keys::KeyCache;
use crate::paths::PublicPaths;
use crate::revocation::{Feed, Revocations};
use crate::verifier::Verifier;

/// Default clock-skew allowance for `exp`, `nbf` and `iat`.
const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
/// At most one JWKS refetch per this interval for tokens with unknown kids.
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// What [`GuardBuilder`](crate::GuardBuilder) collects; see its methods.
#[derive(Default)]
pub(crate) struct Settings {
    pub(crate) issuer: Option<String>,
    pub(crate) jwks_uri: Option<String>,
    pub(crate) audience: Option<String>,
    pub(crate) leeway: Option<Duration>,
    pub(crate) public: Vec<String>,
    pub(crate) cookie: Option<String>,
    pub(crate) realm: Option<String>,
    pub(crate) feed: Option<(Credentials, Duration)>,
    pub(crate) introspection: Option<Credentials>,
    pub(crate) http: Option<Client>,
    pub(crate) clock: Option<Arc<dyn Clock>>,
    pub(crate) dpop_public_url: Option<String>,
    pub(crate) dpop_replay: Option<Arc<dyn ReplayStore>>,
    pub(crate) dpop_nonce_secret: Option<[u8; 32]>,
    pub(crate) dpop_window: Option<ProofWindow>,
    /// 0 means the default, one.
    pub(crate) instances: usize,
}

/// The RFC 8414 §2 metadata members the guard reads.
#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
    #[serde(default)]
    introspection_endpoint: Option<String>,
}

/// Discovers, fetches the keys (and the revocations so far), and starts the background
/// refresh tasks.
pub(crate) async fn start(settings: Settings) -> Result<Verifier, GuardError> {
    let audience = settings.audience.ok_or(GuardError::MissingAudience)?;
    let dpop = dpop_check(
        settings.dpop_public_url,
        settings.dpop_replay,
        settings.dpop_nonce_secret,
        settings.dpop_window.unwrap_or_default(),
        settings.instances,
    )?;
    let http = settings.http.unwrap_or_default();
    let clock = settings.clock.unwrap_or_else(|| Arc::new(SystemClock));
    let (jwks_uri, introspection_endpoint) = match (&settings.jwks_uri, &settings.issuer) {
        (Some(jwks_uri), _) => (jwks_uri.clone(), None),
        (None, Some(issuer)) => {
            let metadata = discover(&http, issuer).await?;
            (metadata.jwks_uri, metadata.introspection_endpoint)
        }
        (None, None) => return Err(GuardError::MissingKeySource),
    };
    let leeway = i64::try_from(settings.leeway.unwrap_or(DEFAULT_LEEWAY).as_secs()).unwrap_or(i64::MAX);

    let (keys, max_age) = KeyCache::load(http.clone(), jwks_uri, MIN_REFETCH_INTERVAL).await?;
    KeyCache::spawn_refresh(Arc::downgrade(&keys), max_age);

    let revocations = Arc::new(Revocations::new(leeway));
    if let Some((credentials, interval)) = settings.feed {
        let issuer = settings.issuer.as_deref().ok_or(GuardError::NeedsIssuer("the revocation feed"))?;
        let feed = Feed {
            url: format!("{}/revocations", base(issuer)),
            http: http.clone(),
            credentials,
            interval,
            clock: clock.clone(),
        };
        let since = feed
            .poll(&revocations, 0)
            .await
            .map_err(|reason| GuardError::Fetch { url: feed.url.clone(), reason })?;
        feed.spawn(Arc::downgrade(&revocations), since);
    }

    let introspection = match settings.introspection {
        Some(credentials) => {
            let issuer = settings.issuer.as_deref().ok_or(GuardError::NeedsIssuer("introspection"))?;
            let endpoint = introspection_endpoint.unwrap_or_else(|| format!("{}/introspect", base(issuer)));
            Some(Introspection { endpoint, http: http.clone(), credentials })
        }
        None => None,
    };

    Ok(Verifier {
        keys,
        revocations,
        issuer: settings.issuer,
        realm: settings.realm.unwrap_or_else(|| audience.clone()),
        audience,
        leeway,
        clock,
        public: PublicPaths::new(settings.public),
        cookie: settings.cookie,
        introspection,
        dpop,
    })
}

/// The DPoP settings, refused when several instances would each keep their own replay
/// store (a proof used at one would replay at another, RFC 9449 §11.1).
fn dpop_check(
    public_url: Option<String>,
    replay: Option<Arc<dyn ReplayStore>>,
    nonce_secret: Option<[u8; 32]>,
    window: ProofWindow,
    instances: usize,
) -> Result<Option<DpopCheck>, GuardError> {
    let replay = replay.unwrap_or_else(|| Arc::new(InMemoryReplayStore::default()));
    if instances > 1 && !replay.is_shared() {
        return Err(GuardError::ReplayStoreNotShared(instances));
    }
    Ok(public_url.map(|public_url| DpopCheck {
        public_url: public_url.trim_end_matches('/').to_owned(),
        replay,
        window,
        nonces: nonce_secret.map(|secret| DpopNonces::new(MacKey::from_bytes(secret))),
        keys: EmbeddedKeyCache::default(),
        token_hashes: TokenHashes::default(),
    }))
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
