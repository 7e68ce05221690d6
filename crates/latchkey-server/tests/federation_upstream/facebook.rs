//! Facebook through the upstream client, against the stand-in ([`crate::facebook_stand_in`]):
//! the profile with `appsecret_proof`, and the `debug_token` inspection a token exchange needs.

use std::sync::Arc;

use latchkey_core::clock::ManualClock;
use latchkey_server::federation::upstream::{
    preset, CallbackInput, PkceMode, ProviderConfig, Upstream, UpstreamError,
};
use url::Url;
use zeroize::Zeroizing;

use crate::facebook_stand_in::{self, APP_ID, APP_SECRET, INVALID_TOKEN, OTHER_APP_TOKEN, TOKEN, USER_ID};
use crate::hostile::NOW;

async fn config() -> ProviderConfig {
    let base = facebook_stand_in::start(NOW).await;
    let facebook = preset("facebook").unwrap();
    let mut config = ProviderConfig {
        name: "facebook".into(),
        kind: facebook.kind,
        flavor: facebook.flavor,
        client_id: APP_ID.into(),
        client_secret: Zeroizing::new(APP_SECRET.into()),
        scopes: facebook.scopes,
        pkce: PkceMode::Auto,
        mapping: facebook.mapping,
        overrides: Default::default(),
        native_client_ids: vec![],
    };
    config.overrides.token_endpoint = Some(Url::parse(&format!("{base}/v19.0/oauth/access_token")).unwrap());
    config.overrides.userinfo_endpoint = Some(Url::parse(&format!("{base}/v19.0/me")).unwrap());
    config
}

fn callback() -> CallbackInput {
    CallbackInput {
        code: "fb-code".into(),
        redirect_uri: Url::parse("https://latchkey.example/federation/callback").unwrap(),
        pkce_verifier: None,
        nonce: "unused".into(),
        apple_user: None,
    }
}

#[tokio::test]
async fn me_with_appsecret_proof_gives_the_profile_with_an_unverified_email() {
    let upstream = Upstream::new(Arc::new(ManualClock::new(crate::hostile::NOW)));
    let login = upstream.complete(&config().await, &callback()).await.unwrap();
    assert_eq!(login.subject, "10158000000000001");
    assert_eq!(login.profile.email.as_deref(), Some("mark@example.com"));
    assert!(!login.profile.email_verified, "Facebook asserts no verification");
    assert_eq!(login.profile.picture.as_deref(), Some("https://platform-lookaside.fbsbx.com/p.jpg"));
    assert_eq!(login.tokens.expires_in, Some(5183944));
}

#[tokio::test]
async fn a_wrong_app_secret_makes_the_graph_api_refuse_the_profile() {
    let upstream = Upstream::new(Arc::new(ManualClock::new(crate::hostile::NOW)));
    let mut config = config().await;
    config.client_secret = Zeroizing::new("not-the-app-secret".into());
    let err = upstream.complete(&config, &callback()).await.unwrap_err();
    assert_eq!(err, UpstreamError::Profile("the provider refused the profile request"));
    assert!(!err.to_string().contains("appsecret_proof"), "the Graph error is not echoed: {err}");
}

#[tokio::test]
async fn debug_token_vouches_for_our_apps_tokens_only() {
    let upstream = Upstream::new(Arc::new(ManualClock::new(NOW)));
    let config = config().await;
    let subject = upstream.native_access_token(&config, TOKEN).await.unwrap();
    assert_eq!(subject.login.subject, USER_ID);
    assert_eq!(subject.expires_at, NOW + 3600);
    assert_eq!(subject.replay_issuer, "provider:facebook");
    for (token, reason) in [
        (OTHER_APP_TOKEN, "another app"),
        (INVALID_TOKEN, "not valid"),
        ("never-issued", "refused to inspect"),
    ] {
        match upstream.native_access_token(&config, token).await.unwrap_err() {
            UpstreamError::Profile(said) => assert!(said.contains(reason), "{token}: {said}"),
            other => panic!("{token}: {other:?}"),
        }
    }
    // Past the token's expiry (the stand-in's clock is NOW).
    let later = Upstream::new(Arc::new(ManualClock::new(NOW + 3600)));
    assert!(later.native_access_token(&config, TOKEN).await.is_err());
    // Without our app secret, the inspection itself is refused.
    let mut wrong = config.clone();
    wrong.client_secret = Zeroizing::new("not-the-app-secret".into());
    assert!(upstream.native_access_token(&wrong, TOKEN).await.is_err());
}
