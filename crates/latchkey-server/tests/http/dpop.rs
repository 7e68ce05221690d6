//! DPoP proofs at the token endpoint (RFC 9449 §4.3, §5) from the attacker's side: a table of
//! proofs with one header or claim wrong each is refused with `invalid_dpop_proof`, on both
//! backends, with the server's injected clock (proofs are dated by it, far from real time).

use latchkey_core::claims::AccessTokenClaims;
use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::grant::GrantType;
use latchkey_crypto::{verify_jwt, Algorithm};
use latchkey_server::testing::DpopProver;
use reqwest::Response;
use serde_json::{json, Value};

use crate::testkit::{assert_oauth_error, TestServer};
use latchkey_store::on_both_backends;

on_both_backends!(
    a_proof_binds_the_access_token_for_each_algorithm,
    every_mutated_proof_is_refused,
    a_proof_is_accepted_once,
    htu_is_compared_normalized_with_the_public_url,
);

/// A confidential service with the client-credentials grant; returns (id, secret).
pub async fn service(server: &TestServer) -> (String, String) {
    let (id, secret) =
        server.add_client(ClientKind::Confidential, &[GrantType::ClientCredentials], "reports:read").await;
    (id, secret.unwrap())
}

/// `POST /token` with client credentials and these `DPoP` header values.
pub async fn token_with(server: &TestServer, client: &(String, String), proofs: &[&str]) -> Response {
    let mut request = server.http.post(server.url("/token")).basic_auth(&client.0, Some(&client.1));
    for proof in proofs {
        request = request.header("dpop", *proof);
    }
    request.form(&[("grant_type", "client_credentials")]).send().await.unwrap()
}

async fn a_proof_binds_the_access_token_for_each_algorithm(server: TestServer) {
    let client = service(&server).await;
    let htu = server.url("/token");
    for alg in Algorithm::ALL {
        let prover = DpopProver::new(alg);
        let proof = prover.proof("POST", &htu, server.clock.now(), None);
        let response = token_with(&server, &client, &[&proof]).await;
        assert_eq!(response.status(), 200, "{alg}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "DPoP", "RFC 9449 §5");
        let token = body["access_token"].as_str().unwrap();
        let claims = verify_jwt::<AccessTokenClaims>(token, &server.jwks().await).unwrap().claims;
        assert_eq!(claims.cnf.unwrap().jkt, prover.jkt(), "cnf.jkt is the proof key's thumbprint");
    }
    let plain: Value = token_with(&server, &client, &[]).await.json().await.unwrap();
    assert_eq!(plain["token_type"], "Bearer", "no proof, a bearer token");
}

type Mutation = fn(&mut Value, &mut Value, now: i64);

fn mutations() -> Vec<(&'static str, Mutation)> {
    vec![
        ("typ JWT", |h, _, _| h["typ"] = json!("JWT")),
        ("typ missing", |h, _, _| drop(h.as_object_mut().unwrap().remove("typ"))),
        ("alg none", |h, _, _| h["alg"] = json!("none")),
        ("alg HS256", |h, _, _| h["alg"] = json!("HS256")),
        ("alg of another key type", |h, _, _| h["alg"] = json!("RS256")),
        ("jwk missing", |h, _, _| drop(h.as_object_mut().unwrap().remove("jwk"))),
        ("private key in jwk", |h, _, _| {
            h["jwk"]["d"] = json!("c2VjcmV0LXNjYWxhci1vZi10aGUta2V5LTAwMDAwMDA")
        }),
        ("jwk of another key", |h, _, _| {
            h["jwk"]["x"] = json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        }),
        ("crit", |h, _, _| h["crit"] = json!(["exp"])),
        ("jti short", |_, c, _| c["jti"] = json!("only-15-chars..")),
        ("jti missing", |_, c, _| drop(c.as_object_mut().unwrap().remove("jti"))),
        ("htm GET", |_, c, _| c["htm"] = json!("GET")),
        ("htu scheme", |_, c, _| c["htu"] = json!(c["htu"].as_str().unwrap().replace("http:", "https:"))),
        ("htu port", |_, c, _| {
            let mut htu = url::Url::parse(c["htu"].as_str().unwrap()).unwrap();
            htu.set_port(Some(htu.port().unwrap() ^ 1)).unwrap();
            c["htu"] = json!(htu.as_str());
        }),
        ("htu path", |_, c, _| c["htu"] = json!(c["htu"].as_str().unwrap().replace("/token", "/revoke"))),
        ("htu relative", |_, c, _| c["htu"] = json!("/token")),
        ("iat too old", |_, c, now| c["iat"] = json!(now - 301)),
        ("iat in the future", |_, c, now| c["iat"] = json!(now + 61)),
        ("iat a string", |_, c, now| c["iat"] = json!(now.to_string())),
    ]
}

async fn every_mutated_proof_is_refused(server: TestServer) {
    let client = service(&server).await;
    let prover = DpopProver::new(Algorithm::EdDSA);
    let htu = server.url("/token");
    let now = server.clock.now();
    for (name, mutate) in mutations() {
        let (mut header, mut claims) = (prover.header(), prover.claims("POST", &htu, now, None));
        mutate(&mut header, &mut claims, now);
        let response = token_with(&server, &client, &[&prover.sign(&header, &claims)]).await;
        let body = assert_oauth_error(response, 400, "invalid_dpop_proof").await;
        assert!(!body.to_string().contains(prover.jkt()), "{name}: no echo");
    }
    let proof = prover.proof("POST", &htu, now, None);
    let tampered = format!("{}x", &proof[..proof.len() - 1]);
    assert_oauth_error(token_with(&server, &client, &[&tampered]).await, 400, "invalid_dpop_proof").await;
    let (a, b) = (prover.proof("POST", &htu, now, None), prover.proof("POST", &htu, now, None));
    assert_oauth_error(token_with(&server, &client, &[&a, &b]).await, 400, "invalid_dpop_proof").await;
    assert_oauth_error(token_with(&server, &client, &["not.a.jws"]).await, 400, "invalid_dpop_proof").await;
    // The window edges are inside.
    for iat in [now - 300, now + 60] {
        assert_eq!(
            token_with(&server, &client, &[&prover.proof("POST", &htu, iat, None)]).await.status(),
            200
        );
    }
}

async fn a_proof_is_accepted_once(server: TestServer) {
    let client = service(&server).await;
    let prover = DpopProver::new(Algorithm::ES256);
    let proof = prover.proof("POST", &server.url("/token"), server.clock.now(), None);
    let proofs = [proof.as_str()];
    let concurrent = futures::future::join_all((0..8).map(|_| token_with(&server, &client, &proofs))).await;
    let ok = concurrent.iter().filter(|r| r.status() == 200).count();
    assert_eq!(ok, 1, "of eight concurrent uses of one proof exactly one succeeds");
    server.clock.advance(120);
    let replay = token_with(&server, &client, &[&proof]).await;
    assert_oauth_error(replay, 400, "invalid_dpop_proof").await;
}

async fn htu_is_compared_normalized_with_the_public_url(server: TestServer) {
    let client = service(&server).await;
    let prover = DpopProver::new(Algorithm::ES256);
    let now = server.clock.now();
    let upper = server.url("/token").replace("http://", "HTTP://");
    for htu in [server.url("/token?query=ignored"), server.url("/token#fragment"), upper] {
        let response = token_with(&server, &client, &[&prover.proof("POST", &htu, now, None)]).await;
        assert_eq!(response.status(), 200, "{htu}");
    }
    // The Host header is not the public URL: a proof for the host the request names is refused.
    let proof = prover.proof("POST", "http://attacker.example/token", now, None);
    let response = server
        .http
        .post(server.url("/token"))
        .basic_auth(&client.0, Some(&client.1))
        .header("host", "attacker.example")
        .header("dpop", proof)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(response, 400, "invalid_dpop_proof").await;
}
