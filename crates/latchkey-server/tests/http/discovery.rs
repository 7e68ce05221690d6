//! Metadata (RFC 8414), JWKS (RFC 7517) and health endpoints.

use serde_json::Value;

use crate::on_both_backends;
use crate::testkit::TestServer;

on_both_backends!(
    metadata_lists_only_what_is_implemented,
    jwks_publishes_public_keys_only,
    health_and_readiness
);

async fn metadata_lists_only_what_is_implemented(server: TestServer) {
    for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
        let body: Value = server.http.get(server.url(path)).send().await.unwrap().json().await.unwrap();
        assert_eq!(body["issuer"], server.issuer);
        assert_eq!(body["token_endpoint"], format!("{}/token", server.issuer));
        assert_eq!(body["jwks_uri"], format!("{}/jwks.json", server.issuer));
        let grants: Vec<&str> =
            body["grant_types_supported"].as_array().unwrap().iter().map(|g| g.as_str().unwrap()).collect();
        assert_eq!(grants, ["password", "refresh_token", "client_credentials"]);
        assert!(body.get("authorization_endpoint").is_none(), "no authorization endpoint exists yet");
        assert!(body.get("introspection_endpoint").is_none());
    }
}

async fn jwks_publishes_public_keys_only(server: TestServer) {
    let response = server.http.get(server.url("/jwks.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("cache-control").unwrap().to_str().unwrap().contains("max-age"));
    let body: Value = response.json().await.unwrap();
    let keys = body["keys"].as_array().unwrap();
    assert!(!keys.is_empty());
    for key in keys {
        assert!(key["kid"].is_string() && key["alg"] == "ES256" && key["use"] == "sig", "{key}");
        assert!(key.get("d").is_none() && key.get("p").is_none(), "private parameter published: {key}");
    }
}

async fn health_and_readiness(server: TestServer) {
    assert_eq!(server.http.get(server.url("/healthz")).send().await.unwrap().status(), 200);
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}
