//! Per-provider behaviour through the hostile OpenID Connect provider: Apple's form_post,
//! client_secret_post and first-login name; PKCE modes; a token response without an ID token.

use latchkey_server::federation::mapping::ClaimMapping;
use latchkey_server::federation::upstream::{Flavor, OutboundRequest, PkceMode, UpstreamError};
use serde_json::json;
use url::Url;

use crate::hostile::{HostileProvider, CLIENT_ID, CLIENT_SECRET, NONCE};

fn outbound() -> OutboundRequest {
    OutboundRequest {
        redirect_uri: Url::parse("https://latchkey.example/federation/callback").unwrap(),
        state: "state-1".into(),
        nonce: NONCE.into(),
        pkce_challenge: Some("challenge-1".into()),
        login_hint: None,
    }
}

#[tokio::test]
async fn apple_posts_its_secret_takes_the_first_login_name_and_a_string_email_verified() {
    let provider = HostileProvider::start().await;
    let mut config = provider.config();
    config.flavor = Flavor::Apple;
    config.mapping = ClaimMapping::for_flavor(Flavor::Apple);
    let url = provider.upstream.authorization_url(&config, &outbound()).await.unwrap();
    assert!(url.query_pairs().any(|(k, v)| k == "response_mode" && v == "form_post"), "{url}");

    // UserInfo (which Apple does not have) would say another subject: it must not be called.
    *provider.state.userinfo.lock().unwrap() = json!({"sub": "someone-else"});
    let mut claims = provider.good_claims();
    claims["email_verified"] = json!("true");
    claims.as_object_mut().unwrap().remove("name");
    provider.hand_out(provider.key.sign_jwt("JWT", &claims).unwrap());
    let mut callback = provider.callback();
    callback.apple_user =
        Some(r#"{"name":{"firstName":"Ada","lastName":"Lovelace"},"email":"victim@example.com"}"#.into());
    let login = provider.upstream.complete(&config, &callback).await.unwrap();
    assert_eq!(login.profile.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(login.profile.family_name.as_deref(), Some("Lovelace"));
    assert_eq!(
        login.profile.email.as_deref(),
        Some("ada@example.com"),
        "the e-mail of the signed token only"
    );
    assert!(login.profile.email_verified);

    let requests = provider.state.token_requests.lock().unwrap().clone();
    let (authorization, form) = &requests[0];
    assert_eq!(authorization, &None, "client_secret_post");
    assert!(form.contains(&("client_id".into(), CLIENT_ID.into())));
    assert!(form.contains(&("client_secret".into(), CLIENT_SECRET.into())));
}

#[tokio::test]
async fn pkce_never_leaves_challenge_and_verifier_out() {
    let provider = HostileProvider::start().await;
    let mut config = provider.config();
    config.pkce = PkceMode::Never;
    let url = provider.upstream.authorization_url(&config, &outbound()).await.unwrap();
    assert!(!url.query_pairs().any(|(k, _)| k.starts_with("code_challenge")), "{url}");
    provider.hand_out(provider.key.sign_jwt("JWT", &provider.good_claims()).unwrap());
    provider.upstream.complete(&config, &provider.callback()).await.unwrap();
    let requests = provider.state.token_requests.lock().unwrap().clone();
    assert!(!requests[0].1.iter().any(|(k, _)| k == "code_verifier"));
}

#[tokio::test]
async fn a_token_response_without_an_id_token_is_refused() {
    let provider = HostileProvider::start().await;
    provider.hand_out(String::new());
    let err = provider.upstream.complete(&provider.config(), &provider.callback()).await.unwrap_err();
    assert_eq!(err, UpstreamError::IdToken("the provider returned none"));
}

#[tokio::test]
async fn upstream_futures_can_run_in_axum_handlers() {
    fn assert_send<T: Send>(_: &T) {}
    let provider = HostileProvider::start().await;
    let (config, callback) = (provider.config(), provider.callback());
    assert_send(&provider.upstream.complete(&config, &callback));
    assert_send(&provider.upstream.authorization_url(&config, &outbound()));
    assert_send(&provider.upstream.refresh(&config, "r"));
    fn assert_sync<T: Send + Sync>(_: &T) {}
    assert_sync(&provider.upstream);
}

#[tokio::test]
async fn apple_with_a_signing_key_gets_a_fresh_client_secret_jwt() {
    use base64::Engine;
    use latchkey_crypto::{verify_jwt, Algorithm, KeySet, SigningKey, VerifyingKey};

    let provider = HostileProvider::start().await;
    let apple_key = SigningKey::generate(Algorithm::ES256).unwrap();
    let der = apple_key.to_pkcs8().unwrap();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der.as_slice())
    );
    let mut config = provider.config();
    config.flavor = Flavor::Apple;
    config.client_secret =
        json!({"team_id": "TEAM123456", "key_id": "KEY7654321", "private_key": pem}).to_string().into();
    provider.hand_out(provider.key.sign_jwt("JWT", &provider.good_claims()).unwrap());
    provider.upstream.complete(&config, &provider.callback()).await.unwrap();

    let requests = provider.state.token_requests.lock().unwrap().clone();
    let secret = requests[0].1.iter().find(|(k, _)| k == "client_secret").map(|(_, v)| v.clone()).unwrap();
    let mut jwk = apple_key.public_jwk();
    jwk.kid = Some("KEY7654321".into());
    let keys = KeySet::new(vec![VerifyingKey::from_jwk(&jwk).unwrap()]);
    let verified = verify_jwt::<serde_json::Value>(&secret, &keys).unwrap();
    assert_eq!(verified.header.kid.as_deref(), Some("KEY7654321"));
    let claims = verified.claims;
    assert_eq!((claims["iss"].as_str(), claims["sub"].as_str()), (Some("TEAM123456"), Some(CLIENT_ID)));
    assert_eq!(claims["aud"].as_str(), Some(provider.issuer.as_str()));
    assert_eq!(claims["iat"], crate::hostile::NOW);
    assert_eq!(claims["exp"], crate::hostile::NOW + 300);

    config.client_secret =
        json!({"team_id": "T", "key_id": "K", "private_key": "garbage"}).to_string().into();
    let err = provider.upstream.complete(&config, &provider.callback()).await.unwrap_err();
    assert_eq!(err, UpstreamError::Discovery("the Apple signing key is not usable"));
}

#[tokio::test]
async fn the_callback_iss_must_be_the_issuer_and_present_when_advertised() {
    let provider = HostileProvider::start().await;
    let config = provider.config();
    let upstream = &provider.upstream;
    let invalid = UpstreamError::Authorization("invalid_issuer".into());
    assert_eq!(upstream.check_response_issuer(&config, Some(&provider.issuer)).await, Ok(()));
    assert_eq!(upstream.check_response_issuer(&config, None).await, Ok(()));
    let other = format!("{}/", provider.issuer);
    assert_eq!(upstream.check_response_issuer(&config, Some(&other)).await, Err(invalid.clone()));

    let advertising = HostileProvider::start().await;
    advertising.state.advertise_response_iss.store(true, std::sync::atomic::Ordering::SeqCst);
    let config = advertising.config();
    assert_eq!(advertising.upstream.check_response_issuer(&config, None).await, Err(invalid));
    assert_eq!(advertising.upstream.check_response_issuer(&config, Some(&advertising.issuer)).await, Ok(()));
}
