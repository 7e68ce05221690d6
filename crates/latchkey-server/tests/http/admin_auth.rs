//! Who may use the admin API, from the attacker's side: no token, a token without the admin
//! scope, an expired one, a DPoP-bound one without its proof, a user's token; and every
//! admitted call is an audit event naming the acting client.

use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::grant::GrantType;
use latchkey_crypto::Algorithm;
use latchkey_server::testing::DpopProver;
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_kit::{admin, admin_client, admin_token, assert_problem, token_of};
use crate::testkit::TestServer;
use latchkey_store::on_both_backends;

on_both_backends!(
    no_token_is_401_with_a_challenge,
    a_token_without_the_admin_scope_is_403,
    an_expired_admin_token_is_401,
    a_dpop_bound_admin_token_needs_its_proof,
    the_admin_scope_is_only_for_client_credentials_clients,
    every_admitted_call_is_audited_with_the_acting_client,
);

async fn no_token_is_401_with_a_challenge(server: TestServer) {
    let response = server.http.get(server.url("/admin/users")).send().await.unwrap();
    let challenge = response.headers().get("www-authenticate").unwrap().to_str().unwrap().to_owned();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert_problem(response, 401).await;
    let forged = admin(&server, "eyJhbGciOiJub25lIn0.e30.", Method::GET, "/users").send().await.unwrap();
    assert_problem(forged, 401).await;
}

async fn a_token_without_the_admin_scope_is_403(server: TestServer) {
    let (id, secret) =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "reports:read").await;
    let token = token_of(&server, &(id, secret.unwrap())).await;
    let response = admin(&server, &token, Method::GET, "/users").send().await.unwrap();
    let challenge = response.headers().get("www-authenticate").unwrap().to_str().unwrap().to_owned();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    assert_problem(response, 403).await;
}

async fn an_expired_admin_token_is_401(server: TestServer) {
    let token = admin_token(&server).await;
    assert_eq!(admin(&server, &token, Method::GET, "/users").send().await.unwrap().status(), 200);
    server.clock.advance(301); // the default access-token lifetime is 300 s
    let response = admin(&server, &token, Method::GET, "/users").send().await.unwrap();
    let body = assert_problem(response, 401).await;
    assert!(body["detail"].as_str().unwrap().contains("expired"), "{body}");
}

async fn a_dpop_bound_admin_token_needs_its_proof(server: TestServer) {
    let client = admin_client(&server).await;
    let prover = DpopProver::new(Algorithm::ES256);
    let proof = prover.proof("POST", &server.url("/token"), server.clock.now(), None);
    let response = server
        .http
        .post(server.url("/token"))
        .basic_auth(&client.0, Some(&client.1))
        .header("dpop", proof)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
    let token = body["access_token"].as_str().unwrap();
    let url = server.url("/admin/users");
    // As a bearer token, or with the DPoP scheme but no proof: refused.
    assert_problem(server.http.get(&url).bearer_auth(token).send().await.unwrap(), 401).await;
    let no_proof =
        server.http.get(&url).header("authorization", format!("DPoP {token}")).send().await.unwrap();
    assert_problem(no_proof, 401).await;
    // A proof of another key: refused.
    let thief = DpopProver::new(Algorithm::ES256);
    let stolen = thief.proof("GET", &url, server.clock.now(), Some(token));
    let response = server
        .http
        .get(&url)
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", stolen)
        .send()
        .await
        .unwrap();
    assert_problem(response, 401).await;
    let proof = prover.proof("GET", &url, server.clock.now(), Some(token));
    let response = server
        .http
        .get(&url)
        .header("authorization", format!("DPoP {token}"))
        .header("dpop", proof)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn the_admin_scope_is_only_for_client_credentials_clients(server: TestServer) {
    let token = admin_token(&server).await;
    let request = json!({
        "name": "sneaky", "type": "confidential", "grant_types": ["password", "client_credentials"],
        "scopes": ["latchkey:admin"],
    });
    let response = admin(&server, &token, Method::POST, "/clients").json(&request).send().await.unwrap();
    let body = assert_problem(response, 400).await;
    assert!(body["detail"].as_str().unwrap().contains("client_credentials"), "{body}");
}

async fn every_admitted_call_is_audited_with_the_acting_client(server: TestServer) {
    let client = admin_client(&server).await;
    let token = token_of(&server, &client).await;
    assert_eq!(admin(&server, &token, Method::GET, "/clients").send().await.unwrap().status(), 200);
    let missing = admin(&server, &token, Method::GET, "/users/nobody").send().await.unwrap();
    assert_problem(missing, 404).await;
    let page: Value = admin(&server, &token, Method::GET, "/audit-events?type=admin_request")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = page["items"].as_array().unwrap();
    let details: Vec<&str> = events.iter().map(|e| e["detail"].as_str().unwrap()).collect();
    assert_eq!(details, ["GET /admin/users/nobody 404", "GET /admin/clients 200"], "newest first");
    assert!(events.iter().all(|e| e["client_id"] == client.0.as_str()));
}
