//! Each bad ID token of issue 10, refused by `Upstream::complete`; and the good one accepted.

use latchkey_crypto::{Algorithm, MacKey, SigningKey};
use latchkey_server::federation::upstream::{IdTokenExpectations, OutboundRequest, UpstreamError};
use serde_json::{json, Value};
use url::Url;

use crate::hostile::{
    token_with_header, HostileProvider, ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, NONCE, NOW,
};

fn set(claims: &mut Value, name: &str, value: Value) {
    claims.as_object_mut().unwrap().insert(name.into(), value);
}

/// Hands `id_token` out and checks the login is refused for `reason`.
async fn refused(provider: &HostileProvider, id_token: String, reason: &str) {
    provider.hand_out(id_token);
    let err = provider.upstream.complete(&provider.config(), &provider.callback()).await.unwrap_err();
    match err {
        UpstreamError::IdToken(said) => assert!(said.contains(reason), "expected {reason:?}, got {said:?}"),
        other => panic!("expected an ID-token refusal ({reason}), got {other:?}"),
    }
}

async fn refused_claims(provider: &HostileProvider, name: &str, value: Value, reason: &str) {
    let mut claims = provider.good_claims();
    set(&mut claims, name, value);
    refused(provider, provider.key.sign_jwt("JWT", &claims).unwrap(), reason).await;
}

#[tokio::test]
async fn the_good_token_logs_in_with_userinfo_merged() {
    let provider = HostileProvider::start().await;
    provider.hand_out(provider.key.sign_jwt("JWT", &provider.good_claims()).unwrap());
    let login = provider.upstream.complete(&provider.config(), &provider.callback()).await.unwrap();
    assert_eq!(login.subject, "user-1");
    assert_eq!(login.profile.email.as_deref(), Some("ada@example.com"));
    assert!(login.profile.email_verified);
    assert_eq!(login.profile.picture.as_deref(), Some("https://img.example/u1.png"), "from UserInfo");
    assert_eq!(login.tokens.access_token.as_str(), ACCESS_TOKEN);
    assert_eq!(login.tokens.refresh_token.as_deref().map(String::as_str), Some("upstream-refresh-1"));

    // The code went with client_secret_basic, the redirect URI and the PKCE verifier.
    let requests = provider.state.token_requests.lock().unwrap().clone();
    let (authorization, form) = &requests[0];
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{CLIENT_ID}:{CLIENT_SECRET}")
        )
    );
    assert_eq!(authorization.as_deref(), Some(basic.as_str()));
    let get = |k: &str| form.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str());
    assert_eq!(get("grant_type"), Some("authorization_code"));
    assert_eq!(get("code"), Some("code-1"));
    assert_eq!(get("redirect_uri"), Some("https://latchkey.example/federation/callback"));
    assert_eq!(get("code_verifier"), Some("verifier-0123456789012345678901234567890123"));
    assert_eq!(get("client_secret"), None, "the secret goes in the header only");
}

#[tokio::test]
async fn the_authorization_url_carries_state_nonce_and_pkce() {
    let provider = HostileProvider::start().await;
    let request = OutboundRequest {
        redirect_uri: Url::parse("https://latchkey.example/federation/callback").unwrap(),
        state: "state-1".into(),
        nonce: NONCE.into(),
        pkce_challenge: Some("challenge-1".into()),
        login_hint: Some("ada@example.com".into()),
    };
    let url = provider.upstream.authorization_url(&provider.config(), &request).await.unwrap();
    assert!(url.as_str().starts_with(&format!("{}/authorize?", provider.issuer)), "{url}");
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| query.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str());
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(get("client_id"), Some(CLIENT_ID));
    assert_eq!(get("scope"), Some("openid email"));
    assert_eq!(get("state"), Some("state-1"));
    assert_eq!(get("nonce"), Some(NONCE));
    assert_eq!((get("code_challenge"), get("code_challenge_method")), (Some("challenge-1"), Some("S256")));
    assert_eq!(get("login_hint"), Some("ada@example.com"));
}

#[tokio::test]
async fn wrong_issuer_audience_azp_times_nonce_and_at_hash_are_refused() {
    let provider = HostileProvider::start().await;
    let other_issuer = format!("{}/other", provider.issuer);
    refused_claims(&provider, "iss", json!(other_issuer), "(iss)").await;
    refused_claims(&provider, "aud", json!("someone-else"), "(aud)").await;
    let mut claims = provider.good_claims();
    set(&mut claims, "aud", json!([CLIENT_ID, "someone-else"]));
    set(&mut claims, "azp", json!("someone-else"));
    refused(&provider, provider.key.sign_jwt("JWT", &claims).unwrap(), "(azp)").await;
    refused_claims(&provider, "exp", json!(NOW - 120), "expired").await;
    refused_claims(&provider, "iat", json!(NOW + 3600), "future").await;
    refused_claims(&provider, "nonce", json!("another-login's-nonce"), "(nonce)").await;
    refused_claims(&provider, "at_hash", json!(crate::hostile::at_hash("another-token")), "at_hash").await;
}

#[tokio::test]
async fn alg_none_and_hs256_keyed_with_the_public_key_are_refused() {
    let provider = HostileProvider::start().await;
    let claims = provider.good_claims();
    let kid = provider.key.kid().to_owned();

    let none = token_with_header(&json!({"alg": "none", "kid": kid}), &claims, |_| Vec::new());
    refused(&provider, none, "algorithm is not allowed").await;

    // HMAC keyed with the public key, in each form an attacker might guess the verifier uses.
    let jwk = serde_json::to_vec(&provider.key.public_jwk()).unwrap();
    for secret in [jwk.clone(), provider.key.public_jwk().x.unwrap().into_bytes()] {
        let hs256 = token_with_header(&json!({"alg": "HS256", "kid": kid, "typ": "JWT"}), &claims, |input| {
            MacKey::from_secret(&secret).tag(input).to_vec()
        });
        refused(&provider, hs256, "algorithm is not allowed").await;
    }

    // An allowed algorithm that is not the key's (RS256 on our ES256 key's kid).
    let rsa = SigningKey::generate(Algorithm::RS256).unwrap();
    let swapped = token_with_header(&json!({"alg": "RS256", "kid": kid}), &claims, |input| {
        rsa.sign_raw(input).unwrap()
    });
    refused(&provider, swapped, "not the algorithm of its key").await;

    // The right header, signed by another key.
    let attacker = SigningKey::generate(Algorithm::ES256).unwrap();
    let forged = token_with_header(&json!({"alg": "ES256", "kid": kid, "typ": "JWT"}), &claims, |input| {
        attacker.sign_raw(input).unwrap()
    });
    refused(&provider, forged, "signature is not valid").await;
}

#[tokio::test]
async fn a_discovered_issuer_that_differs_by_one_byte_is_refused() {
    let provider = HostileProvider::start().await;
    *provider.state.discovery_issuer.lock().unwrap() = Some(format!("{}/", provider.issuer));
    provider.hand_out(provider.key.sign_jwt("JWT", &provider.good_claims()).unwrap());
    let err = provider.upstream.complete(&provider.config(), &provider.callback()).await.unwrap_err();
    assert_eq!(err, UpstreamError::Discovery("the discovered issuer is not the configured issuer"));
    assert!(provider.state.token_requests.lock().unwrap().is_empty(), "no code was sent to it");
}

#[tokio::test]
async fn userinfo_for_another_subject_is_refused() {
    let provider = HostileProvider::start().await;
    *provider.state.userinfo.lock().unwrap() = json!({"sub": "user-2", "email": "victim@example.com"});
    provider.hand_out(provider.key.sign_jwt("JWT", &provider.good_claims()).unwrap());
    let err = provider.upstream.complete(&provider.config(), &provider.callback()).await.unwrap_err();
    assert_eq!(err, UpstreamError::SubjectMismatch);
}

#[tokio::test]
async fn native_audiences_are_accepted_by_validate_id_token() {
    let provider = HostileProvider::start().await;
    let mut claims = provider.good_claims();
    set(&mut claims, "aud", json!([CLIENT_ID, "ios-app"]));
    set(&mut claims, "azp", json!("ios-app"));
    let token = provider.key.sign_jwt("JWT", &claims).unwrap();
    let audiences = [CLIENT_ID.to_owned(), "ios-app".to_owned()];
    let expect = IdTokenExpectations { audiences: &audiences, nonce: None, access_token: None };
    let verified = provider.upstream.validate_id_token(&provider.config(), &token, &expect).await.unwrap();
    assert_eq!(verified["sub"], "user-1");
    let ours_only = [CLIENT_ID.to_owned()];
    let expect = IdTokenExpectations { audiences: &ours_only, nonce: None, access_token: None };
    let err = provider.upstream.validate_id_token(&provider.config(), &token, &expect).await.unwrap_err();
    assert_eq!(err, UpstreamError::IdToken("it was issued to another client (azp)"));
}
