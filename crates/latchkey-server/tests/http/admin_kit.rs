//! Helpers of the admin API tests: an admin client's token and requests carrying it.

use latchkey_core::client::ClientKind;
use latchkey_core::grant::GrantType;
use latchkey_core::scope::ADMIN_SCOPE;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

use crate::testkit::TestServer;

/// An admin client (client credentials, `latchkey:admin`): its id and secret.
pub async fn admin_client(server: &TestServer) -> (String, String) {
    let (id, secret) =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], ADMIN_SCOPE).await;
    (id, secret.unwrap())
}

/// A client-credentials access token of `client`.
pub async fn token_of(server: &TestServer, client: &(String, String)) -> String {
    let response = server
        .http
        .post(server.url("/token"))
        .basic_auth(&client.0, Some(&client.1))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// An admin token of a new admin client.
pub async fn admin_token(server: &TestServer) -> String {
    let client = admin_client(server).await;
    token_of(server, &client).await
}

/// A request to `/admin{path}` with `token`.
pub fn admin(server: &TestServer, token: &str, method: Method, path: &str) -> RequestBuilder {
    server.http.request(method, server.url(&format!("/admin{path}"))).bearer_auth(token)
}

/// Asserts an RFC 9457 problem with `status` and returns its body.
pub async fn assert_problem(response: Response, status: u16) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["status"].as_u64(), body["type"].as_str()),
        (Some(u64::from(status)), Some("about:blank"))
    );
    body
}
