//! Upstream down, hanging or failing: `Unreachable`, within the timeouts; and the refresh grant.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::{get, post};
use axum::Router;
use latchkey_core::clock::ManualClock;
use latchkey_server::federation::upstream::{OutboundRequest, ProviderKind, Upstream, UpstreamError};

use crate::hostile::{HostileProvider, NOW};

#[tokio::test]
async fn a_provider_that_is_down_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let provider = HostileProvider::start().await;
    let mut config = provider.config();
    config.kind = ProviderKind::Oidc { issuer };
    let err = provider.upstream.complete(&config, &provider.callback()).await.unwrap_err();
    assert_eq!(err, UpstreamError::Unreachable);
}

#[tokio::test]
async fn a_provider_that_never_answers_times_out() {
    let hang = Router::new().route(
        "/.well-known/openid-configuration",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "{}"
        }),
    );
    let issuer = crate::serve(hang).await;
    let provider = HostileProvider::start().await;
    let mut config = provider.config();
    config.kind = ProviderKind::Oidc { issuer };
    let upstream = Upstream::with_timeouts(
        Arc::new(ManualClock::new(NOW)),
        Duration::from_secs(1),
        Duration::from_secs(1),
    );
    let started = Instant::now();
    let err = upstream.complete(&config, &provider.callback()).await.unwrap_err();
    assert_eq!(err, UpstreamError::Unreachable);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_server_error_is_unreachable_and_https_is_required_off_loopback() {
    let failing = Router::new()
        .route("/token", post(|| async { (axum::http::StatusCode::BAD_GATEWAY, "<html>proxy</html>") }));
    let base = crate::serve(failing).await;
    let provider = HostileProvider::start().await;
    let mut config = provider.config();
    config.overrides.token_endpoint = Some(format!("{base}/token").parse().unwrap());
    assert_eq!(provider.upstream.refresh(&config, "r").await.unwrap_err(), UpstreamError::Unreachable);

    let not_https = UpstreamError::Discovery("an upstream URL must use https (plain http only on loopback)");
    let mut browser_sent_to_http = provider.config();
    browser_sent_to_http.overrides.authorization_endpoint =
        Some("http://idp.example/authorize".parse().unwrap());
    let request = OutboundRequest {
        redirect_uri: "https://latchkey.example/cb".parse().unwrap(),
        state: "s".into(),
        nonce: "n".into(),
        pkce_challenge: None,
        login_hint: None,
    };
    let err = provider.upstream.authorization_url(&browser_sent_to_http, &request).await.unwrap_err();
    assert_eq!(err, not_https);
    config.kind = ProviderKind::Oidc { issuer: "http://idp.example".into() };
    assert_eq!(provider.upstream.refresh(&config, "r").await.unwrap_err(), not_https);
}

#[tokio::test]
async fn refresh_sends_the_refresh_grant_and_reads_the_new_tokens() {
    let provider = HostileProvider::start().await;
    let tokens = provider.upstream.refresh(&provider.config(), "upstream-refresh-1").await.unwrap();
    assert_eq!(tokens.access_token.as_str(), crate::hostile::ACCESS_TOKEN);
    assert_eq!(tokens.expires_in, Some(3600));
    let requests = provider.state.token_requests.lock().unwrap().clone();
    let form = &requests[0].1;
    assert!(form.contains(&("grant_type".into(), "refresh_token".into())), "{form:?}");
    assert!(form.contains(&("refresh_token".into(), "upstream-refresh-1".into())), "{form:?}");
    assert!(requests[0].0.as_deref().is_some_and(|h| h.starts_with("Basic ")));
}

#[tokio::test]
async fn an_oversized_answer_is_not_read_into_memory() {
    let huge = Router::new().route(
        "/.well-known/openid-configuration",
        get(|| async { format!("{{\"issuer\":\"{}\"}}", "x".repeat(300 * 1024)) }),
    );
    let issuer = crate::serve(huge).await;
    let provider = HostileProvider::start().await;
    let mut config = provider.config();
    config.kind = ProviderKind::Oidc { issuer };
    assert_eq!(provider.upstream.refresh(&config, "r").await.unwrap_err(), UpstreamError::Unreachable);
}

#[tokio::test]
async fn a_refused_or_non_json_userinfo_is_a_profile_error() {
    let provider = HostileProvider::start().await;
    provider.hand_out(provider.key.sign_jwt("JWT", &provider.good_claims()).unwrap());
    let userinfo = Router::new()
        .route(
            "/refused",
            get(|| async { (axum::http::StatusCode::UNAUTHORIZED, "{\"error\":\"invalid_token\"}") }),
        )
        .route("/html", get(|| async { "<html>login</html>" }));
    let base = crate::serve(userinfo).await;
    for (path, reason) in [
        ("refused", "the provider refused the profile request"),
        ("html", "the profile is not a JSON object"),
    ] {
        let mut config = provider.config();
        config.overrides.userinfo_endpoint = Some(format!("{base}/{path}").parse().unwrap());
        let err = provider.upstream.complete(&config, &provider.callback()).await.unwrap_err();
        assert_eq!(err, UpstreamError::Profile(reason));
    }
}
