//! The proxy against a real echo API: what crosses, what never does, and what fails how.

use latchkey_store::on_both_backends;
use reqwest::Method;

use crate::testkit::Harness;

on_both_backends!(
    the_api_sees_the_bearer_token_but_never_the_browsers_credentials,
    the_path_cannot_climb_out_of_the_upstream_base,
    an_unreachable_or_slow_upstream_is_a_gateway_error,
);

async fn the_api_sees_the_bearer_token_but_never_the_browsers_credentials(h: Harness) {
    let bff = h.start_bff().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    let session = browser.session_cookie().unwrap();
    let response = browser
        .api(Method::POST, "/api/transfers/7?dry_run=1")
        .header("cookie", format!("__Host-latchkey-bff={session}; analytics=track-me"))
        .header("authorization", "Bearer forged-by-the-page")
        .header("connection", "x-hop")
        .header("x-hop", "secret")
        .body("{\"amount\":\"10.00\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("set-cookie").is_none(), "the API's cookie is dropped");
    let seen: serde_json::Value = response.json().await.unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["uri"], "/v1/transfers/7?dry_run=1");
    assert_eq!(seen["body"], "{\"amount\":\"10.00\"}");
    assert_eq!(seen["cookie"], serde_json::Value::Null);
    assert_eq!(seen["csrf"], serde_json::Value::Null);
    let bearer = seen["authorization"].as_str().unwrap();
    assert!(bearer.starts_with("Bearer ey") && !bearer.contains("forged"), "{bearer}");
}

async fn the_path_cannot_climb_out_of_the_upstream_base(h: Harness) {
    let bff = h.start_bff().await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    for path in ["/api/a%2F..%2Fadmin", "/api/%2e%2e%2fadmin", "/api/..%5Cadmin"] {
        let response = browser.api(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
    }
    let other = browser.api(Method::GET, "/apix/accounts").send().await.unwrap();
    assert_eq!(other.status(), 404, "only whole prefix segments are proxied");
}

async fn an_unreachable_or_slow_upstream_is_a_gateway_error(h: Harness) {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let slow = crate::testkit::serve(axum::Router::new().fallback(|| async {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        "late"
    }))
    .await;
    let mut config = h.config();
    config.upstream_timeout = std::time::Duration::from_millis(500);
    config.routes = vec![
        latchkey_bff::ApiRoute::parse(&format!("/down={closed_url}")).unwrap(),
        latchkey_bff::ApiRoute::parse(&format!("/slow={slow}")).unwrap(),
    ];
    let bff = h.start_bff_with(config).await;
    let mut browser = h.browser(&bff);
    browser.sign_in("/").await;
    assert_eq!(browser.api(Method::GET, "/down/x").send().await.unwrap().status(), 502);
    assert_eq!(browser.api(Method::GET, "/slow/x").send().await.unwrap().status(), 504);
}
