//! DPoP-bound tokens from the thief's side (RFC 9449 §5, §7, §8): a stolen bound refresh or
//! access token is useless without the key; a refresh without the key's proof is refused and
//! is not taken for reuse (the family survives); concurrent duplicate refreshes with proofs
//! still get one successor; `required` clients and server nonces, replaced on a successful
//! answer when due to change.

use latchkey_core::client::ClientKind;
use latchkey_core::clock::Clock;
use latchkey_core::dpop::DpopPolicy;
use latchkey_core::grant::GrantType;
use latchkey_crypto::{decode_unverified, Algorithm};
use latchkey_server::testing::DpopProver;
use reqwest::Response;
use serde_json::Value;

use crate::dpop::{service, token_with};
use crate::flow::{authorize_as_alice, Browser, Rp, REDIRECT_URI};
use crate::testkit::{assert_oauth_error, TestServer, PASSWORD};
use latchkey_store::on_both_backends;

on_both_backends!(
    a_bound_refresh_token_needs_a_proof_of_its_key_and_is_not_taken_for_reuse,
    concurrent_duplicate_refreshes_with_proofs_get_one_successor,
    a_stolen_bound_access_token_is_useless_at_the_resources,
    a_required_client_without_a_proof_is_refused,
    a_client_that_needs_a_nonce_gets_one_and_it_works,
    introspection_names_the_key,
    a_code_bound_at_authorize_needs_a_proof_of_that_key,
);

async fn token_request(server: &TestServer, form: &[(&str, &str)], proof: Option<&str>) -> Response {
    let mut request = server.http.post(server.url("/token")).form(form);
    if let Some(proof) = proof {
        request = request.header("dpop", proof);
    }
    request.send().await.unwrap()
}

fn token_proof(server: &TestServer, prover: &DpopProver) -> String {
    prover.proof("POST", &server.url("/token"), server.clock.now(), None)
}

async fn bound_login(server: &TestServer, app: &str, prover: &DpopProver) -> Value {
    let form =
        [("grant_type", "password"), ("client_id", app), ("username", "alice"), ("password", PASSWORD)];
    let response = token_request(server, &form, Some(&token_proof(server, prover))).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
    body
}

async fn refresh_with(server: &TestServer, app: &str, token: &str, prover: Option<&DpopProver>) -> Response {
    let form = [("grant_type", "refresh_token"), ("client_id", app), ("refresh_token", token)];
    let proof = prover.map(|prover| token_proof(server, prover));
    token_request(server, &form, proof.as_deref()).await
}

fn text<'a>(body: &'a Value, name: &str) -> &'a str {
    body[name].as_str().unwrap()
}

async fn a_bound_refresh_token_needs_a_proof_of_its_key_and_is_not_taken_for_reuse(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let owner = DpopProver::new(Algorithm::ES256);
    let login = bound_login(&server, &app, &owner).await;
    let stolen = text(&login, "refresh_token");
    let sid = decode_unverified(text(&login, "access_token")).unwrap().1["sid"].as_str().unwrap().to_owned();

    let thief = DpopProver::new(Algorithm::ES256);
    assert_oauth_error(refresh_with(&server, &app, stolen, None).await, 400, "invalid_grant").await;
    assert_oauth_error(refresh_with(&server, &app, stolen, Some(&thief)).await, 400, "invalid_grant").await;
    server.clock.advance(60); // past the reuse window: a replay now would end the family
    assert_oauth_error(refresh_with(&server, &app, stolen, Some(&thief)).await, 400, "invalid_grant").await;
    let session = server.store.session(&sid).await.unwrap().unwrap().session;
    assert_eq!((session.revoked_at, session.generation), (None, 0), "not revoked, not rotated");
    assert_eq!(session.dpop_jkt.as_deref(), Some(owner.jkt()));

    let refreshed = refresh_with(&server, &app, stolen, Some(&owner)).await;
    assert_eq!(refreshed.status(), 200, "the key holder goes on");
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_eq!(refreshed["token_type"], "DPoP");
    let next = text(&refreshed, "refresh_token");
    assert_eq!(refresh_with(&server, &app, next, Some(&owner)).await.status(), 200);
}

async fn concurrent_duplicate_refreshes_with_proofs_get_one_successor(server: TestServer) {
    let app = server.with_app_and_alice().await;
    let owner = DpopProver::new(Algorithm::EdDSA);
    let token = text(&bound_login(&server, &app, &owner).await, "refresh_token").to_owned();
    let refreshes = (0..10).map(|_| refresh_with(&server, &app, &token, Some(&owner)));
    let mut successors = Vec::new();
    for response in futures::future::join_all(refreshes).await {
        assert_eq!(response.status(), 200, "a concurrent duplicate is not theft");
        successors.push(text(&response.json::<Value>().await.unwrap(), "refresh_token").to_owned());
    }
    successors.dedup();
    assert_eq!(successors.len(), 1, "one successor for all");
}

async fn resource(server: &TestServer, path: &str, authorization: &str, proof: Option<&str>) -> Response {
    let mut request = server.http.get(server.url(path)).header("authorization", authorization);
    if let Some(proof) = proof {
        request = request.header("dpop", proof);
    }
    request.send().await.unwrap()
}

async fn assert_dpop_refusal(response: Response, code: &str) {
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(
        challenge.starts_with("DPoP ") && challenge.contains("algs=\"ES256 EdDSA RS256\""),
        "{challenge}"
    );
    assert!(challenge.contains(&format!("error=\"{code}\"")), "{challenge}");
}

async fn a_stolen_bound_access_token_is_useless_at_the_resources(server: TestServer) {
    server.add_user("alice", &[]).await;
    let (app, _) = server
        .add_client(ClientKind::Public, &[GrantType::Password, GrantType::RefreshToken], "openid profile")
        .await;
    let owner = DpopProver::new(Algorithm::ES256);
    let stolen = text(&bound_login(&server, &app, &owner).await, "access_token").to_owned();
    let thief = DpopProver::new(Algorithm::ES256);
    let now = server.clock.now();
    for path in ["/userinfo", "/account/sessions"] {
        let url = server.url(path);
        let as_bearer = resource(&server, path, &format!("Bearer {stolen}"), None).await;
        assert_dpop_refusal(as_bearer, "invalid_token").await;
        let dpop = format!("DPoP {stolen}");
        assert_dpop_refusal(resource(&server, path, &dpop, None).await, "invalid_dpop_proof").await;
        let thiefs = thief.proof("GET", &url, now, Some(&stolen));
        assert_dpop_refusal(resource(&server, path, &dpop, Some(&thiefs)).await, "invalid_dpop_proof").await;
        let no_ath = owner.proof("GET", &url, now, None);
        assert_dpop_refusal(resource(&server, path, &dpop, Some(&no_ath)).await, "invalid_dpop_proof").await;
        let wrong_ath = owner.proof("GET", &url, now, Some("another-token"));
        assert_dpop_refusal(resource(&server, path, &dpop, Some(&wrong_ath)).await, "invalid_dpop_proof")
            .await;
        let other_path = owner.proof("GET", &server.url("/revoke"), now, Some(&stolen));
        assert_dpop_refusal(resource(&server, path, &dpop, Some(&other_path)).await, "invalid_dpop_proof")
            .await;

        let good = owner.proof("GET", &url, now, Some(&stolen));
        assert_eq!(resource(&server, path, &dpop, Some(&good)).await.status(), 200, "{path}");
        assert_dpop_refusal(resource(&server, path, &dpop, Some(&good)).await, "invalid_dpop_proof").await;
    }
    // An unbound token may not pose as DPoP.
    let (plain_app, _) = server.add_client(ClientKind::Public, &[GrantType::Password], "openid").await;
    let plain = text(&server.login_alice(&plain_app).await, "access_token").to_owned();
    let proof = owner.proof("GET", &server.url("/userinfo"), now, Some(&plain));
    let response = resource(&server, "/userinfo", &format!("DPoP {plain}"), Some(&proof)).await;
    assert_dpop_refusal(response, "invalid_token").await;
    assert_eq!(resource(&server, "/userinfo", &format!("Bearer {plain}"), None).await.status(), 200);
}

async fn a_required_client_without_a_proof_is_refused(server: TestServer) {
    let (id, secret) = server
        .add_client_with(ClientKind::Confidential, &[GrantType::ClientCredentials], "reports:read", |c| {
            c.dpop = DpopPolicy::Required;
        })
        .await;
    let client = (id, secret.unwrap());
    assert_oauth_error(token_with(&server, &client, &[]).await, 400, "invalid_dpop_proof").await;
    let proof = token_proof(&server, &DpopProver::new(Algorithm::RS256));
    assert_eq!(token_with(&server, &client, &[&proof]).await.status(), 200);

    // `off`: the header is ignored and the token is a bearer token.
    let (id, secret) = server
        .add_client_with(ClientKind::Confidential, &[GrantType::ClientCredentials], "reports:read", |c| {
            c.dpop = DpopPolicy::Off;
        })
        .await;
    let proof = token_proof(&server, &DpopProver::new(Algorithm::ES256));
    let body: Value = token_with(&server, &(id, secret.unwrap()), &[&proof]).await.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
}

async fn a_client_that_needs_a_nonce_gets_one_and_it_works(server: TestServer) {
    let (id, secret) = server
        .add_client_with(ClientKind::Confidential, &[GrantType::ClientCredentials], "reports:read", |c| {
            c.dpop_nonce = true;
        })
        .await;
    let client = (id, secret.unwrap());
    let prover = DpopProver::new(Algorithm::ES256);
    let response = token_with(&server, &client, &[&token_proof(&server, &prover)]).await;
    let nonce = response.headers()["dpop-nonce"].to_str().unwrap().to_owned();
    assert_oauth_error(response, 400, "use_dpop_nonce").await;

    let with_nonce = |nonce: &str, iat: i64| {
        let mut claims = prover.claims("POST", &server.url("/token"), iat, None);
        claims["nonce"] = nonce.into();
        prover.sign(&prover.header(), &claims)
    };
    let forged = with_nonce("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", server.clock.now());
    assert_oauth_error(token_with(&server, &client, &[&forged]).await, 400, "use_dpop_nonce").await;
    // With a valid nonce, the proof's age no longer matters (the nonce is the freshness).
    let old = server.clock.now() - 3_600;
    let response = token_with(&server, &client, &[&with_nonce(&nonce, old)]).await;
    assert_eq!(response.status(), 200);
    assert!(!response.headers().contains_key("dpop-nonce"), "the nonce is current: nothing to replace");
    // One step on, the nonce still works but is due to change: its successor comes with the
    // tokens (RFC 9449 §8.2), and works in the step after, when the first has expired.
    server.clock.advance(60);
    let response = token_with(&server, &client, &[&with_nonce(&nonce, server.clock.now())]).await;
    assert_eq!(response.status(), 200);
    let next = response.headers()["dpop-nonce"].to_str().unwrap().to_owned();
    assert_ne!(next, nonce);
    server.clock.advance(60);
    assert_eq!(token_with(&server, &client, &[&with_nonce(&next, server.clock.now())]).await.status(), 200);
    server.clock.advance(300);
    let stale = with_nonce(&nonce, server.clock.now());
    let response = token_with(&server, &client, &[&stale]).await;
    assert!(response.headers().contains_key("dpop-nonce"), "a fresh nonce comes with the refusal");
    assert_oauth_error(response, 400, "use_dpop_nonce").await;
}

async fn introspection_names_the_key(server: TestServer) {
    let client = service(&server).await;
    let prover = DpopProver::new(Algorithm::EdDSA);
    let body: Value =
        token_with(&server, &client, &[&token_proof(&server, &prover)]).await.json().await.unwrap();
    let response = server
        .http
        .post(server.url("/introspect"))
        .basic_auth(&client.0, Some(&client.1))
        .form(&[("token", text(&body, "access_token"))])
        .send()
        .await
        .unwrap();
    let info: Value = response.json().await.unwrap();
    assert_eq!((info["active"].as_bool(), info["token_type"].as_str()), (Some(true), Some("DPoP")));
    assert_eq!(info["cnf"]["jkt"], prover.jkt());
}

async fn a_code_bound_at_authorize_needs_a_proof_of_that_key(server: TestServer) {
    server.add_user("alice", &[]).await;
    let rp = Rp::register(&server, "openid").await;
    let owner = DpopProver::new(Algorithm::ES256);
    let mut browser = Browser::new(&server);
    let mut exchange = async |prover: &DpopProver| {
        let code = authorize_as_alice(&mut browser, &rp, &[("dpop_jkt", owner.jkt())]).await["code"].clone();
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", rp.client_id.as_str()),
            ("code_verifier", rp.verifier.as_str()),
        ];
        token_request(&server, &form, Some(&token_proof(&server, prover))).await
    };
    let thief = DpopProver::new(Algorithm::ES256);
    assert_oauth_error(exchange(&thief).await, 400, "invalid_grant").await;
    let response = exchange(&owner).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
    let refresh = text(&body, "refresh_token");
    assert_oauth_error(refresh_with(&server, &rp.client_id, refresh, None).await, 400, "invalid_grant").await;
    assert_eq!(refresh_with(&server, &rp.client_id, refresh, Some(&owner)).await.status(), 200);
}
