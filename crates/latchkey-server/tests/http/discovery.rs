//! Metadata (RFC 8414), JWKS (RFC 7517) and health endpoints.

use serde_json::Value;

use crate::testkit::TestServer;
use latchkey_store::on_both_backends;

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
        assert_eq!(
            grants,
            [
                "authorization_code",
                "password",
                "refresh_token",
                "client_credentials",
                "urn:ietf:params:oauth:grant-type:token-exchange"
            ]
        );
        assert_eq!(body["authorization_endpoint"], format!("{}/authorize", server.issuer));
        assert_eq!(body["userinfo_endpoint"], format!("{}/userinfo", server.issuer));
        assert_eq!(body["end_session_endpoint"], format!("{}/logout", server.issuer));
        assert_eq!(body["backchannel_logout_supported"], true);
        assert_eq!(body["backchannel_logout_session_supported"], true);
        assert_eq!(body["response_types_supported"], serde_json::json!(["code"]));
        assert_eq!(body["response_modes_supported"], serde_json::json!(["query"]));
        assert_eq!(body["code_challenge_methods_supported"], serde_json::json!(["S256"]));
        assert_eq!(body["authorization_response_iss_parameter_supported"], true);
        assert_eq!(body["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));
        assert_eq!(body["subject_types_supported"], serde_json::json!(["public"]));
        assert_eq!(body["prompt_values_supported"], serde_json::json!(["none", "login", "consent"]));
        let scopes = body["scopes_supported"].as_array().unwrap();
        for scope in ["openid", "profile", "email", "offline_access"] {
            assert!(scopes.iter().any(|s| s == scope), "{scope} not advertised");
        }
        assert!(body["claims_supported"].as_array().unwrap().iter().any(|c| c == "email"));
        assert_eq!(body["revocation_endpoint"], format!("{}/revoke", server.issuer));
        assert_eq!(body["introspection_endpoint"], format!("{}/introspect", server.issuer));
        assert_eq!(
            body["introspection_endpoint_auth_methods_supported"],
            serde_json::json!(["client_secret_basic", "client_secret_post"]),
            "introspection is for confidential clients only"
        );
        assert!(body.get("registration_endpoint").is_none(), "no dynamic registration");
    }
}

async fn jwks_publishes_public_keys_only(server: TestServer) {
    let response = server.http.get(server.url("/jwks.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("cache-control").unwrap().to_str().unwrap().contains("max-age"));
    let body: Value = response.json().await.unwrap();
    let keys = body["keys"].as_array().unwrap();
    let algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert!(algs.contains(&"ES256"), "access-token key: {algs:?}");
    assert!(algs.contains(&"RS256"), "ID-token key: {algs:?}");
    for key in keys {
        assert!(key["kid"].is_string() && key["use"] == "sig", "{key}");
        assert!(key.get("d").is_none() && key.get("p").is_none(), "private parameter published: {key}");
    }
}

async fn health_and_readiness(server: TestServer) {
    assert_eq!(server.http.get(server.url("/healthz")).send().await.unwrap().status(), 200);
    let ready = server.http.get(server.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
}
