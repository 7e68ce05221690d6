//! A guard that cannot be trusted must not be built: configuration and discovery errors.

use latchkey_guard::{Guard, GuardError};

use crate::fake_issuer::{FakeIssuer, AUDIENCE};

#[tokio::test]
async fn an_audience_and_a_key_source_are_required() {
    let issuer = FakeIssuer::start().await;
    let error = Guard::builder().issuer(issuer.url.clone()).build().await.unwrap_err();
    assert!(matches!(error, GuardError::MissingAudience), "{error}");
    let error = Guard::builder().audience(AUDIENCE).build().await.unwrap_err();
    assert!(matches!(error, GuardError::MissingKeySource), "{error}");
    let error = Guard::builder()
        .jwks_uri(format!("{}/jwks.json", issuer.url))
        .audience(AUDIENCE)
        .introspection("rs", "secret")
        .build()
        .await
        .unwrap_err();
    assert!(matches!(error, GuardError::NeedsIssuer(_)), "{error}");
}

#[tokio::test]
async fn metadata_naming_another_issuer_is_refused() {
    let issuer = FakeIssuer::start().await;
    issuer.claim_to_be("https://evil.example");
    let error = issuer.guard().build().await.unwrap_err();
    assert!(matches!(error, GuardError::IssuerMismatch { .. }), "{error}");
}

#[tokio::test]
async fn an_unreachable_issuer_fails_the_build() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = Guard::builder().issuer(url).audience(AUDIENCE).build().await.unwrap_err();
    assert!(matches!(error, GuardError::Fetch { .. }), "{error}");
}

#[tokio::test]
async fn a_jwks_uri_skips_discovery() {
    let issuer = FakeIssuer::start().await;
    issuer.claim_to_be("https://evil.example");
    let guard = Guard::builder()
        .issuer(issuer.url.clone())
        .jwks_uri(format!("{}/jwks.json", issuer.url))
        .audience(AUDIENCE)
        .build()
        .await
        .unwrap();
    assert!(guard.verify(&issuer.token()).await.is_ok());
}

#[tokio::test]
async fn an_injected_clock_decides_expiry() {
    use std::sync::Arc;

    use latchkey_core::clock::ManualClock;

    let issuer = FakeIssuer::start().await;
    let token = issuer.token();
    let clock = Arc::new(ManualClock::new(crate::fake_issuer::now()));
    let guard = issuer.guard().clock(clock.clone()).build().await.unwrap();
    assert!(guard.verify(&token).await.is_ok());
    clock.advance(3600);
    let refused = guard.verify(&token).await.unwrap_err();
    assert!(refused.description().contains("expired"), "{}", refused.description());
}
