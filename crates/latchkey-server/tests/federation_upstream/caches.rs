//! The caches: the JWKS is refetched once for an unknown `kid`, and at most once a minute per
//! provider however many such tokens arrive; discovery is fetched once per hour per issuer,
//! however many logins start at once.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use latchkey_crypto::{Algorithm, SigningKey};
use latchkey_server::federation::upstream::{IdTokenExpectations, OutboundRequest, UpstreamError};

use crate::hostile::{HostileProvider, CLIENT_ID, NONCE};

const UNKNOWN_KEY: UpstreamError =
    UpstreamError::IdToken("it is signed with a key the provider does not publish");

async fn validate(provider: &HostileProvider, token: &str) -> Result<serde_json::Value, UpstreamError> {
    let audiences = [CLIENT_ID.to_owned()];
    let expect = IdTokenExpectations { audiences: &audiences, nonce: Some(NONCE), access_token: None };
    provider.upstream.validate_id_token(&provider.config(), token, &expect).await
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_then_is_refused_even_under_a_flood() {
    let provider = Arc::new(HostileProvider::start().await);
    let stranger = SigningKey::generate(Algorithm::ES256).unwrap();
    let token = stranger.sign_jwt("JWT", &provider.good_claims()).unwrap();

    assert_eq!(validate(&provider, &token).await.unwrap_err(), UNKNOWN_KEY);
    assert_eq!(provider.jwks_hits(), 2, "the first fetch, then one refetch for the unknown kid");

    let flood: Vec<_> = (0..25)
        .map(|_| {
            let (provider, token) = (provider.clone(), token.clone());
            tokio::spawn(async move { validate(&provider, &token).await })
        })
        .collect();
    for task in flood {
        assert_eq!(task.await.unwrap().unwrap_err(), UNKNOWN_KEY);
    }
    assert_eq!(provider.jwks_hits(), 2, "no refetch during the cooldown");

    provider.clock.advance(60);
    assert_eq!(validate(&provider, &token).await.unwrap_err(), UNKNOWN_KEY);
    assert_eq!(provider.jwks_hits(), 3, "one refetch once the cooldown has passed");
}

#[tokio::test]
async fn a_rotated_key_is_found_by_the_refetch() {
    let provider = HostileProvider::start().await;
    let first = provider.key.sign_jwt("JWT", &provider.good_claims()).unwrap();
    validate(&provider, &first).await.unwrap();
    assert_eq!(provider.jwks_hits(), 1);

    let rotated = SigningKey::generate(Algorithm::EdDSA).unwrap();
    provider.state.jwks.lock().unwrap().keys.push(rotated.public_jwk());
    let token = rotated.sign_jwt("JWT", &provider.good_claims()).unwrap();
    assert_eq!(validate(&provider, &token).await.unwrap()["sub"], "user-1");
    assert_eq!(provider.jwks_hits(), 2);
    validate(&provider, &token).await.unwrap();
    assert_eq!(provider.jwks_hits(), 2, "then served from the cache");
}

#[tokio::test]
async fn a_burst_of_logins_fetches_discovery_once_per_hour() {
    let provider = Arc::new(HostileProvider::start().await);
    let request = OutboundRequest {
        redirect_uri: "https://latchkey.example/cb".parse().unwrap(),
        state: "s".into(),
        nonce: "n".into(),
        pkce_challenge: None,
        login_hint: None,
    };
    let burst = |provider: Arc<HostileProvider>| {
        let request = request.clone();
        (0..20)
            .map(move |_| {
                let (provider, request) = (provider.clone(), request.clone());
                tokio::spawn(async move {
                    provider.upstream.authorization_url(&provider.config(), &request).await
                })
            })
            .collect::<Vec<_>>()
    };
    for task in burst(provider.clone()) {
        task.await.unwrap().unwrap();
    }
    assert_eq!(provider.state.discovery_hits.load(Ordering::SeqCst), 1);
    provider.clock.advance(3599);
    for task in burst(provider.clone()) {
        task.await.unwrap().unwrap();
    }
    assert_eq!(provider.state.discovery_hits.load(Ordering::SeqCst), 1);
    provider.clock.advance(1);
    for task in burst(provider.clone()) {
        task.await.unwrap().unwrap();
    }
    assert_eq!(provider.state.discovery_hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn while_the_jwks_is_down_the_known_keys_serve_and_it_is_retried_each_minute() {
    let provider = HostileProvider::start().await;
    // A token issued at the provider's current time.
    let fresh = |provider: &HostileProvider| {
        let mut claims = provider.good_claims();
        let now = latchkey_core::clock::Clock::now(provider.clock.as_ref());
        claims["iat"] = now.into();
        claims["exp"] = (now + 300).into();
        provider.key.sign_jwt("JWT", &claims).unwrap()
    };
    validate(&provider, &fresh(&provider)).await.unwrap();
    provider.state.jwks_down.store(true, Ordering::SeqCst);
    provider.clock.advance(3600);
    validate(&provider, &fresh(&provider)).await.unwrap();
    assert_eq!(provider.jwks_hits(), 2, "the refetch failed; the known key was used");
    validate(&provider, &fresh(&provider)).await.unwrap();
    provider.clock.advance(59);
    validate(&provider, &fresh(&provider)).await.unwrap();
    assert_eq!(provider.jwks_hits(), 2, "not retried at every login");
    provider.clock.advance(1);
    validate(&provider, &fresh(&provider)).await.unwrap();
    assert_eq!(provider.jwks_hits(), 3, "retried after a minute");
}
